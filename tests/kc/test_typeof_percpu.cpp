// typeof(expression) and typeof(type-name), and the section(".data..percpu") attribute that
// DEFINE_PER_CPU uses to place a variable in the per-CPU area (Target::percpu_base).
#include <doctest/doctest.h>

#include "kc_harness.h"

using namespace kctest;

TEST_CASE("typeof of an expression and of a type name declares variables and casts") {
    Runner r;
    REQUIRE(r.run(R"(
        long big = 5;
        typeof(big) copy = 7;
        __typeof__(int) small = 3;
        char *s = "xy";
        __typeof__(s) t = s + 1;
        int sizes(void) { return sizeof(copy) * 100 + sizeof(small) * 10 + sizeof(*t); }
        unsigned char byte = 200;
        int wraps(void) { return (typeof(byte))(byte + 100); }
    )"));
    CHECK(r.eval("sizes()") == 841);
    CHECK(r.eval("*t") == 'y');
    CHECK(r.eval("wraps()") == 44);
}

TEST_CASE("typeof keeps i386 sizes") {
    Runner r(Target::i386());
    REQUIRE(r.run("long l; typeof(l) m; int sz(void) { return sizeof(m); }"));
    CHECK(r.eval("sz()") == 4);
}

TEST_CASE("a section(.data..percpu) variable gets an address in the per-CPU reserve") {
    Target t = Target::x86_64();
    t.percpu_base = 0x35000;
    t.percpu_size = 64;
    Runner r(t);
    REQUIRE(r.run(R"(
        __attribute__((section(".data..percpu"))) __typeof__(int) a;
        __attribute__((section(".data..percpu"))) long b;
        int plain;
        unsigned long addr_a(void) { return (unsigned long)&a; }
        unsigned long addr_b(void) { return (unsigned long)&b; }
    )"));
    CHECK(r.eval("addr_a()") == 0x35000);
    CHECK(r.eval("addr_b()") == 0x35008); // aligned to 8
    CHECK(r.eval("(long)&plain != 0x35010") == 1);
    // The reserve is bounded, and per-CPU variables take no initializer.
    CHECK_FALSE(r.run(R"(__attribute__((section(".data..percpu"))) char big[100];)"));
    CHECK(r.error.find("per-CPU") != std::string::npos);
    CHECK_FALSE(r.run(R"(__attribute__((section(".data..percpu"))) int c = 3;)"));
    CHECK(r.error.find("per_cpu(c, cpu)") != std::string::npos);
}

TEST_CASE("without a per-CPU area, a per-CPU variable is a compile error") {
    Runner r;
    CHECK_FALSE(r.run(R"(__attribute__((section(".data..percpu"))) int a;)"));
    CHECK(r.error.find("no per-CPU area") != std::string::npos);
}
