// Internals shared by the files of engine/slab (mm/slab.h and the static helpers of
// mm/slub.c): slab lookup from addresses, free pointers in simulated memory, the list
// operations and the debug hooks. Not for use outside engine/slab and tests.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "arch/x86/traps.h"
#include "machine/kernel.h"
#include "slab/slab.h"

namespace klab {

// Slab pages carry their slab id in page::lru_next and this mark in page::lru_prev (the lru
// links of an allocated page are otherwise unused in the model).
inline constexpr pfn_t kSlabMark = 0xfffffffeu;

inline SlabModel& slabm(Kernel& k) {
    return k.slab;
}
inline const SlabModel& slabm(const Kernel& k) {
    return k.slab;
}
inline uint32_t ptr_bytes(const Kernel& k) {
    return k.config.pointer_bytes();
}

// The slab holding a direct-mapped address, NO_SLAB if it is not a slab page.
inline uint32_t slab_of_addr(const Kernel& k, uint64_t addr) {
    const MemoryModel& m = k.mm;
    if (addr < m.page_offset) return NO_SLAB;
    uint64_t pfn = (addr - m.page_offset) >> 12;
    if (pfn >= m.max_low_pfn) return NO_SLAB;
    const page& pg = m.mem_map[pfn];
    if (pg.lru_prev != kSlabMark) return NO_SLAB;
    return pg.lru_next;
}
inline uint64_t slab_address(const Kernel& k, const Slab& s) {
    return k.mm.page_offset + (uint64_t(s.pfn) << 12);
}
inline uint64_t slab_bytes(const Slab& s) {
    return 4096ull << s.order;
}

// Plain memory access on the direct map (the slab's own metadata accesses).
void mem_read(const Kernel& k, uint64_t addr, void* out, uint32_t len);
void mem_write(Kernel& k, uint64_t addr, const void* in, uint32_t len);
void mem_fill(Kernel& k, uint64_t addr, uint8_t val, uint32_t len);
uint64_t read_word(const Kernel& k, uint64_t addr);
void write_word(Kernel& k, uint64_t addr, uint64_t v);

// SLAB_FREELIST_HARDENED encoding (freelist_ptr()).
uint64_t freelist_ptr(const Kernel& k, const kmem_cache& s, uint64_t ptr, uint64_t ptr_addr);
inline uint64_t get_freepointer(const Kernel& k, const kmem_cache& s, uint64_t obj) {
    uint64_t a = obj + s.offset;
    return freelist_ptr(k, s, read_word(k, a), a);
}
// set_freepointer(): false when BUG_ON(object == fp) fires (the caller reports it).
bool set_freepointer(Kernel& k, const kmem_cache& s, uint64_t obj, uint64_t fp);

inline bool kmem_cache_debug(const kmem_cache& s) {
    return s.flags & SLAB_DEBUG_FLAGS;
}
inline bool has_cpu_partial(const kmem_cache& s) {
    return !kmem_cache_debug(s);
}
// check_valid_pointer(): NULL or an object start inside the slab.
bool check_valid_pointer(const Kernel& k, const kmem_cache& s, const Slab& slab, uint64_t obj);
uint64_t fixup_red_left(const kmem_cache& s, uint64_t p);

// Slabs (the page side is shared by the backends).
uint32_t take_slab_id(SlabModel& m);
// Marks the pages of slab id (PG_slab, owner, slab id) and accounts them in /proc/meminfo.
void attach_slab_pages(Kernel& k, const kmem_cache& s, uint32_t id, pfn_t p, uint32_t order);
// Undoes attach_slab_pages(), frees the slab id and gives the pages back to the buddy allocator.
void release_slab_pages(Kernel& k, const kmem_cache& s, uint32_t id);
// slab_pre_alloc_hook() -> might_alloc().
void slab_pre_alloc_hook(Kernel& k, gfp_t gfp);
uint32_t new_slab(Kernel& k, uint32_t cache, gfp_t gfp, SlabCtx& cx);
void discard_slab(Kernel& k, uint32_t slab_id);
void flush_all(Kernel& k, uint32_t cache);

// Object paths: the backend dispatch (slab_common.cpp) ...
uint64_t slab_alloc(Kernel& k, uint32_t cache, gfp_t gfp, uint32_t orig_size, SlabCtx& cx);
void slab_free(Kernel& k, uint32_t cache, uint32_t slab_id, uint64_t obj, SlabCtx& cx);
// __kmem_cache_shutdown(): 0 if the cache is empty now.
int kmem_cache_shutdown(Kernel& k, uint32_t cache, SlabCtx& cx);
int kmem_cache_shrink_id(Kernel& k, uint32_t cache);
inline bool is_slab_classic(const Kernel& k) {
    return k.slab.allocator == SlabAllocator::slab;
}
// ... SLUB (slub.cpp) ... The *_alloc functions only find an object: slab_alloc() runs the
// pre/post-alloc hooks around them.
uint64_t slub_alloc(Kernel& k, uint32_t cache, gfp_t gfp, uint32_t orig_size, SlabCtx& cx);
void slub_free(Kernel& k, uint32_t cache, uint32_t slab_id, uint64_t obj, SlabCtx& cx);
int slub_shutdown(Kernel& k, uint32_t cache, SlabCtx& cx);
int slub_shrink(Kernel& k, uint32_t cache);
// ... and classic SLAB (slab_classic.cpp).
// __kmem_cache_create() for SLAB: geometry, colouring, tunables, array caches; false: -E2BIG.
bool slab_classic_open(Kernel& k, uint32_t cache, SlabCtx& cx);
// kmem_cache_init_late(): enable_cpucache() for the caches made during boot.
void slab_classic_init_late(Kernel& k);
uint64_t slab_classic_alloc(Kernel& k, uint32_t cache, gfp_t gfp, SlabCtx& cx);
void slab_classic_free(Kernel& k, uint32_t cache, uint32_t slab_id, uint64_t obj, SlabCtx& cx);
int slab_classic_shrink(Kernel& k, uint32_t cache, SlabCtx& cx);
// __kmem_cache_release(): gives back the node struct and shared array (later caches).
void slab_classic_release(Kernel& k, uint32_t cache, SlabCtx& cx);
// Runs the cache_reap() work of every CPU whose 2*HZ period has passed.
void slab_classic_reap_due(Kernel& k);
// drain_cpu_caches(): every CPU's array cache and the shared array back to the slabs.
void drain_cpu_caches(Kernel& k, uint32_t cache, SlabCtx& cx);
// ... and SLOB (slob.cpp).
inline bool is_slob(const Kernel& k) {
    return k.slab.allocator == SlabAllocator::slob;
}
bool slob_open(Kernel& k, uint32_t cache); // __kmem_cache_create(): size in SLOB units
uint64_t slob_cache_alloc(Kernel& k, uint32_t cache, gfp_t gfp, SlabCtx& cx);
void slob_cache_free(Kernel& k, uint32_t cache, uint64_t obj, SlabCtx& cx);
// __do_kmalloc_node() of SLOB: a size header before small objects; pages for big ones.
uint64_t slob_kmalloc(Kernel& k, uint64_t size, gfp_t gfp, uint32_t* bytes_alloc);
void slob_kfree(Kernel& k, uint64_t block, SlabCtx& cx);
uint64_t slob_ksize(const Kernel& k, uint64_t block);
// A SLOB page's free blocks: (address, units), in address order.
std::vector<std::pair<uint64_t, uint32_t>> slob_free_blocks(const Kernel& k, uint32_t slab_id);
// Page marks of a slab page (PG_slab, owner, the slab id in the lru links), without accounting.
void mark_slab_page(Kernel& k, pfn_t pfn, uint32_t id);
void unmark_slab_page(Kernel& k, pfn_t pfn);
// The object address of index idx in a SLAB slab.
uint64_t slab_classic_obj(const Kernel& k, const Slab& slab, uint32_t idx);
// cache_from_obj(): the slab's cache, with the WARN when it differs from s.
uint32_t cache_from_obj(Kernel& k, uint32_t cache, uint64_t obj, SlabCtx& cx);

// Debug (debug.cpp).
void setup_slab_debug(Kernel& k, const kmem_cache& s, const Slab& slab);
void setup_object_debug(Kernel& k, const kmem_cache& s, uint64_t obj);
bool alloc_debug_processing(Kernel& k, uint32_t cache, uint32_t slab_id, uint64_t obj,
                            uint32_t orig_size, SlabCtx& cx);
bool free_debug_processing(Kernel& k, uint32_t cache, uint32_t slab_id, uint64_t obj,
                           SlabCtx& cx);
void set_track(Kernel& k, const kmem_cache& s, uint64_t obj, bool alloc, uint64_t addr);
void list_slab_objects(Kernel& k, uint32_t cache, uint32_t slab_id, SlabCtx& cx);
uint32_t track_size(const Kernel& k);
uint32_t get_info_end(const kmem_cache& s, uint32_t ptr_bytes);

// Reports (debug.cpp).
void slab_bug_banner(Kernel& k, const kmem_cache& s, const std::string& reason);
void slab_fix(Kernel& k, const kmem_cache& s, const std::string& what);
std::string slab_ptr(const Kernel& k, uint64_t p); // "%p" of the model's reports
// The frames of a BUG() in the slab layer: the model's functions, then the API entry.
TrapFrames slab_bug_frames(const SlabCtx& cx, std::initializer_list<const char*> frames);
// BUG() at mm/slub.c:line in func (nullptr: in the API entry itself); current dies.
void slub_bug_at(Kernel& k, int line, const char* func, SlabCtx& cx);
// Puts the slab API name and the KernelC caller's frames in Kernel::dump_stack_callers (the
// caller clears them after its dump_stack()).
void set_slab_stack_callers(Kernel& k, SlabCtx& cx, std::initializer_list<const char*> frames);
void slab_dump_stack(Kernel& k, SlabCtx& cx, std::initializer_list<const char*> frames);

// A WARN() inside the slab layer at file:line in func, with the KernelC caller's frames below.
void warn_slab(Kernel& k, SlabCtx& cx, const char* file, int line, const char* func,
               const std::string& msg);
// kmalloc_fix_flags(): "Unexpected gfp: ..." with a stack, and the mask without the bad bits.
gfp_t kmalloc_fix_flags(Kernel& k, gfp_t gfp, SlabCtx& cx);

// Accounting of slab pages in /proc/meminfo.
void account_slab(Kernel& k, const kmem_cache& s, uint32_t order, int sign);

} // namespace klab
