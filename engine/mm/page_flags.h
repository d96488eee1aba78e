// page->flags as one word and as %pGp prints it (lib/vsprintf.c format_page_flags()): the flag
// bits of enum pageflags the model keeps, then the fields packed at the top of the word
// (include/linux/page-flags-layout.h, include/linux/mmzone.h *_PGOFF) for each preset's
// configuration:
//   x86_64 (Debian's amd64 config: SPARSEMEM_VMEMMAP, NODES_SHIFT 10, 5 zones, NUMA_BALANCING
//   with NR_CPUS 8192): node in bits 54-63, zone in 51-53, last_cpupid (21 bits, reset to all
//   ones at boot) in 30-50, so a DMA32 slab page prints
//   "0xfffffc0000200(slab|node=0|zone=1|lastcpupid=0x1fffff)";
//   i386 (no PAE, FLATMEM, no NUMA: no node or last_cpupid field, 4 zones): zone in bits 30-31.
// Simplification: the model's pages have no NUMA-balancing history, so last_cpupid keeps its
// reset value.
#pragma once

#include <cstdint>
#include <string>

namespace klab {

struct Kernel;
struct page;

// The page's flags word: flag bits plus the node/zone/last_cpupid fields. zone is the index the
// page belongs to (page_zonenum()).
uint64_t page_flags_word(const Kernel& k, const page& pg, uint32_t zone);
// %pGp of that word: "0x...(slab|head|node=0|zone=1|lastcpupid=0x1fffff)".
std::string format_page_flags(const Kernel& k, const page& pg, uint32_t zone);

} // namespace klab
