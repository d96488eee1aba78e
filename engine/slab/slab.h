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
// at once (no RCU grace period yet); remote frees are frees on the current CPU. Booting
// leaves what 6.1's kmem_cache_init() and the boot caches leave: every cache's struct is an
// object of kmem_cache (SLUB copies its two bootstrap structs there too) and its node an
// object of kmem_cache_node, so /proc/meminfo's Slab is not 0 kB on a fresh machine; the
// boot caches are a subset of a real boot's (slab_common.cpp), so the counts are smaller.
// Classic SLAB (CONFIG_SLAB, mm/slab.c) is the second backend: its state is the SLAB part of
// kmem_cache / kmem_cache_node / Slab below and its paths live in slab_classic.cpp (see the
// header there for what it simplifies). slab_common.cpp dispatches on SlabModel::allocator.
// SLOB (CONFIG_SLOB, mm/slob.c) is the third: slob.cpp, a first-fit heap on pages.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/config.h"
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

// include/linux/slab.h: __alignof__(unsigned long long), 8 on x86_64 and on i386 alike.
inline constexpr uint32_t ARCH_SLAB_MINALIGN = 8;
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
// SLUB uses the first five; classic SLAB puts every slab on one of the last three.
enum class SlabList : uint8_t {
    none,
    cpu_slab,
    cpu_partial,
    node_partial,
    node_full,
    slabs_partial,
    slabs_full,
    slabs_free,
    slob_small, // SLOB pages with free space, by the size that put them there
    slob_medium,
    slob_large
};

// Where classic SLAB keeps a slab's freelist index array (mm/slab.c CFLGS_* and on-slab).
enum class SlabMgmt : uint8_t {
    on_slab,     // at the end of the slab, after the objects
    off_slab,    // in a kmalloc object (CFLGS_OFF_SLAB)
    objfreelist  // inside a free object of the slab itself (CFLGS_OBJFREELIST_SLAB)
};

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
    uint64_t freelist = 0; // SLUB: first free object (decoded address), 0 = none;
                           // SLAB: address of the freelist index array, 0 = none
    uint32_t next = NO_SLAB, prev = NO_SLAB; // list links (slab ids)
    // Classic SLAB: inuse is slab->active; s_mem = slab address + colour_off; free_idx is the
    // freelist index array (entries active..objects-1 are the free object numbers), kept here
    // and mirrored byte for byte into simulated memory at `freelist`.
    // obj_state (model bookkeeping, no Linux field) says where each object is: allocated, in
    // an array cache, or free on the slab; it lets double frees be caught before they corrupt.
    uint32_t colour_off = 0;
    std::vector<uint16_t> free_idx;
    std::vector<uint8_t> obj_state;
};

// An intrusive list of slabs (list_head partial / full, or the cpu partial chain), threaded
// through Slab::next/prev (struct slab's slab_list). Operations: slab_list::add(m.slabs, q, id).
using SlabQueue = ListHead<uint32_t, NO_SLAB>;
using slab_list = IndexList<Slab, uint32_t, NO_SLAB, &Slab::next, &Slab::prev>;

struct kmem_cache_cpu {
    uint64_t freelist = 0;  // next object to hand out (decoded)
    uint32_t slab = NO_SLAB; // the cpu slab
    SlabQueue partial;       // slub_percpu_partial
};

// struct array_cache (mm/slab.c): a LIFO stack of free object pointers.
struct array_cache {
    uint32_t avail = 0, limit = 0, batchcount = 0, touched = 0;
    std::vector<uint64_t> entry; // entry.size() == limit
    uint64_t address = 0;        // the kmalloc'ed struct (shared arrays of later caches)
};

struct kmem_cache_node {
    SlabQueue partial; // nr_partial = partial.count
    SlabQueue full;    // only SLAB_STORE_USER caches track full slabs
    uint64_t nr_slabs = 0;
    uint64_t total_objects = 0;
    // Classic SLAB (total_slabs == nr_slabs).
    SlabQueue slabs_partial, slabs_full, slabs_free;
    uint64_t free_slabs = 0, free_objects = 0;
    uint32_t free_limit = 0, colour_next = 0;
    bool has_shared = false;
    array_cache shared;
    uint64_t next_reap = 0;
    int32_t free_touched = 0;
    bool up = false; // init_cache_node() ran
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
    // Classic SLAB (struct kmem_cache in include/linux/slab_def.h): order/objects above are
    // gfporder/num; tunables; colouring; per-CPU array caches.
    uint32_t limit = 0, batchcount = 0, shared = 0;
    uint32_t colour = 0, colour_off = 0;
    uint32_t freelist_size = 0;
    SlabMgmt mgmt = SlabMgmt::on_slab;
    std::vector<array_cache> cpu_cache;
};

// slub_debug= as parsed at boot: global flags, or per-cache lists.
struct SlubDebugRule {
    slab_flags_t flags = 0;
    std::vector<std::string> caches; // empty: every cache
};

// SlabModel::warn_once_bits: one bit per WARN_ON_ONCE() site (each has its own static flag).
inline constexpr uint32_t kWarnSlabCtorZero = 4;   // mm/slab.c cache_grow_begin()
inline constexpr uint32_t kWarnSlubCtorZero = 16;  // mm/slub.c new_slab()

struct SlabModel {
    SlabAllocator allocator = SlabAllocator::slub; // the backend booted (config.h)
    bool up = false;        // the kmalloc caches exist (slab_state UP)
    bool boot_done = false; // slab_boot() finished: new caches take their structs from kmem_cache
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
    uint32_t warn_once_bits = 0; // the WARN_ON_ONCE()s that fired (kWarn* bits)
    // Classic SLAB: slab_max_order (1 above 32 MiB of RAM, or slab_max_order=), and when each
    // CPU's cache_reap() work runs next (jiffies).
    uint32_t slab_max_order = 0;
    std::vector<uint64_t> next_reap_ac;
    uint32_t api_depth = 0; // nesting of slab API calls (0 between calls)
    // SLOB: free_slob_small (< 256 bytes), free_slob_medium (< 1024), free_slob_large. A SLOB
    // page is a Slab with cache NO_CACHE, inuse = sp->units (its free units) and freelist =
    // its first free block.
    SlabQueue free_slob_small, free_slob_medium, free_slob_large;
};

// The caller's side of a slab call: who called (for tracks and trace events) and a way to run
// KernelC constructors. A BUG() inside the slab layer kills current (arch/x86/traps.h).
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

// --- classic SLAB only (slab_classic.cpp) ---
// slabinfo_write(): "name limit batchcount shared"; 0 or -errno (-EINVAL, -EIO under SLUB).
int slabinfo_write(Kernel& k, const std::string& text);
// cache_reap() for one CPU (the delayed work that runs every 2*HZ per CPU).
void cache_reap(Kernel& k, uint32_t cpu);
// Default tunables of enable_cpucache() for an object size on a machine with nr_cpus CPUs.
struct SlabTunables {
    uint32_t limit = 0, batchcount = 0, shared = 0;
};
SlabTunables slab_default_tunables(uint32_t size, uint32_t nr_cpus);

// Pages held by slab caches (slabs plus kmalloc_large), for /proc/meminfo.
uint64_t slab_reclaimable_pages(const Kernel& k);
uint64_t slab_unreclaimable_pages(const Kernel& k);

} // namespace klab
