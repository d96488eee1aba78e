// Watermarks and reserves: models mm/page_alloc.c calculate_min_free_kbytes(),
// __setup_per_zone_wmarks(), setup_per_zone_lowmem_reserve(), zone_batchsize(),
// zone_highsize(), lowmem_reserve_ratio_sysctl_handler(), __zone_watermark_ok(),
// zone_watermark_fast() and gfp_to_alloc_flags() as in 6.1.192 (ALLOC_MIN_RESERVE/ALLOC_NON_BLOCK). THP is off, so khugepaged does not
// raise min_free_kbytes; no CMA, no OOM victims, no RT tasks.
#include <algorithm>
#include <cmath>

#include "machine/kernel.h"
#include "mm/internal.h"
#include "proc/dointvec.h"

namespace klab {

static uint64_t int_sqrt(uint64_t x) {
    uint64_t r = static_cast<uint64_t>(std::sqrt(static_cast<double>(x)));
    while (r * r > x) --r;
    while ((r + 1) * (r + 1) <= x) ++r;
    return r;
}

uint64_t nr_free_buffer_pages(const Kernel& k) {
    // nr_free_zone_pages(gfp_zone(GFP_USER)): managed pages above the high watermark in
    // every zone up to ZONE_NORMAL.
    uint64_t sum = 0;
    int normal = k.mm.zone_index(ZoneKind::Normal);
    for (int i = 0; i <= normal; ++i) {
        const zone& z = k.mm.zones[i];
        uint64_t high = z.high_wmark();
        if (z.managed_pages > high) sum += z.managed_pages - high;
    }
    return sum;
}

static void calculate_min_free_kbytes(Kernel& k) {
    uint64_t lowmem_kbytes = nr_free_buffer_pages(k) * 4;
    int64_t v = static_cast<int64_t>(int_sqrt(lowmem_kbytes * 16));
    if (v > k.mm.user_min_free_kbytes)
        k.mm.min_free_kbytes = int32_t(std::clamp<int64_t>(v, 128, 262144));
}

static void calculate_totalreserve_pages(Kernel& k) {
    uint64_t total = 0;
    for (zone& z : k.mm.zones) {
        int64_t max = 0;
        for (int64_t r : z.lowmem_reserve) max = std::max(max, r);
        uint64_t v = uint64_t(max) + z.high_wmark();
        if (v > z.managed_pages) v = z.managed_pages;
        total += v;
    }
    k.mm.totalreserve_pages = total;
}

static void zone_pcp_update(Kernel& k) {
    for (zone& z : k.mm.zones) {
        int32_t batch = std::max(1, zone_batchsize(z));
        int32_t high = zone_highsize(z, batch, uint32_t(k.cpus.size()));
        z.pageset_batch = batch;
        z.pageset_high = high;
        for (per_cpu_pages& p : z.pageset) {
            p.batch = batch;
            p.high = high;
        }
    }
}

void setup_per_zone_wmarks(Kernel& k) {
    MemoryModel& m = k.mm;
    uint64_t pages_min = uint64_t(m.min_free_kbytes) >> (12 - 10);
    uint64_t lowmem_pages = 0;
    for (const zone& z : m.zones)
        if (!z.is_highmem) lowmem_pages += z.managed_pages;
    for (zone& z : m.zones) {
        uint64_t tmp = lowmem_pages ? pages_min * z.managed_pages / lowmem_pages : 0;
        if (z.is_highmem) {
            // Highmem is not needed for atomic allocations, so only a token minimum.
            z._watermark[WMARK_MIN] = std::clamp<uint64_t>(z.managed_pages / 1024, 32, 128);
        } else {
            z._watermark[WMARK_MIN] = tmp;
        }
        // mult_frac(managed, watermark_scale_factor, 10000)
        uint64_t scaled = z.managed_pages / 10000 * m.watermark_scale_factor +
                          z.managed_pages % 10000 * m.watermark_scale_factor / 10000;
        tmp = std::max(tmp >> 2, scaled);
        z.watermark_boost = 0;
        z._watermark[WMARK_LOW] = z._watermark[WMARK_MIN] + tmp;
        z._watermark[WMARK_HIGH] = z._watermark[WMARK_LOW] + tmp;
        z._watermark[WMARK_PROMO] = z._watermark[WMARK_HIGH] + tmp;
    }
    calculate_totalreserve_pages(k);
    zone_pcp_update(k);
}

void setup_per_zone_lowmem_reserve(Kernel& k) {
    MemoryModel& m = k.mm;
    size_t n = m.zones.size();
    for (size_t i = 0; i + 1 < n; ++i) {
        zone& z = m.zones[i];
        int32_t ratio = m.lowmem_reserve_ratio[i];
        bool clear = !ratio || !z.managed_pages;
        uint64_t managed = 0;
        for (size_t j = i + 1; j < n; ++j) {
            managed += m.zones[j].managed_pages;
            z.lowmem_reserve[j] = clear ? 0 : int64_t(managed / uint64_t(ratio));
        }
    }
    calculate_totalreserve_pages(k);
}

// lowmem_reserve_ratio_sysctl_handler(): proc_dointvec_minmax() stores what parses (its
// error is ignored, so a bad write still succeeds), ratios below 1 become 0, and the
// protection values are recomputed whatever was written.
Result<void> lowmem_reserve_ratio_sysctl_handler(Kernel& k, std::string_view text) {
    MemoryModel& m = k.mm;
    proc_dointvec_write(text, m.lowmem_reserve_ratio.data(), m.zones.size());
    for (size_t i = 0; i < m.zones.size(); ++i)
        if (m.lowmem_reserve_ratio[i] < 1) m.lowmem_reserve_ratio[i] = 0;
    setup_per_zone_lowmem_reserve(k);
    return {};
}

static uint32_t fls(uint64_t x) {
    uint32_t r = 0;
    while (x) {
        ++r;
        x >>= 1;
    }
    return r;
}

void init_per_zone_wmark_min(Kernel& k) {
    calculate_min_free_kbytes(k);
    setup_per_zone_wmarks(k);
    // refresh_zone_stat_thresholds(): calculate_normal_threshold() per zone.
    for (zone& z : k.mm.zones) {
        uint64_t mem = z.managed_pages >> (27 - 12);
        int32_t t = int32_t(2 * fls(k.cpus.size()) * (1 + fls(mem)));
        z.stat_threshold = std::min(125, t);
    }
    setup_per_zone_lowmem_reserve(k);
}

static uint64_t rounddown_pow_of_two(uint64_t x) {
    uint64_t r = 1;
    while (r * 2 <= x) r *= 2;
    return r;
}

int32_t zone_batchsize(const zone& z) {
    // About a quarter of a MiB of pages per refill, smaller for small zones.
    int64_t batch = std::min<uint64_t>(z.managed_pages >> 10, (1u << 20) / 4096);
    batch /= 4;
    if (batch < 1) batch = 1;
    // Clamp to 2^n - 1 so that batches do not alias with cache colouring.
    return int32_t(rounddown_pow_of_two(uint64_t(batch + batch / 2)) - 1);
}

int32_t zone_highsize(const zone& z, int32_t batch, uint32_t nr_cpus) {
    // percpu_pagelist_high_fraction is 0: split the low watermark among the node's CPUs
    // (cpu_online is 0 when setup_per_zone_wmarks() recomputes it after boot).
    int64_t high = int64_t(z.low_wmark()) / int64_t(nr_cpus);
    return int32_t(std::max<int64_t>(high, int64_t(batch) << 2));
}

uint32_t gfp_to_alloc_flags(gfp_t gfp, uint32_t order) {
    uint32_t alloc_flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;
    // __GFP_HIGH == ALLOC_MIN_RESERVE and __GFP_KSWAPD_RECLAIM == ALLOC_KSWAPD by design.
    alloc_flags |= gfp & (__GFP_HIGH | __GFP_KSWAPD_RECLAIM);
    if (!(gfp & __GFP_DIRECT_RECLAIM)) {
        if (!(gfp & __GFP_NOMEMALLOC)) {
            alloc_flags |= ALLOC_NON_BLOCK;
            if (order > 0 && (alloc_flags & ALLOC_MIN_RESERVE)) alloc_flags |= ALLOC_HIGHATOMIC;
        }
        if (alloc_flags & ALLOC_MIN_RESERVE) alloc_flags &= ~ALLOC_CPUSET;
    }
    return alloc_flags;
}

static int64_t zone_watermark_unusable_free(const zone& z, uint32_t order, uint32_t alloc_flags) {
    int64_t unusable = (int64_t(1) << order) - 1;
    if (!(alloc_flags & ALLOC_RESERVES)) unusable += int64_t(z.nr_reserved_highatomic);
    return unusable;
}

// LESSON(watermarks) __zone_watermark_ok(): __GFP_HIGH may use half of the min reserve, and
// a non-blocking __GFP_HIGH request (GFP_ATOMIC) a further quarter: down to 3/8 of min.
bool __zone_watermark_ok(const zone& z, uint32_t order, uint64_t mark, uint32_t highest_zoneidx,
                         uint32_t alloc_flags, int64_t free_pages) {
    int64_t min = int64_t(mark);
    free_pages -= zone_watermark_unusable_free(z, order, alloc_flags);
    if (alloc_flags & ALLOC_RESERVES) {
        if (alloc_flags & ALLOC_MIN_RESERVE) {
            min -= min / 2;
            if (alloc_flags & ALLOC_NON_BLOCK) min -= min / 4;
        }
        if (alloc_flags & ALLOC_OOM) min -= min / 2;
    }
    if (free_pages <= min + z.lowmem_reserve[highest_zoneidx]) return false;
    if (!order) return true;
    for (uint32_t o = order; o < MAX_ORDER; ++o) {
        const free_area& area = z.free_area[o];
        if (!area.nr_free) continue;
        for (uint32_t mt = 0; mt < MIGRATE_PCPTYPES; ++mt)
            if (!area.free_list[mt].empty()) return true;
        if ((alloc_flags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) &&
            !area.free_list[MIGRATE_HIGHATOMIC].empty())
            return true;
    }
    return false;
}

bool zone_watermark_fast(const zone& z, uint32_t order, uint64_t mark, uint32_t highest_zoneidx,
                         uint32_t alloc_flags) {
    int64_t free_pages = z.nr_free_pages;
    if (!order) {
        int64_t reserved = zone_watermark_unusable_free(z, 0, alloc_flags);
        int64_t usable = free_pages - std::min(free_pages, reserved);
        if (usable > int64_t(mark) + z.lowmem_reserve[highest_zoneidx]) return true;
    }
    if (__zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, free_pages)) return true;
    // A boost must not stop __GFP_HIGH order-0 requests at the min watermark: it is there to
    // wake kswapd earlier, not to fail atomic allocations.
    if (!order && (alloc_flags & ALLOC_MIN_RESERVE) && z.watermark_boost &&
        (alloc_flags & ALLOC_WMARK_MASK) == WMARK_MIN)
        return __zone_watermark_ok(z, order, z._watermark[WMARK_MIN], highest_zoneidx, alloc_flags,
                                   free_pages);
    return false;
}

} // namespace klab
