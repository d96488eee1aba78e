// KernelC types: the C integer types, pointers, arrays, structs/unions, enums and function
// types, laid out with the C alignment rules of the target (i386 ILP32 or x86_64 LP64).
// Simplifications: no floating point, no bit-fields; const/volatile are accepted and ignored.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace klab::kc {

// What the compiled code runs on. Differences that matter to C: the sizes of long and
// pointers, and that i386 aligns long long to 4 bytes inside structs.
struct Target {
    uint32_t pointer_bytes = 8;
    uint64_t module_base = 0xffffffffc0000000ull; // MODULES_VADDR with KASLR off
    uint64_t stack_base = 0xffffc90000000000ull;  // VMAP_STACK: task stacks in vmalloc space
    uint32_t thread_size = 16384;
    // Bytes of frames the VM follows below the stack's lowest address: 0 where a guard page
    // stops an overflow (x86_64 VMAP_STACK); x86_32 has none, so frames run on into the
    // memory below (through the host) until this lab limit.
    uint32_t stack_overrun = 0;
    // Where DEFINE_PER_CPU variables go: a __percpu address and the bytes available (set by
    // the session from the kernel's percpu first chunk; 0 = none).
    uint64_t percpu_base = 0;
    uint32_t percpu_size = 0;

    static Target x86_64() { return Target{}; }
    static Target i386() {
        Target t{4, 0xf8000000ull, 0xf7800000ull, 8192};
        t.stack_overrun = 32768;
        return t;
    }
    bool is64() const { return pointer_bytes == 8; }
    uint64_t pointer_mask() const { return is64() ? ~0ull : 0xffffffffull; }
};

enum class TypeKind : uint8_t {
    Void,
    Bool,
    Char,
    SChar,
    UChar,
    Short,
    UShort,
    Int,
    UInt,
    Long,
    ULong,
    LongLong,
    ULongLong,
    Pointer,
    Array,
    Record,
    Function,
    Enum
};

using TypeId = uint32_t;

struct Field {
    std::string name;
    TypeId type = 0;
    uint32_t offset = 0;
};

// A struct or union. Opaque kernel types (struct page, struct kmem_cache) stay incomplete.
struct Record {
    std::string tag;
    bool is_union = false;
    bool complete = false;
    std::vector<Field> fields;
    uint32_t size = 0;
    uint32_t align = 1;
};

struct Type {
    TypeKind kind = TypeKind::Void;
    TypeId base = 0;     // pointee, element, or return type
    uint32_t count = 0;  // array length (0 = unknown, e.g. "int a[]" before its initializer)
    uint32_t record = 0; // index into records for Record and Enum
    bool variadic = false;
    std::vector<TypeId> params;
};

class TypeTable {
public:
    explicit TypeTable(Target t = Target{});

    const Target& target() const { return target_; }
    const Type& get(TypeId id) const { return types_[id]; }
    TypeKind kind(TypeId id) const { return types_[id].kind; }
    Record& record(uint32_t i) { return records_[i]; }
    const Record& record(uint32_t i) const { return records_[i]; }
    const Record& record_of(TypeId id) const { return records_[types_[id].record]; }

    TypeId prim(TypeKind k) const { return static_cast<TypeId>(k); }
    TypeId pointer_to(TypeId base);
    TypeId array_of(TypeId elem, uint32_t count);
    TypeId function(TypeId ret, const std::vector<TypeId>& params, bool variadic);
    // A new struct/union/enum type (records of enums hold only the tag).
    TypeId new_record(const std::string& tag, bool is_union);
    TypeId new_enum(const std::string& tag);
    // Lays out the fields appended to an incomplete record (C rules: each field at its
    // alignment; size rounded up to the largest alignment).
    void complete_record(TypeId id);

    uint64_t size_of(TypeId id) const;
    uint32_t align_of(TypeId id) const;
    bool is_integer(TypeId id) const;
    bool is_signed(TypeId id) const;
    bool is_pointer(TypeId id) const { return kind(id) == TypeKind::Pointer; }
    bool is_scalar(TypeId id) const { return is_integer(id) || is_pointer(id); }
    bool is_complete(TypeId id) const;
    // Width in bytes of an integer or pointer value.
    uint32_t width(TypeId id) const { return static_cast<uint32_t>(size_of(id)); }

    // C spelling, e.g. "struct page *", "int [4]", "void (*)(int)".
    std::string name(TypeId id) const;
    const Field* find_field(TypeId rec, const std::string& name) const;

private:
    Target target_;
    std::vector<Type> types_;
    std::vector<Record> records_;
    std::map<std::tuple<int, TypeId, uint32_t>, TypeId> derived_; // pointers and arrays
    std::map<std::vector<TypeId>, TypeId> functions_;

    TypeId add(Type t);
    std::string declarator(TypeId id, const std::string& inner) const;
};

} // namespace klab::kc
