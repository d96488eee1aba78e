// Per-CPU context changes and the might_sleep check (see context.h). The report follows
// kernel/sched/core.c __might_resched() with CONFIG_DEBUG_ATOMIC_SLEEP and PREEMPT_RCU; the
// model has no lockdep, so no lock list is printed.
#include "sched/context.h"

#include <cstdio>

#include "machine/kernel.h"
#include "printk/dump_stack.h"

namespace klab {

static CpuContext& cur(Kernel& k) {
    return k.cpus[k.current_cpu];
}

void preempt_disable(Kernel& k) {
    cur(k).preempt_count += PREEMPT_OFFSET;
}
void preempt_enable(Kernel& k) {
    CpuContext& c = cur(k);
    if ((c.preempt_count & PREEMPT_MASK) == 0) {
        // preempt_count_sub() with DEBUG_PREEMPT: DEBUG_LOCKS_WARN_ON(val > preempt_count())
        // refuses the underflow, warning only while debug_locks is still on (a proprietary
        // module's taint or an earlier report turns it off).
        bool debug_locks =
            !k.mm.lock_debugging_off && !(k.tainted & (1u << TAINT_PROPRIETARY_MODULE));
        if (!debug_locks) return;
        k.mm.lock_debugging_off = true;
        warn_report(k, "kernel/sched/core.c", 5750, "preempt_count_sub", {"preempt_count_sub"},
                    "DEBUG_LOCKS_WARN_ON(val > preempt_count())");
        return;
    }
    c.preempt_count -= PREEMPT_OFFSET;
}
void local_bh_disable(Kernel& k) {
    cur(k).preempt_count += SOFTIRQ_DISABLE_OFFSET;
}
void local_bh_enable(Kernel& k) {
    CpuContext& c = cur(k);
    if ((c.preempt_count & SOFTIRQ_MASK) < SOFTIRQ_DISABLE_OFFSET) return;
    c.preempt_count -= SOFTIRQ_DISABLE_OFFSET;
}
void local_irq_disable(Kernel& k) {
    cur(k).irqs_disabled = true;
}
void local_irq_enable(Kernel& k) {
    cur(k).irqs_disabled = false;
}
void irq_enter(Kernel& k) {
    cur(k).preempt_count += HARDIRQ_OFFSET;
}
void irq_exit(Kernel& k) {
    CpuContext& c = cur(k);
    if (c.preempt_count & HARDIRQ_MASK) c.preempt_count -= HARDIRQ_OFFSET;
}
void spin_lock(Kernel& k) {
    preempt_disable(k);
}
void spin_unlock(Kernel& k) {
    preempt_enable(k);
}

bool might_sleep(Kernel& k, const char* file, int line) {
    return might_sleep(k, file, line, {"__might_resched", "__alloc_pages"});
}

bool might_sleep(Kernel& k, const char* file, int line, std::initializer_list<const char*> frames) {
    CpuContext& c = cur(k);
    if (c.preempt_count == 0 && !c.irqs_disabled) return false;
    // Once per HZ at most, machine-wide (the prev_jiffy check in __might_resched()).
    uint64_t now = k.clock.jiffies();
    uint64_t prev = k.might_sleep_prev_jiffy;
    if (prev && int64_t(now - (prev + k.clock.hz)) < 0) return true;
    k.might_sleep_prev_jiffy = now;
    char buf[160];
    std::snprintf(buf, sizeof buf, "BUG: sleeping function called from invalid context at %s:%d",
                  file, line);
    printk(k, LogLevel::err, buf);
    std::snprintf(
        buf, sizeof buf, "in_atomic(): %d, irqs_disabled(): %d, non_block: 0, pid: %d, name: %s",
        in_atomic(c.preempt_count) ? 1 : 0, c.irqs_disabled ? 1 : 0, current(k).pid, current(k).comm.c_str());
    printk(k, LogLevel::err, buf);
    std::snprintf(buf, sizeof buf, "preempt_count: %x, expected: 0", c.preempt_count);
    printk(k, LogLevel::err, buf);
    printk(k, LogLevel::err, "RCU nest depth: 0, expected: 0");
    dump_stack(k, frames);
    add_taint(k, TAINT_WARN);
    return true;
}

} // namespace klab
