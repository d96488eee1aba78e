// KernelC top level: function definitions and prototypes, globals, typedefs, the module
// macros (module_init, module_exit, MODULE_LICENSE), and top-level statements, which become
// Steps the session runs immediately. Also the public entry points of compile.h.
#include "kc/compiler_impl.h"

#include "kc/preprocess.h"

namespace klab::kc {

Result<Unit> Compiler::unit() {
    while (tok().kind != Tok::End) KLAB_TRY(top_level_item());
    for (uint32_t f : called_)
        if (!p_.functions[f].defined)
            return err(called_at_[f], "undefined reference to '" + p_.functions[f].name + "'");
    return std::move(unit_);
}

Result<void> Compiler::top_level_item() {
    const Token& t = tok();
    if (t.is(";")) {
        pos_++;
        return {};
    }
    if (t.kind == Tok::Ident && peek().is("(") &&
        (t.text == "module_init" || t.text == "module_exit" || t.text.rfind("MODULE_", 0) == 0 ||
         t.text == "EXPORT_SYMBOL" || t.text == "EXPORT_SYMBOL_GPL")) {
        if (!p_.function_index.count(t.text) && !p_.builtin_index.count(t.text))
            return module_macro();
    }
    if (!starts_type()) return top_level_statement();
    auto spec = decl_specs();
    KLAB_TRY(spec);
    if (accept(";")) return {};
    bool first = true;
    do {
        auto d = declarator(spec.value().type, false);
        KLAB_TRY(d);
        if (spec.value().is_typedef) {
            p_.typedefs[d.value().name] = d.value().type;
        } else if (t_.kind(d.value().type) == TypeKind::Function) {
            if (first && at("{")) return function_definition(d.value(), spec.value().is_static);
            auto f = declare_function(d.value());
            KLAB_TRY(f);
        } else {
            KLAB_TRY(global_declaration(spec.value(), std::move(d.value())));
        }
        first = false;
    } while (accept(","));
    return expect(";", "after top level declarator");
}

Result<void> Compiler::module_macro() {
    Step s;
    s.loc = tok().loc;
    std::string m = tok().text;
    pos_ += 2;
    if (m == "module_init" || m == "module_exit") {
        if (tok().kind != Tok::Ident) return err_here("expected a function name");
        auto f = p_.function_index.find(tok().text);
        if (f == p_.function_index.end())
            return unknown_name(tok().loc, tok().text, "use of undeclared function");
        if (!p_.functions[f->second].defined)
            return err_here("'" + tok().text + "' is declared but not defined");
        s.kind = m == "module_init" ? Step::ModuleInit : Step::ModuleExit;
        s.name = tok().text;
        pos_++;
    } else {
        s.kind = m == "MODULE_LICENSE" ? Step::ModuleLicense : Step::ModuleInfo;
        while (tok().kind == Tok::String) {
            s.name += tok().text;
            pos_++;
        }
        if (tok().kind == Tok::Ident) { // EXPORT_SYMBOL(name)
            s.name = tok().text;
            pos_++;
        }
        s.name = (s.kind == Step::ModuleInfo ? m + "=" : "") + s.name;
    }
    KLAB_TRY(expect(")"));
    accept(";");
    unit_.steps.push_back(std::move(s));
    return {};
}

Result<uint32_t> Compiler::declare_function(const Decl& d) {
    TypeId ret = t_.get(d.type).base;
    if (!t_.is_scalar(ret) && t_.kind(ret) != TypeKind::Void)
        return err(d.loc, "functions returning '" + t_.name(ret) +
                              "' are not supported in KernelC; return a pointer");
    for (TypeId pt : t_.get(d.type).params)
        if (t_.kind(pt) == TypeKind::Record)
            return err(d.loc,
                       "passing structs by value is not supported in KernelC; pass a pointer");
    if (p_.builtin_index.count(d.name))
        return err(d.loc, "redefinition of '" + d.name + "', a kernel function built into the lab");
    if (p_.globals.count(d.name) || p_.constants.count(d.name))
        return err(d.loc, "redefinition of '" + d.name + "' as a different kind of symbol");
    auto it = p_.function_index.find(d.name);
    if (it != p_.function_index.end()) {
        Function& f = p_.functions[it->second];
        if (f.type != d.type) {
            if (f.defined)
                return err(d.loc, "conflicting types for '" + d.name + "' (was '" +
                                      t_.name(f.type) + "')");
            f.type = d.type;
        }
        return it->second;
    }
    if (p_.functions.size() >= Layout::kSegmentMax / Layout::kFuncStride)
        return err(d.loc, "too many functions");
    Function f;
    f.name = d.name;
    f.type = d.type;
    f.loc = d.loc;
    f.nparams = static_cast<uint32_t>(t_.get(d.type).params.size());
    p_.functions.push_back(std::move(f));
    uint32_t idx = static_cast<uint32_t>(p_.functions.size() - 1);
    p_.function_index[d.name] = idx;
    return idx;
}

// A scalar whose address is taken (&x) must live in memory; everything else gets a register.
void Compiler::scan_address_taken(size_t from) {
    address_taken_.clear();
    int depth = 0;
    for (size_t i = from; i < toks_.size() && toks_[i].kind != Tok::End; i++) {
        if (toks_[i].is("{")) depth++;
        if (toks_[i].is("}") && --depth == 0) break;
        if (!toks_[i].is("&")) continue;
        size_t j = i + 1;
        while (j < toks_.size() && toks_[j].is("(")) j++;
        if (j < toks_.size() && toks_[j].kind == Tok::Ident) address_taken_.insert(toks_[j].text);
    }
}

void Compiler::reset_function_state() {
    scopes_.clear();
    labels_.clear();
    goto_names_.clear();
    goto_sites_.clear();
    breaks_.clear();
    continues_.clear();
    switches_.clear();
    depth_ = 0;
}

Result<void> Compiler::resolve_gotos() {
    for (size_t i = 0; i < goto_sites_.size(); i++) {
        auto l = labels_.find(goto_names_[i].first);
        if (l == labels_.end())
            return err(goto_names_[i].second,
                       "use of undeclared label '" + goto_names_[i].first + "'");
        patch(goto_sites_[i], l->second);
    }
    return {};
}

Result<void> Compiler::function_definition(const Decl& d, bool) {
    auto idx = declare_function(d);
    KLAB_TRY(idx);
    if (!at("{")) return err_here("expected '{' to begin the function body");
    Function cur;
    cur.name = d.name;
    cur.type = d.type;
    cur.loc = d.loc;
    cur.defined = true;
    const Type& ft = t_.get(d.type);
    cur.nparams = static_cast<uint32_t>(ft.params.size());
    cur.nslots = cur.nparams;
    fn_ = &cur;
    ret_type_ = ft.base;
    top_level_stmt_ = false;
    reset_function_state();
    scan_address_taken(pos_);
    scopes_.emplace_back();
    for (uint32_t i = 0; i < cur.nparams; i++) {
        const std::string& name = i < d.param_names.size() ? d.param_names[i] : std::string();
        if (name.empty()) continue;
        Var v;
        v.type = ft.params[i];
        if (address_taken_.count(name)) {
            v.kind = Var::Frame;
            v.offset = new_frame_bytes(v.type);
            emit(Op::FrameAddr, 0, v.offset);
            emit(Op::Local, static_cast<int32_t>(i));
            emit(Op::Store, 0, 0, static_cast<uint8_t>(t_.width(v.type)));
            emit(Op::Pop);
        } else {
            v.kind = Var::Reg;
            v.slot = i;
        }
        scopes_.back()[name] = v;
    }
    auto body = block(1);
    if (!body.ok()) {
        fn_ = nullptr;
        return body.error();
    }
    emit(Op::RetVoid); // falling off the end returns 0 (C leaves it undefined)
    KLAB_TRY(resolve_gotos());
    compact(cur);
    fn_ = nullptr;
    reset_function_state();
    p_.functions[idx.value()] = std::move(cur);
    unit_.defined_functions.push_back(d.name);
    return {};
}

// Writes a constant scalar into the data segment (globals with constant initializers are
// set at compile time, as the loader does for .data).
static void poke(Program& p, uint64_t addr, uint32_t width, uint64_t v) {
    uint64_t off = addr - p.data_base();
    for (uint32_t i = 0; i < width; i++) p.data[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

Result<void> Compiler::global_declaration(const DeclSpec& spec, Decl d) {
    ExprPtr init;
    if (accept("=")) {
        auto i = initializer();
        KLAB_TRY(i);
        init = std::move(i.value());
    }
    if (p_.function_index.count(d.name) || p_.builtin_index.count(d.name) ||
        p_.constants.count(d.name))
        return err(d.loc, "redefinition of '" + d.name + "' as a different kind of symbol");
    if (t_.kind(d.type) == TypeKind::Array && t_.get(d.type).count == 0 && init) {
        size_t n = init->kind == ExprKind::Str ? init->text.size() + 1 : init->args.size();
        if (n == 0 || n > (1u << 20)) return err(init->loc, "bad array initializer size");
        d.type = t_.array_of(t_.get(d.type).base, static_cast<uint32_t>(n));
    }
    if (t_.kind(d.type) == TypeKind::Void) return err(d.loc, "variable has incomplete type 'void'");
    auto old = p_.globals.find(d.name);
    uint64_t addr;
    if (old != p_.globals.end() && old->second.type == d.type) {
        addr = old->second.addr; // a tentative definition again, or the console re-declaring it
        if (!init && !spec.is_extern) {
            // "int x;" again at the console resets nothing, as in C.
        }
    } else {
        auto a = spec.is_percpu ? new_percpu_global(d.type, d.loc) : new_global(d.type, d.loc);
        KLAB_TRY(a);
        addr = a.value();
        p_.globals[d.name] = Global{d.type, addr};
    }
    if (!init) return {};
    if (spec.is_percpu)
        return err(d.loc, "KernelC does not initialise per-CPU variables: assign each CPU's "
                          "copy with per_cpu(" +
                              d.name + ", cpu) instead");
    int64_t cv = 0;
    if (t_.is_scalar(d.type) && init->kind != ExprKind::InitList && const_eval(*init, cv) &&
        (t_.is_integer(d.type) || cv == 0)) {
        poke(p_, addr, t_.width(d.type), static_cast<uint64_t>(cv));
        return {};
    }
    // Anything else is computed by a step when the unit runs (a console extension: C would
    // demand a constant).
    Step s;
    s.loc = d.loc;
    s.code.name = d.name;
    fn_ = &s.code;
    top_level_stmt_ = true;
    reset_function_state();
    scopes_.emplace_back();
    emit(Op::Const, 0, addr);
    auto r = init_memory(d.type, *init, 0);
    emit(Op::RetVoid);
    fn_ = nullptr;
    top_level_stmt_ = false;
    scopes_.clear();
    KLAB_TRY(r);
    compact(s.code);
    unit_.steps.push_back(std::move(s));
    return {};
}

Result<void> Compiler::top_level_statement() {
    Step s;
    s.loc = tok().loc;
    s.code.name = "";
    fn_ = &s.code;
    top_level_stmt_ = true;
    reset_function_state();
    scopes_.emplace_back();
    auto body = [&]() -> Result<void> {
        const Token& t = tok();
        static const char* kStmtWords[] = {"if",    "while",    "do",   "for",  "switch",  "return",
                                           "break", "continue", "goto", "case", "default", "else"};
        bool keyword = false;
        for (const char* w : kStmtWords) keyword = keyword || t.is_ident(w);
        if (t.is("{") || keyword || (t.kind == Tok::Ident && peek().is(":"))) {
            KLAB_TRY(statement(0));
            emit(Op::RetVoid);
            return resolve_gotos();
        }
        auto e = expr();
        KLAB_TRY(e);
        // At the end of console input the ';' may be left out, as in a debugger.
        if (tok().kind != Tok::End) KLAB_TRY(expect(";", "after expression"));
        // Not decayed: the console shows an array or struct value, not its address.
        auto ty = gen(*e.value(), false);
        KLAB_TRY(ty);
        if (t_.kind(ty.value()) == TypeKind::Function) ty = t_.pointer_to(ty.value());
        const Expr& top = *e.value();
        if (top.kind == ExprKind::Call && top.a->kind == ExprKind::Ident) s.callee = top.a->text;
        if (t_.kind(ty.value()) == TypeKind::Void) {
            emit(Op::RetVoid);
        } else {
            s.show = ty.value();
            emit(Op::Ret);
        }
        return resolve_gotos();
    }();
    fn_ = nullptr;
    top_level_stmt_ = false;
    reset_function_state();
    KLAB_TRY(body);
    compact(s.code);
    unit_.steps.push_back(std::move(s));
    return {};
}

Result<uint32_t> Compiler::builtin_prototype() {
    auto spec = decl_specs();
    KLAB_TRY(spec);
    auto d = declarator(spec.value().type, false);
    KLAB_TRY(d);
    accept(";");
    if (tok().kind != Tok::End) return err_here("expected one prototype");
    if (t_.kind(d.value().type) != TypeKind::Function)
        return err(d.value().loc, "a builtin must be a function");
    if (p_.builtin_index.count(d.value().name))
        return err(d.value().loc, "builtin '" + d.value().name + "' declared twice");
    p_.builtins.push_back(Builtin{d.value().name, d.value().type});
    uint32_t id = static_cast<uint32_t>(p_.builtins.size() - 1);
    p_.builtin_index[d.value().name] = id;
    return id;
}

Result<ExprPtr> Compiler::expression_only() {
    auto e = expr();
    KLAB_TRY(e);
    if (tok().kind != Tok::End) return err_here("unexpected text after the expression");
    return e;
}

bool Program::function_at(uint64_t addr, uint32_t& index) const {
    if (addr < text_base()) return false;
    uint64_t i = (addr - text_base()) / Layout::kFuncStride;
    if (i >= functions.size() || !functions[i].defined) return false;
    index = static_cast<uint32_t>(i);
    return true;
}

// --- public API ---------------------------------------------------------------------------

static Result<std::vector<Token>> tokens(Program& prog, const Source& src) {
    auto raw = lex(src);
    KLAB_TRY(raw);
    return preprocess(src, raw.value(), prog.macros);
}

Result<Unit> compile(Program& prog, const Source& src) {
    Program work = prog; // all or nothing: a unit with an error changes nothing
    auto toks = tokens(work, src);
    KLAB_TRY(toks);
    Compiler c(work, src, std::move(toks.value()));
    auto u = c.unit();
    KLAB_TRY(u);
    work.unit_counter++;
    prog = std::move(work);
    return u;
}

Result<uint32_t> declare_builtin(Program& prog, std::string_view prototype) {
    Source src{"<builtin>", std::string(prototype)};
    auto toks = tokens(prog, src);
    KLAB_TRY(toks);
    Compiler c(prog, src, std::move(toks.value()));
    return c.builtin_prototype();
}

Result<void> add_constant(Program& prog, std::string_view name, std::string_view type_name,
                          uint64_t value) {
    Source src{"<constant>", std::string(type_name)};
    auto toks = tokens(prog, src);
    KLAB_TRY(toks);
    Compiler c(prog, src, std::move(toks.value()));
    auto t = c.type_name();
    KLAB_TRY(t);
    prog.constants[std::string(name)] = Constant{t.value(), value};
    return {};
}

Result<std::string> parse_for_test(Program& prog, std::string_view expression) {
    Source src{"<test>", std::string(expression)};
    auto toks = tokens(prog, src);
    KLAB_TRY(toks);
    Compiler c(prog, src, std::move(toks.value()));
    auto e = c.expression_only();
    KLAB_TRY(e);
    return dump(*e.value(), prog.types);
}

} // namespace klab::kc
