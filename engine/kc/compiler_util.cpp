// Token helpers, error construction with "did you mean" hints, and constant folding (array
// sizes, enum values, case labels) for the KernelC compiler.
#include "kc/compiler_impl.h"

namespace klab::kc {

bool Compiler::accept(const char* p) {
    if (!at(p)) return false;
    pos_++;
    return true;
}

Result<void> Compiler::expect(const char* p, const char* what) {
    if (accept(p)) return {};
    std::string msg = std::string("expected '") + p + "'";
    if (what) msg += std::string(" ") + what;
    const Token& t = tok();
    if (t.kind == Tok::End) return err(t.loc, msg + " at end of input");
    // Like gcc, a missing ';' is reported just after the previous token.
    if (std::string(p) == ";" && pos_ > 0) {
        const Token& prev = toks_[pos_ - 1];
        Loc l = prev.loc;
        uint32_t len = static_cast<uint32_t>(prev.kind == Tok::String ? 0 : prev.text.size());
        if (prev.kind != Tok::String && prev.loc.offset + len <= src_.text.size()) {
            l.offset += len;
            l.col += len;
        }
        return err(l, msg);
    }
    return err(t.loc, msg + " before '" + (t.kind == Tok::String ? spell(t) : t.text) + "'");
}

Error Compiler::err(Loc l, const std::string& msg, const std::string& hint) const {
    return diag_error(src_, l, msg, hint);
}

Error Compiler::unknown_name(Loc l, const std::string& name, const std::string& what) const {
    std::string best;
    uint32_t best_d = 1000;
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it)
        for (const auto& [n, v] : *it) {
            uint32_t d = name_distance(name, n);
            if (d < best_d) {
                best_d = d;
                best = n;
            }
        }
    std::string global = suggest_name(p_, name);
    if (!global.empty() && name_distance(name, global) < best_d) {
        best = global;
        best_d = name_distance(name, global);
    }
    uint32_t limit = name.size() <= 3 ? 1 : name.size() <= 6 ? 2 : 3;
    std::string hint = best_d <= limit && best != name ? "did you mean '" + best + "'?" : "";
    return err(l, what + " '" + name + "'", hint);
}

std::string suggest_name(const Program& prog, std::string_view wrong) {
    std::string best;
    uint32_t best_d = 1000;
    auto consider = [&](const std::string& n) {
        if (n.empty() || n[0] == '.') return;
        uint32_t d = name_distance(wrong, n);
        if (d < best_d) {
            best_d = d;
            best = n;
        }
    };
    for (const auto& [n, g] : prog.globals) consider(n);
    for (const auto& [n, i] : prog.function_index) consider(n);
    for (const auto& [n, i] : prog.builtin_index) consider(n);
    for (const auto& [n, c] : prog.constants) consider(n);
    for (const auto& [n, m] : prog.macros) consider(n);
    for (const auto& [n, t] : prog.typedefs) consider(n);
    return best;
}

Result<int64_t> Compiler::const_expr() {
    Loc loc = tok().loc;
    auto e = cond_expr();
    KLAB_TRY(e);
    int64_t v = 0;
    if (!const_eval(*e.value(), v)) return err(loc, "expression is not an integer constant");
    return v;
}

// Integer constant folding with wrap-around (unsigned arithmetic, so no host UB).
bool Compiler::const_eval(const Expr& e, int64_t& out) {
    int64_t a = 0, b = 0;
    switch (e.kind) {
    case ExprKind::Int: out = static_cast<int64_t>(e.value); return true;
    case ExprKind::SizeofType:
        if (!t_.is_complete(e.type)) return false;
        out = static_cast<int64_t>(t_.size_of(e.type));
        return true;
    case ExprKind::AlignofType: out = t_.align_of(e.type); return true;
    case ExprKind::SizeofExpr: {
        if (!fn_) return false;
        auto t = type_of(*e.a, false);
        if (!t.ok() || !t_.is_complete(t.value())) return false;
        out = static_cast<int64_t>(t_.size_of(t.value()));
        return true;
    }
    case ExprKind::Ident: {
        for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it)
            if (it->count(e.text)) return false;
        auto c = p_.constants.find(e.text);
        if (c == p_.constants.end()) return false;
        out = static_cast<int64_t>(c->second.value);
        return true;
    }
    case ExprKind::Cast: {
        if (!const_eval(*e.a, a) || !t_.is_integer(e.type)) return false;
        uint32_t w = t_.width(e.type);
        uint64_t v = static_cast<uint64_t>(a);
        if (w < 8) {
            uint64_t mask = (1ull << (w * 8)) - 1;
            v &= mask;
            if (t_.is_signed(e.type) && (v >> (w * 8 - 1))) v |= ~mask;
        }
        if (t_.kind(e.type) == TypeKind::Bool) v = a != 0;
        out = static_cast<int64_t>(v);
        return true;
    }
    case ExprKind::Unary:
        if (!const_eval(*e.a, a)) return false;
        if (e.op == "-")
            out = static_cast<int64_t>(0 - static_cast<uint64_t>(a));
        else if (e.op == "+")
            out = a;
        else if (e.op == "~")
            out = ~a;
        else if (e.op == "!")
            out = !a;
        else
            return false;
        return true;
    case ExprKind::Cond:
        if (!const_eval(*e.a, a)) return false;
        return const_eval(a ? *e.b : *e.c, out);
    case ExprKind::LogAnd:
    case ExprKind::LogOr:
        if (!const_eval(*e.a, a) || !const_eval(*e.b, b)) return false;
        out = e.kind == ExprKind::LogAnd ? (a && b) : (a || b);
        return true;
    case ExprKind::Binary: {
        if (!const_eval(*e.a, a) || !const_eval(*e.b, b)) return false;
        uint64_t ua = static_cast<uint64_t>(a), ub = static_cast<uint64_t>(b);
        const std::string& o = e.op;
        if (o == "+")
            out = static_cast<int64_t>(ua + ub);
        else if (o == "-")
            out = static_cast<int64_t>(ua - ub);
        else if (o == "*")
            out = static_cast<int64_t>(ua * ub);
        else if (o == "/" || o == "%") {
            if (b == 0 || (a == INT64_MIN && b == -1)) return false;
            out = o == "/" ? a / b : a % b;
        } else if (o == "<<")
            out = static_cast<int64_t>(ua << (ub & 63));
        else if (o == ">>")
            out = a >> (ub & 63);
        else if (o == "&")
            out = a & b;
        else if (o == "|")
            out = a | b;
        else if (o == "^")
            out = a ^ b;
        else if (o == "==")
            out = a == b;
        else if (o == "!=")
            out = a != b;
        else if (o == "<")
            out = a < b;
        else if (o == "<=")
            out = a <= b;
        else if (o == ">")
            out = a > b;
        else if (o == ">=")
            out = a >= b;
        else
            return false;
        return true;
    }
    default: return false;
    }
}

uint32_t Compiler::emit(Op op, int32_t a, uint64_t imm, uint8_t x, uint16_t y) {
    // Track an upper bound of the operand stack depth (jumps are ignored, which can only
    // over-estimate within a statement; statements start at depth 0).
    switch (op) {
    case Op::Const:
    case Op::Local:
    case Op::FrameAddr:
    case Op::Dup: depth_++; break;
    case Op::SetLocal:
    case Op::Pop:
    case Op::Jz:
    case Op::Jnz:
    case Op::Ret:
    case Op::Zero:
        if (depth_) depth_--;
        break;
    case Op::Add:
    case Op::Sub:
    case Op::Mul:
    case Op::DivS:
    case Op::DivU:
    case Op::RemS:
    case Op::RemU:
    case Op::And:
    case Op::Or:
    case Op::Xor:
    case Op::Shl:
    case Op::ShrS:
    case Op::ShrU:
    case Op::Eq:
    case Op::Ne:
    case Op::LtS:
    case Op::LtU:
    case Op::LeS:
    case Op::LeU:
    case Op::GtS:
    case Op::GtU:
    case Op::GeS:
    case Op::GeU:
    case Op::Store:
    case Op::Copy:
        if (depth_) depth_--;
        break;
    case Op::Call:
    case Op::CallBuiltin: depth_ = depth_ >= x ? depth_ - x + 1 : 1; break;
    case Op::CallPtr: depth_ = depth_ >= x + 1u ? depth_ - x : 1; break;
    default: break;
    }
    fn_->max_depth = std::max(fn_->max_depth, depth_ + 1);
    Insn in;
    in.op = op;
    in.a = a;
    in.imm = imm;
    in.x = x;
    in.y = y;
    fn_->code.push_back(in);
    fn_->lines.push_back(tok().loc.line);
    return static_cast<uint32_t>(fn_->code.size() - 1);
}

} // namespace klab::kc

namespace klab::kc {

// Drops the Nop placeholders conversions did not need and retargets jumps, so that the VM
// spends no instructions (and no budget) on them.
void compact(Function& f) {
    // "x = v;" as a statement stores and drops the value: TeeLocal+Pop becomes SetLocal
    // (unless something jumps to the Pop).
    std::vector<bool> target(f.code.size() + 1, false);
    for (const Insn& in : f.code)
        if ((in.op == Op::Jmp || in.op == Op::Jz || in.op == Op::Jnz) &&
            static_cast<size_t>(in.a) <= f.code.size())
            target[static_cast<size_t>(in.a)] = true;
    for (size_t i = 0; i + 1 < f.code.size(); i++)
        if (f.code[i].op == Op::TeeLocal && f.code[i + 1].op == Op::Pop && !target[i + 1]) {
            f.code[i].op = Op::SetLocal;
            f.code[i + 1].op = Op::Nop;
        }
    std::vector<uint32_t> map(f.code.size() + 1);
    uint32_t n = 0;
    for (size_t i = 0; i < f.code.size(); i++) {
        map[i] = n;
        if (f.code[i].op != Op::Nop) n++;
    }
    map[f.code.size()] = n;
    size_t w = 0;
    for (size_t i = 0; i < f.code.size(); i++) {
        if (f.code[i].op == Op::Nop) continue;
        Insn in = f.code[i];
        if (in.op == Op::Jmp || in.op == Op::Jz || in.op == Op::Jnz)
            in.a = static_cast<int32_t>(
                map[static_cast<size_t>(in.a) <= f.code.size() ? in.a : f.code.size()]);
        f.code[w] = in;
        f.lines[w] = f.lines[i];
        w++;
    }
    f.code.resize(w);
    f.lines.resize(w);
}

} // namespace klab::kc
