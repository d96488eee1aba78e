// VM and type-rule tests: integer semantics per target width, pointers, structs, control
// flow, recursion, budget, blocking and resuming, faults.
#include <doctest/doctest.h>

#include <cstring>

#include "kc_harness.h"

using namespace kctest;

TEST_CASE("int arithmetic wraps at 32 bits, long follows the target") {
    Runner r;
    CHECK(r.eval("2147483647 + 1") == INT32_MIN);
    CHECK(r.eval("(unsigned int)-1") == 0xffffffffll);
    CHECK(r.eval("-1 < 1u") == 0);  // -1 converts to unsigned int
    CHECK(r.eval("-1L < 1u") == 1); // long holds every unsigned int on LP64
    CHECK(r.eval("sizeof(long)") == 8);
    CHECK(r.eval("(char)300") == 44);
    CHECK(r.eval("(signed char)200") == -56);
    CHECK(r.eval("(unsigned char)-1") == 255);
    CHECK(r.eval("7 / -2") == -3);
    CHECK(r.eval("-7 % 3") == -1);
    CHECK(r.eval("1 << 31") == INT32_MIN);
    CHECK(r.eval("-16 >> 2") == -4);
    CHECK(r.eval("0x80000000u >> 31") == 1);
    CHECK(r.eval("1 ? 2 : 3") == 2);
    CHECK(r.eval("(_Bool)5") == 1);
    CHECK(r.eval("'A' + 1") == 66);
    CHECK(r.eval("sizeof(int[10])") == 40);
    CHECK(r.eval("0 && out(1)") == 0);
    CHECK(r.host.out.empty()); // && short-circuits
    CHECK(r.eval("4 || out(1)") == 1);
    CHECK(r.eval("(1, 2)") == 2);
}

TEST_CASE("i386 preset: long and pointers are 32-bit, long long aligned to 4 in structs") {
    Runner r(Target::i386());
    CHECK(r.eval("sizeof(long)") == 4);
    CHECK(r.eval("sizeof(void *)") == 4);
    CHECK(r.eval("2147483647L + 1") == INT32_MIN);
    CHECK(r.eval("-1L < 1u") == 0); // long cannot hold every unsigned int: both unsigned
    REQUIRE(r.run("struct s { char c; long long x; };"));
    CHECK(r.eval("sizeof(struct s)") == 12);
    Runner w;
    REQUIRE(w.run("struct s { char c; long long x; };"));
    CHECK(w.eval("sizeof(struct s)") == 16);
}

TEST_CASE("struct layout follows C alignment") {
    Runner r;
    REQUIRE(r.run("struct my_struct { int int_param; long long_param; };\n"
                  "struct t { char a; short b; char c; int d; char e; };"));
    CHECK(r.eval("sizeof(struct my_struct)") == 16);
    CHECK(r.eval("sizeof(struct t)") == 16);
    CHECK(r.eval("(long)&((struct t *)0)->d") == 8);
}

TEST_CASE("functions, recursion, loops, switch, goto") {
    Runner r;
    REQUIRE(r.run(R"(
        int fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }
        int sum(int n) { int s = 0, i; for (i = 1; i <= n; i++) s += i; return s; }
        int sw(int x) {
            switch (x) {
            case 1: return 10;
            case 2:
            case 3: x = 30; break;
            default: x = -1;
            }
            return x;
        }
        int cleanup(int fail) {
            int ret = 0;
            if (fail == 1) { ret = -12; goto out1; }
            if (fail == 2) { ret = -22; goto out2; }
            out1:
            ret -= 1;
            out2:
            return ret;
        }
        int dowhile(void) { int i = 0; do { i++; if (i == 3) continue; } while (i < 5); return i; }
    )"));
    CHECK(r.eval("fact(10)") == 3628800);
    CHECK(r.eval("sum(100)") == 5050);
    CHECK(r.eval("sw(1)") == 10);
    CHECK(r.eval("sw(3)") == 30);
    CHECK(r.eval("sw(9)") == -1);
    CHECK(r.eval("cleanup(0)") == -1);
    CHECK(r.eval("cleanup(1)") == -13);
    CHECK(r.eval("cleanup(2)") == -22);
    CHECK(r.eval("dowhile()") == 5);
}

TEST_CASE("pointers, arrays and structs in memory") {
    Runner r;
    REQUIRE(r.run(R"(
        struct pt { int x; long y; };
        long f(void) {
            int a[4] = {1, 2, 3};
            int *p = a;
            struct pt s = {.y = 5, .x = 2};
            struct pt *q = &s;
            int n = 0;
            int *pn = &n;
            *pn = 7;
            p[3] = 40;
            q->y += 1;
            return a[0] + a[1] + a[2] + a[3] + s.x * 100 + q->y * 1000 + n * 10000 + (&a[3] - p);
        }
        char buf[8] = "hi";
        int g;
        int *gp = &g;
    )"));
    CHECK(r.eval("f()") == 1 + 2 + 3 + 40 + 200 + 6000 + 70000 + 3);
    CHECK(r.eval("buf[1]") == 'i');
    CHECK(r.eval("*gp = 5") == 5);
    CHECK(r.eval("g") == 5);
    // Memory outside the VM goes through the host.
    CHECK(r.eval("*(int *)0x10004 = -2") == -2);
    CHECK(r.eval("*(unsigned char *)0x10004") == 0xfe);
    CHECK(r.eval("((unsigned int *)0x10000)[1]") == 0xfffffffe);
}

TEST_CASE("console conveniences: implicit globals and function pointers") {
    Runner r;
    REQUIRE(r.run("p = (void *)0x10000;"));
    CHECK(r.eval("p") == 0x10000);
    REQUIRE(r.run("int twice(int x) { return 2 * x; } int (*fp)(int) = twice;"));
    CHECK(r.eval("fp(21)") == 42);
    CHECK(r.eval("(*fp)(4)") == 8);
}

TEST_CASE("type errors and name errors, with hints") {
    Runner r;
    CHECK(!r.run("int f(void) { int *p = 5; return 0; }"));
    CHECK(r.error.find("incompatible integer to pointer conversion") != std::string::npos);
    CHECK(!r.run("x = PAGE_SIZ;"));
    CHECK(r.error.find("use of undeclared identifier 'PAGE_SIZ'") != std::string::npos);
    CHECK(r.error.find("note: did you mean 'PAGE_SIZE'?") != std::string::npos);
    CHECK(!r.run("outt(1);"));
    CHECK(r.error.find("implicit declaration of function 'outt'") != std::string::npos);
    CHECK(r.error.find("did you mean 'out'?") != std::string::npos);
    CHECK(!r.run("struct a { int x; }; int g(struct a *p) { return p->y; }"));
    CHECK(r.error.find("no member named 'y' in 'struct a'") != std::string::npos);
    CHECK(!r.run("struct page *pg; int h(void) { return pg->flags; }"));
    CHECK(r.error.find("incomplete definition of type 'struct page'") != std::string::npos);
    CHECK(!r.run("int k(void) { return out(1, 2); }"));
    CHECK(r.error.find("too many arguments") != std::string::npos);
    CHECK(!r.run("int f2(void); int m(void) { return f2(); }"));
    CHECK(r.error.find("undefined reference to 'f2'") != std::string::npos);
    CHECK(!r.run("int q(void) { char *s = \"x\"; int *i = s; return 0; }"));
    CHECK(r.error.find("incompatible pointer types") != std::string::npos);
}

TEST_CASE("faults, divide errors, budget, stack overflow") {
    Runner r;
    REQUIRE(r.run("*(int *)0 = 1;"));
    CHECK(r.exits.back() == Exit::Fault);
    REQUIRE(r.run("int z = 0; int d(void) { return 1 / z; } d();"));
    CHECK(r.exits.back() == Exit::DivideError);
    REQUIRE(r.run("int m = -2147483647 - 1; m / -1;"));
    CHECK(r.exits.back() == Exit::DivideError);
    r.budget = 100000;
    REQUIRE(r.run("while (1) ;"));
    CHECK(r.exits.back() == Exit::Budget);
    r.budget = 100'000'000;
    REQUIRE(r.run(
        "int down(int n) { int pad[16]; pad[0] = n; return down(n + 1) + pad[0]; } down(0);"));
    CHECK(r.exits.back() == Exit::StackOverflow);
    // A string literal lives in .rodata: writing it faults with a protection error.
    REQUIRE(r.run("char *s = \"abc\"; s[0] = 'x';"));
    CHECK(r.exits.back() == Exit::Fault);
    // After all that, the VM still works.
    CHECK(r.eval("1 + 1") == 2);
}

TEST_CASE("i386 target: frames run on below the stack into host memory, up to stack_overrun") {
    Target t = Target::i386();
    t.stack_base = 0x20000;
    t.thread_size = 4096;
    t.stack_overrun = 8192;
    Runner r(t);
    r.host.map(0x1f000); // the memory below the stack
    // 3000 bytes of locals in a 4 KiB stack: the array reaches below the stack's lowest address
    // and the stores (including the part straddling it) land in that memory.
    REQUIRE(r.run("int fill(void) { char b[3000]; int i; for (i = 0; i < 3000; i++) b[i] = 7; "
                  "return b[0] + b[2999]; } int twice(void) { char a[2000]; a[0] = 1; "
                  "return fill() + a[0]; } twice();"));
    CHECK(r.exits.back() == Exit::Done);
    CHECK(r.values.back() == 15);
    int below = 0;
    for (uint8_t b : r.host.pages[0x1f000]) below += b == 7;
    CHECK(below > 0);
    // Deeper than the limit below the stack: StackOverflow, as a guard page would stop it.
    REQUIRE(r.run("int down(int n) { int pad[16]; pad[0] = n; return down(n + 1) + pad[0]; } "
                  "down(0);"));
    CHECK(r.exits.back() == Exit::Fault); // 0x1e000 is not mapped: the pushed linkage faults
    // The lowest word of a fresh stack holds STACK_END_MAGIC.
    Thread th = make_thread(r.prog, Function{}, t.stack_base, t.thread_size);
    uint32_t magic = 0;
    std::memcpy(&magic, th.stack.data(), 4);
    CHECK(magic == kStackEndMagic);
    // x86_64 has no overrun: the same overflow stops at the stack's end.
    Runner w;
    REQUIRE(w.run("int down(int n) { int pad[16]; pad[0] = n; return down(n + 1) + pad[0]; } "
                  "down(0);"));
    CHECK(w.exits.back() == Exit::StackOverflow);
}

TEST_CASE("a blocked thread resumes where it stopped") {
    Runner r;
    auto u = compile(
        r.prog,
        Source{"t.c", "long f(void) { long a = 5; long b = sleep_once(); return a * 10 + b; }"});
    REQUIRE(u.ok());
    uint32_t f = r.prog.function_index.at("f");
    Thread th = make_call(r.prog, f, {}, r.prog.target().stack_base, r.prog.target().thread_size);
    CHECK(run(r.prog, th, r.host, 1000) == Exit::Blocked);
    Thread copy = th;         // a blocked thread is a value: a snapshot can copy it
    th.values[th.sp - 1] = 3; // the value the sleeping call returns when woken
    CHECK(run(r.prog, th, r.host, 1000) == Exit::Done);
    CHECK(th.result == 53);
    copy.values[copy.sp - 1] = 4;
    CHECK(run(r.prog, copy, r.host, 1000) == Exit::Done);
    CHECK(copy.result == 54);
}
