// Assertions for the lab's own bugs (tier 3 of the error model in DESIGN.md).
// A failed KLAB_ASSERT is never a student's fault: it means the model is wrong.
// Model-level misuse (double free, bad order) must be reported Linux-style instead.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace klab::detail {
[[noreturn]] inline void assert_fail(const char* expr, const char* file, int line) {
    std::fprintf(stderr, "klab: internal assertion failed: %s at %s:%d\n", expr, file, line);
    std::abort();
}
} // namespace klab::detail

#define KLAB_ASSERT(expr)                                                                          \
    ((expr) ? static_cast<void>(0) : ::klab::detail::assert_fail(#expr, __FILE__, __LINE__))
