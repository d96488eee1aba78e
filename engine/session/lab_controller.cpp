// The lab controller (lab_controller.h): the session and its change counts, and the lessons
// that run in it. Progress records (export/import) are in lab_progress.cpp.
#include "session/lab_controller.h"

#include <optional>

#include "lesson/builtin.h"

namespace klab {

// Boots and runs through the controller, so change listeners see every step of a lesson.
class ControllerLessonHost : public LessonHost {
public:
    explicit ControllerLessonHost(LabController& lab) : lab_(lab) {}
    Result<void> boot(const MachineConfig& m) override {
        bool was = lab_.in_lesson_op_;
        lab_.in_lesson_op_ = true;
        std::string err;
        bool ok = lab_.boot(m, &err);
        lab_.in_lesson_op_ = was;
        if (!ok) return Error{err};
        return {};
    }
    ExecResult run(std::string_view text, std::string_view source, uint32_t first_line) override {
        ExecResult r = lab_.session_->exec(text, source, first_line);
        lab_.changed(false);
        return r;
    }
    void restore(const Session::Snapshot& s) override {
        lab_.session_->restore(s);
        lab_.changed(true);
    }
    const Session& session() const override { return *lab_.session_; }
    Session& session() override { return *lab_.session_; }

private:
    LabController& lab_;
};

LabController::LabController(MachineConfig config)
    : lesson_host_(std::make_unique<ControllerLessonHost>(*this)) {
    if (!boot(config)) boot(MachineConfig::preset(Arch::x86_64));
}

LabController::~LabController() = default;

bool LabController::boot(const MachineConfig& config, std::string* error) {
    auto s = Session::create(config);
    if (!s.ok()) {
        if (error) *error = s.error().message;
        return false;
    }
    session_ = std::make_unique<Session>(std::move(s.value()));
    ++boot_count_;
    // A reboot from the menu or JS leaves the lesson's machine behind: the lesson closes.
    if (lesson_ && !in_lesson_op_) close_lesson();
    changed(true);
    return true;
}

ExecResult LabController::submit(std::string_view text, std::string_view source) {
    ExecResult r = session_->exec(text, source);
    // The student's command in a lesson: counted, and the goal checked on the new state. Only
    // the console's (typed, the text version, a panel's Run button): a course page's exec
    // (source "course") or a script's run is not the student's work.
    if (lesson_ && !in_lesson_op_ && source == "console") {
        lesson_->note_command(text);
        lesson_changed();
    }
    changed(false);
    return r;
}

void LabController::restore(const Session::Snapshot& s) {
    session_->restore(s);
    if (lesson_) lesson_->invalidate_goal();
    changed(true);
}

bool LabController::undo() {
    bool ok = session_->undo();
    if (ok && lesson_) lesson_->invalidate_goal();
    if (ok) changed(true);
    return ok;
}

void LabController::changed(bool reset) {
    if (reset) ++reset_count_;
    ++change_count_;
    if (on_change_) on_change_(change_count_);
}

std::string LabController::title() const {
    const MachineConfig& m = session_->config();
    std::string t = std::string("Kernel Lab — ") + arch_name(m.arch) + ", " +
                    format_mem_size(m.mem_bytes);
    size_t n = session_->log().size();
    if (n > 0) t += " · " + std::to_string(n) + (n == 1 ? " command" : " commands");
    if (session_->kernel().tainted) t += " · tainted";
    return t;
}

void LabController::tell(LessonEvent::Kind k, std::string text) {
    if (on_lesson_) on_lesson_(LessonEvent{k, std::move(text)});
}

bool LabController::open_lesson(std::string_view id, uint32_t step, bool resume, std::string* error) {
    auto l = builtin_lesson(id);
    if (!l.ok()) {
        tell(LessonEvent::Kind::open_failed, l.error().message);
        if (error) *error = l.error().message;
        return false;
    }
    return start_lesson(std::move(l.value()), step, resume, error);
}

bool LabController::open_lesson_text(std::string_view text, std::string_view name, uint32_t step,
                                     std::string* error) {
    auto l = parse_lesson(text, name);
    if (!l.ok()) {
        // A malformed lesson shows its error (file and line) where the lesson would be.
        tell(LessonEvent::Kind::open_failed, l.error().message);
        if (error) *error = l.error().message;
        return false;
    }
    return start_lesson(std::move(l.value()), step, false, error);
}

bool LabController::start_lesson(Lesson l, uint32_t step, bool resume, std::string* error) {
    // The saved record: where to resume, and in any case the marks of the steps done before
    // (opening a lesson at a given step must not wipe them).
    std::optional<ProgressRecord> rec;
    progress_error_.clear();
    if (std::string saved = saved_progress(l.id); !saved.empty()) {
        auto r = LessonRunner::parse_progress(l, saved);
        if (r.ok()) {
            rec = r.value();
        } else if (resume) {
            progress_error_ = r.error().message;
            tell(LessonEvent::Kind::notice, "Saved progress for " + l.id + " was not restored (" +
                                                progress_error_ + "); starting afresh.");
        }
    }
    if (resume && rec) step = rec->step;
    in_lesson_op_ = true;
    auto r = LessonRunner::start_on(*lesson_host_, std::move(l), step);
    in_lesson_op_ = false;
    if (!r.ok()) {
        lesson_.reset();
        tell(LessonEvent::Kind::open_failed, r.error().message);
        if (error) *error = r.error().message;
        return false;
    }
    lesson_ = std::make_unique<LessonRunner>(std::move(r.value()));
    if (rec) lesson_->take_marks(*rec);
    tell(LessonEvent::Kind::opened);
    lesson_changed();
    return true;
}

void LabController::close_lesson() {
    lesson_.reset();
    tell(LessonEvent::Kind::closed);
    if (hooks_.lesson_changed) hooks_.lesson_changed();
}

void LabController::lesson_changed() {
    if (lesson_) store(progress_key(lesson_->lesson().id), lesson_->progress_json());
    tell(LessonEvent::Kind::progress);
    if (hooks_.lesson_changed) hooks_.lesson_changed();
}

std::string LabController::lesson_action(const LessonAction& a) {
    using K = LessonAction::Kind;
    switch (a.kind) {
    case K::open: {
        std::string err;
        return open_lesson(a.text, 0, true, &err) ? "" : err;
    }
    case K::close: close_lesson(); return "";
    case K::export_progress:
        if (!hooks_.download) {
            tell(LessonEvent::Kind::notice, "Exporting progress needs the browser.");
            return "Exporting progress needs the browser.";
        }
        hooks_.download("klab-progress.json", export_progress());
        return "";
    case K::import_progress:
        if (!hooks_.pick_progress_file) {
            tell(LessonEvent::Kind::notice, "Importing progress needs the browser.");
            return "Importing progress needs the browser.";
        }
        hooks_.pick_progress_file();
        return "";
    case K::open_url:
        if (hooks_.open_url) hooks_.open_url(a.text);
        return "";
    case K::run:
        submit(a.text); // counted as the student's command when a lesson is open
        return "";
    default: break;
    }
    if (!lesson_) return "no lesson is open";
    in_lesson_op_ = true;
    std::string why = step_action(a);
    in_lesson_op_ = false;
    if (a.kind == K::reset || a.kind == K::next || a.kind == K::go_to)
        tell(LessonEvent::Kind::step_changed);
    lesson_changed();
    return why;
}

// The actions on the open lesson's current step; "" or why not.
std::string LabController::step_action(const LessonAction& a) {
    using K = LessonAction::Kind;
    std::string why;
    switch (a.kind) {
    case K::hint:
        if (lesson_->next_hint().empty()) why = "no more hints";
        tell(LessonEvent::Kind::hint);
        break;
    case K::solution:
        (void)lesson_->solution();
        tell(LessonEvent::Kind::solution);
        break;
    case K::reset: lesson_->reset_step(); break;
    case K::next:
        if (auto n = lesson_->next(); !n.ok()) {
            why = n.error().message;
            tell(LessonEvent::Kind::notice, why);
        } else if (!n.value()) {
            why = "this is the last step";
        }
        break;
    case K::go_to:
        if (auto g = lesson_->go_to(a.step); !g.ok()) {
            why = g.error().message;
            tell(LessonEvent::Kind::notice, why);
        }
        break;
    case K::predict: {
        auto p = lesson_->predict(a.text);
        why = p.ok() ? "" : p.error().message;
        tell(LessonEvent::Kind::predicted, why);
        break;
    }
    default: break;
    }
    return why;
}

} // namespace klab
