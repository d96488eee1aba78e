// lib/string.c functions on simulated memory: every byte goes through the VM's memory path,
// so a bad pointer oopses inside memset/memcpy as it does in Linux. Bulk work is charged to
// the instruction budget (one instruction per 8 bytes), so a huge memset is a soft lockup,
// not a hang.
#include <algorithm>

#include "session/builtins.h"

namespace klab {

namespace {

constexpr uint32_t kChunk = 256;
constexpr uint32_t kMaxScan = 1u << 20; // longest string strlen & co. will walk

// Limits n to what the remaining budget can pay for; the VM then stops with a lockup.
uint64_t affordable(CallCtx& c, uint64_t n) {
    uint64_t max = c.th.budget_left * 8;
    c.th.charge += n / 8;
    return std::min(n, max);
}

kc::BuiltinStatus do_memset(CallCtx& c) {
    uint64_t dst = c.arg(0), n = affordable(c, c.arg(2));
    uint8_t buf[kChunk];
    std::fill(buf, buf + kChunk, static_cast<uint8_t>(c.arg(1)));
    for (uint64_t done = 0; done < n;) {
        uint32_t k = static_cast<uint32_t>(std::min<uint64_t>(kChunk, n - done));
        if (!c.write(dst + done, buf, k)) return kc::BuiltinStatus::Fault;
        done += k;
    }
    return ok(c, dst);
}

kc::BuiltinStatus do_memcpy(CallCtx& c) {
    uint64_t dst = c.arg(0), src = c.arg(1), n = affordable(c, c.arg(2));
    uint8_t buf[kChunk];
    bool backwards = dst > src && dst < src + n; // memmove semantics for overlap
    for (uint64_t done = 0; done < n;) {
        uint32_t k = static_cast<uint32_t>(std::min<uint64_t>(kChunk, n - done));
        uint64_t off = backwards ? n - done - k : done;
        if (!c.read(src + off, buf, k) || !c.write(dst + off, buf, k))
            return kc::BuiltinStatus::Fault;
        done += k;
    }
    return ok(c, dst);
}

kc::BuiltinStatus do_memcmp(CallCtx& c) {
    uint64_t a = c.arg(0), b = c.arg(1), n = affordable(c, c.arg(2));
    for (uint64_t i = 0; i < n; i++) {
        uint8_t x, y;
        if (!c.read(a + i, &x, 1) || !c.read(b + i, &y, 1)) return kc::BuiltinStatus::Fault;
        if (x != y) return ok(c, static_cast<uint64_t>(static_cast<int64_t>(x < y ? -1 : 1)));
    }
    return ok(c, 0);
}

kc::BuiltinStatus do_strlen(CallCtx& c) {
    std::string s;
    if (!c.string(c.arg(0), s, kMaxScan)) return kc::BuiltinStatus::Fault;
    return ok(c, s.size());
}

kc::BuiltinStatus do_strnlen(CallCtx& c) {
    std::string s;
    uint32_t max = static_cast<uint32_t>(std::min<uint64_t>(c.arg(1), kMaxScan));
    if (!c.string(c.arg(0), s, max)) return kc::BuiltinStatus::Fault;
    return ok(c, s.size());
}

kc::BuiltinStatus do_strcpy(CallCtx& c) {
    std::string s;
    if (!c.string(c.arg(1), s, kMaxScan)) return kc::BuiltinStatus::Fault;
    s.push_back('\0');
    if (!c.write(c.arg(0), s.data(), static_cast<uint32_t>(s.size())))
        return kc::BuiltinStatus::Fault;
    return ok(c, c.arg(0));
}

kc::BuiltinStatus do_strncpy(CallCtx& c) {
    std::string s;
    uint64_t n = std::min<uint64_t>(c.arg(2), kMaxScan);
    if (!c.string(c.arg(1), s, static_cast<uint32_t>(n))) return kc::BuiltinStatus::Fault;
    s.resize(n, '\0'); // strncpy pads with NULs and may leave no terminator
    if (n && !c.write(c.arg(0), s.data(), static_cast<uint32_t>(n)))
        return kc::BuiltinStatus::Fault;
    return ok(c, c.arg(0));
}

// strscpy(): copies at most size-1 bytes, always terminates, returns the length or -E2BIG.
kc::BuiltinStatus do_strscpy(CallCtx& c) {
    uint64_t size = std::min<uint64_t>(c.arg(2), kMaxScan);
    if (size == 0) return ok(c, static_cast<uint64_t>(-7));
    std::string s;
    if (!c.string(c.arg(1), s, static_cast<uint32_t>(size))) return kc::BuiltinStatus::Fault;
    bool truncated = s.size() >= size;
    if (truncated) s.resize(size - 1);
    s.push_back('\0');
    if (!c.write(c.arg(0), s.data(), static_cast<uint32_t>(s.size())))
        return kc::BuiltinStatus::Fault;
    return ok(c, truncated ? static_cast<uint64_t>(-7) : s.size() - 1);
}

kc::BuiltinStatus do_strcat(CallCtx& c) {
    std::string a, b;
    if (!c.string(c.arg(0), a, kMaxScan) || !c.string(c.arg(1), b, kMaxScan))
        return kc::BuiltinStatus::Fault;
    b.push_back('\0');
    if (!c.write(c.arg(0) + a.size(), b.data(), static_cast<uint32_t>(b.size())))
        return kc::BuiltinStatus::Fault;
    return ok(c, c.arg(0));
}

kc::BuiltinStatus compare(CallCtx& c, uint32_t max) {
    std::string a, b;
    if (!c.string(c.arg(0), a, max) || !c.string(c.arg(1), b, max)) return kc::BuiltinStatus::Fault;
    int r = a.compare(b);
    return ok(c, static_cast<uint64_t>(static_cast<int64_t>(r < 0 ? -1 : r > 0 ? 1 : 0)));
}
kc::BuiltinStatus do_strcmp(CallCtx& c) {
    return compare(c, kMaxScan);
}
kc::BuiltinStatus do_strncmp(CallCtx& c) {
    return compare(c, static_cast<uint32_t>(std::min<uint64_t>(c.arg(2), kMaxScan)));
}

} // namespace

Result<void> bind_string(kc::Program& prog, BuiltinTable& t) {
    KLAB_TRY(bind(prog, t, "void *memset(void *s, int c, size_t n);", do_memset));
    KLAB_TRY(bind(prog, t, "void *memcpy(void *dest, const void *src, size_t n);", do_memcpy));
    KLAB_TRY(bind(prog, t, "void *memmove(void *dest, const void *src, size_t n);", do_memcpy));
    KLAB_TRY(bind(prog, t, "int memcmp(const void *a, const void *b, size_t n);", do_memcmp));
    KLAB_TRY(bind(prog, t, "size_t strlen(const char *s);", do_strlen));
    KLAB_TRY(bind(prog, t, "size_t strnlen(const char *s, size_t max);", do_strnlen));
    KLAB_TRY(bind(prog, t, "char *strcpy(char *dest, const char *src);", do_strcpy));
    KLAB_TRY(bind(prog, t, "char *strncpy(char *dest, const char *src, size_t n);", do_strncpy));
    KLAB_TRY(
        bind(prog, t, "ssize_t strscpy(char *dest, const char *src, size_t size);", do_strscpy));
    KLAB_TRY(bind(prog, t, "char *strcat(char *dest, const char *src);", do_strcat));
    KLAB_TRY(bind(prog, t, "int strcmp(const char *a, const char *b);", do_strcmp));
    KLAB_TRY(bind(prog, t, "int strncmp(const char *a, const char *b, size_t n);", do_strncmp));
    return {};
}

} // namespace klab
