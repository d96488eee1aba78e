// Console value display (see value.h).
#include "session/value.h"

#include <cctype>
#include <cstdio>

#include "session/oops.h"

namespace klab {

namespace {

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

// An unsigned long holding a kernel address (what __get_free_pages() returns) reads as one in
// hex, the way gdb prints pointers; other values, -1 and the IS_ERR_VALUE() range (the last
// 4095 values) stay decimal.
bool looks_like_kernel_address(const MachineConfig& c, uint64_t v, uint64_t bytes) {
    if (bytes != c.pointer_bytes()) return false;
    uint64_t top = bytes == 4 ? 0xFFFFFFFFull : ~0ull;
    uint64_t kernel_half = c.arch == Arch::i386 ? c.page_offset() : 0xffff800000000000ull;
    return v >= kernel_half && v <= top - 4095;
}

std::string char_repr(int c) {
    switch (c) {
    case 0: return "'\\000'";
    case '\n': return "'\\n'";
    case '\t': return "'\\t'";
    case '\'': return "'\\''";
    case '\\': return "'\\\\'";
    default: break;
    }
    if (c >= 32 && c < 127) return std::string("'") + static_cast<char>(c) + "'";
    char buf[8];
    std::snprintf(buf, sizeof buf, "'\\%03o'", c & 0xff);
    return buf;
}

std::string quoted(const std::string& s, bool truncated) {
    std::string out = "\"";
    for (char ch : s) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\')
            out += std::string("\\") + ch;
        else if (c == '\n')
            out += "\\n";
        else if (c == '\t')
            out += "\\t";
        else if (c >= 32 && c < 127)
            out += ch;
        else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\%03o", c);
            out += buf;
        }
    }
    return out + (truncated ? "\"..." : "\"");
}

} // namespace

// Aggregates are shown from memory, gdb style: {x = 1, name = "abc"} and {1, 2, 3}.
static std::string format_aggregate(SessionState& st, kc::Thread& th, kc::Host& host,
                                    kc::TypeId type, uint64_t addr, int depth) {
    const kc::TypeTable& t = st.prog.types;
    if (depth > 4) return "{...}";
    auto load = [&](kc::TypeId ft, uint64_t a, std::string& out) {
        if (t.kind(ft) == kc::TypeKind::Record || t.kind(ft) == kc::TypeKind::Array) {
            out = format_aggregate(st, th, host, ft, a, depth + 1);
            return true;
        }
        uint64_t raw = 0;
        kc::Fault f;
        uint32_t w = t.width(ft);
        if (!kc::vm_read(st.prog, th, host, a, &raw, w, f)) return false;
        if (t.is_signed(ft) && w < 8) {
            unsigned shift = 64 - 8 * w;
            raw = static_cast<uint64_t>(static_cast<int64_t>(raw << shift) >> shift);
        }
        out = format_value(st, th, host, ft, raw);
        return true;
    };
    std::string bad = "<error: Cannot access memory at address " + hex(addr) + ">";
    std::string out = "{";
    if (t.kind(type) == kc::TypeKind::Record) {
        const kc::Record& rec = t.record_of(type);
        for (size_t i = 0; i < rec.fields.size(); i++) {
            std::string fv;
            if (!load(rec.fields[i].type, addr + rec.fields[i].offset, fv)) return bad;
            out += (i ? ", " : "") + rec.fields[i].name + " = " + fv;
        }
        return out + "}";
    }
    kc::TypeId elem = t.get(type).base;
    uint32_t n = t.get(type).count;
    if (t.width(elem) == 1 && t.is_integer(elem)) { // char arrays print as strings
        std::string s;
        kc::Fault f;
        if (!kc::vm_read_string(st.prog, th, host, addr, n, s, f)) return bad;
        return quoted(s, false);
    }
    for (uint32_t i = 0; i < n && i < 100; i++) {
        std::string ev;
        if (!load(elem, addr + i * t.size_of(elem), ev)) return bad;
        out += (i ? ", " : "") + ev;
    }
    return out + (n > 100 ? "..." : "") + "}";
}

std::string format_value(SessionState& st, kc::Thread& th, kc::Host& host, kc::TypeId type,
                         uint64_t v) {
    const kc::TypeTable& t = st.prog.types;
    if (t.kind(type) == kc::TypeKind::Record || t.kind(type) == kc::TypeKind::Array)
        return format_aggregate(st, th, host, type, v, 0);
    kc::TypeKind k = t.kind(type);
    if (k == kc::TypeKind::Bool) return v ? "true" : "false";
    if (k == kc::TypeKind::Char || k == kc::TypeKind::SChar || k == kc::TypeKind::UChar) {
        int c = static_cast<int>(v & 0xff);
        std::string num =
            t.is_signed(type) ? std::to_string(static_cast<int64_t>(v)) : std::to_string(v);
        return num + " " + char_repr(c);
    }
    if (t.is_integer(type)) {
        if (t.is_signed(type)) return std::to_string(static_cast<int64_t>(v));
        return looks_like_kernel_address(st.kernel.config, v, t.size_of(type)) ? hex(v) : std::to_string(v);
    }
    if (k == kc::TypeKind::Pointer) {
        kc::TypeId base = t.get(type).base;
        kc::TypeKind bk = t.kind(base);
        if (bk == kc::TypeKind::Function) {
            std::string sym = symbolize(st, v, false);
            return "(" + t.name(type) + ") " + hex(v) + (sym.empty() ? "" : " <" + sym + ">");
        }
        if ((bk == kc::TypeKind::Char || bk == kc::TypeKind::UChar || bk == kc::TypeKind::SChar) &&
            v) {
            std::string s;
            kc::Fault f;
            if (kc::vm_read_string(st.prog, th, host, v, 200, s, f))
                return hex(v) + " " + quoted(s, s.size() == 200);
            return hex(v) + " <error: Cannot access memory at address " + hex(f.addr) + ">";
        }
        return "(" + t.name(type) + ") " + hex(v);
    }
    return hex(v);
}

} // namespace klab
