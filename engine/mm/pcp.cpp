// Per-CPU page lists: models mm/page_alloc.c rmqueue_pcplist(), __rmqueue_pcplist(),
// rmqueue_bulk(), free_unref_page(), free_unref_page_commit(), nr_pcp_free() and
// free_pcppages_bulk() for orders 0..PAGE_ALLOC_COSTLY_ORDER (THP off). Simplifications: no
// trylock failure (one thread), no ZONE_RECLAIM_ACTIVE limit (no reclaim), no vmstat worker
// that drains idle lists later.
#include <algorithm>

#include "machine/kernel.h"
#include "mm/internal.h"

namespace klab {

inline constexpr uint32_t CONFIG_PCP_BATCH_SCALE_MAX = 5;

// rmqueue_bulk(): pull `count` blocks from the buddy lists in one go (one zone->lock hold in
// Linux). Blocks come out of expand() in ascending pfn order and go to the list tail.
static int rmqueue_bulk(Kernel& k, uint32_t zi, uint32_t order, int count, PageList& list,
                        uint32_t mt, uint32_t alloc_flags) {
    MemoryModel& m = k.mm;
    int i = 0;
    for (; i < count; ++i) {
        pfn_t p = __rmqueue(k, zi, order, mt, alloc_flags);
        if (p == NO_PFN) break;
        page& pg = m.mem_map[p];
        pg.owner = PageOwner::pcp;
        pg.order = static_cast<uint8_t>(order);
        page_lru::add_tail(m.mem_map, list, p);
    }
    m.zones[zi].nr_free_pages -= int64_t(i) << order;
    return i;
}

pfn_t rmqueue_pcplist(Kernel& k, uint32_t zi, uint32_t order, uint32_t mt, uint32_t alloc_flags) {
    MemoryModel& m = k.mm;
    per_cpu_pages& pcp = m.zones[zi].pageset[k.current_cpu];
    // An allocation halves the batch-free escalation built up by consecutive frees.
    pcp.free_factor >>= 1;
    PageList& list = pcp.lists[order_to_pindex(mt, order)];
    if (list.empty()) {
        int batch = pcp.batch;
        // Scale the refill down for higher orders; batch 1 means "do not keep pages here".
        if (batch > 1) batch = std::max(batch >> order, 2);
        int got = rmqueue_bulk(k, zi, order, batch, list, mt, alloc_flags);
        pcp.count += got << order;
        if (list.empty()) return NO_PFN;
    }
    pfn_t p = list.head;
    page_lru::del(m.mem_map, list, p);
    pcp.count -= 1 << order;
    return p;
}

static int nr_pcp_free(per_cpu_pages& pcp, int high, int batch, bool free_high) {
    if (free_high) return pcp.count;
    if (high < batch) return 1;
    int min_nr_free = batch;
    int max_nr_free = high - batch;
    // Consecutive frees without allocations free more each time (up to 2^SCALE_MAX batches).
    batch <<= pcp.free_factor;
    if (batch < max_nr_free && pcp.free_factor < CONFIG_PCP_BATCH_SCALE_MAX) pcp.free_factor++;
    return std::clamp(batch, min_nr_free, max_nr_free);
}

// free_pcppages_bulk(): return `count` pages to the buddy lists, round-robin over the lists
// starting after `pindex`, oldest (tail) pages first.
void free_pcppages_bulk(Kernel& k, uint32_t zi, int32_t count, uint32_t cpu, int32_t pindex) {
    MemoryModel& m = k.mm;
    per_cpu_pages& pcp = m.zones[zi].pageset[cpu];
    count = std::min(pcp.count, count);
    int min_pindex = 0, max_pindex = NR_PCP_LISTS - 1;
    pindex = pindex - 1;
    while (count > 0) {
        PageList* list;
        for (;;) {
            if (++pindex > max_pindex) pindex = min_pindex;
            list = &pcp.lists[pindex];
            if (!list->empty()) break;
            if (pindex == max_pindex) max_pindex--;
            if (pindex == min_pindex) min_pindex++;
        }
        uint32_t order = pindex_to_order(pindex);
        int nr_pages = 1 << order;
        do {
            pfn_t p = list->tail;
            uint32_t mt = m.mem_map[p].migratetype;
            page_lru::del(m.mem_map, *list, p);
            count -= nr_pages;
            pcp.count -= nr_pages;
            __free_one_page(k, zi, p, order, mt, FPI_NONE);
            if (k.trace.enabled) {
                TraceEvent e;
                e.type = TraceEventType::mm_page_pcpu_drain;
                e.pfn = p;
                e.order = static_cast<uint8_t>(order);
                e.migratetype = static_cast<int8_t>(mt);
                k.trace.emit(e, k.clock.ns, k.current_cpu);
            }
        } while (count > 0 && !list->empty());
    }
}

static void free_unref_page_commit(Kernel& k, uint32_t zi, per_cpu_pages& pcp, pfn_t p, uint32_t mt,
                                   uint32_t order) {
    MemoryModel& m = k.mm;
    page& pg = m.mem_map[p];
    pg.owner = PageOwner::pcp;
    pg.order = static_cast<uint8_t>(order);
    uint32_t pindex = order_to_pindex(mt, order);
    page_lru::add(m.mem_map, pcp.lists[pindex], p);
    pcp.count += 1 << order;
    // Heavy freeing of orders 1..3 without allocations drains them all (fragmentation).
    bool free_high = pcp.free_factor && order && order <= PAGE_ALLOC_COSTLY_ORDER;
    int high = free_high ? 0 : pcp.high;
    if (pcp.count >= high) {
        int n = nr_pcp_free(pcp, high, pcp.batch, free_high);
        free_pcppages_bulk(k, zi, n, k.current_cpu, pindex);
    }
}

void free_unref_page(Kernel& k, pfn_t p, uint32_t order) {
    MemoryModel& m = k.mm;
    uint32_t mt = get_pageblock_migratetype(m, p);
    m.mem_map[p].migratetype = static_cast<uint8_t>(mt);
    uint32_t pcpmt = mt;
    if (mt >= MIGRATE_PCPTYPES) {
        if (mt == MIGRATE_ISOLATE) {
            __free_one_page(k, m.mem_map[p].zone, p, order, mt, FPI_NONE);
            return;
        }
        // HighAtomic pages ride on the movable list; their own type is kept in the page
        // so that the drain returns them to the HighAtomic free list.
        pcpmt = MIGRATE_MOVABLE;
    }
    uint32_t zi = m.mem_map[p].zone;
    free_unref_page_commit(k, zi, m.zones[zi].pageset[k.current_cpu], p, pcpmt, order);
}

void drain_zone_pages_cpu(Kernel& k, uint32_t zi, uint32_t cpu) {
    per_cpu_pages& pcp = k.mm.zones[zi].pageset[cpu];
    while (pcp.count) {
        int to_drain = std::min(pcp.count, pcp.batch << CONFIG_PCP_BATCH_SCALE_MAX);
        free_pcppages_bulk(k, zi, to_drain, cpu, 0);
    }
}

} // namespace klab
