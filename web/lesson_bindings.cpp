// Embind bindings of the guided lessons: `new Module.LessonSession()` is a handle on the lesson
// the page's lab controller is running (there is one session: the lesson's machine is the one
// the views show, and what JS runs lands in the console). Module.lessonList() / lessonCheck(text) describe
// and validate lessons; exportProgress() / importProgress(text) move the progress records.
// The embed layer (web/embed/embed.js) drives these for course sites; the ImGui lesson panel
// calls the same controller entry points. Also here: the controller's hooks into the page
// (localStorage for progress, a new tab for links, a download and a file picker for progress
// files); none of it needs a canvas.
#include <emscripten.h>
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "lesson/builtin.h"
#include "lesson/check.h"
#include "lesson/runner.h"
#include "platform/web_app.h"
#include "session/lab_controller.h"

using emscripten::val;

namespace {

klab::LabController& lab() {
    return klab::ui::web_lab();
}

val string_array(const std::vector<std::string>& v) {
    val a = val::array();
    for (size_t i = 0; i < v.size(); i++) a.set(i, v[i]);
    return a;
}

std::string action(klab::LessonAction::Kind k, std::string text = {}, uint32_t step = 0) {
    return lab().lesson_action(klab::LessonAction{k, std::move(text), step});
}

using Kind = klab::LessonAction::Kind;

class LessonSession {
public:
    // Opens lesson `id` at step `step` (0-based) in the lab; returns "" or the reason it cannot.
    std::string start(const std::string& id, int step) {
        std::string err;
        return lab().open_lesson(id, step < 0 ? 0u : uint32_t(step), false, &err) ? "" : err;
    }
    // Opens lesson `id` where the progress saved in this browser left it: {error, progressError}
    // (progressError: why a damaged record was ignored; the lesson then starts afresh).
    val resume(const std::string& id) {
        val o = val::object();
        std::string err;
        lab().open_lesson(id, 0, true, &err);
        o.set("error", err);
        o.set("progressError", lab().progress_error());
        return o;
    }
    // Opens a lesson from Markdown text (an instructor's own file); "" or the parse error,
    // which the lesson panel shows too (file and line).
    std::string startText(const std::string& text, const std::string& name, int step) {
        std::string err;
        return lab().open_lesson_text(text, name, step < 0 ? 0u : uint32_t(step), &err) ? "" : err;
    }
    bool active() const { return lab().lesson() != nullptr; }
    void close() { lab().close_lesson(); }

    // Runs text as the student's command: {output, error, goalMet, stepCompleted, lessonCompleted}
    val exec(const std::string& text) {
        klab::LessonRunner* r = runner();
        if (!r) return no_lesson();
        uint32_t step = r->step_index();
        bool was = r->progress()[step].met;
        klab::ExecResult res = lab().submit(text);
        r = runner();
        bool met = r && r->step_index() == step && r->progress()[step].met;
        val o = val::object();
        o.set("output", res.output);
        o.set("error", res.error);
        o.set("goalMet", r ? r->goal().met : false);
        o.set("stepCompleted", met && !was);
        o.set("lessonCompleted", met && !was && r->lesson_done());
        return o;
    }

    val state() {
        klab::LessonRunner* r = runner();
        if (!r) return val::null();
        const klab::Lesson& l = r->lesson();
        const klab::LessonStep& s = r->step();
        const klab::StepProgress& p = r->progress()[r->step_index()];
        val o = val::object();
        o.set("lesson", l.id);
        o.set("title", l.title);
        o.set("introduction", l.introduction);
        o.set("step", r->step_index());
        o.set("steps", r->step_count());
        o.set("stepTitle", s.title);
        o.set("prose", s.prose);
        o.set("view", l.view_of(r->step_index()));
        klab::GoalStatus g = r->goal();
        o.set("hasGoal", !s.goal.empty());
        o.set("goalMet", g.met);
        o.set("goalMessage", g.message);
        o.set("stepDone", p.met);
        o.set("hints", static_cast<uint32_t>(s.hints.size()));
        o.set("hintsShown", string_array(std::vector<std::string>(
                                 s.hints.begin(), s.hints.begin() + p.hints_shown)));
        o.set("explanation", p.met ? s.explanation : std::string());
        o.set("setupOutput", r->setup_output());
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
        o.set("lessonDone", r->lesson_done());
        val met = val::array();
        for (size_t i = 0; i < r->progress().size(); i++) met.set(i, r->progress()[i].met);
        o.set("met", met);
        return o;
    }

    std::string hint() {
        klab::LessonRunner* r = runner();
        if (!r) return "";
        uint32_t shown = r->progress()[r->step_index()].hints_shown;
        if (!action(Kind::hint).empty()) return "";
        return r->step().hints[shown];
    }
    std::string solution() {
        klab::LessonRunner* r = runner();
        if (!r) return "";
        action(Kind::solution);
        return r->step().solution;
    }
    std::string predict(const std::string& answer) { return action(Kind::predict, answer); }
    void resetStep() { action(Kind::reset); }
    // "" when it moved on, else why not ("this is the last step", an error).
    std::string next() { return action(Kind::next); }
    std::string goTo(int step) { return action(Kind::go_to, {}, step < 0 ? 0u : uint32_t(step)); }
    std::string progressJson() const {
        const klab::LessonRunner* r = lab().lesson();
        return r ? r->progress_json() : "";
    }
    std::string restoreProgress(const std::string& json) {
        klab::LessonRunner* r = runner();
        if (!r) return "no lesson is open";
        auto res = r->restore_progress(json); // reboots through the controller's lesson host
        lab().lesson_changed();
        return res.ok() ? "" : res.error().message;
    }
    std::string proc(const std::string& path) const { return lab().session().proc_text(path); }
    std::string dmesg() const { return lab().session().dmesg(); }
    // The texts of the lab's command log (setups included), oldest first.
    val commands() const {
        val a = val::array();
        const auto& log = lab().session().log();
        for (size_t i = 0; i < log.size(); i++) a.set(i, log[i].text);
        return a;
    }
    // What the student ran in the current step (share links reproduce the step with these).
    val stepCommands() const {
        const klab::LessonRunner* r = lab().lesson();
        return r ? string_array(r->step_commands()) : val::array();
    }

private:
    static klab::LessonRunner* runner() { return lab().lesson(); }

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

// [{id, title, minutes, steps, preset, prerequisites, view}] of the lessons in the bundle.
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
        o.set("view", l.view);
        a.set(i++, o);
    }
    return a;
}

// The problems `klab lesson check` would report for a lesson's text ([] when it passes).
val lesson_check(const std::string& text, const std::string& name) {
    return string_array(klab::check_lesson_text(text, name).problems);
}

std::string export_progress() {
    return lab().export_progress();
}
// Reads a progress file; the answer (also shown in the lesson panel) says what came in.
std::string import_progress(const std::string& text) {
    return lab().import_progress(text);
}

// clang-format off
EM_JS(int, klab_progress_size, (const char* key), {
    var v = null;
    try { v = window.localStorage.getItem(UTF8ToString(key)); } catch (e) { v = null; }
    Module.klabProgressValue = v || "";
    return lengthBytesUTF8(Module.klabProgressValue) + 1;
});
EM_JS(void, klab_progress_copy, (char* buf, int n), {
    stringToUTF8(Module.klabProgressValue || "", buf, n);
    Module.klabProgressValue = "";
});
EM_JS(void, klab_progress_save, (const char* key, const char* value), {
    try { window.localStorage.setItem(UTF8ToString(key), UTF8ToString(value)); } catch (e) {}
});
EM_JS(void, klab_open_url, (const char* url), {
    var u = UTF8ToString(url);
    if (!/^(https?:|mailto:)/i.test(u)) { console.warn('klab: not opening', u); return; }
    if (typeof Module.onKlabOpenUrl === 'function') { Module.onKlabOpenUrl(u); return; }
    window.open(u, '_blank', 'noopener,noreferrer');
});
EM_JS(void, klab_download, (const char* name, const char* text), {
    var blob = new Blob([UTF8ToString(text)], { type: 'application/json' });
    var a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = UTF8ToString(name);
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
});
EM_JS(void, klab_pick_progress_file, (), {
    var input = document.createElement('input');
    input.type = 'file';
    input.accept = '.json,application/json';
    input.style.display = 'none';
    input.addEventListener('change', function () {
        var f = input.files && input.files[0];
        input.remove();
        if (!f) return;
        if (f.size > 4 * 1048576) { Module.importProgress('{"too large": true}'); return; }
        f.text().then(function (t) { Module.importProgress(t); });
    });
    document.body.appendChild(input);
    input.click();
});
EM_JS(void, klab_lesson_changed, (), {
    if (typeof window !== 'undefined' && window.klabEmbed && typeof window.klabEmbed.lessonChanged === 'function') window.klabEmbed.lessonChanged();
});
// clang-format on

} // namespace

namespace klab::ui {

void web_install_lesson_hooks(LabController& lab) {
    LabHooks h;
    h.load = [](const std::string& key) {
        std::string v(static_cast<size_t>(klab_progress_size(key.c_str())), '\0');
        klab_progress_copy(v.data(), static_cast<int>(v.size()));
        v.resize(v.find('\0'));
        return v;
    };
    h.save = [](const std::string& key, const std::string& value) {
        klab_progress_save(key.c_str(), value.c_str());
    };
    h.open_url = [](const std::string& url) { klab_open_url(url.c_str()); };
    h.download = [](const std::string& name, const std::string& text) {
        klab_download(name.c_str(), text.c_str());
    };
    h.pick_progress_file = [] { klab_pick_progress_file(); };
    h.lesson_changed = [] { klab_lesson_changed(); };
    lab.set_hooks(std::move(h));
}

} // namespace klab::ui

EMSCRIPTEN_BINDINGS(klab_lessons) {
    emscripten::class_<LessonSession>("LessonSession")
        .constructor<>()
        .function("start", &LessonSession::start)
        .function("startText", &LessonSession::startText)
        .function("resume", &LessonSession::resume)
        .function("active", &LessonSession::active)
        .function("close", &LessonSession::close)
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
        .function("commands", &LessonSession::commands)
        .function("stepCommands", &LessonSession::stepCommands);
    emscripten::function("lessonList", &lesson_list);
    emscripten::function("lessonCheck", &lesson_check);
    emscripten::function("exportProgress", &export_progress);
    emscripten::function("importProgress", &import_progress);
}
