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
std::vector<std::string> split_words(std::string_view line);

} // namespace klab
