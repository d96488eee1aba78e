// KernelC declarations: specifiers (int, unsigned long, struct x, typedef names, storage
// classes) and C declarators (pointers, arrays, function types, "(*fp)(int)").
#include "kc/compiler_impl.h"

namespace klab::kc {

namespace {
const std::set<std::string> kTypeWords = {
    "void",     "char",     "short",      "int",           "long",       "signed",
    "unsigned", "_Bool",    "bool",       "struct",        "union",      "enum",
    "const",    "volatile", "static",     "extern",        "typedef",    "inline",
    "register", "__inline", "__inline__", "__attribute__", "__signed__", "__const",
    "auto",     "restrict", "__restrict", "typeof",        "__typeof__", "__typeof"};
}

bool Compiler::starts_type() const {
    const Token& t = tok();
    if (t.kind != Tok::Ident) return false;
    if (kTypeWords.count(t.text)) return true;
    if (!p_.typedefs.count(t.text)) return false;
    // A local variable shadows a typedef of the same name.
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it)
        if (it->count(t.text)) return false;
    return true;
}

Result<void> Compiler::skip_attributes() {
    while (tok().is_ident("__attribute__")) {
        pos_++;
        KLAB_TRY(expect("("));
        int depth = 1;
        while (depth > 0) {
            if (tok().kind == Tok::End) return err_here("unterminated __attribute__");
            // section(".data..percpu"): DEFINE_PER_CPU's section, the one attribute with a
            // meaning here (the variable lives in the per-CPU area, see global_declaration).
            if (tok().is_ident("section") && peek().is("(") && peek(2).kind == Tok::String &&
                peek(2).text.rfind(".data..percpu", 0) == 0)
                percpu_attr_ = true;
            if (at("(")) depth++;
            if (at(")")) depth--;
            pos_++;
        }
    }
    return {};
}

// typeof(expression) or typeof(type-name), as GNU C.
Result<TypeId> Compiler::typeof_spec() {
    pos_++;
    KLAB_TRY(expect("(", "after typeof"));
    // A type name inside has its own specifiers: keep the outer declaration's attribute.
    bool percpu = percpu_attr_;
    percpu_attr_ = false;
    struct Restore {
        bool& flag;
        bool value;
        ~Restore() { flag = value; }
    } restore{percpu_attr_, percpu};
    TypeId t;
    if (starts_type()) {
        auto r = type_name();
        KLAB_TRY(r);
        t = r.value();
    } else {
        auto e = expr();
        KLAB_TRY(e);
        // type_of() generates code and discards it: outside a function it needs a scratch one.
        Function scratch;
        Function* outer = fn_;
        if (!fn_) fn_ = &scratch;
        auto r = type_of(*e.value(), false);
        fn_ = outer;
        KLAB_TRY(r);
        t = r.value();
    }
    KLAB_TRY(expect(")", "to close typeof"));
    return t;
}

Result<DeclSpec> Compiler::decl_specs() {
    DeclSpec s;
    s.loc = tok().loc;
    int longs = 0, shorts = 0, sign = 0; // sign: 1 signed, 2 unsigned
    bool saw_int = false, saw_char = false, saw_base = false;
    TypeId base = 0;
    while (true) {
        KLAB_TRY(skip_attributes());
        const Token& t = tok();
        if (t.kind != Tok::Ident) break;
        const std::string& w = t.text;
        if (w == "const" || w == "volatile" || w == "inline" || w == "__inline" ||
            w == "__inline__" || w == "register" || w == "__const" || w == "auto" ||
            w == "restrict" || w == "__restrict") {
        } else if (w == "typedef") {
            s.is_typedef = true;
        } else if (w == "static") {
            s.is_static = true;
        } else if (w == "extern") {
            s.is_extern = true;
        } else if (w == "signed" || w == "__signed__") {
            sign = 1;
        } else if (w == "unsigned") {
            sign = 2;
        } else if (w == "long") {
            if (++longs > 2) return err_here("'long long long' is too long for KernelC");
        } else if (w == "short") {
            shorts++;
        } else if (w == "int") {
            saw_int = true;
        } else if (w == "char") {
            saw_char = true;
        } else if ((w == "void" || w == "_Bool" || w == "bool") && !saw_base) {
            base = t_.prim(w == "void" ? TypeKind::Void : TypeKind::Bool);
            saw_base = true;
        } else if ((w == "struct" || w == "union") && !saw_base) {
            pos_++;
            auto r = record_spec(w == "union");
            KLAB_TRY(r);
            base = r.value();
            saw_base = true;
            continue;
        } else if ((w == "typeof" || w == "__typeof__" || w == "__typeof") && !saw_base) {
            auto r = typeof_spec();
            KLAB_TRY(r);
            base = r.value();
            saw_base = true;
            continue;
        } else if (w == "enum" && !saw_base) {
            pos_++;
            auto r = enum_spec();
            KLAB_TRY(r);
            base = r.value();
            saw_base = true;
            continue;
        } else if (!saw_base && !saw_int && !saw_char && !longs && !shorts && !sign &&
                   starts_type()) {
            base = p_.typedefs.at(w);
            saw_base = true;
        } else {
            break;
        }
        pos_++;
    }
    s.is_percpu = percpu_attr_;
    percpu_attr_ = false;
    bool any_int = saw_int || saw_char || longs || shorts || sign;
    if (saw_base && any_int) return err(s.loc, "cannot combine these type specifiers");
    if (saw_base) {
        s.type = base;
        return s;
    }
    if (!any_int) return err(s.loc, "expected a type");
    TypeKind k;
    if (saw_char) {
        if (longs || shorts) return err(s.loc, "cannot combine 'char' with 'long' or 'short'");
        k = sign == 1 ? TypeKind::SChar : sign == 2 ? TypeKind::UChar : TypeKind::Char;
    } else if (shorts) {
        k = sign == 2 ? TypeKind::UShort : TypeKind::Short;
    } else if (longs == 1) {
        k = sign == 2 ? TypeKind::ULong : TypeKind::Long;
    } else if (longs == 2) {
        k = sign == 2 ? TypeKind::ULongLong : TypeKind::LongLong;
    } else {
        k = sign == 2 ? TypeKind::UInt : TypeKind::Int;
    }
    s.type = t_.prim(k);
    return s;
}

Result<TypeId> Compiler::record_spec(bool is_union) {
    if (++expr_depth_ > kMaxNesting) {
        expr_depth_--;
        return err_here("struct definitions nested too deeply");
    }
    struct Guard {
        int& d;
        ~Guard() { d--; }
    } guard{expr_depth_};
    KLAB_TRY(skip_attributes());
    std::string tag;
    Loc loc = tok().loc;
    if (tok().kind == Tok::Ident) {
        tag = tok().text;
        pos_++;
    }
    std::string key = (is_union ? "union " : "struct ") + tag;
    auto it = tag.empty() ? p_.tags.end() : p_.tags.find(key);
    if (!at("{")) {
        if (tag.empty()) return err(loc, "expected a struct name or '{'");
        if (it != p_.tags.end()) return it->second;
        // An unknown tag is an opaque (incomplete) type, like struct page for a module.
        TypeId id = t_.new_record(tag, is_union);
        p_.tags[key] = id;
        return id;
    }
    pos_++;
    TypeId id;
    if (it != p_.tags.end() && !t_.record_of(it->second).complete) {
        id = it->second;
    } else {
        // A new definition (the console may redefine a struct; old values keep the old type).
        id = t_.new_record(tag, is_union);
        if (!tag.empty()) p_.tags[key] = id;
    }
    std::vector<Field> fields;
    while (!accept("}")) {
        if (tok().kind == Tok::End) return err_here("expected '}' at end of struct");
        auto spec = decl_specs();
        KLAB_TRY(spec);
        do {
            auto d = declarator(spec.value().type, false);
            KLAB_TRY(d);
            const Decl& dv = d.value();
            if (!t_.is_complete(dv.type))
                return err(dv.loc, "field '" + dv.name + "' has incomplete type '" +
                                       t_.name(dv.type) + "'");
            for (const Field& f : fields)
                if (f.name == dv.name) return err(dv.loc, "duplicate member '" + dv.name + "'");
            fields.push_back(Field{dv.name, dv.type, 0});
        } while (accept(","));
        KLAB_TRY(expect(";", "after struct member"));
    }
    KLAB_TRY(skip_attributes());
    uint32_t ri = t_.get(id).record;
    t_.record(ri).fields = std::move(fields);
    t_.complete_record(id);
    if (t_.record(ri).size == 0 && t_.record(ri).fields.empty()) t_.record(ri).size = 0;
    return id;
}

Result<TypeId> Compiler::enum_spec() {
    std::string tag;
    Loc loc = tok().loc;
    if (tok().kind == Tok::Ident) {
        tag = tok().text;
        pos_++;
    }
    std::string key = "enum " + tag;
    if (!at("{")) {
        auto it = p_.tags.find(key);
        if (tag.empty()) return err(loc, "expected an enum name or '{'");
        if (it != p_.tags.end()) return it->second;
        TypeId id = t_.new_enum(tag);
        p_.tags[key] = id;
        return id;
    }
    pos_++;
    TypeId id = t_.new_enum(tag);
    if (!tag.empty()) p_.tags[key] = id;
    int64_t next = 0;
    while (!accept("}")) {
        if (tok().kind != Tok::Ident) return err_here("expected an enumerator name");
        std::string name = tok().text;
        pos_++;
        if (accept("=")) {
            auto v = const_expr();
            KLAB_TRY(v);
            next = v.value();
        }
        p_.constants[name] =
            Constant{t_.prim(TypeKind::Int),
                     static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(next)))};
        next++;
        if (!accept(",")) {
            KLAB_TRY(expect("}", "at end of enum"));
            break;
        }
    }
    return id;
}

// C declarators are read inside out: "int (*fp)(int)" is a pointer to a function. The inner
// part in parentheses is parsed twice: once to skip it, once with the completed base type.
Result<Decl> Compiler::declarator(TypeId base, bool abstract_ok) {
    if (++expr_depth_ > kMaxNesting) return err_here("declarator nested too deeply");
    struct Guard {
        int& d;
        ~Guard() { d--; }
    } guard{expr_depth_};
    KLAB_TRY(skip_attributes());
    while (accept("*")) {
        base = t_.pointer_to(base);
        while (tok().is_ident("const") || tok().is_ident("volatile") || tok().is_ident("__user") ||
               tok().is_ident("__iomem") || tok().is_ident("restrict") ||
               tok().is_ident("__restrict"))
            pos_++;
    }
    if (at("(") && (peek().is("*") || peek().is("("))) {
        pos_++;
        size_t inner = pos_;
        auto skip = declarator(t_.prim(TypeKind::Int), abstract_ok);
        KLAB_TRY(skip);
        KLAB_TRY(expect(")"));
        // Suffixes after the parentheses apply to the base first.
        Decl outer;
        {
            // Parse the suffixes by reading a name-less declarator of the base.
            auto s = declarator(base, true);
            KLAB_TRY(s);
            outer = std::move(s.value());
        }
        size_t after = pos_;
        pos_ = inner;
        auto d = declarator(outer.type, abstract_ok);
        KLAB_TRY(d);
        pos_ = after;
        if (d.value().param_names.empty()) d.value().param_names = outer.param_names;
        return d;
    }
    Decl d;
    d.loc = tok().loc;
    if (tok().kind == Tok::Ident && !starts_type()) {
        d.name = tok().text;
        pos_++;
    } else if (!abstract_ok) {
        return err_here("expected an identifier");
    }
    // Suffixes: arrays and parameter lists, applied right to left.
    std::vector<std::pair<char, uint32_t>> arrays;
    bool is_func = false;
    std::vector<TypeId> params;
    bool variadic = false;
    if (at("(")) {
        pos_++;
        is_func = true;
        if (tok().is_ident("void") && peek().is(")")) pos_++;
        while (!accept(")")) {
            if (accept("...")) {
                variadic = true;
                KLAB_TRY(expect(")", "after '...'"));
                break;
            }
            auto ps = decl_specs();
            KLAB_TRY(ps);
            auto pd = declarator(ps.value().type, true);
            KLAB_TRY(pd);
            TypeId pt = pd.value().type;
            if (t_.kind(pt) == TypeKind::Array) pt = t_.pointer_to(t_.get(pt).base);
            if (t_.kind(pt) == TypeKind::Function) pt = t_.pointer_to(pt);
            if (t_.kind(pt) == TypeKind::Void)
                return err(pd.value().loc, "parameter has type 'void'");
            params.push_back(pt);
            d.param_names.push_back(pd.value().name);
            if (!accept(",")) {
                KLAB_TRY(expect(")", "after parameter"));
                break;
            }
        }
    }
    while (at("[")) {
        pos_++;
        uint32_t n = 0;
        if (!at("]")) {
            auto v = const_expr();
            KLAB_TRY(v);
            if (v.value() <= 0 || v.value() > (1 << 24))
                return err(d.loc, "array size " + std::to_string(v.value()) +
                                      " is out of range (1 .. 16777216)");
            n = static_cast<uint32_t>(v.value());
        }
        KLAB_TRY(expect("]"));
        arrays.push_back({'a', n});
    }
    TypeId t = base;
    for (auto it = arrays.rbegin(); it != arrays.rend(); ++it) {
        if (!t_.is_complete(t))
            return err(d.loc, "array has incomplete element type '" + t_.name(t) + "'");
        t = t_.array_of(t, it->second);
        if (t_.size_of(t) > (64u << 20)) return err(d.loc, "array is too large");
    }
    if (is_func) {
        if (t_.kind(t) == TypeKind::Array) return err(d.loc, "function cannot return an array");
        t = t_.function(t, params, variadic);
    }
    d.type = t;
    KLAB_TRY(skip_attributes());
    return d;
}

Result<TypeId> Compiler::type_name() {
    auto s = decl_specs();
    KLAB_TRY(s);
    if (s.value().is_typedef || s.value().is_static)
        return err(s.value().loc, "storage class in a type name");
    auto d = declarator(s.value().type, true);
    KLAB_TRY(d);
    if (!d.value().name.empty()) return err(d.value().loc, "unexpected name in a type");
    return d.value().type;
}

} // namespace klab::kc
