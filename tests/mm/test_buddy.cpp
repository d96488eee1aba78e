// Split and merge exactly as expand() and __free_one_page(), migratetype fallback.
#include "helpers.h"

#include <vector>

#include "mm/internal.h"
#include "mm/page_alloc.h"
#include "trace/events/kmem.h"
#include "trace/events/vmscan.h"

using namespace klab;
using namespace klab::test;

static std::vector<uint32_t> buddy_counts(const Kernel& k, uint32_t zi) {
    std::vector<uint32_t> v;
    for (const free_area& a : k.mm.zones[zi].free_area) v.push_back(a.nr_free);
    return v;
}

TEST_CASE("expand(): an order-5 request splits the smallest block and keeps the lower half") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    const uint32_t zi = 1; // DMA32: the only zone above DMA on this machine
    uint32_t from = 5;
    while (k.mm.zones[zi].free_area[from].free_list[MIGRATE_MOVABLE].empty()) ++from;
    REQUIRE(from >= 9); // a fresh zone has only large blocks
    pfn_t head = k.mm.zones[zi].free_area[from].free_list[MIGRATE_MOVABLE].head;
    auto before = buddy_counts(k, zi);
    pfn_t p = alloc_pages(k, GFP_HIGHUSER_MOVABLE, 5);
    REQUIRE(p == head);
    auto after = buddy_counts(k, zi);
    CHECK(after[from] == before[from] - 1);
    for (uint32_t o = 5; o < from; ++o) {
        CHECK(after[o] == before[o] + 1);
        // The upper half of each split sits at the head of the order's Movable list.
        pfn_t expect = head + (1u << o);
        CHECK(k.mm.zones[zi].free_area[o].free_list[MIGRATE_MOVABLE].head == expect);
        CHECK(k.mm.mem_map[expect].owner == PageOwner::buddy);
        CHECK(k.mm.mem_map[expect].order == o);
    }
    CHECK(k.mm.mem_map[p].owner == PageOwner::alloc);
    CHECK(k.mm.mem_map[p].order == 5);
    CHECK(page_ref_count(k, p) == 1);
    CHECK_MM(k);

    // Freeing merges all the way back.
    __free_pages(k, p, 5);
    CHECK(buddy_counts(k, zi) == before);
    CHECK(k.mm.mem_map[head].owner == PageOwner::buddy);
    CHECK(k.mm.mem_map[head].order == from);
    CHECK_MM(k);
}

TEST_CASE("the split of an order-3 block for order 0 frees P+4, P+2, P+1 and returns P") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    const uint32_t zi = 1;
    // Orders 0..8 are empty in a fresh zone. Taking an order-3 block leaves its buddy, an
    // order-3 block, as the smallest free block.
    pfn_t first = __rmqueue_smallest(k, zi, 3, MIGRATE_MOVABLE);
    REQUIRE(first != NO_PFN);
    pfn_t block = first + 8;
    REQUIRE(k.mm.zones[zi].free_area[3].free_list[MIGRATE_MOVABLE].head == block);
    k.trace.clear();
    pfn_t got = __rmqueue_smallest(k, zi, 0, MIGRATE_MOVABLE);
    CHECK(got == block);
    CHECK(k.mm.zones[zi].free_area[2].free_list[MIGRATE_MOVABLE].head == block + 4);
    CHECK(k.mm.zones[zi].free_area[1].free_list[MIGRATE_MOVABLE].head == block + 2);
    CHECK(k.mm.zones[zi].free_area[0].free_list[MIGRATE_MOVABLE].head == block + 1);
    REQUIRE(k.trace.size() == 1);
    CHECK(k.trace.at(0).is<tp::mm_page_alloc_zone_locked>());
    CHECK(k.trace.at(0).as<tp::mm_page_alloc_zone_locked>().pfn == block);
    // Give both back the way rmqueue_buddy()/free_one_page() account for them.
    k.mm.zones[zi].nr_free_pages -= 8 + 1;
    __free_one_page(k, zi, got, 0, MIGRATE_MOVABLE, FPI_NONE);
    CHECK(k.mm.zones[zi].free_area[3].free_list[MIGRATE_MOVABLE].head == block);
    __free_one_page(k, zi, first, 3, MIGRATE_MOVABLE, FPI_NONE);
    CHECK(k.mm.zones[zi].free_area[3].nr_free == 0);
    CHECK_MM(k);
}

TEST_CASE("__free_one_page() puts a block at the tail when its next buddy is free") {
    Kernel k = boot(Arch::x86_64, 128ull << 20);
    const uint32_t zi = 1;
    pfn_t p = alloc_pages(k, GFP_HIGHUSER_MOVABLE, 4); // P; P+16..P+512 free
    pfn_t q = alloc_pages(k, GFP_HIGHUSER_MOVABLE, 4); // P+16
    REQUIRE(q == p + 16);
    pfn_t r = alloc_pages(k, GFP_HIGHUSER_MOVABLE, 4); // P+32 (order-5 block split)
    REQUIRE(r == p + 32);
    // Another order-4 free block at the list head so that head/tail placement is visible.
    PageList& l4 = k.mm.zones[zi].free_area[4].free_list[MIGRATE_MOVABLE];
    REQUIRE(l4.head == p + 48);
    // Free P+16: its buddy P is allocated, so no merge; the order-5 buddy of P..P+31 is
    // P+32, allocated too: no merge likely, so it goes to the head.
    __free_pages(k, q, 4);
    CHECK(l4.head == q);
    CHECK_MM(k);
    // Free P+32: its buddy P+48 is free: they merge into an order-5 block at P+32, whose
    // buddy P is allocated; the order-6 buddy (P+64) is free, so the merge is "likely" and
    // the order-5 block goes to the tail.
    __free_pages(k, r, 4);
    PageList& l5 = k.mm.zones[zi].free_area[5].free_list[MIGRATE_MOVABLE];
    CHECK(l5.tail == p + 32);
    __free_pages(k, p, 4);
    CHECK_MM(k);
}

TEST_CASE("merge back to the initial buddyinfo after freeing everything") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    auto before1 = buddy_counts(k, 1);
    auto before0 = buddy_counts(k, 0);
    std::vector<std::pair<pfn_t, uint32_t>> held;
    uint32_t seed = 12345;
    for (int i = 0; i < 400; ++i) {
        seed = seed * 1103515245u + 12345u;
        uint32_t order = (seed >> 16) % 8;
        gfp_t gfp = (seed >> 8) & 1 ? GFP_KERNEL : GFP_HIGHUSER_MOVABLE;
        pfn_t p = alloc_pages(k, gfp, order);
        REQUIRE(p != NO_PFN);
        held.push_back({p, order});
        if ((seed >> 4) % 3 == 0) {
            size_t j = (seed >> 20) % held.size();
            __free_pages(k, held[j].first, held[j].second);
            held.erase(held.begin() + long(j));
        }
        CHECK_MM(k);
    }
    for (auto [p, o] : held) {
        __free_pages(k, p, o);
        CHECK_MM(k);
    }
    drain_all_pages(k);
    CHECK_MM(k);
    CHECK(buddy_counts(k, 1) == before1);
    CHECK(buddy_counts(k, 0) == before0);
    CHECK(nr_free_pages(k) == totalram_pages(k));
}

TEST_CASE("an Unmovable request steals a whole Movable pageblock (fallback)") {
    Kernel k = boot(Arch::x86_64, 128ull << 20);
    const uint32_t zi = 1;
    pfn_t p = alloc_pages(k, GFP_KERNEL, 4); // buddy path; no Unmovable blocks exist
    REQUIRE(p != NO_PFN);
    // The largest Movable block (order 10) was taken over: its two pageblocks are Unmovable.
    CHECK(get_pageblock_migratetype(k.mm, p) == MIGRATE_UNMOVABLE);
    CHECK(get_pageblock_migratetype(k.mm, p + 512) == MIGRATE_UNMOVABLE);
    CHECK(k.mm.zones[zi].free_area[9].free_list[MIGRATE_UNMOVABLE].head == p + 512);
    bool saw_extfrag = false;
    for (uint64_t i = 0; i < k.trace.size(); ++i) {
        const TraceEvent& ev = k.trace.at(i);
        if (!ev.is<tp::mm_page_alloc_extfrag>()) continue;
        tp::mm_page_alloc_extfrag e = ev.as<tp::mm_page_alloc_extfrag>();
        saw_extfrag = true;
        CHECK(e.alloc_order == 4);
        CHECK(e.fallback_order == 10);
        CHECK(e.alloc_migratetype == MIGRATE_UNMOVABLE);
        CHECK(e.fallback_migratetype == MIGRATE_MOVABLE);
        CHECK(e.fallback_order >= int(k.mm.pageblock_order)); // not fragmenting: a whole block changed owner
        CHECK(e.change_ownership == 1);
    }
    CHECK(saw_extfrag);
    __free_pages(k, p, 4);
    CHECK_MM(k);
}

TEST_CASE("page_owner_at() resolves frames inside blocks") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    pfn_t p = alloc_pages(k, GFP_KERNEL, 3);
    CHECK(page_owner_at(k, p) == PageOwner::alloc);
    CHECK(page_owner_at(k, p + 5) == PageOwner::alloc_tail);
    CHECK(page_owner_at(k, p + 8) == PageOwner::buddy);
    CHECK(page_owner_at(k, p + 9) == PageOwner::buddy_tail);
    CHECK(page_owner_at(k, 0) == PageOwner::hole);     // trimmed by e820
    CHECK(page_owner_at(k, 1) == PageOwner::reserved); // first 1 MiB
    CHECK(page_owner_at(k, 0xa0) == PageOwner::hole);
}

TEST_CASE("high-order GFP_ATOMIC in the slow path reserves a HighAtomic pageblock") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    const uint32_t zi = 1;
    // The fast path (low watermark) serves GFP_ATOMIC like anything else: no reserve yet.
    pfn_t early = alloc_pages(k, GFP_ATOMIC, 2);
    CHECK(k.mm.zones[zi].nr_reserved_highatomic == 0);
    // Fill memory until GFP_KERNEL stops at the min watermark; GFP_ATOMIC order 2 then
    // succeeds only in the slow path, with ALLOC_HIGHATOMIC.
    std::vector<std::pair<pfn_t, uint32_t>> held;
    for (uint32_t o : {9u, 4u, 0u}) {
        pfn_t p;
        while ((p = alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, o)) != NO_PFN) held.push_back({p, o});
    }
    pfn_t p = alloc_pages(k, GFP_ATOMIC, 2);
    REQUIRE(p != NO_PFN);
    CHECK(get_pageblock_migratetype(k.mm, p) == MIGRATE_HIGHATOMIC);
    CHECK(k.mm.zones[k.mm.mem_map[p].zone].nr_reserved_highatomic == 512);
    CHECK_MM(k);
    __free_pages(k, p, 2);
    __free_pages(k, early, 2);
    for (auto [q, o] : held) __free_pages(k, q, o);
    CHECK_MM(k);
}

TEST_CASE(
    "stealing less than a pageblock boosts the watermarks and the kswapd wake-up clears them") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    const uint32_t zi = 1;
    zone& z = k.mm.zones[zi];
    // Take every block of pageblock order or more off the lists (keeping the accounting of
    // rmqueue_buddy()), then give half of the last one back: the largest free Movable block
    // is now order 8.
    std::vector<pfn_t> taken;
    pfn_t p;
    while ((p = __rmqueue_smallest(k, zi, 9, MIGRATE_MOVABLE)) != NO_PFN) {
        z.nr_free_pages -= 512;
        taken.push_back(p);
    }
    REQUIRE(!taken.empty());
    pfn_t half = taken.back() + 256;
    __free_one_page(k, zi, half, 8, MIGRATE_MOVABLE, FPI_NONE); // +256 free pages
    CHECK(z.watermark_boost == 0);
    pfn_t u = __rmqueue(k, zi, 0, MIGRATE_UNMOVABLE, ALLOC_KSWAPD);
    REQUIRE(u != NO_PFN);
    z.nr_free_pages -= 1;
    CHECK(u >= half);
    CHECK(z.watermark_boost == 512); // one pageblock (max_boost is larger)
    CHECK(z.boosted_watermark);
    // Whole-block stealing claimed the pageblock: at least half of it was free.
    CHECK(get_pageblock_migratetype(k.mm, half) == MIGRATE_UNMOVABLE);
    // Put everything back (the low half of the last block was taken with order 9).
    __free_one_page(k, zi, u, 0, MIGRATE_UNMOVABLE, FPI_NONE);
    __free_one_page(k, zi, taken.back(), 8, MIGRATE_MOVABLE, FPI_NONE);
    taken.pop_back();
    for (pfn_t t : taken) __free_one_page(k, zi, t, 9, MIGRATE_MOVABLE, FPI_NONE);
    CHECK_MM(k);
    k.trace.clear();
    pfn_t a = alloc_page(k, GFP_KERNEL);
    REQUIRE(k.mm.mem_map[a].zone == zi);
    CHECK(z.watermark_boost == 0);
    CHECK_FALSE(z.boosted_watermark);
    bool woke = false;
    for (uint64_t i = 0; i < k.trace.size(); ++i)
        woke |= k.trace.at(i).is<tp::mm_vmscan_wakeup_kswapd>();
    CHECK(woke);
    __free_page(k, a);
    CHECK_MM(k);
}

TEST_CASE("zone_blocks() tiles the zone and set_page_owner() tags allocations") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    pfn_t p = alloc_pages(k, GFP_KERNEL, 2);
    CHECK(set_page_owner(k, p, PageOwner::slab));
    CHECK_FALSE(set_page_owner(k, p + 1, PageOwner::slab)); // not a block head
    CHECK_FALSE(set_page_owner(k, p, PageOwner::buddy));    // not an allocated kind
    CHECK(page_owner_at(k, p + 3) == PageOwner::slab);
    for (uint32_t zi = 0; zi < 2; ++zi) {
        const zone& z = k.mm.zones[zi];
        uint64_t covered = 0, managed = 0;
        pfn_t next = pfn_t(z.zone_start_pfn);
        for (const PageBlock& b : zone_blocks(k, zi)) {
            CHECK(b.pfn == next);
            next = b.pfn + b.nr_pages;
            covered += b.nr_pages;
            if (b.owner != PageOwner::reserved && b.owner != PageOwner::hole) managed += b.nr_pages;
            if (b.pfn == p) CHECK(b.owner == PageOwner::slab);
        }
        CHECK(covered == z.spanned_pages);
        CHECK(managed == z.managed_pages);
    }
    __free_pages(k, p, 2); // slab-owned pages free like any allocation
    CHECK(page_owner_at(k, p) != PageOwner::slab);
    CHECK_MM(k);
}
