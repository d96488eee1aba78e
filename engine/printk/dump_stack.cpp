// dump_stack() and taint printing (see dump_stack.h).
#include "printk/dump_stack.h"

#include <cstdio>
#include <vector>

#include "machine/kernel.h"

namespace klab {

void add_taint(Kernel& k, TaintFlag flag) {
    k.tainted |= 1u << flag;
}

std::string print_tainted(uint32_t mask) {
    if (!mask) return "Not tainted";
    // c_true letters of taint_flags[] in kernel/panic.c; c_false is ' ' except for 'P'/'G'.
    static const char kTrue[TAINT_FLAGS_COUNT + 1] = "PFSRMBUDAWCIOELKXTN";
    std::string s = "Tainted: ";
    for (uint32_t i = 0; i < TAINT_FLAGS_COUNT; ++i) {
        bool set = mask & (1u << i);
        s += set ? kTrue[i] : (i == 0 ? 'G' : ' ');
    }
    return s;
}

void dump_stack_print_info(Kernel& k) {
    const task_struct& c = current(k);
    char buf[200];
    std::snprintf(buf, sizeof buf, "CPU: %u PID: %d Comm: %.15s %s %s %s", k.current_cpu, c.pid,
                  c.comm.c_str(), print_tainted(k.tainted).c_str(), kUtsRelease, kUtsVersion);
    printk(k, LogLevel::warning, buf);
    printk(k, LogLevel::warning, std::string("Hardware name: ") + k.hardware_name());
}

namespace {

// "Call Trace:", then the frames in their context's tags: the given ones, the KernelC caller's,
// and the kernel path of the task that ran it.
void call_trace(Kernel& k, const std::vector<const char*>& frames) {
    printk(k, LogLevel::warning, "Call Trace:");
    bool irq = in_hardirq(k.cpus[k.current_cpu].preempt_count);
    printk(k, LogLevel::warning, irq ? " <IRQ>" : " <TASK>");
    for (const char* f : frames) printk(k, LogLevel::warning, std::string(" ") + f);
    for (const std::string& f : k.dump_stack_callers) printk(k, LogLevel::warning, " " + f);
    if (!irq)
        for (const std::string& f : current(k).kernel_path) printk(k, LogLevel::warning, " " + f);
    printk(k, LogLevel::warning, irq ? " </IRQ>" : " </TASK>");
}

} // namespace

std::string die_header(Kernel& k, const char* str, uint32_t err) {
    // CONFIG_PREEMPTION and SMP; x86_64 also says whether PTI is on (the model's CPU needs none).
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s: %04x [#%u] PREEMPT SMP%s", str, err & 0xffff, ++k.die_counter,
                  k.config.arch == Arch::x86_64 ? " NOPTI" : "");
    return buf;
}

bool is_report_head(std::string_view line) {
    for (std::string_view head : {"BUG", "kernel BUG at ", "Oops", "WARNING: ", "general protection fault",
                                  "Kernel panic"})
        if (line.substr(0, head.size()) == head) return true;
    return false;
}

std::vector<std::string> syscall_entry_frames(const Kernel& k) {
    if (k.config.arch == Arch::x86_64) return {"do_syscall_64", "entry_SYSCALL_64_after_hwframe"};
    return {"__do_fast_syscall_32", "do_fast_syscall_32", "do_SYSENTER_32", "entry_SYSENTER_32"};
}

void dump_stack(Kernel& k, std::initializer_list<const char*> frames) {
    dump_stack_print_info(k);
    std::vector<const char*> all{"dump_stack_lvl"};
    all.insert(all.end(), frames.begin(), frames.end());
    call_trace(k, all);
}

void warn_report(Kernel& k, const char* file, int line, const char* func,
                 std::initializer_list<const char*> frames, const std::string& msg,
                 LogLevel msg_level) {
    printk(k, LogLevel::warning, "------------[ cut here ]------------");
    if (!msg.empty()) printk(k, msg_level, msg);
    char buf[256];
    std::snprintf(buf, sizeof buf, "WARNING: CPU: %u PID: %d at %s:%d %s", k.current_cpu,
                  current(k).pid, file, line, func);
    printk(k, LogLevel::warning, buf);
    printk(k, LogLevel::warning, modules_linked_in(k));
    // x86 WARN() traps (ud2) and __warn() prints the trap's registers with show_regs(): the
    // WARN's function as RIP (EIP on i386), then the trace of its callers; no dump_stack_lvl.
    dump_stack_print_info(k);
    printk(k, LogLevel::warning, std::string(k.config.arch == Arch::x86_64 ? "RIP: 0010:" : "EIP: ") + func);
    std::vector<const char*> callers(frames.begin(), frames.end());
    if (!callers.empty() && std::string(callers.front()) == func) callers.erase(callers.begin());
    call_trace(k, callers);
    printk(k, LogLevel::warning, "---[ end trace 0000000000000000 ]---");
    add_taint(k, TAINT_WARN);
}

} // namespace klab
