// The console's text filters (filters.h): grep, head, tail and wc over /proc text and pipes.
#include "session/filters.h"

#include <regex.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "lib/text.h"

namespace klab {

namespace {

// The lines of a text; a last line without '\n' still counts, as for grep and head.
std::vector<std::string_view> lines_of(const std::string& text) {
    std::vector<std::string_view> out;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        out.push_back(std::string_view(text).substr(pos, nl - pos));
        pos = nl + 1;
    }
    return out;
}

bool parse_count(const std::string& s, long& n, bool& from_start) {
    size_t i = 0;
    from_start = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) from_start = s[i++] == '+';
    if (i >= s.size() || s.size() - i > 9) return false;
    n = 0;
    for (; i < s.size(); i++) {
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
        n = n * 10 + (s[i] - '0');
    }
    return true;
}

std::string try_help(const std::string& tool) {
    return "Try '" + tool + " --help' for more information.\n";
}

// The inputs of a filter: its FILE arguments, or the pipe (or nothing: a terminal).
struct Inputs {
    std::vector<std::pair<std::string, std::string>> files; // name, text
    bool named = false;                                      // FILE arguments were given
};

Inputs gather(const std::string& tool, const std::vector<std::string>& paths, const std::string* pipe,
              const FileReader& read, FilterResult& r) {
    Inputs in;
    in.named = !paths.empty();
    for (const std::string& p : paths) {
        std::string text;
        if (p == "-" && pipe) {
            in.files.emplace_back("(standard input)", *pipe);
        } else if (read(p, text)) {
            in.files.emplace_back(p, std::move(text));
        } else {
            r.err += tool + ": " + p + ": No such file or directory\n";
            r.status = 2;
        }
    }
    if (!in.named && pipe) in.files.emplace_back("(standard input)", *pipe);
    if (!in.named && !pipe) { // a real shell would wait for the terminal
        r.err += "klab: " + tool + " reads a FILE or a pipe here: " + tool + " ... /proc/meminfo, or cat /proc/meminfo | " +
                 tool + " ...\n";
        r.status = 2;
    }
    return in;
}

// ---------------------------------------------------------------- grep

// GNU grep's message for the common mistakes in a pattern, found before regcomp() sees it: the
// C libraries disagree on the error codes (glibc and musl), and native and wasm must print the
// same. nullptr: none of them. Anything else regcomp() refuses is "Invalid regular expression".
const char* pattern_mistake(const std::string& p, bool extended) {
    int parens = 0;
    // Interval counts multiply when nested (and a C library may expand them into copies): their
    // product is bounded so that no pattern takes long to compile, natively or in wasm.
    uint64_t repeat = 1;
    auto interval = [&](size_t at) { // p[at] is the first character after '{'
        uint64_t n = 0, m = 0;
        bool comma = false, any = false;
        for (size_t j = at; j < p.size() && p[j] != '}' && p[j] != '\\'; j++) {
            if (p[j] == ',') comma = true;
            else if (std::isdigit(static_cast<unsigned char>(p[j]))) {
                uint64_t& v = comma ? m : n;
                v = std::min<uint64_t>(v * 10 + uint64_t(p[j] - '0'), 1u << 20);
                any = true;
            }
        }
        uint64_t bound = std::max<uint64_t>({n, m, 1});
        repeat = std::min<uint64_t>(repeat * bound, 1u << 30);
        return any && (bound > 255 || repeat > 4096);
    };
    for (size_t i = 0; i < p.size(); i++) {
        char c = p[i];
        if (extended && c == '{' && i + 1 < p.size() && std::isdigit(static_cast<unsigned char>(p[i + 1])) &&
            interval(i + 1))
            return "Regular expression too big";
        if (c == '\\') {
            if (++i >= p.size()) return "Trailing backslash";
            // Back-references can make matching exponential: a pattern must not hang the tab.
            if (p[i] >= '1' && p[i] <= '9') return "back-references (\\1 ... \\9) are not supported in the lab";
            if (extended) continue;
            if (p[i] == '(') parens++;
            if (p[i] == ')' && --parens < 0) return "Unmatched ) or \\)";
            if (p[i] == '{' && p.find("\\}", i) == std::string::npos) return "Unmatched \\{";
            if (p[i] == '{' && interval(i + 1)) return "Regular expression too big";
            continue;
        }
        if (c == '[') {
            size_t j = i + 1;
            if (j < p.size() && p[j] == '^') j++;
            if (j < p.size() && p[j] == ']') j++; // a leading ']' is a member
            for (; j < p.size() && p[j] != ']'; j++) {
                if (p[j] == '[' && j + 1 < p.size() && (p[j + 1] == ':' || p[j + 1] == '.' || p[j + 1] == '=')) {
                    size_t end = p.find(std::string(1, p[j + 1]) + "]", j + 2);
                    if (end == std::string::npos) return "Unmatched [, [^, [:, [., or [=";
                    j = end + 1;
                }
            }
            if (j >= p.size()) return "Unmatched [, [^, [:, [., or [=";
            i = j;
            continue;
        }
        if (extended && c == '(') parens++;
        if (extended && c == ')' && --parens < 0) return "Unmatched ) or \\)";
    }
    return parens > 0 ? "Unmatched ( or \\(" : nullptr;
}

struct Regex {
    regex_t re{};
    bool ok = false;
    ~Regex() {
        if (ok) regfree(&re);
    }
};

bool word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

struct GrepOptions {
    bool invert = false, icase = false, count = false, number = false, word = false, whole = false;
    bool extended = false, fixed = false;
    int names = -1; // -1: when there are several files; 0: -h; 1: -H
    std::vector<std::string> patterns;
};

class Matcher {
public:
    explicit Matcher(const GrepOptions& o) : o_(o) {}

    // false: a pattern does not compile (message in err).
    bool compile(std::string& err) {
        for (const std::string& p : o_.patterns) {
            if (o_.fixed) {
                fixed_.push_back(o_.icase ? to_lower(p) : p);
                continue;
            }
            if (const char* why = pattern_mistake(p, o_.extended)) {
                err = std::string("grep: ") + why + "\n";
                return false;
            }
            auto r = std::make_unique<Regex>();
            int flags = (o_.extended ? REG_EXTENDED : 0) | (o_.icase ? REG_ICASE : 0);
            if (regcomp(&r->re, p.c_str(), flags) != 0) {
                err = "grep: Invalid regular expression\n";
                return false;
            }
            r->ok = true;
            res_.push_back(std::move(r));
        }
        return true;
    }

    bool matches(std::string_view line) const {
        std::string l(line);
        if (o_.fixed) {
            std::string hay = o_.icase ? to_lower(l) : l;
            for (const std::string& f : fixed_)
                if (fixed_match(hay, f)) return true;
            return false;
        }
        for (const auto& r : res_)
            if (regex_match(r->re, l)) return true;
        return false;
    }

private:
    bool bounded(const std::string& l, size_t so, size_t eo) const {
        if (o_.whole) return so == 0 && eo == l.size();
        if (o_.word)
            return (so == 0 || !word_char(l[so - 1])) && (eo == l.size() || !word_char(l[eo])) &&
                   eo > so;
        return true;
    }
    bool fixed_match(const std::string& hay, const std::string& f) const {
        if (o_.whole) return hay == f;
        for (size_t p = hay.find(f); p != std::string::npos; p = hay.find(f, p + 1))
            if (bounded(hay, p, p + f.size())) return true;
        return false;
    }
    bool regex_match(const regex_t& re, const std::string& l) const {
        // Leftmost-longest: if the match at a start is not bounded as -w/-x want, try the next start.
        for (size_t start = 0; start <= l.size(); start++) {
            regmatch_t m{};
            if (regexec(&re, l.c_str() + start, 1, &m, start ? REG_NOTBOL : 0) != 0) return false;
            size_t so = start + static_cast<size_t>(m.rm_so), eo = start + static_cast<size_t>(m.rm_eo);
            if (bounded(l, so, eo)) return true;
            if (o_.whole) return false;
            start = so;
        }
        return false;
    }

    const GrepOptions& o_;
    std::vector<std::unique_ptr<Regex>> res_;
    std::vector<std::string> fixed_;
};

std::string grep_usage() {
    return "Usage: grep [OPTION]... PATTERNS [FILE]...\n" + try_help("grep");
}

FilterResult grep(const std::vector<std::string>& argv, const std::string* pipe, const FileReader& read) {
    FilterResult r;
    GrepOptions o;
    std::vector<std::string> rest;
    bool options_done = false;
    for (size_t i = 1; i < argv.size(); i++) {
        const std::string& a = argv[i];
        if (options_done || a.size() < 2 || a[0] != '-') {
            rest.push_back(a);
            continue;
        }
        if (a == "--") {
            options_done = true;
            continue;
        }
        for (size_t j = 1; j < a.size(); j++) {
            switch (a[j]) {
            case 'v': o.invert = true; break;
            case 'i': o.icase = true; break;
            case 'c': o.count = true; break;
            case 'n': o.number = true; break;
            case 'w': o.word = true; break;
            case 'x': o.whole = true; break;
            case 'E': o.extended = true, o.fixed = false; break;
            case 'F': o.fixed = true, o.extended = false; break;
            case 'G': o.fixed = o.extended = false; break;
            case 'h': o.names = 0; break;
            case 'H': o.names = 1; break;
            case 'e':
                if (j + 1 < a.size()) {
                    o.patterns.push_back(a.substr(j + 1));
                } else if (i + 1 < argv.size()) {
                    o.patterns.push_back(argv[++i]);
                } else {
                    r.err = "grep: option requires an argument -- 'e'\n" + grep_usage();
                    r.status = 2;
                    return r;
                }
                j = a.size();
                break;
            default:
                r.err = std::string("grep: invalid option -- '") + a[j] + "'\n" + grep_usage();
                r.status = 2;
                return r;
            }
        }
    }
    if (o.patterns.empty()) {
        if (rest.empty()) {
            r.err = grep_usage();
            r.status = 2;
            return r;
        }
        o.patterns.push_back(rest.front());
        rest.erase(rest.begin());
    }
    Matcher m(o);
    if (!m.compile(r.err)) {
        r.status = 2;
        return r;
    }
    Inputs in = gather("grep", rest, pipe, read, r);
    bool names = o.names == 1 || (o.names == -1 && rest.size() > 1);
    bool any = false;
    for (const auto& [name, text] : in.files) {
        std::string prefix = names ? name + ":" : "";
        size_t n = 0, number = 0;
        for (std::string_view line : lines_of(text)) {
            number++;
            if (m.matches(line) == o.invert) continue;
            n++;
            if (o.count) continue;
            r.out += prefix;
            if (o.number) r.out += std::to_string(number) + ":";
            r.out.append(line.data(), line.size());
            r.out += '\n';
        }
        if (o.count) r.out += prefix + std::to_string(n) + "\n";
        any = any || n > 0;
    }
    if (r.status != 2) r.status = any ? 0 : 1;
    return r;
}

// ---------------------------------------------------------------- head, tail

FilterResult head_tail(const std::vector<std::string>& argv, const std::string* pipe,
                       const FileReader& read, bool head) {
    FilterResult r;
    const std::string tool = head ? "head" : "tail";
    long n = 10;
    bool from_start = false;
    std::vector<std::string> paths;
    for (size_t i = 1; i < argv.size(); i++) {
        const std::string& a = argv[i];
        std::string value;
        if (a == "-n") {
            if (i + 1 >= argv.size()) {
                r.err = tool + ": option requires an argument -- 'n'\n" + try_help(tool);
                r.status = 1;
                return r;
            }
            value = argv[++i];
        } else if (a.size() > 2 && a.compare(0, 2, "-n") == 0) {
            value = a.substr(2);
        } else if (a.size() > 1 && a[0] == '-' && std::isdigit(static_cast<unsigned char>(a[1]))) {
            value = a.substr(1);
        } else if (a.size() > 1 && a[0] == '-') {
            r.err = tool + ": invalid option -- '" + a[1] + "'\n" + try_help(tool);
            r.status = 1;
            return r;
        } else {
            paths.push_back(a);
            continue;
        }
        bool plus = false;
        if (!parse_count(value, n, plus)) {
            r.err = tool + ": invalid number of lines: '" + value + "'\n";
            r.status = 1;
            return r;
        }
        from_start = plus && !head;
    }
    Inputs in = gather(tool, paths, pipe, read, r);
    if (r.status) r.status = 1;
    bool headers = paths.size() > 1;
    bool first = true;
    for (const auto& [name, text] : in.files) {
        if (headers) r.out += std::string(first ? "" : "\n") + "==> " + name + " <==\n";
        first = false;
        std::vector<std::string_view> lines = lines_of(text);
        size_t total = lines.size(), b = 0, e = total, count = static_cast<size_t>(n);
        if (head)
            e = std::min(total, count);
        else if (from_start)
            b = std::min(total, count ? count - 1 : 0);
        else
            b = total > count ? total - count : 0;
        for (size_t i = b; i < e; i++) {
            r.out.append(lines[i].data(), lines[i].size());
            r.out += '\n';
        }
    }
    return r;
}

// ---------------------------------------------------------------- wc

FilterResult wc(const std::vector<std::string>& argv, const std::string* pipe, const FileReader& read) {
    FilterResult r;
    bool l = false, w = false, c = false;
    std::vector<std::string> paths;
    for (size_t i = 1; i < argv.size(); i++) {
        const std::string& a = argv[i];
        if (a.size() > 1 && a[0] == '-') {
            for (size_t j = 1; j < a.size(); j++) {
                if (a[j] == 'l') l = true;
                else if (a[j] == 'w') w = true;
                else if (a[j] == 'c') c = true;
                else {
                    r.err = std::string("wc: invalid option -- '") + a[j] + "'\n" + try_help("wc");
                    r.status = 1;
                    return r;
                }
            }
        } else {
            paths.push_back(a);
        }
    }
    if (!l && !w && !c) l = w = c = true;
    Inputs in = gather("wc", paths, pipe, read, r);
    if (r.status) r.status = 1;
    bool single = (l + w + c) == 1;
    size_t tl = 0, tw = 0, tc = 0;
    auto line = [&](size_t nl, size_t nw, size_t nc, const std::string& name) {
        std::string s;
        auto col = [&](size_t v) {
            std::string t = std::to_string(v);
            if (!single && t.size() < 7) t.insert(0, 7 - t.size(), ' ');
            s += (s.empty() ? "" : " ") + t;
        };
        if (l) col(nl);
        if (w) col(nw);
        if (c) col(nc);
        if (!name.empty()) s += " " + name;
        r.out += s + "\n";
    };
    for (const auto& [name, text] : in.files) {
        size_t nl = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')), nw = 0;
        bool in_word = false;
        for (char ch : text) {
            bool space = std::isspace(static_cast<unsigned char>(ch));
            if (!space && !in_word) nw++;
            in_word = !space;
        }
        tl += nl, tw += nw, tc += text.size();
        line(nl, nw, text.size(), in.named ? name : "");
    }
    if (in.files.size() > 1) line(tl, tw, tc, "total");
    return r;
}

} // namespace

bool is_filter(std::string_view cmd) {
    return cmd == "grep" || cmd == "head" || cmd == "tail" || cmd == "wc";
}

FilterResult run_filter(const std::vector<std::string>& argv, const std::string* input,
                        const FileReader& read) {
    const std::string& cmd = argv.at(0);
    if (cmd == "grep") return grep(argv, input, read);
    if (cmd == "head") return head_tail(argv, input, read, true);
    if (cmd == "tail") return head_tail(argv, input, read, false);
    if (cmd == "wc") return wc(argv, input, read);
    FilterResult r;
    r.err = "klab: " + cmd + ": not a filter\n";
    r.status = 127;
    return r;
}

std::vector<std::string> split_pipeline(std::string_view line) {
    std::vector<std::string> out(1);
    char quote = 0;
    for (char c : line) {
        if (quote) {
            if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '|') {
            out.emplace_back();
            continue;
        }
        out.back() += c;
    }
    return out;
}

} // namespace klab
