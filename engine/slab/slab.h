// The slab layer, SLUB flavour: models mm/slub.c, mm/slab_common.c and include/linux/slab.h
// of Linux 6.1 (kmem_cache, struct slab, kmem_cache_cpu, kmem_cache_node) for one NUMA node.
//
// What is modelled: object layout by calculate_sizes(), slab order by calculate_order(),
// per-CPU slab + per-CPU partial list + node partial list (and the node full list of
// SLAB_STORE_USER caches), min_partial, cpu_partial, freelists stored in the objects
// themselves in simulated memory, cache merging (aliases), the kmalloc caches of every
// kmalloc_type, kmalloc_large, slub_debug (F Z P U) checks and reports.
//
// Configuration modelled: Debian's 6.1 config as far as it shows: SLUB, SLUB_DEBUG (off
// unless slub_debug=), SLUB_CPU_PARTIAL, MEMCG_KMEM (kmalloc-cg-*), ZONE_DMA (dma-kmalloc-*),
// STACKDEPOT (struct track is 32 bytes on x86_64), SLAB_FREELIST_HARDENED (free pointers are
// stored as ptr ^ s->random ^ swab(&ptr), and set_freepointer()'s naive double-free BUG_ON).
// Simplifications: SLAB_FREELIST_RANDOM (on in Debian) is *off*: a new slab's freelist runs in
// address order, so students can follow objects being handed out one after another; no
// cmpxchg races (one CPU runs at a time); no memcg charging (kmalloc-cg-* caches exist and are
// used for __GFP_ACCOUNT, nothing is charged); no sysfs; SLAB_TYPESAFE_BY_RCU frees slab pages
// at once (no RCU grace period yet); remote frees are frees on the current CPU.
// Classic SLAB and SLOB are not modelled yet: booting with them is refused by slab_boot().
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "mm/gfp.h"
#include "mm/mmzone.h"

namespace klab {

struct Kernel;

using slab_flags_t = uint32_t;

// include/linux/slab.h (6.1)
inline constexpr slab_flags_t SLAB_CONSISTENCY_CHECKS = 0x00000100u;
inline constexpr slab_flags_t SLAB_RED_ZONE = 0x00000400u;
inline constexpr slab_flags_t SLAB_POISON = 0x00000800u;
inline constexpr slab_flags_t SLAB_KMALLOC = 0x00001000u;
inline constexpr slab_flags_t SLAB_HWCACHE_ALIGN = 0x00002000u;
inline constexpr slab_flags_t SLAB_CACHE_DMA = 0x00004000u;
inline constexpr slab_flags_t SLAB_CACHE_DMA32 = 0x00008000u;
inline constexpr slab_flags_t SLAB_STORE_USER = 0x00010000u;
inline constexpr slab_flags_t SLAB_RECLAIM_ACCOUNT = 0x00020000u;
inline constexpr slab_flags_t SLAB_PANIC = 0x00040000u;
inline constexpr slab_flags_t SLAB_TYPESAFE_BY_RCU = 0x00080000u;
inline constexpr slab_flags_t SLAB_MEM_SPREAD = 0x00100000u;
inline constexpr slab_flags_t SLAB_TRACE = 0x00200000u;
inline constexpr slab_flags_t SLAB_DEBUG_OBJECTS = 0x00400000u;
inline constexpr slab_flags_t SLAB_NOLEAKTRACE = 0x00800000u;
inline constexpr slab_flags_t SLAB_FAILSLAB = 0x02000000u;
inline constexpr slab_flags_t SLAB_ACCOUNT = 0x04000000u;
inline constexpr slab_flags_t SLAB_NO_USER_FLAGS = 0x10000000u;
inline constexpr slab_flags_t __OBJECT_POISON = 0x80000000u; // mm/slab.h, internal
inline constexpr slab_flags_t SLAB_DEBUG_FLAGS =
    SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE | SLAB_CONSISTENCY_CHECKS;

// include/linux/poison.h
inline constexpr uint8_t POISON_INUSE = 0x5a;
inline constexpr uint8_t POISON_FREE = 0x6b;
inline constexpr uint8_t POISON_END = 0xa5;
inline constexpr uint8_t SLUB_RED_INACTIVE = 0xbb;
inline constexpr uint8_t SLUB_RED_ACTIVE = 0xcc;

inline constexpr uint64_t ZERO_SIZE_PTR = 16;
inline constexpr uint32_t KMALLOC_SHIFT_LOW = 3;
inline constexpr uint32_t KMALLOC_SHIFT_HIGH = 13; // PAGE_SHIFT + 1
inline constexpr uint32_t KMALLOC_MAX_CACHE_SIZE = 1u << KMALLOC_SHIFT_HIGH;
inline constexpr uint64_t KMALLOC_MAX_SIZE = 1ull << 22; // MAX_ORDER + PAGE_SHIFT - 1
inline constexpr uint32_t MAX_OBJS_PER_PAGE = 32767;
inline constexpr uint32_t NO_SLAB = 0xffffffffu;
inline constexpr uint32_t NO_CACHE = 0xffffffffu;

// enum kmalloc_cache_type with MEMCG_KMEM and ZONE_DMA.
enum kmalloc_cache_type : uint8_t {
    KMALLOC_NORMAL,
    KMALLOC_CGROUP,
    KMALLOC_RECLAIM,
    KMALLOC_DMA,
    NR_KMALLOC_TYPES
};

// Which list a slab is on (Linux knows it from the slab's frozen bit and list_head).
enum class SlabList : uint8_t { none, cpu_slab, cpu_partial, node_partial, node_full };

// struct slab (mm/slab.h): overlays struct page of the slab's head page.
struct Slab {
    pfn_t pfn = NO_PFN; // head page
    uint8_t order = 0;
    bool frozen = false; // owned by a CPU (cpu slab or cpu partial)
    SlabList list = SlabList::none;
    uint8_t cpu = 0;        // which CPU, while frozen
    uint32_t cache = NO_CACHE;
    uint32_t objects = 0;
    uint32_t inuse = 0;
    uint64_t freelist = 0; // first free object (decoded address), 0 = none
    uint32_t next = NO_SLAB, prev = NO_SLAB; // list links (slab ids)
};

// An intrusive list of slabs (list_head partial / full, or the cpu partial chain).
struct SlabQueue {
    uint32_t head = NO_SLAB, tail = NO_SLAB;
    uint32_t count = 0;
};

struct kmem_cache_cpu {
    uint64_t freelist = 0;  // next object to hand out (decoded)
    uint32_t slab = NO_SLAB; // the cpu slab
    SlabQueue partial;       // slub_percpu_partial
};

struct kmem_cache_node {
    SlabQueue partial; // nr_partial = partial.count
    SlabQueue full;    // only SLAB_STORE_USER caches track full slabs
    uint64_t nr_slabs = 0;
    uint64_t total_objects = 0;
};

// One allocation's owner, recorded by SLAB_STORE_USER (struct track).
struct SlabCtx;

struct kmem_cache {
    std::string name;
    uint64_t address = 0; // the struct kmem_cache * (an object of the "kmem_cache" cache)
    uint64_t node_address = 0; // its struct kmem_cache_node (of "kmem_cache_node")
    slab_flags_t flags = 0;
    uint32_t object_size = 0;
    uint32_t size = 0;  // object + metadata, the slot stride
    uint32_t align = 0;
    uint32_t inuse = 0; // offset of the metadata
    uint32_t offset = 0; // of the free pointer
    uint32_t red_left_pad = 0;
    uint32_t order = 0;    // oo
    uint32_t objects = 0;  // objects per slab at `order`
    uint32_t min_order = 0; // s->min: fallback when the order allocation fails
    gfp_t allocflags = 0;
    uint64_t ctor = 0; // KernelC function address, 0 = none
    int32_t refcount = 1; // aliases; -1 = never merge (kmalloc-N)
    uint32_t min_partial = 5;
    uint32_t cpu_partial = 0;       // objects
    uint32_t cpu_partial_slabs = 0; // slabs
    uint32_t useroffset = 0, usersize = 0;
    uint64_t random = 0; // SLAB_FREELIST_HARDENED key
    bool alive = true;
    std::vector<kmem_cache_cpu> cpu_slab;
    kmem_cache_node node;
    uint64_t alloc_count = 0, free_count = 0; // for the views
};

// slub_debug= as parsed at boot: global flags, or per-cache lists.
struct SlubDebugRule {
    slab_flags_t flags = 0;
    std::vector<std::string> caches; // empty: every cache
};

struct SlabModel {
    bool up = false;
    std::vector<kmem_cache> caches;  // by cache id; destroyed ones stay (alive = false)
    std::vector<uint32_t> slab_caches; // list order, oldest first (/proc/slabinfo prints newest first)
    std::unordered_map<uint64_t, uint32_t> cache_index; // struct kmem_cache * -> live cache id
    std::vector<Slab> slabs;         // by slab id
    std::vector<uint32_t> free_slab_ids;
    uint32_t kmalloc_caches[NR_KMALLOC_TYPES][KMALLOC_SHIFT_HIGH + 1] = {};
    uint32_t kmem_cache_id = NO_CACHE, kmem_cache_node_id = NO_CACHE;
    // Boot options.
    bool slab_nomerge = false;
    uint32_t slub_min_order = 0;
    uint32_t slub_max_order = PAGE_ALLOC_COSTLY_ORDER;
    uint32_t slub_min_objects = 0;
    std::vector<SlubDebugRule> slub_debug;
    uint64_t rng = 0; // get_random_long() for s->random
    // Page counts for /proc/meminfo (NR_SLAB_RECLAIMABLE_B / NR_SLAB_UNRECLAIMABLE_B in pages).
    uint64_t nr_slab_reclaimable = 0;
    uint64_t nr_slab_unreclaimable = 0;
    uint64_t nr_kmalloc_large_pages = 0; // part of unreclaimable
    uint32_t warn_once_bits = 0;
};

// The caller's side of a slab call: who called (for tracks and trace events), a way to run
// KernelC constructors, and whether a BUG() fired (the calling task must then die).
struct SlabHooks {
    virtual ~SlabHooks() = default;
    // Run the constructor at fn on obj; false if it did not return normally.
    virtual bool run_ctor(Kernel& k, uint64_t fn, uint64_t obj) = 0;
    // "my_mod_init+0x23/0x49 [mod]" for a call site address ("0x..." if unknown).
    virtual std::string symbol(uint64_t addr) = 0;
    // The caller's frames for a call trace, innermost first ("my_mod_init+0x23/0x49 [mod]").
    virtual std::vector<std::string> caller_frames() = 0;
};
struct SlabCtx {
    uint64_t caller = 0; // _RET_IP_
    SlabHooks* hooks = nullptr;
    bool bug = false; // a BUG() fired: the task must be killed
    uint64_t fault_addr = 0; // nonzero: the call faulted at this address (an oops follows)
    const char* api = nullptr; // the API entry ("kfree"), below the model's frames in traces
};

// --- boot (slab_common.c kmem_cache_init, create_kmalloc_caches, the early caches) ---
// Parses slab_nomerge, slub_min_objects=, slub_min_order=, slub_max_order=, slub_debug= from
// the command line and creates the boot caches.
void slab_boot(Kernel& k);
// True if the command line enables slub_debug for anything (pointers are then not hashed).
bool slub_debug_cmdline_enabled(const std::string& cmdline);

// --- caches (mm/slab_common.c) ---
// Returns the struct kmem_cache * value, 0 on failure (with Linux's messages).
uint64_t kmem_cache_create(Kernel& k, const std::string& name, uint32_t size, uint32_t align,
                           slab_flags_t flags, uint64_t ctor, SlabCtx& cx);
void kmem_cache_destroy(Kernel& k, uint64_t cachep, SlabCtx& cx);
int kmem_cache_shrink(Kernel& k, uint64_t cachep, SlabCtx& cx);
// Cache id of a struct kmem_cache * value, NO_CACHE if it is not a live cache.
uint32_t cache_by_address(const Kernel& k, uint64_t cachep);
uint32_t cache_by_name(const Kernel& k, const std::string& name);

// --- objects ---
uint64_t kmem_cache_alloc(Kernel& k, uint64_t cachep, gfp_t gfp, SlabCtx& cx);
void kmem_cache_free(Kernel& k, uint64_t cachep, uint64_t obj, SlabCtx& cx);

// --- kmalloc family ---
uint64_t kmalloc(Kernel& k, uint64_t size, gfp_t gfp, SlabCtx& cx);
void kfree(Kernel& k, uint64_t obj, SlabCtx& cx);
void kfree_sensitive(Kernel& k, uint64_t obj, SlabCtx& cx);
uint64_t ksize(Kernel& k, uint64_t obj, SlabCtx& cx);
uint64_t krealloc(Kernel& k, uint64_t obj, uint64_t new_size, gfp_t gfp, SlabCtx& cx);
uint64_t kmalloc_array(Kernel& k, uint64_t n, uint64_t size, gfp_t gfp, SlabCtx& cx);
// kmalloc_slab(): the cache a kmalloc of size would use (NO_CACHE for 0 or > 8 KiB).
uint32_t kmalloc_slab(const Kernel& k, uint64_t size, gfp_t gfp);
uint32_t kmalloc_index(uint64_t size);

// --- layout (pure functions of the machine's parameters) ---
struct SlabGeometry {
    uint32_t size = 0, align = 0, inuse = 0, offset = 0, red_left_pad = 0;
    uint32_t order = 0, objects = 0;
    slab_flags_t flags = 0;
    bool ok = false;
};
uint32_t calculate_alignment(slab_flags_t flags, uint32_t align, uint32_t size, uint32_t ptr_bytes);
int calculate_order(uint32_t size, uint32_t min_objects, uint32_t min_order, uint32_t max_order);
uint32_t slub_min_objects_for(uint32_t nr_cpus);
SlabGeometry calculate_sizes(const Kernel& k, uint32_t object_size, uint32_t align,
                             slab_flags_t flags, bool has_ctor);

// Pages held by slab caches (slabs plus kmalloc_large), for /proc/meminfo.
uint64_t slab_reclaimable_pages(const Kernel& k);
uint64_t slab_unreclaimable_pages(const Kernel& k);

} // namespace klab
