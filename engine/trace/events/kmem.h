// The kmem: tracepoints (include/trace/events/kmem.h, 6.1): for each, its fields (the
// TP_STRUCT__entry), the text its TP_printk prints, the plain-words line the trace view shows,
// and the typed emitter the model calls where Linux calls trace_<name>(). The emitters of
// events that stand for a whole operation (an allocation, a free) take the id the operation
// took with Tracer::open(), so that the events it caused can name it as their parent.
// Simplifications: one node (node=-1, as kmalloc without a node prints); call_site prints as
// a hex address; kmem_cache_free's name is looked up from the cache id when printed.
#pragma once

#include "machine/kernel.h"
#include "mm/gfp.h"
#include "mm/mmzone.h"

namespace klab {

namespace tp {

// kmem:mm_page_alloc, fired by __alloc_pages() for every allocation, failed ones included.
struct mm_page_alloc {
    static constexpr TraceEventType type = TraceEventType::mm_page_alloc;
    static constexpr const char* fires_in = "__alloc_pages()";
    uint64_t pfn = 0; // UINT64_MAX (-1UL) when the allocation failed
    uint32_t order = 0;
    uint32_t gfp_flags = 0;
    int32_t migratetype = 0;
    uint32_t unused = 0;

    uint64_t page_pfn() const { return pfn; }
    std::string print(const TraceFormat& f) const {
        bool ok = pfn != UINT64_MAX;
        return trace_printf("page=%0*llx pfn=0x%llx order=%d migratetype=%d gfp_flags=",
                            int(f.pointer_hex_digits), trace_page_ptr(pfn, f),
                            ok ? (unsigned long long)pfn : 0ull, int(order), migratetype) +
               gfp_trace_names(gfp_flags);
    }
    std::string explain() const {
        if (pfn == UINT64_MAX)
            return trace_printf("allocation of %s (order %u) FAILED",
                                trace_pages_words(order).c_str(), order);
        return trace_printf("allocated %s (order %u) at pfn 0x%llx for a %s user",
                            trace_pages_words(order).c_str(), order, (unsigned long long)pfn,
                            migratetype_name(uint32_t(migratetype < 0 ? 0 : migratetype)));
    }
};

// kmem:mm_page_free, fired by free_pages_prepare() when a block's refcount reaches zero.
struct mm_page_free {
    static constexpr TraceEventType type = TraceEventType::mm_page_free;
    static constexpr const char* fires_in = "free_pages_prepare()";
    uint64_t pfn = 0;
    uint32_t order = 0;
    uint32_t unused = 0;

    uint64_t page_pfn() const { return pfn; }
    std::string print(const TraceFormat& f) const {
        return trace_printf("page=%0*llx pfn=0x%llx order=%d", int(f.pointer_hex_digits),
                            trace_page_ptr(pfn, f), (unsigned long long)pfn, int(order));
    }
    std::string explain() const {
        return trace_printf("freed %s (order %u) at pfn 0x%llx", trace_pages_words(order).c_str(),
                            order, (unsigned long long)pfn);
    }
};

// kmem:mm_page_alloc_zone_locked (event class mm_page), fired by __rmqueue_smallest() with
// the zone lock held: a block taken off a free list, for the caller or a pcp refill.
struct mm_page_alloc_zone_locked {
    static constexpr TraceEventType type = TraceEventType::mm_page_alloc_zone_locked;
    static constexpr const char* fires_in = "__rmqueue_smallest()";
    uint64_t pfn = 0;
    uint32_t order = 0;
    int32_t migratetype = 0;
    int32_t percpu_refill = 0;
    uint32_t unused = 0;

    uint64_t page_pfn() const { return pfn; }
    std::string print(const TraceFormat& f) const {
        bool ok = pfn != UINT64_MAX;
        return trace_printf("page=%0*llx pfn=0x%llx order=%u migratetype=%d percpu_refill=%d",
                            int(f.pointer_hex_digits), trace_page_ptr(pfn, f),
                            ok ? (unsigned long long)pfn : 0ull, order, migratetype,
                            percpu_refill);
    }
    std::string explain() const {
        const char* mt = migratetype_name(uint32_t(migratetype < 0 ? 0 : migratetype));
        if (percpu_refill)
            return trace_printf("took an order-%u block at pfn 0x%llx off the %s free list to "
                                "refill this CPU's page list",
                                order, (unsigned long long)pfn, mt);
        return trace_printf("took an order-%u block at pfn 0x%llx off the %s free list (zone "
                            "lock held), splitting larger blocks if needed",
                            order, (unsigned long long)pfn, mt);
    }
};

// kmem:mm_page_pcpu_drain, fired by free_pcppages_bulk() for each block a too long pcp list
// gives back to the buddy allocator.
struct mm_page_pcpu_drain {
    static constexpr TraceEventType type = TraceEventType::mm_page_pcpu_drain;
    static constexpr const char* fires_in = "free_pcppages_bulk()";
    uint64_t pfn = 0;
    uint32_t order = 0;
    int32_t migratetype = 0;

    uint64_t page_pfn() const { return pfn; }
    std::string print(const TraceFormat& f) const {
        return trace_printf("page=%0*llx pfn=0x%llx order=%d migratetype=%d",
                            int(f.pointer_hex_digits), trace_page_ptr(pfn, f),
                            (unsigned long long)pfn, int(order), migratetype);
    }
    std::string explain() const {
        return trace_printf("per-CPU list too long: gave pfn 0x%llx (order %u) back to the buddy "
                            "allocator, merging with free buddies",
                            (unsigned long long)pfn, order);
    }
};

// kmem:mm_page_alloc_extfrag, fired by __rmqueue_fallback() when a block is borrowed from
// another migratetype's lists. fragmenting is derived when printed, as in TP_printk.
struct mm_page_alloc_extfrag {
    static constexpr TraceEventType type = TraceEventType::mm_page_alloc_extfrag;
    static constexpr const char* fires_in = "__rmqueue_fallback()";
    uint64_t pfn = 0;
    int32_t alloc_order = 0;
    int32_t fallback_order = 0;
    int32_t alloc_migratetype = 0;
    int32_t fallback_migratetype = 0;
    int32_t change_ownership = 0;
    uint32_t unused = 0;

    uint64_t page_pfn() const { return pfn; }
    std::string print(const TraceFormat& f) const {
        return trace_printf("page=%0*llx pfn=0x%llx alloc_order=%d fallback_order=%d "
                            "pageblock_order=%u alloc_migratetype=%d fallback_migratetype=%d "
                            "fragmenting=%d change_ownership=%d",
                            int(f.pointer_hex_digits), trace_page_ptr(pfn, f),
                            (unsigned long long)pfn, alloc_order, fallback_order,
                            f.pageblock_order, alloc_migratetype, fallback_migratetype,
                            fallback_order < int32_t(f.pageblock_order) ? 1 : 0,
                            change_ownership);
    }
    std::string explain() const {
        return trace_printf(
            "no %s block free: borrowed an order-%d block from the %s lists%s",
            migratetype_name(uint32_t(alloc_migratetype)), fallback_order,
            migratetype_name(uint32_t(fallback_migratetype < 0 ? 0 : fallback_migratetype)),
            change_ownership ? " and took over its pageblock" : " (fragmenting)");
    }
};

// kmem:kmalloc and kmem:kmem_cache_alloc (6.1 gives them the same fields and format).
struct slab_alloc_fields {
    uint64_t call_site = 0;
    uint64_t ptr = 0; // 0 when the allocation failed
    uint32_t bytes_req = 0;
    uint32_t bytes_alloc = 0;
    uint32_t gfp_flags = 0;
    int32_t node = -1;

    std::string print(const TraceFormat& f) const {
        return trace_printf("call_site=0x%llx ptr=%0*llx bytes_req=%u bytes_alloc=%u gfp_flags=",
                            (unsigned long long)call_site, int(f.pointer_hex_digits),
                            trace_ptr(ptr, f), bytes_req, bytes_alloc) +
               gfp_trace_names(gfp_flags) + trace_printf(" node=%d accounted=", node) +
               ((gfp_flags & __GFP_ACCOUNT) ? "true" : "false");
    }
};

// kmem:kmalloc, fired by kmalloc_trace() / __do_kmalloc_node() (and kmalloc_large()).
struct kmalloc : slab_alloc_fields {
    static constexpr TraceEventType type = TraceEventType::kmalloc;
    static constexpr const char* fires_in = "kmalloc_trace() / __do_kmalloc_node()";
    uint64_t page_pfn() const { return UINT64_MAX; }
    std::string explain() const {
        unsigned long long p = ptr;
        if (ptr == 0) return trace_printf("kmalloc of %u bytes FAILED (returned NULL)", bytes_req);
        if (bytes_req > 8192) // KMALLOC_MAX_CACHE_SIZE
            return trace_printf("kmalloc of %u bytes: too big for a kmalloc cache, so %u bytes of "
                                "whole pages straight from the page allocator at 0x%llx",
                                bytes_req, bytes_alloc, p);
        return trace_printf("kmalloc of %u bytes at 0x%llx: a %u-byte object of the smallest "
                            "kmalloc cache that fits (%u bytes unused)",
                            bytes_req, p, bytes_alloc,
                            bytes_alloc > bytes_req ? bytes_alloc - bytes_req : 0);
    }
};

// kmem:kmem_cache_alloc, fired by kmem_cache_alloc().
struct kmem_cache_alloc : slab_alloc_fields {
    static constexpr TraceEventType type = TraceEventType::kmem_cache_alloc;
    static constexpr const char* fires_in = "kmem_cache_alloc()";
    uint64_t page_pfn() const { return UINT64_MAX; }
    std::string explain() const {
        if (ptr == 0) return "object allocation from a cache FAILED (returned NULL)";
        return trace_printf("took a free %u-byte object (slot of %u bytes) off a slab's "
                            "freelist: 0x%llx",
                            bytes_req, bytes_alloc, (unsigned long long)ptr);
    }
};

// kmem:kfree, fired by kfree().
struct kfree {
    static constexpr TraceEventType type = TraceEventType::kfree;
    static constexpr const char* fires_in = "kfree()";
    uint64_t call_site = 0;
    uint64_t ptr = 0;

    uint64_t page_pfn() const { return UINT64_MAX; }
    std::string print(const TraceFormat& f) const {
        return trace_printf("call_site=0x%llx ptr=%0*llx", (unsigned long long)call_site,
                            int(f.pointer_hex_digits), trace_ptr(ptr, f));
    }
    std::string explain() const {
        return trace_printf("kfree of 0x%llx: the object goes back on its slab's freelist (or "
                            "its pages back to the page allocator if it was a large kmalloc)",
                            (unsigned long long)ptr);
    }
};

// kmem:kmem_cache_free, fired by kmem_cache_free(); name= is the cache's (by id here).
struct kmem_cache_free {
    static constexpr TraceEventType type = TraceEventType::kmem_cache_free;
    static constexpr const char* fires_in = "kmem_cache_free()";
    uint64_t call_site = 0;
    uint64_t ptr = 0;
    uint32_t cache = 0; // slab cache id, printed as its name
    uint32_t unused = 0;

    uint64_t page_pfn() const { return UINT64_MAX; }
    std::string print(const TraceFormat& f) const {
        return trace_printf("call_site=0x%llx ptr=%0*llx name=", (unsigned long long)call_site,
                            int(f.pointer_hex_digits), trace_ptr(ptr, f)) +
               (cache < f.cache_names.size() ? f.cache_names[cache] : "?");
    }
    std::string explain() const {
        return trace_printf("object 0x%llx returned to its cache: it becomes the head of the "
                            "freelist",
                            (unsigned long long)ptr);
    }
};

} // namespace tp

// --- emitters (trace_<name>() in Linux) ---

inline void trace_mm_page_alloc(Kernel& k, uint64_t id, pfn_t page, uint32_t order, gfp_t gfp,
                                uint32_t migratetype) {
    k.trace.emit(tp::mm_page_alloc{page == NO_PFN ? UINT64_MAX : page, order, gfp,
                                   int32_t(migratetype), 0},
                 id, k.clock.ns, k.current_cpu);
}
inline void trace_mm_page_free(Kernel& k, uint64_t id, pfn_t page, uint32_t order) {
    k.trace.emit(tp::mm_page_free{page, order, 0}, id, k.clock.ns, k.current_cpu);
}
inline void trace_mm_page_alloc_zone_locked(Kernel& k, pfn_t page, uint32_t order,
                                            uint32_t migratetype, bool percpu_refill) {
    k.trace.emit(tp::mm_page_alloc_zone_locked{page, order, int32_t(migratetype),
                                               percpu_refill ? 1 : 0, 0},
                 0, k.clock.ns, k.current_cpu);
}
inline void trace_mm_page_pcpu_drain(Kernel& k, pfn_t page, uint32_t order, uint32_t migratetype) {
    k.trace.emit(tp::mm_page_pcpu_drain{page, order, int32_t(migratetype)}, 0, k.clock.ns,
                 k.current_cpu);
}
inline void trace_mm_page_alloc_extfrag(Kernel& k, pfn_t page, uint32_t alloc_order,
                                        uint32_t fallback_order, uint32_t alloc_migratetype,
                                        uint32_t fallback_migratetype, bool change_ownership) {
    k.trace.emit(tp::mm_page_alloc_extfrag{page, int32_t(alloc_order), int32_t(fallback_order),
                                           int32_t(alloc_migratetype),
                                           int32_t(fallback_migratetype),
                                           change_ownership ? 1 : 0, 0},
                 0, k.clock.ns, k.current_cpu);
}
inline void trace_kmalloc(Kernel& k, uint64_t id, uint64_t call_site, uint64_t ptr,
                          uint32_t bytes_req, uint32_t bytes_alloc, gfp_t gfp) {
    tp::kmalloc e;
    e.call_site = call_site, e.ptr = ptr, e.bytes_req = bytes_req, e.bytes_alloc = bytes_alloc;
    e.gfp_flags = gfp;
    k.trace.emit(e, id, k.clock.ns, k.current_cpu);
}
inline void trace_kmem_cache_alloc(Kernel& k, uint64_t id, uint64_t call_site, uint64_t ptr,
                                   uint32_t bytes_req, uint32_t bytes_alloc, gfp_t gfp) {
    tp::kmem_cache_alloc e;
    e.call_site = call_site, e.ptr = ptr, e.bytes_req = bytes_req, e.bytes_alloc = bytes_alloc;
    e.gfp_flags = gfp;
    k.trace.emit(e, id, k.clock.ns, k.current_cpu);
}
inline void trace_kfree(Kernel& k, uint64_t id, uint64_t call_site, uint64_t ptr) {
    k.trace.emit(tp::kfree{call_site, ptr}, id, k.clock.ns, k.current_cpu);
}
inline void trace_kmem_cache_free(Kernel& k, uint64_t id, uint64_t call_site, uint64_t ptr,
                                  uint32_t cache) {
    k.trace.emit(tp::kmem_cache_free{call_site, ptr, cache, 0}, id, k.clock.ns, k.current_cpu);
}

} // namespace klab
