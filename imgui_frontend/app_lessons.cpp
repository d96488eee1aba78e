// The view host's side of lessons (app.h): the lesson panel reacts to what the lab controller
// reports (session/lab_controller.h runs the lessons, keeps progress and does the panel's
// actions), the lesson strip's width, and the compact embed layout.
#include <imgui.h>

#include <algorithm>
#include <cmath>

#include "app.h"
#include "views/lesson_state.h"
#include "views/views.h"

namespace klab::ui {

void App::on_lesson_event(const LessonEvent& e) {
    LessonPanelState& ui = *lesson_ui_;
    using K = LessonEvent::Kind;
    switch (e.kind) {
    case K::opened: {
        ui.open_error.clear();
        ui.seen_step_key = ~0ull;
        // The view the step is about must be open to be seen.
        const LessonRunner& l = *lab_.lesson();
        ViewId id;
        if (lesson_view_id(l.lesson().view_of(l.step_index()), id))
            for (ViewSlot& v : views_)
                if (v.id == id && v.available) v.open = true;
        break;
    }
    case K::open_failed: ui.open_error = e.text; break;
    case K::closed:
        ui.seen_step_key = ~0ull;
        ui.show_solution = false;
        break;
    case K::step_changed: ui.seen_step_key = ~0ull; break;
    case K::hint: ui.scroll_to = LessonPanelState::Scroll::hint; break;
    case K::solution:
        ui.show_solution = true;
        ui.scroll_to = LessonPanelState::Scroll::solution;
        break;
    case K::predicted: ui.predict_error = e.text; break;
    case K::notice: ui.notices.push_back(e.text); break;
    case K::progress: ui.list_built = false; break; // the list's progress marks
    }
}

std::string App::lesson_action(const LessonAction& a) {
    LessonPanelState& ui = *lesson_ui_;
    // The panel's own part: opening a lesson or going back to the list keeps the panel open.
    if (a.kind == LessonAction::Kind::open) ui.wants_panel = true;
    if (a.kind == LessonAction::Kind::close) {
        ui.wants_panel = true;
        std::string why = lab_.lesson_action(a);
        ui.open_error.clear();
        return why;
    }
    return lab_.lesson_action(a);
}

std::string App::highlighted_view() const {
    const LessonPanelState& s = *lesson_ui_;
    return s.met_since >= 0 ? s.highlight : std::string();
}

float App::lesson_strip_width() const {
    const LessonPanelState& s = *lesson_ui_;
    if (!lab_.lesson() && !s.wants_panel && s.open_error.empty()) return 0;
    float w = ImGui::GetMainViewport()->Size.x;
    return std::max(std::min(420 * scale_, w * 0.45f), w * 0.30f);
}

void App::run_lesson_actions() {
    std::vector<LessonAction> actions;
    actions.swap(lesson_ui_->actions);
    for (const LessonAction& a : actions) lesson_action(a);
}

void App::draw_embed(ViewContext& c) {
    // No menus: the lesson on the left, the step's view over the console on the right.
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImVec2 pos = vp->Pos, size = vp->Size;
    const LessonRunner* lesson = lab_.lesson();
    float strip = lesson || !lesson_ui_->open_error.empty() ? std::floor(size.x * 0.42f) : 0;
    if (strip > 0) draw_lesson_window(c, *lesson_ui_, pos, ImVec2(strip, size.y));
    ImVec2 right(pos.x + strip, pos.y);
    float rw = size.x - strip;
    const ViewId console = view_id("console");
    ViewId step_view = ViewId::none;
    if (lesson) {
        ViewId id;
        if (lesson_view_id(lesson->lesson().view_of(lesson->step_index()), id) &&
            id != console)
            step_view = id;
    }
    float top_h = step_view != ViewId::none ? std::floor(size.y * 0.55f) : 0;
    ImGuiWindowFlags fixed = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                             ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings;
    for (ViewSlot& v : views_) {
        bool is_step = v.id == step_view && v.available;
        if (!is_step && v.id != console) continue;
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
