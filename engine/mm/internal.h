// Allocator internals shared by the files of engine/mm (mm/internal.h in Linux): the buddy
// core, the pcp lists and the watermark code. Not for use outside engine/mm, proc and tests.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "core/result.h"
#include "mm/gfp.h"
#include "mm/mmzone.h"

namespace klab {

struct Kernel;
struct MemoryModel;

// alloc_flags (mm/internal.h, 6.1.192)
enum : uint32_t {
    ALLOC_WMARK_MIN = WMARK_MIN,
    ALLOC_WMARK_LOW = WMARK_LOW,
    ALLOC_WMARK_HIGH = WMARK_HIGH,
    ALLOC_NO_WATERMARKS = 0x04,
    ALLOC_WMARK_MASK = ALLOC_NO_WATERMARKS - 1,
    ALLOC_OOM = 0x08,
    ALLOC_NON_BLOCK = 0x10,
    ALLOC_MIN_RESERVE = 0x20,
    ALLOC_CPUSET = 0x40,
    ALLOC_CMA = 0x80,
    ALLOC_NOFRAGMENT = 0x100,
    ALLOC_HIGHATOMIC = 0x200,
    ALLOC_KSWAPD = 0x800,
    ALLOC_RESERVES = ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM,
};

// FPI flags of __free_one_page()
enum : uint32_t { FPI_NONE = 0, FPI_TO_TAIL = 1u << 1 };

// --- pageblocks ---
uint32_t get_pageblock_migratetype(const MemoryModel& m, pfn_t pfn);
void set_pageblock_migratetype(MemoryModel& m, pfn_t pfn, uint32_t mt);

// --- buddy core (mm/page_alloc.c) ---
void __free_one_page(Kernel& k, uint32_t zi, pfn_t pfn, uint32_t order, uint32_t mt, uint32_t fpi);
pfn_t __rmqueue_smallest(Kernel& k, uint32_t zi, uint32_t order, uint32_t mt);
pfn_t __rmqueue(Kernel& k, uint32_t zi, uint32_t order, uint32_t mt, uint32_t alloc_flags);
pfn_t rmqueue_buddy(Kernel& k, uint32_t zi, uint32_t order, uint32_t alloc_flags, uint32_t mt);
int move_freepages_block(Kernel& k, uint32_t zi, pfn_t pfn, uint32_t mt);
void reserve_highatomic_pageblock(Kernel& k, uint32_t zi, pfn_t pfn);
// The smallest enclosing block head of pfn (a free block, a pcp page, an allocation), or
// NO_PFN if pfn is reserved, a hole, or not RAM.
pfn_t find_block_head(const MemoryModel& m, pfn_t pfn);

// --- per-CPU lists (pcp.cpp) ---
pfn_t rmqueue_pcplist(Kernel& k, uint32_t zi, uint32_t order, uint32_t mt, uint32_t alloc_flags);
void free_unref_page(Kernel& k, pfn_t pfn, uint32_t order);
void free_pcppages_bulk(Kernel& k, uint32_t zi, int32_t count, uint32_t cpu, int32_t pindex);
void drain_zone_pages_cpu(Kernel& k, uint32_t zi, uint32_t cpu);

// --- watermarks (watermarks.cpp) ---
// Recompute min_free_kbytes, the watermarks, lowmem_reserve and pcp high/batch, in the
// order init_per_zone_wmark_min() does it.
void init_per_zone_wmark_min(Kernel& k);
void setup_per_zone_wmarks(Kernel& k);
void setup_per_zone_lowmem_reserve(Kernel& k);
// A write to /proc/sys/vm/lowmem_reserve_ratio (mode 0644 in 6.1): never fails, as 6.1's
// handler returns 0 whatever proc_dointvec_minmax() said.
Result<void> lowmem_reserve_ratio_sysctl_handler(Kernel& k, std::string_view text);
int32_t zone_batchsize(const zone& z);
int32_t zone_highsize(const zone& z, int32_t batch, uint32_t nr_cpus);
bool __zone_watermark_ok(const zone& z, uint32_t order, uint64_t mark, uint32_t highest_zoneidx,
                         uint32_t alloc_flags, int64_t free_pages);
bool zone_watermark_fast(const zone& z, uint32_t order, uint64_t mark, uint32_t highest_zoneidx,
                         uint32_t alloc_flags);
uint32_t gfp_to_alloc_flags(gfp_t gfp, uint32_t order);
uint64_t nr_free_buffer_pages(const Kernel& k);

// --- reports (report.cpp) ---
void warn_alloc(Kernel& k, gfp_t gfp, uint32_t order);
// warn_alloc(gfp, NULL, msg) for callers with their own message (vmalloc) and stack.
void warn_alloc_msg(Kernel& k, gfp_t gfp, const std::string& msg,
                    std::initializer_list<const char*> frames);
// WARN_ON_ONCE-style report at a Linux source location; site is a bit in warn_once_bits.
void warn_once(Kernel& k, uint32_t site, const char* file, int line, const char* func,
               gfp_t gfp_for_nowarn);
// "BUG: Bad page state in process ..." with dump_page(page, reason).
void bad_page(Kernel& k, pfn_t pfn, const char* reason);
void dump_page(Kernel& k, pfn_t pfn, const char* reason);
// VM_BUG_ON-style "kernel BUG at file:line!" report (CONFIG_DEBUG_VM), without killing.
void report_vm_bug(Kernel& k, const char* file, int line, const char* func);

enum WarnOnceSite : uint32_t {
    WARN_ORDER_TOO_LARGE = 0,
    WARN_NOFAIL_ORDER = 1,
    WARN_NOFAIL_NOBLOCK = 2,
    WARN_NOFAIL_COSTLY = 3,
};

} // namespace klab
