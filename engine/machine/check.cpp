// The table of invariant checkers (see check.h). Each checker lives beside its subsystem.
#include "machine/check.h"

#include "machine/kernel.h"
#include "mm/check.h"
#include "sched/task.h"
#include "slab/check.h"

namespace klab {

namespace {

// pcp lists are checked with the buddy lists: check_page_alloc() tiles every zone with both.
constexpr InvariantChecker kCheckers[] = {
    {"page_alloc", check_page_alloc}, {"slab", check_slab_caches}, {"vmalloc", check_vmalloc},
    {"percpu", check_percpu},         {"highmem", check_highmem},  {"kstack", check_kstack},
    {"tasks", check_tasks},
};

} // namespace

std::span<const InvariantChecker> invariant_checkers() {
    return kCheckers;
}

std::string check_kernel(const Kernel& k) {
    std::string out;
    for (const InvariantChecker& c : kCheckers) {
        std::string bad = c.check(k);
        if (bad.empty()) continue;
        if (bad.back() != '\n') bad += '\n';
        out += std::string(c.subsystem) + ": " + bad;
    }
    return out;
}

} // namespace klab
