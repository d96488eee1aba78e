// The buddy allocator core: models mm/page_alloc.c expand(), __rmqueue_smallest(),
// __free_one_page() with buddy_merge_likely(), and the migratetype fallback
// (__rmqueue_fallback(), steal_suitable_fallback(), move_freepages_block(),
// reserve_highatomic_pageblock()). Simplifications: no CMA, no page isolation, no
// DEBUG_PAGEALLOC guard pages, no compaction capture, no free-page shuffling.
#include "machine/kernel.h"
#include "mm/internal.h"

namespace klab {

uint32_t get_pageblock_migratetype(const MemoryModel& m, pfn_t pfn) {
    return m.pageblock_mt[pfn >> m.pageblock_order];
}

void set_pageblock_migratetype(MemoryModel& m, pfn_t pfn, uint32_t mt) {
    m.pageblock_mt[pfn >> m.pageblock_order] = static_cast<uint8_t>(mt);
}

// --- free list primitives --------------------------------------------------------------------

static void add_to_free_list(MemoryModel& m, zone& z, pfn_t p, uint32_t order, uint32_t mt,
                             bool tail) {
    page& pg = m.mem_map[p];
    pg.owner = PageOwner::buddy; // set_buddy_order(): PageBuddy + order
    pg.order = static_cast<uint8_t>(order);
    pg.migratetype = static_cast<uint8_t>(mt);
    free_area& area = z.free_area[order];
    if (tail)
        page_lru::add_tail(m.mem_map, area.free_list[mt], p);
    else
        page_lru::add(m.mem_map, area.free_list[mt], p);
    area.nr_free++;
}

static void del_page_from_free_list(MemoryModel& m, zone& z, pfn_t p, uint32_t order) {
    page& pg = m.mem_map[p];
    free_area& area = z.free_area[order];
    page_lru::del(m.mem_map, area.free_list[pg.migratetype], p);
    pg.owner = PageOwner::none; // __ClearPageBuddy + set_page_private(0)
    pg.order = 0;
    area.nr_free--;
}

// move_to_free_list(): the block changes list, keeping its place in the buddy system.
static void move_to_free_list(MemoryModel& m, zone& z, pfn_t p, uint32_t order, uint32_t mt) {
    page& pg = m.mem_map[p];
    free_area& area = z.free_area[order];
    page_lru::del(m.mem_map, area.free_list[pg.migratetype], p);
    pg.migratetype = static_cast<uint8_t>(mt);
    page_lru::add_tail(m.mem_map, area.free_list[mt], p);
}

static bool page_is_buddy(const MemoryModel& m, pfn_t buddy, uint32_t order, uint32_t zi) {
    if (buddy >= m.max_pfn) return false;
    const page& b = m.mem_map[buddy];
    return b.owner == PageOwner::buddy && b.order == order && b.zone == zi;
}

// Freed blocks from reserved/isolated types must not merge across pageblocks with others.
static bool migratetype_is_mergeable(uint32_t mt) {
    return mt < MIGRATE_PCPTYPES;
}

// buddy_merge_likely(): if the next-higher buddy is free, this block will probably merge soon,
// so put it at the tail where allocations (which take the head) will not split it first.
static bool buddy_merge_likely(const MemoryModel& m, pfn_t pfn, pfn_t buddy_pfn, uint32_t order,
                               uint32_t zi) {
    if (order >= MAX_ORDER - 2) return false;
    pfn_t higher = buddy_pfn & pfn;
    pfn_t higher_buddy = higher ^ (1u << (order + 1));
    return page_is_buddy(m, higher_buddy, order + 1, zi);
}

// LESSON(buddy-merge) __free_one_page(): merge with the buddy while it is free at the same
// order, then put the result at the list head (or tail if a further merge looks likely).
void __free_one_page(Kernel& k, uint32_t zi, pfn_t pfn, uint32_t order, uint32_t mt, uint32_t fpi) {
    MemoryModel& m = k.mm;
    zone& z = m.zones[zi];
    KLAB_ASSERT((pfn & ((1u << order) - 1)) == 0);
    if (mt != MIGRATE_ISOLATE) z.nr_free_pages += 1 << order;
    pfn_t buddy_pfn = 0;
    while (order < MAX_ORDER - 1) {
        buddy_pfn = pfn ^ (1u << order);
        if (!page_is_buddy(m, buddy_pfn, order, zi)) break;
        if (order >= m.pageblock_order) {
            uint32_t buddy_mt = get_pageblock_migratetype(m, buddy_pfn);
            if (mt != buddy_mt &&
                (!migratetype_is_mergeable(mt) || !migratetype_is_mergeable(buddy_mt)))
                break;
        }
        del_page_from_free_list(m, z, buddy_pfn, order);
        pfn_t combined = buddy_pfn & pfn;
        // The half that is no longer the head becomes an ordinary interior page.
        m.mem_map[pfn].owner = PageOwner::none;
        pfn = combined;
        order++;
    }
    bool to_tail = (fpi & FPI_TO_TAIL) || buddy_merge_likely(m, pfn, buddy_pfn, order, zi);
    add_to_free_list(m, z, pfn, order, mt, to_tail);
}

// LESSON(buddy-split) expand(): keep the lower half, hand the upper halves to the free lists
// from the largest down (order high-1, high-2, ... low).
static void expand(MemoryModel& m, zone& z, pfn_t pfn, uint32_t low, uint32_t high, uint32_t mt) {
    uint32_t size = 1u << high;
    while (high > low) {
        high--;
        size >>= 1;
        add_to_free_list(m, z, pfn + size, high, mt, false);
    }
}

pfn_t __rmqueue_smallest(Kernel& k, uint32_t zi, uint32_t order, uint32_t mt) {
    MemoryModel& m = k.mm;
    zone& z = m.zones[zi];
    for (uint32_t cur = order; cur < MAX_ORDER; ++cur) {
        PageList& l = z.free_area[cur].free_list[mt];
        if (l.empty()) continue;
        pfn_t p = l.head;
        del_page_from_free_list(m, z, p, cur);
        expand(m, z, p, order, cur, mt);
        m.mem_map[p].migratetype = static_cast<uint8_t>(mt); // set_pcppage_migratetype()
        if (k.trace.enabled) {
            TraceEvent e;
            e.type = TraceEventType::mm_page_alloc_zone_locked;
            e.pfn = p;
            e.order = static_cast<uint8_t>(order);
            e.migratetype = static_cast<int8_t>(mt);
            e.arg0 = order <= PAGE_ALLOC_COSTLY_ORDER && mt < MIGRATE_PCPTYPES;
            k.trace.emit(e, k.clock.ns, k.current_cpu);
        }
        return p;
    }
    return NO_PFN;
}

// fallbacks[] of mm/page_alloc.c: which lists an allocation of each type may steal from.
static const uint8_t kFallbacks[MIGRATE_TYPES][2] = {
    {MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE},   // Unmovable
    {MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE}, // Movable
    {MIGRATE_UNMOVABLE, MIGRATE_MOVABLE},     // Reclaimable
    {MIGRATE_TYPES, MIGRATE_TYPES},           // HighAtomic: never falls back
    {MIGRATE_TYPES, MIGRATE_TYPES},           // Isolate
};

static bool can_steal_fallback(const MemoryModel& m, uint32_t order, uint32_t start_mt) {
    if (order >= m.pageblock_order) return true;
    return order >= m.pageblock_order / 2 || start_mt == MIGRATE_RECLAIMABLE ||
           start_mt == MIGRATE_UNMOVABLE;
}

// find_suitable_fallback() with only_stealable == false: the first fallback type with a
// block of this order; *can_steal says whether to take the whole pageblock.
static int find_suitable_fallback(const MemoryModel& m, const free_area& area, uint32_t order,
                                  uint32_t mt, bool* can_steal) {
    if (area.nr_free == 0) return -1;
    *can_steal = false;
    for (uint8_t fb : kFallbacks[mt]) {
        if (fb == MIGRATE_TYPES) break;
        if (area.free_list[fb].empty()) continue;
        if (can_steal_fallback(m, order, mt)) *can_steal = true;
        return fb;
    }
    return -1;
}

int move_freepages_block(Kernel& k, uint32_t zi, pfn_t pfn, uint32_t mt) {
    MemoryModel& m = k.mm;
    zone& z = m.zones[zi];
    pfn_t start = pfn & ~(m.pageblock_nr_pages() - 1);
    pfn_t end = start + m.pageblock_nr_pages() - 1;
    if (start < z.zone_start_pfn) start = pfn; // do not cross the zone's start
    if (end >= z.end_pfn()) return 0;
    int moved = 0;
    for (pfn_t p = start; p <= end;) {
        const page& pg = m.mem_map[p];
        if (pg.owner != PageOwner::buddy) {
            ++p;
            continue;
        }
        uint32_t order = pg.order;
        move_to_free_list(m, z, p, order, mt);
        p += 1u << order;
        moved += 1 << order;
    }
    return moved;
}

// boost_watermark(): fragmentation raises the zone's watermarks temporarily so that kswapd
// reclaims (the model has no kswapd; the boost still shows in zoneinfo and the checks).
static bool boost_watermark(MemoryModel& m, zone& z) {
    if (!m.watermark_boost_factor) return false;
    if (uint64_t(m.pageblock_nr_pages()) * 4 > z.managed_pages) return false;
    uint64_t max_boost = z._watermark[WMARK_HIGH] * m.watermark_boost_factor / 10000;
    if (!max_boost) return false;
    if (max_boost < m.pageblock_nr_pages()) max_boost = m.pageblock_nr_pages();
    uint64_t b = z.watermark_boost + m.pageblock_nr_pages();
    z.watermark_boost = b < max_boost ? b : max_boost;
    return true;
}

static void steal_suitable_fallback(Kernel& k, uint32_t zi, pfn_t p, uint32_t alloc_flags,
                                    uint32_t start_type, bool whole_block) {
    MemoryModel& m = k.mm;
    zone& z = m.zones[zi];
    uint32_t current_order = m.mem_map[p].order;
    uint32_t old_block_type = get_pageblock_migratetype(m, p);
    if (old_block_type == MIGRATE_HIGHATOMIC) {
        move_to_free_list(m, z, p, current_order, start_type);
        return;
    }
    if (current_order >= m.pageblock_order) {
        // Take ownership of every pageblock the block covers.
        uint32_t nr = 1u << (current_order - m.pageblock_order);
        for (uint32_t i = 0; i < nr; ++i)
            set_pageblock_migratetype(m, p + i * m.pageblock_nr_pages(), start_type);
        move_to_free_list(m, z, p, current_order, start_type);
        return;
    }
    if (boost_watermark(m, z) && (alloc_flags & ALLOC_KSWAPD)) z.boosted_watermark = true;
    if (!whole_block) {
        move_to_free_list(m, z, p, current_order, start_type);
        return;
    }
    int free_pages = move_freepages_block(k, zi, p, start_type);
    // The model has no LRU/movable pages yet, so no allocated page counts as "alike" for a
    // movable request; for the others, non-free pages of a movable block count (as Linux).
    int movable_pages = 0;
    int alike_pages = 0;
    if (start_type == MIGRATE_MOVABLE)
        alike_pages = movable_pages;
    else if (old_block_type == MIGRATE_MOVABLE)
        alike_pages = int(m.pageblock_nr_pages()) - (free_pages + movable_pages);
    if (!free_pages) {
        move_to_free_list(m, z, p, current_order, start_type);
        return;
    }
    if (free_pages + alike_pages >= int(1u << (m.pageblock_order - 1)))
        set_pageblock_migratetype(m, p, start_type);
}

// LESSON(buddy-fallback) __rmqueue_fallback(): take the *largest* block of a fallback type,
// so that a whole pageblock changes owner rather than many get polluted.
static bool __rmqueue_fallback(Kernel& k, uint32_t zi, uint32_t order, uint32_t start_mt,
                               uint32_t alloc_flags) {
    MemoryModel& m = k.mm;
    zone& z = m.zones[zi];
    uint32_t min_order = order;
    if (order < m.pageblock_order && (alloc_flags & ALLOC_NOFRAGMENT))
        min_order = m.pageblock_order;
    bool can_steal = false;
    int fallback_mt = -1;
    int current_order = -1;
    for (int o = MAX_ORDER - 1; o >= int(min_order); --o) {
        fallback_mt = find_suitable_fallback(m, z.free_area[o], o, start_mt, &can_steal);
        if (fallback_mt == -1) continue;
        current_order = o;
        break;
    }
    if (current_order < 0) return false;
    if (!can_steal && start_mt == MIGRATE_MOVABLE && current_order > int(order)) {
        // find_smallest: a movable request that cannot take the block splits the smallest.
        for (int o = order; o < int(MAX_ORDER); ++o) {
            fallback_mt = find_suitable_fallback(m, z.free_area[o], o, start_mt, &can_steal);
            if (fallback_mt != -1) {
                current_order = o;
                break;
            }
        }
    }
    pfn_t p = z.free_area[current_order].free_list[fallback_mt].head;
    steal_suitable_fallback(k, zi, p, alloc_flags, start_mt, can_steal);
    if (k.trace.enabled) {
        TraceEvent e;
        e.type = TraceEventType::mm_page_alloc_extfrag;
        e.pfn = p;
        e.order = static_cast<uint8_t>(order);
        e.arg0 = static_cast<uint8_t>(current_order);
        e.migratetype = static_cast<int8_t>(start_mt);
        e.arg1 = static_cast<int8_t>(fallback_mt);
        bool fragmenting = uint32_t(current_order) < m.pageblock_order;
        bool change = get_pageblock_migratetype(m, p) == start_mt;
        e.arg2 = static_cast<uint8_t>((fragmenting ? 1 : 0) | (change ? 2 : 0));
        k.trace.emit(e, k.clock.ns, k.current_cpu);
    }
    return true;
}

pfn_t __rmqueue(Kernel& k, uint32_t zi, uint32_t order, uint32_t mt, uint32_t alloc_flags) {
    for (;;) {
        pfn_t p = __rmqueue_smallest(k, zi, order, mt);
        if (p != NO_PFN) return p;
        if (!__rmqueue_fallback(k, zi, order, mt, alloc_flags)) return NO_PFN;
    }
}

pfn_t rmqueue_buddy(Kernel& k, uint32_t zi, uint32_t order, uint32_t alloc_flags, uint32_t mt) {
    pfn_t p = NO_PFN;
    if (alloc_flags & ALLOC_HIGHATOMIC) p = __rmqueue_smallest(k, zi, order, MIGRATE_HIGHATOMIC);
    if (p == NO_PFN) {
        p = __rmqueue(k, zi, order, mt, alloc_flags);
        // Failing now is worse than failing a future high-order atomic request.
        if (p == NO_PFN && (alloc_flags & (ALLOC_OOM | ALLOC_NON_BLOCK)))
            p = __rmqueue_smallest(k, zi, order, MIGRATE_HIGHATOMIC);
        if (p == NO_PFN) return NO_PFN;
    }
    k.mm.zones[zi].nr_free_pages -= 1 << order;
    return p;
}

void reserve_highatomic_pageblock(Kernel& k, uint32_t zi, pfn_t pfn) {
    MemoryModel& m = k.mm;
    zone& z = m.zones[zi];
    uint64_t max_managed = z.managed_pages / 100 + m.pageblock_nr_pages();
    if (z.nr_reserved_highatomic >= max_managed) return;
    uint32_t mt = get_pageblock_migratetype(m, pfn);
    if (!migratetype_is_mergeable(mt)) return;
    z.nr_reserved_highatomic += m.pageblock_nr_pages();
    set_pageblock_migratetype(m, pfn, MIGRATE_HIGHATOMIC);
    move_freepages_block(k, zi, pfn, MIGRATE_HIGHATOMIC);
}

static bool is_block_head(PageOwner o) {
    return o == PageOwner::buddy || o == PageOwner::pcp || o == PageOwner::alloc ||
           o == PageOwner::slab || o == PageOwner::vmalloc || o == PageOwner::kernel_stack ||
           o == PageOwner::page_table || o == PageOwner::user;
}

pfn_t find_block_head(const MemoryModel& m, pfn_t pfn) {
    if (pfn >= m.max_pfn) return NO_PFN;
    for (uint32_t o = 0; o < MAX_ORDER; ++o) {
        pfn_t h = pfn & ~((1u << o) - 1);
        const page& pg = m.mem_map[h];
        if (o == 0 && (pg.owner == PageOwner::reserved || pg.owner == PageOwner::hole))
            return NO_PFN;
        if (is_block_head(pg.owner) && pg.order >= o) return h;
    }
    return NO_PFN;
}

} // namespace klab
