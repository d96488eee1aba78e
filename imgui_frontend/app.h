// The ImGui view host: draws the lab from its controller (session/lab_controller.h: the
// session, lessons, progress, change events, embed flag) and keeps what only drawing needs:
// the views and their state, the layout, the lesson panel, the memory map's textures. Views
// read the session and return requests; submit() is the only way they change the kernel, so
// everything a student does is in the command log.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "lesson/runner.h"
#include "session/lab_controller.h"
#include "page_map.h"
#include "session/session.h"
#include "theme.h"
#include "views/layout.h"
#include "views/view_state.h"
#include "widget_registry.h"

namespace klab::ui {

struct LessonPanelState;

class App {
public:
    // A host with a controller of its own (native, tests) or drawing the page's controller
    // (the web, where `Module.Lab` binds the same controller with or without a canvas).
    explicit App(MachineConfig config = MachineConfig::preset(Arch::x86_64));
    explicit App(LabController& lab);
    ~App();

    // Draws one frame of UI; call between ImGui::NewFrame() and ImGui::Render().
    void frame();
    // Optional, before the first frame and before textures exist: computes the memory map's
    // first picture, so the first frame only uploads it (the web platform does this while the
    // GPU process is still starting up).
    void prepare();

    LabController& lab() { return lab_; }
    const LabController& lab() const { return lab_; }
    // The views' way of changing the kernel: console text through the controller.
    ExecResult submit(std::string_view text, std::string_view source = "console") {
        return lab_.submit(text, source);
    }
    const Session& session() const { return lab_.session(); }
    uint64_t frame_count() const { return frame_count_; }
    const WidgetRegistry& widgets() const { return widgets_; }
    std::vector<ViewSlot>& views() { return views_; }
    MenuState& menu() { return menu_; }
    // A view's state by its registry key (the type its row says: ConsoleState for "console").
    template <typename S>
    const S& view_state(std::string_view key) const {
        return *static_cast<const S*>(view_states_[static_cast<size_t>(view_id(key))].get());
    }
    const PageMap& page_map() const { return view_state<PageMap>("page-map"); }
    const ConsoleState& console() const { return view_state<ConsoleState>("console"); }

    // Fonts and the display scale (device pixels per CSS pixel) the platform set up.
    void set_fonts(const UiFonts& fonts, float scale) {
        fonts_ = fonts;
        scale_ = scale;
    }
    const UiFonts& fonts() const { return fonts_; }
    float scale() const { return scale_; }
    // Textures for the physical memory map (null: the map says it has no backend).
    void set_textures(TextureApi* api) { map().set_textures(api); }
    // Forget window positions and tile the views again.
    void reset_layout() { menu_.reset_layout = true; }
    // Whether the last frame drew the views as tabs (small screens).
    bool tabs() const { return tabs_; }

    // The lesson panel (app_lessons.cpp): its state, and its clicks carried out now (the
    // panel's own clicks come here after the frame). "" or why not.
    LessonPanelState& lesson_panel() { return *lesson_ui_; }
    std::string lesson_action(const LessonAction& a);
    // The view the current step is about while its goal is met ("" otherwise).
    std::string highlighted_view() const;

private:
    std::unique_ptr<LabController> own_lab_; // when not drawing someone else's
    LabController& lab_;
    std::vector<ViewSlot> views_ = default_views();
    MenuState menu_;
    std::vector<std::shared_ptr<void>> view_states_; // one per view_registry() row
    // The memory map is also the App's: synced every frame, its textures, highlights.
    PageMap& map() { return *static_cast<PageMap*>(view_states_[static_cast<size_t>(view_id("page-map"))].get()); }
    WidgetRegistry widgets_;
    UiFonts fonts_;
    float scale_ = 1.0f;
    bool tabs_ = false;
    uint64_t frame_count_ = 0;
    uint64_t seen_generation_ = 0;
    uint64_t seen_trace_ = 0;
    uint64_t seen_changes_ = ~0ull;  // the controller's change/reset counts the last frame saw
    uint64_t seen_resets_ = ~0ull;
    uint64_t prepared_at_ = UINT64_MAX; // change count when prepare() drew the map
    std::unique_ptr<LessonPanelState> lesson_ui_;
    bool embed_ = false;    // the controller's embed flag as the last frame drew it
    bool relayout_ = false; // tile the windows again (the lesson strip appeared or went)
    bool had_strip_ = false;
    void on_lesson_event(const LessonEvent& e);
    void run_lesson_actions();
    void draw_embed(struct ViewContext& c);
    float lesson_strip_width() const;

    void draw_view(ViewSlot& v, struct ViewContext& c);
    void draw_tiled(struct ViewContext& c);
    // With a lesson open beside the views: the console full width below (wide /proc tables
    // fit), the other views as tabs above with the step's view selected when the step changes.
    void draw_lesson_tiles(struct ViewContext& c, float x, float y, float w, float h);
    std::string lesson_tiles_step_; // lesson id and step whose view was last selected
    void draw_tabs(struct ViewContext& c);
    // One view as a tab item of the current tab bar (select: make it the shown tab now).
    void draw_view_tab(struct ViewContext& c, ViewSlot& v, bool select);
};

} // namespace klab::ui
