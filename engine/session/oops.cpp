// Death reports of KernelC statements (see oops.h).
#include "session/oops.h"

#include <cstdio>
#include <cstring>

#include "kc/program.h"
#include "lib/vsprintf.h"
#include "printk/dump_stack.h"
#include "printk/pointer.h"
#include "printk/printk.h"
#include "arch/x86/traps.h"
#include "session/host.h"
#include "session/builtins.h"

namespace klab {

namespace {

constexpr size_t kMaxTraceFrames = 48; // a runaway recursion would print thousands

std::string frame_symbol(const SessionState& st, const kc::Thread& th, const kc::Frame& fr) {
    const kc::Function& f = kc::frame_function(st.prog, th, fr);
    char buf[64];
    std::snprintf(buf, sizeof buf, "+0x%x/0x%x", fr.pc * 4, code_size(f));
    std::string name = f.name.empty() ? "console_stmt" : f.name;
    std::string s = name + buf;
    if (fr.func == kc::kEntryFunc) return s;
    const KernelSymbol* sym = kallsyms_lookup(st.kernel, st.prog.function_address(fr.func));
    if (sym && !sym->module.empty()) s += " [" + sym->module + "]";
    return s;
}

bool is_trampoline(const kc::Thread& th, const kc::Frame& fr) {
    return fr.func == kc::kEntryFunc && th.entry.name == "<kernel>";
}

void log(Kernel& k, LogLevel l, const std::string& s) {
    printk(k, l, s);
}

// A fault inside a kernel function (memset through a bad pointer) has that function as RIP;
// the KernelC caller comes first in the call trace.
TrapFrames builtin_frame(const SessionState& st, const kc::Thread& th) {
    if (th.frames.empty()) return {};
    const kc::Frame& top = th.frames.back();
    const kc::Function& f = kc::frame_function(st.prog, th, top);
    if (top.pc < f.code.size() && f.code[top.pc].op == kc::Op::CallBuiltin) {
        uint32_t id = static_cast<uint32_t>(f.code[top.pc].a);
        if (id < st.prog.builtins.size()) return {st.prog.builtins[id].name};
    }
    return {};
}

bool stack_end_corrupted(const kc::Thread& th) {
    uint32_t magic = 0;
    if (th.stack.size() >= 4) std::memcpy(&magic, th.stack.data(), 4);
    return magic != kc::kStackEndMagic;
}

// schedule_debug() with CONFIG_SCHED_STACK_END_CHECK (Debian's config): the next schedule()
// of a task whose STACK_END_MAGIC was overwritten panics. A task that dies goes through
// do_exit() -> do_task_dead() -> __schedule().
void exit_stack_check(SessionState& st, const kc::Thread& th) {
    if (!stack_end_corrupted(th)) return;
    panic(st.kernel, "corrupted stack end detected inside scheduler",
          {"panic", "__schedule", "do_task_dead", "do_exit"});
}

std::string page_fault(SessionState& st, const kc::Thread& th) {
    const kc::Fault& f = th.fault;
    uint32_t err = (f.protection ? 1 : 0) | (f.access == kc::Access::Write ? 2 : 0) |
                   (f.access == kc::Access::Exec ? 0x10 : 0);
    page_fault_oops(st.kernel, f.addr, err, builtin_frame(st, th), stack_end_corrupted(th));
    return "Killed";
}

// x86_64 (VMAP_STACK): the push into the guard page cannot deliver #PF on the same stack, so
// the CPU raises #DF; exc_double_fault() enters NMI context, handle_stack_overflow() dies, and
// oops_end() panics because in_interrupt() is true.
std::string guard_page_hit(SessionState& st, const kc::Thread& th) {
    Kernel& k = st.kernel;
    PrintfTarget t = kernel_printf_target(k);
    auto p = [&](uint64_t v) {
        char b[24];
        std::snprintf(b, sizeof b, "%0*llx", static_cast<int>(2 * t.pointer_bytes),
                      static_cast<unsigned long long>(hashed_pointer(v, t)));
        return std::string(b);
    };
    uint64_t lo = th.stack_base, hi = th.stack_base + th.stack.size();
    log(k, LogLevel::emerg,
        "BUG: TASK stack guard page was hit at " + p(lo - 8) + " (stack is " + p(lo) + ".." +
            p(hi) + ")");
    die(k, "stack guard page", 0, {}, {}, true);
    return "";
}

// x86_32 has no VMAP_STACK: frames went on below the stack into the memory there (the VM
// wrote them through the host) until the lab's limit. Linux would keep going until something
// faults; nothing reports the overrun itself. The task is stopped and exits.
std::string stack_overrun_stopped(SessionState& st, const kc::Thread& th) {
    exit_stack_check(st, th);
    return "Killed (the lab stops a call chain " + std::to_string(th.overrun) +
           " bytes below its kernel stack: x86_32 has no guard page, so Linux "
           "would go on overwriting the memory below)";
}

std::string stack_overflow(SessionState& st, const kc::Thread& th) {
    if (st.kernel.config.arch == Arch::x86_64) return guard_page_hit(st, th);
    return stack_overrun_stopped(st, th);
}

// kernel/watchdog.c watchdog_timer_fn(): the report, the modules, then show_regs().
std::string soft_lockup(SessionState& st) {
    Kernel& k = st.kernel;
    const task_struct& c = current(k);
    // The watchdog's threshold is 2 * watchdog_thresh = 20 s; it notices on its next 4 s
    // sample, so the first report says 22 s. The stuck statement is charged that much time.
    k.clock.advance_ns(22ull * 1000000000ull);
    char buf[160];
    std::snprintf(buf, sizeof buf, "watchdog: BUG: soft lockup - CPU#%u stuck for 22s! [%.15s:%d]",
                  k.current_cpu, c.comm.c_str(), c.pid);
    log(k, LogLevel::emerg, buf);
    log(k, LogLevel::warning, modules_linked_in(st.kernel));
    show_regs(k, {});
    add_taint(k, TAINT_SOFTLOCKUP);
    return "Killed (the lab stops a statement the watchdog reports as a soft lockup)";
}

} // namespace

uint32_t code_size(const kc::Function& f) {
    return ((static_cast<uint32_t>(f.code.size()) + 1) * 4 + 15) & ~15u; // + the final ret
}

std::string symbolize(const SessionState& st, uint64_t addr, bool with_offset) {
    return sprint_symbol(st.kernel, addr, with_offset);
}

void sync_kallsyms(SessionState& st) {
    const kc::Program& prog = st.prog;
    for (uint32_t i = 0; i < prog.functions.size(); ++i) {
        const kc::Function& f = prog.functions[i];
        if (!f.defined) continue;
        uint64_t a = prog.function_address(i);
        const KernelSymbol* old = kallsyms_lookup(st.kernel, a);
        if (old && old->addr == a && old->name == f.name && old->size == code_size(f)) continue;
        std::string module = old && old->addr == a ? old->module : "";
        kallsyms_add(st.kernel, KernelSymbol{f.name, a, code_size(f),
                                             uint32_t(kc::Layout::kFuncStride), module});
    }
}

void set_symbol_module(SessionState& st, const std::string& fn, const std::string& module) {
    auto it = st.prog.function_index.find(fn);
    if (it == st.prog.function_index.end()) return;
    const KernelSymbol* s = kallsyms_lookup(st.kernel, st.prog.function_address(it->second));
    if (!s) return;
    KernelSymbol copy = *s;
    copy.module = module;
    kallsyms_add(st.kernel, std::move(copy));
}

std::string caller_symbol(const SessionState& st, const kc::Thread& th) {
    for (auto it = th.frames.rbegin(); it != th.frames.rend(); ++it)
        if (!is_trampoline(th, *it)) return frame_symbol(st, th, *it);
    return "";
}

std::string report_death(SessionState& st, KernelHost& host, const kc::Thread& th) {
    // The unwinder finds the frames the thread had when it stopped.
    host.record_frames(th);
    // After an oops the task exits, and its last schedule() checks the stack end.
    auto then_exit = [&](std::string line) {
        exit_stack_check(st, th);
        return line;
    };
    switch (th.exit) {
    case kc::Exit::Fault: return then_exit(page_fault(st, th));
    case kc::Exit::DivideError:
        die(st.kernel, "divide error", 0, {});
        return then_exit("Segmentation fault");
    case kc::Exit::StackOverflow: return stack_overflow(st, th);
    case kc::Exit::Budget: return then_exit(soft_lockup(st));
    case kc::Exit::Killed: return then_exit("Killed");
    case kc::Exit::Blocked:
        return "klab: this statement sleeps, and the lab has no tasks to switch to yet";
    default: return "";
    }
}

void check_stack_end(SessionState& st, const kc::Thread& th, bool task_exits) {
    if (!stack_end_corrupted(th)) return;
    // The console's shell goes back to reading the terminal; insmod/rmmod exit.
    if (task_exits)
        panic(st.kernel, "corrupted stack end detected inside scheduler",
              {"panic", "__schedule", "do_task_dead", "do_exit"});
    else
        panic(st.kernel, "corrupted stack end detected inside scheduler",
              {"panic", "__schedule", "schedule", "schedule_timeout", "n_tty_read", "tty_read",
               "vfs_read", "ksys_read"});
}

void print_call_trace_report(SessionState& st, const kc::Thread& th, const char* innermost) {
    dump_stack_print_info(st.kernel);
    Kernel& k = st.kernel;
    log(k, LogLevel::warning, "Call Trace:");
    log(k, LogLevel::warning, " <TASK>");
    log(k, LogLevel::warning, std::string(" ") + innermost);
    size_t n = 0;
    for (auto it = th.frames.rbegin(); it != th.frames.rend() && n < kMaxTraceFrames; ++it, ++n)
        if (!is_trampoline(th, *it)) log(k, LogLevel::warning, " " + frame_symbol(st, th, *it));
    log(k, LogLevel::warning, " </TASK>");
}

} // namespace klab
