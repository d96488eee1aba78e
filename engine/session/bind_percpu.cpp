// Preemption, CPU identity and per-CPU data (include/linux/preempt.h, smp.h, bottom_half.h,
// percpu.h, percpu-defs.h) bound to sched/context.h and mm/percpu.h, with the
// CONFIG_DEBUG_PREEMPT checks of lib/smp_processor_id.c: smp_processor_id(), this_cpu_ptr()
// and the __this_cpu_*() operations in preemptible code print "BUG: using ... in preemptible
// [00000000] code: ..." (not rate-limited in the model). The per-CPU accessors are macros over
// a few builtins, with typeof as in Linux; DEFINE_PER_CPU puts the variable in the per-CPU
// area through its section attribute (kc: DeclSpec::is_percpu).
#include <cstdio>

#include "kc/compile.h"
#include "machine/kernel.h"
#include "mm/kstack.h"
#include "mm/percpu.h"
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
                  what2, cpu.preempt_count, current(k).comm.c_str(), current(k).pid);
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
kc::BuiltinStatus do_preempt_enable(CallCtx& c) {
    preempt_enable(c.k());
    return ok(c, 0);
}
kc::BuiltinStatus do_num_online_cpus(CallCtx& c) {
    return ok(c, c.k().cpus.size());
}

int64_t cpu_arg(CallCtx& c, uint32_t i) {
    return static_cast<int32_t>(c.arg(i)); // an int in C
}
kc::BuiltinStatus do_per_cpu_ptr(CallCtx& c) {
    return ok(c, per_cpu_ptr(c.k(), c.arg(0), cpu_arg(c, 1)));
}
kc::BuiltinStatus do_raw_cpu_ptr(CallCtx& c) {
    return ok(c, per_cpu_ptr(c.k(), c.arg(0), c.k().current_cpu));
}
// this_cpu_ptr(): my_cpu_offset is per_cpu_offset(smp_processor_id()) with DEBUG_PREEMPT.
kc::BuiltinStatus do_this_cpu_ptr(CallCtx& c) {
    check_preemption_disabled(c, "smp_processor_id", "");
    return ok(c, per_cpu_ptr(c.k(), c.arg(0), c.k().current_cpu));
}
kc::BuiltinStatus do_get_cpu_ptr(CallCtx& c) {
    preempt_disable(c.k());
    return ok(c, per_cpu_ptr(c.k(), c.arg(0), c.k().current_cpu));
}
// __this_cpu_read() and friends: __this_cpu_preempt_check(op).
kc::BuiltinStatus do_this_cpu_op_ptr(CallCtx& c) {
    std::string op;
    if (!c.string(c.arg(1), op, 32)) return kc::BuiltinStatus::Fault;
    check_preemption_disabled(c, "__this_cpu_", op.c_str());
    return ok(c, per_cpu_ptr(c.k(), c.arg(0), c.k().current_cpu));
}
kc::BuiltinStatus do_alloc_percpu(CallCtx& c) {
    return ok(c, __alloc_percpu(c.k(), c.arg(0), c.arg(1)));
}
kc::BuiltinStatus do_free_percpu(CallCtx& c) {
    free_percpu(c.k(), c.arg(0));
    return ok(c, 0);
}

const char* kPercpuMacros = R"(
#define DEFINE_PER_CPU(type, name) __attribute__((section(".data..percpu"))) __typeof__(type) name
#define DECLARE_PER_CPU(type, name) extern __attribute__((section(".data..percpu"))) __typeof__(type) name
#define per_cpu_ptr(ptr, cpu) ((__typeof__(ptr))__per_cpu_ptr((const void *)(ptr), (cpu)))
#define per_cpu(var, cpu) (*per_cpu_ptr(&(var), cpu))
#define raw_cpu_ptr(ptr) ((__typeof__(ptr))__raw_cpu_ptr((const void *)(ptr)))
#define this_cpu_ptr(ptr) ((__typeof__(ptr))__this_cpu_ptr((const void *)(ptr)))
#define get_cpu_ptr(var) ((__typeof__(var))__get_cpu_ptr((const void *)(var)))
#define put_cpu_ptr(var) preempt_enable()
#define get_cpu_var(var) (*get_cpu_ptr(&(var)))
#define put_cpu_var(var) preempt_enable()
#define this_cpu_read(pcp) (*raw_cpu_ptr(&(pcp)))
#define this_cpu_write(pcp, val) ((void)(*raw_cpu_ptr(&(pcp)) = (val)))
#define this_cpu_add(pcp, val) ((void)(*raw_cpu_ptr(&(pcp)) += (val)))
#define this_cpu_sub(pcp, val) ((void)(*raw_cpu_ptr(&(pcp)) -= (val)))
#define this_cpu_inc(pcp) this_cpu_add(pcp, 1)
#define this_cpu_dec(pcp) this_cpu_sub(pcp, 1)
#define __this_cpu_op_ptr(pcp, op) ((__typeof__(&(pcp)))__this_cpu_ptr_op((const void *)&(pcp), op))
#define __this_cpu_read(pcp) (*__this_cpu_op_ptr(pcp, "read"))
#define __this_cpu_write(pcp, val) ((void)(*__this_cpu_op_ptr(pcp, "write") = (val)))
#define __this_cpu_add(pcp, val) ((void)(*__this_cpu_op_ptr(pcp, "add") += (val)))
#define __this_cpu_sub(pcp, val) ((void)(*__this_cpu_op_ptr(pcp, "sub") -= (val)))
#define __this_cpu_inc(pcp) ((void)(*__this_cpu_op_ptr(pcp, "add") += 1))
#define __this_cpu_dec(pcp) ((void)(*__this_cpu_op_ptr(pcp, "sub") -= 1))
#define alloc_percpu(type) ((__typeof__(type) *)__alloc_percpu(sizeof(type), __alignof__(type)))
#define alloc_percpu_gfp(type, gfp) alloc_percpu(type)
#define for_each_possible_cpu(cpu) for ((cpu) = 0; (cpu) < nr_cpu_ids; (cpu)++)
#define for_each_online_cpu(cpu) for ((cpu) = 0; (cpu) < nr_cpu_ids; (cpu)++)
#define wmb() ((void)0)
#define rmb() ((void)0)
#define mb() ((void)0)
#define barrier() ((void)0)
)";

} // namespace

Result<void> bind_machine_constants(kc::Program& prog, const Kernel& k) {
    // NR_CPUS as if CONFIG_NR_CPUS matched the machine (see mm/percpu.h).
    KLAB_TRY(bind_constant(prog, "NR_CPUS", "int", k.cpus.size()));
    KLAB_TRY(bind_constant(prog, "nr_cpu_ids", "unsigned int", k.cpus.size()));
    // asm/page_{32,64}_types.h: the kernel stack size of the preset.
    KLAB_TRY(bind_constant(prog, "THREAD_SIZE", "unsigned long", thread_size(k)));
    return {};
}

Result<void> bind_preempt(kc::Program& prog, BuiltinTable& t) {
    KLAB_TRY(bind(prog, t, "void *__per_cpu_ptr(const void *ptr, int cpu);", do_per_cpu_ptr));
    KLAB_TRY(bind(prog, t, "void *__raw_cpu_ptr(const void *ptr);", do_raw_cpu_ptr));
    KLAB_TRY(bind(prog, t, "void *__this_cpu_ptr(const void *ptr);", do_this_cpu_ptr));
    KLAB_TRY(bind(prog, t, "void *__get_cpu_ptr(const void *ptr);", do_get_cpu_ptr));
    KLAB_TRY(bind(prog, t, "void *__this_cpu_ptr_op(const void *ptr, const char *op);",
                  do_this_cpu_op_ptr));
    KLAB_TRY(bind(prog, t, "void *__alloc_percpu(size_t size, size_t align);", do_alloc_percpu));
    KLAB_TRY(bind(prog, t, "void free_percpu(void *ptr);", do_free_percpu));
    KLAB_TRY(bind(prog, t, "int smp_processor_id(void);", do_smp_processor_id));
    KLAB_TRY(bind(prog, t, "int raw_smp_processor_id(void);", do_raw_smp_processor_id));
    KLAB_TRY(bind(prog, t, "int get_cpu(void);", do_get_cpu));
    KLAB_TRY(bind(prog, t, "void put_cpu(void);", do_preempt_enable));
    KLAB_TRY(bind(prog, t, "unsigned int num_online_cpus(void);", do_num_online_cpus));
    // preempt_disable/enable, preempt_count, local_bh_*, in_atomic ...: bind_context.cpp.
    auto u = kc::compile(prog, kc::Source{"<linux/percpu.h>", kPercpuMacros});
    KLAB_TRY(u);
    return {};
}

} // namespace klab
