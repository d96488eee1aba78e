// The KernelC virtual machine. A Thread is plain data (frames, operand stack, its own kernel
// stack bytes), so a kernel task can stop in the middle of a function (a blocking builtin, an
// exhausted instruction budget) and resume later, and a snapshot is a copy.
// Simplifications: the kernel stack is a private byte array at a fixed address instead of
// pages from the page allocator; one VM instruction stands for one unit of CPU work.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kc/program.h"

namespace klab::kc {

enum class Access : uint8_t { Read, Write, Exec };

// A failed memory access, shaped like the x86 page-fault error code Linux prints.
struct Fault {
    uint64_t addr = 0;
    Access access = Access::Read;
    bool protection = false; // the page is mapped but the access is not allowed
};

struct Frame {
    uint32_t func = 0; // index into Program::functions, or kEntryFunc
    uint32_t pc = 0;
    uint32_t base = 0;      // first register slot in Thread::values
    uint32_t stack_top = 0; // kernel-stack offset where this frame's memory ends
    uint32_t frame_off = 0; // kernel-stack offset of this frame's memory locals
};

inline constexpr uint32_t kEntryFunc = 0xffffffffu;
inline constexpr uint32_t kStackEndMagic = 0x57AC6E9D; // include/uapi/linux/magic.h

enum class Exit : uint8_t {
    Running,       // not started or resumable
    Done,          // returned from the entry function
    Fault,         // bad memory access: the host prints the oops
    DivideError,   // division by zero or INT_MIN / -1 (x86 #DE)
    StackOverflow, // the kernel stack is exhausted (guard page hit)
    Budget,        // instruction budget used up (soft lockup)
    Blocked,       // a builtin put the task to sleep; resume() continues after the call
    Killed,        // a builtin reported a BUG/oops itself and ended the task
};

struct Thread {
    Function entry; // the top-level statement or callback trampoline being run
    std::vector<uint64_t> values;
    std::vector<Frame> frames;
    std::vector<uint8_t> stack; // the task's kernel stack (THREAD_SIZE bytes)
    uint64_t stack_base = 0;    // its lowest address
    uint32_t overrun_limit = 0; // Target::stack_overrun
    uint32_t overrun = 0;       // deepest frame byte below stack_base reached so far
    uint32_t sp = 0;            // values in use
    Exit exit = Exit::Running;
    uint64_t result = 0;
    Fault fault;
    uint64_t steps = 0; // instructions executed so far
    // Set by the VM before a builtin runs; a builtin that does bulk work (memset of a large
    // buffer) adds its cost to `charge`, which the VM takes from the budget.
    uint64_t budget_left = 0;
    uint64_t charge = 0;
};

// What a builtin call asks the VM to do next.
enum class BuiltinStatus : uint8_t { Ok, Fault, Block, Kill };

// The kernel side of the VM: memory outside the VM's own segments, and builtins.
class Host {
public:
    virtual ~Host() = default;
    // Return false and fill `f` when the access faults.
    virtual bool read(uint64_t addr, void* dst, uint32_t n, Fault& f) = 0;
    virtual bool write(uint64_t addr, const void* src, uint32_t n, Fault& f) = 0;
    // Builtins get the thread for reading strings/struct arguments and for the call trace.
    virtual BuiltinStatus call(uint32_t id, const uint64_t* args, uint32_t nargs, Thread& th,
                               uint64_t& ret, Fault& f) = 0;
};

// Starts a thread that will run `entry` (a statement) or, if func != kEntryFunc, the
// program's function `func` with the given arguments.
Thread make_thread(const Program& prog, Function entry, uint64_t stack_base, uint32_t stack_size);
Thread make_call(const Program& prog, uint32_t func, const std::vector<uint64_t>& args,
                 uint64_t stack_base, uint32_t stack_size);

// Runs until the thread exits or `budget` more instructions have run.
Exit run(Program& prog, Thread& th, Host& host, uint64_t budget);

// Memory access through the VM's segments first (module data, rodata, the thread's stack),
// then the host. Used by builtins that read strings from KernelC pointers.
bool vm_read(Program& prog, Thread& th, Host& host, uint64_t addr, void* dst, uint32_t n, Fault& f);
bool vm_write(Program& prog, Thread& th, Host& host, uint64_t addr, const void* src, uint32_t n,
              Fault& f);
// Reads a NUL-terminated string (at most max bytes); false on a fault.
bool vm_read_string(Program& prog, Thread& th, Host& host, uint64_t addr, uint32_t max,
                    std::string& out, Fault& f);

// The function running in a frame (the entry function for kEntryFunc).
const Function& frame_function(const Program& prog, const Thread& th, const Frame& fr);

} // namespace klab::kc
