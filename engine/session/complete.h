// Tab completion for the console (the ImGui console and `klab repl` share it). Completes the
// word before the cursor: shell words at the start of a line, /proc paths after `cat`, and
// otherwise the KernelC names the program knows (kernel builtins, constants, macros, types,
// the student's functions and variables). Names that start with '_' are offered only when the
// typed prefix starts with '_', as shells hide dotfiles.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace klab {

struct SessionState;

struct Completion {
    size_t start = 0;                    // where the word being completed begins in the line
    std::vector<std::string> candidates; // sorted, unique, each a whole replacement word
    // The longest prefix all candidates share (what one Tab press inserts).
    std::string common_prefix() const;
};

Completion complete(const SessionState& st, std::string_view line, size_t cursor);
// The shell words of the console (cat, dmesg, insmod, ...).
const std::vector<std::string_view>& shell_words();

} // namespace klab
