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

class LessonRunner {
public:
    // Boots the lesson's machine and starts step `step` (0-based).
    static Result<LessonRunner> start(Lesson lesson, uint32_t step = 0, SessionOptions opt = {});

    const Lesson& lesson() const { return lesson_; }
    Session& session() { return *session_; }
    const Session& session() const { return *session_; }
    uint32_t step_index() const { return step_; }
    const LessonStep& step() const { return lesson_.steps[step_]; }
    uint32_t step_count() const { return static_cast<uint32_t>(lesson_.steps.size()); }
    const std::vector<StepProgress>& progress() const { return progress_; }
    // What the step's setup printed when it ran.
    const std::string& setup_output() const { return setup_output_; }

    // Runs the student's text in the session, then checks the goal (and a pending prediction).
    ExecResult exec(std::string_view text, std::string_view source = "console");
    // The goal's status on the current state (cached until the session changes).
    GoalStatus goal();
    bool step_done() { return !step().goal.empty() ? goal().met : true; }
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

private:
    Lesson lesson_;
    SessionOptions opt_;
    std::unique_ptr<Session> session_; // stable address for front ends holding a reference
    uint32_t step_ = 0;
    std::vector<StepProgress> progress_;
    Session::Snapshot start_;
    std::vector<std::pair<std::string, int64_t>> captures_;
    std::string setup_output_;
    uint64_t goal_gen_ = ~0ull;
    GoalStatus goal_cache_;

    Result<void> boot();
    Result<void> begin_step(); // setup + captures + start snapshot for step_
    void resolve_predict();
};

// Reads one lesson shipped in the binary by id ("buddy-allocator"), or an error naming the
// lessons there are.
Result<Lesson> builtin_lesson(std::string_view id);
// All shipped lessons, in file order (parse errors are skipped; `klab lesson check` names them).
std::vector<Lesson> builtin_lessons();

} // namespace klab
