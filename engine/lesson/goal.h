// The helper builtins lesson goals and predictions may call (nr_free("Normal", 3),
// page_owner(pfn), dmesg_contains("BUG: ..."), ...). They are declared only into the copy of
// the program that Session::evaluate() runs a goal on, and only where the name is still free
// (a student's own variable of that name wins), so the console's namespace is unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "session/builtins.h"

namespace klab {

struct Kernel;

Result<void> bind_goal_helpers(kc::Program& prog, BuiltinTable& table);

// The slab layer as goal helpers see it (cache_objects, slab_count), from slab_hook.cpp.
struct SlabCacheCounts {
    uint64_t active_objs = 0; // objects handed out (exact, unlike slabinfo's <active_objs>)
    uint64_t num_objs = 0;    // <num_objs>
    uint64_t num_slabs = 0;   // <num_slabs>
};
// False with `why` set when the cache does not exist or the build has no slab layer.
bool slab_cache_counts(const Kernel& k, std::string_view cache, SlabCacheCounts& out,
                       std::string& why);

} // namespace klab
