// Watermarks, min_free_kbytes and lowmem_reserve by the 6.1 formulas; the watermark check
// with the GFP_ATOMIC reserve rule; zonelist fallback.
#include "helpers.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "mm/internal.h"
#include "mm/page_alloc.h"
#include "proc/proc.h"

using namespace klab;
using namespace klab::test;

namespace {

uint64_t isqrt(uint64_t x) {
    uint64_t r = 0;
    while ((r + 1) * (r + 1) <= x) ++r;
    return r;
}

// The formulas, computed independently of the engine from the zones' managed pages.
void check_formulas(const Kernel& k) {
    const auto& zs = k.mm.zones;
    uint64_t lowmem = 0;
    for (const zone& z : zs)
        if (!z.is_highmem) lowmem += z.managed_pages;
    uint64_t mfk = std::clamp<uint64_t>(isqrt(lowmem * 4 * 16), 128, 262144);
    CHECK(uint64_t(k.mm.min_free_kbytes) == mfk);
    uint64_t pages_min = mfk / 4;
    for (const zone& z : zs) {
        uint64_t tmp = pages_min * z.managed_pages / lowmem;
        uint64_t min = z.is_highmem ? std::clamp<uint64_t>(z.managed_pages / 1024, 32, 128) : tmp;
        uint64_t delta = std::max<uint64_t>(tmp / 4, z.managed_pages * 10 / 10000);
        CHECK(z._watermark[WMARK_MIN] == min);
        CHECK(z._watermark[WMARK_LOW] == min + delta);
        CHECK(z._watermark[WMARK_HIGH] == min + 2 * delta);
        CHECK(z._watermark[WMARK_PROMO] == min + 3 * delta);
    }
    for (size_t i = 0; i < zs.size(); ++i) {
        uint64_t sum = 0;
        CHECK(zs[i].lowmem_reserve[i] == 0);
        for (size_t j = i + 1; j < zs.size(); ++j) {
            sum += zs[j].managed_pages;
            int ratio = k.mm.lowmem_reserve_ratio[i];
            int64_t expect = (ratio && zs[i].managed_pages) ? int64_t(sum / uint64_t(ratio)) : 0;
            CHECK(zs[i].lowmem_reserve[j] == expect);
        }
    }
}

} // namespace

TEST_CASE("watermarks, min_free_kbytes and lowmem_reserve follow the formulas (x86_64)") {
    Kernel k = boot(Arch::x86_64, 6ull << 30);
    check_formulas(k);
    // DMA: 3840 managed pages, as on the reference machine.
    CHECK(k.mm.zones[0].managed_pages == 3840);
    CHECK(k.mm.lowmem_reserve_ratio[0] == 256);
    CHECK(k.mm.lowmem_reserve_ratio[2] == 32);
}

// What a real 6.1.192 (x86_64, 5 zones) shows after each write, from qemu-oracle runs:
// proc_dointvec_minmax() stores what parses, stops at the first bad word, ignores what does
// not fit; the handler zeroes ratios below 1, never fails and always recomputes.
TEST_CASE("lowmem_reserve_ratio is writable and recomputes the protection values (6.1 handler)") {
    Kernel k = boot(Arch::x86_64, 1ull << 30);
    auto write = [&](const char* text) {
        REQUIRE(proc_write(k, "/proc/sys/vm/lowmem_reserve_ratio", text).ok());
        check_formulas(k);
        return proc_read(k, "/proc/sys/vm/lowmem_reserve_ratio").value();
    };
    CHECK(write("128 64 16 0 0\n") == "128\t64\t16\t0\t0\n");
    CHECK(k.mm.zones[0].lowmem_reserve[1] == k.mm.zones[1].managed_pages / 128);
    CHECK(write("-5 0\n") == "0\t0\t16\t0\t0\n"); // negative: stored, then zeroed
    CHECK(k.mm.zones[0].lowmem_reserve[1] == 0);
    CHECK(write("abc\n") == "0\t0\t16\t0\t0\n");          // no number: nothing stored
    CHECK(write("1 2 3 4 5 6 7\n") == "1\t2\t3\t4\t5\n"); // MAX_NR_ZONES values at most
    CHECK(write("7 x\n") == "7\t2\t3\t4\t5\n");           // stops at the bad word
    CHECK(write("9") == "9\t2\t3\t4\t5\n");
    CHECK(write("\n") == "9\t2\t3\t4\t5\n");
    CHECK(k.mm.zones[0].lowmem_reserve[1] == k.mm.zones[1].managed_pages / 9);
    CHECK(write("0x10 010 2147483648 3\n") == "16\t8\t3\t4\t5\n"); // base 0; > INT_MAX stops
    CHECK(write("08 1\n") == "16\t8\t3\t4\t5\n"); // octal 0 then '8': not a separator
}

TEST_CASE(
    "lowmem_reserve_ratio on i386: four zones, a write protects Normal from HighMem requests") {
    Kernel k = boot(Arch::i386, 1ull << 30);
    REQUIRE(proc_write(k, "/proc/sys/vm/lowmem_reserve_ratio", "100 10\n").ok());
    CHECK(proc_read(k, "/proc/sys/vm/lowmem_reserve_ratio").value() == "100\t10\t0\t0\n");
    check_formulas(k);
    CHECK(k.mm.zones[1].lowmem_reserve[2] == k.mm.zones[2].managed_pages / 10);
}

TEST_CASE("watermarks follow the formulas (i386 with HighMem)") {
    Kernel k = boot(Arch::i386, 1ull << 30);
    check_formulas(k);
    const zone& high = k.mm.zones[2];
    CHECK(high._watermark[WMARK_MIN] == 32); // managed/1024 < 32: SWAP_CLUSTER_MAX
}

TEST_CASE("watermarks follow the formulas for other sizes") {
    for (uint64_t mb : {64ull, 512ull, 3072ull, 16384ull}) {
        CAPTURE(mb);
        check_formulas(boot(Arch::x86_64, mb << 20));
        check_formulas(boot(Arch::i386, mb << 20, 4));
    }
}

TEST_CASE("pcp batch and high by the 6.1 formulas") {
    Kernel k = boot(Arch::x86_64, 6ull << 30);
    for (const zone& z : k.mm.zones) {
        if (!z.populated()) continue;
        int64_t b = std::min<uint64_t>(z.managed_pages >> 10, 256) / 4;
        if (b < 1) b = 1;
        int64_t p2 = 1;
        while (p2 * 2 <= b + b / 2) p2 *= 2;
        int64_t batch = std::max<int64_t>(1, p2 - 1);
        int64_t high = std::max<int64_t>(int64_t(z.low_wmark()) / 2, batch * 4);
        for (const per_cpu_pages& p : z.pageset) {
            CHECK(p.batch == batch);
            CHECK(p.high == high);
        }
    }
    CHECK(k.mm.zones[2].pageset[0].batch == 63); // a big Normal zone
    CHECK(k.mm.zones[0].pageset[0].batch == 1);  // DMA
}

TEST_CASE("__zone_watermark_ok(): GFP_ATOMIC may go to 3/8 of min, GFP_NOWAIT gets nothing") {
    zone z;
    z.managed_pages = 100000;
    z._watermark[WMARK_MIN] = 800;
    z.free_area[0].free_list[MIGRATE_MOVABLE].head = 1; // "a block exists" for order > 0
    z.free_area[0].nr_free = 1;
    uint32_t atomic = gfp_to_alloc_flags(GFP_ATOMIC, 0);
    uint32_t nowait = gfp_to_alloc_flags(GFP_NOWAIT, 0);
    uint32_t kernel = gfp_to_alloc_flags(GFP_KERNEL, 0);
    uint32_t high_blocking = gfp_to_alloc_flags(GFP_KERNEL | __GFP_HIGH, 0);
    CHECK((atomic & (ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK)) ==
          (ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK));
    CHECK((nowait & ALLOC_MIN_RESERVE) == 0);
    CHECK((gfp_to_alloc_flags(GFP_ATOMIC, 2) & ALLOC_HIGHATOMIC) != 0);
    // min 800: GFP_KERNEL needs free > 800, __GFP_HIGH > 400, GFP_ATOMIC > 300 (3/8).
    CHECK(__zone_watermark_ok(z, 0, 800, 0, kernel, 801));
    CHECK_FALSE(__zone_watermark_ok(z, 0, 800, 0, kernel, 800));
    CHECK_FALSE(__zone_watermark_ok(z, 0, 800, 0, nowait, 800));
    CHECK(__zone_watermark_ok(z, 0, 800, 0, high_blocking, 401));
    CHECK_FALSE(__zone_watermark_ok(z, 0, 800, 0, high_blocking, 400));
    CHECK(__zone_watermark_ok(z, 0, 800, 0, atomic, 301));
    CHECK_FALSE(__zone_watermark_ok(z, 0, 800, 0, atomic, 300));
    // lowmem_reserve of the requested highest zone is added.
    z.lowmem_reserve[2] = 1000;
    CHECK_FALSE(__zone_watermark_ok(z, 0, 800, 2, kernel, 1800));
    CHECK(__zone_watermark_ok(z, 0, 800, 2, kernel, 1801));
    // order > 0 also needs a block of at least that order.
    CHECK_FALSE(__zone_watermark_ok(z, 1, 800, 0, kernel, 5000));
}

TEST_CASE("GFP_ATOMIC gets pages below min where GFP_KERNEL and GFP_NOWAIT fail") {
    Kernel k = boot(Arch::x86_64, 128ull << 20);
    std::vector<pfn_t> held;
    for (;;) {
        pfn_t p = alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 0);
        if (p == NO_PFN) break;
        held.push_back(p);
    }
    CHECK_MM(k);
    const zone& dma32 = k.mm.zones[1];
    const zone& dma = k.mm.zones[0];
    // GFP_KERNEL asked for Normal (empty here): both zones stopped at min + reserve[Normal].
    CHECK(dma32.nr_free_pages <= int64_t(dma32.min_wmark() + dma32.lowmem_reserve[2]) + 1);
    CHECK(dma.nr_free_pages <= int64_t(dma.min_wmark() + dma.lowmem_reserve[2]) + 1);
    CHECK(alloc_pages(k, GFP_NOWAIT | __GFP_NOWARN, 0) == NO_PFN);
    int atomic = 0;
    for (;;) {
        pfn_t p = alloc_pages(k, GFP_ATOMIC | __GFP_NOWARN, 0);
        if (p == NO_PFN) break;
        held.push_back(p);
        ++atomic;
    }
    CHECK(atomic > 0);
    int64_t min = int64_t(dma32.min_wmark());
    min -= min / 2;
    min -= min / 4;
    CHECK(dma32.nr_free_pages <= min + dma32.lowmem_reserve[2]);
    CHECK(dma32.nr_free_pages >= min + dma32.lowmem_reserve[2] - 64); // pcp batches
    CHECK_MM(k);
    for (pfn_t p : held) __free_pages(k, p, 0);
    CHECK_MM(k);
}

TEST_CASE("zonelist fallback: Normal -> DMA32 -> DMA on x86_64 and GFP_DMA32 never uses Normal") {
    Kernel k = boot(Arch::x86_64, 4608ull << 20); // 512 MiB of Normal
    std::vector<uint32_t> zones_seen;
    std::vector<std::pair<pfn_t, uint32_t>> held;
    for (;;) {
        pfn_t p = alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 9);
        if (p == NO_PFN) break;
        held.push_back({p, 9});
        uint32_t zi = k.mm.mem_map[p].zone;
        if (zones_seen.empty() || zones_seen.back() != zi) zones_seen.push_back(zi);
    }
    REQUIRE(zones_seen.size() >= 2);
    CHECK(zones_seen[0] == 2); // Normal first
    CHECK(zones_seen[1] == 1); // then DMA32
    for (auto [p, o] : held) __free_pages(k, p, o);
    for (int i = 0; i < 300; ++i) {
        pfn_t p = alloc_pages(k, GFP_DMA32, 4);
        REQUIRE(p != NO_PFN);
        CHECK(k.mm.mem_map[p].zone <= 1);
        held.push_back({p, 4});
    }
    pfn_t d = alloc_pages(k, GFP_DMA, 0);
    CHECK(k.mm.mem_map[d].zone == 0);
    CHECK_MM(k);
}

TEST_CASE("zonelist fallback on i386: GFP_HIGHUSER uses HighMem, GFP_KERNEL never does") {
    Kernel k = boot(Arch::i386, 1ull << 30);
    pfn_t h = alloc_pages(k, GFP_HIGHUSER, 0);
    CHECK(k.mm.mem_map[h].zone == 2);
    CHECK(page_address(k, h) == 0); // highmem has no permanent mapping
    pfn_t n = alloc_pages(k, GFP_KERNEL, 0);
    CHECK(k.mm.mem_map[n].zone == 1);
    CHECK(page_address(k, n) == 0xC0000000ull + (uint64_t(n) << 12));
    // __get_free_pages() strips __GFP_HIGHMEM so that it can return an address.
    uint64_t a = __get_free_pages(k, GFP_HIGHUSER, 0);
    CHECK(a >= 0xC0000000ull);
    CHECK(k.mm.mem_map[virt_to_page(k, a)].zone == 1);
    CHECK_MM(k);
}

TEST_CASE("__GFP_MEMALLOC ignores the watermarks and __GFP_NOFAIL may use half of min") {
    Kernel k = boot(Arch::x86_64, 128ull << 20);
    std::vector<pfn_t> held;
    pfn_t p;
    while ((p = alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 0)) != NO_PFN) held.push_back(p);
    int nofail = 0;
    while ((p = alloc_pages(k, GFP_KERNEL | __GFP_NOFAIL | __GFP_NOWARN, 0)) != NO_PFN) {
        held.push_back(p);
        ++nofail;
    }
    CHECK(nofail > 0);
    const zone& z = k.mm.zones[1];
    int64_t half = int64_t(z.min_wmark()) - int64_t(z.min_wmark()) / 2;
    CHECK(z.nr_free_pages <= half + z.lowmem_reserve[2]);
    CHECK(alloc_pages(k, GFP_ATOMIC | __GFP_NOWARN, 0) != NO_PFN); // 3/8 is below 1/2
    // __GFP_MEMALLOC drains the zones completely; __GFP_NOMEMALLOC cancels it.
    CHECK(alloc_pages(k, GFP_NOWAIT | __GFP_MEMALLOC | __GFP_NOMEMALLOC | __GFP_NOWARN, 0) ==
          NO_PFN);
    int memalloc = 0;
    while ((p = alloc_pages(k, GFP_NOWAIT | __GFP_MEMALLOC | __GFP_NOWARN, 0)) != NO_PFN) {
        held.push_back(p);
        ++memalloc;
    }
    CHECK(memalloc > 0);
    CHECK(k.mm.zones[1].nr_free_pages == 0);
    CHECK(k.mm.zones[0].nr_free_pages == 0);
    CHECK_MM(k);
    for (pfn_t q : held) __free_pages(k, q, 0);
    CHECK_MM(k);
}
