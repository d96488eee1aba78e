// Tasks: the model's task_struct (include/linux/sched.h), the pid allocator (kernel/pid.c),
// the tasks start_kernel() leaves running (init/main.c rest_init(), kernel/sched/core.c
// init_idle()) and `current` per CPU (arch/x86/include/asm/current.h). Tasks live in the
// Kernel value and are referred to by handle (an index into TaskTable::tasks).
// At boot: one idle task per CPU (pid 0, "swapper/N"; CPU 0's is init_task with the static
// init_thread_union stack, the others come from fork_idle() with a stack of their own), init
// (pid 1), kthreadd (pid 2) and the console's shell (pid 1000, "klab-sh").
// Simplifications: no fork, exit, scheduler or wait yet (the process issue brings them); a
// task runs only when the console runs it. The pids between 2 and the shell's 1000 stand for
// the boot kthreads and user-space start-up the model does not run: the allocator resumes
// after them, so insmod/rmmod processes get 1001, 1002 ...
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace klab {

struct Kernel;

using task_t = uint32_t; // handle: index into TaskTable::tasks
inline constexpr task_t NO_TASK = ~0u;

// __state values (include/linux/sched.h).
inline constexpr uint32_t TASK_RUNNING = 0x0;
inline constexpr uint32_t TASK_INTERRUPTIBLE = 0x1;
inline constexpr uint32_t TASK_UNINTERRUPTIBLE = 0x2;
inline constexpr uint32_t TASK_DEAD = 0x80;
// exit_state values.
inline constexpr uint32_t EXIT_DEAD = 0x10;
// PF_* flags.
inline constexpr uint32_t PF_IDLE = 0x2;
inline constexpr uint32_t PF_EXITING = 0x4;
inline constexpr uint32_t PF_KTHREAD = 0x200000;

inline constexpr int32_t PID_MAX_DEFAULT = 0x8000;
inline constexpr int32_t RESERVED_PIDS = 300;
inline constexpr uint32_t TASK_COMM_LEN = 16;

// The console's shell task (the process the console's statements and words run as).
inline constexpr int32_t kConsolePid = 1000;
inline constexpr const char* kConsoleComm = "klab-sh";

struct task_struct {
    uint32_t __state = TASK_RUNNING;
    uint32_t exit_state = 0;
    uint32_t flags = 0;    // PF_*
    uint64_t stack = 0;    // lowest address of the kernel stack (THREAD_SIZE bytes)
    bool static_stack = false; // init_task: init_thread_union in the image, not allocated
    uint32_t cpu = 0;      // task_thread_info(p)->cpu
    int32_t pid = 0;
    int32_t tgid = 0;
    task_t real_parent = NO_TASK;
    std::string comm; // at most TASK_COMM_LEN - 1 characters
    // Kernel functions below the code the task runs, innermost first: the path from its
    // entry into the kernel (insmod's do_one_initcall ... entry_SYSCALL_64_after_hwframe).
    std::vector<std::string> kernel_path;
    // Return addresses of the KernelC code it is running, outermost first: what the unwinder
    // finds on its stack (the KernelC VM, the model's CPU, keeps them current).
    std::vector<uint64_t> ret_ips;
    // die() decided the task dies (make_task_dead()): the code it ran must not continue.
    bool dying = false;
    bool in_use = true; // false: the slot is free for a later task
};

// kernel/pid.c's idr_alloc_cyclic over [pid_min, pid_max), wrapping to RESERVED_PIDS.
struct PidAllocator {
    int32_t last = 0; // idr_next - 1 of the init namespace
    int32_t pid_max = PID_MAX_DEFAULT;
    std::vector<int32_t> used; // pids in use, unsorted (few tasks)
};

struct TaskTable {
    std::vector<task_struct> tasks;
    PidAllocator pids;
    task_t init = NO_TASK, kthreadd = NO_TASK, shell = NO_TASK;
};

// Boot: the idle tasks, init, kthreadd and the shell; sets every CPU's current (the shell
// runs on CPU 0, the other CPUs run their idle task). Needs the stack allocator.
void sched_init(Kernel& k);

// pid_max at boot for the CPU count (kernel/pid.c pid_idr_init()).
int32_t default_pid_max(uint32_t nr_cpus);
// The next free pid (cyclic), or -1 if every pid is taken (alloc_pid()'s -EAGAIN).
int32_t alloc_pid(PidAllocator& p);
void free_pid(PidAllocator& p, int32_t pid);

// A new task that runs `comm` on the current CPU below `kernel_path`, with a kernel stack of
// its own and a pid from the allocator; NO_TASK if the stack cannot be allocated. It does not
// become current: run_task() does that.
task_t create_task(Kernel& k, const std::string& comm, std::vector<std::string> kernel_path);
// The task exits: its stack is freed, its pid released, its slot reused later.
void release_task(Kernel& k, task_t t);

// current on the CPU the next call runs on (Kernel::current_cpu), and on a given CPU.
task_struct& current(Kernel& k);
const task_struct& current(const Kernel& k);
const task_struct& cpu_curr(const Kernel& k, uint32_t cpu);
// Makes t the task running on `cpu` (a context switch without a scheduler); the task that
// ran there before is left alone.
void set_cpu_curr(Kernel& k, uint32_t cpu, task_t t);
// The idle task of a CPU.
task_t idle_task(const Kernel& k, uint32_t cpu);

// Invariants: handles in range, one current per CPU, pids unique and recorded as used.
std::string check_tasks(const Kernel& k);

} // namespace klab
