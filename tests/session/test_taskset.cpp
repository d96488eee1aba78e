// taskset: moving the console's shell to another CPU (session/taskset.cpp).
#include <doctest/doctest.h>

#include "fixture.h"
#include "golden_runner.h"

using namespace klab;
using klab::test::contains;

namespace {
Session boot_cpus(uint32_t cpus) {
    MachineConfig c = MachineConfig::preset(Arch::x86_64);
    c.nr_cpus = cpus;
    return klab::test::boot_session(c, 2'000'000);
}
} // namespace

TEST_CASE("taskset -cp moves the shell: smp_processor_id and the per-CPU page lists follow") {
    Session s = boot_cpus(4);
    CHECK(s.kernel().current_cpu == 0);
    CHECK(contains(s.exec("raw_smp_processor_id()").output, "= 0\n"));
    auto r = s.exec("taskset -cp 2 $$");
    CHECK(!r.error);
    CHECK(r.output == "pid 1000's current affinity list: 0-3\npid 1000's new affinity list: 2\n");
    CHECK(s.kernel().current_cpu == 2);
    CHECK(cpu_curr(s.kernel(), 2).pid == 1000);
    CHECK(cpu_curr(s.kernel(), 0).comm == "swapper/0");
    CHECK(contains(s.exec("raw_smp_processor_id()").output, "= 2\n"));
    // An order-0 page now comes from CPU 2's list: CPU 2's pcp count moves, CPU 0's does not.
    auto pcp_count = [&](uint32_t cpu) {
        int64_t n = 0;
        for (const zone& z : s.kernel().mm.zones)
            if (cpu < z.pageset.size()) n += z.pageset[cpu].count;
        return n;
    };
    int64_t before0 = pcp_count(0), before2 = pcp_count(2);
    s.exec("p = alloc_pages(GFP_KERNEL, 0);");
    CHECK(pcp_count(0) == before0);
    CHECK(pcp_count(2) != before2);
    // The per-CPU pointer of this CPU.
    s.exec("v = alloc_percpu(int);");
    auto a = s.exec("(unsigned long)raw_cpu_ptr(v) == (unsigned long)per_cpu_ptr(v, 2)");
    CHECK(contains(a.output, "= 1\n"));
    // The command is in the log, and the mask shows as taskset prints it.
    CHECK(s.log()[1].text == "taskset -cp 2 $$");
    CHECK(s.exec("taskset -p $$").output == "pid 1000's current affinity mask: 4\n");
    CHECK(s.exec("taskset -p 3 1000").output ==
          "pid 1000's current affinity mask: 4\npid 1000's new affinity mask: 3\n");
    CHECK(s.kernel().current_cpu == 0); // CPU 2 no longer allowed: the first allowed one
    CHECK(s.exec("taskset -c 1").output ==
          "pid 1000's current affinity list: 0-1\npid 1000's new affinity list: 1\n");
    CHECK(s.kernel().current_cpu == 1);
    // A mask that still allows the current CPU keeps the shell where it is.
    s.exec("taskset -cp 0-3 $$");
    CHECK(s.kernel().current_cpu == 1);
}

TEST_CASE("taskset errors: offline CPUs, bad lists, other pids, atomic context") {
    Session s = boot_cpus(2);
    auto r = s.exec("taskset -cp 5 $$");
    CHECK(r.error);
    CHECK(contains(r.output, "taskset: failed to set pid 1000's affinity: Invalid argument"));
    CHECK(s.kernel().current_cpu == 0);
    CHECK(contains(s.exec("taskset -cp 1-x $$").output, "failed to parse CPU list: 1-x"));
    CHECK(contains(s.exec("taskset -p 1 42").output, "failed to get pid 42's affinity: No such process"));
    CHECK(s.exec("taskset -c 1 cat /proc/version").error);
    CHECK(s.exec("taskset -q").error);
    // Preemption left disabled: the shell cannot migrate.
    s.exec("preempt_disable();");
    r = s.exec("taskset -cp 1 $$");
    CHECK(r.error);
    CHECK(contains(r.output, "cannot leave CPU0"));
    CHECK(s.kernel().current_cpu == 0);
    s.exec("preempt_enable();");
    CHECK(!s.exec("taskset -cp 1 $$").error);
    CHECK(s.kernel().current_cpu == 1);
}

TEST_CASE("taskset survives undo, snapshots and replays of the log") {
    Session s = boot_cpus(2);
    s.exec("taskset -cp 1 $$");
    s.exec("p = kmalloc(64, GFP_KERNEL);");
    uint64_t h = s.trace_hash();
    // A replay of the same log on a fresh session lands on the same CPU with the same trace.
    Session t = boot_cpus(2);
    for (const CommandRecord& c : s.log()) t.exec(c.text, c.source);
    CHECK(t.kernel().current_cpu == 1);
    CHECK(t.trace_hash() == h);
    auto snap = s.snapshot();
    s.exec("taskset -cp 0 $$");
    CHECK(s.kernel().current_cpu == 0);
    s.restore(snap);
    CHECK(s.kernel().current_cpu == 1);
    CHECK(s.undo());
    CHECK(s.kernel().current_cpu == 1); // the kmalloc undone, the taskset kept
    CHECK(s.undo());
    CHECK(s.kernel().current_cpu == 0);
    // Tab completion knows the word.
    CHECK(s.complete("tasks", 5).candidates.size() == 1);
}
