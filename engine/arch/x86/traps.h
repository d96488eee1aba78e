// The one die path of the model: BUG(), oops, die() and panic(), and the decision that the
// current task dies. Models arch/x86/kernel/traps.c (handle_bug -> do_error_trap -> die),
// arch/x86/kernel/dumpstack.c (__die_header, __die_body, show_regs, oops_end), arch/x86/mm/
// fault.c (page_fault_oops) and kernel/panic.c (panic). Every subsystem reports through it;
// the session only learns from current that the task it ran was killed.
// Every oops and BUG has 6.1's x86 shape: (cut here, kernel BUG at), the "str: %04x [#N]
// PREEMPT SMP NOPTI" header, CPU and Hardware lines, "RIP: 0010:fn" ("EIP: fn" on i386), the
// call trace of RIP's callers (the kernel functions a subsystem names, then the KernelC frames
// the unwinder finds on the task's stack, then the task's kernel path), "Modules linked in:",
// CR2 for a page fault, the end marker; then TAINT_DIE and make_task_dead(), or a panic when
// the trap came in interrupt context.
// Simplifications: no register dump and no "Code:" line (the KernelC VM has no machine
// registers or code bytes), and the model's own kernel functions print without +off/size.
// BUG() cannot unwind C++: the model's function returns after it and its caller stops because
// current is dying (task_dying()). After a panic a real machine stops; the lab stops the task
// that panicked and keeps its console for inspection (later statements still run).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace klab {

struct Kernel;

// The frames of a trap below the CPU's RIP, innermost first: RIP's function first, then the
// kernel functions that called it. The KernelC frames and the task's path are added.
using TrapFrames = std::vector<std::string>;

// BUG() at file:line in the innermost of `frames` (handle_bug(): "kernel BUG at", then die()).
void BUG(Kernel& k, const char* file, int line, const TrapFrames& frames);

// __die() + oops_end(): str is the trap ("invalid opcode", "divide error", "Oops" ...), err its
// error code; `after_modules` lines follow "Modules linked in:" (the page fault's CR2).
// nmi: the trap came from NMI/double-fault context, so oops_end() panics.
void die(Kernel& k, const char* str, uint32_t err, const TrapFrames& frames,
         const std::vector<std::string>& after_modules = {}, bool nmi = false);

// page_fault_oops() for a kernel-mode fault at addr (error code bits: 1 protection, 2 write,
// 0x10 instruction fetch). stack_end_corrupted adds "Thread overran stack".
void page_fault_oops(Kernel& k, uint64_t addr, uint32_t err, const TrapFrames& frames,
                     bool stack_end_corrupted = false);

// kernel/panic.c panic(msg): the message (a trailing newline dropped, as 6.1 does), a stack
// dump of `frames` unless an oops already printed one (TAINT_DIE), "Kernel Offset: disabled",
// the end marker. Counts the panic (Kernel::panics) and stops the current task.
void panic(Kernel& k, std::string msg, std::initializer_list<const char*> frames = {});

// show_regs() without registers: the CPU lines, "RIP: 0010:" the first of `frames` (with
// the current task's KernelC frames after them), and the call trace of RIP's callers.
void show_regs(Kernel& k, const TrapFrames& frames);

// make_task_dead(): the current task dies after the report.
void make_task_dead(Kernel& k);
// True once die()/panic() decided the current task dies: the code it runs must stop.
bool task_dying(const Kernel& k);

// The KernelC frames the unwinder finds on the current task's stack, innermost first
// ("my_init+0x1c/0x80 [mod]", "console_stmt+0x4/0x10").
std::vector<std::string> unwind_current(const Kernel& k);

} // namespace klab
