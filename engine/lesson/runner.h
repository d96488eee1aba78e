// LessonRunner: one lesson being followed in a session. It boots the lesson's machine, runs
// each step's setup, checks the goal against the kernel's state after every command the
// student runs (on a copy: Session::evaluate), reveals hints, checks predictions, and keeps
// progress as a JSON record the front end stores (localStorage) and can restore.
//
// Step starts: "next" continues from the student's own state (their kernel, their variables)
// and runs the next step's setup on it. Jumping to a step (a link with &step=N, restored
// progress) instead boots afresh and replays the setups and reference solutions of the steps
// before it, which reaches an equivalent start state deterministically.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "lesson/lesson.h"
#include "session/session.h"

namespace klab {

// Where a lesson runs. The runner boots, runs text and restores snapshots only through its
// host, so a front end can lend its own session (the ImGui App: every setup and every command
// lands in its console and command log, and the views show the lesson's kernel); the CLI and
// the tests use OwnSessionHost.
class LessonHost {
public:
    virtual ~LessonHost() = default;
    virtual Result<void> boot(const MachineConfig& m) = 0;
    virtual ExecResult run(std::string_view text, std::string_view source, uint32_t first_line) = 0;
    virtual void restore(const Session::Snapshot& s) = 0;
    virtual const Session& session() const = 0;
    // The live session, for goals (Session::evaluate borrows it and gives it back unchanged).
    virtual Session& session() = 0;
};

// A session of the runner's own (klab lesson check/play, tests).
class OwnSessionHost : public LessonHost {
public:
    explicit OwnSessionHost(SessionOptions opt = {}) : opt_(opt) {}
    Result<void> boot(const MachineConfig& m) override;
    ExecResult run(std::string_view text, std::string_view source, uint32_t first_line) override {
        return session_->exec(text, source, first_line);
    }
    void restore(const Session::Snapshot& s) override { session_->restore(s); }
    const Session& session() const override { return *session_; }
    Session& session() override { return *session_; }

private:
    SessionOptions opt_;
    std::unique_ptr<Session> session_;
};

struct GoalStatus {
    bool met = false;
    bool error = false;  // the goal could not be evaluated (yet): see message
    std::string message; // e.g. "goal:1:2: error: 'p' undeclared" before the student defines p
};

struct PredictRecord {
    bool answered = false;
    std::string answer; // as the student gave it (a number, or the choice's text)
    int64_t value = 0;  // the answer as a number (Choice: its index)
    bool resolved = false;
    bool correct = false;
    int64_t actual = 0; // what the model did (Choice: the right index)
};

struct StepProgress {
    bool met = false;
    uint32_t hints_shown = 0;
    bool solution_shown = false;
    uint32_t commands = 0; // commands the student ran in the step
    PredictRecord predict;
};

// A progress record read back (progress_json()) and checked against its lesson.
struct ProgressRecord {
    uint32_t step = 0;
    std::vector<StepProgress> steps;
};

class LessonRunner {
public:
    // Boots the lesson's machine in a session of its own and starts step `step` (0-based).
    static Result<LessonRunner> start(Lesson lesson, uint32_t step = 0, SessionOptions opt = {});
    // The same on a host's session; the host must outlive the runner.
    static Result<LessonRunner> start_on(LessonHost& host, Lesson lesson, uint32_t step = 0);

    const Lesson& lesson() const { return lesson_; }
    const Session& session() const { return host_->session(); }
    Session& session() { return host_->session(); }
    uint32_t step_index() const { return step_; }
    const LessonStep& step() const { return lesson_.steps[step_]; }
    uint32_t step_count() const { return static_cast<uint32_t>(lesson_.steps.size()); }
    const std::vector<StepProgress>& progress() const { return progress_; }
    // What the step's setup printed when it ran.
    const std::string& setup_output() const { return setup_output_; }

    // Runs the student's text in the session, then checks the goal (and a pending prediction).
    ExecResult exec(std::string_view text, std::string_view source = "console");
    // For a host that ran the student's text itself (the App's console): counts the command,
    // checks the goal and a pending prediction.
    void note_command(std::string_view text);
    // The texts the student ran in the current step, oldest first (share links).
    const std::vector<std::string>& step_commands() const { return step_commands_; }
    // The goal's status on the current state (cached until the session changes).
    GoalStatus goal();
    // Forget the cached status (the host swapped its session, e.g. a reboot outside the lesson).
    void invalidate_goal() { goal_gen_ = ~0ull; }
    bool step_done() { return !step().goal.empty() ? goal().met : true; }
    // The kernel's first complaint since the current step started (or was reset): a log line
    // such as "BUG: Bad page state in process ...", "kernel BUG at mm/slub.c:...!", an Oops
    // or a WARNING, or "the kernel was tainted (...)" when only new taint bits tell. "" when
    // the kernel stayed quiet. A goal may be out of reach after it: the panel says so.
    std::string kernel_trouble() const;
    bool lesson_done() { return step_ + 1 == step_count() && progress_[step_].met; }

    // The next hint ("" when all are shown) and how many there are.
    std::string next_hint();
    const std::string& solution() {
        progress_[step_].solution_shown = true;
        return step().solution;
    }
    // Records a prediction; refused once the student has run a command in this step.
    Result<void> predict(std::string_view answer);

    // Back to the start state of the current step (the state right after its setup).
    void reset_step();
    // The next step (false at the last one). Allowed whether or not the goal is met: the
    // front end decides whether to offer it early.
    Result<bool> next();
    // Jumps to step i (0-based) by replaying the reference path from a fresh boot.
    Result<void> go_to(uint32_t i);

    // {"version":1,"lesson":ID,"step":N,"steps":[{met,hints,solution,commands,predict?}...]}
    std::string progress_json() const;
    // Restores a record from progress_json(): jumps to its step and takes its per-step marks.
    // A corrupt or foreign record is refused with a reason and changes nothing.
    Result<void> restore_progress(std::string_view json);
    // Reads a record without applying it: a corrupt or foreign record gives the reason.
    static Result<ProgressRecord> parse_progress(const Lesson& lesson, std::string_view json);
    // Takes a record's per-step marks (met, hints, solution, prediction) without moving: for a runner just
    // started at the record's step.
    void take_marks(const ProgressRecord& rec);

private:
    Lesson lesson_;
    std::unique_ptr<LessonHost> own_; // set when the runner owns its session
    LessonHost* host_ = nullptr;
    std::vector<std::string> step_commands_;
    uint32_t step_ = 0;
    std::vector<StepProgress> progress_;
    Session::Snapshot start_;
    std::vector<std::pair<std::string, int64_t>> captures_;
    std::string setup_output_;
    uint64_t goal_gen_ = ~0ull;
    GoalStatus goal_cache_;
    uint64_t start_log_seq_ = 0;  // the kernel log's next_seq when the step started
    uint32_t start_taint_ = 0;    // the taint bits then

    Result<void> boot();
    Result<void> begin_step(); // setup + captures + start snapshot for step_
    void resolve_predict();
};

// Reads one lesson shipped in the binary by id ("buddy-allocator"), or an error naming the
// lessons there are, and the closest id when one is near ("did you mean kmalloc-and-slab?").
Result<Lesson> builtin_lesson(std::string_view id);
// All shipped lessons, in file order (parse errors are skipped; `klab lesson check` names them).
std::vector<Lesson> builtin_lessons();
// The id in ids closest to a mistyped one (edit distance, a prefix, or all its dash-separated
// words), "" when none is close.
std::string closest_lesson_id(std::string_view id, const std::vector<std::string>& ids);

} // namespace klab
