// The front end's top level: the session (the one kernel the page shows), the views and their
// state, and the layout. Views read the session and return requests; submit() is the only way
// they change the kernel, so everything a student does is in the command log. The bindings
// (web/bindings.cpp) use the same entry points.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "lesson/runner.h"
#include "page_map.h"
#include "session/session.h"
#include "theme.h"
#include "views/layout.h"
#include "views/view_state.h"
#include "widget_registry.h"

namespace klab::ui {

struct LessonPanelState;
struct LessonAction;
class App;
// The LessonHost that runs a lesson in the App's own session (app_lessons.cpp).
std::unique_ptr<LessonHost> make_app_lesson_host(App& app);

// What the App asks of the page it runs in (the web platform sets these; natively progress is
// kept in memory and the rest does nothing).
struct AppHooks {
    std::function<std::string(const std::string& key)> load;              // "" if none
    std::function<void(const std::string& key, const std::string& value)> save;
    std::function<void(const std::string& url)> open_url;                 // a new tab
    std::function<void(const std::string& name, const std::string& text)> download;
    std::function<void()> pick_progress_file; // then import_progress(text) with its content
    std::function<void()> lesson_changed;     // progress or step changed (embed.js events)
};

class App {
public:
    explicit App(MachineConfig config = MachineConfig::preset(Arch::x86_64));
    ~App();

    // Draws one frame of UI; call between ImGui::NewFrame() and ImGui::Render().
    void frame();
    // Optional, before the first frame and before textures exist: computes the memory map's
    // first picture, so the first frame only uploads it (the web platform does this while the
    // GPU process is still starting up).
    void prepare();

    // Runs console text in the session (as typed into the console when source is "console").
    ExecResult submit(std::string_view text, std::string_view source = "console");
    // Reboots the model with another configuration; false (and the old machine kept) if the
    // configuration is invalid. `error` gets the reason.
    bool boot(const MachineConfig& config, std::string* error = nullptr);
    // Snapshot/restore/undo for the JS API (the views never call these).
    Session::Snapshot snapshot() const { return session_->snapshot(); }
    void restore(const Session::Snapshot& s);
    bool undo();

    const Session& session() const { return *session_; }
    const MachineConfig& machine() const { return session_->config(); }
    uint64_t boot_count() const { return boot_count_; }
    uint64_t frame_count() const { return frame_count_; }
    // Increases on every change of the kernel (submit, boot, restore, undo).
    uint64_t change_count() const { return change_count_; }
    // Called after each change, with the change count (the web bindings fire `klab-change`).
    void set_change_listener(std::function<void(uint64_t)> f) { on_change_ = std::move(f); }
    const WidgetRegistry& widgets() const { return widgets_; }
    std::vector<ViewSlot>& views() { return views_; }
    MenuState& menu() { return menu_; }
    const PageMap& page_map() const { return map_; }
    const ConsoleState& console() const { return console_; }
    const TraceViewState& trace_view() const { return trace_; }
    const SlabViewState& slab_view() const { return slab_; }
    const ZonesState& zones_view() const { return zones_; }
    const VmViewState& vm_view() const { return vm_; }

    // Fonts and the display scale (device pixels per CSS pixel) the platform set up.
    void set_fonts(const UiFonts& fonts, float scale) {
        fonts_ = fonts;
        scale_ = scale;
    }
    const UiFonts& fonts() const { return fonts_; }
    float scale() const { return scale_; }
    // Textures for the physical memory map (null: the map says it has no backend).
    void set_textures(TextureApi* api) { map_.set_textures(api); }
    // A short line for the browser tab title: machine, commands run, taint.
    std::string title() const;
    // Forget window positions and tile the views again.
    void reset_layout() { menu_.reset_layout = true; }
    // Whether the last frame drew the views as tabs (small screens).
    bool tabs() const { return tabs_; }

    // Lessons (app_lessons.cpp). A lesson runs in this App's session: its setups and every
    // command land in the console and the command log, and the views show its kernel.
    void set_hooks(AppHooks h) { hooks_ = std::move(h); }
    // Opens a shipped lesson at `step` (0-based), or where its saved progress left it when
    // `resume` (a damaged record is reported in the panel and ignored). false + error: the
    // lesson stays closed and the panel shows the error.
    bool open_lesson(std::string_view id, uint32_t step, bool resume, std::string* error = nullptr);
    // The same for a lesson's Markdown text (an instructor's own file).
    bool open_lesson_text(std::string_view text, std::string_view name, uint32_t step,
                          std::string* error = nullptr);
    void close_lesson();
    LessonRunner* lesson() { return lesson_.get(); }
    const LessonRunner* lesson() const { return lesson_.get(); }
    // After changing the lesson's marks (hint, solution, predict, next ...): save, notify.
    void lesson_changed();
    // Does what the lesson panel's button would (hint, solution, reset, next, go_to, predict,
    // open, close ...) now; the panel's own clicks come here after the frame. Returns "" or
    // why it could not (a wrong prediction format, the last step ...).
    std::string lesson_action(const LessonAction& a);
    LessonPanelState& lesson_panel() { return *lesson_ui_; }
    // Every lesson's saved record as one JSON file, and reading such a file back: the result
    // says what was imported and what was ignored (damaged or unknown records).
    std::string export_progress() const;
    std::string import_progress(std::string_view text);
    // The saved progress record of a lesson ("" if none).
    std::string saved_progress(std::string_view id) const;
    // Why the last open_lesson(resume) could not use the saved record ("" if it could).
    const std::string& progress_error() const { return progress_error_; }
    // Compact iframe view: no menus; the lesson panel, the console and the step's view.
    void set_embed_mode(bool on);
    bool embed_mode() const { return embed_; }
    // The view the current step is about while its goal is met ("" otherwise).
    std::string highlighted_view() const;

private:
    std::unique_ptr<Session> session_;
    std::vector<ViewSlot> views_ = default_views();
    MenuState menu_;
    ConsoleState console_;
    LogViewState log_;
    ZonesState zones_;
    TraceViewState trace_;
    SlabViewState slab_;
    VmViewState vm_;
    PageMap map_;
    WidgetRegistry widgets_;
    UiFonts fonts_;
    float scale_ = 1.0f;
    bool tabs_ = false;
    bool rebooted_ = true; // the next frame must drop caches
    uint64_t boot_count_ = 0;
    uint64_t frame_count_ = 0;
    uint64_t change_count_ = 0;
    uint64_t seen_generation_ = 0;
    uint64_t seen_trace_ = 0;
    uint64_t seen_changes_ = 0;
    uint64_t prepared_at_ = UINT64_MAX; // change_count_ when prepare() drew the map
    std::function<void(uint64_t)> on_change_;
    AppHooks hooks_;
    mutable std::map<std::string, std::string> memory_store_; // progress without hooks
    std::unique_ptr<LessonRunner> lesson_;
    std::unique_ptr<LessonPanelState> lesson_ui_;
    std::unique_ptr<LessonHost> lesson_host_;
    bool in_lesson_op_ = false; // the runner is booting/running through the App
    std::string progress_error_;
    bool embed_ = false;
    bool relayout_ = false; // tile the windows again (the lesson strip appeared or went)
    bool had_strip_ = false;
    friend class AppLessonHost;
    bool start_lesson(Lesson l, uint32_t step, bool resume, std::string* error);
    void run_lesson_actions();
    void draw_embed(struct ViewContext& c);
    float lesson_strip_width() const;

    void changed(bool reboot);
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
