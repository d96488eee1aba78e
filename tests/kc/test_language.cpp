// Language coverage: the constructs kernel modules in the course notes use.
#include <doctest/doctest.h>

#include "kc_harness.h"

using namespace kctest;

TEST_CASE("file_operations-style structs of function pointers with designated initializers") {
    Runner r;
    REQUIRE(r.run(R"(
        struct ops { int (*open)(int); long (*read)(char *buf, unsigned long n); const char *name; };
        static int my_open(int x) { return x + 1; }
        static long my_read(char *buf, unsigned long n) { buf[0] = 'k'; return (long)n; }
        struct ops fops = { .read = my_read, .open = my_open, .name = "dev" };
        char buf[4];
        long use(struct ops *o) { return o->open(41) * 1000 + o->read(buf, 7); }
    )"));
    CHECK(r.eval("use(&fops)") == 42007);
    CHECK(r.eval("buf[0]") == 'k');
    CHECK(r.eval("fops.name[2]") == 'v');
}

TEST_CASE("arrays of structs, struct copy, pointers to pointers, sizeof arrays") {
    Runner r;
    REQUIRE(r.run(R"(
        struct item { int id; long value; char name[8]; };
        struct item items[4];
        long f(void) {
            struct item a, b;
            struct item *p = &items[2];
            struct item **pp = &p;
            int arr[10];
            a.id = 5; a.value = 50; a.name[0] = 'x';
            b = a;
            items[1] = b;
            (*pp)->value = 7;
            return items[1].id + items[1].value + items[2].value + sizeof(arr) / sizeof(arr[0]) + sizeof(items);
        }
    )"));
    CHECK(r.eval("f()") == 5 + 50 + 7 + 10 + 4 * 24);
    CHECK(r.eval("items[1].name[0]") == 'x');
}

TEST_CASE("kernel-style macros, enums, unsigned loops, char switch, do-while(0)") {
    Runner r;
    REQUIRE(r.run(R"(
        #define SWAP(a, b) do { long t_ = (a); (a) = (b); (b) = t_; } while (0)
        #define NELEMS 8
        enum state { IDLE, RUNNING = 5, DONE };
        long g(void) {
            long x = 1, y = 2;
            unsigned long i, total = 0;
            enum state s = DONE;
            SWAP(x, y);
            for (i = NELEMS; i > 0; i--) total += i;
            switch ("abc"[1]) { case 'b': total += 100; break; default: total = 0; }
            return x * 1000000 + y * 100000 + s * 1000 + total;
        }
    )"));
    CHECK(r.eval("g()") == 2000000 + 100000 + 6000 + 36 + 100);
    CHECK(r.eval("IDLE") == 0);
}

TEST_CASE("integer corner cases: unsigned wrap, shifts of long, char arithmetic") {
    Runner r;
    CHECK(r.eval("(unsigned char)(250 + 10)") == 4);
    CHECK(r.eval("1UL << 40") == (1ll << 40));
    CHECK(r.eval("(unsigned)0 - 1") == 0xffffffffll);
    CHECK(r.eval("(long)(int)0x80000000u") == INT32_MIN);
    CHECK(r.eval("sizeof(unsigned long long)") == 8);
    CHECK(r.eval("'a' - 'A'") == 32);
    CHECK(r.eval("~0u >> 28") == 15);
    CHECK(r.eval("-5 / 2 * 2 + -5 % 2") == -5);
    REQUIRE(r.run("short sh = -2; unsigned short us = 65535;"));
    CHECK(r.eval("sh * us") == -131070);
    CHECK(r.eval("us + 1") == 65536);
}

TEST_CASE("static locals keep their value, and globals are initialised at compile time") {
    Runner r;
    REQUIRE(r.run("int counter(void) { static int n = 10; return n++; } int base = 3 * 7;"));
    CHECK(r.eval("counter()") == 10);
    CHECK(r.eval("counter()") == 11);
    CHECK(r.eval("base") == 21);
}
