// Splitting console text into shell commands and KernelC. A line whose first word is a shell
// word (cat, dmesg, insmod, ...) and that is not C (no '=', '(' or ';' after the word) is a
// command, unless it continues an unfinished C construct; everything else is KernelC, cut
// into pieces that end where a top-level statement or definition ends.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace klab {

struct InputPiece {
    bool shell = false;
    std::string text;
    uint32_t first_line = 1; // line of the input where the piece starts
};

std::vector<InputPiece> split_input(std::string_view text);

// Whether text typed line by line needs more lines before it can run (the console's Enter,
// `klab repl`, `klab lesson play`): a '{', '(' or '[' still open, an open comment, a final
// backslash, or C that ends in a function or control header waiting for its body, such as
// `int f(void)` with the `{` on the next line, `if (x)`, `else`, `do`.
bool input_unfinished(std::string_view text);
std::vector<std::string> split_words(std::string_view line);

} // namespace klab
