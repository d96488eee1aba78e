// Invariant checker for the page allocator, in the spirit of Linux's debug checks
// (check_new_page(), VM_BUG_ON_PAGE in __free_one_page()) but total: the tests run it after
// every operation. Returns an empty string when all invariants hold, else one line per
// violation (capped).
#pragma once

#include <string>

namespace klab {

struct Kernel;

// - free_area[o].nr_free equals the number of blocks on its lists, and every entry is a
//   free (PageBuddy) head of that order and migratetype, aligned, inside its zone;
// - a free block's buddy is never free at the same order below MAX_ORDER-1 (it would have
//   merged), except across pageblocks of unmergeable migratetypes;
// - pcp lists hold pcp pages of the list's order, and pcp->count is their page total;
// - every zone's non-reserved pages are tiled exactly by blocks (free, pcp, allocated), with
//   no stale heads inside a block, and the tiles sum to managed_pages;
// - NR_FREE_PAGES equals the pages on the buddy lists.
std::string check_page_alloc(const Kernel& k);

} // namespace klab
