// Kernel printf formatting (see vsprintf.h). Follows the kernel's number() rules where they
// differ from C's printf: "%#x" of 0 prints "0x0", and zero padding survives a precision.
#include "lib/vsprintf.h"

#include <algorithm>
#include <cctype>

namespace klab {

namespace {

struct Spec {
    bool left = false, plus = false, space = false, special = false, zeropad = false;
    bool upper = false, is_signed = false;
    int width = -1, precision = -1;
    unsigned base = 10;
};

std::string number(uint64_t num, Spec s) {
    char sign = 0;
    if (s.is_signed && static_cast<int64_t>(num) < 0) {
        sign = '-';
        num = 0 - num;
    } else if (s.is_signed && s.plus) {
        sign = '+';
    } else if (s.is_signed && s.space) {
        sign = ' ';
    }
    std::string digits;
    const char* set = s.upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        digits.insert(digits.begin(), set[num % s.base]);
        num /= s.base;
    } while (num);
    std::string prefix;
    if (s.special && s.base == 16) prefix = s.upper ? "0X" : "0x";
    if (s.special && s.base == 8) prefix = "0";
    int prec = std::max<int>(s.precision, static_cast<int>(digits.size()));
    int pad = s.width - prec - static_cast<int>(prefix.size()) - (sign ? 1 : 0);
    if (s.left) s.zeropad = false;
    std::string out;
    if (!s.left && !s.zeropad)
        for (; pad > 0; pad--) out += ' ';
    if (sign) out += sign;
    out += prefix;
    if (!s.left)
        for (; pad > 0; pad--) out += '0';
    out.append(static_cast<size_t>(prec) - digits.size(), '0');
    out += digits;
    for (; pad > 0; pad--) out += ' ';
    return out;
}

std::string pad_string(const std::string& str, const Spec& s) {
    std::string v = str;
    if (s.precision >= 0 && v.size() > static_cast<size_t>(s.precision))
        v.resize(static_cast<size_t>(s.precision));
    if (s.width > static_cast<int>(v.size())) {
        std::string fill(static_cast<size_t>(s.width) - v.size(), ' ');
        return s.left ? v + fill : fill + v;
    }
    return v;
}

bool is_err_or_null(uint64_t p, const PrintfTarget& t) {
    uint64_t mask = t.pointer_bytes == 8 ? ~0ull : 0xffffffffull;
    return p == 0 || p >= (mask - 4095);
}

std::string pointer_string(uint64_t p, Spec s, const PrintfTarget& t) {
    s.base = 16;
    s.upper = false;
    s.is_signed = false;
    if (s.width == -1) {
        s.width = static_cast<int>(2 * t.pointer_bytes);
        s.zeropad = true;
    }
    return number(p, s);
}

// kernel check_pointer(): what %s and the dereferencing %p forms print for bad pointers.
const char* bad_pointer(uint64_t p, const PrintfTarget& t) {
    if (p == 0) return "(null)";
    if (p < 4096 || is_err_or_null(p, t)) return "(efault)";
    return nullptr;
}

std::string pointer(const std::string& ext, uint64_t p, Spec s, PrintfArgs& args,
                    const PrintfTarget& t) {
    char c = ext.empty() ? '\0' : ext[0];
    switch (c) {
    case 'x': return pointer_string(p, s, t);
    case 'a': {
        if (const char* bad = bad_pointer(p, t)) return pad_string(bad, s);
        uint32_t size = ext.size() > 1 && ext[1] == 'd' ? t.pointer_bytes : t.phys_addr_bytes;
        uint64_t v = 0;
        if (!args.read_at(p, size, v)) return pad_string("(efault)", s);
        Spec h;
        h.special = true;
        h.zeropad = true;
        h.base = 16;
        h.width = static_cast<int>(2 + 2 * size);
        return number(v, h);
    }
    case 'G': {
        if (const char* bad = bad_pointer(p, t)) return pad_string(bad, s);
        uint64_t v = 0;
        if (!args.read_at(p, 4, v)) return pad_string("(efault)", s);
        if (ext.size() > 1 && ext[1] == 'g') return args.gfp_names(static_cast<uint32_t>(v));
        break; // page and vma flags are not modelled: fall back to the hashed pointer
    }
    case 'S':
    case 's':
    case 'B': {
        std::string sym = args.symbol(p, c != 's');
        if (!sym.empty()) return pad_string(sym, s);
        Spec h;
        h.special = true;
        h.zeropad = true;
        h.base = 16;
        h.width = static_cast<int>(2 + 2 * t.pointer_bytes);
        return number(p, h);
    }
    default: break;
    }
    // %p, %pK (kptr_restrict=0) and unsupported extensions: the hashed id.
    if (is_err_or_null(p, t) || t.no_hash_pointers) return pointer_string(p, s, t);
    return pointer_string(hashed_pointer(p, t), s, t);
}

// Truncates an argument to the qualifier's size and sign-extends it when signed.
uint64_t sized(uint64_t v, uint32_t bytes, bool is_signed) {
    if (bytes >= 8) return v;
    unsigned shift = 64 - 8 * bytes;
    v = (v << shift);
    return is_signed ? static_cast<uint64_t>(static_cast<int64_t>(v) >> shift) : v >> shift;
}

} // namespace

uint64_t hashed_pointer(uint64_t ptr, const PrintfTarget& t) {
    if (t.pointer_bytes == 8) return siphash_1u64(ptr, t.ptr_key) & 0xffffffffull;
    return siphash_1u32(static_cast<uint32_t>(ptr), t.ptr_key) & 0xffffffffull;
}

std::string kvsprintf(std::string_view fmt, PrintfArgs& args, const PrintfTarget& t) {
    std::string out;
    size_t i = 0, n = fmt.size();
    while (i < n) {
        char ch = fmt[i++];
        if (ch != '%') {
            out += ch;
            continue;
        }
        if (i >= n) break;
        Spec s;
        for (bool more = true; more && i < n;) {
            switch (fmt[i]) {
            case '-':
                s.left = true;
                i++;
                break;
            case '+':
                s.plus = true;
                i++;
                break;
            case ' ':
                s.space = true;
                i++;
                break;
            case '#':
                s.special = true;
                i++;
                break;
            case '0':
                s.zeropad = true;
                i++;
                break;
            default: more = false;
            }
        }
        if (i < n && fmt[i] == '*') {
            int w = static_cast<int>(static_cast<int32_t>(args.next()));
            if (w < 0) {
                s.left = true;
                w = -w;
            }
            s.width = std::min(w, 4096);
            i++;
        } else {
            while (i < n && std::isdigit(static_cast<unsigned char>(fmt[i])))
                s.width = std::min(std::max(s.width, 0) * 10 + (fmt[i++] - '0'), 4096);
        }
        if (i < n && fmt[i] == '.') {
            i++;
            s.precision = 0;
            if (i < n && fmt[i] == '*') {
                s.precision =
                    std::clamp(static_cast<int>(static_cast<int32_t>(args.next())), 0, 4096);
                i++;
            } else {
                while (i < n && std::isdigit(static_cast<unsigned char>(fmt[i])))
                    s.precision = std::min(s.precision * 10 + (fmt[i++] - '0'), 4096);
            }
        }
        uint32_t qual = 4; // int
        if (i < n && fmt[i] == 'h') {
            qual = 2;
            if (++i < n && fmt[i] == 'h') {
                qual = 1;
                i++;
            }
        } else if (i < n && fmt[i] == 'l') {
            qual = t.long_bytes;
            if (++i < n && fmt[i] == 'l') {
                qual = 8;
                i++;
            }
        } else if (i < n && (fmt[i] == 'L' || fmt[i] == 'q' || fmt[i] == 'j')) {
            qual = 8;
            i++;
        } else if (i < n && (fmt[i] == 'z' || fmt[i] == 'Z' || fmt[i] == 't')) {
            qual = t.long_bytes;
            i++;
        }
        if (i >= n) break;
        char conv = fmt[i++];
        switch (conv) {
        case '%': out += '%'; break;
        case 'c': {
            char c = static_cast<char>(args.next());
            out += pad_string(std::string(1, c), s);
            break;
        }
        case 's': {
            uint64_t p = args.next();
            std::string str;
            uint32_t max = s.precision >= 0 ? static_cast<uint32_t>(s.precision) : 4096;
            if (const char* bad = bad_pointer(p, t))
                str = bad;
            else if (!args.string_at(p, max, str))
                str = "(efault)";
            out += pad_string(str, s);
            break;
        }
        case 'p': {
            std::string ext;
            while (i < n && std::isalnum(static_cast<unsigned char>(fmt[i]))) ext += fmt[i++];
            out += pointer(ext, args.next(), s, args, t);
            break;
        }
        case 'd':
        case 'i':
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            s.is_signed = conv == 'd' || conv == 'i';
            s.base = conv == 'x' || conv == 'X' ? 16 : conv == 'o' ? 8 : 10;
            s.upper = conv == 'X';
            out += number(sized(args.next(), qual, s.is_signed), s);
            break;
        }
        case 'n': break; // never written: the kernel refuses %n
        default:
            // An unknown conversion is printed as is, like the kernel's format_decode.
            out += '%';
            out += conv;
            break;
        }
    }
    return out;
}

} // namespace klab
