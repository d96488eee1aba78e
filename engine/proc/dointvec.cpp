// proc_dointvec_minmax()'s parse of a sysctl write (see dointvec.h).
#include "proc/dointvec.h"

namespace klab {

namespace {

constexpr size_t kPageSize = 4096;
constexpr size_t kTmpBufLen = 22; // TMPBUFLEN in kernel/sysctl.c

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}
// proc_wspace_sep[]: what may follow a number.
bool is_wspace_sep(char c) {
    return c == ' ' || c == '\t' || c == '\n';
}

int digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 99;
}

// proc_get_long(): one number at the front of `s`; false for -EINVAL. Any value that would
// overflow unsigned long is above INT_MAX too, so the caller's range check covers -ERANGE.
bool get_long(std::string_view& s, uint64_t* val, bool* neg) {
    std::string_view tmp = s.substr(0, kTmpBufLen - 1);
    size_t p = 0;
    *neg = tmp[0] == '-' && s.size() > 1;
    if (*neg) ++p;
    if (p >= tmp.size() || tmp[p] < '0' || tmp[p] > '9') return false;
    // strtoul_lenient(p, &p, 0, val): base from the prefix as _parse_integer_fixup_radix.
    unsigned base = 10;
    auto at = [&](size_t i) { return i < tmp.size() ? tmp[i] : '\0'; };
    if (tmp[p] == '0') {
        base = 8;
        if ((at(p + 1) | 0x20) == 'x' && digit_value(at(p + 2)) < 16) {
            base = 16;
            p += 2;
        }
    }
    uint64_t v = 0;
    bool big = false;
    for (; p < tmp.size() && digit_value(tmp[p]) < int(base); ++p) {
        if (v > (~0ull - uint64_t(digit_value(tmp[p]))) / base) big = true;
        v = v * base + uint64_t(digit_value(tmp[p]));
    }
    if (big || p == kTmpBufLen - 1) return false;
    if (p < s.size() && !is_wspace_sep(s[p])) return false;
    *val = v;
    s.remove_prefix(p);
    return true;
}

} // namespace

size_t proc_dointvec_write(std::string_view text, int32_t* vals, size_t n) {
    if (text.size() > kPageSize - 1) text = text.substr(0, kPageSize - 1);
    size_t stored = 0;
    for (; stored < n; ++stored) {
        while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
        if (text.empty()) break;
        uint64_t v = 0;
        bool neg = false;
        if (!get_long(text, &v, &neg)) break;
        // do_proc_dointvec_conv(): the value must fit an int.
        if (neg ? v > uint64_t(INT32_MAX) + 1 : v > uint64_t(INT32_MAX)) break;
        vals[stored] = neg ? int32_t(-int64_t(v)) : int32_t(v);
    }
    return stored;
}

} // namespace klab
