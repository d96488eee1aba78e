// Execution-context calls of include/linux/preempt.h, irqflags.h and bottom_half.h as
// builtins, bound to sched/context.h: enough for a module to enter atomic context and meet
// the might_sleep() report. Bound only where the name is still free (bind_if_free), so a later
// subsystem with fuller versions (spinlocks, real irq handling) takes precedence.
#include "machine/kernel.h"
#include "sched/context.h"
#include "session/builtins.h"

namespace klab {

namespace {

const CpuContext& cur(CallCtx& c) {
    return c.k().cpus[c.k().current_cpu];
}

kc::BuiltinStatus do_preempt_disable(CallCtx& c) { preempt_disable(c.k()); return ok(c, 0); }
kc::BuiltinStatus do_preempt_enable(CallCtx& c) { preempt_enable(c.k()); return ok(c, 0); }
kc::BuiltinStatus do_local_irq_disable(CallCtx& c) { local_irq_disable(c.k()); return ok(c, 0); }
kc::BuiltinStatus do_local_irq_enable(CallCtx& c) { local_irq_enable(c.k()); return ok(c, 0); }
kc::BuiltinStatus do_local_bh_disable(CallCtx& c) { local_bh_disable(c.k()); return ok(c, 0); }
kc::BuiltinStatus do_local_bh_enable(CallCtx& c) { local_bh_enable(c.k()); return ok(c, 0); }
kc::BuiltinStatus do_preempt_count(CallCtx& c) { return ok(c, cur(c).preempt_count); }
kc::BuiltinStatus do_in_atomic(CallCtx& c) { return ok(c, in_atomic(cur(c).preempt_count)); }
kc::BuiltinStatus do_in_interrupt(CallCtx& c) { return ok(c, in_interrupt(cur(c).preempt_count)); }
kc::BuiltinStatus do_in_task(CallCtx& c) { return ok(c, in_task(cur(c).preempt_count)); }
kc::BuiltinStatus do_irqs_disabled(CallCtx& c) { return ok(c, cur(c).irqs_disabled); }

struct Fn {
    const char* name;
    const char* prototype;
    BuiltinFn fn;
};
const Fn kFns[] = {
    {"preempt_disable", "void preempt_disable(void);", do_preempt_disable},
    {"preempt_enable", "void preempt_enable(void);", do_preempt_enable},
    {"local_irq_disable", "void local_irq_disable(void);", do_local_irq_disable},
    {"local_irq_enable", "void local_irq_enable(void);", do_local_irq_enable},
    {"local_bh_disable", "void local_bh_disable(void);", do_local_bh_disable},
    {"local_bh_enable", "void local_bh_enable(void);", do_local_bh_enable},
    {"preempt_count", "int preempt_count(void);", do_preempt_count},
    {"in_atomic", "int in_atomic(void);", do_in_atomic},
    {"in_interrupt", "int in_interrupt(void);", do_in_interrupt},
    {"in_task", "int in_task(void);", do_in_task},
    {"irqs_disabled", "int irqs_disabled(void);", do_irqs_disabled},
};

} // namespace

Result<void> bind_context(kc::Program& prog, BuiltinTable& t) {
    for (const Fn& f : kFns) KLAB_TRY(bind_if_free(prog, t, f.name, f.prototype, f.fn));
    return {};
}

} // namespace klab
