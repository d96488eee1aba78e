// The lab controller: everything a front end needs that is not drawing. It owns the session
// (the one kernel a page shows), runs lessons in it, keeps their progress records, counts the
// changes of the kernel and tells listeners, and holds the embed flag. The ImGui view host
// (imgui_frontend/App) draws from it, web/bindings.cpp binds it as `Module.Lab` (so the JS API
// works in a page without a canvas), and the CLI could drive it the same way. No UI in here.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "lesson/runner.h"
#include "session/session.h"

namespace klab {

// What a student (or a script) asks of the open lesson: the lesson panel's buttons, the JS
// API's LessonSession calls. Carried out by LabController::lesson_action().
struct LessonAction {
    enum class Kind : uint8_t {
        open,      // text: lesson id (resumes saved progress)
        close,     // back to the list
        run,       // text: KernelC from a prose code block's "run" button
        hint,      // reveal the next hint
        solution,  // show the reference solution
        reset,     // back to the step's start
        next,      // the next step
        go_to,     // step: 0-based (replays the reference path)
        predict,   // text: the student's answer
        export_progress,
        import_progress,
        open_url,  // text: a link in the prose (a new browser tab)
    };
    Kind kind;
    std::string text;
    uint32_t step = 0;
};

// What happened to the lessons, for a front end that shows them (the ImGui lesson panel
// scrolls to a new hint, shows the solution, lists a notice ...). `text` as the kind says.
struct LessonEvent {
    enum class Kind : uint8_t {
        opened,        // a lesson is open at a (new) step
        open_failed,   // text: why (file:line for a malformed lesson)
        closed,
        step_changed,  // reset, next, go_to, imported progress moved the step
        hint,          // a hint was revealed
        solution,      // the solution was asked for
        predicted,     // text: "" or why the answer was not taken
        notice,        // text: a message for the student (damaged progress, import result ...)
        progress,      // the saved progress changed (lists show how far each lesson got)
    };
    Kind kind;
    std::string text;
};

// What the controller asks of the page it runs in (the web bindings set these; natively and
// in tests progress is kept in memory and the rest does nothing).
struct LabHooks {
    std::function<std::string(const std::string& key)> load; // "" if none
    std::function<void(const std::string& key, const std::string& value)> save;
    std::function<void(const std::string& url)> open_url;    // a new tab
    std::function<void(const std::string& name, const std::string& text)> download;
    std::function<void()> pick_progress_file; // then import_progress(text) with its content
    std::function<void()> lesson_changed;     // progress or step changed (embed.js events)
};

class LabController {
public:
    explicit LabController(MachineConfig config = MachineConfig::preset(Arch::x86_64));
    ~LabController();
    LabController(const LabController&) = delete;
    LabController& operator=(const LabController&) = delete;

    // --- the kernel ---
    // Runs console text in the session (as typed into the console when source is "console");
    // with a lesson open, it counts as the student's command and the goal is checked.
    ExecResult submit(std::string_view text, std::string_view source = "console");
    // Reboots with another configuration; false (the old machine kept) if it is invalid.
    bool boot(const MachineConfig& config, std::string* error = nullptr);
    Session::Snapshot snapshot() const { return session_->snapshot(); }
    void restore(const Session::Snapshot& s);
    bool undo();
    const Session& session() const { return *session_; }
    const MachineConfig& machine() const { return session_->config(); }
    uint64_t boot_count() const { return boot_count_; }
    // Increases on every change of the kernel (submit, boot, restore, undo, lesson steps).
    uint64_t change_count() const { return change_count_; }
    // Increases when the kernel was replaced rather than changed by a command (boot, restore,
    // undo): views drop what they cached about the old one.
    uint64_t reset_count() const { return reset_count_; }
    // Called after each change with the change count (the web fires `klab-change`).
    void set_change_listener(std::function<void(uint64_t)> f) { on_change_ = std::move(f); }
    // A short line for a window or tab title: machine, commands run, taint.
    std::string title() const;

    // --- lessons ---
    void set_hooks(LabHooks h) { hooks_ = std::move(h); }
    void set_lesson_listener(std::function<void(const LessonEvent&)> f) { on_lesson_ = std::move(f); }
    // Opens a shipped lesson at `step` (0-based), or where its saved progress left it when
    // `resume`. false + error: no lesson is open.
    bool open_lesson(std::string_view id, uint32_t step, bool resume, std::string* error = nullptr);
    // The same for a lesson's Markdown text (an instructor's own file).
    bool open_lesson_text(std::string_view text, std::string_view name, uint32_t step,
                          std::string* error = nullptr);
    void close_lesson();
    LessonRunner* lesson() { return lesson_.get(); }
    const LessonRunner* lesson() const { return lesson_.get(); }
    // After changing the lesson's marks: save the record, tell the listeners.
    void lesson_changed();
    // Does what the lesson panel's button would; "" or why it could not.
    std::string lesson_action(const LessonAction& a);
    // Every lesson's saved record as one JSON file, and reading such a file back (the answer
    // says what was imported and what was ignored).
    std::string export_progress() const;
    std::string import_progress(std::string_view text);
    std::string saved_progress(std::string_view id) const; // "" if none
    // Why the last open_lesson(resume) could not use the saved record ("" if it could).
    const std::string& progress_error() const { return progress_error_; }

    // --- embedding ---
    // Compact iframe view (course sites): the host draws the lesson, the console and the
    // step's view only.
    void set_embed_mode(bool on) { embed_ = on; }
    bool embed_mode() const { return embed_; }

private:
    friend class ControllerLessonHost;
    std::unique_ptr<Session> session_;
    uint64_t boot_count_ = 0;
    uint64_t change_count_ = 0;
    uint64_t reset_count_ = 0;
    std::function<void(uint64_t)> on_change_;
    std::function<void(const LessonEvent&)> on_lesson_;
    LabHooks hooks_;
    mutable std::map<std::string, std::string> memory_store_; // progress without hooks
    std::unique_ptr<LessonRunner> lesson_;
    std::unique_ptr<LessonHost> lesson_host_;
    bool in_lesson_op_ = false; // the runner is booting/running through the controller
    std::string progress_error_;
    bool embed_ = false;

    void changed(bool reset);
    void tell(LessonEvent::Kind k, std::string text = {});
    // Progress records live under "klab.progress.ID" (localStorage in the browser).
    static std::string progress_key(std::string_view id);
    void store(const std::string& key, const std::string& value);
    bool start_lesson(Lesson l, uint32_t step, bool resume, std::string* error);
    std::string step_action(const LessonAction& a);
};

} // namespace klab
