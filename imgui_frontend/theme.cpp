#include "theme.h"

#include <imgui.h>

namespace klab::ui {

void apply_theme() {
    ImGui::StyleColorsDark();
    ImGuiStyle& s = ImGui::GetStyle();
    s.WindowRounding = 4.0f;
    s.FrameRounding = 3.0f;
    s.GrabRounding = 3.0f;
    s.WindowPadding = ImVec2(10, 8);
    s.ItemSpacing = ImVec2(8, 5);
    ImVec4* c = s.Colors;
    c[ImGuiCol_WindowBg] = ImVec4(0.11f, 0.12f, 0.14f, 1.00f);
    c[ImGuiCol_MenuBarBg] = ImVec4(0.15f, 0.16f, 0.19f, 1.00f);
    c[ImGuiCol_TitleBgActive] = ImVec4(0.18f, 0.26f, 0.38f, 1.00f);
    c[ImGuiCol_Button] = ImVec4(0.20f, 0.34f, 0.52f, 1.00f);
    c[ImGuiCol_ButtonHovered] = ImVec4(0.26f, 0.44f, 0.66f, 1.00f);
    ImGui::GetIO().IniFilename = nullptr; // layout persistence is the web shell's job
}

} // namespace klab::ui
