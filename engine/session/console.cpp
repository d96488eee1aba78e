// Console input splitting (see console.h).
#include "session/console.h"

#include <cctype>

#include "session/complete.h"

namespace klab {

namespace {

// Tracks whether accumulated C text is at a point where a new command may start.
struct CScan {
    int braces = 0, parens = 0;
    bool in_comment = false;
    char last = ';'; // last significant character outside comments and literals

    void feed(std::string_view line) {
        bool directive = false;
        size_t i = 0;
        while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) i++;
        if (!in_comment && i < line.size() && line[i] == '#') directive = true;
        for (; i < line.size(); i++) {
            char c = line[i];
            if (in_comment) {
                if (c == '*' && i + 1 < line.size() && line[i + 1] == '/') {
                    in_comment = false;
                    i++;
                }
                continue;
            }
            if (c == '/' && i + 1 < line.size() && line[i + 1] == '/') break;
            if (c == '/' && i + 1 < line.size() && line[i + 1] == '*') {
                in_comment = true;
                i++;
                continue;
            }
            if (c == '"' || c == '\'') {
                char q = c;
                for (i++; i < line.size() && line[i] != q; i++)
                    if (line[i] == '\\') i++;
                last = q;
                continue;
            }
            if (std::isspace(static_cast<unsigned char>(c))) continue;
            if (c == '{') braces++;
            if (c == '}') braces = braces > 0 ? braces - 1 : 0;
            if (c == '(') parens++;
            if (c == ')') parens = parens > 0 ? parens - 1 : 0;
            last = c;
        }
        if (directive) last = ';'; // a preprocessor line is complete by itself
    }
    bool at_boundary() const {
        return braces == 0 && parens == 0 && !in_comment && (last == ';' || last == '}');
    }
};

bool looks_like_command(std::string_view line) {
    size_t i = 0;
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) i++;
    size_t b = i;
    while (i < line.size() && (std::isalnum(static_cast<unsigned char>(line[i])) || line[i] == '_'))
        i++;
    std::string_view word = line.substr(b, i - b);
    bool known = false;
    for (std::string_view w : shell_words()) known = known || word == w;
    if (!known) return false;
    size_t end = line.find_last_not_of(" \t\r");
    if (end != std::string_view::npos && line[end] == ';') return false;
    if (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) return false;
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) i++;
    if (i >= line.size()) return true;
    char c = line[i];
    if (c == '-') { // an option: -r, or a long one (--machine)
        size_t o = i + 1 < line.size() && line[i + 1] == '-' ? i + 2 : i + 1;
        return o < line.size() && std::isalpha(static_cast<unsigned char>(line[o]));
    }
    return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' || c == '"' ||
           c == '\'' || c == '_' || (c == '|' && (i + 1 >= line.size() || line[i + 1] != '|'));
}

} // namespace

std::vector<InputPiece> split_input(std::string_view text) {
    std::vector<InputPiece> out;
    CScan scan;
    InputPiece c;
    bool have_c = false;
    uint32_t line_no = 0;
    auto flush = [&]() {
        if (have_c && c.text.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(c);
        c = InputPiece{};
        have_c = false;
    };
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t nl = text.find('\n', pos);
        std::string_view line =
            text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        line_no++;
        if (scan.at_boundary() && looks_like_command(line)) {
            flush();
            InputPiece s;
            s.shell = true;
            s.text = std::string(line);
            s.first_line = line_no;
            out.push_back(std::move(s));
        } else {
            if (!have_c) {
                c.first_line = line_no;
                have_c = true;
            }
            c.text += std::string(line) + "\n";
            scan.feed(line);
            // Each complete top-level item runs on its own, so an error stops only that one.
            if (scan.at_boundary()) flush();
        }
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    flush();
    return out;
}

namespace {

bool ident_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// The C text since the last top-level boundary ends in a header that a body must follow:
// `if (..)`, `for (..)`, `while (..)`, `switch (..)`, `else`, `do`, or a function declarator
// (two or more words and nothing but '*' before the first '(': `static int *f(void)`).
bool awaits_body(std::string_view piece, char last) {
    std::vector<std::string> words; // identifiers and '*' before the first '(' (comments out)
    bool eq = false, seen_paren = false;
    std::string last_word;
    for (size_t i = 0; i < piece.size(); i++) {
        char c = piece[i];
        if (c == '/' && i + 1 < piece.size() && piece[i + 1] == '/') {
            while (i < piece.size() && piece[i] != '\n') i++;
            continue;
        }
        if (c == '/' && i + 1 < piece.size() && piece[i + 1] == '*') {
            size_t e = piece.find("*/", i + 2);
            i = e == std::string_view::npos ? piece.size() : e + 1;
            continue;
        }
        if (c == '"' || c == '\'') {
            for (i++; i < piece.size() && piece[i] != c; i++)
                if (piece[i] == '\\') i++;
            last_word.clear();
            continue;
        }
        if (ident_char(c)) {
            size_t b = i;
            while (i + 1 < piece.size() && ident_char(piece[i + 1])) i++;
            last_word = std::string(piece.substr(b, i - b + 1));
            if (!seen_paren && !eq) words.push_back(last_word);
            continue;
        }
        if (std::isspace(static_cast<unsigned char>(c))) continue;
        last_word.clear();
        if (c == '(') seen_paren = true;
        else if (!seen_paren && c != '*') eq = true; // `a = f(x)`, `ops.open(x)`: a call
    }
    if (last_word == "else" || last_word == "do") return true;
    if (last != ')' || words.empty()) return false;
    const std::string& first = words.front();
    if (first == "if" || first == "for" || first == "while" || first == "switch" ||
        first == "else" || first == "do")
        return true;
    return !eq && words.size() >= 2 && words.front() != "return" && words.front() != "sizeof";
}

} // namespace

bool input_unfinished(std::string_view text) {
    CScan scan;
    int brackets = 0;
    std::string piece; // C text since the last top-level boundary
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t nl = text.find('\n', pos);
        std::string_view line =
            text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        if (scan.at_boundary() && brackets == 0 && (looks_like_command(line) ||
                                                    line.find_first_not_of(" \t\r") == std::string_view::npos)) {
            // A shell command or a blank line between items: complete by itself.
        } else {
            scan.feed(line);
            piece += std::string(line) + "\n";
            // '[' is not part of CScan's boundaries (C has no statement inside brackets).
            bool str = false, chr = false;
            for (size_t i = 0; i < line.size(); i++) {
                char c = line[i];
                if ((str || chr) && c == '\\') { i++; continue; }
                if (!chr && c == '"') str = !str;
                else if (!str && c == '\'') chr = !chr;
                else if (!str && !chr && c == '/' && i + 1 < line.size() && line[i + 1] == '/') break;
                else if (!str && !chr && c == '[') brackets++;
                else if (!str && !chr && c == ']' && brackets > 0) brackets--;
            }
            if (scan.at_boundary() && brackets == 0) piece.clear();
        }
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    size_t end = text.find_last_not_of(" \t\r\n");
    if (end != std::string_view::npos && text[end] == '\\') return true;
    if (scan.braces > 0 || scan.parens > 0 || scan.in_comment || brackets > 0) return true;
    if (piece.empty()) return false;
    return awaits_body(piece, scan.last);
}

std::vector<std::string> split_words(std::string_view line) {
    std::vector<std::string> w;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) i++;
        if (i >= line.size()) break;
        std::string word;
        if (line[i] == '"' || line[i] == '\'') {
            char q = line[i++];
            while (i < line.size() && line[i] != q) word += line[i++];
            if (i < line.size()) i++;
        } else {
            while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i])))
                word += line[i++];
        }
        w.push_back(word);
    }
    return w;
}

} // namespace klab
