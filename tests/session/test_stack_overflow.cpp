// Kernel stack overflows from the console: the guard page and its double-fault panic on
// x86_64 (VMAP_STACK), silent overruns on x86_32 caught only by STACK_END_MAGIC checks.
#include <doctest/doctest.h>

#include "machine/kernel.h"
#include "mm/kstack.h"
#include "mm/memory.h"
#include "session/session.h"

#include "fixture.h"

using namespace klab;
using klab::test::contains;

namespace {

Session boot(Arch arch) { return klab::test::boot_session(MachineConfig::preset(arch)); }

size_t count(const std::string& s, const char* w) {
    size_t n = 0;
    for (size_t p = s.find(w); p != std::string::npos; p = s.find(w, p + 1)) n++;
    return n;
}

const char* kRecurse =
    "int depth; int recurse(int n) { char pad[64]; pad[0] = n; depth = n; "
    "return recurse(n + 1) + pad[0]; }";

} // namespace

TEST_CASE("x86_64: the guard page report, then the double fault's panic in interrupt context") {
    Session s = boot(Arch::x86_64);
    s.exec(kRecurse);
    ExecResult r = s.exec("recurse(0);");
    CHECK(contains(r.output, "BUG: TASK stack guard page was hit at "));
    CHECK(contains(r.output, "Kernel panic - not syncing: Fatal exception in interrupt"));
    std::string d = s.dmesg();
    // die() prints its report before oops_end() panics; no second stack dump (TAINT_DIE).
    CHECK(d.find("stack guard page: 0000 [#1] PREEMPT SMP NOPTI") < d.find("Kernel panic"));
    CHECK(d.find("---[ end trace") < d.find("Kernel panic"));
    CHECK(count(d, "Call Trace:") == 1);
    CHECK(contains(d, "---[ end Kernel panic - not syncing: Fatal exception in interrupt ]---"));
    CHECK_FALSE(contains(d, "corrupted stack end")); // the guard page stopped it first
}

TEST_CASE("i386: huge locals overwrite the memory below the stack, schedule() panics later") {
    Session s = boot(Arch::i386);
    uint64_t base = console_stack_base(s.kernel());
    CHECK(base % 8192 == 0);
    CHECK(base >= s.kernel().mm.page_offset); // lowmem, no guard page below
    s.exec("int big(void) { char b[9000]; memset(b, 0x41, sizeof b); return b[0]; }");
    ExecResult r = s.exec("big();");
    // The function returned normally; the shell's next schedule() finds the magic gone.
    CHECK(contains(r.output, "$1 = 65"));
    CHECK(r.output.find("$1 = 65") < r.output.find("Kernel panic"));
    CHECK(contains(r.output,
                   "Kernel panic - not syncing: corrupted stack end detected inside scheduler"));
    std::string d = s.dmesg();
    CHECK(contains(d, " ksys_read"));
    CHECK_FALSE(contains(d, "guard page"));
    uint8_t below = 0;
    CHECK(!kernel_read(s.kernel(), base - 100, &below, 1));
    CHECK(below == 0x41);
}

TEST_CASE("i386: a recursion that stays inside the stack leaves the magic alone") {
    Session s = boot(Arch::i386);
    s.exec("int shallow(int n) { char pad[64]; pad[0] = n; return n ? shallow(n - 1) + pad[0] : 0; }");
    ExecResult r = s.exec("shallow(40);");
    CHECK(contains(r.output, "= 820"));
    CHECK_FALSE(contains(s.dmesg(), "panic"));
}

TEST_CASE("i386: an oops on an overrun stack says so, and the dying task's schedule() panics") {
    Session s = boot(Arch::i386);
    s.exec("int deep(int n) { char pad[64]; pad[0] = n; if (n == 100) return *(int *)0; "
           "return deep(n + 1) + pad[0]; }");
    ExecResult r = s.exec("deep(0);");
    std::string d = s.dmesg();
    size_t overran = d.find("Thread overran stack, or stack corrupted");
    REQUIRE(overran != std::string::npos);
    CHECK(d.find("*pde = 00000000") < overran);
    CHECK(overran < d.find("Oops: 0000 [#1] PREEMPT SMP"));
    CHECK(contains(d, "CR2: 0000000000000000")); // %016lx on 32-bit too
    CHECK(d.find("---[ end trace") < d.find("corrupted stack end detected inside scheduler"));
    CHECK(count(d, "Call Trace:") == 1); // panic() skips dump_stack after an oops
    CHECK(contains(r.output, "Killed\n"));
}

TEST_CASE("i386: an unbounded recursion is stopped by the lab below the stack") {
    Session s = boot(Arch::i386);
    s.exec(kRecurse);
    ExecResult r = s.exec("recurse(0);");
    CHECK(contains(r.output, "Killed (the lab stops a call chain "));
    CHECK(contains(r.output, "x86_32 has no guard page"));
    CHECK(contains(r.output, "corrupted stack end detected inside scheduler"));
    CHECK_FALSE(contains(s.dmesg(), "guard page was hit"));
    // It got well past the 8 KiB stack: about 40 KiB of 96-byte frames.
    r = s.exec("depth;");
    CHECK(contains(r.output, "= 340"));
    // Return addresses were pushed into the memory below the stack.
    uint64_t base = console_stack_base(s.kernel());
    uint32_t words = 0;
    for (uint64_t a = base - 4096; a < base; a += 4) {
        uint32_t w = 0;
        CHECK(!kernel_read(s.kernel(), a, &w, 4));
        words += w != 0;
    }
    CHECK(words > 100);
}

TEST_CASE("i386: a module init that overruns its stack panics when insmod exits") {
    Session s = boot(Arch::i386);
    ExecResult r = s.exec("#include <linux/module.h>\n"
                          "static int __init ovr_init(void) { char b[8500]; memset(b, 1, sizeof b); "
                          "return 0; }\nmodule_init(ovr_init);\nMODULE_LICENSE(\"GPL\");\n",
                          "ovr.c");
    r = s.exec("insmod ovr");
    std::string d = s.dmesg();
    CHECK(contains(d, "corrupted stack end detected inside scheduler"));
    CHECK(contains(d, " do_task_dead"));
}
