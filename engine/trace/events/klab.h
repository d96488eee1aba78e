// The lab's own klab: events, where 6.1 has no tracepoint for work the views show (vmalloc's
// tracepoints came in 6.2; kmap has none): fields, the text form (in the style of TP_printk),
// the plain-words line and the emitter, as in trace/events/kmem.h. klab:vmalloc and klab:vfree
// stand for a whole operation: they are the parents of the mm_page_alloc / mm_page_free
// events of the area's pages.
#pragma once

#include "machine/kernel.h"
#include "mm/gfp.h"

namespace klab {

namespace tp {

// klab:vmalloc, for __vmalloc_node_range(): the area's address (0 if it failed).
struct vmalloc {
    static constexpr TraceEventType type = TraceEventType::vmalloc;
    static constexpr const char* fires_in = "__vmalloc_node_range()";
    uint64_t addr = 0;
    uint32_t gfp_flags = 0;
    uint32_t unused = 0;

    uint64_t page_pfn() const { return UINT64_MAX; }
    std::string print(const TraceFormat& f) const {
        return trace_printf("addr=0x%0*llx gfp_flags=", int(f.pointer_hex_digits),
                            (unsigned long long)addr) +
               gfp_trace_names(gfp_flags);
    }
    std::string explain() const {
        return trace_printf("vmalloc area at 0x%llx: a range of kernel virtual addresses, backed "
                            "by single pages taken one by one (not contiguous in physical memory)",
                            (unsigned long long)addr);
    }
};

// klab:vfree, for vfree() / __vunmap().
struct vfree {
    static constexpr TraceEventType type = TraceEventType::vfree;
    static constexpr const char* fires_in = "vfree() / __vunmap()";
    uint64_t addr = 0;
    uint32_t nr_pages = 0;
    uint32_t unused = 0;

    uint64_t page_pfn() const { return UINT64_MAX; }
    std::string print(const TraceFormat& f) const {
        return trace_printf("addr=0x%0*llx nr_pages=%u", int(f.pointer_hex_digits),
                            (unsigned long long)addr, nr_pages);
    }
    std::string explain() const {
        return trace_printf("vfree of the area at 0x%llx: its page-table entries removed and its "
                            "%u pages freed one by one",
                            (unsigned long long)addr, nr_pages);
    }
};

// klab:kmap and klab:kunmap: a pkmap slot (kmap) or this CPU's kmap_local fixmap slot
// (cpu * KM_MAX_IDX + index).
struct kmap_fields {
    uint64_t addr = 0;
    uint32_t slot = 0;
    uint32_t unused = 0;

    uint64_t page_pfn() const { return UINT64_MAX; }
    std::string print(const TraceFormat& f) const {
        return trace_printf("addr=0x%0*llx slot=%u", int(f.pointer_hex_digits),
                            (unsigned long long)addr, slot);
    }
};
struct kmap : kmap_fields {
    static constexpr TraceEventType type = TraceEventType::kmap;
    static constexpr const char* fires_in = "kmap_high() / __kmap_local_pfn_prot()";
    std::string explain() const {
        return trace_printf("mapped a page into kernel address space at 0x%llx (slot %u): a "
                            "pkmap entry for kmap(), this CPU's fixmap slot for kmap_local_page()",
                            (unsigned long long)addr, slot);
    }
};
struct kunmap : kmap_fields {
    static constexpr TraceEventType type = TraceEventType::kunmap;
    static constexpr const char* fires_in = "kunmap_high() / kunmap_local_indexed()";
    std::string explain() const {
        return trace_printf("unmapped the temporary mapping at 0x%llx (slot %u)",
                            (unsigned long long)addr, slot);
    }
};

} // namespace tp

inline void trace_klab_vmalloc(Kernel& k, uint64_t id, uint64_t addr, gfp_t gfp) {
    k.trace.emit(tp::vmalloc{addr, gfp, 0}, id, k.clock.ns, k.current_cpu);
}
inline void trace_klab_vfree(Kernel& k, uint64_t id, uint64_t addr, uint32_t nr_pages) {
    k.trace.emit(tp::vfree{addr, nr_pages, 0}, id, k.clock.ns, k.current_cpu);
}
inline void trace_klab_kmap(Kernel& k, uint64_t addr, uint32_t slot) {
    tp::kmap e;
    e.addr = addr, e.slot = slot;
    k.trace.emit(e, 0, k.clock.ns, k.current_cpu);
}
inline void trace_klab_kunmap(Kernel& k, uint64_t addr, uint32_t slot) {
    tp::kunmap e;
    e.addr = addr, e.slot = slot;
    k.trace.emit(e, 0, k.clock.ns, k.current_cpu);
}

} // namespace klab
