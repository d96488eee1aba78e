// Session tests: console splitting, shell words, modules, reports, snapshots, undo, and
// determinism of the trace.
#include <doctest/doctest.h>

#include "fixture.h"
#include "golden_runner.h"

using namespace klab;
using klab::test::contains;

namespace {
Session boot(Arch a = Arch::x86_64, uint64_t seed = 1) {
    MachineConfig c = MachineConfig::preset(a);
    c.seed = seed;
    return klab::test::boot_session(c, 2'000'000);
}
} // namespace

TEST_CASE("console text splits into shell commands and complete C pieces") {
    auto p = split_input(
        "int f(void) {\n  return 1;\n}\ndmesg -c\nx = f();\ncat /proc/modules\ncat = 3;\n");
    REQUIRE(p.size() == 5);
    CHECK(!p[0].shell);
    CHECK(p[0].first_line == 1);
    CHECK(p[1].shell);
    CHECK(p[1].text == "dmesg -c");
    CHECK(!p[2].shell);
    CHECK(p[3].shell);
    CHECK(!p[4].shell); // "cat = 3;" is C
    // A shell word inside an unfinished C construct stays C.
    auto q = split_input("void g(void) {\ndmesg\n}\n");
    CHECK(q.size() == 1);
}

TEST_CASE("values, printk levels, dmesg -c and -n") {
    Session s = boot();
    CHECK(s.exec("p = __get_free_pages(GFP_KERNEL, 0);").output.rfind("$1 = ", 0) == 0);
    CHECK(s.exec("(void *)p").output.find("$2 = (void *) 0xffff888") == 0);
    auto r = s.exec(
        "printk(KERN_ERR \"err %d\\n\", 5); printk(KERN_INFO \"info\"); pr_cont(\" more\\n\");");
    CHECK(contains(r.output, "] err 5\n")); // err (3) < console_loglevel 4: echoed
    CHECK(!contains(r.output, "info"));
    CHECK(contains(s.dmesg(), "] info more\n")); // KERN_CONT continues an open line
    // A line that ended in a newline is final: a later pr_cont starts a record of its own,
    // and a printk without KERN_CONT never joins an open line.
    s.exec("pr_info(\"done\\n\"); pr_cont(\"alone\\n\"); pr_info(\"open\"); pr_info(\"next\\n\");");
    std::string d = s.dmesg();
    CHECK(contains(d, "] done\n"));
    CHECK(contains(d, "] alone\n"));
    CHECK(contains(d, "] open\n"));
    CHECK(contains(d, "] next\n"));
    CHECK(s.exec("dmesg -c").output.find("err 5") != std::string::npos);
    CHECK(s.exec("dmesg").output.empty());
    s.exec("dmesg -n 8");
    CHECK(contains(s.exec("pr_info(\"now visible\\n\");").output, "now visible"));
    CHECK(s.exec("dmesg -n 99").error);
}

TEST_CASE("printk formats through the session: %pGg, %s, %p hashed by seed") {
    Session a = boot(Arch::x86_64, 1), b = boot(Arch::x86_64, 2);
    const char* cmd = "gfp_t g = GFP_KERNEL | __GFP_COMP; printk(\"%pGg %s %p\\n\", &g, \"str\", "
                      "(void *)0xffff888000001000);";
    a.exec(cmd);
    b.exec(cmd);
    CHECK(contains(a.dmesg(), "GFP_KERNEL|__GFP_COMP str 00000000"));
    CHECK(a.dmesg() != b.dmesg()); // the %p hash key comes from the seed
}

TEST_CASE("compile errors are reported and change nothing") {
    Session s = boot();
    auto r = s.exec("x = GFP_KERNL;");
    CHECK(r.compile_error);
    CHECK(contains(r.output, "console:1:5: error: use of undeclared identifier 'GFP_KERNL'"));
    CHECK(contains(r.output, "did you mean 'GFP_KERNEL'?"));
    CHECK(s.exec("x").compile_error);
}

TEST_CASE("modules: insmod runs init, errno on failure, rmmod runs exit") {
    Session s = boot();
    auto r =
        s.exec("int my_mod_init(void) { pr_info(\"hello\\n\"); return 0; }\n"
               "void my_mod_exit(void) { pr_info(\"bye\\n\"); }\n"
               "module_init(my_mod_init);\nmodule_exit(my_mod_exit);\nMODULE_LICENSE(\"GPL\");\n"
               "insmod my_mod\nlsmod\nrmmod my_mod\nrmmod my_mod\n");
    CHECK(contains(r.output, "klab: module my_mod defined; load it with: insmod my_mod"));
    CHECK(contains(r.output, "my_mod                 16384  0"));
    CHECK(contains(r.output, "rmmod: ERROR: Module my_mod is not currently loaded"));
    CHECK(contains(s.dmesg(), "my_mod: loading out-of-tree module taints kernel."));
    CHECK(!contains(s.dmesg(), "module license"));
    CHECK(contains(s.dmesg(), "] hello\n"));
    CHECK(contains(s.dmesg(), "] bye\n"));
    auto f = s.exec("int bad_init(void) { return -ENOMEM; }\nmodule_init(bad_init);\ninsmod bad\n");
    CHECK(contains(f.output,
                   "insmod: ERROR: could not insert module bad.ko: Cannot allocate memory"));
    CHECK(contains(s.exec("insmod nosuch").output, "could not load module nosuch"));
}

TEST_CASE("an oops kills the statement, not the session, with taint D afterwards") {
    Session s = boot();
    auto r = s.exec("int *q = (int *)0x10;\n*q = 1;\ny = 7;\n");
    CHECK(contains(r.output, "BUG: kernel NULL pointer dereference, address: 0000000000000010"));
    CHECK(contains(r.output, "Killed\n$1 = 7"));
    CHECK(contains(s.dmesg(), "Oops: 0002 [#1] PREEMPT SMP NOPTI"));
    CHECK(!contains(s.exec("*(long *)0xffff888000100000ull;").output, "Killed")); // direct map
    auto r2 = s.exec("*(char *)\"ro\" = 1;"); // .rodata is read-only
    CHECK(contains(s.dmesg(), "#PF: error_code(0x0003) - permissions violation"));
    CHECK(contains(s.dmesg(), "Oops: 0003 [#2] PREEMPT SMP NOPTI"));
    CHECK(contains(s.dmesg(), "Tainted: G      D"));
    CHECK(contains(r2.output, "Killed"));
}

TEST_CASE("memset through a bad pointer oopses inside the builtin") {
    Session s = boot();
    auto r = s.exec("memset((void *)0, 0, 16);");
    CHECK(contains(r.output, "BUG: kernel NULL pointer dereference"));
    CHECK(contains(r.output, "#PF: supervisor write access"));
    CHECK(contains(s.dmesg(), "RIP: 0010:memset\n"));
    CHECK(contains(s.dmesg(), " console_stmt+0x"));
}

TEST_CASE("snapshot, restore, undo, generation") {
    Session s = boot();
    uint64_t g0 = s.generation();
    s.exec("a = 1;");
    CHECK(s.generation() > g0);
    auto snap = s.snapshot();
    s.exec("a = 2; p = __get_free_pages(GFP_KERNEL, 2);");
    uint64_t free_after = s.kernel().mm.zones.size();
    (void)free_after;
    CHECK(s.exec("a").output == "$4 = 2\n");
    s.restore(snap);
    CHECK(s.exec("a").output == "$2 = 1\n");
    REQUIRE(s.undo()); // drops "a" (the value counter is rebuilt by replay)
    CHECK(s.log().size() == 1);
    CHECK(s.exec("a").output == "$2 = 1\n");
}

TEST_CASE("same script and seed: same output and trace hash") {
    std::string script =
        "p = __get_free_pages(GFP_KERNEL, 3);\nprintk(\"%p\\n\", (void *)p);\n"
        "free_pages(p, 3);\nint f(int n) { return n ? f(n - 1) : 0; }\nf(10000);\ndmesg\n";
    uint64_t h1 = 0, h2 = 0, h3 = 0;
    std::string o1 = golden::run_script(script, "t.kc", &h1);
    std::string o2 = golden::run_script(script, "t.kc", &h2);
    std::string o3 = golden::run_script("// klab: --seed 9\n" + script, "t.kc", &h3);
    CHECK(o1 == o2);
    CHECK(h1 == h2);
    CHECK(h1 != h3);
}

// The seed modules for kmalloc and slab caches compile now that the slab API is bound
// (their full runs are golden scripts: kmalloc_limit.kc, slab_test.kc).
TEST_CASE("seed modules that use the slab API compile") {
    Session s = boot();
    auto r = s.exec(R"(#include <linux/slab.h>
#define PRINT_PREF "[SLAB_TEST] "
struct my_struct {
    int int_param;
    long long_param;
};
static int __init my_mod_init(void)
{
    int ret = 0;
    struct my_struct *ptr1, *ptr2;
    struct kmem_cache *my_cache;
    printk(PRINT_PREF "Entering module.\n");
    my_cache = kmem_cache_create("pierre-cache", sizeof(struct my_struct), 0, 0, NULL);
    if(!my_cache)
        return -1;
    return ret;
})");
    CHECK_FALSE(r.compile_error);
    auto k = s.exec("void t(void) { unsigned long i; void *ptr; for(i=1;;i*=2) { ptr = kmalloc(i, "
                    "GFP_KERNEL); if(!ptr) break; } }");
    CHECK_FALSE(k.compile_error);
}

TEST_CASE("history, help, reset, unknown commands") {
    Session s = boot();
    s.exec("a = 1;");
    CHECK(contains(s.exec("history").output, "    1  a = 1;\n"));
    CHECK(contains(s.exec("help").output, "insmod NAME"));
    CHECK(contains(s.exec("help kernelc").output, "KernelC"));
    CHECK(s.exec("ps").error);
    CHECK(contains(s.exec("cat /proc/nonexistent").output, "No such file or directory"));
    CHECK(contains(s.exec("reset").output, "rebooted"));
    CHECK(s.exec("a").compile_error); // the program went with the old machine
}

TEST_CASE("cat /proc files of the model, and echo into a vm sysctl") {
    Session s = boot();
    std::string before = s.exec("cat /proc/buddyinfo").output;
    CHECK(contains(before, "Node 0, zone   Normal"));
    s.exec("p = __get_free_pages(GFP_KERNEL, 3);");
    CHECK(s.exec("cat /proc/buddyinfo").output != before);
    CHECK(s.proc_text("buddyinfo") == s.exec("cat /proc/buddyinfo").output);
    CHECK(!s.exec("echo 4096 > /proc/sys/vm/min_free_kbytes").error);
    CHECK(s.exec("cat /proc/sys/vm/min_free_kbytes").output == "4096\n");
    CHECK(s.exec("echo x > /dev/wait1").error);
    CHECK(s.exec("echo hi there").output == "hi there\n");
    CHECK(contains(s.exec("cat /proc/version").output, "Linux version 6.1.0-klab"));
    // Failed writes as bash reports them: the write(2) error for the builtin, the open error
    // for a file that cannot be written.
    ExecResult r = s.exec("echo x > /proc/sys/vm/min_free_kbytes");
    CHECK(r.error);
    CHECK(r.output == "bash: echo: write error: Invalid argument\n");
    CHECK(s.exec("echo 1 > /proc/meminfo").output == "bash: /proc/meminfo: Permission denied\n");
    CHECK(s.exec("echo kmalloc-64 1 1 1 > /proc/slabinfo").output ==
          "bash: echo: write error: Input/output error\n"); // SLUB has no tunables
}

TEST_CASE("a WARN names the module being loaded in Modules linked in, and the shell as the task") {
    MachineConfig c = MachineConfig::preset(Arch::x86_64);
    c.allocator = SlabAllocator::slab;
    Session s = klab::test::boot_session(c);
    s.exec("echo \"kmalloc-128 5000 1 0\" > /proc/slabinfo");
    std::string log = s.dmesg();
    CHECK(contains(log, "WARNING: CPU: 0 PID: 1000 at mm/percpu.c:1758 pcpu_alloc"));
    CHECK(contains(log, "Comm: klab-sh "));
    CHECK(contains(log, "Modules linked in:\n"));
    s.exec("int big_init(void) { kmalloc(8 << 20, GFP_KERNEL); return 0; }\nmodule_init(big_init);\nMODULE_LICENSE(\"GPL\");");
    s.exec("insmod big");
    CHECK(contains(s.dmesg(), "Modules linked in: big(O+)\n"));
    // 6.1 x86: the WARN's function is the RIP, its callers follow, down to insmod's syscall.
    std::string warn = s.dmesg().substr(s.dmesg().rfind("WARNING:"));
    CHECK(contains(warn, "RIP: 0010:__alloc_pages\n"));
    CHECK_FALSE(contains(warn, "dump_stack_lvl"));
    CHECK(contains(warn, " big_init+0x"));
    CHECK(contains(warn, " [big]\n"));
    CHECK(warn.find(" do_one_initcall\n") > warn.find(" big_init+0x"));
    CHECK(contains(warn, " entry_SYSCALL_64_after_hwframe\n"));
    // A 32-bit kernel enters through SYSENTER.
    Session i = klab::test::boot_session(MachineConfig::preset(Arch::i386));
    i.exec("int big_init(void) { kmalloc(8 << 20, GFP_KERNEL); return 0; }\nmodule_init(big_init);\nMODULE_LICENSE(\"GPL\");");
    i.exec("insmod big");
    std::string w32 = i.dmesg().substr(i.dmesg().rfind("WARNING:"));
    CHECK(contains(w32, "EIP: __alloc_pages\n"));
    CHECK(contains(w32, " do_SYSENTER_32\n"));
    CHECK(w32.find(" entry_SYSENTER_32\n") > w32.find(" do_SYSENTER_32\n"));
    CHECK_FALSE(contains(w32, "do_syscall_64"));
    s.exec("echo \"kmalloc-128 5000 1 0\" > /proc/slabinfo"); // loaded now: no '+'
    std::string last = s.dmesg().substr(s.dmesg().rfind("illegal size"));
    CHECK(contains(last, "Modules linked in: big(O)\n"));
}

TEST_CASE("the no_hash_pointers boot option makes %p print raw addresses") {
    MachineConfig c = MachineConfig::preset(Arch::x86_64);
    c.cmdline = "quiet no_hash_pointers";
    auto s = Session::create(c);
    REQUIRE(s.ok());
    s.value().exec("printk(\"%p\\n\", (void *)0xffff888000001000);");
    CHECK(contains(s.value().dmesg(), "] ffff888000001000\n"));
}

TEST_CASE("input typed line by line is unfinished until a body follows its header") {
    // The brace on the next line: the signature alone must wait for it.
    CHECK(input_unfinished("int f(void)"));
    CHECK(input_unfinished("static void *make(int n, gfp_t gfp)\n"));
    CHECK(input_unfinished("int f(void)\n{"));
    CHECK_FALSE(input_unfinished("int f(void)\n{\n  return 1;\n}"));
    CHECK_FALSE(input_unfinished("int f(void) { return 1; }"));
    CHECK(input_unfinished("if (x)"));
    CHECK(input_unfinished("for (i = 0; i < 3; i++)"));
    CHECK(input_unfinished("if (x) y = 1;\nelse"));
    CHECK(input_unfinished("do"));
    CHECK(input_unfinished("p = kmalloc(100,"));
    CHECK(input_unfinished("int a[3] = {1, 2,"));
    CHECK(input_unfinished("/* a comment"));
    CHECK(input_unfinished("x = 1 + \\"));
    // Calls and expressions are complete without a body (the compiler names a missing ';').
    CHECK_FALSE(input_unfinished("foo(1)"));
    CHECK_FALSE(input_unfinished("p = kmalloc(100, GFP_KERNEL)"));
    CHECK_FALSE(input_unfinished("ops.open(x)"));
    CHECK_FALSE(input_unfinished("x = f(\"int g(void)\");"));
    CHECK_FALSE(input_unfinished("cat /proc/buddyinfo"));
    CHECK_FALSE(input_unfinished("int f(void); // declared (int g(void)"));
    CHECK_FALSE(input_unfinished(""));
    CHECK_FALSE(input_unfinished("x = 1;\n\n"));
    // A whole function typed with the brace on its own line runs as one piece.
    auto p = split_input("int f(void)\n{\n  return 1;\n}\nx = f();\n");
    REQUIRE(p.size() == 2);
    CHECK(p[0].text == "int f(void)\n{\n  return 1;\n}\n");
}

TEST_CASE("a function with its brace on the next line, fed line by line, defines the function") {
    Session s = boot();
    std::string block;
    std::string out;
    for (const char* line : {"static int twice(int n)", "{", "\treturn 2 * n;", "}", "x = twice(21);"}) {
        block += std::string(line) + "\n";
        if (input_unfinished(block)) continue;
        out += s.exec(block).output;
        block.clear();
    }
    CHECK(block.empty());
    CHECK_MESSAGE(contains(out, "= 42"), out);
    CHECK_FALSE(contains(out, "error"));
}

TEST_CASE("uname prints the kernel's utsname as coreutils does") {
    auto x = Session::create(MachineConfig::preset(Arch::x86_64));
    REQUIRE(x.ok());
    Session& s = x.value();
    std::string version = s.proc_text("/proc/version");
    CHECK(s.exec("uname").output == "Linux\n");
    CHECK(s.exec("uname -r").output == "6.1.0-klab\n");
    CHECK(s.exec("uname -m").output == "x86_64\n");
    CHECK(s.exec("uname -a").output == "Linux (none) 6.1.0-klab #1 SMP x86_64 GNU/Linux\n");
    CHECK(s.exec("uname -srm").output == "Linux 6.1.0-klab x86_64\n");
    CHECK(s.exec("uname --kernel-release --machine").output == "6.1.0-klab x86_64\n");
    CHECK(s.exec("uname -p").output == "unknown\n");
    // The release and version are the ones /proc/version prints.
    CHECK(version.find(" 6.1.0-klab ") != std::string::npos);
    CHECK(version.find(" #1 SMP\n") != std::string::npos);
    ExecResult bad = s.exec("uname -x");
    CHECK(bad.error);
    CHECK(bad.output == "uname: invalid option -- 'x'\nTry 'uname --help' for more information.\n");
    CHECK(s.exec("uname foo").output == "uname: extra operand 'foo'\nTry 'uname --help' for more information.\n");
    CHECK(contains(s.exec("help").output, "uname [-asnrvm]"));
    auto i = Session::create(MachineConfig::preset(Arch::i386));
    REQUIRE(i.ok());
    CHECK(i.value().exec("uname -m").output == "i686\n");
}
