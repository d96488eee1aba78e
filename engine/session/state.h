// What a session is at one moment: the kernel (with its tasks, modules and symbols), the
// KernelC program loaded into it, and the console's own counters. A plain value, so a
// snapshot is a copy and a replay rebuilds an equal one.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kc/program.h"
#include "machine/kernel.h"

namespace klab {

// Makes the console's shell the task running on the current CPU (before its statements,
// echo's writes, after a command it ran has exited).
inline void run_as_console_task(Kernel& k) {
    set_cpu_curr(k, k.current_cpu, k.tasks.shell);
}

struct SessionState {
    Kernel kernel;
    kc::Program prog;
    std::map<std::string, std::vector<std::string>> functions_by_source;
    std::map<std::string, std::string> module_by_source; // the module a source defined last
    uint32_t value_counter = 0;                          // $1, $2 ... of the console
    int32_t console_loglevel = 4; // messages below this level are echoed (dmesg -n)
    uint64_t echoed_seq = 0;      // kernel log records already considered for echo
    uint64_t dmesg_cleared = 0;   // dmesg -c: records before this seq are hidden
    uint64_t shell_affinity = ~0ull; // taskset: the CPUs the console's shell may run on
};

} // namespace klab
