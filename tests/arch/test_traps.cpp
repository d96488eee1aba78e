// The one die path (arch/x86/traps.h): BUG(), die(), the page-fault oops and panic() share
// 6.1's x86 shape and decide, in one place, that the current task dies.
#include <doctest/doctest.h>

#include <string>

#include "arch/x86/traps.h"
#include "machine/kernel.h"
#include "mm/highmem.h"
#include "mm/page_alloc.h"
#include "printk/dump_stack.h"
#include "mm/vmalloc.h"
#include "session/session.h"

using namespace klab;

namespace {
Kernel boot_kernel(Arch a = Arch::x86_64) {
    auto k = Kernel::boot(MachineConfig::preset(a));
    REQUIRE(k.ok());
    return std::move(k.value());
}
// The log from seq on, one line per record, without timestamps.
std::string log_from(const Kernel& k, uint64_t seq) {
    std::string s;
    for (const LogRecord& r : k.log.records)
        if (r.seq >= seq) s += r.text + "\n";
    return s;
}
bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}
} // namespace

TEST_CASE("BUG(): cut here, kernel BUG at, the oops header, RIP, its callers, modules, end") {
    Kernel k = boot_kernel();
    uint64_t seq = k.log.next_seq;
    current(k).kernel_path = {"do_one_initcall"};
    BUG(k, "mm/slub.c", 419, {"kfree"});
    std::string want = "------------[ cut here ]------------\n"
                       "kernel BUG at mm/slub.c:419!\n"
                       "invalid opcode: 0000 [#1] PREEMPT SMP NOPTI\n"
                       "CPU: 0 PID: 1000 Comm: klab-sh Not tainted 6.1.0-klab #1\n"
                       "Hardware name: " + k.hardware_name() + "\n"
                       "RIP: 0010:kfree\n"
                       "Call Trace:\n"
                       " <TASK>\n"
                       " do_one_initcall\n"
                       " </TASK>\n"
                       "Modules linked in:\n"
                       "Disabling lock debugging due to kernel taint\n"
                       "---[ end trace 0000000000000000 ]---\n";
    CHECK(log_from(k, seq) == want);
    CHECK(task_dying(k));
    CHECK((k.tainted & (1u << TAINT_DIE)) != 0);
    CHECK(k.panics == 0);
    // The second oops counts [#2] and no longer turns lock debugging off.
    seq = k.log.next_seq;
    die(k, "divide error", 0, {"f"});
    CHECK(contains(log_from(k, seq), "divide error: 0000 [#2] PREEMPT SMP NOPTI\n"));
    CHECK(!contains(log_from(k, seq), "Disabling lock debugging"));
}

TEST_CASE("the unwinder symbolises the task's KernelC return addresses through kallsyms") {
    Kernel k = boot_kernel();
    kallsyms_add(k, KernelSymbol{"my_init", 0xffffffffc0000000ull, 0x40, 0x100, "mymod"});
    kallsyms_set_statement(k, 0xffffffffbffff000ull, 0x10);
    current(k).ret_ips = {0xffffffffbffff004ull, 0xffffffffc000001cull, 0x1234}; // outermost first
    CHECK(unwind_current(k) ==
          std::vector<std::string>{"my_init+0x1c/0x40 [mymod]", "console_stmt+0x4/0x10"});
    uint64_t seq = k.log.next_seq;
    page_fault_oops(k, 0, 2, {});
    std::string got = log_from(k, seq);
    CHECK(contains(got, "BUG: kernel NULL pointer dereference, address: 0000000000000000\n"
                        "#PF: supervisor write access in kernel mode\n"
                        "#PF: error_code(0x0002) - not-present page\n"
                        "PGD 0 P4D 0 \n"
                        "Oops: 0002 [#1] PREEMPT SMP NOPTI\n"));
    CHECK(contains(got, "RIP: 0010:my_init+0x1c/0x40 [mymod]\nCall Trace:\n <TASK>\n"
                        " console_stmt+0x4/0x10\n </TASK>\n"));
    CHECK(contains(got, "Modules linked in:\nCR2: 0000000000000000\n"));
    CHECK(task_dying(k));
}

TEST_CASE("die() in interrupt context panics: Fatal exception in interrupt") {
    Kernel k = boot_kernel();
    irq_enter(k);
    uint64_t seq = k.log.next_seq;
    die(k, "general protection fault", 0, {"handler"});
    std::string got = log_from(k, seq);
    CHECK(contains(got, "---[ end trace 0000000000000000 ]---\n"
                        "Kernel panic - not syncing: Fatal exception in interrupt\n"
                        "Kernel Offset: disabled\n"
                        "---[ end Kernel panic - not syncing: Fatal exception in interrupt ]---\n"));
    CHECK(k.panics == 1);
}

TEST_CASE("panic(): the trailing newline is dropped, a stack dump only without an earlier oops") {
    Kernel k = boot_kernel();
    uint64_t seq = k.log.next_seq;
    panic(k, "something: failed\n", {"panic", "caller"});
    std::string got = log_from(k, seq);
    CHECK(contains(got, "Kernel panic - not syncing: something: failed\nCPU: 0 PID: 1000"));
    CHECK(contains(got, " dump_stack_lvl\n panic\n caller\n"));
    CHECK(contains(got, "---[ end Kernel panic - not syncing: something: failed ]---\n"));
    CHECK(task_dying(k));
}

TEST_CASE("subsystems report through the die path: vm_unmap_ram's BUG and oops, kunmap's BUG") {
    Kernel k = boot_kernel();
    CHECK(vm_unmap_ram(k, 0, 1) == VmUnmapRam::bug);
    CHECK(task_dying(k));
    CHECK(contains(log_from(k, 0), "RIP: 0010:vm_unmap_ram\n"));
    Kernel k32 = boot_kernel(Arch::i386);
    pfn_t p = alloc_pages(k32, GFP_HIGHUSER, 0);
    CHECK(kunmap(k32, p) == KmapResult::bug);
    CHECK(task_dying(k32));
    CHECK(contains(log_from(k32, 0), "kernel BUG at mm/highmem.c:358!\ninvalid opcode: 0000 [#1] "
                                     "PREEMPT SMP\n"));
    CHECK(contains(log_from(k32, 0), "EIP: kunmap_high\n"));
}

TEST_CASE("a double free kills the statement with the BUG's x86 shape, and the shell goes on") {
    auto s = Session::create(MachineConfig::preset(Arch::x86_64));
    REQUIRE(s.ok());
    Session& ss = s.value();
    ss.exec("dmesg -C");
    auto r = ss.exec("void *p = kmalloc(64, GFP_KERNEL);\nkfree(p);\nkfree(p);\n");
    CHECK(r.error);
    CHECK(contains(r.output, "Killed\n"));
    std::string d = ss.dmesg();
    CHECK(contains(d, "RIP: 0010:kfree\n"));
    CHECK(!contains(d, "dump_stack_lvl"));
    CHECK(contains(d, "Modules linked in:\n"));
    CHECK(!task_dying(ss.kernel()));
    CHECK(ss.exec("1 + 1").output == "$1 = 2\n");
}

TEST_CASE("SLAB_PANIC: the panic path with 6.1's text, its end line, and the task stops") {
    auto s = Session::create(MachineConfig::preset(Arch::x86_64));
    REQUIRE(s.ok());
    Session& ss = s.value();
    ss.exec("int make(void) { kmem_cache_create(NULL, 32, 0, SLAB_PANIC, NULL); return 5; }");
    auto r = ss.exec("make();");
    CHECK(contains(r.output, "klab: the kernel panicked"));
    CHECK(!contains(r.output, "$1 = 5")); // nothing after the panic runs
    std::string d = ss.dmesg();
    CHECK(contains(d, "Kernel panic - not syncing: kmem_cache_create_usercopy: Failed to create "
                      "slab '(null)'. Error "));
    CHECK(contains(d, "---[ end Kernel panic - not syncing: kmem_cache_create_usercopy: Failed to "
                      "create slab '(null)'. Error "));
    CHECK(ss.kernel().panics == 1);
}
