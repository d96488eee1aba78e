// The page allocator's public API, as kernel code calls it (include/linux/gfp.h, mm.h).
// Every call runs on k.current_cpu in that CPU's context (sched/context.h); misuse is
// reported Linux-style in the kernel log and never crashes the lab.
//
// A "struct page *" is represented by its pfn (pfn_t); NO_PFN plays NULL. Use
// page_struct_address() when a value must look like a kernel pointer to struct page.
#pragma once

#include <cstdint>
#include <vector>

#include "mm/gfp.h"
#include "mm/mmzone.h"

namespace klab {

struct Kernel;

// LESSON(buddy-alloc) alloc_pages(): 2^order contiguous frames, or NO_PFN. Order > 10 fails
// with the allocator's WARN (unless __GFP_NOWARN). No reclaim: where Linux would reclaim,
// compact or OOM-kill, the model reports the allocation failure.
pfn_t alloc_pages(Kernel& k, gfp_t gfp, uint32_t order);
inline pfn_t alloc_page(Kernel& k, gfp_t gfp) {
    return alloc_pages(k, gfp, 0);
}
// Kernel virtual address of 2^order pages (never highmem), or 0.
uint64_t __get_free_pages(Kernel& k, gfp_t gfp, uint32_t order);
inline uint64_t __get_free_page(Kernel& k, gfp_t gfp) {
    return __get_free_pages(k, gfp, 0);
}
uint64_t get_zeroed_page(Kernel& k, gfp_t gfp);

void __free_pages(Kernel& k, pfn_t page, uint32_t order);
inline void __free_page(Kernel& k, pfn_t page) {
    __free_pages(k, page, 0);
}
void free_pages(Kernel& k, uint64_t addr, uint32_t order);
inline void free_page(Kernel& k, uint64_t addr) {
    free_pages(k, addr, 0);
}

// Reference counting (include/linux/mm.h): get_page() pins, put_page() frees at zero.
void get_page(Kernel& k, pfn_t page);
int32_t page_ref_count(const Kernel& k, pfn_t page);

// Address translation on the direct map. page_address() is 0 for highmem pages (they need
// kmap, which a later issue adds) and for pfns that are not RAM.
uint64_t page_address(const Kernel& k, pfn_t page);
// NO_PFN if addr is not a direct-mapped RAM address (virt_addr_valid() false).
pfn_t virt_to_page(const Kernel& k, uint64_t addr);
bool virt_addr_valid(const Kernel& k, uint64_t addr);
uint64_t virt_to_phys(const Kernel& k, uint64_t addr); // __pa: valid only on the direct map
uint64_t phys_to_virt(const Kernel& k, uint64_t phys); // __va
inline uint64_t page_to_pfn(pfn_t page) {
    return page;
}
inline pfn_t pfn_to_page(uint64_t pfn) {
    return static_cast<pfn_t>(pfn);
}
bool pfn_valid(const Kernel& k, uint64_t pfn);
bool PageHighMem(const Kernel& k, pfn_t page);

// The kernel-pointer value of mem_map[pfn] (vmemmap on x86_64), and back (NO_PFN if the
// address is not a struct page).
uint64_t page_struct_address(const Kernel& k, pfn_t page);
pfn_t page_struct_to_pfn(const Kernel& k, uint64_t addr);

// Who holds a frame, for the views: resolves pages inside a block to buddy_tail/alloc_tail
// (or the block head's owner). O(MAX_ORDER) per call; a view drawing every frame should walk
// block heads instead (mem_map[pfn].owner and .order), as check_page_alloc() does.
PageOwner page_owner_at(const Kernel& k, pfn_t pfn);

// Tag an allocated block with the subsystem that holds it (slab, vmalloc, kernel stack, page
// table, user), for the views and the checks; freeing resets it. False if pfn is not an
// allocated block head or owner is not an allocated kind.
bool set_page_owner(Kernel& k, pfn_t pfn, PageOwner owner);

// The zone as a run of blocks in pfn order, for the physical page map: free blocks, pcp
// pages and allocations with their order; runs of reserved frames or holes are merged
// (nr_pages counts them). Cost is linear in the number of blocks, not of frames.
struct PageBlock {
    pfn_t pfn = 0;
    uint32_t order = 0; // block order (0 for reserved frames and holes)
    PageOwner owner = PageOwner::none;
    uint8_t migratetype = 0; // free list (buddy) or pcp list type, last list otherwise
    uint32_t nr_pages = 1;   // 2^order, or the length of a merged reserved/hole run
};
std::vector<PageBlock> zone_blocks(const Kernel& k, uint32_t zone_index);

// Zone counters for views and lessons.
uint64_t nr_free_pages(const Kernel& k);     // buddy free pages in all zones
uint64_t nr_free_pcp_pages(const Kernel& k); // pages on all per-CPU lists
uint64_t totalram_pages(const Kernel& k);    // managed pages
uint64_t totalhigh_pages(const Kernel& k);

// Free every per-CPU list back to the buddy allocator (drain_all_pages(NULL)).
void drain_all_pages(Kernel& k);

} // namespace klab
