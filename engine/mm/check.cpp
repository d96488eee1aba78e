// The page allocator's invariant checker (see check.h).
#include "mm/check.h"

#include <cstdio>

#include "machine/kernel.h"
#include "mm/internal.h"

namespace klab {

namespace {

struct Errors {
    std::string out;
    int n = 0;
    void add(const char* f, unsigned long long a = 0, unsigned long long b = 0,
             unsigned long long c = 0) {
        if (++n > 20) return;
        char buf[200];
        std::snprintf(buf, sizeof buf, f, a, b, c);
        out += buf;
        out += '\n';
    }
};

bool mergeable(uint32_t mt) {
    return mt < MIGRATE_PCPTYPES;
}

void check_free_lists(const MemoryModel& m, uint32_t zi, Errors& e, uint64_t* free_pages,
                      uint64_t* blocks) {
    const zone& z = m.zones[zi];
    for (uint32_t o = 0; o < MAX_ORDER; ++o) {
        uint64_t n = 0;
        for (uint32_t mt = 0; mt < MIGRATE_TYPES; ++mt) {
            pfn_t prev = NO_PFN;
            uint64_t n_before = n;
            for (pfn_t p = z.free_area[o].free_list[mt].head; p != NO_PFN;
                 p = m.mem_map[p].lru_next) {
                const page& pg = m.mem_map[p];
                if (++n > m.max_pfn) {
                    e.add("zone %llu order %llu: free list loops", zi, o);
                    return;
                }
                if (pg.lru_prev != prev) e.add("pfn %#llx: broken free list back link", p);
                prev = p;
                if (pg.owner != PageOwner::buddy || pg.order != o || pg.migratetype != mt)
                    e.add("pfn %#llx on free list order %llu is not a free block of that order", p,
                          o);
                if (p & ((1u << o) - 1))
                    e.add("pfn %#llx: free block not aligned to order %llu", p, o);
                if (p < z.zone_start_pfn || p + (1ull << o) > z.end_pfn())
                    e.add("pfn %#llx: free block outside zone %llu", p, zi);
                if (o < MAX_ORDER - 1) {
                    pfn_t b = p ^ (1u << o);
                    if (b < m.max_pfn && m.mem_map[b].owner == PageOwner::buddy &&
                        m.mem_map[b].order == o && m.mem_map[b].zone == zi) {
                        bool split_ok =
                            o >= m.pageblock_order &&
                            get_pageblock_migratetype(m, p) != get_pageblock_migratetype(m, b) &&
                            (!mergeable(get_pageblock_migratetype(m, p)) ||
                             !mergeable(get_pageblock_migratetype(m, b)));
                        if (!split_ok)
                            e.add("pfn %#llx and its buddy %#llx are both free at order %llu", p, b,
                                  o);
                    }
                }
                *free_pages += 1ull << o;
            }
            if (z.free_area[o].free_list[mt].tail != prev)
                e.add("zone %llu order %llu: free list tail is stale", zi, o);
            if (n - n_before != z.free_area[o].free_list[mt].count)
                e.add("zone %llu order %llu migratetype %llu: free list count is stale", zi, o, mt);
        }
        if (n != z.free_area[o].nr_free)
            e.add("zone %llu order %llu: nr_free %llu does not match the lists", zi, o,
                  z.free_area[o].nr_free);
        *blocks += n;
    }
}

void check_pcp(const MemoryModel& m, uint32_t zi, Errors& e, uint64_t* pcp_pages) {
    const zone& z = m.zones[zi];
    for (size_t cpu = 0; cpu < z.pageset.size(); ++cpu) {
        const per_cpu_pages& pcp = z.pageset[cpu];
        int64_t count = 0;
        for (uint32_t i = 0; i < NR_PCP_LISTS; ++i) {
            uint32_t o = pindex_to_order(i);
            uint64_t n = 0;
            for (pfn_t p = pcp.lists[i].head; p != NO_PFN; p = m.mem_map[p].lru_next) {
                const page& pg = m.mem_map[p];
                if (++n > m.max_pfn) {
                    e.add("zone %llu cpu %llu: pcp list loops", zi, cpu);
                    return;
                }
                if (pg.owner != PageOwner::pcp || pg.order != o || pg.zone != zi)
                    e.add("pfn %#llx on a pcp list is not a pcp page of order %llu", p, o);
                count += 1 << o;
            }
            if (n != pcp.lists[i].count)
                e.add("zone %llu cpu %llu: pcp list %llu count is stale", zi, cpu, i);
        }
        if (count != pcp.count)
            e.add("zone %llu cpu %llu: pcp count %llu does not match its lists", zi, cpu,
                  (unsigned long long)pcp.count);
        *pcp_pages += uint64_t(count);
    }
}

// Walk the zone block by block: every non-reserved page must be covered by exactly one head.
void check_tiling(const MemoryModel& m, uint32_t zi, Errors& e, uint64_t* buddy_heads) {
    const zone& z = m.zones[zi];
    uint64_t covered = 0;
    for (uint64_t p = z.zone_start_pfn; p < z.end_pfn();) {
        const page& pg = m.mem_map[p];
        if (pg.owner == PageOwner::reserved || pg.owner == PageOwner::hole) {
            ++p;
            continue;
        }
        if (pg.owner == PageOwner::none) {
            e.add("pfn %#llx: page belongs to no block", p);
            ++p;
            continue;
        }
        uint64_t size = 1ull << pg.order;
        if (pg.owner == PageOwner::buddy) ++*buddy_heads;
        for (uint64_t q = p + 1; q < p + size && q < z.end_pfn(); ++q) {
            if (m.mem_map[q].owner != PageOwner::none)
                e.add("pfn %#llx: inside the block at %#llx but marked as a block itself", q, p);
        }
        covered += size;
        p += size;
    }
    if (covered != z.managed_pages)
        e.add("zone %llu: blocks cover %llu pages, managed is %llu", zi, covered, z.managed_pages);
}

} // namespace

std::string check_page_alloc(const Kernel& k) {
    const MemoryModel& m = k.mm;
    Errors e;
    for (uint32_t zi = 0; zi < m.zones.size(); ++zi) {
        const zone& z = m.zones[zi];
        uint64_t free_pages = 0, blocks = 0, pcp_pages = 0, heads = 0;
        check_free_lists(m, zi, e, &free_pages, &blocks);
        check_pcp(m, zi, e, &pcp_pages);
        check_tiling(m, zi, e, &heads);
        if (heads != blocks)
            e.add("zone %llu: %llu free heads but %llu blocks on the lists", zi, heads, blocks);
        if (int64_t(free_pages) != z.nr_free_pages)
            e.add("zone %llu: NR_FREE_PAGES %llu, free lists hold %llu", zi,
                  (unsigned long long)z.nr_free_pages, free_pages);
    }
    if (e.n > 20) e.out += "...\n";
    return e.out;
}

} // namespace klab
