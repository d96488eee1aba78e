// Booting the presets: zone layout, reservations, the initial buddy state.
#include "helpers.h"

#include "mm/page_alloc.h"

using namespace klab;
using namespace klab::test;

TEST_CASE("x86_64 6 GiB: DMA from pfn 1, DMA32 below 4 GiB, Normal above") {
    Kernel k = boot(Arch::x86_64, 6ull << 30);
    REQUIRE(k.mm.zones.size() == 5);
    const zone& dma = k.mm.zones[0];
    CHECK(dma.kind == ZoneKind::DMA);
    CHECK(dma.zone_start_pfn == 1);
    CHECK(dma.spanned_pages == 4095);
    CHECK(dma.present_pages == 3998); // pfns 1..0x9e and 0x100..0xfff
    CHECK(dma.managed_pages == 3840); // the first 1 MiB is reserved
    const zone& dma32 = k.mm.zones[1];
    CHECK(dma32.zone_start_pfn == 4096);
    CHECK(dma32.spanned_pages == (1u << 20) - 4096);
    const zone& normal = k.mm.zones[2];
    CHECK(normal.kind == ZoneKind::Normal);
    CHECK(normal.zone_start_pfn == (1u << 20));
    CHECK(normal.spanned_pages == (6u << 18) - (1u << 20));
    CHECK_FALSE(k.mm.zones[3].populated()); // Movable
    CHECK_FALSE(k.mm.zones[4].populated()); // Device
    CHECK(k.mm.pageblock_order == 9);
    // Reserved: firmware, kernel image, mem_map; MemFree < MemTotal.
    uint64_t managed = totalram_pages(k);
    CHECK(managed < k.config.nr_pages());
    CHECK(nr_free_pages(k) == managed); // nothing allocated yet
    CHECK_MM(k);
}

TEST_CASE("i386 1 GiB: DMA, Normal up to 896 MiB, HighMem above with pageblocks of 4 MiB") {
    Kernel k = boot(Arch::i386, 1ull << 30);
    REQUIRE(k.mm.zones.size() == 4);
    CHECK(k.mm.zones[0].kind == ZoneKind::DMA);
    CHECK(k.mm.zones[1].kind == ZoneKind::Normal);
    CHECK(k.mm.zones[1].end_pfn() == 229376);
    CHECK(k.mm.zones[2].kind == ZoneKind::HighMem);
    CHECK(k.mm.zones[2].is_highmem);
    CHECK(k.mm.zones[2].spanned_pages == 262144 - 229376);
    CHECK(k.mm.pageblock_order == 10);
    CHECK(k.mm.max_low_pfn == 229376);
    CHECK(k.clock.hz == 100);
    CHECK_MM(k);
}

TEST_CASE("a fresh zone is tiled by aligned free blocks, all Movable, lowest address first") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    const zone& z = k.mm.zones[1]; // DMA32
    const free_area& top = z.free_area[MAX_ORDER - 1];
    REQUIRE(top.nr_free > 0);
    pfn_t prev = 0;
    for (pfn_t p = top.free_list[MIGRATE_MOVABLE].head; p != NO_PFN; p = k.mm.mem_map[p].lru_next) {
        CHECK(p % 1024 == 0);
        CHECK(p > prev); // boot frees to the tail in address order
        prev = p;
    }
    for (uint32_t mt = 0; mt < MIGRATE_TYPES; ++mt)
        if (mt != MIGRATE_MOVABLE) CHECK(top.free_list[mt].empty());
}

TEST_CASE("boot prints the zone ranges as Linux does") {
    Kernel k = boot(Arch::x86_64, 6ull << 30);
    std::string d = dmesg(k);
    CHECK(contains(d, "Zone ranges:\n"));
    CHECK(contains(d, "  DMA      [mem 0x0000000000001000-0x0000000000ffffff]\n"));
    CHECK(contains(d, "  DMA32    [mem 0x0000000001000000-0x00000000ffffffff]\n"));
    CHECK(contains(d, "  Normal   [mem 0x0000000100000000-0x000000017fffffff]\n"));
    CHECK(contains(d, "  Device   empty\n"));
}

TEST_CASE("the machine is a value: a copy is an independent snapshot") {
    Kernel k = boot(Arch::x86_64, 128ull << 20);
    Kernel snap = k;
    pfn_t p = alloc_pages(k, GFP_KERNEL, 2);
    REQUIRE(p != NO_PFN);
    CHECK(nr_free_pages(snap) == totalram_pages(snap));
    CHECK(nr_free_pages(k) + nr_free_pcp_pages(k) + 4 == totalram_pages(k));
    CHECK_MM(k);
    CHECK_MM(snap);
}
