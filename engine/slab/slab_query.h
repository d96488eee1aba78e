// Read-only views of the slab layer for the front end (slab cache table, slab detail, object
// grids) and lesson predicates (cache_objects("kmalloc-128"), slab_count(cache)). Nothing
// here changes the kernel; everything is computed from the slab state in slab/slab.h, SLUB's
// or classic SLAB's (the SLAB-only views are at the end).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "slab/slab.h"

namespace klab {

struct SlabCacheInfo {
    uint32_t id = NO_CACHE;
    std::string name;
    uint64_t address = 0; // struct kmem_cache *
    uint32_t object_size = 0, size = 0, align = 0, offset = 0;
    uint32_t objects_per_slab = 0, order = 0;
    slab_flags_t flags = 0;
    int32_t refcount = 0; // > 1: other caches are merged into this one (aliases)
    // /proc/slabinfo's numbers (CPU slabs count as fully used)...
    uint64_t active_objs = 0, num_objs = 0, num_slabs = 0;
    // ...and the exact ones: objects really handed out, and where the slabs are.
    uint64_t allocated_objs = 0;
    uint32_t cpu_slabs = 0, cpu_partial_slabs = 0, node_partial_slabs = 0, full_slabs = 0;
    uint32_t min_partial = 0, cpu_partial = 0;
    uint64_t bytes = 0; // pages held, in bytes
    // Classic SLAB: slabs on slabs_free (full_slabs and node_partial_slabs are slabs_full and
    // slabs_partial there; the CPU fields stay 0).
    uint32_t free_slabs = 0;
};

// All caches in /proc/slabinfo order (newest first).
std::vector<SlabCacheInfo> slab_cache_infos(const Kernel& k);
SlabCacheInfo slab_cache_info(const Kernel& k, uint32_t cache);

// Classic SLAB: free_on_cpu means "in a per-CPU or the shared array cache".
enum class SlabObjectState : uint8_t { allocated, free_on_slab, free_on_cpu };

struct SlabView {
    uint32_t id = NO_SLAB;
    pfn_t pfn = NO_PFN;
    uint64_t address = 0; // first byte of the slab
    uint32_t order = 0, objects = 0, inuse = 0;
    SlabList list = SlabList::none;
    uint32_t cpu = 0; // when list is cpu_slab or cpu_partial
    bool frozen = false;
    uint32_t colour_off = 0; // classic SLAB: bytes before the first object (cache colouring)
};

struct SlabObjectView {
    uint64_t address = 0; // the object pointer (after a left red zone)
    SlabObjectState state = SlabObjectState::allocated;
};

// A cache's slabs: CPU slabs, CPU partial, node partial, node full, then full slabs on no list.
std::vector<SlabView> cache_slabs(const Kernel& k, uint32_t cache);
// The objects of a slab in address order, with their state.
std::vector<SlabObjectView> slab_objects(const Kernel& k, uint32_t slab_id);
// The slab holding an address (NO_SLAB if none).
uint32_t slab_of(const Kernel& k, uint64_t addr);
// The freelist chains of a slab in the order they would hand objects out (the front end draws
// them as arrows): the slab's own freelist, and for a CPU slab the CPU's lockless freelist.
// SLUB only (empty for other allocators). A chain stops at the first pointer outside the slab (a corrupted freelist).
struct SlabFreelists {
    std::vector<uint64_t> slab; // slab->freelist
    std::vector<uint64_t> cpu;  // c->freelist (CPU slab only)
    bool corrupted = false;     // a chain left the slab or did not end
};
SlabFreelists slab_freelists(const Kernel& k, uint32_t slab_id);

// Lesson helpers by cache name ("" or unknown names give empty results / 0).
std::vector<uint64_t> cache_objects(const Kernel& k, const std::string& name); // allocated
uint64_t slab_count(const Kernel& k, const std::string& name);

// A slabtop(1)-style table ("Active / Total Objects (% used)" summary and one line per
// cache, sorted by number of objects).
std::string slabtop_text(const Kernel& k, uint32_t max_lines = 20);

// ---- classic SLAB (mm/slab.c) ---------------------------------------------------------------

// The allocator the machine booted.
SlabAllocator slab_allocator(const Kernel& k);

// struct array_cache: a LIFO of free objects; entry[avail - 1] is handed out next.
struct SlabArrayCacheView {
    uint32_t avail = 0, limit = 0, batchcount = 0, touched = 0;
    std::vector<uint64_t> entry; // the avail objects, bottom first
};

struct SlabClassicView {
    bool valid = false; // false under SLUB, or for a cache id that is not alive
    uint32_t limit = 0, batchcount = 0, shared = 0; // tunables, as /proc/slabinfo prints them
    uint32_t colour = 0, colour_off = 0, colour_next = 0; // cache colouring
    SlabMgmt mgmt = SlabMgmt::on_slab; // where the freelist index array lives
    uint32_t freelist_size = 0;        // bytes of that array
    uint64_t total_slabs = 0, free_slabs = 0, free_objects = 0;
    uint32_t free_limit = 0;
    std::vector<SlabArrayCacheView> cpu; // one per CPU
    bool has_shared = false;
    SlabArrayCacheView shared_array; // the node's shared array (has_shared)
    // The three node lists in list order (head first), with addresses and active counts.
    std::vector<SlabView> slabs_full, slabs_partial, slabs_free;
};
SlabClassicView slab_classic_view(const Kernel& k, uint32_t cache);

// A SLAB slab's freelist index array: entry i (active <= i < objects) is the number of a free
// object; the next allocation takes entry `active`.
std::vector<uint32_t> slab_free_indices(const Kernel& k, uint32_t slab_id);

// ---- SLOB (mm/slob.c) -----------------------------------------------------------------------

struct SlobBlockView {
    uint64_t address = 0;
    uint32_t units = 0; // SLOB_UNITs of 2 bytes
};
struct SlobPageView {
    uint32_t id = NO_SLAB;
    pfn_t pfn = NO_PFN;
    uint64_t address = 0;
    uint32_t free_units = 0;            // sp->units, out of 2048
    SlabList list = SlabList::none;     // slob_small / slob_medium / slob_large, none when full
    std::vector<SlobBlockView> free_blocks; // in address order, as the heap links them
};
// Every SLOB heap page (empty under SLUB and SLAB), in list order: small, medium, large, then
// the full pages.
std::vector<SlobPageView> slob_pages(const Kernel& k);

} // namespace klab
