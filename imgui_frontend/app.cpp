#include "app.h"

#include <imgui.h>

#include "views/views.h"

namespace klab::ui {

App::App(MachineConfig config) {
    boot(config);
}

void App::boot(const MachineConfig& config) {
    if (!config.validate().ok()) return; // the menus only offer valid machines
    machine_ = config;
    ++boot_count_;
}

std::string App::title() const {
    return std::string("Kernel Lab — ") + arch_name(machine_.arch) + ", " +
           format_mem_size(machine_.mem_bytes);
}

void App::frame() {
    widgets_.begin_frame();
    ++frame_count_;

    MainMenuActions act = draw_main_menu(machine_, views_);
    if (act.boot) boot(*act.boot);

    if (views_.machine) {
        if (auto cfg = draw_machine_view(machine_, widgets_, &views_.machine)) boot(*cfg);
    }
    if (views_.imgui_metrics) ImGui::ShowMetricsWindow(&views_.imgui_metrics);
}

} // namespace klab::ui
