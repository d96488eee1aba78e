// What the session tells the kernel when a KernelC statement dies, and what it shows: the
// VM's exits become the x86 traps of arch/x86/traps.h (a page fault, a divide error, the
// stack guard page), the soft-lockup watchdog (kernel/watchdog.c) reports a statement that
// runs too long, and kernel stack overflows are checked:
// - x86_64 (VMAP_STACK): the stack guard page report of arch/x86/kernel/traps.c
//   handle_stack_overflow(), reached through the double fault, so oops_end() finds itself in
//   interrupt context and panics ("Fatal exception in interrupt").
// - x86_32 (no VMAP_STACK, no guard page): nothing traps. The VM lets frames run on below the
//   stack into the memory there (kc::Target::stack_overrun), writing return addresses,
//   frame pointers and locals into it. If the STACK_END_MAGIC word was overwritten, the oops
//   path adds "Thread overran stack, or stack corrupted" and the task's next schedule()
//   panics "corrupted stack end detected inside scheduler" (CONFIG_SCHED_STACK_END_CHECK, set
//   in Debian's 6.1 configs): after a statement (the shell sleeps reading the terminal), after
//   insmod's init (insmod exits) and when a task dies.
// Simplifications: the call trace is the KernelC call stack followed by the kernel path that
// called it (e.g. do_one_initcall for insmod). After a panic a real machine stops (printk
// suppressed, CPUs halted); the lab stops the task and keeps the console so the student can
// inspect the damage. An x86_32 overrun deeper than the lab's limit (32 KiB below the stack)
// is stopped there: Linux would go on overwriting memory until something faults, which the
// model cannot predict. The console's i386 stack lives in the kernel image (mm/kstack.h), so
// the memory an overrun damages is image data.
#pragma once

#include <string>
#include <vector>

#include "kc/vm.h"
#include "session/state.h"

namespace klab {
class KernelHost;
}

namespace klab {

// "my_mod_init+0x1c/0x80 [my_mod]" (or without offset), "" if addr is not KernelC text.
// Fake machine-code geometry: 4 bytes per VM instruction and a final ret, 16-byte aligned
// (so a return address after the last call still lies inside the function).
uint32_t code_size(const kc::Function& f);
std::string symbolize(const SessionState& st, uint64_t addr, bool with_offset);

// Puts every KernelC function of the program in the kernel's kallsyms (after a compile).
void sync_kallsyms(SessionState& st);
// The module a function belongs to, for its kallsyms entry.
void set_symbol_module(SessionState& st, const std::string& fn, const std::string& module);

// Prints the report for th's exit (Fault, DivideError, StackOverflow, Budget) and taints the
// kernel as Linux does. Returns the line a shell would print for the killed process.
std::string report_death(SessionState& st, KernelHost& host, const kc::Thread& th);

// CONFIG_SCHED_STACK_END_CHECK after a statement that returned normally: the task's next
// schedule() (the shell reading the terminal, or the exit of insmod when task_exits) panics
// if STACK_END_MAGIC was overwritten.
void check_stack_end(SessionState& st, const kc::Thread& th, bool task_exits);

// The console's line after a panic.
inline constexpr const char* kPanicLine =
    "klab: the kernel panicked (a real machine stops here; the lab goes on)";

// dump_stack() from KernelC: CPU/Hardware lines and the call trace of th.
void print_call_trace_report(SessionState& st, const kc::Thread& th, const char* innermost);

// %pS of the innermost KernelC frame ("my_init+0x1c/0x80 [my_mod]"): the caller an API such
// as vmalloc records (__builtin_return_address(0)).
std::string caller_symbol(const SessionState& st, const kc::Thread& th);

} // namespace klab
