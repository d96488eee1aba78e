// Embind bindings of the guided lessons (engine/lesson/): `new Module.LessonSession()` follows
// one lesson in its own session (goal checks, hints, predictions, progress), and
// Module.lessonList() / Module.lessonCheck(text) describe and validate lessons. The embed layer
// (web/embed/embed.js) drives these for course sites; the ImGui lesson panel can use the same
// engine objects directly.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <memory>

#include "lesson/builtin.h"
#include "lesson/check.h"
#include "lesson/runner.h"

using emscripten::val;

namespace {

val string_array(const std::vector<std::string>& v) {
    val a = val::array();
    for (size_t i = 0; i < v.size(); i++) a.set(i, v[i]);
    return a;
}

class LessonSession {
public:
    // Starts lesson `id` at step `step` (0-based); returns "" or the reason it cannot.
    std::string start(const std::string& id, int step) {
        auto l = klab::builtin_lesson(id);
        if (!l.ok()) return l.error().message;
        auto r = klab::LessonRunner::start(std::move(l.value()), step < 0 ? 0u : uint32_t(step));
        if (!r.ok()) return r.error().message;
        runner_ = std::make_unique<klab::LessonRunner>(std::move(r.value()));
        return "";
    }
    // Starts a lesson from Markdown text (an instructor's own file); "" or the parse error.
    std::string startText(const std::string& text, const std::string& name, int step) {
        auto l = klab::parse_lesson(text, name);
        if (!l.ok()) return l.error().message;
        auto r = klab::LessonRunner::start(std::move(l.value()), step < 0 ? 0u : uint32_t(step));
        if (!r.ok()) return r.error().message;
        runner_ = std::make_unique<klab::LessonRunner>(std::move(r.value()));
        return "";
    }
    bool active() const { return runner_ != nullptr; }

    // {output, error, goalMet, stepCompleted, lessonCompleted}
    val exec(const std::string& text) {
        val o = val::object();
        if (!runner_) return no_lesson();
        bool was = runner_->progress()[runner_->step_index()].met;
        klab::ExecResult r = runner_->exec(text);
        bool met = runner_->progress()[runner_->step_index()].met;
        o.set("output", r.output);
        o.set("error", r.error);
        o.set("goalMet", runner_->goal().met);
        o.set("stepCompleted", met && !was);
        o.set("lessonCompleted", met && !was && runner_->lesson_done());
        return o;
    }

    val state() {
        if (!runner_) return val::null();
        const klab::Lesson& l = runner_->lesson();
        const klab::LessonStep& s = runner_->step();
        const klab::StepProgress& p = runner_->progress()[runner_->step_index()];
        val o = val::object();
        o.set("lesson", l.id);
        o.set("title", l.title);
        o.set("introduction", l.introduction);
        o.set("step", runner_->step_index());
        o.set("steps", runner_->step_count());
        o.set("stepTitle", s.title);
        o.set("prose", s.prose);
        klab::GoalStatus g = runner_->goal();
        o.set("hasGoal", !s.goal.empty());
        o.set("goalMet", g.met);
        o.set("goalMessage", g.message);
        o.set("stepDone", p.met);
        o.set("hints", static_cast<uint32_t>(s.hints.size()));
        o.set("hintsShown", string_array(std::vector<std::string>(
                                 s.hints.begin(), s.hints.begin() + p.hints_shown)));
        o.set("explanation", p.met ? s.explanation : std::string());
        o.set("setupOutput", runner_->setup_output());
        if (s.has_predict) {
            val q = val::object();
            q.set("question", s.predict.question);
            q.set("kind", s.predict.kind == klab::Predict::Kind::Number ? "number" : "choice");
            q.set("choices", string_array(s.predict.choices));
            q.set("answered", p.predict.answered);
            q.set("answer", p.predict.answer);
            q.set("resolved", p.predict.resolved);
            q.set("correct", p.predict.correct);
            q.set("actual", static_cast<double>(p.predict.actual));
            o.set("predict", q);
        }
        o.set("lessonDone", runner_->lesson_done());
        return o;
    }

    std::string hint() { return runner_ ? runner_->next_hint() : ""; }
    std::string solution() { return runner_ ? runner_->solution() : ""; }
    std::string predict(const std::string& answer) {
        if (!runner_) return "no lesson is open";
        auto r = runner_->predict(answer);
        return r.ok() ? "" : r.error().message;
    }
    void resetStep() {
        if (runner_) runner_->reset_step();
    }
    // "" when it moved on, else why not ("last step", an error).
    std::string next() {
        if (!runner_) return "no lesson is open";
        auto r = runner_->next();
        if (!r.ok()) return r.error().message;
        return r.value() ? "" : "this is the last step";
    }
    std::string goTo(int step) {
        if (!runner_) return "no lesson is open";
        auto r = runner_->go_to(step < 0 ? 0u : uint32_t(step));
        return r.ok() ? "" : r.error().message;
    }
    std::string progressJson() const { return runner_ ? runner_->progress_json() : ""; }
    std::string restoreProgress(const std::string& json) {
        if (!runner_) return "no lesson is open";
        auto r = runner_->restore_progress(json);
        return r.ok() ? "" : r.error().message;
    }
    std::string proc(const std::string& path) const {
        return runner_ ? runner_->session().proc_text(path) : "";
    }
    std::string dmesg() const { return runner_ ? runner_->session().dmesg() : ""; }
    // The texts of the commands run in this lesson's session, oldest first.
    val commands() const {
        val a = val::array();
        if (!runner_) return a;
        const auto& log = runner_->session().log();
        for (size_t i = 0; i < log.size(); i++) a.set(i, log[i].text);
        return a;
    }

private:
    std::unique_ptr<klab::LessonRunner> runner_;

    static val no_lesson() {
        val o = val::object();
        o.set("output", std::string("no lesson is open\n"));
        o.set("error", true);
        o.set("goalMet", false);
        o.set("stepCompleted", false);
        o.set("lessonCompleted", false);
        return o;
    }
};

// [{id, title, minutes, steps, preset, prerequisites}] of the lessons in the bundle.
val lesson_list() {
    val a = val::array();
    uint32_t i = 0;
    for (const klab::Lesson& l : klab::builtin_lessons()) {
        val o = val::object();
        o.set("id", l.id);
        o.set("title", l.title);
        o.set("minutes", l.minutes);
        o.set("steps", static_cast<uint32_t>(l.steps.size()));
        o.set("preset", std::string(klab::arch_name(l.machine.arch)));
        o.set("prerequisites", string_array(l.prerequisites));
        a.set(i++, o);
    }
    return a;
}

// The problems `klab lesson check` would report for a lesson's text ([] when it passes).
val lesson_check(const std::string& text, const std::string& name) {
    return string_array(klab::check_lesson_text(text, name).problems);
}

} // namespace

EMSCRIPTEN_BINDINGS(klab_lessons) {
    emscripten::class_<LessonSession>("LessonSession")
        .constructor<>()
        .function("start", &LessonSession::start)
        .function("startText", &LessonSession::startText)
        .function("active", &LessonSession::active)
        .function("exec", &LessonSession::exec)
        .function("state", &LessonSession::state)
        .function("hint", &LessonSession::hint)
        .function("solution", &LessonSession::solution)
        .function("predict", &LessonSession::predict)
        .function("resetStep", &LessonSession::resetStep)
        .function("next", &LessonSession::next)
        .function("goTo", &LessonSession::goTo)
        .function("progressJson", &LessonSession::progressJson)
        .function("restoreProgress", &LessonSession::restoreProgress)
        .function("proc", &LessonSession::proc)
        .function("dmesg", &LessonSession::dmesg)
        .function("commands", &LessonSession::commands);
    emscripten::function("lessonList", &lesson_list);
    emscripten::function("lessonCheck", &lesson_check);
}
