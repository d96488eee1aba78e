// klab::Session: the one object front ends talk to (the ImGui views, the Embind bindings, the
// klab CLI). It owns the kernel, the KernelC program, the console and the command log; every
// action is text passed to exec(), so the log can rebuild any earlier state (undo replays it).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "kc/compile.h"
#include "session/builtins.h"
#include "session/complete.h"
#include "session/oops.h"
#include "session/state.h"

namespace klab {

struct CommandRecord {
    uint32_t id = 0;
    std::string source; // "console", a file name, a lesson id
    std::string text;
    std::string output;
    bool error = false; // a KernelC compile error or an unknown command
};

struct ExecResult {
    uint32_t id = 0;
    std::string output;
    bool error = false;         // something failed (a compile error, an unknown file, ...)
    bool compile_error = false; // KernelC did not compile (klab run exits with 1)
    bool invariant_broken = false; // SessionOptions::check_invariants found a model bug
};

struct SessionOptions {
    // Instructions one statement may run before the watchdog reports a soft lockup.
    uint64_t budget = 50'000'000;
    // Run every subsystem's invariant checker (machine/check.h) after each command and report
    // a broken one in the output: golden runs, lesson checks, the fuzzer, `klab run --check`.
    bool check_invariants = false;
};

class Session {
public:
    static Result<Session> create(const MachineConfig& config, SessionOptions opt = {});

    // Runs console text: shell words (cat, dmesg, insmod, ...) and KernelC, statement by
    // statement. The output is what a terminal would show.
    ExecResult exec(std::string_view text, std::string_view source = "console",
                    uint32_t first_line = 1);

    // A /proc file ("/proc/buddyinfo" or "buddyinfo") as `cat` prints it; false if there is
    // no such file.
    bool proc(std::string_view path, std::string& out) const;
    std::string proc_text(std::string_view path) const {
        std::string out;
        return proc(path, out) ? out : std::string();
    }
    // The kernel log as `dmesg` prints it.
    std::string dmesg() const;
    // Tab completion of the word before `cursor` in a console line (see complete.h).
    Completion complete(std::string_view line, size_t cursor) const {
        return klab::complete(st_, line, cursor);
    }

    // Evaluates one KernelC expression without changing what the session shows (lesson goals,
    // engine/lesson/): on the live state when it only reads, under a scope that undoes what
    // the run touched (the lent program, a refusal's log record), else on a copy
    // (evaluate.cpp). Not const: the read-only run borrows the live state.
    // `extra` may declare more builtins, which must only read the kernel (the goal helpers),
    // into the goal's own copy of the program; `constants` are added as named long constants.
    // The error is the compile error, or why the expression could not finish.
    using BindExtra = Result<void> (*)(kc::Program&, BuiltinTable&);
    Result<int64_t> evaluate(std::string_view expr, BindExtra extra = nullptr,
                             const std::vector<std::pair<std::string, int64_t>>& constants = {});

    struct Snapshot {
        SessionState state;
        size_t log_size = 0;
    };
    Snapshot snapshot() const { return Snapshot{st_, log_.size()}; }
    void restore(const Snapshot& s);
    // Rebuilds the state before the last command by replaying the log; false if empty.
    bool undo();

    // Increases whenever the kernel or the console state may have changed.
    uint64_t generation() const { return generation_; }
    // FNV-1a over the trace events, the kernel log and the console output: equal runs give
    // equal hashes, natively and in wasm.
    uint64_t trace_hash() const;

    const Kernel& kernel() const { return st_.kernel; }
    const SessionState& state() const { return st_; }
    const std::vector<CommandRecord>& log() const { return log_; }
    const MachineConfig& config() const { return config_; }

private:
    MachineConfig config_;
    SessionOptions opt_;
    BuiltinTable builtins_;
    SessionState st_;
    std::vector<CommandRecord> log_;
    uint64_t generation_ = 0;

    Result<void> boot();
    void run_c(std::string_view text, uint32_t first_line, std::string_view source, ExecResult& r);
    void run_shell(std::string_view line, ExecResult& r);
    void run_command(std::string_view line, ExecResult& r); // one command of a pipeline
    void echo_console(std::string& out);
    void check_invariants_after(ExecResult& r) const;
    // Runs a compiled top-level statement as the console's process.
    bool run_statement(kc::Step& step, std::string& out); // false: it was killed
    // Runs a prepared thread to its end, then the deferred work; on a normal end calls on_done
    // and checks the stack end (task_exits: the task is gone, not sleeping), otherwise reports
    // how it died. false: it died.
    bool run_thread(kc::Thread& th, KernelHost& host, bool task_exits, std::string& out,
                    const std::function<void()>& on_done);
    // Runs module function fn in a new process `comm` whose kernel call path below fn is
    // `path`; returns false if it died (report printed).
    bool run_module_function(const std::string& fn, const char* comm,
                             std::vector<std::string> path, int64_t& ret, std::string& out);
    void register_module(const kc::Unit& u, std::string_view source, std::string& out);
    void cmd_taskset(const std::vector<std::string>& argv, ExecResult& r);
    // The shell's commands (shell.h) reach the session's state through Shell.
    friend class Shell;
};

} // namespace klab
