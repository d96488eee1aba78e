// Read-only views of the kernel's virtual mappings for the front end and lessons: vmalloc
// areas with the frames behind them (virtual -> physical arrows), pkmap and kmap_local slots,
// the percpu first chunk and the chunks created after it. Plain values computed from
// const Kernel&; nothing here changes the model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mm/mmzone.h"

namespace klab {

struct Kernel;

struct VmAreaView {
    uint64_t addr = 0, size = 0; // size includes the guard page
    uint32_t flags = 0;          // VM_ALLOC, VM_MAP, VM_IOREMAP, VM_USERMAP
    std::string caller;
    std::vector<pfn_t> pages; // in virtual order (empty for ioremap of device memory)
    bool kernel_stack = false;
    bool unpurged = false; // freed, waiting for the lazy purge (no pages)
};
// Busy areas in address order, then the lazily freed ranges.
std::vector<VmAreaView> vmalloc_areas(const Kernel& k);

struct KmapSlotView {
    uint64_t vaddr = 0;
    pfn_t pfn = NO_PFN;
    int32_t count = 0;  // pkmap_count (pkmap); 0 for kmap_local
    uint32_t cpu = 0;   // kmap_local: the CPU whose window it is
    uint32_t index = 0; // pkmap slot number or kmap_local idx
};
// pkmap slots in use (count > 0), and kmap_local slots in use on every CPU (i386 only).
std::vector<KmapSlotView> pkmap_slots(const Kernel& k);
std::vector<KmapSlotView> kmap_local_slots(const Kernel& k);

struct PercpuView {
    uint64_t base_addr = 0; // unit 0 in the direct map
    uint32_t unit_size = 0, static_size = 0, reserved_size = 0, dyn_size = 0;
    uint32_t nr_units = 0;
    std::vector<std::pair<uint32_t, uint32_t>> dyn_allocs; // offset in unit, size
};
PercpuView percpu_chunk(const Kernel& k);

// Chunks created after boot (mm/percpu.h PcpuChunk): each unit of unit_size bytes at
// base_addr + unit * unit_size in the vmalloc area, pages populated on demand.
struct PercpuChunkView {
    uint64_t base_addr = 0;
    uint32_t unit_size = 0, nr_units = 0;
    std::vector<bool> populated;                        // per page of a unit
    std::vector<std::pair<uint32_t, uint32_t>> allocs;  // offset in unit, size
};
std::vector<PercpuChunkView> percpu_chunks(const Kernel& k);
// pcpu_nr_populated * nr_units (what /proc/meminfo's Percpu shows, in pages).
uint64_t percpu_populated_pages(const Kernel& k);

} // namespace klab
