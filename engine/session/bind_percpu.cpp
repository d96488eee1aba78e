// Preemption and CPU identity (include/linux/preempt.h, smp.h, bottom_half.h) bound to
// sched/context.h, with the CONFIG_DEBUG_PREEMPT check of lib/smp_processor_id.c:
// smp_processor_id() in preemptible code prints "BUG: using smp_processor_id() in
// preemptible ..." (not rate-limited in the model).
#include <cstdio>

#include "machine/kernel.h"
#include "session/builtins.h"
#include "session/oops.h"

namespace klab {

namespace {

// check_preemption_disabled(what1, what2): true when the CPU number is stable here.
bool check_preemption_disabled(CallCtx& c, const char* what1, const char* what2) {
    Kernel& k = c.k();
    const CpuContext& cpu = k.cpus[k.current_cpu];
    if (cpu.preempt_count || cpu.irqs_disabled) return true;
    char buf[160];
    std::snprintf(buf, sizeof buf, "BUG: using %s%s() in preemptible [%08x] code: %s/%d", what1,
                  what2, cpu.preempt_count, cpu.comm.c_str(), cpu.pid);
    printk(k, LogLevel::err, buf);
    printk(k, LogLevel::warning, "caller is " + caller_symbol(c.st, c.th));
    print_call_trace_report(c.st, c.th, "check_preemption_disabled");
    return false;
}

kc::BuiltinStatus do_smp_processor_id(CallCtx& c) {
    check_preemption_disabled(c, "smp_processor_id", "");
    return ok(c, c.k().current_cpu);
}
kc::BuiltinStatus do_raw_smp_processor_id(CallCtx& c) {
    return ok(c, c.k().current_cpu);
}
kc::BuiltinStatus do_get_cpu(CallCtx& c) {
    preempt_disable(c.k());
    return ok(c, c.k().current_cpu);
}
kc::BuiltinStatus do_preempt_disable(CallCtx& c) {
    preempt_disable(c.k());
    return ok(c, 0);
}
kc::BuiltinStatus do_preempt_enable(CallCtx& c) {
    preempt_enable(c.k());
    return ok(c, 0);
}
kc::BuiltinStatus do_preempt_count(CallCtx& c) {
    return ok(c, c.k().cpus[c.k().current_cpu].preempt_count);
}
kc::BuiltinStatus do_local_bh_disable(CallCtx& c) {
    local_bh_disable(c.k());
    return ok(c, 0);
}
kc::BuiltinStatus do_local_bh_enable(CallCtx& c) {
    local_bh_enable(c.k());
    return ok(c, 0);
}
kc::BuiltinStatus do_in_atomic(CallCtx& c) {
    return ok(c, in_atomic(c.k().cpus[c.k().current_cpu].preempt_count) ? 1 : 0);
}
kc::BuiltinStatus do_in_interrupt(CallCtx& c) {
    return ok(c, in_interrupt(c.k().cpus[c.k().current_cpu].preempt_count) ? 1 : 0);
}
kc::BuiltinStatus do_num_online_cpus(CallCtx& c) {
    return ok(c, c.k().cpus.size());
}

} // namespace

Result<void> bind_preempt(kc::Program& prog, BuiltinTable& t) {
    KLAB_TRY(bind(prog, t, "int smp_processor_id(void);", do_smp_processor_id));
    KLAB_TRY(bind(prog, t, "int raw_smp_processor_id(void);", do_raw_smp_processor_id));
    KLAB_TRY(bind(prog, t, "int get_cpu(void);", do_get_cpu));
    KLAB_TRY(bind(prog, t, "void put_cpu(void);", do_preempt_enable));
    KLAB_TRY(bind(prog, t, "void preempt_disable(void);", do_preempt_disable));
    KLAB_TRY(bind(prog, t, "void preempt_enable(void);", do_preempt_enable));
    KLAB_TRY(bind(prog, t, "int preempt_count(void);", do_preempt_count));
    KLAB_TRY(bind(prog, t, "void local_bh_disable(void);", do_local_bh_disable));
    KLAB_TRY(bind(prog, t, "void local_bh_enable(void);", do_local_bh_enable));
    KLAB_TRY(bind(prog, t, "bool in_atomic(void);", do_in_atomic));
    KLAB_TRY(bind(prog, t, "bool in_interrupt(void);", do_in_interrupt));
    KLAB_TRY(bind(prog, t, "unsigned int num_online_cpus(void);", do_num_online_cpus));
    return {};
}

} // namespace klab
