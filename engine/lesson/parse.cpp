// Lesson files -> Lesson (format: lessons/README.md). The header block is read line by line;
// the rest goes through md4c (markdown.cpp), whose top-level blocks give the structure: a
// `## Step N: title` heading starts a step, fenced setup/goal/solution/predict blocks are for
// the machine, `> **Hint:**` quotes are hints, `### Explanation` starts the explanation, and
// everything else is prose, kept as the Markdown source it was written in.
#include <algorithm>
#include <cctype>

#include "lesson/lesson.h"
#include "lesson/markdown.h"

namespace klab {

namespace {

std::string trim(std::string_view s) {
    size_t a = 0, b = s.size();
    while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) a++;
    while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) b--;
    return std::string(s.substr(a, b - a));
}

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start <= text.size()) {
        size_t nl = text.find('\n', start);
        if (nl == std::string_view::npos) nl = text.size();
        std::string l(text.substr(start, nl - start));
        if (!l.empty() && l.back() == '\r') l.pop_back();
        lines.push_back(std::move(l));
        start = nl + 1;
    }
    return lines;
}

// The boot parameters the model reads (slab/slab_common.cpp slab_boot(), printk/pointer.cpp);
// a lesson naming another one is almost always a typo, which Linux would only mention in dmesg
// ("Unknown kernel command line parameters"). `number`: the value must be a decimal number.
struct CmdlineParam {
    const char* name;
    bool value;  // takes "=VALUE"
    bool number; // ... and it is a number
    bool bare;   // may appear without a value
};
constexpr CmdlineParam kCmdlineParams[] = {
    {"slab_nomerge", false, false, true},   {"slab_merge", false, false, true},
    {"slub_min_order", true, true, false},  {"slub_max_order", true, true, false},
    {"slub_min_objects", true, true, false}, {"slub_debug", true, false, true},
    {"no_hash_pointers", false, false, true},
};
constexpr size_t kCommandLineSize = 2048; // arch/x86/include/uapi/asm/setup.h COMMAND_LINE_SIZE

struct Parser {
    std::string_view text;
    std::string file;
    std::vector<std::string> lines; // lines[0] is line 1
    Lesson lesson;
    bool have_preset = false;

    Error err(uint32_t line, const std::string& msg) const {
        return Error{file + ":" + std::to_string(line) + ": " + msg};
    }

    // Lines [first, end) of the file, joined, without leading/trailing blank lines.
    std::string slice(uint32_t first, uint32_t end) const {
        std::string out;
        for (uint32_t l = first; l < end && l <= lines.size(); l++) out += lines[l - 1] + "\n";
        size_t a = out.find_first_not_of('\n');
        if (a == std::string::npos) return "";
        size_t b = out.find_last_not_of(" \t\n");
        return out.substr(a, b - a + 1) + "\n";
    }

    Result<uint32_t> header();
    Result<void> header_field(uint32_t line, const std::string& key, const std::string& value);
    Result<void> check_cmdline(uint32_t line, const std::string& value) const;
    Result<void> check_view(uint32_t line, const std::string& value) const;
    Result<void> body(uint32_t first_line);
    Result<void> machine_block(LessonStep& step, const MdBlock& b);
    Result<void> goal_block(LessonStep& step, const MdBlock& b);
    Result<void> predict_block(LessonStep& step, const MdBlock& b);
};

Result<uint32_t> Parser::header() {
    if (lines.empty() || trim(lines[0]) != "---")
        return err(1, "a lesson starts with a header block: a line '---', 'key: value' lines "
                      "(id, title, preset, ...), and a closing '---'");
    for (uint32_t i = 2; i <= lines.size() && trim(lines[i - 1]) != "---"; i++) {
        std::string line = trim(lines[i - 1]);
        if (line.rfind("preset:", 0) != 0) continue;
        auto a = parse_arch(trim(line.substr(7)));
        if (a.ok()) lesson.machine = MachineConfig::preset(a.value());
    }
    uint32_t l = 2;
    for (; l <= lines.size(); l++) {
        std::string line = trim(lines[l - 1]);
        if (line == "---") break;
        if (line.empty() || line[0] == '#') continue;
        size_t colon = line.find(':');
        if (colon == std::string::npos)
            return err(l, "expected 'key: value' in the header block, found '" + line + "'");
        KLAB_TRY(header_field(l, trim(line.substr(0, colon)), trim(line.substr(colon + 1))));
    }
    if (l > lines.size()) return err(1, "the header block has no closing '---'");
    if (lesson.id.empty()) return err(1, "the header block needs an 'id'");
    if (lesson.title.empty()) return err(1, "the header block needs a 'title'");
    if (!have_preset) return err(1, "the header block needs a 'preset' (i386 or x86_64)");
    auto v = lesson.machine.validate();
    if (!v.ok()) return err(1, v.error().message);
    return l + 1;
}

Result<void> Parser::check_view(uint32_t l, const std::string& value) const {
    std::string known;
    for (const std::string& v : lesson_view_names()) {
        if (v == value) return {};
        known += (known.empty() ? "" : ", ") + v;
    }
    return err(l, "unknown view '" + value + "' (views: " + known + ")");
}

Result<void> Parser::check_cmdline(uint32_t l, const std::string& value) const {
    if (value.size() >= kCommandLineSize)
        return err(l, "cmdline is longer than the kernel's " + std::to_string(kCommandLineSize - 1) +
                          " characters");
    for (char c : value)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
            return err(l, "cmdline may hold only printable ASCII characters");
    std::string known;
    for (const CmdlineParam& p : kCmdlineParams) known += std::string(known.empty() ? "" : ", ") + p.name;
    size_t pos = 0;
    while (pos < value.size()) {
        while (pos < value.size() && value[pos] == ' ') pos++;
        size_t end = value.find(' ', pos);
        if (end == std::string::npos) end = value.size();
        if (end == pos) break;
        std::string word = value.substr(pos, end - pos), key = word, val;
        size_t eq = word.find('=');
        if (eq != std::string::npos) key = word.substr(0, eq), val = word.substr(eq + 1);
        const CmdlineParam* p = nullptr;
        for (const CmdlineParam& q : kCmdlineParams)
            if (key == q.name) p = &q;
        if (!p)
            return err(l, "cmdline: the model does not read the boot parameter '" + key +
                              "' (it reads " + known + ")");
        if (eq == std::string::npos && !p->bare)
            return err(l, "cmdline: '" + key + "' needs a value ('" + key + "=N')");
        if (eq != std::string::npos && !p->value)
            return err(l, "cmdline: '" + key + "' takes no value");
        if (p->number && (val.empty() || val.size() > 9 ||
                          !std::all_of(val.begin(), val.end(), [](char c) { return c >= '0' && c <= '9'; })))
            return err(l, "cmdline: '" + key + "' needs a number, found '" + val + "'");
        pos = end;
    }
    return {};
}

Result<void> Parser::header_field(uint32_t l, const std::string& key, const std::string& value) {
    if (key == "id") {
        bool good = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
            return std::islower(static_cast<unsigned char>(c)) ||
                   std::isdigit(static_cast<unsigned char>(c)) || c == '-';
        });
        if (!good) return err(l, "id '" + value + "' must be lower-case letters, digits and '-'");
        lesson.id = value;
    } else if (key == "title") {
        lesson.title = value;
    } else if (key == "preset") {
        // Applied before the other keys (see header()), so mem/cpus may come first.
        auto a = parse_arch(value);
        if (!a.ok()) return err(l, a.error().message);
        have_preset = true;
    } else if (key == "mem") {
        auto m = parse_mem_size(value);
        if (!m.ok()) return err(l, m.error().message);
        lesson.machine.mem_bytes = m.value();
    } else if (key == "cpus" || key == "minutes" || key == "seed") {
        if (value.empty() || value.size() > 9 ||
            !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return err(l, key + " must be a number, found '" + value + "'");
        uint32_t n = static_cast<uint32_t>(std::stoul(value));
        if (key == "cpus") lesson.machine.nr_cpus = n;
        else if (key == "seed") lesson.machine.seed = n;
        else lesson.minutes = n;
    } else if (key == "allocator") {
        auto a = parse_allocator(value);
        if (!a.ok()) return err(l, a.error().message);
        lesson.machine.allocator = a.value();
    } else if (key == "view") {
        KLAB_TRY(check_view(l, value));
        lesson.view = value;
    } else if (key == "cmdline") {
        KLAB_TRY(check_cmdline(l, value));
        lesson.machine.cmdline = value;
    } else if (key == "prerequisites") {
        std::string v = value;
        if (v.size() >= 2 && v.front() == '[' && v.back() == ']') v = v.substr(1, v.size() - 2);
        size_t start = 0;
        while (start <= v.size()) {
            size_t comma = v.find(',', start);
            if (comma == std::string::npos) comma = v.size();
            std::string p = trim(std::string_view(v).substr(start, comma - start));
            if (!p.empty()) lesson.prerequisites.push_back(p);
            start = comma + 1;
        }
    } else {
        return err(l, "unknown header key '" + key +
                          "' (known: id, title, preset, mem, cpus, allocator, cmdline, seed, "
                          "minutes, prerequisites, view)");
    }
    return {};
}

// "Step 3: Free it" -> 3, "Free it"
bool step_heading(const std::string& h, uint32_t& n, std::string& title) {
    if (h.rfind("Step ", 0) != 0) return false;
    size_t i = 5, digits = 0;
    n = 0;
    while (i < h.size() && std::isdigit(static_cast<unsigned char>(h[i])) && digits < 4)
        n = n * 10 + uint32_t(h[i++] - '0'), digits++;
    if (!digits || i >= h.size() || h[i] != ':') return false;
    title = trim(std::string_view(h).substr(i + 1));
    return !title.empty();
}

bool is_hint(const MdDoc& d, const MdTop& t) {
    if (t.first_block >= t.end_block) return false;
    const MdBlock& b = d.blocks[t.first_block];
    if (b.quote_depth == 0 || b.kind != MdKind::Paragraph || b.spans.empty()) return false;
    return b.spans[0].strong && trim(b.spans[0].text) == "Hint:";
}

Result<void> Parser::body(uint32_t first_line) {
    std::string_view rest = text;
    for (uint32_t l = 1; l < first_line && !rest.empty(); l++) {
        size_t nl = rest.find('\n');
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    }
    auto doc = parse_markdown(rest, first_line);
    if (!doc.ok()) return err(first_line, doc.error().message);
    const MdDoc& d = doc.value();
    LessonStep* step = nullptr;
    bool in_explanation = false;
    for (const MdTop& t : d.tops) {
        if (t.first_block >= t.end_block) continue;
        const MdBlock& b = d.blocks[t.first_block];
        uint32_t line = t.first_line ? t.first_line : first_line;
        if (b.kind == MdKind::Heading && b.level <= 2) {
            uint32_t n = 0;
            std::string title;
            if (b.level == 1) {
                if (step) return err(line, "a '# ' heading inside a step; steps use '## Step N: title'");
                continue; // the lesson's title, shown from the header
            }
            if (!step_heading(trim(b.plain()), n, title))
                return err(line, "a '## ' heading must read 'Step N: title', found '" +
                                     trim(b.plain()) + "'");
            if (n != lesson.steps.size() + 1)
                return err(line, "expected Step " + std::to_string(lesson.steps.size() + 1) +
                                     ", found Step " + std::to_string(n));
            lesson.steps.emplace_back();
            step = &lesson.steps.back();
            step->number = n;
            step->title = title;
            step->line = line;
            in_explanation = false;
            continue;
        }
        if (b.kind == MdKind::Heading && b.level == 3 && trim(b.plain()) == "Explanation") {
            if (!step) return err(line, "'### Explanation' before the first step");
            if (!step->explanation.empty()) return err(line, "a second '### Explanation' in Step " + std::to_string(step->number));
            in_explanation = true;
            continue;
        }
        if (b.kind == MdKind::Code && (b.lang == "setup" || b.lang == "goal" ||
                                       b.lang == "solution" || b.lang == "predict" ||
                                       b.lang == "view")) {
            if (!step)
                return err(line, "a ```" + b.lang + " block before the first '## Step N: title'");
            KLAB_TRY(machine_block(*step, b));
            continue;
        }
        if (is_hint(d, t)) {
            if (!step) return err(line, "a hint before the first step");
            std::string h;
            for (uint32_t l = t.first_line; l < t.end_line && l <= lines.size(); l++) {
                std::string s = lines[l - 1];
                size_t i = 0;
                while (i < s.size() && (s[i] == ' ' || s[i] == '>')) {
                    if (s[i] == '>') {
                        i++;
                        if (i < s.size() && s[i] == ' ') i++;
                        break;
                    }
                    i++;
                }
                h += s.substr(i) + "\n";
            }
            size_t at = h.find("**Hint:**");
            if (at != std::string::npos) h.erase(0, at + 9);
            h = trim(h);
            if (h.empty()) return err(line, "an empty hint");
            step->hints.push_back(h);
            continue;
        }
        // A block without text (a rule) has no line of its own; the block before it took its
        // lines into its own range.
        if (!t.first_line) continue;
        std::string text = slice(t.first_line, t.end_line);
        std::string& target = !step ? lesson.introduction
                              : in_explanation ? step->explanation
                                               : step->prose;
        if (!target.empty() && !text.empty()) target += "\n";
        target += text;
    }
    if (lesson.steps.empty())
        return err(static_cast<uint32_t>(lines.size()), "the lesson has no '## Step 1: title'");
    return {};
}

Result<void> Parser::machine_block(LessonStep& step, const MdBlock& b) {
    uint32_t text_line = b.line + 1; // the block's text starts after the fence
    auto once = [&](bool taken) -> Result<void> {
        if (taken)
            return err(b.line, "Step " + std::to_string(step.number) + " has a second ```" +
                                   b.lang + " block");
        return {};
    };
    if (b.lang == "setup") {
        KLAB_TRY(once(!step.setup.empty()));
        step.setup = b.code;
        step.setup_line = text_line;
    } else if (b.lang == "solution") {
        KLAB_TRY(once(!step.solution.empty()));
        step.solution = b.code;
        step.solution_line = text_line;
    } else if (b.lang == "view") {
        KLAB_TRY(once(!step.view.empty()));
        std::string v = trim(b.code);
        KLAB_TRY(check_view(text_line, v));
        step.view = v;
    } else if (b.lang == "goal") {
        KLAB_TRY(once(!step.goal.empty()));
        KLAB_TRY(goal_block(step, b));
    } else {
        KLAB_TRY(once(step.has_predict));
        KLAB_TRY(predict_block(step, b));
    }
    return {};
}

Result<void> Parser::goal_block(LessonStep& step, const MdBlock& b) {
    std::vector<std::string> ls = split_lines(b.code);
    std::string expr;
    uint32_t expr_line = 0;
    for (size_t i = 0; i < ls.size(); i++) {
        std::string l = trim(ls[i]);
        uint32_t line = b.line + 1 + static_cast<uint32_t>(i);
        if (l.empty() || l.rfind("//", 0) == 0) continue;
        if (l.rfind("let ", 0) == 0 && expr.empty()) {
            size_t eq = l.find('=');
            std::string name = trim(l.substr(4, eq == std::string::npos ? 0 : eq - 4));
            std::string value = eq == std::string::npos ? "" : trim(l.substr(eq + 1));
            if (!value.empty() && value.back() == ';') value = trim(value.substr(0, value.size() - 1));
            bool ident = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) &&
                         std::all_of(name.begin(), name.end(), [](char c) {
                             return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                         });
            if (!ident || value.empty())
                return err(line, "expected 'let NAME = EXPRESSION;' in the ```goal block");
            step.captures.push_back(GoalCapture{name, value});
            continue;
        }
        if (expr.empty()) expr_line = line;
        expr += (expr.empty() ? "" : "\n") + ls[i];
    }
    expr = trim(expr);
    while (!expr.empty() && expr.back() == ';') expr = trim(expr.substr(0, expr.size() - 1));
    if (expr.empty()) return err(b.line, "the ```goal block has no expression");
    step.goal = expr;
    step.goal_line = expr_line;
    return {};
}

Result<void> Parser::predict_block(LessonStep& step, const MdBlock& b) {
    std::vector<std::string> ls = split_lines(b.code);
    Predict p;
    p.line = b.line;
    bool have_kind = false;
    for (size_t i = 0; i < ls.size(); i++) {
        std::string l = trim(ls[i]);
        uint32_t line = b.line + 1 + static_cast<uint32_t>(i);
        if (l.empty()) continue;
        size_t colon = l.find(':');
        if (colon == std::string::npos)
            return err(line, "expected 'question:', 'answer:', 'choices:' or 'expect:' in the "
                             "```predict block");
        std::string key = trim(l.substr(0, colon)), value = trim(l.substr(colon + 1));
        if (key == "question") {
            p.question = value;
        } else if (key == "answer") {
            if (value != "number" && value != "choice")
                return err(line, "answer must be 'number' or 'choice', found '" + value + "'");
            p.kind = value == "number" ? Predict::Kind::Number : Predict::Kind::Choice;
            have_kind = true;
        } else if (key == "choices") {
            size_t start = 0;
            while (start <= value.size()) {
                size_t bar = value.find('|', start);
                if (bar == std::string::npos) bar = value.size();
                std::string c = trim(std::string_view(value).substr(start, bar - start));
                if (c.empty()) return err(line, "an empty choice in 'choices:'");
                p.choices.push_back(c);
                start = bar + 1;
            }
        } else if (key == "expect") {
            p.expect = value;
            while (!p.expect.empty() && p.expect.back() == ';') p.expect.pop_back();
        } else {
            return err(line, "unknown key '" + key + "' in the ```predict block");
        }
    }
    if (p.question.empty()) return err(b.line, "the ```predict block needs a 'question:'");
    if (!have_kind) return err(b.line, "the ```predict block needs 'answer: number' or 'answer: choice'");
    if (p.expect.empty()) return err(b.line, "the ```predict block needs an 'expect:' expression");
    if (p.kind == Predict::Kind::Choice && p.choices.size() < 2)
        return err(b.line, "'answer: choice' needs 'choices: A | B | ...' with two or more choices");
    if (p.kind == Predict::Kind::Number && !p.choices.empty())
        return err(b.line, "'choices:' belongs to 'answer: choice'");
    step.has_predict = true;
    step.predict = std::move(p);
    return {};
}

} // namespace

const std::vector<std::string>& lesson_view_names() {
    static const std::vector<std::string> names = {"console", "log",  "zones", "page-map", "trace",
                                                   "machine", "slab", "vm",    "modules"};
    return names;
}

Result<Lesson> parse_lesson(std::string_view text, std::string_view file) {
    Parser p;
    p.text = text;
    p.file = std::string(file);
    p.lines = split_lines(text);
    p.lesson.file = p.file;
    p.lesson.machine = MachineConfig::preset(Arch::x86_64);
    auto body_line = p.header();
    KLAB_TRY(body_line);
    KLAB_TRY(p.body(body_line.value()));
    return std::move(p.lesson);
}

} // namespace klab
