// Per-CPU lists: refill in batches, drain when over high, per-CPU separation.
#include "helpers.h"

#include <vector>

#include "mm/internal.h"
#include "mm/page_alloc.h"
#include "trace/events/kmem.h"

using namespace klab;
using namespace klab::test;

TEST_CASE("the first order-0 allocation refills the pcp list with a batch") {
    Kernel k = boot(Arch::x86_64, 6ull << 30);
    zone& normal = k.mm.zones[2];
    per_cpu_pages& pcp = normal.pageset[0];
    REQUIRE(pcp.batch == 63);
    int64_t free_before = normal.nr_free_pages;
    pfn_t p = alloc_page(k, GFP_KERNEL);
    REQUIRE(p != NO_PFN);
    CHECK(k.mm.mem_map[p].zone == 2);
    CHECK(pcp.count == 62);
    CHECK(normal.nr_free_pages == free_before - 63);
    // The refilled pages are in ascending pfn order after the one we got.
    pfn_t q = pcp.lists[order_to_pindex(MIGRATE_UNMOVABLE, 0)].head;
    CHECK(q == p + 1);
    // The next allocation comes from the list, without touching the buddy lists.
    pfn_t r = alloc_page(k, GFP_KERNEL);
    CHECK(r == q);
    CHECK(pcp.count == 61);
    CHECK(normal.nr_free_pages == free_before - 63);
    // Higher orders refill max(batch >> order, 2) blocks.
    pfn_t o2 = alloc_pages(k, GFP_KERNEL, 2);
    REQUIRE(o2 != NO_PFN);
    CHECK(pcp.count == 61 + (63 >> 2) * 4 - 4);
    // Another CPU has its own lists.
    k.current_cpu = 1;
    pfn_t s = alloc_page(k, GFP_KERNEL);
    CHECK(normal.pageset[1].count == 62);
    CHECK(s != q);
    CHECK_MM(k);
    __free_page(k, s);
    k.current_cpu = 0;
    __free_page(k, p);
    __free_page(k, r);
    __free_pages(k, o2, 2);
    CHECK_MM(k);
}

TEST_CASE("freeing beyond pcp->high drains a batch (and more on consecutive frees)") {
    Kernel k = boot(Arch::x86_64, 6ull << 30);
    zone& normal = k.mm.zones[2];
    per_cpu_pages& pcp = normal.pageset[0];
    int high = pcp.high;
    int batch = pcp.batch;
    REQUIRE(high > 2 * batch);
    std::vector<pfn_t> held;
    for (int i = 0; i < high + 200; ++i) held.push_back(alloc_page(k, GFP_KERNEL));
    int64_t before = pcp.count;
    CHECK(before < batch);
    uint64_t drains_before = 0;
    for (uint64_t i = 0; i < k.trace.size(); ++i)
        drains_before += k.trace.at(i).is<tp::mm_page_pcpu_drain>();
    CHECK(drains_before == 0);
    // Free until count reaches high: that free drains nr_pcp_free() pages.
    size_t i = 0;
    while (pcp.count < high - 1) __free_page(k, held[i++]);
    CHECK(pcp.free_factor == 0);
    __free_page(k, held[i++]);
    // count reached high: batch << 0 pages went back (then free_factor became 1).
    CHECK(pcp.count == high - batch);
    CHECK(pcp.free_factor == 1);
    uint64_t drains = 0;
    for (uint64_t j = 0; j < k.trace.size(); ++j)
        drains += k.trace.at(j).is<tp::mm_page_pcpu_drain>();
    CHECK(drains == uint64_t(batch));
    CHECK_MM(k);
    // Keep freeing: the next drain frees 2*batch (clamped to high - batch).
    while (pcp.count < high - 1) __free_page(k, held[i++]);
    __free_page(k, held[i++]);
    CHECK(pcp.count == high - std::min(2 * batch, high - batch));
    // An allocation halves free_factor.
    held.push_back(alloc_page(k, GFP_KERNEL));
    CHECK(pcp.free_factor == 1);
    for (; i < held.size(); ++i) __free_page(k, held[i]);
    CHECK_MM(k);
    drain_all_pages(k);
    CHECK(pcp.count == 0);
    CHECK(nr_free_pages(k) == totalram_pages(k));
    CHECK_MM(k);
}

TEST_CASE("orders above PAGE_ALLOC_COSTLY_ORDER bypass the pcp lists") {
    Kernel k = boot(Arch::x86_64, 1ull << 30);
    pfn_t p = alloc_pages(k, GFP_KERNEL, 4);
    REQUIRE(p != NO_PFN);
    for (const zone& z : k.mm.zones) CHECK(z.pcp_count() == 0);
    __free_pages(k, p, 4);
    for (const zone& z : k.mm.zones) CHECK(z.pcp_count() == 0);
    CHECK_MM(k);
}
