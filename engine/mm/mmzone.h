// Physical memory state: struct page, free_area, per_cpu_pages and struct zone. Models
// include/linux/mm_types.h, include/linux/mmzone.h and include/linux/pageblock-flags.h for one
// NUMA node. Simplifications: struct page is a compact 24-byte record (Linux's is 64 bytes on
// x86_64) holding only what the modelled allocators use; lists are intrusive pfn links;
// no CMA, no memory hotplug, THP off (so no pageblock-order pcp list).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "lib/list.h"
#include "mm/gfp.h"

namespace klab {

using pfn_t = uint32_t;
inline constexpr pfn_t NO_PFN = 0xffffffffu;

inline constexpr uint32_t MAX_ORDER = 11; // 6.1: exclusive bound, orders 0..10
inline constexpr uint32_t PAGE_ALLOC_COSTLY_ORDER = 3;
inline constexpr uint32_t MAX_NR_ZONES_LIMIT = 5; // x86_64: DMA DMA32 Normal Movable Device

enum migratetype : uint8_t {
    MIGRATE_UNMOVABLE,
    MIGRATE_MOVABLE,
    MIGRATE_RECLAIMABLE,
    MIGRATE_PCPTYPES, // the number of types on the pcp lists
    MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES,
    MIGRATE_ISOLATE, // CONFIG_MEMORY_ISOLATION; never used by the model, always empty
    MIGRATE_TYPES
};
const char* migratetype_name(uint32_t mt); // migratetype_names[]: "Unmovable", ...

// Who holds a page, for the views (Linux spreads this over flags, page_type and mapping).
// Only the first page of a block carries its owner; the others say `none` (updating every
// page of a 4 MiB block on each split would cost more than the allocation itself).
// find_block_head() (mm/internal.h) or page_owner_at() (mm/page_alloc.h) resolve them.
enum class PageOwner : uint8_t {
    none,       // inside a larger block (free or allocated): see find_block_head()
    hole,       // not RAM (e820 hole, ISA window): no struct page is initialised
    reserved,   // memblock-reserved at boot: kernel image, mem_map, firmware
    buddy,      // free, head of a free block in the buddy allocator
    buddy_tail, // (views only) free, inside a larger free block
    pcp,        // free, on a per-CPU list
    alloc,      // allocated by alloc_pages (head page)
    alloc_tail, // (views only) allocated, inside a higher-order allocation
    slab,
    vmalloc,
    kernel_stack,
    page_table,
    user,
};
const char* page_owner_name(PageOwner o);
// An allocated block head (alloc_pages() or a subsystem that took pages from it).
inline bool page_owner_is_allocated(PageOwner o) {
    return o == PageOwner::alloc || o == PageOwner::slab || o == PageOwner::vmalloc ||
           o == PageOwner::kernel_stack || o == PageOwner::page_table || o == PageOwner::user;
}

// page->flags bits the model uses (a subset of enum pageflags).
enum : uint16_t {
    PG_reserved = 1u << 0,
    PG_head = 1u << 1, // first page of a __GFP_COMP allocation
    PG_tail = 1u << 2, // other pages of it (Linux encodes this in compound_head)
    PG_slab = 1u << 3,
    PG_lru = 1u << 4,
    PG_dirty = 1u << 5,
};

// One per page frame (mem_map[pfn]); 24 bytes.
struct page {
    pfn_t lru_next = NO_PFN; // free list / pcp list links (list_head lru / pcp_list)
    pfn_t lru_prev = NO_PFN;
    int32_t _refcount = 0;
    int32_t _mapcount = -1;
    uint16_t flags = 0;
    uint8_t order = 0; // buddy order while free; allocation order while allocated
    PageOwner owner = PageOwner::none;
    uint8_t migratetype = 0; // set_pcppage_migratetype(): the list it came from / goes to
    uint8_t zone = 0;        // zone index (page_zonenum)
    // Model bookkeeping, no Linux field: KernelC code stored into this frame since it became a
    // slab page, so what the allocator keeps inside it (SLUB free pointers, SLAB index bytes,
    // SLOB blocks) is the student's to corrupt and the invariant checkers do not judge it
    // (machine/check.h). Cleared where a page becomes a slab page, not on every allocation:
    // a loop over every page of every block would slow the buddy allocator's hot path.
    uint8_t guest_written = 0;
    uint8_t pad = 0;
};
static_assert(sizeof(page) == 24, "struct page must stay compact (<= 32 bytes per frame)");

// A list of pages threaded through page::lru_next/lru_prev (struct list_head lru): the buddy
// free lists and the pcp lists. Operations: page_lru::add(k.mm.mem_map, list, pfn) etc.
using PageList = ListHead<pfn_t, NO_PFN>;
using page_lru = IndexList<page, pfn_t, NO_PFN, &page::lru_next, &page::lru_prev>;

struct free_area {
    std::array<PageList, MIGRATE_TYPES> free_list{};
    uint32_t nr_free = 0; // blocks of this order (what /proc/buddyinfo prints)
};

inline constexpr uint32_t NR_PCP_LISTS = MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1);

struct per_cpu_pages {
    int32_t count = 0; // pages (not blocks) on all lists
    int32_t high = 0;
    int32_t batch = 0;
    uint8_t free_factor = 0;
    std::array<PageList, NR_PCP_LISTS> lists{};
};
// order_to_pindex(): lists are grouped by order, then by migratetype.
inline uint32_t order_to_pindex(uint32_t mt, uint32_t order) {
    return MIGRATE_PCPTYPES * order + mt;
}
inline uint32_t pindex_to_order(uint32_t pindex) {
    return pindex / MIGRATE_PCPTYPES;
}

enum zone_watermarks : uint8_t { WMARK_MIN, WMARK_LOW, WMARK_HIGH, WMARK_PROMO, NR_WMARK };

struct zone {
    ZoneKind kind = ZoneKind::Normal;
    bool is_highmem = false;
    pfn_t zone_start_pfn = 0;
    uint64_t spanned_pages = 0;
    uint64_t present_pages = 0;
    uint64_t managed_pages = 0;
    std::array<uint64_t, NR_WMARK> _watermark{};
    uint64_t watermark_boost = 0;
    bool boosted_watermark = false; // ZONE_BOOSTED_WATERMARK: kswapd must be woken
    uint64_t nr_reserved_highatomic = 0;
    std::array<int64_t, MAX_NR_ZONES_LIMIT> lowmem_reserve{};
    std::array<klab::free_area, MAX_ORDER> free_area{};
    std::vector<per_cpu_pages> pageset; // one per CPU
    int32_t pageset_high = 0;
    int32_t pageset_batch = 0;
    int32_t stat_threshold = 0;
    // vm_stat: zone counters the model keeps
    int64_t nr_free_pages = 0;
    // vm events and numa stats (per zone, summed over CPUs)
    uint64_t pgalloc = 0;
    uint64_t numa_hit = 0;

    bool populated() const { return present_pages != 0; }
    uint64_t end_pfn() const { return zone_start_pfn + spanned_pages; }
    uint64_t min_wmark() const { return _watermark[WMARK_MIN] + watermark_boost; }
    uint64_t low_wmark() const { return _watermark[WMARK_LOW] + watermark_boost; }
    uint64_t high_wmark() const { return _watermark[WMARK_HIGH] + watermark_boost; }
    uint64_t wmark(uint32_t i) const { return _watermark[i] + watermark_boost; }
    int64_t pcp_count() const {
        int64_t n = 0;
        for (const per_cpu_pages& p : pageset) n += p.count;
        return n;
    }
};

const char* zone_kind_name(ZoneKind k); // zone_names[]: "DMA", "DMA32", "Normal", ...

} // namespace klab
