// The die path (see traps.h).
#include "arch/x86/traps.h"

#include <cstdio>

#include "machine/kernel.h"
#include "module/module.h"
#include "printk/dump_stack.h"
#include "printk/printk.h"
#include "sched/task.h"

namespace klab {

namespace {

constexpr size_t kMaxTraceFrames = 48; // a runaway recursion would print thousands

void warn(Kernel& k, const std::string& s) {
    printk(k, LogLevel::warning, s);
}

} // namespace

void show_regs(Kernel& k, const TrapFrames& given) {
    dump_stack_print_info(k);
    TrapFrames frames = given;
    for (std::string& f : unwind_current(k)) frames.push_back(std::move(f));
    if (!frames.empty())
        warn(k, (k.config.arch == Arch::x86_64 ? "RIP: 0010:" : "EIP: ") + frames[0]);
    warn(k, "Call Trace:");
    warn(k, " <TASK>");
    for (size_t i = 1; i < frames.size() && i <= kMaxTraceFrames; i++) warn(k, " " + frames[i]);
    for (const std::string& f : current(k).kernel_path) warn(k, " " + f);
    warn(k, " </TASK>");
}

std::vector<std::string> unwind_current(const Kernel& k) {
    std::vector<std::string> out;
    const std::vector<uint64_t>& ips = current(k).ret_ips;
    for (auto it = ips.rbegin(); it != ips.rend(); ++it) {
        std::string s = sprint_symbol(k, *it, true);
        if (!s.empty()) out.push_back(std::move(s));
    }
    return out;
}

void make_task_dead(Kernel& k) {
    current(k).dying = true;
}

bool task_dying(const Kernel& k) {
    return current(k).dying;
}

void die(Kernel& k, const char* str, uint32_t err, const TrapFrames& frames,
         const std::vector<std::string>& after_modules, bool nmi) {
    warn(k, die_header(k, str, err));
    show_regs(k, frames);
    warn(k, modules_linked_in(k));
    for (const std::string& l : after_modules) warn(k, l);
    // oops_end(): add_taint(TAINT_DIE, LOCKDEP_NOW_UNRELIABLE) turns debug_locks off (saying
    // so the first time), oops_exit() prints the end marker; then in interrupt context a
    // panic, else make_task_dead().
    // debug_locks is already off after a proprietary module or a bad page/slab report (their
    // taints are LOCKDEP_NOW_UNRELIABLE too).
    uint32_t unreliable = (1u << TAINT_PROPRIETARY_MODULE) | (1u << TAINT_BAD_PAGE);
    if (!k.mm.lock_debugging_off && !(k.tainted & unreliable))
        warn(k, "Disabling lock debugging due to kernel taint");
    k.mm.lock_debugging_off = true;
    add_taint(k, TAINT_DIE);
    warn(k, "---[ end trace 0000000000000000 ]---");
    if (nmi || in_interrupt(k.cpus[k.current_cpu].preempt_count))
        panic(k, "Fatal exception in interrupt");
    make_task_dead(k);
}

void BUG(Kernel& k, const char* file, int line, const TrapFrames& frames) {
    warn(k, "------------[ cut here ]------------");
    char buf[160];
    std::snprintf(buf, sizeof buf, "kernel BUG at %s:%d!", file, line);
    printk(k, LogLevel::crit, buf);
    die(k, "invalid opcode", 0, frames);
}

void page_fault_oops(Kernel& k, uint64_t addr, uint32_t err, const TrapFrames& frames,
                     bool stack_end_corrupted) {
    uint64_t a = addr & (k.config.pointer_bytes() == 8 ? ~0ull : 0xffffffffull);
    char hex[32];
    std::snprintf(hex, sizeof hex, "%0*llx", static_cast<int>(k.config.pointer_bytes() * 2),
                  static_cast<unsigned long long>(a));
    if (a < k.config.page_size())
        printk(k, LogLevel::alert, std::string("BUG: kernel NULL pointer dereference, address: ") + hex);
    else
        printk(k, LogLevel::alert, std::string("BUG: unable to handle page fault for address: ") + hex);
    const char* what = err & 0x10 ? "instruction fetch" : err & 2 ? "write access" : "read access";
    printk(k, LogLevel::alert, std::string("#PF: supervisor ") + what + " in kernel mode");
    char buf[96];
    std::snprintf(buf, sizeof buf, "#PF: error_code(0x%04x) - %s", err,
                  err & 1 ? "permissions violation" : "not-present page");
    printk(k, LogLevel::alert, buf);
    // dump_pagetable(): nothing is mapped in the user half of an idle kernel thread's mm.
    if (a < k.config.page_offset())
        printk(k, LogLevel::info, k.config.arch == Arch::x86_64 ? "PGD 0 P4D 0 " : "*pde = 00000000 ");
    if (stack_end_corrupted) printk(k, LogLevel::emerg, "Thread overran stack, or stack corrupted");
    // page_fault_oops() prints "%016lx" on both: a 32-bit address gets eight leading zeros.
    std::snprintf(buf, sizeof buf, "CR2: %016llx", static_cast<unsigned long long>(a));
    die(k, "Oops", err, frames, {buf});
}

void panic(Kernel& k, std::string msg, std::initializer_list<const char*> frames) {
    // 6.1 drops one trailing newline of the formatted message.
    if (!msg.empty() && msg.back() == '\n') msg.pop_back();
    printk(k, LogLevel::emerg, "Kernel panic - not syncing: " + msg);
    // CONFIG_DEBUG_BUGVERBOSE: no second stack dump while an oops is being handled.
    if (!(k.tainted & (1u << TAINT_DIE))) dump_stack(k, frames);
    // x86's panic notifier (dump_kernel_offset); the model has no KASLR.
    printk(k, LogLevel::emerg, "Kernel Offset: disabled");
    printk(k, LogLevel::emerg, "---[ end Kernel panic - not syncing: " + msg + " ]---");
    k.panics++;
    make_task_dead(k);
}

} // namespace klab
