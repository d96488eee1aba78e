// The part of the C preprocessor that kernel modules in the course notes use: #include (the
// lab's headers are built in, so it is accepted and ignored), object- and function-like
// #define with # and ##, variadic macros with ##__VA_ARGS__, #undef, #ifdef/#ifndef/#if/#else.
// Simplification: #if understands integer literals, defined(X) and !, nothing more.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "kc/lexer.h"

namespace klab::kc {

struct Macro {
    bool function_like = false;
    bool variadic = false;
    std::vector<std::string> params;
    std::vector<Token> body;
};

using MacroTable = std::map<std::string, Macro>;

// Applies directives (updating `macros`, which persists across console inputs) and expands
// macros. The result has no Directive tokens and ends with End.
Result<std::vector<Token>> preprocess(const Source& src, const std::vector<Token>& raw,
                                      MacroTable& macros);

} // namespace klab::kc
