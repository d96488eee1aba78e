// Code generation for C's conversions and operators: integer promotion and the usual
// arithmetic conversions for the target's sizes, pointer arithmetic, assignment, ++/--.
#include "kc/compiler_impl.h"

#include <algorithm>
#include <string_view>

namespace klab::kc {

namespace {
int rank(TypeKind k) {
    switch (k) {
    case TypeKind::Long:
    case TypeKind::ULong: return 2;
    case TypeKind::LongLong:
    case TypeKind::ULongLong: return 3;
    default: return 1;
    }
}
TypeKind unsigned_of(TypeKind k) {
    switch (k) {
    case TypeKind::Int: return TypeKind::UInt;
    case TypeKind::Long: return TypeKind::ULong;
    case TypeKind::LongLong: return TypeKind::ULongLong;
    default: return k;
    }
}
// The VM instruction for a C arithmetic, bitwise or shift operator ("+" or the "+" of "+=").
Op arith_op(std::string_view op, bool is_signed) {
    if (op == "+") return Op::Add;
    if (op == "-") return Op::Sub;
    if (op == "*") return Op::Mul;
    if (op == "/") return is_signed ? Op::DivS : Op::DivU;
    if (op == "%") return is_signed ? Op::RemS : Op::RemU;
    if (op == "&") return Op::And;
    if (op == "|") return Op::Or;
    if (op == "^") return Op::Xor;
    if (op == "<<") return Op::Shl;
    return is_signed ? Op::ShrS : Op::ShrU;
}
} // namespace

TypeId Compiler::promote(TypeId t) const {
    switch (t_.kind(t)) {
    case TypeKind::Bool:
    case TypeKind::Char:
    case TypeKind::SChar:
    case TypeKind::UChar:
    case TypeKind::Short:
    case TypeKind::UShort:
    case TypeKind::Enum: return t_.prim(TypeKind::Int);
    default: return t;
    }
}

TypeId Compiler::common_type(TypeId a, TypeId b) const {
    a = promote(a);
    b = promote(b);
    if (a == b) return a;
    bool sa = t_.is_signed(a), sb = t_.is_signed(b);
    TypeKind ka = t_.kind(a), kb = t_.kind(b);
    if (sa == sb) return rank(ka) >= rank(kb) ? a : b;
    TypeId u = sa ? b : a, s = sa ? a : b;
    if (rank(t_.kind(u)) >= rank(t_.kind(s))) return u;
    if (t_.width(s) > t_.width(u)) return s;
    return t_.prim(unsigned_of(t_.kind(s)));
}

// Values are kept normalised, so a conversion needs code only when the target is narrower
// than 64 bits and the value might not already be in the target's range.
bool Compiler::needs_ext(TypeId from, TypeId to) const {
    if (from == to) return false;
    if (t_.kind(to) == TypeKind::Bool) return t_.kind(from) != TypeKind::Bool;
    uint32_t wt = t_.width(to), wf = t_.width(from);
    if (wt >= 8) return false;
    bool sf = t_.is_signed(from), st = t_.is_signed(to);
    if (t_.kind(from) == TypeKind::Bool) return false;
    if (wf < wt && (!sf || st)) return false;
    if (wf == wt && sf == st) return false;
    return true;
}

static Insn ext_insn(const TypeTable& t, TypeId to) {
    Insn in;
    in.op = Op::Ext;
    if (t.kind(to) == TypeKind::Bool) {
        in.x = kExtBool;
        return in;
    }
    bool s = t.is_signed(to);
    switch (t.width(to)) {
    case 1: in.x = s ? kExtS8 : kExtU8; break;
    case 2: in.x = s ? kExtS16 : kExtU16; break;
    default: in.x = s ? kExtS32 : kExtU32; break;
    }
    return in;
}

void Compiler::patch_ext(uint32_t at, TypeId from, TypeId to) {
    if (t_.is_scalar(from) && t_.is_scalar(to) && needs_ext(from, to))
        fn_->code[at] = ext_insn(t_, to);
}

void Compiler::normalize(TypeId t) {
    if (!t_.is_scalar(t) || t_.kind(t) == TypeKind::Bool || t_.width(t) >= 8) return;
    Insn in = ext_insn(t_, t);
    emit(Op::Ext, 0, 0, in.x);
}

Result<void> Compiler::convert(TypeId from, TypeId to, Loc loc, bool explicit_cast,
                               const Expr* src) {
    if (from == to) return {};
    TypeKind kt = t_.kind(to);
    if (kt == TypeKind::Void) {
        if (!explicit_cast) return err(loc, "cannot use a value as 'void'");
        emit(Op::Pop);
        emit(Op::Const, 0, 0);
        return {};
    }
    if (t_.kind(from) == TypeKind::Void)
        return err(loc, "void value not ignored as it ought to be");
    auto bad = [&](const std::string& what) {
        return err(loc, what + " converting '" + t_.name(from) + "' to '" + t_.name(to) + "'" +
                            (explicit_cast ? "" : "; add a cast if you mean it"));
    };
    if (kt == TypeKind::Record || kt == TypeKind::Array) {
        if (explicit_cast)
            return err(loc, "used type '" + t_.name(to) +
                                "' where arithmetic or pointer type is required");
        if (from == to) return {};
        return bad("incompatible types");
    }
    if (t_.kind(from) == TypeKind::Record) return bad("incompatible types");
    if (kt == TypeKind::Bool || t_.is_integer(to)) {
        if (t_.is_pointer(from) && !explicit_cast && kt != TypeKind::Bool)
            return bad("incompatible pointer to integer conversion");
        if (needs_ext(from, to)) emit(Op::Ext, 0, 0, ext_insn(t_, to).x);
        return {};
    }
    if (t_.is_pointer(to)) {
        if (t_.is_integer(from)) {
            if (!explicit_cast && !(src && is_null_constant(*src)))
                return bad("incompatible integer to pointer conversion");
            if (needs_ext(from, to)) emit(Op::Ext, 0, 0, ext_insn(t_, to).x);
            return {};
        }
        if (t_.is_pointer(from)) {
            TypeId bf = t_.get(from).base, bt = t_.get(to).base;
            bool ok = explicit_cast || bf == bt || t_.kind(bf) == TypeKind::Void ||
                      t_.kind(bt) == TypeKind::Void;
            // Differently signed chars are compatible enough for string functions.
            if (!ok && t_.width(bf) == 1 && t_.width(bt) == 1 && t_.is_integer(bf) &&
                t_.is_integer(bt))
                ok = true;
            if (!ok) return bad("incompatible pointer types");
            return {};
        }
    }
    return bad("invalid conversion");
}

Result<TypeId> Compiler::gen_binary(Expr& e) {
    const std::string& op = e.op;
    auto a = rvalue(*e.a);
    KLAB_TRY(a);
    uint32_t ph0 = emit(Op::Nop), ph1 = emit(Op::Nop);
    auto b = rvalue(*e.b);
    KLAB_TRY(b);
    TypeId lt = a.value(), rt = b.value();
    bool lp = t_.is_pointer(lt), rp = t_.is_pointer(rt);
    if (!t_.is_scalar(lt) || !t_.is_scalar(rt))
        return err(e.loc, "invalid operands to binary expression ('" + t_.name(lt) + "' and '" +
                              t_.name(rt) + "')");
    if ((op == "+" || op == "-") && (lp || rp)) {
        if (lp && rp) {
            if (op == "+")
                return err(e.loc, "invalid operands to binary expression (two pointers)");
            KLAB_TRY(check_complete_pointee(lt, e.loc));
            emit(Op::Sub);
            uint64_t size =
                t_.kind(t_.get(lt).base) == TypeKind::Void ? 1 : t_.size_of(t_.get(lt).base);
            normalize(ptrdiff_type());
            if (size != 1) {
                emit(Op::Const, 0, size);
                emit(Op::DivS, 0, 0, 8);
            }
            return ptrdiff_type();
        }
        TypeId pt = lp ? lt : rt, it = lp ? rt : lt;
        if (!t_.is_integer(it)) return err(e.loc, "invalid operands to binary expression");
        if (rp && op == "-") return err(e.loc, "cannot subtract a pointer from an integer");
        KLAB_TRY(check_complete_pointee(pt, e.loc));
        TypeId base = t_.get(pt).base;
        uint64_t size = t_.kind(base) == TypeKind::Void ? 1 : t_.size_of(base);
        if (size != 1) {
            if (lp) {
                emit(Op::Const, 0, size);
                emit(Op::Mul);
            } else {
                fn_->code[ph0] = Insn{Op::Const, 0, 0, 0, size};
                fn_->code[ph1] = Insn{Op::Mul, 0, 0, 0, 0};
            }
        }
        emit(op == "+" ? Op::Add : Op::Sub);
        normalize(pt);
        return pt;
    }
    bool cmp = op == "==" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=";
    if (cmp) {
        bool is_signed = false;
        if (!lp && !rp) {
            TypeId ct = common_type(lt, rt);
            patch_ext(ph0, lt, ct);
            if (needs_ext(rt, ct)) normalize(ct);
            is_signed = t_.is_signed(ct);
        }
        Op o;
        if (op == "==")
            o = Op::Eq;
        else if (op == "!=")
            o = Op::Ne;
        else if (op == "<")
            o = is_signed ? Op::LtS : Op::LtU;
        else if (op == "<=")
            o = is_signed ? Op::LeS : Op::LeU;
        else if (op == ">")
            o = is_signed ? Op::GtS : Op::GtU;
        else
            o = is_signed ? Op::GeS : Op::GeU;
        emit(o);
        return t_.prim(TypeKind::Int);
    }
    if (lp || rp)
        return err(e.loc, "invalid operands to binary expression ('" + t_.name(lt) + "' and '" +
                              t_.name(rt) + "')");
    if (op == "<<" || op == ">>") {
        TypeId pl = promote(lt);
        patch_ext(ph0, lt, pl);
        uint8_t mask = t_.width(pl) == 8 ? 63 : 31;
        emit(arith_op(op, t_.is_signed(pl)), 0, 0, mask);
        normalize(pl);
        return pl;
    }
    TypeId ct = common_type(lt, rt);
    patch_ext(ph0, lt, ct);
    if (needs_ext(rt, ct)) normalize(ct);
    bool s = t_.is_signed(ct);
    uint8_t w = static_cast<uint8_t>(t_.width(ct));
    emit(arith_op(op, s), 0, 0, w);
    normalize(ct);
    return ct;
}

Result<TypeId> Compiler::gen_assign(Expr& e) {
    // Console convenience: "p = kmalloc(...);" at top level declares p with the value's type.
    if (top_level_stmt_ && e.op == "=" && e.a->kind == ExprKind::Ident && scopes_.size() <= 1) {
        Var v;
        const std::string& n = e.a->text;
        if (!lookup_var(n, v) && !p_.function_index.count(n) && !p_.constants.count(n) &&
            !p_.builtin_index.count(n) && !p_.typedefs.count(n)) {
            auto t = type_of(*e.b, true);
            KLAB_TRY(t);
            TypeId ty = t.value();
            if (!t_.is_scalar(ty))
                return err(e.loc,
                           "cannot declare '" + n + "' from a value of type '" + t_.name(ty) + "'");
            if (t_.kind(ty) == TypeKind::Bool || t_.width(ty) < 4) ty = promote(ty);
            auto addr = new_global(ty, e.a->loc);
            KLAB_TRY(addr);
            p_.globals[n] = Global{ty, addr.value()};
        }
    }
    auto lv = lvalue(*e.a);
    KLAB_TRY(lv);
    LValue l = lv.value();
    if (t_.kind(l.type) == TypeKind::Array)
        return err(e.loc, "array type '" + t_.name(l.type) + "' is not assignable");
    if (t_.kind(l.type) == TypeKind::Function || t_.kind(l.type) == TypeKind::Void)
        return err(e.loc, "expression is not assignable");
    if (e.op == "=") {
        auto r = rvalue(*e.b);
        KLAB_TRY(r);
        if (t_.kind(l.type) == TypeKind::Record) {
            if (r.value() != l.type)
                return err(e.loc, "assigning to '" + t_.name(l.type) +
                                      "' from incompatible type '" + t_.name(r.value()) + "'");
        } else {
            KLAB_TRY(convert(r.value(), l.type, e.loc, false, e.b.get()));
        }
        store(l);
        return l.type;
    }
    if (!t_.is_scalar(l.type)) return err(e.loc, "invalid operands to compound assignment");
    if (l.kind == LValue::Mem) emit(Op::Dup);
    load(l);
    uint32_t ph0 = emit(Op::Nop), ph1 = emit(Op::Nop);
    (void)ph1;
    auto r = rvalue(*e.b);
    KLAB_TRY(r);
    std::string op = e.op.substr(0, e.op.size() - 1);
    TypeId rt = r.value();
    if (t_.is_pointer(l.type)) {
        if ((op != "+" && op != "-") || !t_.is_integer(rt))
            return err(e.loc, "invalid operands to compound assignment on a pointer");
        KLAB_TRY(check_complete_pointee(l.type, e.loc));
        TypeId base = t_.get(l.type).base;
        uint64_t size = t_.kind(base) == TypeKind::Void ? 1 : t_.size_of(base);
        if (size != 1) {
            emit(Op::Const, 0, size);
            emit(Op::Mul);
        }
        emit(op == "+" ? Op::Add : Op::Sub);
        normalize(l.type);
        store(l);
        return l.type;
    }
    if (!t_.is_integer(rt))
        return err(e.loc, "invalid operands to compound assignment ('" + t_.name(l.type) +
                              "' and '" + t_.name(rt) + "')");
    TypeId ct = (op == "<<" || op == ">>") ? promote(l.type) : common_type(l.type, rt);
    patch_ext(ph0, l.type, ct);
    bool s = t_.is_signed(ct);
    uint8_t w = static_cast<uint8_t>(t_.width(ct));
    Op o = arith_op(op, s);
    if (op == "<<" || op == ">>") w = t_.width(ct) == 8 ? 63 : 31;
    if (op != "<<" && op != ">>" && needs_ext(rt, ct)) normalize(ct);
    emit(o, 0, 0, w);
    normalize(ct);
    if (needs_ext(ct, l.type)) emit(Op::Ext, 0, 0, ext_insn(t_, l.type).x);
    store(l);
    return l.type;
}

Result<TypeId> Compiler::gen_incdec(Expr& e) {
    auto lv = lvalue(*e.a);
    KLAB_TRY(lv);
    LValue l = lv.value();
    if (!t_.is_scalar(l.type))
        return err(e.loc,
                   "cannot increment or decrement a value of type '" + t_.name(l.type) + "'");
    uint64_t delta = 1;
    if (t_.is_pointer(l.type)) {
        KLAB_TRY(check_complete_pointee(l.type, e.loc));
        TypeId base = t_.get(l.type).base;
        delta = t_.kind(base) == TypeKind::Void ? 1 : t_.size_of(base);
    }
    bool inc = e.kind == ExprKind::PreInc || e.kind == ExprKind::PostInc;
    bool post = e.kind == ExprKind::PostInc || e.kind == ExprKind::PostDec;
    if (l.kind == LValue::Mem) emit(Op::Dup);
    load(l);
    emit(Op::Const, 0, delta);
    emit(inc ? Op::Add : Op::Sub);
    if (t_.kind(l.type) == TypeKind::Bool) emit(Op::Ext, 0, 0, kExtBool);
    normalize(l.type);
    store(l);
    if (post) { // the old value is the new one minus the step (wrap-around included)
        emit(Op::Const, 0, delta);
        emit(inc ? Op::Sub : Op::Add);
        normalize(l.type);
    }
    return l.type;
}

// Branches to the patch list when the scalar condition e is jump_if (true/false).
Result<void> Compiler::cond_jump(Expr& e, bool jump_if, std::vector<uint32_t>& patches) {
    auto t = rvalue(e);
    KLAB_TRY(t);
    if (!t_.is_scalar(t.value()))
        return err(e.loc, "statement requires expression of scalar type ('" + t_.name(t.value()) +
                              "' invalid)");
    patches.push_back(emit(jump_if ? Op::Jnz : Op::Jz));
    return {};
}

Result<void> Compiler::init_memory(TypeId type, Expr& init, uint32_t depth) {
    if (depth > kMaxNesting) return err(init.loc, "initializer nested too deeply");
    TypeKind k = t_.kind(type);
    uint64_t size = t_.size_of(type);
    if (init.kind == ExprKind::Str && k == TypeKind::Array && t_.width(t_.get(type).base) == 1) {
        emit(Op::Dup);
        emit(Op::Zero, 0, size);
        emit(Op::Const, 0, intern_string(init.text));
        emit(Op::Copy, 0, std::min<uint64_t>(size, init.text.size() + 1));
        emit(Op::Pop);
        return {};
    }
    if (init.kind == ExprKind::InitList) {
        if (k != TypeKind::Array && k != TypeKind::Record) {
            if (init.args.size() != 1)
                return err(init.loc, "a scalar initializer needs exactly one value");
            return init_memory(type, *init.args[0], depth + 1);
        }
        emit(Op::Dup);
        emit(Op::Zero, 0, size);
        size_t next = 0;
        for (auto& a : init.args) {
            TypeId et;
            uint64_t off;
            if (k == TypeKind::Array) {
                if (!a->designator.empty())
                    return err(a->loc, "field designator in an array initializer");
                if (next >= t_.get(type).count)
                    return err(a->loc, "excess elements in array initializer");
                et = t_.get(type).base;
                off = next * t_.size_of(et);
            } else {
                const auto& fields = t_.record_of(type).fields;
                if (!a->designator.empty()) {
                    next = fields.size();
                    for (size_t i = 0; i < fields.size(); i++)
                        if (fields[i].name == a->designator) next = i;
                    if (next == fields.size())
                        return err(a->loc, "no member named '" + a->designator + "' in '" +
                                               t_.name(type) + "'");
                }
                if (next >= fields.size())
                    return err(a->loc, "excess elements in struct initializer");
                et = fields[next].type;
                off = fields[next].offset;
            }
            next++;
            emit(Op::Dup);
            if (off) {
                emit(Op::Const, 0, off);
                emit(Op::Add);
            }
            KLAB_TRY(init_memory(et, *a, depth + 1));
        }
        emit(Op::Pop);
        return {};
    }
    auto r = rvalue(init);
    KLAB_TRY(r);
    if (k == TypeKind::Record) {
        if (r.value() != type)
            return err(init.loc, "initializing '" + t_.name(type) +
                                     "' with an expression of incompatible type '" +
                                     t_.name(r.value()) + "'");
        emit(Op::Copy, 0, size);
        emit(Op::Pop);
        return {};
    }
    if (k == TypeKind::Array)
        return err(init.loc, "array initializer must be an initializer list or string literal");
    KLAB_TRY(convert(r.value(), type, init.loc, false, &init));
    emit(Op::Store, 0, 0, static_cast<uint8_t>(t_.width(type)));
    emit(Op::Pop);
    return {};
}

uint64_t Compiler::intern_string(const std::string& bytes) {
    // Identical literals share storage, as gcc merges them in .rodata.
    std::string z = bytes;
    z.push_back('\0');
    auto& ro = p_.rodata;
    auto it = std::search(ro.begin(), ro.end(), z.begin(), z.end());
    size_t off;
    if (it != ro.end() && (it == ro.begin() || *(it - 1) == '\0')) {
        off = static_cast<size_t>(it - ro.begin());
    } else {
        off = ro.size();
        if (off + z.size() <= Layout::kSegmentMax)
            ro.insert(ro.end(), z.begin(), z.end());
        else
            off = 0; // out of room: share the first string rather than fail the unit
    }
    return p_.rodata_base() + off;
}

// A DEFINE_PER_CPU variable: its address is a __percpu pointer into the area the kernel
// reserves for modules' static per-CPU data (Target::percpu_base, PERCPU_MODULE_RESERVE).
// Each CPU's copy is at that address plus the CPU's __per_cpu_offset, in kernel memory.
Result<uint64_t> Compiler::new_percpu_global(TypeId t, Loc loc) {
    if (!t_.is_complete(t)) return err(loc, "variable has incomplete type '" + t_.name(t) + "'");
    const Target& tg = p_.target();
    if (tg.percpu_size == 0) return err(loc, "this machine has no per-CPU area for modules");
    uint64_t align = t_.align_of(t), size = t_.size_of(t);
    uint64_t off = (p_.percpu_used + align - 1) / align * align;
    if (off + size > tg.percpu_size)
        return err(loc, "could not allocate " + std::to_string(size) +
                            " bytes of per-CPU data: the modules' reserve (" +
                            std::to_string(tg.percpu_size) + " bytes) is full");
    p_.percpu_used = off + size;
    return tg.percpu_base + off;
}

Result<uint64_t> Compiler::new_global(TypeId t, Loc loc) {
    if (!t_.is_complete(t)) return err(loc, "variable has incomplete type '" + t_.name(t) + "'");
    uint64_t align = t_.align_of(t), size = t_.size_of(t);
    uint64_t off = (p_.data.size() + align - 1) / align * align;
    if (off + size > Layout::kSegmentMax)
        return err(loc, "the module's data segment is full (4 MiB)");
    p_.data.resize(off + size, 0);
    return p_.data_base() + off;
}

uint64_t Compiler::new_frame_bytes(TypeId t) {
    uint64_t align = t_.align_of(t), size = t_.size_of(t);
    uint64_t off = (fn_->frame_bytes + align - 1) / align * align;
    fn_->frame_bytes = static_cast<uint32_t>(std::min<uint64_t>(off + size, 0x7fffffff));
    return off;
}

} // namespace klab::kc
