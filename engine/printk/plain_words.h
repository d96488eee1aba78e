// Linux's words, then plain words: one sentence for a student, for each kernel report the lab
// can print, keyed by the report's head line ("kernel BUG at mm/slub.c:419!" is SLUB's check for
// freeing the same object twice). The report itself stays exactly as Linux 6.1 prints it, in
// dmesg and in the console; the front ends draw the sentence under it, marked as the lab's.
// The whole table is in plain_words.cpp, so the reports' code stays Linux's.
#pragma once

#include <string>
#include <string_view>

namespace klab {

// The plain sentence for a report's head line (without the "[    0.000013] " time stamp), or
// "" when the line does not start a report (an "Oops:" line continues the report before it).
std::string_view plain_words(std::string_view head_line);

// The first report in console output (lines as the console echoes printk: "[  time] text"):
// its head line and its plain sentence; both empty when there is none.
struct PlainReport {
    std::string head;
    std::string_view plain;
};
PlainReport first_plain_report(std::string_view output);

// A console line's text without its "[    0.000013] " time stamp ("" if it has none).
std::string_view printk_text(std::string_view console_line);

} // namespace klab
