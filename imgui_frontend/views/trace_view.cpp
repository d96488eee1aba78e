// The causal trace: the trace ring's events grouped by the command that caused them (newest
// first), each group a tree built from the events' parent ids (mm_page_alloc above the
// mm_page_alloc_zone_locked / extfrag events its slow path emitted), every event explained in
// plain words next to the Linux function whose tracepoint it models. Both come from the
// event's definition (engine/trace/events/*.h, through trace_event_def()).
#include <imgui.h>

#include <algorithm>
#include <cinttypes>
#include <cstdint>
#include <map>
#include <string>

#include "printk/plain_words.h"
#include "views/view_state.h"
#include "views/views.h"

namespace klab::ui {

namespace {

void rebuild_groups(const Session& session, TraceViewState& s) {
    const Tracer& t = session.kernel().trace;
    s.groups.clear();
    std::map<uint32_t, size_t> index; // cmd_id -> group
    s.scan_cut = t.size() > TraceViewState::kMaxScan;
    uint64_t stop = s.scan_cut ? t.size() - TraceViewState::kMaxScan : 0;
    size_t cur = SIZE_MAX; // a command's events are contiguous: look the group up only on a change
    uint32_t cur_cmd = 0;
    for (uint64_t i = t.size(); i-- > stop;) {
        const TraceEvent& e = t.at(i);
        if (cur != SIZE_MAX && e.cmd_id == cur_cmd) {
            TraceViewState::Group& g = s.groups[cur];
            ++g.total;
            ++g.per_type[static_cast<size_t>(e.type)];
            if (g.events.size() < TraceViewState::kMaxEventsPerCommand) g.events.push_back(e);
            continue;
        }
        auto it = index.find(e.cmd_id);
        if (it == index.end()) {
            if (s.groups.size() >= TraceViewState::kMaxCommands) {
                s.scan_cut = false; // every listed group is complete
                break;
            }
            it = index.emplace(e.cmd_id, s.groups.size()).first;
            s.groups.push_back({});
            s.groups.back().cmd_id = e.cmd_id;
        }
        cur = it->second;
        cur_cmd = e.cmd_id;
        TraceViewState::Group& g = s.groups[it->second];
        ++g.total;
        ++g.per_type[static_cast<size_t>(e.type)];
        if (g.events.size() < TraceViewState::kMaxEventsPerCommand) g.events.push_back(e);
    }
    for (auto& g : s.groups) std::reverse(g.events.begin(), g.events.end());
    s.built_written = t.written;
    s.built_generation = session.generation();
}

void draw_event_tree(const TraceViewState::Group& g, size_t idx,
                     const std::multimap<uint64_t, size_t>& children, const TraceFormat& f,
                     bool raw, int depth) {
    const TraceEvent& e = g.events[idx];
    auto range = children.equal_range(e.id);
    bool leaf = range.first == range.second || depth > 12;
    ImGuiTreeNodeFlags fl = ImGuiTreeNodeFlags_SpanAvailWidth | ImGuiTreeNodeFlags_DefaultOpen;
    if (leaf) fl |= ImGuiTreeNodeFlags_Leaf | ImGuiTreeNodeFlags_NoTreePushOnOpen;
    const TraceEventDef& def = trace_event_def(e.type);
    std::string label = def.explain(e);
    bool open = ImGui::TreeNodeEx(reinterpret_cast<void*>(static_cast<uintptr_t>(e.id)), fl, "%s",
                                  label.c_str());
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("%s\nmodels %s in Linux 6.1\n%s", def.full, def.fires_in,
                          format_trace_line(e, f).c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("%s · %s", def.full, def.fires_in);
    if (raw) {
        ImGui::Indent();
        ImGui::TextDisabled("%s", format_trace_line(e, f).c_str());
        ImGui::Unindent();
    }
    if (leaf) return;
    if (open) {
        for (auto it = range.first; it != range.second; ++it)
            draw_event_tree(g, it->second, children, f, raw, depth + 1);
        ImGui::TreePop();
    }
}

} // namespace

void draw_trace(ViewContext& c, TraceViewState& s) {
    const Session& session = c.session;
    const Tracer& t = session.kernel().trace;
    if (c.changes.rebooted || s.built_written != t.written || s.built_generation != session.generation())
        rebuild_groups(session, s);
    ImGui::Checkbox("ftrace lines", &s.show_raw);
    ImGui::SameLine();
    ImGui::TextDisabled("%" PRIu64 " events in the ring (%" PRIu64 " ever)", t.size(), t.written);
    ImGui::BeginChild("trace_tree", ImVec2(0, 0), true);
    if (s.groups.empty()) ImGui::TextDisabled("No events yet: allocate or free pages in the console.");
    TraceFormat f = session.kernel().trace_format();
    const auto& log = session.log();
    for (size_t gi = 0; gi < s.groups.size(); ++gi) {
        const TraceViewState::Group& g = s.groups[gi];
        std::string what = g.cmd_id == 0 ? std::string("boot")
                           : g.cmd_id <= log.size() ? log[g.cmd_id - 1].text
                                                     : "command " + std::to_string(g.cmd_id);
        size_t nl = what.find('\n');
        if (nl != std::string::npos) what = what.substr(0, nl) + " …";
        if (what.size() > 60) what = what.substr(0, 57) + "...";
        ImGui::PushID(static_cast<int>(g.cmd_id));
        ImGuiTreeNodeFlags fl = gi == 0 ? ImGuiTreeNodeFlags_DefaultOpen : 0;
        bool failed = g.cmd_id > 0 && g.cmd_id <= log.size() && log[g.cmd_id - 1].error;
        bool open = ImGui::TreeNodeEx("cmd", fl, "#%u  %s   (%" PRIu64 " events)", g.cmd_id,
                                      what.c_str(), g.total);
        if (gi == 0) c.widgets.track_last_item("trace/newest");
        if (failed) {
            // The events are what ran before the kernel stopped the command (a BUG, an oops):
            // the last of them did not finish as its explanation says.
            ImGui::SameLine();
            ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.40f, 1), "failed: see the kernel log");
            if (gi == 0) c.widgets.track_last_item("trace/newest/failed");
        }
        // A report during the command: the lab's plain sentence for it (printk/plain_words.h).
        if (g.cmd_id > 0 && g.cmd_id <= log.size())
            if (PlainReport r = first_plain_report(log[g.cmd_id - 1].output); !r.plain.empty()) {
                ImGui::PushTextWrapPos(0);
                ImGui::TextColored(ImVec4(0.85f, 0.80f, 0.55f, 1), "%s: %.*s", r.head.c_str(),
                                   static_cast<int>(r.plain.size()), r.plain.data());
                ImGui::PopTextWrapPos();
                if (gi == 0) c.widgets.track_last_item("trace/newest/plain");
            }
        if (open) {
            std::map<uint64_t, size_t> by_id;
            for (size_t i = 0; i < g.events.size(); ++i) by_id[g.events[i].id] = i;
            std::multimap<uint64_t, size_t> children;
            std::vector<size_t> roots;
            for (size_t i = 0; i < g.events.size(); ++i) {
                const TraceEvent& e = g.events[i];
                if (e.parent != 0 && by_id.count(e.parent))
                    children.emplace(e.parent, i);
                else
                    roots.push_back(i);
            }
            // Roots in the order the operations started (ids are taken at the start).
            std::stable_sort(roots.begin(), roots.end(), [&](size_t a, size_t b) {
                return g.events[a].id < g.events[b].id;
            });
            for (size_t r : roots) draw_event_tree(g, r, children, f, s.show_raw, 0);
            if (gi + 1 == s.groups.size() && s.scan_cut)
                ImGui::TextDisabled("… older events of the ring not scanned");
            if (g.total > g.events.size())
                ImGui::TextDisabled("… %" PRIu64 " earlier events of this command not listed",
                                    g.total - g.events.size());
            ImGui::TreePop();
        }
        ImGui::PopID();
    }
    ImGui::EndChild();
}

} // namespace klab::ui
