// Code generation for KernelC expressions: names, literals, pointers, members, calls and the
// conditional operator. Every expression leaves exactly one value on the stack (a void
// expression leaves a 0), and arrays, structs and functions are represented by their address.
#include "kc/compiler_impl.h"

namespace klab::kc {

TypeId Compiler::size_type() const {
    return t_.prim(t_.target().is64() ? TypeKind::ULong : TypeKind::UInt);
}
TypeId Compiler::ptrdiff_type() const {
    return t_.prim(t_.target().is64() ? TypeKind::Long : TypeKind::Int);
}

bool Compiler::lookup_var(const std::string& name, Var& out) const {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
        auto v = it->find(name);
        if (v != it->end()) {
            out = v->second;
            return true;
        }
    }
    auto g = p_.globals.find(name);
    if (g == p_.globals.end()) return false;
    out.kind = Var::Fixed;
    out.type = g->second.type;
    out.offset = g->second.addr;
    return true;
}

Result<TypeId> Compiler::type_of(Expr& e, bool decay) {
    // Generate into the current function and throw the code away: the simplest way to get
    // exactly the type the generator would produce.
    size_t n = fn_->code.size();
    uint32_t d = depth_;
    auto r = gen(e, decay);
    fn_->code.resize(n);
    fn_->lines.resize(n);
    depth_ = d;
    return r;
}

Result<TypeId> Compiler::rvalue(Expr& e) {
    return gen(e, true);
}

Result<void> Compiler::check_complete_pointee(TypeId ptr, Loc loc) {
    TypeId b = t_.get(ptr).base;
    if (t_.kind(b) == TypeKind::Void || t_.is_complete(b)) return {};
    return err(loc, "arithmetic on a pointer to an incomplete type '" + t_.name(b) + "'");
}

static TypeId decayed(TypeTable& t, TypeId ty, bool decay) {
    if (!decay) return ty;
    if (t.kind(ty) == TypeKind::Array) return t.pointer_to(t.get(ty).base);
    if (t.kind(ty) == TypeKind::Function) return t.pointer_to(ty);
    return ty;
}

Result<TypeId> Compiler::gen(Expr& e, bool decay) {
    switch (e.kind) {
    case ExprKind::Int: emit(Op::Const, 0, e.value); return e.type;
    case ExprKind::Str:
        emit(Op::Const, 0, intern_string(e.text));
        return decayed(
            t_, t_.array_of(t_.prim(TypeKind::Char), static_cast<uint32_t>(e.text.size() + 1)),
            decay);
    case ExprKind::Ident: {
        Var v;
        if (lookup_var(e.text, v)) {
            LValue lv;
            if (v.kind == Var::Reg) {
                emit(Op::Local, static_cast<int32_t>(v.slot));
                return v.type;
            }
            if (v.kind == Var::Frame)
                emit(Op::FrameAddr, 0, v.offset);
            else
                emit(Op::Const, 0, v.offset);
            lv.type = v.type;
            load(lv);
            return decayed(t_, v.type, decay);
        }
        auto f = p_.function_index.find(e.text);
        if (f != p_.function_index.end()) {
            emit(Op::Const, 0, p_.function_address(f->second));
            return decayed(t_, p_.functions[f->second].type, decay);
        }
        auto c = p_.constants.find(e.text);
        if (c != p_.constants.end()) {
            emit(Op::Const, 0, c->second.value);
            return c->second.type;
        }
        if (p_.builtin_index.count(e.text))
            return err(
                e.loc,
                "'" + e.text +
                    "' is a kernel function built into the lab; KernelC cannot take its address");
        return unknown_name(e.loc, e.text, "use of undeclared identifier");
    }
    case ExprKind::Unary: {
        const std::string& op = e.op;
        if (op == "&") {
            if (e.a->kind == ExprKind::Ident && !p_.globals.count(e.a->text) &&
                p_.function_index.count(e.a->text)) {
                Var v;
                if (!lookup_var(e.a->text, v)) {
                    uint32_t fi = p_.function_index.at(e.a->text);
                    emit(Op::Const, 0, p_.function_address(fi));
                    return t_.pointer_to(p_.functions[fi].type);
                }
            }
            auto lv = lvalue(*e.a);
            KLAB_TRY(lv);
            if (lv.value().kind == LValue::Reg)
                return err(e.loc, "cannot take the address of this variable");
            return t_.pointer_to(lv.value().type);
        }
        if (op == "*") {
            auto t = rvalue(*e.a);
            KLAB_TRY(t);
            if (!t_.is_pointer(t.value()))
                return err(e.loc, "indirection requires pointer operand ('" + t_.name(t.value()) +
                                      "' invalid)");
            TypeId b = t_.get(t.value()).base;
            if (t_.kind(b) == TypeKind::Function) return decay ? t.value() : b;
            if (t_.kind(b) == TypeKind::Void) return err(e.loc, "dereferencing a 'void *' pointer");
            if (!t_.is_complete(b) && t_.kind(b) != TypeKind::Array)
                return err(e.loc,
                           "dereferencing a pointer to incomplete type '" + t_.name(b) + "'");
            LValue lv;
            lv.type = b;
            load(lv);
            return decayed(t_, b, decay);
        }
        auto t = rvalue(*e.a);
        KLAB_TRY(t);
        if (op == "!") {
            if (!t_.is_scalar(t.value()))
                return err(e.loc, "invalid argument type '" + t_.name(t.value()) +
                                      "' to unary expression");
            emit(Op::LNot);
            return t_.prim(TypeKind::Int);
        }
        if (!t_.is_integer(t.value()))
            return err(e.loc,
                       "invalid argument type '" + t_.name(t.value()) + "' to unary expression");
        TypeId pt = promote(t.value());
        if (op == "-") emit(Op::Neg);
        if (op == "~") emit(Op::Not);
        normalize(pt);
        return pt;
    }
    case ExprKind::PreInc:
    case ExprKind::PreDec:
    case ExprKind::PostInc:
    case ExprKind::PostDec: return gen_incdec(e);
    case ExprKind::Binary: return gen_binary(e);
    case ExprKind::LogAnd:
    case ExprKind::LogOr: {
        std::vector<uint32_t> short_circuit;
        bool is_and = e.kind == ExprKind::LogAnd;
        KLAB_TRY(cond_jump(*e.a, !is_and, short_circuit));
        std::vector<uint32_t> other;
        KLAB_TRY(cond_jump(*e.b, !is_and, short_circuit));
        emit(Op::Const, 0, is_and ? 1 : 0);
        uint32_t j = emit(Op::Jmp);
        patch_all(short_circuit, here());
        emit(Op::Const, 0, is_and ? 0 : 1);
        patch(j, here());
        if (depth_) depth_--;
        return t_.prim(TypeKind::Int);
    }
    case ExprKind::Assign: return gen_assign(e);
    case ExprKind::Cond: return gen_cond(e);
    case ExprKind::Call: return gen_call(e);
    case ExprKind::Index:
    case ExprKind::Member: {
        auto lv = lvalue(e);
        KLAB_TRY(lv);
        load(lv.value());
        return decayed(t_, lv.value().type, decay);
    }
    case ExprKind::Cast: {
        auto t = rvalue(*e.a);
        KLAB_TRY(t);
        KLAB_TRY(convert(t.value(), e.type, e.loc, true, e.a.get()));
        return e.type;
    }
    case ExprKind::SizeofType:
    case ExprKind::SizeofExpr: {
        TypeId ty = e.type;
        if (e.kind == ExprKind::SizeofExpr) {
            auto t = type_of(*e.a, false);
            KLAB_TRY(t);
            ty = t.value();
        }
        if (t_.kind(ty) == TypeKind::Function)
            return err(e.loc, "invalid application of 'sizeof' to a function type");
        if (t_.kind(ty) != TypeKind::Void && !t_.is_complete(ty))
            return err(e.loc, "invalid application of 'sizeof' to an incomplete type '" +
                                  t_.name(ty) + "'");
        emit(Op::Const, 0, t_.size_of(ty));
        return size_type();
    }
    case ExprKind::AlignofType: emit(Op::Const, 0, t_.align_of(e.type)); return size_type();
    case ExprKind::Comma: {
        auto a = rvalue(*e.a);
        KLAB_TRY(a);
        emit(Op::Pop);
        return gen(*e.b, decay);
    }
    case ExprKind::InitList: return err(e.loc, "a '{' initializer list is not an expression");
    }
    return err(e.loc, "unsupported expression");
}

void Compiler::load(const LValue& lv) {
    if (lv.kind == LValue::Reg) {
        emit(Op::Local, static_cast<int32_t>(lv.slot));
        return;
    }
    if (!t_.is_scalar(lv.type)) return; // aggregates are represented by their address
    emit(Op::Load, 0, 0, static_cast<uint8_t>(t_.width(lv.type)), t_.is_signed(lv.type) ? 1 : 0);
}

void Compiler::store(const LValue& lv) {
    if (lv.kind == LValue::Reg) {
        emit(Op::TeeLocal, static_cast<int32_t>(lv.slot));
        return;
    }
    if (t_.is_scalar(lv.type))
        emit(Op::Store, 0, 0, static_cast<uint8_t>(t_.width(lv.type)));
    else
        emit(Op::Copy, 0, t_.size_of(lv.type));
}

Result<LValue> Compiler::lvalue(Expr& e) {
    LValue lv;
    switch (e.kind) {
    case ExprKind::Ident: {
        Var v;
        if (!lookup_var(e.text, v)) {
            if (p_.function_index.count(e.text) || p_.constants.count(e.text) ||
                p_.builtin_index.count(e.text))
                return err(e.loc, "expression is not assignable");
            return unknown_name(e.loc, e.text, "use of undeclared identifier");
        }
        lv.type = v.type;
        if (v.kind == Var::Reg) {
            lv.kind = LValue::Reg;
            lv.slot = v.slot;
        } else if (v.kind == Var::Frame) {
            emit(Op::FrameAddr, 0, v.offset);
        } else {
            emit(Op::Const, 0, v.offset);
        }
        return lv;
    }
    case ExprKind::Str:
        emit(Op::Const, 0, intern_string(e.text));
        lv.type = t_.array_of(t_.prim(TypeKind::Char), static_cast<uint32_t>(e.text.size() + 1));
        return lv;
    case ExprKind::Unary:
        if (e.op == "*") {
            auto t = rvalue(*e.a);
            KLAB_TRY(t);
            if (!t_.is_pointer(t.value()))
                return err(e.loc, "indirection requires pointer operand ('" + t_.name(t.value()) +
                                      "' invalid)");
            lv.type = t_.get(t.value()).base;
            if (t_.kind(lv.type) == TypeKind::Void)
                return err(e.loc, "dereferencing a 'void *' pointer");
            return lv;
        }
        break;
    case ExprKind::Index: {
        auto a = rvalue(*e.a);
        KLAB_TRY(a);
        uint32_t ph0 = emit(Op::Nop), ph1 = emit(Op::Nop);
        auto b = rvalue(*e.b);
        KLAB_TRY(b);
        TypeId pt = a.value(), it = b.value();
        bool swapped = false;
        if (!t_.is_pointer(pt) && t_.is_pointer(it)) {
            std::swap(pt, it);
            swapped = true;
        }
        if (!t_.is_pointer(pt)) return err(e.loc, "subscripted value is not an array or pointer");
        if (!t_.is_integer(it)) return err(e.b->loc, "array subscript is not an integer");
        TypeId elem = t_.get(pt).base;
        if (!t_.is_complete(elem))
            return err(e.loc, "subscript of pointer to incomplete type '" + t_.name(elem) + "'");
        uint64_t size = t_.size_of(elem);
        if (swapped) { // "i[p]": scale the index, which is below the pointer
            fn_->code[ph0] = Insn{Op::Const, 0, 0, 0, size};
            fn_->code[ph1] = Insn{Op::Mul, 0, 0, 0, 0};
        } else if (size != 1) {
            emit(Op::Const, 0, size);
            emit(Op::Mul);
        }
        emit(Op::Add);
        normalize(pt);
        lv.type = elem;
        return lv;
    }
    case ExprKind::Member: {
        auto t = gen_member(e, true);
        KLAB_TRY(t);
        lv.type = t.value();
        return lv;
    }
    default: break;
    }
    return err(e.loc, "expression is not assignable");
}

Result<TypeId> Compiler::gen_member(Expr& e, bool) {
    TypeId rec;
    if (e.op == "->") {
        auto t = rvalue(*e.a);
        KLAB_TRY(t);
        if (!t_.is_pointer(t.value()) || t_.kind(t_.get(t.value()).base) != TypeKind::Record)
            return err(
                e.loc,
                "member reference type '" + t_.name(t.value()) + "' is not a pointer to a struct" +
                    (t_.kind(t.value()) == TypeKind::Record ? "; did you mean to use '.'?" : ""));
        rec = t_.get(t.value()).base;
    } else {
        auto t = gen(*e.a, false);
        KLAB_TRY(t);
        if (t_.kind(t.value()) != TypeKind::Record)
            return err(e.loc, "member reference base type '" + t_.name(t.value()) +
                                  "' is not a struct or union" +
                                  (t_.is_pointer(t.value()) ? "; did you mean to use '->'?" : ""));
        rec = t.value();
    }
    if (!t_.record_of(rec).complete)
        return err(e.loc, "incomplete definition of type '" + t_.name(rec) +
                              "' (the lab keeps this kernel structure opaque: use the kernel API)");
    const Field* f = t_.find_field(rec, e.text);
    if (!f) {
        std::string best;
        uint32_t bd = 1000;
        for (const Field& g : t_.record_of(rec).fields)
            if (name_distance(e.text, g.name) < bd) {
                bd = name_distance(e.text, g.name);
                best = g.name;
            }
        return err(e.loc, "no member named '" + e.text + "' in '" + t_.name(rec) + "'",
                   bd <= 2 ? "did you mean '" + best + "'?" : "");
    }
    if (f->offset) {
        emit(Op::Const, 0, f->offset);
        emit(Op::Add);
        normalize(t_.pointer_to(rec));
    }
    return f->type;
}

Result<TypeId> Compiler::gen_cond(Expr& e) {
    std::vector<uint32_t> to_else;
    KLAB_TRY(cond_jump(*e.a, false, to_else));
    auto b = rvalue(*e.b);
    KLAB_TRY(b);
    uint32_t ph_b = emit(Op::Nop);
    uint32_t j = emit(Op::Jmp);
    patch_all(to_else, here());
    if (depth_) depth_--;
    auto c = rvalue(*e.c);
    KLAB_TRY(c);
    uint32_t ph_c = emit(Op::Nop);
    patch(j, here());
    TypeId bt = b.value(), ct = c.value();
    TypeId result;
    if (t_.is_integer(bt) && t_.is_integer(ct)) {
        result = common_type(bt, ct);
    } else if (t_.is_pointer(bt) && (t_.is_pointer(ct) || is_null_constant(*e.c))) {
        result = bt;
    } else if (t_.is_pointer(ct) && is_null_constant(*e.b)) {
        result = ct;
    } else if (bt == ct) {
        result = bt;
    } else {
        return err(e.loc,
                   "incompatible operand types ('" + t_.name(bt) + "' and '" + t_.name(ct) + "')");
    }
    patch_ext(ph_b, bt, result);
    patch_ext(ph_c, ct, result);
    return result;
}

Result<TypeId> Compiler::gen_call(Expr& e) {
    std::string fname;
    if (e.a->kind == ExprKind::Ident) {
        fname = e.a->text;
        Var v;
        if (!lookup_var(fname, v)) {
            auto f = p_.function_index.find(fname);
            if (f != p_.function_index.end()) {
                auto r = gen_args(e, p_.functions[f->second].type, fname);
                KLAB_TRY(r);
                emit(Op::Call, static_cast<int32_t>(f->second), 0,
                     static_cast<uint8_t>(e.args.size()));
                called_.insert(f->second);
                called_at_.emplace(f->second, e.loc);
                return r;
            }
            auto b = p_.builtin_index.find(fname);
            if (b != p_.builtin_index.end()) {
                auto r = gen_args(e, p_.builtins[b->second].type, fname);
                KLAB_TRY(r);
                emit(Op::CallBuiltin, static_cast<int32_t>(b->second), 0,
                     static_cast<uint8_t>(e.args.size()));
                return r;
            }
            if (!p_.constants.count(fname))
                return unknown_name(e.a->loc, fname, "implicit declaration of function");
        }
    }
    auto callee = rvalue(*e.a);
    KLAB_TRY(callee);
    TypeId ct = callee.value();
    if (!t_.is_pointer(ct) || t_.kind(t_.get(ct).base) != TypeKind::Function)
        return err(e.loc, "called object type '" + t_.name(ct) +
                              "' is not a function or function pointer");
    auto r = gen_args(e, t_.get(ct).base, fname.empty() ? "function pointer" : fname);
    KLAB_TRY(r);
    emit(Op::CallPtr, 0, 0, static_cast<uint8_t>(e.args.size()));
    return r;
}

Result<TypeId> Compiler::gen_args(Expr& e, TypeId fn_type, const std::string& fname) {
    const Type& ft = t_.get(fn_type);
    std::vector<TypeId> params = ft.params;
    bool variadic = ft.variadic;
    TypeId ret = ft.base;
    size_t n = e.args.size();
    if (n < params.size() || (n > params.size() && !variadic))
        return err(e.loc, std::string(n < params.size() ? "too few" : "too many") +
                              " arguments to function call '" + fname + "', expected " +
                              (variadic ? "at least " : "") + std::to_string(params.size()) +
                              ", have " + std::to_string(n));
    for (size_t i = 0; i < n; i++) {
        auto t = rvalue(*e.args[i]);
        KLAB_TRY(t);
        if (i < params.size()) {
            KLAB_TRY(page_for_address(t.value(), params[i], e.args[i]->loc, fname));
            KLAB_TRY(convert(t.value(), params[i], e.args[i]->loc, false, e.args[i].get()));
        } else if (!t_.is_scalar(t.value())) {
            return err(e.args[i]->loc,
                       "passing a struct to a variadic function is not supported in KernelC");
        }
    }
    return ret;
}

// A struct page * passed where the kernel wants an address (free_pages(page, 4) after
// alloc_pages()): a cast would compile and free the wrong memory, so name the call that takes
// the page instead, or page_address() when there is none.
Result<void> Compiler::page_for_address(TypeId from, TypeId to, Loc loc, const std::string& fname) {
    if (!t_.is_pointer(from) || !t_.is_integer(to) || t_.name(from) != "struct page *") return {};
    static constexpr std::pair<const char*, const char*> kPageTwin[] = {
        {"free_pages", "__free_pages"}, {"free_page", "__free_page"}};
    std::string fix = "use page_address(page) for the page's address";
    for (const auto& [addr_fn, page_fn] : kPageTwin)
        if (fname == addr_fn)
            fix = std::string(addr_fn) + "() takes the address __get_free_pages() returned; for the struct page * "
                  "alloc_pages() returned, call " + page_fn + "()";
    return err(loc, "incompatible pointer to integer conversion passing 'struct page *' to parameter of type '" +
                        t_.name(to) + "'", fix);
}

bool Compiler::is_null_constant(const Expr& e) {
    const Expr* x = &e;
    while (x->kind == ExprKind::Cast && t_.is_pointer(x->type) &&
           t_.kind(t_.get(x->type).base) == TypeKind::Void)
        x = x->a.get();
    int64_t v = 1;
    if (x->kind == ExprKind::Ident) {
        Var var;
        if (lookup_var(x->text, var)) return false;
    }
    return const_eval(*x, v) && v == 0;
}

} // namespace klab::kc
