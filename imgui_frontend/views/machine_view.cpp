// The machine panel: what the engine says about the booted machine, and buttons that boot the
// other preset (through ViewRequests::confirm_boot: the same confirmation as the Machine menu,
// then the App reboots the session).
#include <imgui.h>

#include <cinttypes>
#include <cstdarg>

#include "core/version.h"
#include "mm/page_alloc.h"
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

void draw_machine(ViewContext& c) {
    const MachineConfig& m = c.session.config();
    const Kernel& k = c.session.kernel();
    ImGui::Text("Kernel Lab %s, modelling Linux %s", kLabVersion, kLinuxRelease);
    ImGui::TextUnformatted("Boot another preset:");
    for (Arch a : {Arch::i386, Arch::x86_64}) {
        ImGui::SameLine();
        std::string label = std::string("Boot ") + arch_name(a);
        ImGui::BeginDisabled(m.arch == a);
        if (ImGui::Button((label + "…").c_str())) c.requests.confirm_boot = MachineConfig::preset(a);
        ImGui::EndDisabled();
        c.widgets.track_last_item(std::string("machine/boot_") + arch_name(a));
    }
    if (ImGui::BeginTable("facts", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV)) {
        ImGui::TableSetupColumn("fact", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 8);
        ImGui::TableSetupColumn("value");
        fact_row("preset", "%s", arch_name(m.arch));
        fact_row("RAM", "%s (%" PRIu64 " page frames)", format_mem_size(m.mem_bytes).c_str(),
                 m.nr_pages());
        fact_row("CPUs", "%u", m.nr_cpus);
        fact_row("page size", "%" PRIu64 " bytes (PAGE_SHIFT %u)", m.page_size(), m.page_shift());
        fact_row("HZ", "%u", m.hz());
        fact_row(m.arch == Arch::i386 ? "PAGE_OFFSET" : "direct map", "0x%" PRIx64, m.page_offset());
        fact_row("slab allocator", "%s", allocator_name(m.allocator));
        if (!m.cmdline.empty()) fact_row("cmdline", "%s", m.cmdline.c_str());
        fact_row("free", "%" PRIu64 " pages + %" PRIu64 " on per-CPU lists", nr_free_pages(k),
                 nr_free_pcp_pages(k));
        fact_row("console on", "CPU%u (click a CPU above, or taskset -cp N $$)", k.current_cpu);
        fact_row("tainted", "0x%x", k.tainted);
        ImGui::EndTable();
    }
}

} // namespace klab::ui
