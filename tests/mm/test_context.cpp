// The per-CPU context and the sleeping-in-atomic report.
#include "helpers.h"

#include "mm/page_alloc.h"
#include "sched/context.h"

using namespace klab;
using namespace klab::test;

TEST_CASE("preempt_count fields as in include/linux/preempt.h") {
    CHECK(PREEMPT_MASK == 0xff);
    CHECK(SOFTIRQ_MASK == 0xff00);
    CHECK(HARDIRQ_MASK == 0xf0000);
    CHECK(NMI_MASK == 0xf00000);
    CHECK(SOFTIRQ_DISABLE_OFFSET == 0x200);
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    CpuContext& c = k.cpus[0];
    CHECK(in_task(c.preempt_count));
    spin_lock(k);
    CHECK(c.preempt_count == 1);
    CHECK(in_atomic(c.preempt_count));
    CHECK(in_task(c.preempt_count));
    spin_unlock(k);
    local_bh_disable(k);
    CHECK(c.preempt_count == 0x200);
    CHECK(in_softirq(c.preempt_count));
    CHECK_FALSE(in_serving_softirq(c.preempt_count));
    CHECK(in_task(c.preempt_count)); // bh disabled is still task context
    local_bh_enable(k);
    irq_enter(k);
    CHECK(c.preempt_count == 0x10000);
    CHECK(in_hardirq(c.preempt_count));
    CHECK(in_interrupt(c.preempt_count));
    CHECK_FALSE(in_task(c.preempt_count));
    irq_exit(k);
    CHECK(c.preempt_count == 0);
    CHECK(k.cpus[1].preempt_count == 0);
}

TEST_CASE("GFP_KERNEL under a spinlock prints the sleeping-function BUG report") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    k.clock.advance_ns(5ull * 1000000000ull);
    spin_lock(k);
    pfn_t p = alloc_page(k, GFP_KERNEL);
    CHECK(p != NO_PFN); // the model, like Linux, goes on with the allocation
    std::string d = dmesg(k);
    CHECK(contains(d, "] BUG: sleeping function called from invalid context at "
                      "include/linux/sched/mm.h:274\n"));
    CHECK(contains(d, "] in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 1000, name: "
                      "klab-sh\n"));
    CHECK(contains(d, "] preempt_count: 1, expected: 0\n"));
    CHECK(contains(d, "] RCU nest depth: 0, expected: 0\n"));
    CHECK(contains(d, "] CPU: 0 PID: 1000 Comm: klab-sh Not tainted 6.1.0-klab #1\n"));
    CHECK(contains(d, "] Call Trace:\n"));
    CHECK((k.tainted & (1u << 9)) != 0); // TAINT_WARN afterwards
    // Rate-limited to one report per HZ.
    size_t n = k.log.records.size();
    alloc_page(k, GFP_KERNEL);
    CHECK(k.log.records.size() == n);
    spin_unlock(k);
    // GFP_ATOMIC is fine in atomic context, and in hard interrupts.
    irq_enter(k);
    k.clock.advance_ns(2ull * 1000000000ull);
    n = k.log.records.size();
    alloc_page(k, GFP_ATOMIC);
    CHECK(k.log.records.size() == n);
    alloc_page(k, GFP_KERNEL);
    d = dmesg(k);
    CHECK(contains(d, "] preempt_count: 10000, expected: 0\n"));
    CHECK(contains(d, " <IRQ>\n"));
    irq_exit(k);
    CHECK_MM(k);
}

TEST_CASE("irqs disabled is invalid context for a sleeping allocation") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    local_irq_disable(k);
    alloc_page(k, GFP_NOIO);
    CHECK(contains(dmesg(k), "in_atomic(): 0, irqs_disabled(): 1,"));
    local_irq_enable(k);
}
