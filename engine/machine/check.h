// Every subsystem's invariant checker in one table, in the spirit of Linux's debug checkers
// (validate_slab_cache(), check_new_page()) but total: the golden runs, the lesson checks, the
// fuzzer and `klab run --check` call check_kernel() after every command. A new subsystem adds
// its checker here (one entry) and nowhere else.
#pragma once

#include <span>
#include <string>

namespace klab {

struct Kernel;

struct InvariantChecker {
    const char* subsystem;                  // "page_alloc", "slab", ...
    std::string (*check)(const Kernel& k); // "" when every invariant holds, else what broke
};

std::span<const InvariantChecker> invariant_checkers();

// Runs every checker; "" when all hold, else one "subsystem: what broke" block per failure.
std::string check_kernel(const Kernel& k);

} // namespace klab
