// Console tab completion (see complete.h).
#include "session/complete.h"

#include <algorithm>
#include <cctype>

#include "proc/proc.h"
#include "session/shell.h"
#include "session/state.h"

namespace klab {

namespace {

bool ident_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

bool offered(std::string_view name, std::string_view prefix) {
    if (name.size() < prefix.size() || name.substr(0, prefix.size()) != prefix) return false;
    return prefix.rfind('_', 0) == 0 || name.rfind('_', 0) != 0;
}

template <typename Map>
void add_keys(const Map& m, std::string_view prefix, std::vector<std::string>& out) {
    for (auto it = m.lower_bound(std::string(prefix)); it != m.end(); ++it) {
        if (it->first.compare(0, prefix.size(), prefix) != 0) break;
        if (offered(it->first, prefix)) out.push_back(it->first);
    }
}

} // namespace

const std::vector<std::string_view>& shell_words() {
    static const std::vector<std::string_view> words = [] {
        std::vector<std::string_view> w;
        for (const ShellCommand& c : shell_commands()) w.push_back(c.name);
        std::sort(w.begin(), w.end());
        return w;
    }();
    return words;
}

std::string Completion::common_prefix() const {
    if (candidates.empty()) return "";
    std::string p = candidates.front();
    for (const std::string& c : candidates) {
        size_t n = 0;
        while (n < p.size() && n < c.size() && p[n] == c[n]) n++;
        p.resize(n);
    }
    return p;
}

namespace {
// A line that starts with a shell word (a '|' in it is a pipe, not C's or).
bool is_shell_line(std::string_view line) {
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string_view::npos) return false;
    size_t e = line.find_first_of(" \t|", b);
    std::string_view w = line.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b);
    return find_shell_command(w) != nullptr;
}
} // namespace

Completion complete(const SessionState& st, std::string_view line, size_t cursor) {
    cursor = std::min(cursor, line.size());
    // In a pipeline, the stage under the cursor: "cat /proc/meminfo | gr" completes "grep".
    size_t bar = line.substr(0, cursor).rfind('|');
    if (bar != std::string_view::npos && is_shell_line(line)) {
        Completion c = complete(st, line.substr(bar + 1), cursor - bar - 1);
        c.start += bar + 1;
        return c;
    }
    Completion r;
    std::string_view before = line.substr(0, cursor);

    // The first word and where the word under the cursor starts (paths include '/' and '.').
    size_t lead = before.find_first_not_of(" \t");
    size_t first_end = lead == std::string_view::npos ? cursor : lead;
    while (first_end < cursor && !std::isspace(static_cast<unsigned char>(before[first_end])))
        first_end++;
    std::string_view first =
        lead == std::string_view::npos ? std::string_view() : before.substr(lead, first_end - lead);
    // /proc paths: as the command's row says (any argument of cat; an argument of a filter
    // that starts with '/').
    size_t word = cursor;
    while (word > 0 && !std::isspace(static_cast<unsigned char>(before[word - 1]))) word--;
    const ShellCommand* cmd = find_shell_command(first);
    ShellArgs args = cmd ? cmd->args : ShellArgs::none;
    bool path_context = first_end < cursor &&
                        (args == ShellArgs::files ||
                         (args == ShellArgs::files_or_words && word < cursor && before[word] == '/'));

    size_t start = cursor;
    if (path_context) {
        while (start > 0 && !std::isspace(static_cast<unsigned char>(before[start - 1]))) start--;
    } else {
        while (start > 0 && ident_char(before[start - 1])) start--;
    }
    r.start = start;
    std::string_view prefix = before.substr(start);

    std::vector<std::string>& out = r.candidates;
    if (path_context) {
        for (std::string_view p : proc_paths()) {
            // "cat buddy" completes the name below /proc as well as the whole path.
            if (p.substr(0, prefix.size()) == prefix)
                out.emplace_back(p);
            else if (!prefix.empty() && prefix[0] != '/' && p.substr(6, prefix.size()) == prefix)
                out.emplace_back(p.substr(6));
        }
    } else {
        if (prefix.empty() && start > 0 &&
            std::isdigit(static_cast<unsigned char>(before[start - 1])))
            return r;
        bool first_word = lead == std::string_view::npos || start == lead;
        if (first_word)
            for (std::string_view w : shell_words())
                if (w.substr(0, prefix.size()) == prefix) out.emplace_back(w);
        if (!prefix.empty() && std::isdigit(static_cast<unsigned char>(prefix[0]))) return r;
        const kc::Program& p = st.prog;
        add_keys(p.builtin_index, prefix, out);
        add_keys(p.constants, prefix, out);
        add_keys(p.macros, prefix, out);
        add_keys(p.typedefs, prefix, out);
        add_keys(p.function_index, prefix, out);
        add_keys(p.globals, prefix, out);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return r;
}

} // namespace klab
