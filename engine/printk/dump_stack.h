// dump_stack() and the taint flags it prints: models lib/dump_stack.c and kernel/panic.c
// print_tainted(). Simplification: the call trace lists the modelled functions by name,
// without the +offset/size suffixes a real stack unwinder prints.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "printk/printk.h"

namespace klab {

struct Kernel;

// Bit numbers of include/linux/panic.h (6.1).
enum TaintFlag : uint32_t {
    TAINT_PROPRIETARY_MODULE = 0,
    TAINT_BAD_PAGE = 5,
    TAINT_DIE = 7,
    TAINT_WARN = 9,
    TAINT_OOT_MODULE = 12,
    TAINT_SOFTLOCKUP = 14,
    TAINT_TEST = 18, // the last flag, 'N' (KUnit tests)
};
inline constexpr uint32_t TAINT_FLAGS_COUNT = 19; // one column per flag on the Tainted: line

void add_taint(Kernel& k, TaintFlag flag);
// "Not tainted" or "Tainted: G        W         ".
std::string print_tainted(uint32_t mask);
// lib/dump_stack.c dump_stack_print_info(): the "CPU: 0 PID: 1000 Comm: klab-sh Not tainted
// 6.1.0-klab #1" and "Hardware name: ..." lines.
void dump_stack_print_info(Kernel& k);
// "CPU: 0 PID: 1000 Comm: insmod Not tainted 6.1.0-klab #1", "Hardware name: ...",
// "Call Trace:", " <TASK>" (or " <IRQ>"), the frames innermost first, then the caller's frames
// a subsystem put in Kernel::dump_stack_callers (the KernelC code that called it), then the
// kernel path of the current task (task_struct::kernel_path: insmod's do_one_initcall ...),
// then the closing tag.
void dump_stack(Kernel& k, std::initializer_list<const char*> frames);
// A WARN()'s report, as kernel/panic.c __warn() prints it on x86: "cut here", the WARN's own
// message when it has one (at msg_level), "WARNING: CPU: N PID: P at file:line func", the
// modules line, the CPU lines, "RIP: 0010:func" (no registers: a simplification), the call
// trace of frames (the first, func itself, is the RIP), the end marker; then taints the kernel W.
void warn_report(Kernel& k, const char* file, int line, const char* func,
                 std::initializer_list<const char*> frames, const std::string& msg = {},
                 LogLevel msg_level = LogLevel::warning);

// __die_header()'s line: "invalid opcode: 0000 [#1] PREEMPT SMP NOPTI" (x86_64; i386 has no
// NOPTI), N counting every oops and BUG() since boot.
std::string die_header(Kernel& k, const char* str, uint32_t err);

// True for the first line of a kernel report as printk logs it: "BUG: ...", "BUG kmalloc-128
// (Not tainted): ...", "kernel BUG at ...", "Oops: ...", "WARNING: ...", a general protection
// fault or "Kernel panic ...". The console colours these, the lesson panel reports them.
bool is_report_head(std::string_view line);

// The bottom of a system call's call trace, below its handler: x86_64's syscall entry, or the
// SYSENTER path of a 32-bit kernel.
std::vector<std::string> syscall_entry_frames(const Kernel& k);

inline constexpr const char* kUtsRelease = "6.1.0-klab";
inline constexpr const char* kUtsVersion = "#1";

} // namespace klab
