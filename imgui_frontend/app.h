// The front end's top level: the session (the one kernel the page shows), the views and their
// state, and the layout. Views read the session and return requests; submit() is the only way
// they change the kernel, so everything a student does is in the command log. The bindings
// (web/bindings.cpp) use the same entry points.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "page_map.h"
#include "session/session.h"
#include "theme.h"
#include "views/layout.h"
#include "views/view_state.h"
#include "widget_registry.h"

namespace klab::ui {

class App {
public:
    explicit App(MachineConfig config = MachineConfig::preset(Arch::x86_64));

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

    void changed(bool reboot);
    void draw_view(ViewSlot& v, struct ViewContext& c);
    void draw_tiled(struct ViewContext& c);
    void draw_tabs(struct ViewContext& c);
};

} // namespace klab::ui
