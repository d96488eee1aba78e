// Read-only views of vmalloc, highmem and percpu state (see vm_query.h).
#include "mm/vm_query.h"

#include "machine/kernel.h"

namespace klab {

std::vector<VmAreaView> vmalloc_areas(const Kernel& k) {
    std::vector<VmAreaView> out;
    for (const auto& [addr, vm] : k.vmalloc.busy) {
        VmAreaView v;
        v.addr = addr;
        v.size = vm.size;
        v.flags = vm.flags;
        v.caller = vm.caller;
        v.kernel_stack = vm.kernel_stack;
        for (uint64_t a = addr; a + 4096 <= addr + vm.mapped_bytes(); a += 4096) {
            pfn_t p = k.kpt.lookup(a);
            if (p != NO_PFN && p != kIoPfn) v.pages.push_back(p);
        }
        out.push_back(std::move(v));
    }
    for (const auto& [start, end] : k.vmalloc.purge_list) {
        VmAreaView v;
        v.addr = start;
        v.size = end - start;
        v.unpurged = true;
        out.push_back(std::move(v));
    }
    return out;
}

std::vector<KmapSlotView> pkmap_slots(const Kernel& k) {
    std::vector<KmapSlotView> out;
    const HighmemState& h = k.highmem;
    for (uint32_t i = 0; i < h.pkmap_count.size(); ++i) {
        if (h.pkmap_count[i] <= 0) continue;
        KmapSlotView s;
        s.vaddr = pkmap_addr(k, i);
        s.pfn = h.pkmap_page[i];
        s.count = h.pkmap_count[i];
        s.index = i;
        out.push_back(s);
    }
    return out;
}

std::vector<KmapSlotView> kmap_local_slots(const Kernel& k) {
    std::vector<KmapSlotView> out;
    if (k.highmem.pkmap_count.empty()) return out;
    for (uint32_t c = 0; c < k.highmem.local.size(); ++c) {
        const KmapLocal& l = k.highmem.local[c];
        for (int32_t i = 0; i < l.idx; ++i) {
            KmapSlotView s;
            s.vaddr = kmap_local_slot_addr(c, uint32_t(i));
            s.pfn = l.pte[size_t(i)];
            s.cpu = c;
            s.index = uint32_t(i);
            out.push_back(s);
        }
    }
    return out;
}

PercpuView percpu_chunk(const Kernel& k) {
    const PercpuState& p = k.percpu;
    PercpuView v;
    v.base_addr = p.base_addr;
    v.unit_size = p.unit_size;
    v.static_size = p.static_size;
    v.reserved_size = p.reserved_size;
    v.dyn_size = p.dyn_size;
    v.nr_units = uint32_t(p.unit_off.size());
    for (const auto& [o, s] : p.alloc) v.dyn_allocs.push_back({o, s});
    return v;
}

std::vector<PercpuChunkView> percpu_chunks(const Kernel& k) {
    std::vector<PercpuChunkView> out;
    for (const PcpuChunk& c : k.percpu.chunks) {
        PercpuChunkView v;
        v.base_addr = c.base_addr;
        v.unit_size = k.percpu.unit_size;
        v.nr_units = uint32_t(k.percpu.unit_off.size());
        for (uint8_t b : c.populated) v.populated.push_back(b != 0);
        for (const auto& [o, s] : c.alloc) v.allocs.push_back({o, s});
        out.push_back(std::move(v));
    }
    return out;
}

uint64_t percpu_populated_pages(const Kernel& k) {
    return pcpu_nr_pages(k);
}

} // namespace klab
