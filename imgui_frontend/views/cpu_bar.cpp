// The CPU / context bar: for each CPU its context (task, softirq, hardirq, NMI) from the
// preempt_count fields of include/linux/preempt.h, the count itself, whether interrupts are
// off, and which CPU the console's commands run on (the ▶ marker; Kernel::current_cpu).
// Clicking another CPU moves the console there by submitting `taskset -cp N $$` (the console's
// shell word, so the move is in the command log and replays).
#include <imgui.h>

#include <cstdio>
#include <string>

#include "sched/context.h"
#include "views/views.h"

namespace klab::ui {

namespace {

const char* context_name(uint32_t pc) {
    if (in_nmi(pc)) return "NMI";
    if (in_hardirq(pc)) return "hardirq";
    if (in_serving_softirq(pc)) return "softirq";
    return "task";
}

} // namespace

std::string cpu_state_words(uint32_t pc, bool irqs_disabled) {
    char head[40];
    std::snprintf(head, sizeof head, "preempt_count is 0x%x: ", pc);
    std::string w = head;
    if (pc == 0)
        w += "0 means this CPU runs a task that may be preempted and may sleep (GFP_KERNEL is fine).";
    else if (in_interrupt(pc))
        w += "the CPU is in interrupt context: nothing here may sleep (only GFP_ATOMIC).";
    else
        w += "preemption is disabled (a spinlock, get_cpu_var, preempt_disable): atomic context, "
             "nothing may sleep.";
    w += irqs_disabled ? "\nirqs off: local interrupts are disabled (local_irq_disable, spin_lock_irqsave)."
                       : "\nirqs on: local interrupts are enabled.";
    return w;
}

void draw_cpu_bar(ViewContext& c) {
    const Kernel& k = c.session.kernel();
    for (size_t cpu = 0; cpu < k.cpus.size(); ++cpu) {
        const CpuContext& ctx = k.cpus[cpu];
        uint32_t pc = ctx.preempt_count;
        if (cpu > 0) ImGui::SameLine(0, ImGui::GetFontSize());
        if (cpu >= 8 && k.cpus.size() > 9) {
            ImGui::TextDisabled("+%zu CPUs", k.cpus.size() - cpu);
            break;
        }
        bool current = cpu == k.current_cpu;
        ImVec4 col = in_interrupt(pc) ? ImVec4(0.95f, 0.62f, 0.25f, 1)
                     : pc != 0        ? ImVec4(0.95f, 0.85f, 0.40f, 1)
                                      : ImVec4(0.55f, 0.85f, 0.70f, 1);
        ImGui::TextColored(col, "%sCPU%zu %s", current ? "▶" : " ", cpu, context_name(pc));
        std::string move = "taskset -cp " + std::to_string(cpu) + " $$";
        if (ImGui::IsItemHovered()) {
            ImGui::SetMouseCursor(current ? ImGuiMouseCursor_Arrow : ImGuiMouseCursor_Hand);
            ImGui::SetTooltip("preempt_count 0x%08x\n  preempt %u  softirq %u  hardirq %u  nmi %u\n"
                              "irqs %s\ncurrent: %s (pid %d)\n%s%s",
                              pc, pc & PREEMPT_MASK, (pc & SOFTIRQ_MASK) >> SOFTIRQ_SHIFT,
                              (pc & HARDIRQ_MASK) >> HARDIRQ_SHIFT, (pc & NMI_MASK) >> NMI_SHIFT,
                              ctx.irqs_disabled ? "disabled" : "enabled", cpu_curr(k, uint32_t(cpu)).comm.c_str(), cpu_curr(k, uint32_t(cpu)).pid,
                              current ? "the console's commands run on this CPU" : "click: run ",
                              current ? "" : move.c_str());
        }
        if (!current && ImGui::IsItemClicked()) c.requests.submit.push_back(move);
        c.widgets.track_last_item("cpu/" + std::to_string(cpu));
        ImGui::SameLine();
        ImGui::TextDisabled("preempt_count %x · irqs %s", pc, ctx.irqs_disabled ? "off" : "on");
        c.widgets.track_last_item("cpu/" + std::to_string(cpu) + "/state");
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("%s", cpu_state_words(pc, ctx.irqs_disabled).c_str());
    }
}

} // namespace klab::ui
