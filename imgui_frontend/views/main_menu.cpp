// The main menu bar: views to open and close, the Machine menu (presets, and RAM/CPUs/slab
// allocator/command line in a dialog; both reboot the model after a confirmation), the layout
// and Help with the keyboard shortcuts. The right end shows the booted machine.
#include <imgui.h>

#include <cstring>

#include "core/version.h"
#include "views/layout.h"
#include "views/views.h"

namespace klab::ui {

bool use_tabs(LayoutMode mode, float w, float h) {
    if (mode == LayoutMode::tabs) return true;
    if (mode == LayoutMode::tiled) return false;
    return w < 1000 || h < 620;
}

namespace {

void open_config(const MachineConfig& m, MenuState& ms) {
    ms.draft = m;
    ms.mem_mib = static_cast<int>(m.mem_bytes >> 20);
    std::snprintf(ms.cmdline, sizeof ms.cmdline, "%s", m.cmdline.c_str());
    ms.show_config = true;
}

void config_dialog(ViewContext& c, MenuState& ms) {
    if (ms.show_config) {
        ImGui::OpenPopup("Configure machine");
        ms.show_config = false;
    }
    ImVec2 centre = ImGui::GetMainViewport()->GetCenter();
    ImGui::SetNextWindowPos(centre, ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
    if (!ImGui::BeginPopupModal("Configure machine", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
    MachineConfig& d = ms.draft;
    int arch = d.arch == Arch::i386 ? 0 : 1;
    if (ImGui::Combo("preset", &arch, "i386 (textbook)\0x86_64\0")) {
        MachineConfig p = MachineConfig::preset(arch == 0 ? Arch::i386 : Arch::x86_64);
        d.arch = p.arch;
        ms.mem_mib = static_cast<int>(p.mem_bytes >> 20);
        d.nr_cpus = p.nr_cpus;
    }
    ImGui::InputInt("RAM (MiB)", &ms.mem_mib, 64, 1024);
    c.widgets.track_last_item("config/ram");
    int cpus = static_cast<int>(d.nr_cpus);
    ImGui::SliderInt("CPUs", &cpus, 1, static_cast<int>(kMaxCpus));
    d.nr_cpus = static_cast<uint32_t>(cpus);
    int alloc = static_cast<int>(d.allocator);
    ImGui::Combo("slab allocator", &alloc, "SLUB\0SLAB\0SLOB\0");
    d.allocator = static_cast<SlabAllocator>(alloc);
    ImGui::InputText("command line", ms.cmdline, sizeof ms.cmdline);
    d.mem_bytes = static_cast<uint64_t>(std::max(ms.mem_mib, 0)) << 20;
    d.cmdline = ms.cmdline;
    auto valid = d.validate();
    if (!valid.ok()) ImGui::TextColored(ImVec4(1, 0.5f, 0.4f, 1), "%s", valid.error().message.c_str());
    ImGui::BeginDisabled(!valid.ok());
    if (ImGui::Button("Reboot with this machine…")) {
        ms.confirm_boot = d;
        ImGui::CloseCurrentPopup();
    }
    c.widgets.track_last_item("config/reboot");
    ImGui::EndDisabled();
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
}

void confirm_dialog(ViewContext& c, MenuState& ms) {
    if (ms.confirm_boot && !ImGui::IsPopupOpen("Reboot the model?")) ImGui::OpenPopup("Reboot the model?");
    ImVec2 centre = ImGui::GetMainViewport()->GetCenter();
    ImGui::SetNextWindowPos(centre, ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
    if (!ImGui::BeginPopupModal("Reboot the model?", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
    if (ms.confirm_boot) {
        const MachineConfig& m = *ms.confirm_boot;
        ImGui::Text("Boot %s with %s and %u CPUs (%s)?", arch_name(m.arch),
                    format_mem_size(m.mem_bytes).c_str(), m.nr_cpus, allocator_name(m.allocator));
        ImGui::TextDisabled("The kernel's state, the console and the command log start afresh.");
    }
    if (ImGui::Button("Reboot")) {
        c.requests.boot = ms.confirm_boot;
        ms.confirm_boot.reset();
        ImGui::CloseCurrentPopup();
    }
    c.widgets.track_last_item("confirm/reboot");
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) {
        ms.confirm_boot.reset();
        ImGui::CloseCurrentPopup();
    }
    ImGui::EndPopup();
}

void help_window(ViewContext& c, MenuState& ms) {
    if (!ms.show_help) return;
    ImGui::SetNextWindowPos(ImGui::GetMainViewport()->GetCenter(), ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
    if (ImGui::Begin("Help", &ms.show_help, ImGuiWindowFlags_AlwaysAutoResize)) {
        c.widgets.track_window("view/Help");
        ImGui::TextUnformatted("Type KernelC or shell commands (cat, dmesg, insmod ...) in the Console.");
        ImGui::TextUnformatted("The Lessons menu has guided lessons: each step says what to do and checks the kernel.");
        ImGui::Separator();
        const char* keys[][2] = {
            {"Enter", "run the input (adds a line inside an unfinished { or ( )"},
            {"Ctrl+Enter", "new line in the input"},
            {"Tab", "complete a builtin, constant, variable or /proc path"},
            {"Up / Down", "previous / next command (on the first / last line)"},
            {"Ctrl+C / Ctrl+V", "copy / paste (browser clipboard)"},
            {"Ctrl+wheel", "zoom the physical memory map"},
            {"hover a cell", "the frame's struct page"},
        };
        if (ImGui::BeginTable("keys", 2, ImGuiTableFlags_RowBg)) {
            for (auto& k : keys) {
                ImGui::TableNextRow();
                ImGui::TableSetColumnIndex(0);
                ImGui::TextUnformatted(k[0]);
                ImGui::TableSetColumnIndex(1);
                ImGui::TextUnformatted(k[1]);
            }
            for (const Shortcut& k : shortcuts()) {
                ImGui::TableNextRow();
                ImGui::TableSetColumnIndex(0);
                ImGui::TextUnformatted(k.keys);
                ImGui::TableSetColumnIndex(1);
                ImGui::TextUnformatted(k.what);
            }
            ImGui::EndTable();
        }
        ImGui::TextDisabled("Every button a view offers runs console text, so it is in the command log.");
    }
    ImGui::End();
}

} // namespace

void draw_main_menu(ViewContext& c, MenuState& ms, std::vector<ViewSlot>& views) {
    const MachineConfig& machine = c.session.config();

    if (ImGui::BeginMainMenuBar()) {
        if (ImGui::BeginMenu("Kernel Lab")) {
            ImGui::TextDisabled("Kernel Lab %s · a model of Linux %s", kLabVersion, kLinuxRelease);
            ImGui::TextUnformatted("New here? Lessons > the first lesson, or type in the Console.");
            if (ImGui::MenuItem("Help and keyboard shortcuts")) ms.show_help = true;
            ImGui::EndMenu();
        }
        c.widgets.track_last_item("menu/kernel_lab");
        if (ImGui::BeginMenu("Machine")) {
            for (Arch a : {Arch::i386, Arch::x86_64}) {
                std::string label = std::string("Boot ") + arch_name(a) + " preset…";
                if (ImGui::MenuItem(label.c_str())) ms.confirm_boot = MachineConfig::preset(a);
            }
            if (ImGui::MenuItem("Configure (RAM, CPUs, allocator, cmdline)…")) open_config(machine, ms);
            ImGui::EndMenu();
        }
        c.widgets.track_last_item("menu/machine");
        if (ImGui::BeginMenu("View")) {
            for (ViewSlot& v : views) {
                if (v.available) {
                    ImGui::MenuItem(v.title, nullptr, &v.open);
                } else {
                    ImGui::MenuItem(v.title, nullptr, false, false);
                    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
                        ImGui::SetTooltip("Not yet: %s", v.note);
                }
            }
            ImGui::Separator();
            if (ImGui::MenuItem("Tiled windows", nullptr, ms.mode == LayoutMode::tiled))
                ms.mode = ms.mode == LayoutMode::tiled ? LayoutMode::automatic : LayoutMode::tiled;
            if (ImGui::MenuItem("Tabs", nullptr, ms.mode == LayoutMode::tabs))
                ms.mode = ms.mode == LayoutMode::tabs ? LayoutMode::automatic : LayoutMode::tabs;
            if (ImGui::MenuItem("Reset layout")) ms.reset_layout = true;
            ImGui::EndMenu();
        }
        c.widgets.track_last_item("menu/view");
        if (ImGui::BeginMenu("Help")) {
            if (ImGui::MenuItem("Keyboard shortcuts")) ms.show_help = true;
            ImGui::TextDisabled("Kernel Lab %s · Linux %s model", kLabVersion, kLinuxRelease);
            ImGui::Separator();
            ImGui::MenuItem("ImGui metrics (for developers)", nullptr, &ms.show_metrics);
            ImGui::EndMenu();
        }
        // The Lessons menu (lesson_view.cpp, drawn into this bar afterwards) goes here, beside
        // Help, not after the machine's status where it read as part of it: leave it room.
        float lessons_x = ImGui::GetCursorPosX();
        ImGui::GetStateStorage()->SetFloat(ImGui::GetID("lessons_x"), lessons_x);
        ImGui::SetCursorPosX(lessons_x + ImGui::CalcTextSize("Lessons").x + ImGui::GetStyle().ItemSpacing.x * 2);
        ImGui::Separator();
        size_t n = c.session.log().size();
        ImGui::TextDisabled("%s | %s | %u CPU%s | %zu command%s", arch_name(machine.arch),
                            format_mem_size(machine.mem_bytes).c_str(), machine.nr_cpus,
                            machine.nr_cpus == 1 ? "" : "s", n, n == 1 ? "" : "s");
        ImGui::EndMainMenuBar();
    }
    config_dialog(c, ms);
    confirm_dialog(c, ms);
    help_window(c, ms);
    if (ms.show_metrics) ImGui::ShowMetricsWindow(&ms.show_metrics);
}

} // namespace klab::ui
