// The goal helpers' view of the slab layer (goal.h): cache_objects(), cache_total_objects()
// and slab_count() in lesson goals, answered from slab/slab_query.h. cache_objects counts the
// objects really handed out (not /proc/slabinfo's active_objs, which counts a CPU slab as full),
// so a goal such as "one more object in kmalloc-128" holds after one kmalloc. A merged cache
// (an alias such as a student's cache folded into kmalloc-64) answers for the cache it uses.
#include "lesson/goal.h"
#include "slab/slab_query.h"

namespace klab {

bool slab_cache_counts(const Kernel& k, std::string_view cache, SlabCacheCounts& out,
                       std::string& why) {
    uint32_t id = cache_by_name(k, std::string(cache));
    if (id == NO_CACHE) {
        why = "no slab cache named '" + std::string(cache) + "' (see /proc/slabinfo)";
        return false;
    }
    SlabCacheInfo info = slab_cache_info(k, id);
    out.active_objs = info.allocated_objs;
    out.num_objs = info.num_objs;
    out.num_slabs = info.num_slabs;
    return true;
}

} // namespace klab
