// The front end's top level: which views are open and the machine they show. Views read state
// and never change the kernel themselves; actions they offer come back here as requests.
#pragma once

#include <string>

#include "core/config.h"
#include "theme.h"
#include "widget_registry.h"

namespace klab::ui {

struct ViewToggles {
    bool machine = true;
    bool imgui_metrics = false;
};

class App {
public:
    explicit App(MachineConfig config = MachineConfig::preset(Arch::x86_64));

    // Draws one frame of UI; call between ImGui::NewFrame() and ImGui::Render().
    void frame();

    // Reboots the model with another configuration (the machine menu's action).
    void boot(const MachineConfig& config);

    const MachineConfig& machine() const { return machine_; }
    uint64_t boot_count() const { return boot_count_; }
    uint64_t frame_count() const { return frame_count_; }
    const WidgetRegistry& widgets() const { return widgets_; }

    // Fonts and the display scale (device pixels per CSS pixel) the platform set up.
    void set_fonts(const UiFonts& fonts, float scale) {
        fonts_ = fonts;
        scale_ = scale;
    }
    const UiFonts& fonts() const { return fonts_; }
    float scale() const { return scale_; }
    // A short line for the browser tab title.
    std::string title() const;

private:
    MachineConfig machine_;
    ViewToggles views_;
    WidgetRegistry widgets_;
    UiFonts fonts_;
    float scale_ = 1.0f;
    uint64_t boot_count_ = 0;
    uint64_t frame_count_ = 0;
};

} // namespace klab::ui
