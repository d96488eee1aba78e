// KernelC expressions: recursive descent for unary/postfix/primary expressions and precedence
// climbing for binary operators, with C's precedence and associativity.
#include "kc/compiler_impl.h"

#include <algorithm>

namespace klab::kc {

namespace {

int binary_prec(const Token& t) {
    if (t.kind != Tok::Punct) return -1;
    const std::string& o = t.text;
    if (o == "*" || o == "/" || o == "%") return 10;
    if (o == "+" || o == "-") return 9;
    if (o == "<<" || o == ">>") return 8;
    if (o == "<" || o == "<=" || o == ">" || o == ">=") return 7;
    if (o == "==" || o == "!=") return 6;
    if (o == "&") return 5;
    if (o == "^") return 4;
    if (o == "|") return 3;
    if (o == "&&") return 2;
    if (o == "||") return 1;
    return -1;
}

bool is_assign_op(const Token& t) {
    static const char* ops[] = {"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="};
    for (const char* o : ops)
        if (t.is(o)) return true;
    return false;
}

ExprPtr make(ExprKind k, Loc loc) {
    auto e = std::make_unique<Expr>();
    e->kind = k;
    e->loc = loc;
    return e;
}

constexpr uint32_t kMaxTreeHeight = 1000;

// Sets e's height from its children; false if the tree got too tall to walk recursively.
bool grow(Expr& e) {
    uint32_t h = 0;
    for (const ExprPtr* c : {&e.a, &e.b, &e.c})
        if (*c) h = std::max(h, (*c)->depth);
    for (const auto& x : e.args) h = std::max(h, x->depth);
    e.depth = h + 1;
    return e.depth <= kMaxTreeHeight;
}

} // namespace

// Limits recursion depth so hostile input gives an error, not a host stack overflow.
class ExprDepthGuard {
public:
    explicit ExprDepthGuard(Compiler& c) : c_(c) { c_.expr_depth_++; }
    ~ExprDepthGuard() { c_.expr_depth_--; }
    bool too_deep() const { return c_.expr_depth_ > kMaxNesting; }

private:
    Compiler& c_;
};

Result<ExprPtr> Compiler::expr() {
    auto lhs = assign_expr();
    KLAB_TRY(lhs);
    ExprPtr e = std::move(lhs.value());
    while (at(",")) {
        Loc loc = tok().loc;
        pos_++;
        auto rhs = assign_expr();
        KLAB_TRY(rhs);
        auto c = make(ExprKind::Comma, loc);
        c->a = std::move(e);
        c->b = std::move(rhs.value());
        if (!grow(*c)) return err(loc, "expression too complex");
        e = std::move(c);
    }
    return e;
}

Result<ExprPtr> Compiler::assign_expr() {
    ExprDepthGuard g(*this);
    if (g.too_deep()) return err_here("expression nested too deeply");
    auto lhs = cond_expr();
    KLAB_TRY(lhs);
    if (!is_assign_op(tok())) return lhs;
    auto e = make(ExprKind::Assign, tok().loc);
    e->op = tok().text;
    pos_++;
    auto rhs = assign_expr(); // right associative
    KLAB_TRY(rhs);
    e->a = std::move(lhs.value());
    e->b = std::move(rhs.value());
    if (!grow(*e)) return err(e->loc, "expression too complex");
    return e;
}

Result<ExprPtr> Compiler::cond_expr() {
    auto c = binary_expr(1);
    KLAB_TRY(c);
    if (!at("?")) return c;
    auto e = make(ExprKind::Cond, tok().loc);
    pos_++;
    auto a = expr();
    KLAB_TRY(a);
    KLAB_TRY(expect(":", "in conditional expression"));
    auto b = cond_expr();
    KLAB_TRY(b);
    e->a = std::move(c.value());
    e->b = std::move(a.value());
    e->c = std::move(b.value());
    if (!grow(*e)) return err(e->loc, "expression too complex");
    return e;
}

Result<ExprPtr> Compiler::binary_expr(int min_prec) {
    auto lhs = unary_expr();
    KLAB_TRY(lhs);
    ExprPtr e = std::move(lhs.value());
    while (true) {
        int prec = binary_prec(tok());
        if (prec < min_prec) break;
        std::string op = tok().text;
        Loc loc = tok().loc;
        pos_++;
        ExprDepthGuard g(*this);
        if (g.too_deep()) return err(loc, "expression nested too deeply");
        auto rhs = binary_expr(prec + 1); // left associative
        KLAB_TRY(rhs);
        ExprKind k = op == "&&"   ? ExprKind::LogAnd
                     : op == "||" ? ExprKind::LogOr
                                  : ExprKind::Binary;
        auto b = make(k, loc);
        b->op = op;
        b->a = std::move(e);
        b->b = std::move(rhs.value());
        if (!grow(*b)) return err(loc, "expression too complex");
        e = std::move(b);
    }
    return e;
}

Result<ExprPtr> Compiler::unary_expr() {
    ExprDepthGuard g(*this);
    if (g.too_deep()) return err_here("expression nested too deeply");
    const Token& t = tok();
    Loc loc = t.loc;
    if (t.is("++") || t.is("--")) {
        pos_++;
        auto a = unary_expr();
        KLAB_TRY(a);
        auto e = make(t.text == "++" ? ExprKind::PreInc : ExprKind::PreDec, loc);
        e->a = std::move(a.value());
        if (!grow(*e)) return err(loc, "expression too complex");
        return e;
    }
    if (t.is("-") || t.is("+") || t.is("!") || t.is("~") || t.is("*") || t.is("&")) {
        std::string op = t.text;
        pos_++;
        auto a = unary_expr(); // a cast expression, which unary_expr also parses
        KLAB_TRY(a);
        auto e = make(ExprKind::Unary, loc);
        e->op = op;
        e->a = std::move(a.value());
        if (!grow(*e)) return err(loc, "expression too complex");
        return e;
    }
    if (t.is_ident("sizeof") || t.is_ident("_Alignof") || t.is_ident("__alignof__") ||
        t.is_ident("alignof")) {
        bool is_align = !t.is_ident("sizeof");
        pos_++;
        if (at("(")) {
            size_t save = pos_;
            pos_++;
            if (starts_type()) {
                auto ty = type_name();
                KLAB_TRY(ty);
                KLAB_TRY(expect(")"));
                auto e = make(is_align ? ExprKind::AlignofType : ExprKind::SizeofType, loc);
                e->type = ty.value();
                return e;
            }
            pos_ = save;
        }
        if (is_align) return err(loc, "_Alignof needs a type name in parentheses");
        auto a = unary_expr();
        KLAB_TRY(a);
        auto e = make(ExprKind::SizeofExpr, loc);
        e->a = std::move(a.value());
        if (!grow(*e)) return err(loc, "expression too complex");
        return e;
    }
    if (t.is("(")) {
        size_t save = pos_;
        pos_++;
        if (starts_type()) {
            auto ty = type_name();
            KLAB_TRY(ty);
            KLAB_TRY(expect(")"));
            if (at("{")) return err_here("compound literals are not supported in KernelC");
            auto a = unary_expr();
            KLAB_TRY(a);
            auto e = make(ExprKind::Cast, loc);
            e->type = ty.value();
            e->a = std::move(a.value());
            if (!grow(*e)) return err(loc, "expression too complex");
            return e;
        }
        pos_ = save;
    }
    return postfix_expr();
}

Result<ExprPtr> Compiler::postfix_expr() {
    auto p = primary_expr();
    KLAB_TRY(p);
    ExprPtr e = std::move(p.value());
    int chain = 0;
    while (true) {
        if (++chain > kMaxNesting * 4) return err_here("expression too long");
        const Token& t = tok();
        Loc loc = t.loc;
        if (t.is("[")) {
            pos_++;
            auto i = expr();
            KLAB_TRY(i);
            KLAB_TRY(expect("]"));
            auto x = make(ExprKind::Index, loc);
            x->a = std::move(e);
            x->b = std::move(i.value());
            if (!grow(*x)) return err(loc, "expression too complex");
            e = std::move(x);
        } else if (t.is("(")) {
            pos_++;
            auto c = make(ExprKind::Call, loc);
            c->a = std::move(e);
            while (!accept(")")) {
                if (c->args.size() > 64) return err_here("too many arguments");
                auto a = assign_expr();
                KLAB_TRY(a);
                c->args.push_back(std::move(a.value()));
                if (!accept(",")) {
                    KLAB_TRY(expect(")", "after function argument"));
                    break;
                }
            }
            if (!grow(*c)) return err(loc, "expression too complex");
            e = std::move(c);
        } else if (t.is(".") || t.is("->")) {
            std::string op = t.text;
            pos_++;
            if (tok().kind != Tok::Ident)
                return err_here("expected a member name after '" + op + "'");
            auto m = make(ExprKind::Member, loc);
            m->op = op;
            m->text = tok().text;
            pos_++;
            m->a = std::move(e);
            if (!grow(*m)) return err(loc, "expression too complex");
            e = std::move(m);
        } else if (t.is("++") || t.is("--")) {
            auto x = make(t.text == "++" ? ExprKind::PostInc : ExprKind::PostDec, loc);
            pos_++;
            x->a = std::move(e);
            if (!grow(*x)) return err(loc, "expression too complex");
            e = std::move(x);
        } else {
            break;
        }
    }
    return e;
}

// The C type of an integer literal: the first of the candidate types (which depend on the
// suffix and on whether it is decimal) that can represent the value.
static TypeId literal_type(const TypeTable& t, uint64_t v, uint8_t flags) {
    bool dec = !(flags & kIntNotDecimal), u = flags & kIntUnsigned;
    std::vector<TypeKind> c;
    auto add = [&](TypeKind s, TypeKind us) {
        if (!u) c.push_back(s);
        if (u || !dec) c.push_back(us);
    };
    if (!(flags & (kIntLong | kIntLongLong))) add(TypeKind::Int, TypeKind::UInt);
    if (!(flags & kIntLongLong)) add(TypeKind::Long, TypeKind::ULong);
    add(TypeKind::LongLong, TypeKind::ULongLong);
    for (TypeKind k : c) {
        TypeId id = t.prim(k);
        uint32_t bits = t.width(id) * 8;
        uint64_t max =
            t.is_signed(id) ? (1ull << (bits - 1)) - 1 : (bits == 64 ? ~0ull : (1ull << bits) - 1);
        if (v <= max) return id;
    }
    return t.prim(TypeKind::ULongLong);
}

Result<ExprPtr> Compiler::primary_expr() {
    const Token& t = tok();
    Loc loc = t.loc;
    switch (t.kind) {
    case Tok::Int: {
        auto e = make(ExprKind::Int, loc);
        e->value = t.value;
        e->type = literal_type(t_, t.value, t.flags);
        e->text = t.text;
        pos_++;
        return e;
    }
    case Tok::Char: {
        auto e = make(ExprKind::Int, loc);
        e->value = t.value;
        e->type = t_.prim(TypeKind::Int);
        e->text = t.text;
        pos_++;
        return e;
    }
    case Tok::String: {
        auto e = make(ExprKind::Str, loc);
        while (tok().kind == Tok::String) { // adjacent literals concatenate
            e->text += tok().text;
            pos_++;
        }
        return e;
    }
    case Tok::Ident: {
        auto e = make(ExprKind::Ident, loc);
        e->text = t.text;
        pos_++;
        return e;
    }
    case Tok::Punct:
        if (t.is("(")) {
            pos_++;
            auto e = expr();
            KLAB_TRY(e);
            KLAB_TRY(expect(")"));
            return e;
        }
        if (t.is("{"))
            return err(loc,
                       "expected an expression (a '{' list is allowed only in an initializer)");
        return err(loc, "expected an expression before '" + t.text + "'");
    case Tok::End: return err(loc, "expected an expression at end of input");
    default: return err(loc, "expected an expression");
    }
}

Result<ExprPtr> Compiler::initializer() {
    if (!at("{")) return assign_expr();
    ExprDepthGuard g(*this);
    if (g.too_deep()) return err_here("initializer nested too deeply");
    auto e = make(ExprKind::InitList, tok().loc);
    pos_++;
    while (!accept("}")) {
        std::string designator;
        if (at(".") && peek().kind == Tok::Ident && peek(2).is("=")) {
            designator = peek().text;
            pos_ += 3;
        }
        auto v = initializer();
        KLAB_TRY(v);
        v.value()->designator = designator;
        e->args.push_back(std::move(v.value()));
        if (!grow(*e)) return err(e->loc, "initializer too complex");
        if (e->args.size() > (1u << 20)) return err_here("initializer too long");
        if (!accept(",")) {
            KLAB_TRY(expect("}", "at end of initializer"));
            break;
        }
    }
    return e;
}

std::string dump(const Expr& e, const TypeTable& types) {
    auto d = [&](const ExprPtr& x) { return x ? dump(*x, types) : std::string("?"); };
    switch (e.kind) {
    case ExprKind::Int: return e.text.empty() ? std::to_string(e.value) : e.text;
    case ExprKind::Str: return "\"" + e.text + "\"";
    case ExprKind::Ident: return e.text;
    case ExprKind::Unary: return "(" + e.op + d(e.a) + ")";
    case ExprKind::PreInc: return "(++" + d(e.a) + ")";
    case ExprKind::PreDec: return "(--" + d(e.a) + ")";
    case ExprKind::PostInc: return "(" + d(e.a) + "++)";
    case ExprKind::PostDec: return "(" + d(e.a) + "--)";
    case ExprKind::Binary:
    case ExprKind::LogAnd:
    case ExprKind::LogOr:
    case ExprKind::Assign: return "(" + d(e.a) + " " + e.op + " " + d(e.b) + ")";
    case ExprKind::Cond: return "(" + d(e.a) + " ? " + d(e.b) + " : " + d(e.c) + ")";
    case ExprKind::Call: {
        std::string s = d(e.a) + "(";
        for (size_t i = 0; i < e.args.size(); i++) s += (i ? ", " : "") + d(e.args[i]);
        return s + ")";
    }
    case ExprKind::Index: return "(" + d(e.a) + "[" + d(e.b) + "])";
    case ExprKind::Member: return "(" + d(e.a) + e.op + e.text + ")";
    case ExprKind::Cast: return "((" + types.name(e.type) + ")" + d(e.a) + ")";
    case ExprKind::SizeofType: return "sizeof(" + types.name(e.type) + ")";
    case ExprKind::AlignofType: return "_Alignof(" + types.name(e.type) + ")";
    case ExprKind::SizeofExpr: return "sizeof " + d(e.a);
    case ExprKind::Comma: return "(" + d(e.a) + ", " + d(e.b) + ")";
    case ExprKind::InitList: {
        std::string s = "{";
        for (size_t i = 0; i < e.args.size(); i++) s += (i ? ", " : "") + d(e.args[i]);
        return s + "}";
    }
    }
    return "?";
}

} // namespace klab::kc
