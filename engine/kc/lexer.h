// KernelC tokens: the C lexical grammar (identifiers, integer literals in every base with
// u/l/ll suffixes, char and string literals with C escapes, punctuators, comments).
// A preprocessor line ("#define ...") is lexed as Directive, its tokens, DirectiveEnd.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "kc/diag.h"

namespace klab::kc {

enum class Tok : uint8_t { End, Ident, Int, Char, String, Punct, Directive, DirectiveEnd };

enum IntFlags : uint8_t { kIntUnsigned = 1, kIntLong = 2, kIntLongLong = 4, kIntNotDecimal = 8 };

struct Token {
    Tok kind = Tok::End;
    Loc loc;
    std::string text;   // identifier, punctuator, decoded string bytes, number spelling
    uint64_t value = 0; // Int and Char tokens
    uint8_t flags = 0;  // IntFlags for Int tokens
    bool line_start = false;

    bool is(const char* p) const { return kind == Tok::Punct && text == p; }
    bool is_ident(const char* s) const { return kind == Tok::Ident && text == s; }
};

// Splits src into tokens, ending with one End token. Errors are compiler-style diagnostics.
Result<std::vector<Token>> lex(const Source& src);

// How a token is spelled in source, for # stringification and ## pasting.
std::string spell(const Token& t);

} // namespace klab::kc
