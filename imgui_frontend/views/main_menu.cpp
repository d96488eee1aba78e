// The main menu bar: product name and version, the machine menu and the view toggles.
#include <imgui.h>

#include "app.h"
#include "core/version.h"
#include "views/views.h"

namespace klab::ui {

MainMenuActions draw_main_menu(const MachineConfig& machine, ViewToggles& views) {
    MainMenuActions act;
    if (!ImGui::BeginMainMenuBar()) return act;
    ImGui::TextUnformatted("Kernel Lab");
    ImGui::TextDisabled("%s", kLabVersion);
    ImGui::Separator();
    if (ImGui::BeginMenu("Machine")) {
        for (Arch a : {Arch::i386, Arch::x86_64}) {
            std::string label = std::string("Boot ") + arch_name(a) + " preset";
            if (ImGui::MenuItem(label.c_str(), nullptr, machine.arch == a))
                act.boot = MachineConfig::preset(a);
        }
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("View")) {
        ImGui::MenuItem("Machine", nullptr, &views.machine);
        ImGui::MenuItem("ImGui metrics", nullptr, &views.imgui_metrics);
        ImGui::EndMenu();
    }
    ImGui::Separator();
    ImGui::TextDisabled("Linux %s model | %s | %s | %u CPUs", kLinuxRelease,
                        arch_name(machine.arch), format_mem_size(machine.mem_bytes).c_str(),
                        machine.nr_cpus);
    ImGui::EndMainMenuBar();
    return act;
}

} // namespace klab::ui
