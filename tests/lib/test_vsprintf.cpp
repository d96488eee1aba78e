// Kernel printf formats (lib/vsprintf.c behaviour).
#include <doctest/doctest.h>

#include <map>
#include <vector>

#include "lib/vsprintf.h"

using namespace klab;

namespace {
struct Args : PrintfArgs {
    std::vector<uint64_t> v;
    size_t i = 0;
    std::map<uint64_t, std::string> strings;
    std::map<uint64_t, uint64_t> words;
    uint64_t next() override { return i < v.size() ? v[i++] : 0; }
    bool string_at(uint64_t a, uint32_t max, std::string& out) override {
        auto it = strings.find(a);
        if (it == strings.end()) return false;
        out = it->second.substr(0, max);
        return true;
    }
    bool read_at(uint64_t a, uint32_t n, uint64_t& out) override {
        auto it = words.find(a);
        if (it == words.end()) return false;
        out = n == 8 ? it->second : it->second & ((1ull << (8 * n)) - 1);
        return true;
    }
    std::string symbol(uint64_t a, bool off) override {
        return a == 0xffffffffc0000000ull ? (off ? "my_mod_init+0x0/0x100 [my_mod]" : "my_mod_init")
                                          : "";
    }
    std::string gfp_names(uint32_t g) override { return g == 0xcc0 ? "GFP_KERNEL" : ""; }
};

std::string fmt(const char* f, std::vector<uint64_t> v, PrintfTarget t = {}) {
    Args a;
    a.v = std::move(v);
    a.strings[0x1000] = "hello";
    a.words[0x2000] = 0x12345000;
    a.words[0x3000] = 0xcc0;
    return kvsprintf(f, a, t);
}
} // namespace

TEST_CASE("integers: sizes, signs, bases, flags") {
    CHECK(fmt("%d %i %u", {static_cast<uint64_t>(-5), 7, static_cast<uint64_t>(-1)}) ==
          "-5 7 4294967295");
    CHECK(fmt("%ld %lu", {static_cast<uint64_t>(-5), static_cast<uint64_t>(-1)}) ==
          "-5 18446744073709551615");
    PrintfTarget i386;
    i386.long_bytes = 4;
    i386.pointer_bytes = 4;
    i386.phys_addr_bytes = 4;
    CHECK(fmt("%lu %zu", {static_cast<uint64_t>(-1), static_cast<uint64_t>(-1)}, i386) ==
          "4294967295 4294967295");
    CHECK(fmt("%lld %llu %llx", {static_cast<uint64_t>(-2), 3, 255}) == "-2 3 ff");
    CHECK(fmt("%x %X %lx %#x %#x %#o", {255, 255, 0xdeadbeefcafeull, 0, 16, 8}) ==
          "ff FF deadbeefcafe 0x0 0x10 010");
    CHECK(fmt("[%5d|%-5d|%05d|%+d|% d]", {42, 42, 42, 42, 42}) == "[   42|42   |00042|+42| 42]");
    CHECK(fmt("%.3d %zd %hhd %hu", {7, static_cast<uint64_t>(-3), 0x1ff, 0x12345}) ==
          "007 -3 -1 9029");
    CHECK(fmt("%c%c %% %s", {'o', 'k', 0x1000}) == "ok % hello");
    CHECK(fmt("%.3s|%8s|%-8s|", {0x1000, 0x1000, 0x1000}) == "hel|   hello|hello   |");
    CHECK(fmt("%s %s %s", {0, 10, 0x9999}) == "(null) (efault) (efault)");
    CHECK(fmt("%*d", {6, 1}) == "     1");
}

TEST_CASE("pointers: hashed %p and %pK, raw %px, %pa, %pGg, %pS") {
    PrintfTarget t;
    t.ptr_key = sipkey_from_seed(1);
    uint64_t p = 0xffff888003c5e000ull;
    std::string hashed = fmt("%p", {p}, t);
    CHECK(hashed.size() == 16);
    CHECK(hashed.substr(0, 8) == "00000000"); // 64-bit kernels keep 32 bits of the hash
    CHECK(hashed != "00000000" + std::string("03c5e000"));
    CHECK(fmt("%pK", {p}, t) == hashed);
    CHECK(fmt("%p", {p}, t) == hashed); // deterministic for one key
    PrintfTarget other = t;
    other.ptr_key = sipkey_from_seed(2);
    CHECK(fmt("%p", {p}, other) != hashed);
    CHECK(fmt("%px", {p}, t) == "ffff888003c5e000");
    CHECK(fmt("%p", {0}, t) == "0000000000000000"); // NULL is not hashed
    CHECK(fmt("%pa", {0x2000}, t) == "0x0000000012345000");
    CHECK(fmt("mode:%#x(%pGg)", {0xcc0, 0x3000}, t) == "mode:0xcc0(GFP_KERNEL)");
    CHECK(fmt("%pS %ps", {0xffffffffc0000000ull, 0xffffffffc0000000ull}, t) ==
          "my_mod_init+0x0/0x100 [my_mod] my_mod_init");
    CHECK(fmt("%pM", {p}, t) == hashed);
}

TEST_CASE("siphash known answer") {
    // SipHash-2-4 reference vector: key 00..0f, message 00..07.
    SipKey k{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
    CHECK(siphash_1u64(0x0706050403020100ull, k) == 0x93f5f5799a932462ull);
}
