// The App's lessons (app.h): the LessonHost that lends the App's own session to the lesson
// runner (the lesson's machine is the one every view shows, and its setups and the student's
// commands land in the console and the command log), opening lessons where their saved progress
// left them, the lesson panel's actions, progress export/import, and the compact embed layout.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include <nlohmann/json.hpp>

#include "app.h"
#include "lesson/builtin.h"
#include "views/lesson_state.h"
#include "views/views.h"

namespace klab::ui {

namespace {

std::string progress_key(std::string_view id) {
    return "klab.progress." + std::string(id);
}

} // namespace

// Boots and runs through the App, so views and `klab-change` listeners see every step.
class AppLessonHost : public LessonHost {
public:
    explicit AppLessonHost(App& app) : app_(app) {}
    Result<void> boot(const MachineConfig& m) override {
        bool was = app_.in_lesson_op_;
        app_.in_lesson_op_ = true;
        std::string err;
        bool ok = app_.boot(m, &err);
        app_.in_lesson_op_ = was;
        if (!ok) return Error{err};
        return {};
    }
    ExecResult run(std::string_view text, std::string_view source, uint32_t first_line) override {
        ExecResult r = app_.session_->exec(text, source, first_line);
        app_.changed(false);
        return r;
    }
    void restore(const Session::Snapshot& s) override {
        app_.session_->restore(s);
        app_.changed(true);
    }
    const Session& session() const override { return *app_.session_; }

private:
    App& app_;
};

std::unique_ptr<LessonHost> make_app_lesson_host(App& app) {
    App* a = &app;
    app.lesson_panel().load_progress = [a](const std::string& id) { return a->saved_progress(id); };
    return std::make_unique<AppLessonHost>(app);
}

std::string App::saved_progress(std::string_view id) const {
    std::string key = progress_key(id);
    if (hooks_.load) return hooks_.load(key);
    auto it = memory_store_.find(key);
    return it == memory_store_.end() ? std::string() : it->second;
}

bool App::open_lesson(std::string_view id, uint32_t step, bool resume, std::string* error) {
    auto l = builtin_lesson(id);
    if (!l.ok()) {
        lesson_ui_->open_error = l.error().message;
        if (error) *error = l.error().message;
        return false;
    }
    return start_lesson(std::move(l.value()), step, resume, error);
}

bool App::open_lesson_text(std::string_view text, std::string_view name, uint32_t step,
                           std::string* error) {
    auto l = parse_lesson(text, name);
    if (!l.ok()) {
        // A malformed lesson shows its error (file and line) where the lesson would be.
        lesson_ui_->open_error = l.error().message;
        if (error) *error = l.error().message;
        return false;
    }
    return start_lesson(std::move(l.value()), step, false, error);
}

bool App::start_lesson(Lesson l, uint32_t step, bool resume, std::string* error) {
    LessonPanelState& ui = *lesson_ui_;
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
            ui.notices.push_back("Saved progress for " + l.id + " was not restored (" +
                                 progress_error_ + "); starting afresh.");
        }
    }
    if (resume && rec) step = rec->step;
    in_lesson_op_ = true;
    auto r = LessonRunner::start_on(*lesson_host_, std::move(l), step);
    in_lesson_op_ = false;
    if (!r.ok()) {
        lesson_.reset();
        ui.open_error = r.error().message;
        if (error) *error = r.error().message;
        return false;
    }
    lesson_ = std::make_unique<LessonRunner>(std::move(r.value()));
    if (rec) lesson_->take_marks(*rec);
    ui.open_error.clear();
    ui.seen_step_key = ~0ull;
    // The view the step is about must be open to be seen.
    for (ViewSlot& v : views_) {
        ViewId id;
        if (lesson_view_id(lesson_->lesson().view_of(lesson_->step_index()), id) && v.id == id &&
            v.available)
            v.open = true;
    }
    lesson_changed();
    return true;
}

void App::close_lesson() {
    lesson_.reset();
    lesson_ui_->seen_step_key = ~0ull;
    lesson_ui_->show_solution = false;
    if (hooks_.lesson_changed) hooks_.lesson_changed();
}

void App::lesson_changed() {
    if (lesson_) {
        std::string key = progress_key(lesson_->lesson().id), json = lesson_->progress_json();
        if (hooks_.save)
            hooks_.save(key, json);
        else
            memory_store_[key] = json;
    }
    lesson_ui_->list_built = false; // the list's progress marks
    if (hooks_.lesson_changed) hooks_.lesson_changed();
}

std::string App::export_progress() const {
    nlohmann::json lessons = nlohmann::json::object();
    for (const Lesson& l : builtin_lessons()) {
        std::string saved = saved_progress(l.id);
        if (saved.empty()) continue;
        nlohmann::json j = nlohmann::json::parse(saved, nullptr, false);
        if (!j.is_discarded() && LessonRunner::parse_progress(l, saved).ok()) lessons[l.id] = j;
    }
    nlohmann::json out = {{"format", "klab-progress"}, {"version", 1}, {"lessons", lessons}};
    return out.dump(2) + "\n";
}

std::string App::import_progress(std::string_view text) {
    using nlohmann::json;
    json j = json::parse(text.begin(), text.end(), nullptr, false);
    std::string why;
    if (j.is_discarded() || !j.is_object())
        why = "the file is not JSON";
    else if (j.value("format", std::string()) != "klab-progress" || !j.contains("lessons") ||
             !j["lessons"].is_object())
        why = "the file is not a Kernel Lab progress file";
    else if (!j["version"].is_number_unsigned() || j["version"].get<uint64_t>() != 1)
        why = "the progress file has an unknown version";
    if (!why.empty()) {
        std::string msg = "Progress was not imported: " + why + ".";
        lesson_ui_->notices.push_back(msg);
        return msg;
    }
    uint32_t imported = 0;
    std::string ignored;
    for (auto& [id, rec] : j["lessons"].items()) {
        auto l = builtin_lesson(id);
        std::string record = rec.dump();
        std::string bad;
        if (!l.ok())
            bad = "no such lesson";
        else if (auto p = LessonRunner::parse_progress(l.value(), record); !p.ok())
            bad = p.error().message;
        if (!bad.empty()) {
            ignored += (ignored.empty() ? "" : "; ") + id.substr(0, 64) + " (" + bad + ")";
            continue;
        }
        if (hooks_.save)
            hooks_.save(progress_key(id), record);
        else
            memory_store_[progress_key(id)] = record;
        imported++;
        // The open lesson follows its imported record.
        if (lesson_ && lesson_->lesson().id == id) {
            in_lesson_op_ = true;
            (void)lesson_->restore_progress(record);
            in_lesson_op_ = false;
            lesson_ui_->seen_step_key = ~0ull;
        }
    }
    std::string msg = "Imported progress for " + std::to_string(imported) +
                      (imported == 1 ? " lesson." : " lessons.");
    if (!ignored.empty()) msg += " Ignored: " + ignored + ".";
    lesson_ui_->notices.push_back(msg);
    lesson_ui_->list_built = false;
    if (hooks_.lesson_changed) hooks_.lesson_changed();
    return msg;
}

void App::set_embed_mode(bool on) {
    relayout_ = relayout_ || on != embed_;
    embed_ = on;
}

std::string App::highlighted_view() const {
    const LessonPanelState& s = *lesson_ui_;
    return s.met_since >= 0 ? s.highlight : std::string();
}

float App::lesson_strip_width() const {
    const LessonPanelState& s = *lesson_ui_;
    if (!lesson_ && !s.wants_panel && s.open_error.empty()) return 0;
    float w = ImGui::GetMainViewport()->Size.x;
    return std::max(std::min(420 * scale_, w * 0.45f), w * 0.30f);
}

void App::run_lesson_actions() {
    std::vector<LessonAction> actions;
    actions.swap(lesson_ui_->actions);
    for (const LessonAction& a : actions) lesson_action(a);
}

std::string App::lesson_action(const LessonAction& a) {
    LessonPanelState& ui = *lesson_ui_;
    using K = LessonAction::Kind;
    switch (a.kind) {
    case K::open: {
        std::string err;
        ui.wants_panel = true;
        return open_lesson(a.text, 0, true, &err) ? "" : err;
    }
    case K::close: // "< Lessons": back to the list
        close_lesson();
        ui.open_error.clear();
        ui.wants_panel = true;
        return "";
    case K::export_progress:
        if (!hooks_.download) {
            ui.notices.push_back("Exporting progress needs the browser.");
            return ui.notices.back();
        }
        hooks_.download("klab-progress.json", export_progress());
        return "";
    case K::import_progress:
        if (!hooks_.pick_progress_file) {
            ui.notices.push_back("Importing progress needs the browser.");
            return ui.notices.back();
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
    std::string why;
    in_lesson_op_ = true;
    switch (a.kind) {
    case K::hint:
        if (lesson_->next_hint().empty()) why = "no more hints";
        ui.scroll_to = LessonPanelState::Scroll::hint;
        break;
    case K::solution:
        (void)lesson_->solution();
        ui.show_solution = true;
        ui.scroll_to = LessonPanelState::Scroll::solution;
        break;
    case K::reset: lesson_->reset_step(); break;
    case K::next:
        if (auto n = lesson_->next(); !n.ok()) {
            why = n.error().message;
            ui.notices.push_back(why);
        } else if (!n.value()) {
            why = "this is the last step";
        }
        break;
    case K::go_to:
        if (auto g = lesson_->go_to(a.step); !g.ok()) {
            why = g.error().message;
            ui.notices.push_back(why);
        }
        break;
    case K::predict: {
        auto p = lesson_->predict(a.text);
        ui.predict_error = p.ok() ? "" : p.error().message;
        why = ui.predict_error;
        break;
    }
    default: break;
    }
    in_lesson_op_ = false;
    if (a.kind == K::reset || a.kind == K::next || a.kind == K::go_to) ui.seen_step_key = ~0ull;
    lesson_changed();
    return why;
}

void App::draw_embed(ViewContext& c) {
    // No menus: the lesson on the left, the step's view over the console on the right.
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImVec2 pos = vp->Pos, size = vp->Size;
    float strip = lesson_ || !lesson_ui_->open_error.empty() ? std::floor(size.x * 0.42f) : 0;
    if (strip > 0) draw_lesson_window(c, *lesson_ui_, pos, ImVec2(strip, size.y));
    ImVec2 right(pos.x + strip, pos.y);
    float rw = size.x - strip;
    ViewId step_view = ViewId::count;
    if (lesson_) {
        ViewId id;
        if (lesson_view_id(lesson_->lesson().view_of(lesson_->step_index()), id) &&
            id != ViewId::console)
            step_view = id;
    }
    float top_h = step_view != ViewId::count ? std::floor(size.y * 0.55f) : 0;
    ImGuiWindowFlags fixed = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                             ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings;
    for (ViewSlot& v : views_) {
        bool is_step = v.id == step_view && v.available;
        if (!is_step && v.id != ViewId::console) continue;
        ImVec2 p = is_step ? right : ImVec2(right.x, right.y + top_h);
        ImVec2 sz = is_step ? ImVec2(rw, top_h) : ImVec2(rw, size.y - top_h);
        ImGui::SetNextWindowPos(p);
        ImGui::SetNextWindowSize(sz);
        if (ImGui::Begin(v.title, nullptr, fixed)) {
            c.widgets.track_window(std::string("view/") + v.title);
            draw_view(v, c);
        }
        highlight_lesson_view(c, *lesson_ui_, v.id);
        ImGui::End();
    }
}

} // namespace klab::ui
