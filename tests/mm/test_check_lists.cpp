// The page allocator's checker sees a damaged free list or pcp list (links or count), so
// the list code under the buddy allocator cannot go wrong silently.
#include "helpers.h"

#include "mm/page_alloc.h"

using namespace klab;
using klab::test::boot;
using klab::test::contains;

TEST_CASE("check_page_alloc: a free list's stale count and broken back link are reported") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    CHECK_MM(k);
    const uint32_t zi = 1;
    PageList& l = k.mm.zones[zi].free_area[MAX_ORDER - 1].free_list[MIGRATE_MOVABLE];
    REQUIRE(l.count >= 2);
    l.count += 1;
    CHECK(contains(check_page_alloc(k), "free list count is stale"));
    l.count -= 1;
    CHECK_MM(k);
    pfn_t second = page_lru::next(k.mm.mem_map, l.head);
    k.mm.mem_map[second].lru_prev = NO_PFN;
    CHECK(contains(check_page_alloc(k), "broken free list back link"));
}

TEST_CASE("check_page_alloc: a pcp list's stale count is reported") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    pfn_t p = alloc_pages(k, GFP_KERNEL, 0);
    REQUIRE(p != NO_PFN);
    __free_pages(k, p, 0); // onto this CPU's pcp list
    per_cpu_pages& pcp = k.mm.zones[k.mm.mem_map[p].zone].pageset[k.current_cpu];
    PageList& l = pcp.lists[order_to_pindex(k.mm.mem_map[p].migratetype, 0)];
    REQUIRE(l.count >= 1);
    CHECK_MM(k);
    l.count += 1;
    CHECK(contains(check_page_alloc(k), "count is stale"));
}
