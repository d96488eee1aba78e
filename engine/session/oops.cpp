// Death reports of KernelC statements (see oops.h).
#include "session/oops.h"

#include <cstdio>
#include <cstring>

#include "kc/program.h"
#include "lib/vsprintf.h"
#include "printk/dump_stack.h"
#include "printk/pointer.h"
#include "printk/printk.h"
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

std::string addr_hex(const Kernel& k, uint64_t a) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%0*llx", static_cast<int>(k.config.pointer_bytes() * 2),
                  static_cast<unsigned long long>(a));
    return buf;
}

void cpu_lines(SessionState& st) {
    Kernel& k = st.kernel;
    const task_struct& c = current(k);
    char buf[200];
    std::snprintf(buf, sizeof buf, "CPU: %u PID: %d Comm: %.15s %s %s %s", k.current_cpu, c.pid,
                  c.comm.c_str(), print_tainted(k.tainted).c_str(), kUtsRelease, kUtsVersion);
    log(k, LogLevel::warning, buf);
    log(k, LogLevel::warning, "Hardware name: " + k.hardware_name());
}

// RIP line and the call trace (callers of the faulting function, then the kernel path).
void rip_and_trace(SessionState& st, const kc::Thread& th) {
    Kernel& k = st.kernel;
    std::vector<std::string> frames;
    // A fault inside a kernel function (memset through a bad pointer) has that function as
    // RIP; the KernelC caller comes first in the call trace.
    if (!th.frames.empty()) {
        const kc::Frame& top = th.frames.back();
        const kc::Function& f = kc::frame_function(st.prog, th, top);
        if (top.pc < f.code.size() && f.code[top.pc].op == kc::Op::CallBuiltin) {
            uint32_t id = static_cast<uint32_t>(f.code[top.pc].a);
            if (id < st.prog.builtins.size()) frames.push_back(st.prog.builtins[id].name);
        }
    }
    for (auto it = th.frames.rbegin(); it != th.frames.rend(); ++it)
        if (!is_trampoline(th, *it)) frames.push_back(frame_symbol(st, th, *it));
    if (!frames.empty())
        log(k, LogLevel::warning,
            (k.config.arch == Arch::x86_64 ? "RIP: 0010:" : "EIP: ") + frames[0]);
    log(k, LogLevel::warning, "Call Trace:");
    log(k, LogLevel::warning, " <TASK>");
    for (size_t i = 1; i < frames.size() && i <= kMaxTraceFrames; i++)
        log(k, LogLevel::warning, " " + frames[i]);
    for (const auto& f : current(k).kernel_path) log(k, LogLevel::warning, " " + f);
    log(k, LogLevel::warning, " </TASK>");
}

void end_trace(SessionState& st) {
    log(st.kernel, LogLevel::warning, "---[ end trace 0000000000000000 ]---");
    add_taint(st.kernel, TAINT_DIE);
}

bool stack_end_corrupted(const kc::Thread& th) {
    uint32_t magic = 0;
    if (th.stack.size() >= 4) std::memcpy(&magic, th.stack.data(), 4);
    return magic != kc::kStackEndMagic;
}

// kernel/panic.c panic(): the message, dump_stack() unless an oops already printed one
// (TAINT_DIE), x86's panic notifier (dump_kernel_offset; no KASLR in the model), the end
// marker. A real machine stops here; the lab goes on (see oops.h).
void panic(Kernel& k, const std::string& msg, std::initializer_list<const char*> frames) {
    log(k, LogLevel::emerg, "Kernel panic - not syncing: " + msg);
    if (!(k.tainted & (1u << TAINT_DIE))) dump_stack(k, frames);
    log(k, LogLevel::emerg, "Kernel Offset: disabled");
    log(k, LogLevel::emerg, "---[ end Kernel panic - not syncing: " + msg + " ]---");
}

const char* kPanicLine = "klab: the kernel panicked (a real machine stops here; the lab goes on)";

// schedule_debug() with CONFIG_SCHED_STACK_END_CHECK (Debian's config): the next schedule()
// of a task whose STACK_END_MAGIC was overwritten panics. A task that dies goes through
// do_exit() -> do_task_dead() -> __schedule().
bool exit_stack_check(SessionState& st, const kc::Thread& th) {
    if (!stack_end_corrupted(th)) return false;
    panic(st.kernel, "corrupted stack end detected inside scheduler",
          {"panic", "__schedule", "do_task_dead", "do_exit"});
    return true;
}

std::string page_fault(SessionState& st, const kc::Thread& th) {
    Kernel& k = st.kernel;
    const kc::Fault& f = th.fault;
    uint64_t a = f.addr & (k.config.pointer_bytes() == 8 ? ~0ull : 0xffffffffull);
    uint32_t err = (f.protection ? 1 : 0) | (f.access == kc::Access::Write ? 2 : 0) |
                   (f.access == kc::Access::Exec ? 0x10 : 0);
    if (a < k.config.page_size())
        log(k, LogLevel::alert, "BUG: kernel NULL pointer dereference, address: " + addr_hex(k, a));
    else
        log(k, LogLevel::alert, "BUG: unable to handle page fault for address: " + addr_hex(k, a));
    const char* what = f.access == kc::Access::Exec    ? "instruction fetch"
                       : f.access == kc::Access::Write ? "write access"
                                                       : "read access";
    log(k, LogLevel::alert, std::string("#PF: supervisor ") + what + " in kernel mode");
    char buf[96];
    std::snprintf(buf, sizeof buf, "#PF: error_code(0x%04x) - %s", err,
                  f.protection ? "permissions violation" : "not-present page");
    log(k, LogLevel::alert, buf);
    // dump_pagetable(): nothing is mapped in the user half of an idle kernel thread's mm.
    if (a < k.config.page_offset())
        log(k, LogLevel::info, k.config.arch == Arch::x86_64 ? "PGD 0 P4D 0 " : "*pde = 00000000 ");
    if (stack_end_corrupted(th)) log(k, LogLevel::emerg, "Thread overran stack, or stack corrupted");
    log(k, LogLevel::warning, die_header(k, "Oops", err));
    cpu_lines(st);
    rip_and_trace(st, th);
    log(k, LogLevel::warning, modules_linked_in(st.kernel));
    // page_fault_oops() prints "%016lx" on both: a 32-bit address gets eight leading zeros.
    std::snprintf(buf, sizeof buf, "CR2: %016llx", static_cast<unsigned long long>(a));
    log(k, LogLevel::warning, buf);
    end_trace(st);
    return "Killed";
}

std::string simple_die(SessionState& st, const kc::Thread& th, const char* str) {
    log(st.kernel, LogLevel::warning, die_header(st.kernel, str, 0));
    cpu_lines(st);
    rip_and_trace(st, th);
    log(st.kernel, LogLevel::warning, modules_linked_in(st.kernel));
    end_trace(st);
    return "Segmentation fault";
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
    simple_die(st, th, "stack guard page");
    panic(k, "Fatal exception in interrupt", {});
    return kPanicLine;
}

// x86_32 has no VMAP_STACK: frames went on below the stack into the memory there (the VM
// wrote them through the host) until the lab's limit. Linux would keep going until something
// faults; nothing reports the overrun itself. The task is stopped and exits.
std::string stack_overrun_stopped(SessionState& st, const kc::Thread& th) {
    std::string line = "Killed (the lab stops a call chain " + std::to_string(th.overrun) +
                       " bytes below its kernel stack: x86_32 has no guard page, so Linux "
                       "would go on overwriting the memory below)";
    if (exit_stack_check(st, th)) line += "\n" + std::string(kPanicLine);
    return line;
}

std::string stack_overflow(SessionState& st, const kc::Thread& th) {
    if (st.kernel.config.arch == Arch::x86_64) return guard_page_hit(st, th);
    return stack_overrun_stopped(st, th);
}

std::string soft_lockup(SessionState& st, const kc::Thread& th) {
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
    cpu_lines(st);
    rip_and_trace(st, th);
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

std::string report_death(SessionState& st, const kc::Thread& th) {
    // After an oops the task exits, and its last schedule() checks the stack end.
    auto then_exit = [&](std::string line) {
        if (exit_stack_check(st, th)) line += "\n" + std::string(kPanicLine);
        return line;
    };
    switch (th.exit) {
    case kc::Exit::Fault: return then_exit(page_fault(st, th));
    case kc::Exit::DivideError: return then_exit(simple_die(st, th, "divide error"));
    case kc::Exit::StackOverflow: return stack_overflow(st, th);
    case kc::Exit::Budget: return then_exit(soft_lockup(st, th));
    case kc::Exit::Killed: return then_exit("Killed");
    case kc::Exit::Blocked:
        return "klab: this statement sleeps, and the lab has no tasks to switch to yet";
    default: return "";
    }
}

std::string check_stack_end(SessionState& st, const kc::Thread& th, bool task_exits) {
    if (!stack_end_corrupted(th)) return "";
    // The console's shell goes back to reading the terminal; insmod/rmmod exit.
    if (task_exits)
        panic(st.kernel, "corrupted stack end detected inside scheduler",
              {"panic", "__schedule", "do_task_dead", "do_exit"});
    else
        panic(st.kernel, "corrupted stack end detected inside scheduler",
              {"panic", "__schedule", "schedule", "schedule_timeout", "n_tty_read", "tty_read",
               "vfs_read", "ksys_read"});
    return kPanicLine;
}

void print_call_trace_report(SessionState& st, const kc::Thread& th, const char* innermost) {
    cpu_lines(st);
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
