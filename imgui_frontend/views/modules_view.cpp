// The modules panel: the modules this session defined (module_init/module_exit in KernelC) and
// their state, as lsmod and /proc/modules see them, with their init and exit functions and
// license. Its buttons submit `insmod NAME` / `rmmod NAME` to the console, so loading a
// module from here is in the command log like typing it.
#include <imgui.h>

#include <string>

#include "machine/kernel.h"
#include "views/views.h"

namespace klab::ui {

namespace {

const char* state_name(ModuleState s) {
    switch (s) {
    case ModuleState::unformed: return "not loaded";
    case ModuleState::coming: return "loading";
    case ModuleState::live: return "live";
    case ModuleState::going: return "unloading";
    }
    return "?";
}

void module_row(ViewContext& c, const Module& m) {
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::TextUnformatted(m.name.c_str());
    ImGui::TableSetColumnIndex(1);
    ImGui::TextUnformatted(state_name(m.state));
    ImGui::TableSetColumnIndex(2);
    // The taint a load adds: O (out of tree) always, P for a license that is not GPL-compatible.
    std::string lic = m.license.empty() ? "(none)" : m.license;
    ImGui::Text("%s%s", lic.c_str(), gpl_compatible(m.license) ? "" : "  [P]");
    ImGui::TableSetColumnIndex(3);
    ImGui::Text("%s / %s", m.init.empty() ? "-" : m.init.c_str(), m.exit.empty() ? "-" : m.exit.c_str());
    ImGui::TableSetColumnIndex(4);
    ImGui::PushID(m.name.c_str());
    const bool loaded = m.loaded();
    if (ImGui::SmallButton(loaded ? "rmmod" : "insmod"))
        c.requests.submit.push_back(std::string(loaded ? "rmmod " : "insmod ") + m.name);
    c.widgets.track_last_item("modules/" + std::string(loaded ? "rmmod/" : "insmod/") + m.name);
    ImGui::PopID();
}

} // namespace

void draw_modules(ViewContext& c) {
    const Kernel& k = c.session.kernel();
    if (k.modules.modules.empty()) {
        ImGui::TextWrapped("No modules yet. Define one in the console with module_init(fn); "
                           "(and module_exit, MODULE_LICENSE), then load it with insmod NAME.");
        return;
    }
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit |
                                  ImGuiTableFlags_ScrollX | ImGuiTableFlags_ScrollY;
    if (!ImGui::BeginTable("modules", 5, flags)) return;
    ImGui::TableSetupScrollFreeze(0, 1);
    for (const char* h : {"Module", "State", "License", "init / exit", ""}) ImGui::TableSetupColumn(h);
    ImGui::TableHeadersRow();
    for (const auto& [name, m] : k.modules.modules) module_row(c, m);
    ImGui::EndTable();
    ImGui::TextDisabled("%s", modules_linked_in(k).c_str());
}

} // namespace klab::ui
