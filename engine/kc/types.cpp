// Type construction and C layout rules for the two targets (see types.h).
#include "kc/types.h"

#include <algorithm>

#include "core/assert.h"

namespace klab::kc {

TypeTable::TypeTable(Target t) : target_(t) {
    // The primitive kinds are the first types, so prim(kind) == kind.
    for (int k = 0; k <= static_cast<int>(TypeKind::ULongLong); k++) {
        Type ty;
        ty.kind = static_cast<TypeKind>(k);
        types_.push_back(ty);
    }
}

TypeId TypeTable::add(Type t) {
    types_.push_back(std::move(t));
    return static_cast<TypeId>(types_.size() - 1);
}

TypeId TypeTable::pointer_to(TypeId base) {
    auto key = std::make_tuple(0, base, 0u);
    auto it = derived_.find(key);
    if (it != derived_.end()) return it->second;
    Type t;
    t.kind = TypeKind::Pointer;
    t.base = base;
    return derived_[key] = add(t);
}

TypeId TypeTable::array_of(TypeId elem, uint32_t count) {
    auto key = std::make_tuple(1, elem, count);
    auto it = derived_.find(key);
    if (it != derived_.end()) return it->second;
    Type t;
    t.kind = TypeKind::Array;
    t.base = elem;
    t.count = count;
    return derived_[key] = add(t);
}

TypeId TypeTable::function(TypeId ret, const std::vector<TypeId>& params, bool variadic) {
    std::vector<TypeId> key = params;
    key.push_back(ret);
    key.push_back(variadic ? 1 : 0);
    auto it = functions_.find(key);
    if (it != functions_.end()) return it->second;
    Type t;
    t.kind = TypeKind::Function;
    t.base = ret;
    t.params = params;
    t.variadic = variadic;
    return functions_[key] = add(t);
}

TypeId TypeTable::new_record(const std::string& tag, bool is_union) {
    Record r;
    r.tag = tag;
    r.is_union = is_union;
    records_.push_back(r);
    Type t;
    t.kind = TypeKind::Record;
    t.record = static_cast<uint32_t>(records_.size() - 1);
    return add(t);
}

TypeId TypeTable::new_enum(const std::string& tag) {
    Record r;
    r.tag = tag;
    r.complete = true;
    records_.push_back(r);
    Type t;
    t.kind = TypeKind::Enum;
    t.record = static_cast<uint32_t>(records_.size() - 1);
    return add(t);
}

void TypeTable::complete_record(TypeId id) {
    Record& r = records_[types_[id].record];
    uint64_t off = 0, size = 0;
    uint32_t align = 1;
    for (Field& f : r.fields) {
        uint32_t a = align_of(f.type);
        uint64_t s = size_of(f.type);
        if (r.is_union) {
            f.offset = 0;
            size = std::max(size, s);
        } else {
            off = (off + a - 1) / a * a;
            f.offset = static_cast<uint32_t>(off);
            off += s;
            size = off;
        }
        align = std::max(align, a);
    }
    size = (size + align - 1) / align * align;
    r.size = static_cast<uint32_t>(std::min<uint64_t>(size, 0xffffffffu));
    r.align = align;
    r.complete = true;
}

uint64_t TypeTable::size_of(TypeId id) const {
    const Type& t = types_[id];
    switch (t.kind) {
    case TypeKind::Void: return 1; // GNU C: sizeof(void) == 1, as in pointer arithmetic
    case TypeKind::Bool:
    case TypeKind::Char:
    case TypeKind::SChar:
    case TypeKind::UChar: return 1;
    case TypeKind::Short:
    case TypeKind::UShort: return 2;
    case TypeKind::Int:
    case TypeKind::UInt:
    case TypeKind::Enum: return 4;
    case TypeKind::Long:
    case TypeKind::ULong:
    case TypeKind::Pointer: return target_.pointer_bytes;
    case TypeKind::LongLong:
    case TypeKind::ULongLong: return 8;
    case TypeKind::Array: return size_of(t.base) * t.count;
    case TypeKind::Record: return records_[t.record].size;
    case TypeKind::Function: return 1;
    }
    return 1;
}

uint32_t TypeTable::align_of(TypeId id) const {
    const Type& t = types_[id];
    switch (t.kind) {
    case TypeKind::LongLong:
    case TypeKind::ULongLong: return target_.is64() ? 8 : 4;
    case TypeKind::Array: return align_of(t.base);
    case TypeKind::Record: return records_[t.record].align;
    default: return static_cast<uint32_t>(std::min<uint64_t>(size_of(id), 8));
    }
}

bool TypeTable::is_integer(TypeId id) const {
    TypeKind k = types_[id].kind;
    return (k >= TypeKind::Bool && k <= TypeKind::ULongLong) || k == TypeKind::Enum;
}

bool TypeTable::is_signed(TypeId id) const {
    switch (types_[id].kind) {
    case TypeKind::Char:
    case TypeKind::SChar:
    case TypeKind::Short:
    case TypeKind::Int:
    case TypeKind::Long:
    case TypeKind::LongLong:
    case TypeKind::Enum: return true;
    default: return false; // x86 char is signed, handled above; pointers are unsigned
    }
}

bool TypeTable::is_complete(TypeId id) const {
    const Type& t = types_[id];
    if (t.kind == TypeKind::Void || t.kind == TypeKind::Function) return false;
    if (t.kind == TypeKind::Record) return records_[t.record].complete;
    if (t.kind == TypeKind::Array) return t.count > 0 && is_complete(t.base);
    return true;
}

const Field* TypeTable::find_field(TypeId rec, const std::string& name) const {
    for (const Field& f : record_of(rec).fields)
        if (f.name == name) return &f;
    return nullptr;
}

static const char* prim_name(TypeKind k) {
    switch (k) {
    case TypeKind::Void: return "void";
    case TypeKind::Bool: return "_Bool";
    case TypeKind::Char: return "char";
    case TypeKind::SChar: return "signed char";
    case TypeKind::UChar: return "unsigned char";
    case TypeKind::Short: return "short";
    case TypeKind::UShort: return "unsigned short";
    case TypeKind::Int: return "int";
    case TypeKind::UInt: return "unsigned int";
    case TypeKind::Long: return "long";
    case TypeKind::ULong: return "unsigned long";
    case TypeKind::LongLong: return "long long";
    case TypeKind::ULongLong: return "unsigned long long";
    default: return "?";
    }
}

// C declarator syntax inside out: the base type's name, then pointers/arrays/functions
// wrapped around `inner`.
std::string TypeTable::declarator(TypeId id, const std::string& inner) const {
    const Type& t = types_[id];
    switch (t.kind) {
    case TypeKind::Pointer: {
        TypeKind bk = types_[t.base].kind;
        bool paren = bk == TypeKind::Array || bk == TypeKind::Function;
        return declarator(t.base, paren ? "(*" + inner + ")" : "*" + inner);
    }
    case TypeKind::Array:
        return declarator(t.base, inner + "[" + (t.count ? std::to_string(t.count) : "") + "]");
    case TypeKind::Function: {
        std::string ps;
        for (size_t i = 0; i < t.params.size(); i++) ps += (i ? ", " : "") + name(t.params[i]);
        if (t.variadic) ps += t.params.empty() ? "..." : ", ...";
        if (t.params.empty() && !t.variadic) ps = "void";
        return declarator(t.base, inner + "(" + ps + ")");
    }
    case TypeKind::Record: {
        const Record& r = records_[t.record];
        std::string base = std::string(r.is_union ? "union " : "struct ") +
                           (r.tag.empty() ? "<anonymous>" : r.tag);
        return inner.empty() ? base : base + " " + inner;
    }
    case TypeKind::Enum: {
        std::string base = "enum " + (records_[t.record].tag.empty() ? std::string("<anonymous>")
                                                                     : records_[t.record].tag);
        return inner.empty() ? base : base + " " + inner;
    }
    default: {
        std::string base = prim_name(t.kind);
        return inner.empty() ? base : base + " " + inner;
    }
    }
}

std::string TypeTable::name(TypeId id) const {
    return declarator(id, "");
}

} // namespace klab::kc
