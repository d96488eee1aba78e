// The allocation and free paths: models mm/page_alloc.c __alloc_pages(),
// get_page_from_freelist(), rmqueue(), prep_new_page(), __alloc_pages_slowpath() up to the
// point of reclaim, __free_pages(), free_the_page(), free_pages_prepare(), and the
// __get_free_pages() family. Simplifications: no reclaim, compaction or OOM killer — where
// Linux would start them the model reports the failure (warn_alloc); __GFP_NOFAIL therefore
// fails too (with its WARN). One node, no cpusets, no memcg charging. The lab also catches a
// free with the wrong order of a non-compound block, which Linux itself would not notice.
#include "mm/page_alloc.h"

#include "machine/kernel.h"
#include "mm/internal.h"
#include "trace/events/kmem.h"
#include "trace/events/vmscan.h"

namespace klab {

namespace {

struct alloc_context {
    uint32_t highest_zoneidx = 0;
    uint32_t migratetype = 0;
};

// alloc_flags_nofragment(): with ZONE_DMA32 present, a Normal-zone allocation first avoids
// stealing less than a pageblock from other migratetypes, and retries without that rule.
uint32_t alloc_flags_nofragment(const Kernel& k, uint32_t preferred_zi, gfp_t gfp) {
    uint32_t flags = gfp & __GFP_KSWAPD_RECLAIM;
    if (k.mm.zone_index(ZoneKind::DMA32) < 0) return flags;
    if (k.mm.zones[preferred_zi].kind != ZoneKind::Normal) return flags;
    return flags | ALLOC_NOFRAGMENT;
}

void prep_new_page(Kernel& k, pfn_t p, uint32_t order, gfp_t gfp) {
    MemoryModel& m = k.mm;
    page& pg = m.mem_map[p];
    pg.owner = PageOwner::alloc;
    pg.order = static_cast<uint8_t>(order);
    pg._refcount = 1;
    pg._mapcount = -1;
    pg.flags = 0;
    if (gfp & __GFP_ZERO) m.contents.zero(p, 1u << order);
    if ((gfp & __GFP_COMP) && order > 0) {
        pg.flags |= PG_head;
        for (pfn_t i = 1; i < (1u << order); ++i) m.mem_map[p + i].flags |= PG_tail;
    }
}

pfn_t rmqueue(Kernel& k, uint32_t zi, uint32_t order, gfp_t gfp, uint32_t alloc_flags,
              uint32_t mt) {
    if ((gfp & __GFP_NOFAIL) && order > 1)
        warn_once(k, WARN_NOFAIL_ORDER, "mm/page_alloc.c", 3891, "rmqueue", 0);
    pfn_t p = NO_PFN;
    if (order <= PAGE_ALLOC_COSTLY_ORDER) p = rmqueue_pcplist(k, zi, order, mt, alloc_flags);
    if (p == NO_PFN) p = rmqueue_buddy(k, zi, order, alloc_flags, mt);
    zone& z = k.mm.zones[zi];
    if (z.boosted_watermark) {
        // A fallback boosted the watermarks: wake kswapd. The model has no kswapd thread;
        // its boosted reclaim is taken to finish at once (there is nothing to reclaim),
        // which ends with the boost cleared, as balance_pgdat() does.
        z.boosted_watermark = false;
        trace_mm_vmscan_wakeup_kswapd(k, 0, gfp); // no kswapd thread yet: only its event
        z.watermark_boost = 0;
    }
    return p;
}

pfn_t get_page_from_freelist(Kernel& k, gfp_t gfp, uint32_t order, uint32_t alloc_flags,
                             const alloc_context& ac) {
    MemoryModel& m = k.mm;
    for (;;) {
        bool no_fallback = alloc_flags & ALLOC_NOFRAGMENT;
        // The zonelist: populated zones from the highest allowed index down.
        for (int zi = int(ac.highest_zoneidx); zi >= 0; --zi) {
            zone& z = m.zones[zi];
            if (!z.managed_pages) continue;
            uint64_t mark = z.wmark(alloc_flags & ALLOC_WMARK_MASK);
            if (!(alloc_flags & ALLOC_NO_WATERMARKS) &&
                !zone_watermark_fast(z, order, mark, ac.highest_zoneidx, alloc_flags))
                continue; // node_reclaim is off on UMA machines
            pfn_t p = rmqueue(k, uint32_t(zi), order, gfp, alloc_flags, ac.migratetype);
            if (p == NO_PFN) continue;
            z.pgalloc += 1u << order;
            z.numa_hit++;
            prep_new_page(k, p, order, gfp);
            if (alloc_flags & ALLOC_HIGHATOMIC) reserve_highatomic_pageblock(k, uint32_t(zi), p);
            return p;
        }
        if (!no_fallback) return NO_PFN;
        alloc_flags &= ~ALLOC_NOFRAGMENT;
    }
}

// The slow path without reclaim: one more pass with the min watermark and the reserves
// gfp_to_alloc_flags() grants (and no watermarks at all for __GFP_MEMALLOC), then give up
// where Linux would reclaim, compact or call the OOM killer.
pfn_t alloc_pages_slowpath(Kernel& k, gfp_t gfp, uint32_t order, const alloc_context& ac) {
    uint32_t alloc_flags = gfp_to_alloc_flags(gfp, order);
    if (alloc_flags & ALLOC_KSWAPD) trace_mm_vmscan_wakeup_kswapd(k, order, gfp); // wake_all_kswapds()
    pfn_t p = get_page_from_freelist(k, gfp, order, alloc_flags, ac);
    if (p != NO_PFN) return p;
    // __gfp_pfmemalloc_flags(): the model has no PF_MEMALLOC tasks or OOM victims yet.
    if ((gfp & __GFP_MEMALLOC) && !(gfp & __GFP_NOMEMALLOC)) {
        p = get_page_from_freelist(k, gfp, order,
                                   ALLOC_NO_WATERMARKS | (alloc_flags & ALLOC_KSWAPD), ac);
        if (p != NO_PFN) return p;
    }
    if (gfp & __GFP_NOFAIL) {
        if (!gfpflags_allow_blocking(gfp)) {
            warn_once(k, WARN_NOFAIL_NOBLOCK, "mm/page_alloc.c", 5367, "__alloc_pages_slowpath",
                      gfp);
        } else {
            if (order > PAGE_ALLOC_COSTLY_ORDER)
                warn_once(k, WARN_NOFAIL_COSTLY, "mm/page_alloc.c", 5383, "__alloc_pages_slowpath",
                          gfp);
            // __alloc_pages_cpuset_fallback(..., ALLOC_MIN_RESERVE): half of min. Linux
            // would then loop on reclaim forever; the model fails instead.
            p = get_page_from_freelist(k, gfp, order, ALLOC_MIN_RESERVE, ac);
            if (p != NO_PFN) return p;
        }
    }
    warn_alloc(k, gfp, order);
    return NO_PFN;
}

} // namespace

pfn_t alloc_pages(Kernel& k, gfp_t gfp, uint32_t order) {
    if (order >= MAX_ORDER) {
        warn_once(k, WARN_ORDER_TOO_LARGE, "mm/page_alloc.c", 5634, "__alloc_pages", gfp);
        return NO_PFN;
    }
    ZoneKind kind;
    if (!gfp_zone(gfp, k.mm.has_highmem(), k.mm.zone_index(ZoneKind::DMA32) >= 0, &kind)) {
        // VM_BUG_ON((GFP_ZONE_BAD >> bit) & 1) in gfp_zone() (CONFIG_DEBUG_VM).
        report_vm_bug(k, "include/linux/gfp.h", 136, "__alloc_pages");
        return NO_PFN;
    }
    // might_alloc(): a mask that may sleep is a bug in atomic context.
    if (gfpflags_allow_blocking(gfp)) might_sleep(k, "include/linux/sched/mm.h", 274);
    alloc_context ac;
    ac.highest_zoneidx = uint32_t(k.mm.zone_index(kind));
    ac.migratetype = gfp_migratetype(gfp);
    uint64_t id = k.trace.open();
    // Fast path: the low watermark, no reserves.
    int pref = int(ac.highest_zoneidx);
    while (pref > 0 && !k.mm.zones[pref].managed_pages) --pref;
    uint32_t alloc_flags = ALLOC_WMARK_LOW | alloc_flags_nofragment(k, uint32_t(pref), gfp);
    pfn_t p = get_page_from_freelist(k, gfp, order, alloc_flags, ac);
    if (p == NO_PFN) p = alloc_pages_slowpath(k, gfp, order, ac);
    trace_mm_page_alloc(k, id, p, order, gfp, ac.migratetype);
    k.trace.close();
    return p;
}

uint64_t __get_free_pages(Kernel& k, gfp_t gfp, uint32_t order) {
    pfn_t p = alloc_pages(k, gfp & ~__GFP_HIGHMEM, order);
    if (p == NO_PFN) return 0;
    return page_address(k, p);
}

uint64_t get_zeroed_page(Kernel& k, gfp_t gfp) {
    return __get_free_pages(k, gfp | __GFP_ZERO, 0);
}

// --- freeing ----------------------------------------------------------------------------------

namespace {

// free_pages_prepare() + free_the_page(): the refcount reached zero.
void free_the_page(Kernel& k, pfn_t p, uint32_t order) {
    MemoryModel& m = k.mm;
    page& pg = m.mem_map[p];
    if (pg.flags & PG_reserved) {
        bad_page(k, p, "PAGE_FLAGS_CHECK_AT_FREE flag(s) set");
        return;
    }
    if (pg._mapcount != -1) {
        bad_page(k, p, "nonzero mapcount");
        return;
    }
    uint64_t id = k.trace.open();
    trace_mm_page_free(k, id, p, order);
    if (pg.flags & PG_head) {
        for (pfn_t i = 1; i < (1u << order); ++i) m.mem_map[p + i].flags &= ~PG_tail;
    }
    pg.flags = 0;
    if (order <= PAGE_ALLOC_COSTLY_ORDER) {
        free_unref_page(k, p, order);
    } else {
        // __free_pages_ok() -> free_one_page(): straight back to the buddy lists.
        __free_one_page(k, pg.zone, p, order, get_pageblock_migratetype(m, p), FPI_NONE);
    }
    k.trace.close();
}

// Checks of __free_pages() on a handle that does not name a live allocation. Returns true
// (after reporting) if the free must not go ahead.
bool free_is_bad(Kernel& k, pfn_t p, uint32_t order) {
    MemoryModel& m = k.mm;
    if (p >= m.max_pfn || m.mem_map[p].owner == PageOwner::hole) {
        report_vm_bug(k, "mm/page_alloc.c", 5757, "free_pages");
        return true;
    }
    page& pg = m.mem_map[p];
    if (order >= MAX_ORDER) {
        dump_page(k, p, "VM_BUG_ON_PAGE(order >= MAX_ORDER)");
        report_vm_bug(k, "mm/page_alloc.c", 1459, "free_pages_prepare");
        return true;
    }
    // A reserved page has refcount 1, so it reaches free_pages_prepare() (and its PG_reserved
    // check); once that dropped the count to 0, it is like any free page.
    bool live = page_owner_is_allocated(pg.owner) || pg.owner == PageOwner::reserved;
    if (!live || pg._refcount <= 0) {
        // A free page, a page inside a block, or a tail: its refcount is 0, so
        // put_page_testzero() trips over it (double free or bogus pointer).
        dump_page(k, p, "VM_BUG_ON_PAGE(page_ref_count(page) == 0)");
        report_vm_bug(k, "include/linux/mm.h", 780, "__free_pages");
        return true;
    }
    if (page_owner_is_allocated(pg.owner) && pg.order != order) {
        if (pg.flags & PG_head) {
            dump_page(k, p, "VM_BUG_ON_PAGE(compound && compound_order(page) != order)");
            report_vm_bug(k, "mm/page_alloc.c", 1459, "free_pages_prepare");
        } else {
            char reason[96];
            std::snprintf(reason, sizeof reason, "freed with order %u, allocated with order %u",
                          order, pg.order);
            bad_page(k, p, reason);
        }
        return true;
    }
    return false;
}

} // namespace

void __free_pages(Kernel& k, pfn_t p, uint32_t order) {
    if (free_is_bad(k, p, order)) return;
    page& pg = k.mm.mem_map[p];
    bool head = pg.flags & PG_head;
    if (--pg._refcount == 0) {
        free_the_page(k, p, order);
    } else if (!head && page_owner_is_allocated(pg.owner)) {
        // Someone else holds the first page: free the rest of a non-compound block, which
        // the other reference cannot know about (as __free_pages() does).
        pg.order = 0;
        while (order-- > 0) {
            pfn_t q = p + (1u << order);
            page& t = k.mm.mem_map[q];
            t.owner = PageOwner::alloc;
            t.order = static_cast<uint8_t>(order);
            t._refcount = 0;
            free_the_page(k, q, order);
        }
    }
}

void free_pages(Kernel& k, uint64_t addr, uint32_t order) {
    if (addr == 0) return;
    if (!virt_addr_valid(k, addr)) {
        report_vm_bug(k, "mm/page_alloc.c", 5757, "free_pages");
        return;
    }
    __free_pages(k, virt_to_page(k, addr), order);
}

void get_page(Kernel& k, pfn_t p) {
    if (p < k.mm.max_pfn) k.mm.mem_map[p]._refcount++;
}

int32_t page_ref_count(const Kernel& k, pfn_t p) {
    return p < k.mm.max_pfn ? k.mm.mem_map[p]._refcount : 0;
}

void drain_all_pages(Kernel& k) {
    for (uint32_t zi = 0; zi < k.mm.zones.size(); ++zi)
        for (uint32_t cpu = 0; cpu < k.cpus.size(); ++cpu) drain_zone_pages_cpu(k, zi, cpu);
}

// --- translation ------------------------------------------------------------------------------

bool pfn_valid(const Kernel& k, uint64_t pfn) {
    return pfn < k.mm.max_pfn && k.mm.mem_map[pfn].owner != PageOwner::hole;
}

bool PageHighMem(const Kernel& k, pfn_t p) {
    return p < k.mm.max_pfn && p >= k.mm.max_low_pfn;
}

uint64_t page_address(const Kernel& k, pfn_t p) {
    if (p >= k.mm.max_low_pfn) return 0;
    return k.mm.page_offset + (uint64_t(p) << 12);
}

bool virt_addr_valid(const Kernel& k, uint64_t addr) {
    if (addr < k.mm.page_offset) return false;
    uint64_t pfn = (addr - k.mm.page_offset) >> 12;
    return pfn < k.mm.max_low_pfn && pfn_valid(k, pfn);
}

pfn_t virt_to_page(const Kernel& k, uint64_t addr) {
    if (!virt_addr_valid(k, addr)) return NO_PFN;
    return pfn_t((addr - k.mm.page_offset) >> 12);
}

uint64_t virt_to_phys(const Kernel& k, uint64_t addr) {
    return addr - k.mm.page_offset;
}
uint64_t phys_to_virt(const Kernel& k, uint64_t phys) {
    return phys + k.mm.page_offset;
}

uint64_t page_struct_address(const Kernel& k, pfn_t p) {
    return k.mm.struct_page_base + uint64_t(p) * k.mm.struct_page_size;
}

pfn_t page_struct_to_pfn(const Kernel& k, uint64_t addr) {
    if (addr < k.mm.struct_page_base) return NO_PFN;
    uint64_t off = addr - k.mm.struct_page_base;
    if (off % k.mm.struct_page_size) return NO_PFN;
    uint64_t pfn = off / k.mm.struct_page_size;
    return pfn < k.mm.max_pfn ? pfn_t(pfn) : NO_PFN;
}

PageOwner page_owner_at(const Kernel& k, pfn_t pfn) {
    if (pfn >= k.mm.max_pfn) return PageOwner::hole;
    PageOwner o = k.mm.mem_map[pfn].owner;
    if (o != PageOwner::none) return o;
    pfn_t head = find_block_head(k.mm, pfn);
    if (head == NO_PFN) return PageOwner::none;
    PageOwner h = k.mm.mem_map[head].owner;
    if (h == PageOwner::buddy) return PageOwner::buddy_tail;
    if (h == PageOwner::alloc) return PageOwner::alloc_tail;

    return h; // pcp blocks and other owners: the tail belongs to the same user
}

bool set_page_owner(Kernel& k, pfn_t pfn, PageOwner owner) {
    if (pfn >= k.mm.max_pfn || !page_owner_is_allocated(owner)) return false;
    page& pg = k.mm.mem_map[pfn];
    if (!page_owner_is_allocated(pg.owner)) return false;
    pg.owner = owner;
    return true;
}

std::vector<PageBlock> zone_blocks(const Kernel& k, uint32_t zi) {
    std::vector<PageBlock> out;
    const MemoryModel& m = k.mm;
    const zone& z = m.zones[zi];
    for (uint64_t p = z.zone_start_pfn; p < z.end_pfn();) {
        const page& pg = m.mem_map[p];
        uint32_t order = pg.owner == PageOwner::reserved || pg.owner == PageOwner::hole ||
                                 pg.owner == PageOwner::none
                             ? 0
                             : pg.order;
        PageBlock b{pfn_t(p), order, pg.owner, pg.migratetype, 1u << order};
        if (!out.empty() && order == 0 && out.back().order == 0 && out.back().owner == pg.owner &&
            (pg.owner == PageOwner::reserved || pg.owner == PageOwner::hole) &&
            out.back().pfn + out.back().nr_pages == p) {
            out.back().nr_pages++;
        } else {
            out.push_back(b);
        }
        p += 1ull << order;
    }
    return out;
}

uint64_t nr_free_pages(const Kernel& k) {
    uint64_t n = 0;
    for (const zone& z : k.mm.zones) n += uint64_t(z.nr_free_pages);
    return n;
}

uint64_t nr_free_pcp_pages(const Kernel& k) {
    uint64_t n = 0;
    for (const zone& z : k.mm.zones) n += uint64_t(z.pcp_count());
    return n;
}

uint64_t totalram_pages(const Kernel& k) {
    uint64_t n = 0;
    for (const zone& z : k.mm.zones) n += z.managed_pages;
    return n;
}

uint64_t totalhigh_pages(const Kernel& k) {
    uint64_t n = 0;
    for (const zone& z : k.mm.zones)
        if (z.is_highmem) n += z.managed_pages;
    return n;
}

} // namespace klab
