// What a session is at one moment: the kernel, the KernelC program loaded into it, the
// modules defined or loaded, and the console's own counters. A plain value, so a snapshot
// is a copy and a replay rebuilds an equal one.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kc/program.h"
#include "machine/kernel.h"

namespace klab {

// The console's shell: the task its commands and statements run as.
inline constexpr int32_t kConsolePid = 1000;
inline constexpr const char* kConsoleComm = "klab-sh";
// Makes a CPU's current task the shell (before its statements, echo's writes, a taskset move).
inline void run_as_console_task(CpuContext& c) {
    c.comm = kConsoleComm;
    c.pid = kConsolePid;
}

// A module as insmod/rmmod see it (models the parts of kernel/module/ the console shows).
struct Module {
    std::string name;
    std::string init, exit; // KernelC function names ("" if none)
    std::string license;    // "" = unspecified
    bool loaded = false;
};

struct SessionState {
    Kernel kernel;
    kc::Program prog;
    std::map<std::string, Module> modules;
    std::map<std::string, std::string> function_module; // function -> module that defined it
    std::map<std::string, std::vector<std::string>> functions_by_source;
    std::map<std::string, std::string> module_by_source; // the module a source defined last
    uint32_t value_counter = 0;                          // $1, $2 ... of the console
    int32_t next_pid = 1001;                             // pids of insmod/rmmod processes
    int32_t console_loglevel = 4; // messages below this level are echoed (dmesg -n)
    uint64_t echoed_seq = 0;      // kernel log records already considered for echo
    uint64_t dmesg_cleared = 0;   // dmesg -c: records before this seq are hidden
    uint64_t shell_affinity = ~0ull; // taskset: the CPUs the console's shell may run on
};

} // namespace klab
