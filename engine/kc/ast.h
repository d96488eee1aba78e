// The expression tree the KernelC parser builds. Statements are compiled as they are parsed
// (one pass, like tcc), so only expressions need a tree: C needs their types before code.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kc/diag.h"
#include "kc/types.h"

namespace klab::kc {

enum class ExprKind : uint8_t {
    Int,   // integer or char literal: value, type
    Str,   // string literal: text (bytes without the terminating NUL)
    Ident, // text
    Unary, // op a: - + ! ~ * &
    PreInc,
    PreDec,
    PostInc,
    PostDec,
    Binary, // a op b (arithmetic, comparison, bitwise, shifts)
    LogAnd,
    LogOr,
    Assign, // a op b with op "=" "+=" ...
    Cond,   // a ? b : c
    Call,   // a(args)
    Index,  // a[b]
    Member, // a.text or a->text (op)
    Cast,   // (type) a
    SizeofType,
    SizeofExpr,
    AlignofType,
    Comma,    // a, b
    InitList, // { args }, with designators in args[i]->text when ".field ="
};

struct Expr {
    ExprKind kind = ExprKind::Int;
    Loc loc;
    std::string op;
    std::string text;
    uint64_t value = 0;
    TypeId type = 0; // literal type, cast/sizeof target type
    std::unique_ptr<Expr> a, b, c;
    std::vector<std::unique_ptr<Expr>> args;
    std::string designator; // ".name = value" inside an initializer list
    uint32_t depth = 1;     // height of this subtree (bounded, so walking it cannot overflow)
};

using ExprPtr = std::unique_ptr<Expr>;

// Fully parenthesised rendering, for tests of precedence and associativity.
std::string dump(const Expr& e, const TypeTable& types);

} // namespace klab::kc
