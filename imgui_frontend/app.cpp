#include "app.h"

#include <imgui.h>

#include <cmath>

#include "views/lesson_state.h"
#include "views/views.h"

namespace klab::ui {

App::App(MachineConfig config) : App(*new LabController(config)) {
    own_lab_.reset(&lab_);
}

App::App(LabController& lab) : lab_(lab), lesson_ui_(std::make_unique<LessonPanelState>()) {
    for (const ViewDef& d : view_registry()) view_states_.push_back(d.make_state());
    LabController* l = &lab_;
    lesson_ui_->load_progress = [l](const std::string& id) { return l->saved_progress(id); };
    lab_.set_lesson_listener([this](const LessonEvent& e) { on_lesson_event(e); });
}

App::~App() {
    lab_.set_lesson_listener(nullptr);
}

void App::prepare() {
    map().sync(session(), true, 0, session().kernel().trace.written, true);
    prepared_at_ = lab_.change_count();
}

void App::draw_view(ViewSlot& v, ViewContext& c) {
    const std::vector<ViewDef>& r = view_registry();
    size_t i = static_cast<size_t>(v.id);
    if (i < r.size())
        r[i].draw(c, view_states_[i].get());
    else
        ImGui::TextDisabled("Not yet: %s", v.note);
}

void App::draw_tiled(ViewContext& c) {
    // Laid out from the viewport itself: WorkPos only learns the menu bar's height a frame
    // late, and the tiles are placed in the first frame.
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    float menu_h = ImGui::GetFrameHeight();
    float bar_h = ImGui::GetTextLineHeight() + 6 * scale_;
    ImVec2 top(vp->Pos.x, vp->Pos.y + menu_h);
    ImVec2 area_pos(top.x, top.y + bar_h);
    ImVec2 area(vp->Size.x, vp->Size.y - menu_h - bar_h);
    ImGuiCond cond = menu_.reset_layout || relayout_ ? ImGuiCond_Always : ImGuiCond_FirstUseEver;
    // The lesson strip (when a lesson or the lesson list is open) takes the left of the area.
    if (float strip = lesson_strip_width(); strip > 0) {
        draw_lesson_window(c, *lesson_ui_, ImVec2(area_pos.x, area_pos.y), ImVec2(strip, area.y));
        area_pos.x += strip;
        area.x -= strip;
    }

    ImGui::SetNextWindowPos(top);
    ImGui::SetNextWindowSize(ImVec2(vp->Size.x, bar_h));
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(ImGui::GetStyle().WindowPadding.x, 3 * scale_));
    ImGui::Begin("##cpus", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoSavedSettings |
                                       ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoBringToFrontOnFocus);
    draw_cpu_bar(c);
    ImGui::End();
    ImGui::PopStyleVar();

    if (lab_.lesson()) {
        draw_lesson_tiles(c, area_pos.x, area_pos.y, area.x, area.y);
        return;
    }
    if (!lesson_tiles_step_.empty()) cond = ImGuiCond_Always; // back from the lesson layout
    lesson_tiles_step_.clear();
    for (ViewSlot& v : views_) {
        if (!v.open || !v.available) continue;
        ImGui::SetNextWindowPos(ImVec2(area_pos.x + v.x * area.x, area_pos.y + v.y * area.y), cond);
        ImGui::SetNextWindowSize(ImVec2(v.w * area.x, v.h * area.y), cond);
        if (ImGui::Begin(v.title, &v.open)) {
            c.widgets.track_window(std::string("view/") + v.title);
            draw_view(v, c);
        }
        highlight_lesson_view(c, *lesson_ui_, v.id);
        ImGui::End();
    }
}

void App::draw_view_tab(ViewContext& c, ViewSlot& v, bool select) {
    bool selected = ImGui::BeginTabItem(v.title, nullptr, select ? ImGuiTabItemFlags_SetSelected : 0);
    c.widgets.track_last_item(std::string("tab/") + v.title);
    if (!selected) return;
    ImGui::BeginChild("view");
    c.widgets.track_window(std::string("view/") + v.title);
    draw_view(v, c);
    highlight_lesson_view(c, *lesson_ui_, v.id);
    ImGui::EndChild();
    ImGui::EndTabItem();
}

void App::draw_lesson_tiles(ViewContext& c, float x, float y, float w, float h) {
    const ImVec2 pos(x, y), size(w, h);
    ViewId step_view = ViewId::none;
    const LessonRunner& lesson = *lab_.lesson();
    const ViewId console = view_id("console");
    ViewId id;
    if (lesson_view_id(lesson.lesson().view_of(lesson.step_index()), id) && id != console)
        step_view = id;
    std::string key = lesson.lesson().id + "#" + std::to_string(lesson.step_index());
    bool select = key != lesson_tiles_step_;
    lesson_tiles_step_ = key;
    const ImGuiWindowFlags fixed = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                                   ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings;
    float top_h = std::floor(size.y * 0.52f);
    ImGui::SetNextWindowPos(pos);
    ImGui::SetNextWindowSize(ImVec2(size.x, top_h));
    ImGui::Begin("##lesson_views", nullptr, fixed | ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoBringToFrontOnFocus);
    if (ImGui::BeginTabBar("views", ImGuiTabBarFlags_FittingPolicyScroll)) {
        for (ViewSlot& v : views_) {
            if (!v.open || !v.available || v.id == console) continue;
            draw_view_tab(c, v, select && v.id == step_view);
        }
        ImGui::EndTabBar();
    }
    ImGui::End();
    for (ViewSlot& v : views_) {
        if (v.id != console || !v.available) continue;
        v.open = true; // the lesson works through the console
        ImGui::SetNextWindowPos(ImVec2(pos.x, pos.y + top_h));
        ImGui::SetNextWindowSize(ImVec2(size.x, size.y - top_h));
        if (ImGui::Begin(v.title, nullptr, fixed)) {
            c.widgets.track_window(std::string("view/") + v.title);
            draw_view(v, c);
        }
        highlight_lesson_view(c, *lesson_ui_, v.id);
        ImGui::End();
    }
}

void App::draw_tabs(ViewContext& c) {
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    float menu_h = ImGui::GetFrameHeight();
    ImGui::SetNextWindowPos(ImVec2(vp->Pos.x, vp->Pos.y + menu_h));
    ImGui::SetNextWindowSize(ImVec2(vp->Size.x, vp->Size.y - menu_h));
    ImGui::Begin("##tabs", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoSavedSettings |
                                       ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoBringToFrontOnFocus);
    draw_cpu_bar(c);
    if (ImGui::BeginTabBar("views", ImGuiTabBarFlags_FittingPolicyScroll)) {
        if (lesson_strip_width() > 0) draw_lesson_tab(c, *lesson_ui_);
        for (ViewSlot& v : views_) {
            if (!v.open || !v.available) continue;
            draw_view_tab(c, v, false);
        }
        ImGui::EndTabBar();
    }
    ImGui::End();
}

void App::frame() {
    widgets_.begin_frame();
    ++frame_count_;

    const Session& s = session();
    FrameChanges ch;
    ch.rebooted = lab_.reset_count() != seen_resets_; // booted, restored, undone: drop caches
    ch.kernel_changed = ch.rebooted || s.generation() != seen_generation_ ||
                        lab_.change_count() != seen_changes_;
    ch.trace_from = seen_trace_;
    ch.trace_to = s.kernel().trace.written;
    ch.time = ImGui::GetTime();
    if (prepared_at_ == lab_.change_count() && frame_count_ == 1)
        map().sync(s, false, ch.trace_to, ch.trace_to, false); // drawn by prepare(): upload only
    else
        map().sync(s, ch.rebooted, ch.trace_from, ch.trace_to, ch.kernel_changed);

    if (menu_.reset_layout) views_ = default_views();
    ViewRequests req;
    ViewContext c{s, ch, widgets_, fonts_, req, scale_};
    prepare_lesson_panel(c, *lesson_ui_, lab_.lesson());
    // The embed flag is the controller's (JS sets it): the windows tile again when it flips.
    relayout_ = relayout_ || lab_.embed_mode() != embed_;
    embed_ = lab_.embed_mode();
    auto& console = *static_cast<ConsoleState*>(view_states_[static_cast<size_t>(view_id("console"))].get());
    console.has_menus = !embed_; // the console's welcome names the Lessons menu only if there is one
    handle_shortcuts(*lesson_ui_, menu_, console, lab_.lesson() != nullptr);
    bool strip = lesson_strip_width() > 0;
    relayout_ = relayout_ || strip != had_strip_;
    had_strip_ = strip;
    ImVec2 css(ImGui::GetIO().DisplaySize.x / scale_, ImGui::GetIO().DisplaySize.y / scale_);
    if (embed_) {
        tabs_ = false;
        draw_embed(c);
    } else {
        draw_main_menu(c, menu_, views_);
        draw_lesson_menu(c, *lesson_ui_);
        // An open lesson needs its panel and the console at once: on a small screen too it
        // gets the lesson layout (panel left, the step's view over the console right) rather
        // than tabs that would hide one behind the other.
        bool lesson_layout = lab_.lesson() && menu_.mode == LayoutMode::automatic;
        tabs_ = use_tabs(menu_.mode, css.x, css.y) && !lesson_layout;
        if (tabs_)
            draw_tabs(c);
        else
            draw_tiled(c);
    }
    draw_open_confirmation(c, *lesson_ui_);
    menu_.reset_layout = false;
    relayout_ = false;

    seen_generation_ = s.generation();
    seen_trace_ = s.kernel().trace.written;
    seen_changes_ = lab_.change_count();
    seen_resets_ = lab_.reset_count();

    run_lesson_actions(); // the lesson panel's clicks, after drawing too

    // Requests run after drawing, so a view never sees the kernel change under it mid-frame.
    for (const std::string& text : req.submit) submit(text);
    if (req.boot) lab_.boot(*req.boot);
    if (req.confirm_boot) menu_.confirm_boot = req.confirm_boot; // next frame asks first
    if (req.highlight) map().set_highlight(std::move(*req.highlight));
}

} // namespace klab::ui
