// The console's text filters, for reading /proc the way one does on a real machine:
// `cat /proc/slabinfo | grep kmalloc`, `grep Slab /proc/meminfo`, `dmesg | tail -n 5`,
// `cat /proc/vmallocinfo | wc -l`.
//
// grep [-ivcnwxEFhH] [-e PATTERN] PATTERN [FILE...]   GNU grep's basic (default), extended (-E)
//      and fixed-string (-F) patterns, through the C library's POSIX regcomp()
// head [-n N | -N] [FILE...]     the first N lines (10)
// tail [-n N | -N | -n +N] [FILE...]   the last N lines, or from line N on
// wc [-lwc] [FILE...]            lines, words, bytes
//
// Simplifications: no other options (no -o, -A/-B/-C, -r, --color); no back-references (\1:
// they can make matching take exponential time, and the lab must not hang a browser tab), and
// interval counts of at most 255 each and 4096 multiplied ("Regular expression too big"); the error texts for bad
// patterns are GNU grep's whatever the C library (glibc natively, musl in wasm) says, so native
// and wasm print the same; wc pads its columns to 7 characters when it prints more than one
// count, as GNU wc does for pipes (for files GNU wc sizes the columns from st_size, 0 in /proc).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace klab {

// Reads a file for a filter's FILE arguments; false: no such file.
using FileReader = std::function<bool(const std::string& path, std::string& text)>;

struct FilterResult {
    std::string out; // standard output: the next filter's input
    std::string err; // standard error: shown, never piped
    int status = 0;  // exit status: grep 1 when nothing matched, 2 on errors
};

bool is_filter(std::string_view cmd);

// Runs argv (argv[0] is the filter). With input != nullptr the filter reads it (a pipe) unless
// FILE arguments are given, as the real tools do.
FilterResult run_filter(const std::vector<std::string>& argv, const std::string* input,
                        const FileReader& read);

// Splits a console line at the pipes outside quotes: "cat x | grep 'a|b'" -> "cat x ", " grep 'a|b'".
std::vector<std::string> split_pipeline(std::string_view line);

} // namespace klab
