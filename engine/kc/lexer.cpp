// The KernelC lexer (C11 lexical rules minus floating point, trigraphs and wide strings,
// which kernel code does not use).
#include "kc/lexer.h"

#include <cctype>
#include <cstdio>

namespace klab::kc {

namespace {

const char* const kPuncts[] = {
    "<<=", ">>=", "...", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=",
    "&&",  "||",  "+=",  "-=", "*=", "/=", "%=", "&=", "|=", "^=", "##", "+",
    "-",   "*",   "/",   "%",  "<",  ">",  "=",  "!",  "~",  "&",  "|",  "^",
    "?",   ":",   ";",   ",",  ".",  "(",  ")",  "[",  "]",  "{",  "}",  "#"};

class Lexer {
public:
    explicit Lexer(const Source& src) : src_(src), s_(src.text) {}

    Result<std::vector<Token>> run() {
        std::vector<Token> out;
        bool line_start = true;
        while (true) {
            if (skip_space(line_start)) return error_;
            if (in_directive_ && (line_start || pos_ >= s_.size())) {
                Token e;
                e.kind = Tok::DirectiveEnd;
                e.loc = loc();
                out.push_back(e);
                in_directive_ = false;
            }
            if (pos_ >= s_.size()) break;
            Token t;
            t.loc = loc();
            t.line_start = line_start;
            line_start = false;
            char c = s_[pos_];
            if (c == '#' && t.line_start) {
                t.kind = Tok::Directive;
                t.text = "#";
                advance();
                in_directive_ = true;
            } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
                size_t b = pos_;
                while (pos_ < s_.size() &&
                       (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_'))
                    advance();
                t.kind = Tok::Ident;
                t.text = s_.substr(b, pos_ - b);
            } else if (std::isdigit(static_cast<unsigned char>(c))) {
                if (!lex_number(t)) return error_;
            } else if (c == '\'') {
                if (!lex_char(t)) return error_;
            } else if (c == '"') {
                if (!lex_string(t)) return error_;
            } else if (!lex_punct(t)) {
                return fail(t.loc, std::string("stray '") + printable(c) + "' in program");
            }
            out.push_back(std::move(t));
        }
        Token end;
        end.loc = loc();
        out.push_back(end);
        return out;
    }

private:
    const Source& src_;
    const std::string& s_;
    size_t pos_ = 0;
    uint32_t line_ = 1, col_ = 1;
    Error error_;
    bool in_directive_ = false;

    Loc loc() const { return Loc{static_cast<uint32_t>(pos_), line_, col_}; }
    void advance() {
        if (s_[pos_] == '\n') {
            line_++;
            col_ = 1;
        } else {
            col_++;
        }
        pos_++;
    }
    char peek(size_t k = 0) const { return pos_ + k < s_.size() ? s_[pos_ + k] : '\0'; }
    static std::string printable(char c) {
        if (std::isprint(static_cast<unsigned char>(c))) return std::string(1, c);
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\%03o", static_cast<unsigned char>(c));
        return buf;
    }
    Error fail(Loc l, const std::string& msg) {
        error_ = diag_error(src_, l, msg);
        return error_;
    }

    // Returns true on error (an unterminated comment).
    bool skip_space(bool& line_start) {
        while (pos_ < s_.size()) {
            char c = s_[pos_];
            if (c == '\n') {
                line_start = true;
                advance();
            } else if (c == '\\' && peek(1) == '\n') {
                advance();
                advance();
            } else if (std::isspace(static_cast<unsigned char>(c))) {
                advance();
            } else if (c == '/' && peek(1) == '/') {
                while (pos_ < s_.size() && s_[pos_] != '\n') advance();
            } else if (c == '/' && peek(1) == '*') {
                Loc l = loc();
                advance();
                advance();
                while (pos_ < s_.size() && !(s_[pos_] == '*' && peek(1) == '/')) advance();
                if (pos_ >= s_.size()) {
                    fail(l, "unterminated comment");
                    return true;
                }
                advance();
                advance();
            } else {
                break;
            }
        }
        return false;
    }

    bool lex_number(Token& t) {
        size_t b = pos_;
        while (pos_ < s_.size() &&
               (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_'))
            advance();
        std::string sp = s_.substr(b, pos_ - b);
        t.kind = Tok::Int;
        t.text = sp;
        size_t i = 0;
        unsigned base = 10;
        if (sp.size() > 1 && sp[0] == '0' && (sp[1] == 'x' || sp[1] == 'X')) {
            base = 16;
            i = 2;
        } else if (sp.size() > 1 && sp[0] == '0' && (sp[1] == 'b' || sp[1] == 'B')) {
            base = 2;
            i = 2;
        } else if (sp[0] == '0') {
            base = 8;
        }
        size_t digits_begin = i;
        uint64_t v = 0;
        bool overflow = false;
        for (; i < sp.size(); i++) {
            int d = digit(sp[i]);
            if (d < 0 || d >= static_cast<int>(base)) break;
            if (v > (UINT64_MAX - d) / base) overflow = true;
            v = v * base + d;
        }
        if (base != 8 && i == digits_begin) {
            fail(t.loc, "invalid integer constant '" + sp + "'");
            return false;
        }
        std::string suffix = sp.substr(i);
        uint8_t flags = base == 10 ? 0 : kIntNotDecimal;
        int longs = 0;
        for (char c : suffix) {
            if ((c == 'u' || c == 'U') && !(flags & kIntUnsigned))
                flags |= kIntUnsigned;
            else if (c == 'l' || c == 'L')
                longs++;
            else {
                fail(t.loc, (std::isdigit(static_cast<unsigned char>(c))
                                 ? "invalid digit '" + std::string(1, c) + "' in " +
                                       (base == 8 ? "octal" : "binary") + " constant"
                                 : "invalid suffix '" + suffix + "' on integer constant"));
                return false;
            }
        }
        if (longs > 2) {
            fail(t.loc, "invalid suffix '" + suffix + "' on integer constant");
            return false;
        }
        if (overflow) {
            fail(t.loc, "integer literal is too large to be represented in any integer type");
            return false;
        }
        if (longs == 1) flags |= kIntLong;
        if (longs == 2) flags |= kIntLongLong;
        t.value = v;
        t.flags = flags;
        return true;
    }

    static int digit(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    // One (possibly escaped) character of a char or string literal.
    bool lex_escape(uint32_t& out) {
        Loc l = loc();
        char c = s_[pos_];
        advance();
        if (c != '\\') {
            out = static_cast<unsigned char>(c);
            return true;
        }
        if (pos_ >= s_.size()) {
            fail(l, "incomplete escape sequence");
            return false;
        }
        char e = s_[pos_];
        advance();
        switch (e) {
        case 'n': out = '\n'; return true;
        case 't': out = '\t'; return true;
        case 'r': out = '\r'; return true;
        case 'a': out = 7; return true;
        case 'b': out = 8; return true;
        case 'f': out = 12; return true;
        case 'v': out = 11; return true;
        case 'e': out = 27; return true;
        case '\\':
        case '\'':
        case '"':
        case '?': out = static_cast<unsigned char>(e); return true;
        case 'x': {
            uint32_t v = 0;
            int n = 0;
            while (pos_ < s_.size() && digit(s_[pos_]) >= 0) {
                v = (v * 16 + digit(s_[pos_])) & 0xff;
                advance();
                n++;
            }
            if (n == 0) {
                fail(l, "\\x used with no following hex digits");
                return false;
            }
            out = v;
            return true;
        }
        default:
            if (e >= '0' && e <= '7') {
                uint32_t v = e - '0';
                for (int n = 1; n < 3 && pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '7';
                     n++) {
                    v = v * 8 + (s_[pos_] - '0');
                    advance();
                }
                out = v & 0xff;
                return true;
            }
            fail(l, std::string("unknown escape sequence '\\") + printable(e) + "'");
            return false;
        }
    }

    bool lex_char(Token& t) {
        advance();
        t.kind = Tok::Char;
        if (pos_ >= s_.size() || s_[pos_] == '\'' || s_[pos_] == '\n') {
            fail(t.loc, pos_ < s_.size() && s_[pos_] == '\'' ? "empty character constant"
                                                             : "missing terminating ' character");
            return false;
        }
        uint32_t v = 0;
        if (!lex_escape(v)) return false;
        if (pos_ >= s_.size() || s_[pos_] != '\'') {
            fail(t.loc, "missing terminating ' character");
            return false;
        }
        advance();
        // A plain char literal has type int; its value is that of a (signed) char.
        t.value = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(v)));
        t.text = "'" + printable(static_cast<char>(v)) + "'";
        return true;
    }

    bool lex_string(Token& t) {
        advance();
        t.kind = Tok::String;
        while (true) {
            if (pos_ >= s_.size() || s_[pos_] == '\n') {
                fail(t.loc, "missing terminating '\"' character");
                return false;
            }
            if (s_[pos_] == '"') break;
            if (s_[pos_] == '\\' && peek(1) == '\n') {
                advance();
                advance();
                continue;
            }
            uint32_t v = 0;
            if (!lex_escape(v)) return false;
            t.text += static_cast<char>(v);
        }
        advance();
        return true;
    }

    bool lex_punct(Token& t) {
        for (const char* p : kPuncts) {
            size_t n = std::char_traits<char>::length(p);
            if (s_.compare(pos_, n, p) == 0) {
                t.kind = Tok::Punct;
                t.text = p;
                for (size_t i = 0; i < n; i++) advance();
                return true;
            }
        }
        return false;
    }
};

} // namespace

Result<std::vector<Token>> lex(const Source& src) {
    return Lexer(src).run();
}

std::string spell(const Token& t) {
    if (t.kind != Tok::String) return t.text;
    std::string out = "\"";
    for (char c : t.text) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out + "\"";
}

} // namespace klab::kc
