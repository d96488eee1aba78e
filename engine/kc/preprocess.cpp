// Macro expansion with per-token "hide sets" (a macro is not re-expanded inside its own
// expansion), bounded so that a self-multiplying macro is an error, not a hang.
#include "kc/preprocess.h"

#include <algorithm>

namespace klab::kc {

namespace {

constexpr uint32_t kMaxExpansionSteps = 200000;
constexpr uint32_t kMaxOutputTokens = 400000;

struct PPToken {
    Token tok;
    std::vector<std::string> hide;
};

class Preprocessor {
public:
    Preprocessor(const Source& src, MacroTable& macros) : src_(src), macros_(macros) {}

    Result<std::vector<Token>> run(const std::vector<Token>& raw) {
        std::vector<Token> segment;
        size_t i = 0;
        while (i < raw.size()) {
            const Token& t = raw[i];
            if (t.kind == Tok::Directive) {
                KLAB_TRY(expand_segment(segment));
                segment.clear();
                std::vector<Token> line;
                size_t j = i + 1;
                while (j < raw.size() && raw[j].kind != Tok::DirectiveEnd &&
                       raw[j].kind != Tok::End)
                    line.push_back(raw[j++]);
                KLAB_TRY(directive(t, line));
                i = j < raw.size() && raw[j].kind == Tok::DirectiveEnd ? j + 1 : j;
                continue;
            }
            if (t.kind == Tok::End) break;
            if (!skipping()) segment.push_back(t);
            i++;
        }
        KLAB_TRY(expand_segment(segment));
        if (!conds_.empty())
            return diag_error(src_, conds_.back().loc, "unterminated conditional directive");
        Token end;
        end.loc = raw.empty() ? Loc{} : raw.back().loc;
        out_.push_back(end);
        return std::move(out_);
    }

private:
    struct Cond {
        Loc loc;
        bool taking; // this branch's tokens are kept
        bool parent_taking;
        bool taken_any;
    };
    const Source& src_;
    MacroTable& macros_;
    std::vector<Token> out_;
    std::vector<Cond> conds_;
    uint32_t steps_ = 0;

    bool skipping() const { return !conds_.empty() && !conds_.back().taking; }

    Result<void> directive(const Token& hash, const std::vector<Token>& line) {
        if (line.empty()) return {}; // the null directive
        const Token& name = line[0];
        const std::string& d = name.text;
        if (d == "ifdef" || d == "ifndef" || d == "if") {
            bool value = false;
            if (!skipping()) {
                if (d == "if") {
                    KLAB_TRY(eval_if(line, value));
                } else {
                    if (line.size() < 2 || line[1].kind != Tok::Ident)
                        return diag_error(src_, name.loc, "macro name missing");
                    value = macros_.count(line[1].text) != 0;
                    if (d == "ifndef") value = !value;
                }
            }
            bool parent = !skipping();
            conds_.push_back(Cond{hash.loc, parent && value, parent, value});
            return {};
        }
        if (d == "else" || d == "elif" || d == "endif") {
            if (conds_.empty()) return diag_error(src_, name.loc, "#" + d + " without #if");
            Cond& c = conds_.back();
            if (d == "endif") {
                conds_.pop_back();
            } else if (d == "else") {
                c.taking = c.parent_taking && !c.taken_any;
                c.taken_any = true;
            } else {
                bool value = false;
                if (c.parent_taking && !c.taken_any) KLAB_TRY(eval_if(line, value));
                c.taking = c.parent_taking && !c.taken_any && value;
                c.taken_any = c.taken_any || value;
            }
            return {};
        }
        if (skipping()) return {};
        if (d == "include" || d == "pragma") return {};
        if (d == "define") return define(name, line);
        if (d == "undef") {
            if (line.size() < 2 || line[1].kind != Tok::Ident)
                return diag_error(src_, name.loc, "macro name missing");
            macros_.erase(line[1].text);
            return {};
        }
        if (d == "error") return diag_error(src_, name.loc, "#error");
        return diag_error(src_, name.loc, "invalid preprocessing directive #" + d);
    }

    Result<void> eval_if(const std::vector<Token>& line, bool& value) {
        bool negate = false;
        size_t i = 1;
        while (i < line.size() && line[i].is("!")) {
            negate = !negate;
            i++;
        }
        if (i < line.size() && line[i].kind == Tok::Int && i + 1 == line.size()) {
            value = line[i].value != 0;
        } else if (i < line.size() && line[i].is_ident("defined")) {
            size_t j = i + 1;
            bool paren = j < line.size() && line[j].is("(");
            if (paren) j++;
            if (j >= line.size() || line[j].kind != Tok::Ident)
                return diag_error(src_, line[i].loc, "macro name missing");
            value = macros_.count(line[j].text) != 0;
        } else {
            return diag_error(src_, line[0].loc,
                              "KernelC's #if understands only a number, defined(NAME) and !");
        }
        if (negate) value = !value;
        return {};
    }

    Result<void> define(const Token& d, const std::vector<Token>& line) {
        if (line.size() < 2 || line[1].kind != Tok::Ident)
            return diag_error(src_, line.size() < 2 ? d.loc : line[1].loc, "macro name missing");
        Macro m;
        size_t i = 2;
        // Function-like only when '(' follows the name with no space in between.
        if (i < line.size() && line[i].is("(") &&
            line[i].loc.offset == line[1].loc.offset + line[1].text.size()) {
            m.function_like = true;
            i++;
            while (i < line.size() && !line[i].is(")")) {
                if (line[i].is("...")) {
                    m.variadic = true;
                } else if (line[i].kind == Tok::Ident) {
                    m.params.push_back(line[i].text);
                } else if (!line[i].is(",")) {
                    return diag_error(src_, line[i].loc,
                                      "expected parameter name in macro parameter list");
                }
                i++;
            }
            if (i >= line.size())
                return diag_error(src_, line[1].loc, "missing ')' in macro parameter list");
            i++;
        }
        m.body.assign(line.begin() + static_cast<long>(i), line.end());
        macros_[line[1].text] = std::move(m);
        return {};
    }

    Result<void> expand_segment(const std::vector<Token>& seg) {
        // work holds the tokens still to scan, in reverse order (back() is next).
        std::vector<PPToken> work;
        work.reserve(seg.size());
        for (auto it = seg.rbegin(); it != seg.rend(); ++it) work.push_back(PPToken{*it, {}});
        while (!work.empty()) {
            PPToken t = std::move(work.back());
            work.pop_back();
            auto m = t.tok.kind == Tok::Ident ? macros_.find(t.tok.text) : macros_.end();
            bool hidden = m != macros_.end() &&
                          std::find(t.hide.begin(), t.hide.end(), t.tok.text) != t.hide.end();
            if (m == macros_.end() || hidden ||
                (m->second.function_like && (work.empty() || !work.back().tok.is("(")))) {
                if (out_.size() >= kMaxOutputTokens)
                    return diag_error(src_, t.tok.loc, "program too large after macro expansion");
                out_.push_back(std::move(t.tok));
                continue;
            }
            if (++steps_ > kMaxExpansionSteps)
                return diag_error(src_, t.tok.loc,
                                  "macro expansion does not terminate (too many steps)");
            std::vector<std::vector<PPToken>> args;
            if (m->second.function_like) KLAB_TRY(collect_args(t.tok, m->second, work, args));
            std::vector<PPToken> result;
            KLAB_TRY(substitute(t, m->second, args, result));
            for (auto it = result.rbegin(); it != result.rend(); ++it)
                work.push_back(std::move(*it));
        }
        return {};
    }

    Result<void> collect_args(const Token& name, const Macro& m, std::vector<PPToken>& work,
                              std::vector<std::vector<PPToken>>& args) {
        work.pop_back(); // '('
        int depth = 0;
        args.emplace_back();
        while (true) {
            if (work.empty())
                return diag_error(src_, name.loc,
                                  "unterminated argument list invoking macro '" + name.text + "'");
            PPToken a = std::move(work.back());
            work.pop_back();
            if (a.tok.is("(")) depth++;
            if (a.tok.is(")")) {
                if (depth == 0) break;
                depth--;
            }
            // Commas split arguments, except inside parentheses and in the variadic tail.
            if (a.tok.is(",") && depth == 0 && !(m.variadic && args.size() > m.params.size())) {
                args.emplace_back();
                continue;
            }
            args.back().push_back(std::move(a));
        }
        if (args.size() == 1 && args[0].empty() && m.params.empty()) args.clear();
        size_t want = m.params.size();
        if (args.size() < want || (args.size() > want && !m.variadic))
            return diag_error(src_, name.loc,
                              "macro '" + name.text + "' passed " + std::to_string(args.size()) +
                                  " arguments, but takes " + std::to_string(want));
        if (m.variadic && args.size() == want) args.emplace_back();
        return {};
    }

    // Which argument a body identifier names, or -1.
    static int param_index(const Macro& m, const Token& t) {
        if (t.kind != Tok::Ident) return -1;
        if (m.variadic && t.text == "__VA_ARGS__") return static_cast<int>(m.params.size());
        for (size_t i = 0; i < m.params.size(); i++)
            if (m.params[i] == t.text) return static_cast<int>(i);
        return -1;
    }

    Result<void> substitute(const PPToken& call, const Macro& m,
                            const std::vector<std::vector<PPToken>>& args,
                            std::vector<PPToken>& out) {
        std::vector<std::string> hide = call.hide;
        hide.push_back(call.tok.text);
        auto emit = [&](Token t) {
            t.loc = call.tok.loc; // errors in expanded text point at the macro use
            out.push_back(PPToken{std::move(t), hide});
        };
        const auto& body = m.body;
        for (size_t i = 0; i < body.size(); i++) {
            const Token& b = body[i];
            int p = m.function_like ? param_index(m, b) : -1;
            if (m.function_like && b.is("#") && i + 1 < body.size() &&
                param_index(m, body[i + 1]) >= 0) {
                Token s;
                s.kind = Tok::String;
                for (const auto& a : args[param_index(m, body[i + 1])]) {
                    if (!s.text.empty()) s.text += ' ';
                    s.text += spell(a.tok);
                }
                emit(s);
                i++;
            } else if (b.is("##") && i + 1 < body.size()) {
                int q = param_index(m, body[i + 1]);
                // GNU extension: ", ## __VA_ARGS__" drops the comma when no variadic args.
                if (q == static_cast<int>(m.params.size()) && m.variadic) {
                    if (args[q].empty() && !out.empty() && out.back().tok.is(",")) out.pop_back();
                    for (const auto& a : args[q]) emit(a.tok);
                } else {
                    if (out.empty())
                        return diag_error(src_, b.loc,
                                          "'##' cannot appear at either end of a macro expansion");
                    std::string rhs = q >= 0 ? (args[q].empty() ? "" : spell(args[q][0].tok))
                                             : spell(body[i + 1]);
                    Token& lhs = out.back().tok;
                    lhs.text += rhs;
                    if (lhs.kind == Tok::Int) lhs.kind = Tok::Ident; // pasted names only
                    if (q >= 0)
                        for (size_t k = 1; k < args[q].size(); k++) emit(args[q][k].tok);
                }
                i++;
            } else if (p >= 0) {
                for (const auto& a : args[p]) out.push_back(PPToken{a.tok, a.hide});
            } else {
                emit(b);
            }
        }
        return {};
    }
};

} // namespace

Result<std::vector<Token>> preprocess(const Source& src, const std::vector<Token>& raw,
                                      MacroTable& macros) {
    return Preprocessor(src, macros).run(raw);
}

} // namespace klab::kc
