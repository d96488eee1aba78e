// The task table: boot tasks, current per CPU, the pid allocator, tasks of insmod/rmmod.
#include <doctest/doctest.h>

#include "machine/kernel.h"
#include "sched/task.h"
#include "session/session.h"

using namespace klab;

namespace {
Kernel boot_kernel(uint32_t cpus) {
    MachineConfig c = MachineConfig::preset(Arch::x86_64);
    c.nr_cpus = cpus;
    auto k = Kernel::boot(c);
    REQUIRE(k.ok());
    return std::move(k.value());
}
} // namespace

TEST_CASE("boot: swapper/N per CPU with pid 0, init 1, kthreadd 2, the shell 1000 on CPU 0") {
    Kernel k = boot_kernel(2);
    CHECK(check_tasks(k) == "");
    CHECK(cpu_curr(k, 0).pid == kConsolePid);
    CHECK(cpu_curr(k, 0).comm == "klab-sh");
    CHECK(cpu_curr(k, 1).pid == 0);
    CHECK(cpu_curr(k, 1).comm == "swapper/1");
    CHECK(k.tasks.tasks[idle_task(k, 0)].comm == "swapper/0");
    CHECK(k.tasks.tasks[k.tasks.init].pid == 1);
    CHECK(k.tasks.tasks[k.tasks.kthreadd].pid == 2);
    CHECK(k.tasks.tasks[k.tasks.kthreadd].comm == "kthreadd");
    CHECK((k.tasks.tasks[k.tasks.kthreadd].flags & PF_KTHREAD) != 0);
    CHECK(k.tasks.tasks[k.tasks.init].real_parent == idle_task(k, 0));
    CHECK(current(k).pid == kConsolePid);
}

TEST_CASE("pid_max: 32768 for few CPUs, 1024 per CPU above 32") {
    CHECK(default_pid_max(2) == 32768);
    CHECK(default_pid_max(64) == 65536);
}

TEST_CASE("alloc_pid is cyclic and wraps to RESERVED_PIDS, skipping pids in use") {
    PidAllocator p;
    p.pid_max = 310;
    CHECK(alloc_pid(p) == 1);
    p.last = 305;
    CHECK(alloc_pid(p) == 306);
    CHECK(alloc_pid(p) == 307);
    CHECK(alloc_pid(p) == 308);
    CHECK(alloc_pid(p) == 309);
    CHECK(alloc_pid(p) == 300); // wrapped
    free_pid(p, 307);
    p.last = 305;
    CHECK(alloc_pid(p) == 307); // 306 is still taken
    for (int32_t i = 301; i < 306; ++i) CHECK(alloc_pid(p) == i);
    CHECK(alloc_pid(p) == -1); // 1 and 300..309 are all in use: nothing left
}

TEST_CASE("create_task/release_task: pids after the shell's, slots and pids reused") {
    Kernel k = boot_kernel(2);
    task_t a = create_task(k, "insmod", {"do_one_initcall"});
    REQUIRE(a != NO_TASK);
    CHECK(k.tasks.tasks[a].pid == 1001);
    CHECK(k.tasks.tasks[a].kernel_path == std::vector<std::string>{"do_one_initcall"});
    set_cpu_curr(k, 0, a);
    CHECK(current(k).comm == "insmod");
    CHECK(check_tasks(k) == "");
    size_t n = k.tasks.tasks.size();
    release_task(k, a);
    CHECK(cpu_curr(k, 0).comm == "swapper/0"); // the CPU idles until the shell runs again
    task_t b = create_task(k, "a-very-long-command-name", {});
    CHECK(b == a); // the free slot is reused
    CHECK(k.tasks.tasks.size() == n);
    CHECK(k.tasks.tasks[b].pid == 1002);
    CHECK(k.tasks.tasks[b].comm == "a-very-long-com"); // TASK_COMM_LEN - 1
    CHECK(check_tasks(k) == "");
}

TEST_CASE("insmod runs as a new process: its pid and comm in reports, the shell's after it") {
    auto s = Session::create(MachineConfig::preset(Arch::x86_64));
    REQUIRE(s.ok());
    Session& ss = s.value();
    ss.exec("int m_init(void) { dump_stack(); return 0; }\n"
            "void m_exit(void) { dump_stack(); }\n"
            "module_init(m_init);\nmodule_exit(m_exit);\nMODULE_LICENSE(\"GPL\");", "m.c");
    ss.exec("insmod m");
    CHECK(ss.dmesg().find("PID: 1001 Comm: insmod") != std::string::npos);
    CHECK(current(ss.kernel()).pid == kConsolePid);
    ss.exec("rmmod m");
    CHECK(ss.dmesg().find("PID: 1002 Comm: rmmod") != std::string::npos);
    ss.exec("int o_init(void) { *(int *)0 = 1; return 0; }\nmodule_init(o_init);", "o.c");
    ss.exec("insmod o");
    CHECK(ss.dmesg().find("PID: 1003 Comm: insmod") != std::string::npos);
    CHECK(ss.dmesg().find("Modules linked in: o(PO+)") != std::string::npos);
    CHECK(check_tasks(ss.kernel()) == "");
    CHECK(current(ss.kernel()).pid == kConsolePid);
}
