// Formatting of KernelC compile errors (see diag.h).
#include "kc/diag.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace klab::kc {

static std::string_view line_of(const std::string& text, uint32_t offset) {
    size_t off = std::min<size_t>(offset, text.size());
    size_t begin = 0;
    for (size_t i = off; i > 0; i--)
        if (text[i - 1] == '\n') {
            begin = i;
            break;
        }
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    return std::string_view(text).substr(begin, end - begin);
}

std::string format_diagnostic(const Source& src, Loc loc, std::string_view message,
                              std::string_view hint) {
    std::string out = src.name + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col) +
                      ": error: " + std::string(message) + "\n";
    std::string_view line = line_of(src.text, loc.offset);
    out += "  " + std::string(line) + "\n  ";
    // Tabs are kept in the caret line so the caret lines up under the same column.
    for (uint32_t i = 0; i + 1 < loc.col && i < line.size(); i++)
        out += line[i] == '\t' ? '\t' : ' ';
    out += "^\n";
    if (!hint.empty())
        out += src.name + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col) +
               ": note: " + std::string(hint) + "\n";
    return out;
}

uint32_t name_distance(std::string_view a, std::string_view b) {
    auto lower = [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    };
    if (a.size() > 64 || b.size() > 64) return 1000;
    std::vector<uint32_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); j++) prev[j] = static_cast<uint32_t>(j);
    for (size_t i = 1; i <= a.size(); i++) {
        cur[0] = static_cast<uint32_t>(i);
        for (size_t j = 1; j <= b.size(); j++) {
            uint32_t sub = prev[j - 1] + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

} // namespace klab::kc
