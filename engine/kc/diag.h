// KernelC compile diagnostics, printed the way gcc and clang print them: "file:line:col: error:
// message", the source line, a caret under the column, and an optional "note:" hint line.
// Simplification: only the first error of a unit is reported (the unit is then rejected).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace klab::kc {

struct Loc {
    uint32_t offset = 0;
    uint32_t line = 1;
    uint32_t col = 1;
};

// One piece of text being compiled: a file, a console line or a lesson block.
struct Source {
    std::string name;
    std::string text;
};

// "did you mean X?" candidates are appended by the caller as `hint`.
std::string format_diagnostic(const Source& src, Loc loc, std::string_view message,
                              std::string_view hint = {});

inline Error diag_error(const Source& src, Loc loc, std::string_view message,
                        std::string_view hint = {}) {
    return make_error(format_diagnostic(src, loc, message, hint));
}

// Edit distance used for "did you mean" hints (case differences cost nothing extra when the
// names are equal ignoring case, so gfp_kernel finds GFP_KERNEL).
uint32_t name_distance(std::string_view a, std::string_view b);

} // namespace klab::kc
