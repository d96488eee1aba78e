// The task table, pid allocation and the boot tasks (see task.h).
#include "sched/task.h"

#include <algorithm>

#include "machine/kernel.h"
#include "mm/kstack.h"

namespace klab {

namespace {

task_t add_task(Kernel& k, task_struct t) {
    TaskTable& tt = k.tasks;
    for (task_t h = 0; h < tt.tasks.size(); ++h)
        if (!tt.tasks[h].in_use) {
            tt.tasks[h] = std::move(t);
            return h;
        }
    tt.tasks.push_back(std::move(t));
    return task_t(tt.tasks.size() - 1);
}

task_struct kernel_thread(const std::string& comm, int32_t pid, uint32_t cpu) {
    task_struct t;
    t.comm = comm.substr(0, TASK_COMM_LEN - 1);
    t.pid = t.tgid = pid;
    t.cpu = cpu;
    t.flags = PF_KTHREAD;
    t.__state = TASK_INTERRUPTIBLE; // sleeping until there is work (kthreadd, init's wait)
    return t;
}

} // namespace

int32_t default_pid_max(uint32_t nr_cpus) {
    // pid_idr_init(): max(PID_MAX_DEFAULT, PIDS_PER_CPU_DEFAULT * nr_cpu_possible), capped at
    // PID_MAX_LIMIT (4 Mi on 64-bit; 32-bit kernels keep PID_MAX_DEFAULT).
    int64_t m = std::max<int64_t>(PID_MAX_DEFAULT, 1024ll * nr_cpus);
    return int32_t(std::min<int64_t>(m, 4ll << 20));
}

int32_t alloc_pid(PidAllocator& p) {
    auto used = [&p](int32_t pid) { return std::find(p.used.begin(), p.used.end(), pid) != p.used.end(); };
    int32_t pid = p.last + 1;
    for (int32_t tries = 0; tries < p.pid_max; ++tries, ++pid) {
        if (pid >= p.pid_max) pid = RESERVED_PIDS; // idr_alloc_cyclic() wraps to pid_min
        if (used(pid)) continue;
        p.used.push_back(pid);
        p.last = pid;
        return pid;
    }
    return -1;
}

void free_pid(PidAllocator& p, int32_t pid) {
    auto it = std::find(p.used.begin(), p.used.end(), pid);
    if (it != p.used.end()) p.used.erase(it);
}

void sched_init(Kernel& k) {
    TaskTable& tt = k.tasks;
    tt = TaskTable{};
    tt.pids.pid_max = default_pid_max(uint32_t(k.cpus.size()));
    // Idle tasks consume no pid (init_struct_pid). CPU 0's is init_task itself.
    for (uint32_t cpu = 0; cpu < k.cpus.size(); ++cpu) {
        task_struct idle = kernel_thread("swapper/" + std::to_string(cpu), 0, cpu);
        idle.flags |= PF_IDLE;
        idle.__state = TASK_RUNNING;
        idle.static_stack = cpu == 0;
        k.cpus[cpu].curr = add_task(k, std::move(idle));
    }
    // rest_init(): init first (pid 1), then kthreadd (pid 2); both children of pid 0.
    int32_t pid = alloc_pid(tt.pids);
    task_struct init = kernel_thread("init", pid, 0);
    init.flags = 0; // a user-mode thread once it has exec'ed /sbin/init
    init.real_parent = k.cpus[0].curr;
    tt.init = add_task(k, std::move(init));
    task_struct kthreadd = kernel_thread("kthreadd", alloc_pid(tt.pids), 0);
    kthreadd.real_parent = k.cpus[0].curr;
    tt.kthreadd = add_task(k, std::move(kthreadd));
    // The console's shell: the pids in between stand for what the model does not run.
    tt.pids.last = kConsolePid - 1;
    task_struct sh;
    sh.comm = kConsoleComm;
    sh.pid = sh.tgid = alloc_pid(tt.pids);
    sh.real_parent = tt.init;
    sh.stack = console_stack_base(k);
    sh.static_stack = true;
    tt.shell = add_task(k, std::move(sh));
    set_cpu_curr(k, 0, tt.shell);
}

task_t create_task(Kernel& k, const std::string& comm, std::vector<std::string> kernel_path) {
    task_struct t;
    t.comm = comm.substr(0, TASK_COMM_LEN - 1);
    t.pid = t.tgid = alloc_pid(k.tasks.pids);
    if (t.pid < 0) return NO_TASK;
    t.cpu = k.current_cpu;
    t.real_parent = k.tasks.shell;
    t.kernel_path = std::move(kernel_path);
    // The model's insmod runs its KernelC on the console's VM stack (mm/kstack.h).
    t.stack = console_stack_base(k);
    t.static_stack = true;
    return add_task(k, std::move(t));
}

void release_task(Kernel& k, task_t t) {
    task_struct& p = k.tasks.tasks[t];
    if (!p.static_stack && p.stack) free_thread_stack(k, p.stack);
    free_pid(k.tasks.pids, p.pid);
    for (CpuContext& c : k.cpus)
        if (c.curr == t) c.curr = idle_task(k, uint32_t(&c - k.cpus.data()));
    p = task_struct{};
    p.in_use = false;
}

task_struct& current(Kernel& k) {
    return k.tasks.tasks[k.cpus[k.current_cpu].curr];
}

const task_struct& current(const Kernel& k) {
    return k.tasks.tasks[k.cpus[k.current_cpu].curr];
}

const task_struct& cpu_curr(const Kernel& k, uint32_t cpu) {
    return k.tasks.tasks[k.cpus[cpu].curr];
}

void set_cpu_curr(Kernel& k, uint32_t cpu, task_t t) {
    k.cpus[cpu].curr = t;
    k.tasks.tasks[t].cpu = cpu;
}

task_t idle_task(const Kernel& k, uint32_t cpu) {
    // The idle tasks are the first nr_cpus slots, in CPU order (sched_init()).
    return task_t(cpu);
}

std::string check_tasks(const Kernel& k) {
    const TaskTable& tt = k.tasks;
    for (uint32_t cpu = 0; cpu < k.cpus.size(); ++cpu) {
        task_t c = k.cpus[cpu].curr;
        if (c >= tt.tasks.size() || !tt.tasks[c].in_use) return "a CPU's current is not a task";
        if (tt.tasks[c].cpu != cpu) return "current's cpu field names another CPU";
    }
    std::vector<int32_t> seen;
    for (const task_struct& t : tt.tasks) {
        if (!t.in_use || t.pid == 0) continue;
        if (std::find(seen.begin(), seen.end(), t.pid) != seen.end()) return "two tasks share a pid";
        seen.push_back(t.pid);
        if (std::find(tt.pids.used.begin(), tt.pids.used.end(), t.pid) == tt.pids.used.end())
            return "a task's pid is not marked used";
    }
    if (seen.size() != tt.pids.used.size()) return "a used pid has no task";
    return "";
}

} // namespace klab
