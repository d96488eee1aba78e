// The kernel log: dmesg lines with their level coloured (emerg..debug), a text filter, a level
// filter and follow mode (stay at the newest line while the student does not scroll up). Oops
// and BUG reports are recognised by their first line and drawn in the error colour.
#include <imgui.h>

#include <cstring>

#include "printk/printk.h"
#include "views/view_state.h"
#include "views/views.h"

namespace klab::ui {

namespace {

const char* kLevelNames[8] = {"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"};

ImVec4 level_colour(uint8_t level) {
    switch (level) {
    case 0:
    case 1:
    case 2: return ImVec4(1.0f, 0.35f, 0.45f, 1);   // emerg/alert/crit
    case 3: return ImVec4(1.0f, 0.50f, 0.40f, 1);   // err
    case 4: return ImVec4(0.95f, 0.80f, 0.35f, 1);  // warning
    case 5: return ImVec4(0.55f, 0.80f, 1.0f, 1);   // notice
    case 7: return ImVec4(0.60f, 0.62f, 0.66f, 1);  // debug
    default: return ImGui::GetStyleColorVec4(ImGuiCol_Text);
    }
}

// Lines of a report (BUG:, Oops, WARNING:, Call Trace) are drawn as errors whatever their level.
bool is_report_line(const std::string& t) {
    return t.rfind("BUG:", 0) == 0 || t.rfind("Oops", 0) == 0 || t.rfind("WARNING:", 0) == 0 ||
           t.rfind("general protection fault", 0) == 0 || t.rfind("Kernel panic", 0) == 0 ||
           t.rfind("watchdog: BUG", 0) == 0;
}

bool contains_ci(const std::string& hay, const char* needle) {
    if (!*needle) return true;
    size_t n = std::strlen(needle);
    for (size_t i = 0; i + n <= hay.size(); ++i) {
        size_t j = 0;
        while (j < n && std::tolower(static_cast<unsigned char>(hay[i + j])) ==
                            std::tolower(static_cast<unsigned char>(needle[j])))
            ++j;
        if (j == n) return true;
    }
    return false;
}

} // namespace

void draw_kernel_log(ViewContext& c, LogViewState& s) {
    const KernelLog& log = c.session.kernel().log;
    ImGui::Checkbox("Follow", &s.follow);
    c.widgets.track_last_item("log/follow");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
    ImGui::InputTextWithHint("##filter", "filter", s.filter, sizeof s.filter);
    c.widgets.track_last_item("log/filter");
    ImGui::SameLine();
    if (ImGui::BeginCombo("##levels", "levels", ImGuiComboFlags_NoPreview)) {
        for (int i = 0; i < 8; ++i) ImGui::Checkbox(kLevelNames[i], &s.show_level[i]);
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    ImGui::TextDisabled("%zu records", log.records.size());

    ImGui::PushFont(c.fonts.mono);
    ImGui::BeginChild("dmesg", ImVec2(0, 0), true, ImGuiWindowFlags_HorizontalScrollbar);
    bool at_bottom = ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 2;
    // Filtered indices; the log holds at most KernelLog::kLogCapacity records.
    std::vector<uint32_t>& shown = s.shown;
    shown.clear();
    bool report = false;
    for (uint32_t i = 0; i < log.records.size(); ++i) {
        const LogRecord& r = log.records[i];
        auto lv = static_cast<uint8_t>(r.level);
        if (lv < 8 && !s.show_level[lv]) continue;
        if (s.filter[0] && !contains_ci(r.text, s.filter)) continue;
        shown.push_back(i);
    }
    ImGuiListClipper clip;
    clip.Begin(static_cast<int>(shown.size()));
    while (clip.Step())
        for (int i = clip.DisplayStart; i < clip.DisplayEnd; ++i) {
            const LogRecord& r = log.records[shown[static_cast<size_t>(i)]];
            auto lv = static_cast<uint8_t>(r.level);
            report = is_report_line(r.text);
            std::string prefix = format_log_prefix(r.ts_ns);
            ImGui::TextDisabled("%s", prefix.c_str());
            ImGui::SameLine(0, 0);
            ImGui::PushStyleColor(ImGuiCol_Text, report ? level_colour(0) : level_colour(lv));
            ImGui::TextUnformatted(r.text.c_str(), r.text.c_str() + r.text.size());
            ImGui::PopStyleColor();
        }
    if (s.follow && (at_bottom || log.next_seq != s.seen_seq)) ImGui::SetScrollHereY(1.0f);
    if (ImGui::GetIO().MouseWheel > 0 && ImGui::IsWindowHovered()) s.follow = false;
    s.seen_seq = log.next_seq;
    ImGui::EndChild();
    ImGui::PopFont();
}

} // namespace klab::ui
