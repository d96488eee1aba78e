// The views: each a function of const state that draws one ImGui window (or the menu bar)
// and returns what the student asked for, for the App to carry out.
#pragma once

#include <optional>

#include "core/config.h"
#include "widget_registry.h"

namespace klab::ui {

struct ViewToggles;

struct MainMenuActions {
    std::optional<MachineConfig> boot;
};

MainMenuActions draw_main_menu(const MachineConfig& machine, ViewToggles& views);

// The machine window: engine version and the booted machine's facts; returns a configuration
// to boot when the student picks another preset.
std::optional<MachineConfig> draw_machine_view(const MachineConfig& machine,
                                               WidgetRegistry& widgets, bool* open);

} // namespace klab::ui
