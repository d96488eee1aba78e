// The machine window: what the engine says about the booted machine.
#include <imgui.h>

#include <cinttypes>

#include "core/version.h"
#include "views/views.h"

namespace klab::ui {

namespace {

void fact_row(const char* key, const char* fmt, ...) IM_FMTARGS(2);
void fact_row(const char* key, const char* fmt, ...) {
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::TextUnformatted(key);
    ImGui::TableSetColumnIndex(1);
    va_list args;
    va_start(args, fmt);
    ImGui::TextV(fmt, args);
    va_end(args);
}

} // namespace

std::optional<MachineConfig> draw_machine_view(const MachineConfig& m, WidgetRegistry& widgets,
                                               bool* open) {
    std::optional<MachineConfig> boot;
    float em = ImGui::GetFontSize();
    ImGui::SetNextWindowPos(ImVec2(1.6f * em, 3.2f * em), ImGuiCond_FirstUseEver);
    ImGui::SetNextWindowSize(ImVec2(28 * em, 0), ImGuiCond_FirstUseEver);
    if (!ImGui::Begin("Machine", open)) {
        ImGui::End();
        return boot;
    }
    ImGui::Text("Kernel Lab %s, modelling Linux %s", kLabVersion, kLinuxRelease);
    ImGui::Separator();
    if (ImGui::BeginTable("facts", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV)) {
        ImGui::TableSetupColumn("fact", ImGuiTableColumnFlags_WidthFixed,
                                ImGui::GetFontSize() * 10);
        ImGui::TableSetupColumn("value");
        fact_row("preset", "%s", arch_name(m.arch));
        fact_row("RAM", "%s (%" PRIu64 " page frames)", format_mem_size(m.mem_bytes).c_str(),
                 m.nr_pages());
        fact_row("CPUs", "%u", m.nr_cpus);
        fact_row("page size", "%" PRIu64 " bytes (PAGE_SHIFT %u)", m.page_size(), m.page_shift());
        fact_row("HZ", "%u", m.hz());
        fact_row(m.arch == Arch::i386 ? "PAGE_OFFSET" : "direct map", "0x%" PRIx64,
                 m.page_offset());
        fact_row("pointer size", "%u bytes", m.pointer_bytes());
        fact_row("slab allocator", "%s", allocator_name(m.allocator));
        ImGui::EndTable();
    }
    ImGui::Spacing();
    ImGui::TextUnformatted("Boot another preset:");
    for (Arch a : {Arch::i386, Arch::x86_64}) {
        ImGui::SameLine();
        std::string label = std::string("Boot ") + arch_name(a);
        ImGui::BeginDisabled(m.arch == a);
        if (ImGui::Button(label.c_str())) boot = MachineConfig::preset(a);
        ImGui::EndDisabled();
        widgets.track_last_item(std::string("machine/boot_") + arch_name(a));
    }
    ImGui::End();
    return boot;
}

} // namespace klab::ui
