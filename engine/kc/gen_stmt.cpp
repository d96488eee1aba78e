// KernelC statements, compiled as they are parsed: blocks and local declarations, if/else,
// loops, switch (a compare chain after the body), break/continue, return and goto.
#include "kc/compiler_impl.h"

namespace klab::kc {

Result<void> Compiler::statement(int depth) {
    if (depth > kMaxNesting) return err_here("statements nested too deeply");
    depth_ = 0;
    const Token& t = tok();
    if (t.is("{")) return block(depth + 1);
    if (t.is(";")) {
        pos_++;
        return {};
    }
    if (t.kind == Tok::Ident) {
        const std::string& w = t.text;
        if (w == "if") return if_stmt(depth);
        if (w == "while") return while_stmt(depth);
        if (w == "do") return do_stmt(depth);
        if (w == "for") return for_stmt(depth);
        if (w == "switch") return switch_stmt(depth);
        if (w == "return") return return_stmt();
        if (w == "break" || w == "continue") {
            bool brk = w == "break";
            auto& stack = brk ? breaks_ : continues_;
            if (stack.empty())
                return err_here(brk ? "'break' statement not in loop or switch statement"
                                    : "'continue' statement not in loop statement");
            pos_++;
            stack.back()->push_back(emit(Op::Jmp));
            return expect(";");
        }
        if (w == "goto") {
            pos_++;
            if (tok().kind != Tok::Ident) return err_here("expected a label name after 'goto'");
            goto_names_.push_back({tok().text, tok().loc});
            goto_sites_.push_back(emit(Op::Jmp));
            pos_++;
            return expect(";");
        }
        if (w == "case" || w == "default") {
            if (switches_.empty()) return err_here("'" + w + "' statement not in switch statement");
            SwitchCtx& sw = *switches_.back();
            Loc loc = t.loc;
            pos_++;
            if (w == "case") {
                auto v = const_expr();
                KLAB_TRY(v);
                int64_t val = v.value();
                if (t_.width(sw.type) == 4)
                    val = t_.is_signed(sw.type) ? static_cast<int32_t>(val)
                                                : static_cast<int64_t>(static_cast<uint32_t>(val));
                for (auto& c : sw.cases)
                    if (c.first == val)
                        return err(loc, "duplicate case value '" + std::to_string(val) + "'");
                sw.cases.push_back({val, here()});
            } else {
                if (sw.default_pc >= 0) return err(loc, "multiple default labels in one switch");
                sw.default_pc = here();
            }
            return expect(":", "after case label");
        }
        if (peek().is(":") && !starts_type()) {
            if (labels_.count(w)) return err_here("redefinition of label '" + w + "'");
            labels_[w] = here();
            pos_ += 2;
            return {};
        }
        if (starts_type()) return local_declaration();
        if (w == "else") return err_here("'else' without a previous 'if'");
    }
    auto e = expr();
    KLAB_TRY(e);
    KLAB_TRY(expect(";", "after expression"));
    discard_value(*e.value());
    auto ty = rvalue(*e.value());
    KLAB_TRY(ty);
    emit(Op::Pop);
    return {};
}

// The value of "i++;" is thrown away, so it may be computed as "++i" (no old-value fixup).
void Compiler::discard_value(Expr& e) {
    if (e.kind == ExprKind::PostInc) e.kind = ExprKind::PreInc;
    if (e.kind == ExprKind::PostDec) e.kind = ExprKind::PreDec;
    if (e.kind == ExprKind::Comma) {
        discard_value(*e.a);
        discard_value(*e.b);
    }
}

Result<void> Compiler::block(int depth) {
    KLAB_TRY(expect("{"));
    scopes_.emplace_back();
    while (!accept("}")) {
        if (tok().kind == Tok::End) return err_here("expected '}' at end of input");
        KLAB_TRY(statement(depth));
    }
    scopes_.pop_back();
    return {};
}

Result<void> Compiler::local_declaration() {
    auto spec = decl_specs();
    KLAB_TRY(spec);
    const DeclSpec& s = spec.value();
    if (accept(";")) return {};
    do {
        auto dr = declarator(s.type, false);
        KLAB_TRY(dr);
        Decl d = std::move(dr.value());
        if (s.is_typedef) {
            p_.typedefs[d.name] = d.type;
            continue;
        }
        if (t_.kind(d.type) == TypeKind::Function) {
            auto f = declare_function(d);
            KLAB_TRY(f);
            continue;
        }
        if (scopes_.back().count(d.name)) return err(d.loc, "redefinition of '" + d.name + "'");
        ExprPtr init;
        if (accept("=")) {
            auto i = initializer();
            KLAB_TRY(i);
            init = std::move(i.value());
        }
        if (t_.kind(d.type) == TypeKind::Array && t_.get(d.type).count == 0 && init) {
            size_t n = init->kind == ExprKind::Str ? init->text.size() + 1 : init->args.size();
            if (init->kind != ExprKind::Str && init->kind != ExprKind::InitList)
                return err(init->loc, "array initializer must be an initializer list");
            if (n == 0 || n > (1u << 20)) return err(init->loc, "bad array initializer size");
            d.type = t_.array_of(t_.get(d.type).base, static_cast<uint32_t>(n));
        }
        if (t_.kind(d.type) == TypeKind::Void)
            return err(d.loc, "variable has incomplete type 'void'");
        if (!t_.is_complete(d.type))
            return err(d.loc, "variable has incomplete type '" + t_.name(d.type) + "'");
        Var v;
        v.type = d.type;
        if (s.is_static) {
            auto addr = new_global(d.type, d.loc);
            KLAB_TRY(addr);
            v.kind = Var::Fixed;
            v.offset = addr.value();
            int64_t cv = 0;
            if (init) {
                if (!t_.is_scalar(d.type) || !const_eval(*init, cv))
                    return err(init->loc, "a static local needs a constant initializer in KernelC");
                uint64_t off = addr.value() - p_.data_base();
                for (uint32_t i = 0; i < t_.width(d.type); i++)
                    p_.data[off + i] = static_cast<uint8_t>(static_cast<uint64_t>(cv) >> (8 * i));
            }
            scopes_.back()[d.name] = v;
            continue;
        }
        if (t_.is_scalar(d.type) && !address_taken_.count(d.name)) {
            v.kind = Var::Reg;
            v.slot = new_slot();
            scopes_.back()[d.name] = v;
            if (init) {
                if (init->kind == ExprKind::InitList) {
                    if (init->args.size() != 1)
                        return err(init->loc, "a scalar initializer needs exactly one value");
                    init = std::move(init->args[0]);
                }
                auto r = rvalue(*init);
                KLAB_TRY(r);
                KLAB_TRY(convert(r.value(), d.type, init->loc, false, init.get()));
                emit(Op::SetLocal, static_cast<int32_t>(v.slot));
            }
            continue;
        }
        v.kind = Var::Frame;
        v.offset = new_frame_bytes(d.type);
        if (fn_->frame_bytes > (1u << 20))
            return err(d.loc, "local variables too large for a kernel stack");
        scopes_.back()[d.name] = v;
        if (init) {
            emit(Op::FrameAddr, 0, v.offset);
            KLAB_TRY(init_memory(d.type, *init, 0));
        }
    } while (accept(","));
    return expect(";", "after declaration");
}

Result<void> Compiler::if_stmt(int depth) {
    pos_++;
    KLAB_TRY(expect("(", "after 'if'"));
    auto c = expr();
    KLAB_TRY(c);
    KLAB_TRY(expect(")"));
    std::vector<uint32_t> to_else;
    KLAB_TRY(cond_jump(*c.value(), false, to_else));
    KLAB_TRY(statement(depth + 1));
    if (tok().is_ident("else")) {
        pos_++;
        uint32_t j = emit(Op::Jmp);
        patch_all(to_else, here());
        KLAB_TRY(statement(depth + 1));
        patch(j, here());
    } else {
        patch_all(to_else, here());
    }
    return {};
}

Result<void> Compiler::while_stmt(int depth) {
    pos_++;
    KLAB_TRY(expect("(", "after 'while'"));
    auto c = expr();
    KLAB_TRY(c);
    KLAB_TRY(expect(")"));
    uint32_t top = here();
    std::vector<uint32_t> exits, brk, cont;
    KLAB_TRY(cond_jump(*c.value(), false, exits));
    breaks_.push_back(&brk);
    continues_.push_back(&cont);
    auto body = statement(depth + 1);
    breaks_.pop_back();
    continues_.pop_back();
    KLAB_TRY(body);
    emit(Op::Jmp, static_cast<int32_t>(top));
    patch_all(cont, top);
    patch_all(exits, here());
    patch_all(brk, here());
    return {};
}

Result<void> Compiler::do_stmt(int depth) {
    pos_++;
    uint32_t top = here();
    std::vector<uint32_t> brk, cont, again;
    breaks_.push_back(&brk);
    continues_.push_back(&cont);
    auto body = statement(depth + 1);
    breaks_.pop_back();
    continues_.pop_back();
    KLAB_TRY(body);
    if (!tok().is_ident("while")) return err_here("expected 'while' in do/while loop");
    pos_++;
    KLAB_TRY(expect("(", "after 'while'"));
    patch_all(cont, here());
    auto c = expr();
    KLAB_TRY(c);
    KLAB_TRY(expect(")"));
    KLAB_TRY(cond_jump(*c.value(), true, again));
    patch_all(again, top);
    patch_all(brk, here());
    return expect(";", "after do/while statement");
}

Result<void> Compiler::for_stmt(int depth) {
    pos_++;
    KLAB_TRY(expect("(", "after 'for'"));
    scopes_.emplace_back();
    if (starts_type()) {
        KLAB_TRY(local_declaration());
    } else if (!accept(";")) {
        auto init = expr();
        KLAB_TRY(init);
        KLAB_TRY(expect(";", "in 'for' statement"));
        auto t = rvalue(*init.value());
        KLAB_TRY(t);
        emit(Op::Pop);
    }
    uint32_t top = here();
    std::vector<uint32_t> exits, brk, cont;
    if (!at(";")) {
        auto c = expr();
        KLAB_TRY(c);
        KLAB_TRY(cond_jump(*c.value(), false, exits));
    }
    KLAB_TRY(expect(";", "in 'for' statement"));
    ExprPtr step;
    if (!at(")")) {
        auto s = expr();
        KLAB_TRY(s);
        step = std::move(s.value());
    }
    KLAB_TRY(expect(")"));
    breaks_.push_back(&brk);
    continues_.push_back(&cont);
    auto body = statement(depth + 1);
    breaks_.pop_back();
    continues_.pop_back();
    KLAB_TRY(body);
    patch_all(cont, here());
    if (step) {
        depth_ = 0;
        discard_value(*step);
        auto t = rvalue(*step);
        KLAB_TRY(t);
        emit(Op::Pop);
    }
    emit(Op::Jmp, static_cast<int32_t>(top));
    patch_all(exits, here());
    patch_all(brk, here());
    scopes_.pop_back();
    return {};
}

Result<void> Compiler::switch_stmt(int depth) {
    pos_++;
    KLAB_TRY(expect("(", "after 'switch'"));
    auto c = expr();
    KLAB_TRY(c);
    KLAB_TRY(expect(")"));
    auto t = rvalue(*c.value());
    KLAB_TRY(t);
    if (!t_.is_integer(t.value()))
        return err(c.value()->loc, "statement requires expression of integer type ('" +
                                       t_.name(t.value()) + "' invalid)");
    SwitchCtx sw;
    sw.type = promote(t.value());
    uint32_t slot = new_slot();
    emit(Op::SetLocal, static_cast<int32_t>(slot));
    uint32_t to_dispatch = emit(Op::Jmp);
    std::vector<uint32_t> brk;
    breaks_.push_back(&brk);
    switches_.push_back(&sw);
    auto body = statement(depth + 1);
    switches_.pop_back();
    breaks_.pop_back();
    KLAB_TRY(body);
    brk.push_back(emit(Op::Jmp));
    patch(to_dispatch, here());
    for (auto& [value, pc] : sw.cases) {
        emit(Op::Local, static_cast<int32_t>(slot));
        emit(Op::Const, 0, static_cast<uint64_t>(value));
        emit(Op::Eq);
        emit(Op::Jnz, static_cast<int32_t>(pc));
    }
    if (sw.default_pc >= 0) emit(Op::Jmp, static_cast<int32_t>(sw.default_pc));
    patch_all(brk, here());
    return {};
}

Result<void> Compiler::return_stmt() {
    Loc loc = tok().loc;
    pos_++;
    if (top_level_stmt_) return err(loc, "'return' outside a function");
    if (accept(";")) {
        emit(Op::RetVoid);
        return {};
    }
    auto e = expr();
    KLAB_TRY(e);
    KLAB_TRY(expect(";", "after return value"));
    auto t = rvalue(*e.value());
    KLAB_TRY(t);
    if (t_.kind(ret_type_) == TypeKind::Void) {
        if (t_.kind(t.value()) != TypeKind::Void)
            return err(loc, "void function should not return a value");
        emit(Op::RetVoid);
        return {};
    }
    KLAB_TRY(convert(t.value(), ret_type_, e.value()->loc, false, e.value().get()));
    emit(Op::Ret);
    return {};
}

} // namespace klab::kc
