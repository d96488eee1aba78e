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

std::string format_value(SessionState& st, kc::Thread& th, kc::Host& host, kc::TypeId type,
                         uint64_t v) {
    const kc::TypeTable& t = st.prog.types;
    kc::TypeKind k = t.kind(type);
    if (k == kc::TypeKind::Bool) return v ? "true" : "false";
    if (k == kc::TypeKind::Char || k == kc::TypeKind::SChar || k == kc::TypeKind::UChar) {
        int c = static_cast<int>(v & 0xff);
        std::string num =
            t.is_signed(type) ? std::to_string(static_cast<int64_t>(v)) : std::to_string(v);
        return num + " " + char_repr(c);
    }
    if (t.is_integer(type))
        return t.is_signed(type) ? std::to_string(static_cast<int64_t>(v)) : std::to_string(v);
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
