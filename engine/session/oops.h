// The kernel's reports for a KernelC statement that dies: the x86 page-fault oops
// (arch/x86/mm/fault.c page_fault_oops + arch/x86/kernel/dumpstack.c __die), the divide
// error, the stack guard page report (arch/x86/kernel/traps.c handle_stack_overflow) and the
// soft-lockup watchdog (kernel/watchdog.c). Simplifications: no register dump and no "Code:"
// line (the VM has no machine registers or code bytes); the call trace is the KernelC call
// stack followed by the kernel path that called it (e.g. do_one_initcall for insmod).
#pragma once

#include <string>
#include <vector>

#include "kc/vm.h"
#include "session/state.h"

namespace klab {

// "my_mod_init+0x1c/0x80 [my_mod]" (or without offset), "" if addr is not KernelC text.
std::string symbolize(const SessionState& st, uint64_t addr, bool with_offset);

// How a statement came to run: the comm of the process, the kernel functions below the
// KernelC frames (innermost first), and the module being loaded, if any.
struct RunContext {
    std::vector<std::string> kernel_frames;
    std::string loading_module; // shown as "name(O+)" in "Modules linked in:"
    std::string unloading_module;
};

// Prints the report for th's exit (Fault, DivideError, StackOverflow, Budget) and taints the
// kernel as Linux does. Returns the line a shell would print for the killed process.
std::string report_death(SessionState& st, const kc::Thread& th, const RunContext& ctx);

// dump_stack() from KernelC: CPU/Hardware lines and the call trace of th.
void print_call_trace_report(SessionState& st, const kc::Thread& th, const char* innermost);

// %pS of the innermost KernelC frame ("my_init+0x1c/0x80 [my_mod]"): the caller an API such
// as vmalloc records (__builtin_return_address(0)).
std::string caller_symbol(const SessionState& st, const kc::Thread& th);

// "Modules linked in: a(O) b(PO)".
std::string modules_linked_in(const SessionState& st, const RunContext& ctx);

} // namespace klab
