// /proc/slabinfo: models print_slabinfo_header(), cache_show() and slab_show() of
// mm/slab_common.c with SLUB's get_slabinfo() (mm/slub.c, 6.1): format version 2.1, one line
// per cache on slab_caches (newest first), aliases not listed. SLUB counts the free objects
// of node partial slabs only, so CPU slabs and CPU partial slabs count as fully used.
// Classic SLAB: get_slabinfo() of mm/slab.c, real tunables, active_slabs = total - free
// slabs, sharedavail = objects in the shared array; objects in any array cache count as
// active. Not available under SLOB (6.1 has no /proc/slabinfo without SLAB or SLUB_DEBUG).
#include <cstdio>

#include "machine/kernel.h"
#include "proc/proc.h"

namespace klab {

std::string proc_slabinfo(const Kernel& k) {
    std::string s = "slabinfo - version: 2.1\n"
                    "# name            <active_objs> <num_objs> <objsize> <objperslab> "
                    "<pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata "
                    "<active_slabs> <num_slabs> <sharedavail>\n";
    const SlabModel& m = k.slab;
    char buf[256];
    for (auto it = m.slab_caches.rbegin(); it != m.slab_caches.rend(); ++it) {
        const kmem_cache& c = m.caches[*it];
        if (m.allocator == SlabAllocator::slab) {
            // get_slabinfo() of mm/slab.c: objects in array caches count as active.
            const kmem_cache_node& n = c.node;
            uint64_t num_objs = n.nr_slabs * c.objects;
            std::snprintf(buf, sizeof buf,
                          "%-17s %6llu %6llu %6u %4u %4d : tunables %4u %4u %4u : slabdata %6llu "
                          "%6llu %6u\n",
                          c.name.c_str(), (unsigned long long)(num_objs - n.free_objects),
                          (unsigned long long)num_objs, c.size, c.objects, 1 << c.order, c.limit,
                          c.batchcount, c.shared, (unsigned long long)(n.nr_slabs - n.free_slabs),
                          (unsigned long long)n.nr_slabs, n.has_shared ? n.shared.avail : 0u);
            s += buf;
            continue;
        }
        uint64_t nr_free = 0;
        for (uint32_t id = c.node.partial.head; id != NO_SLAB; id = m.slabs[id].next)
            nr_free += m.slabs[id].objects - m.slabs[id].inuse;
        uint64_t nr_objs = c.node.total_objects, nr_slabs = c.node.nr_slabs;
        std::snprintf(buf, sizeof buf,
                      "%-17s %6llu %6llu %6u %4u %4d : tunables %4u %4u %4u : slabdata %6llu "
                      "%6llu %6lu\n",
                      c.name.c_str(), (unsigned long long)(nr_objs - nr_free),
                      (unsigned long long)nr_objs, c.size, c.objects, 1 << c.order, 0u, 0u, 0u,
                      (unsigned long long)nr_slabs, (unsigned long long)nr_slabs, 0ul);
        s += buf;
    }
    return s;
}

} // namespace klab
