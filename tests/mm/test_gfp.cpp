// GFP flag values, %pGg names, gfp_zone() and migratetypes.
#include <doctest/doctest.h>

#include "mm/gfp.h"

using namespace klab;

TEST_CASE("composite GFP values are those of Linux 6.1") {
    CHECK(GFP_KERNEL == 0xcc0);
    CHECK(GFP_KERNEL_ACCOUNT == 0x400cc0);
    CHECK(GFP_ATOMIC == 0xa20);
    CHECK(GFP_NOWAIT == 0x800);
    CHECK(GFP_NOIO == 0xc00);
    CHECK(GFP_NOFS == 0xc40);
    CHECK(GFP_USER == 0x100cc0);
    CHECK(GFP_HIGHUSER == 0x100cc2);
    CHECK(GFP_HIGHUSER_MOVABLE == 0x100cca);
    CHECK(GFP_DMA == 0x1);
    CHECK(GFP_DMA32 == 0x4);
    CHECK(__GFP_ZERO == 0x100);
    CHECK(__GFP_NOWARN == 0x2000);
    CHECK(__GFP_NOFAIL == 0x8000);
    CHECK(__GFP_NORETRY == 0x10000);
    CHECK(__GFP_COMP == 0x40000);
    CHECK(__GFP_HIGHMEM == 0x2);
}

TEST_CASE("%pGg names: composites first, then single bits, unknown bits in hex") {
    CHECK(gfp_mode_string(GFP_KERNEL) == "0xcc0(GFP_KERNEL)");
    CHECK(gfp_mode_string(0x40cc0) == "0x40cc0(GFP_KERNEL|__GFP_COMP)");
    CHECK(gfp_mode_string(0x40dc0) == "0x40dc0(GFP_KERNEL|__GFP_COMP|__GFP_ZERO)");
    CHECK(gfp_mode_string(0x140dc2) == "0x140dc2(GFP_HIGHUSER|__GFP_COMP|__GFP_ZERO)");
    CHECK(gfp_mode_string(GFP_ATOMIC) == "0xa20(GFP_ATOMIC)");
    CHECK(gfp_mode_string(GFP_NOWAIT) == "0x800(GFP_NOWAIT)");
    CHECK(gfp_mode_string(GFP_NOIO) == "0xc00(GFP_NOIO)");
    CHECK(gfp_mode_string(GFP_ATOMIC | __GFP_NOWARN) == "0x2a20(GFP_ATOMIC|__GFP_NOWARN)");
    CHECK(gfp_mode_string(GFP_KERNEL | GFP_DMA) == "0xcc1(GFP_KERNEL|GFP_DMA)");
    CHECK(gfp_mode_string(0) == "0x0()");
    CHECK(gfp_names(0x1000000) == "0x1000000");
    CHECK(gfp_names(GFP_KERNEL | 0x1000000) == "GFP_KERNEL|0x1000000");
    CHECK(gfp_trace_names(0) == "none");
    gfp_t v = 0;
    CHECK(gfp_from_name("GFP_KERNEL", &v));
    CHECK(v == 0xcc0);
    CHECK_FALSE(gfp_from_name("GFP_BOGUS", &v));
}

TEST_CASE("every mask macro of gfp_types.h is known, with Debian's config values") {
    gfp_t v = 0;
    CHECK(gfp_from_name("__GFP_ZEROTAGS", &v));
    CHECK(v == 0x800000);
    CHECK(gfp_from_name("___GFP_ZEROTAGS", &v));
    CHECK(v == 0x800000);
    CHECK(gfp_from_name("__GFP_DMA", &v));
    CHECK(v == 0x1);
    CHECK(gfp_from_name("__GFP_SKIP_KASAN_POISON", &v)); // no KASAN_HW_TAGS: 0
    CHECK(v == 0);
    CHECK(gfp_from_name("__GFP_NOLOCKDEP", &v)); // no LOCKDEP: 0
    CHECK(v == 0);
    CHECK(gfp_from_name("__GFP_BITS_MASK", &v));
    CHECK(v == 0x7ffffff);
    CHECK(gfp_from_name("GFP_MOVABLE_MASK", &v));
    CHECK(v == 0x18);
    CHECK(gfp_from_name("GFP_ZONEMASK", &v));
    CHECK(v == 0xf);
    size_t n = 0;
    const GfpConstant* all = gfp_constants(&n);
    CHECK(n == 75); // 28 ___GFP_ bits, 29 __GFP_ masks, GFP_ZONEMASK, the bits shift and mask,
                    // 13 GFP_ sets, GFP_MOVABLE_MASK and _SHIFT
    for (size_t i = 0; i < n; ++i) {
        INFO(all[i].name);
        gfp_t w = 0;
        CHECK(gfp_from_name(all[i].name, &w));
    }
    CHECK(gfp_mode_string(GFP_KERNEL | __GFP_ZEROTAGS) == "0x800cc0(GFP_KERNEL|__GFP_ZEROTAGS)");
    CHECK(gfp_mode_string(GFP_HIGHUSER_MOVABLE) == "0x100cca(GFP_HIGHUSER_MOVABLE)");
}

TEST_CASE("gfp_zone(): the highest zone a mask allows, and the impossible combinations") {
    ZoneKind z;
    // x86_64: no highmem, DMA32 exists.
    REQUIRE(gfp_zone(GFP_KERNEL, false, true, &z));
    CHECK(z == ZoneKind::Normal);
    REQUIRE(gfp_zone(GFP_DMA, false, true, &z));
    CHECK(z == ZoneKind::DMA);
    REQUIRE(gfp_zone(GFP_DMA32, false, true, &z));
    CHECK(z == ZoneKind::DMA32);
    REQUIRE(gfp_zone(GFP_HIGHUSER, false, true, &z));
    CHECK(z == ZoneKind::Normal);
    REQUIRE(gfp_zone(GFP_HIGHUSER_MOVABLE, false, true, &z));
    CHECK(z == ZoneKind::Movable);
    REQUIRE(gfp_zone(__GFP_MOVABLE, false, true, &z));
    CHECK(z == ZoneKind::Normal);
    REQUIRE(gfp_zone(__GFP_MOVABLE | __GFP_DMA, false, true, &z));
    CHECK(z == ZoneKind::DMA);
    REQUIRE(gfp_zone(__GFP_MOVABLE | __GFP_DMA32, false, true, &z));
    CHECK(z == ZoneKind::DMA32);
    // i386: highmem, no DMA32.
    REQUIRE(gfp_zone(GFP_HIGHUSER, true, false, &z));
    CHECK(z == ZoneKind::HighMem);
    REQUIRE(gfp_zone(GFP_DMA32, true, false, &z));
    CHECK(z == ZoneKind::Normal);
    // GFP_ZONE_BAD
    CHECK_FALSE(gfp_zone(__GFP_DMA | __GFP_DMA32, false, true, &z));
    CHECK_FALSE(gfp_zone(__GFP_DMA | __GFP_HIGHMEM, true, false, &z));
    CHECK_FALSE(gfp_zone(__GFP_DMA32 | __GFP_HIGHMEM | __GFP_MOVABLE, false, true, &z));
}

TEST_CASE("gfp_migratetype() and gfpflags_allow_blocking()") {
    CHECK(gfp_migratetype(GFP_KERNEL) == 0);
    CHECK(gfp_migratetype(GFP_HIGHUSER_MOVABLE) == 1);
    CHECK(gfp_migratetype(GFP_KERNEL | __GFP_RECLAIMABLE) == 2);
    CHECK(gfpflags_allow_blocking(GFP_KERNEL));
    CHECK(gfpflags_allow_blocking(GFP_NOIO));
    CHECK_FALSE(gfpflags_allow_blocking(GFP_ATOMIC));
    CHECK_FALSE(gfpflags_allow_blocking(GFP_NOWAIT));
}
