// The console's `taskset`: which CPU the console's commands run on. Models util-linux
// taskset(1) on the shell's own pid (sched_setaffinity(2) of kernel/sched/core.c): the shell
// (pid 1000, "klab-sh") gets a new affinity mask and, if its CPU is no longer allowed, migrates
// to the first allowed online CPU. Everything per-CPU then follows: smp_processor_id(), this
// CPU's page lists, slab CPU slabs, kmap_local slots, the CPU in reports.
//
// Forms: `taskset -p [MASK] PID`, `taskset -cp [LIST] PID` (PID is 1000 or $$), and the lab's
// shorthand `taskset -c LIST` for the shell itself. Output lines are taskset's ("pid 1000's
// current affinity list: 0-3" / "pid 1000's new affinity list: 1").
// Simplifications: the shell is the only task; `taskset MASK COMMAND` (a new process) is
// refused. A task that left preemption or interrupts disabled, or holds kmap_local mappings
// (migrate_disable()), cannot migrate: Linux would migrate it only once it is preemptible, and
// the model has no later moment, so taskset reports it and changes nothing.
#include <cctype>
#include <cstdio>

#include "mm/highmem.h"
#include "session/session.h"

namespace klab {

namespace {


// "0-2,5" (cpulist_parse) -> mask; false on a syntax error.
bool parse_cpu_list(const std::string& s, uint64_t& mask) {
    mask = 0;
    size_t i = 0;
    if (s.empty()) return false;
    while (i < s.size()) {
        auto num = [&](uint32_t& v) {
            if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
            v = 0;
            while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
                v = v * 10 + static_cast<uint32_t>(s[i++] - '0');
                if (v > 4096) return false;
            }
            return true;
        };
        uint32_t a = 0, b = 0;
        if (!num(a)) return false;
        b = a;
        if (i < s.size() && s[i] == '-') {
            ++i;
            if (!num(b) || b < a) return false;
        }
        for (uint32_t c = a; c <= b && c < 64; ++c) mask |= 1ull << c;
        if (i < s.size()) {
            if (s[i] != ',') return false;
            ++i;
            if (i >= s.size()) return false;
        }
    }
    return true;
}

// "3", "0x3", "f" (cpumask_parse) -> mask.
bool parse_cpu_mask(std::string s, uint64_t& mask) {
    if (s.rfind("0x", 0) == 0 || s.rfind("0X", 0) == 0) s = s.substr(2);
    if (s.empty() || s.size() > 16) return false;
    mask = 0;
    for (char c : s) {
        int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                : (c >= 'a' && c <= 'f')                     ? c - 'a' + 10
                : (c >= 'A' && c <= 'F')                     ? c - 'A' + 10
                                                             : -1;
        if (v < 0) return false;
        mask = (mask << 4) | static_cast<uint64_t>(v);
    }
    return true;
}

std::string cpu_list(uint64_t mask) {
    std::string out;
    for (uint32_t c = 0; c < 64; ++c) {
        if (!(mask & (1ull << c))) continue;
        uint32_t e = c;
        while (e + 1 < 64 && (mask & (1ull << (e + 1)))) ++e;
        if (!out.empty()) out += ",";
        out += std::to_string(c);
        if (e > c) out += "-" + std::to_string(e);
        c = e;
    }
    return out;
}

std::string cpu_mask_hex(uint64_t mask) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(mask));
    return buf;
}

const char* kUsage =
    "Usage: taskset -p [mask] pid | taskset -cp [cpu-list] pid | taskset -c cpu-list\n"
    "The console's shell is pid 1000 ($$); its commands run on the CPU it is on.\n";

} // namespace

void Session::cmd_taskset(const std::vector<std::string>& argv, ExecResult& r) {
    Kernel& k = st_.kernel;
    const uint32_t ncpu = static_cast<uint32_t>(k.cpus.size());
    const uint64_t online = ncpu >= 64 ? ~0ull : (1ull << ncpu) - 1;
    bool list = false, pid_mode = false;
    std::vector<std::string> args;
    for (size_t i = 1; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a == "--cpu-list") {
            list = true;
        } else if (a == "--pid") {
            pid_mode = true;
        } else if (a == "-h" || a == "--help") {
            r.output += kUsage;
            return;
        } else if (a.size() > 1 && a[0] == '-' && !std::isdigit(static_cast<unsigned char>(a[1]))) {
            for (size_t j = 1; j < a.size(); ++j) {
                if (a[j] == 'c')
                    list = true;
                else if (a[j] == 'p')
                    pid_mode = true;
                else if (a[j] == 'a')
                    ; // --all-tasks: the shell has one thread
                else {
                    r.output += std::string("taskset: invalid option -- '") + a[j] + "'\n" + kUsage;
                    r.error = true;
                    return;
                }
            }
        } else {
            args.push_back(a);
        }
    }
    std::string set; // the new mask/list text, "" = only show
    if (pid_mode) {
        if (args.empty() || args.size() > 2) {
            r.output += kUsage;
            r.error = true;
            return;
        }
        const std::string& pid = args.back();
        if (pid != "$$" && pid != std::to_string(kConsolePid)) {
            bool numeric = !pid.empty();
            for (char ch : pid) numeric = numeric && std::isdigit(static_cast<unsigned char>(ch));
            r.output += numeric ? "taskset: failed to get pid " + pid + "'s affinity: No such process\n"
                                : "taskset: invalid PID argument: '" + pid + "'\n";
            r.error = true;
            return;
        }
        if (args.size() == 2) set = args[0];
    } else {
        // Without -p, taskset starts a command; with nothing after the list the lab moves the
        // shell itself (its shorthand for -p $$).
        if (args.size() != 1) {
            r.output += args.size() > 1
                            ? "taskset: starting a command needs processes, which the lab does not "
                              "model yet; move the shell instead: taskset -cp " +
                                  args[0] + " $$\n"
                            : std::string(kUsage);
            r.error = true;
            return;
        }
        set = args[0];
    }
    uint64_t current = st_.shell_affinity & online;
    const std::string pid_s = std::to_string(kConsolePid);
    auto show = [&](uint64_t mask, bool is_new) {
        r.output += "pid " + pid_s + "'s " + (is_new ? "new" : "current") + " affinity " +
                    (list ? "list: " + cpu_list(mask) : "mask: " + cpu_mask_hex(mask)) + "\n";
    };
    show(current, false);
    if (set.empty()) return;
    uint64_t want = 0;
    if (!(list ? parse_cpu_list(set, want) : parse_cpu_mask(set, want))) {
        r.output += std::string("taskset: failed to parse CPU ") + (list ? "list" : "mask") + ": " + set + "\n";
        r.error = true;
        return;
    }
    if ((want & online) == 0) { // sched_setaffinity(): no online CPU in the mask
        r.output += "taskset: failed to set pid " + pid_s + "'s affinity: Invalid argument\n";
        r.error = true;
        return;
    }
    uint32_t from = k.current_cpu;
    uint32_t to = from;
    if (!(want & (1ull << from)))
        for (to = 0; to < ncpu && !(want & (1ull << to)); ++to) {
        }
    if (to != from) {
        const CpuContext& c = k.cpus[from];
        bool kmap_held = from < k.highmem.local.size() && k.highmem.local[from].idx > 0;
        if (c.preempt_count != 0 || c.irqs_disabled || kmap_held) {
            char buf[256];
            std::snprintf(buf, sizeof buf,
                          "taskset: pid %d cannot leave CPU%u: preempt_count 0x%x, irqs %s%s; "
                          "end the atomic section first (preempt_enable(), local_irq_enable(), "
                          "kunmap_local())\n",
                          kConsolePid, from, c.preempt_count, c.irqs_disabled ? "disabled" : "enabled",
                          kmap_held ? ", kmap_local mappings held (migration disabled)" : "");
            r.output += buf;
            r.error = true;
            return;
        }
    }
    st_.shell_affinity = want;
    show(want & online, true);
    if (to != from) {
        // The shell leaves: the old CPU runs its idle task, the new one the shell.
        set_cpu_curr(k, from, idle_task(k, from));
        k.current_cpu = to;
        run_as_console_task(k);
    }
}

} // namespace klab
