// Invariant checker for the slab layer, in the spirit of SLUB's validate_slab_cache() but
// total: the tests run it after every step. Returns an empty string when all invariants hold,
// else one line per violation (capped).
#pragma once

#include <string>

namespace klab {

struct Kernel;

// - every slab of a cache is on exactly the list its state says: the CPU slab, a CPU partial
//   list, the node partial list, the node full list (SLAB_STORE_USER caches) or none (full);
//   frozen exactly when a CPU owns it; the list counts match;
// - every object is free at most once: the slab's freelist and the CPU freelist hold distinct
//   valid objects of that slab, and inuse == objects - (objects on the slab's freelist);
// - node nr_slabs/total_objects match the slabs that exist;
// - every page of a slab is marked with its slab id, the head has PG_slab and owner slab;
// - the slab page counters of /proc/meminfo equal the pages the slabs hold.
// Classic SLAB instead: each slab is on slabs_full/partial/free as its active count says; the
// free index array (model copy and bytes in memory) holds distinct free objects; every array
// cache entry is an object of its cache, in one array only, and the object states agree;
// free_objects/free_slabs/total_slabs match the slabs.
// SLOB: each heap page's in-memory free blocks are ordered, inside the page and add up to its
// free units; a page is on a size list exactly when it has free units.
std::string check_slab_caches(const Kernel& k);

} // namespace klab
