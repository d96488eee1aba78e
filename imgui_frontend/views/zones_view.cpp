// Zones: one panel per populated zone (struct zone): free pages against the min/low/high
// watermarks, free blocks per order (as /proc/buddyinfo, optionally per migratetype as
// /proc/pagetypeinfo), the per-CPU page lists (count/high/batch per CPU) and the
// managed/present/spanned sizes. Numbers that change flash for a second, and a change of the
// free lists between frames is described as a split or merge chain when it has that shape.
#include <imgui.h>

#include <cinttypes>
#include <string>

#include "mm/mmzone.h"
#include "mm/page_alloc.h"
#include "views/view_state.h"
#include "views/views.h"

namespace klab::ui {

namespace {

constexpr double kFlashSeconds = 1.2;

// Colour-blind-safe (Okabe-Ito) tones for the watermark marks.
const ImU32 kMinColour = IM_COL32(213, 94, 0, 255);    // vermillion
const ImU32 kLowColour = IM_COL32(230, 159, 0, 255);   // orange
const ImU32 kHighColour = IM_COL32(240, 228, 66, 255); // yellow
const ImU32 kFreeColour = IM_COL32(86, 180, 233, 255); // sky blue

ImVec4 flash_colour(double changed_at, double now) {
    double age = now - changed_at;
    ImVec4 base = ImGui::GetStyleColorVec4(ImGuiCol_Text);
    if (age < 0 || age > kFlashSeconds) return base;
    float t = static_cast<float>(age / kFlashSeconds);
    ImVec4 hot(1.0f, 0.85f, 0.25f, 1.0f);
    return ImVec4(hot.x + (base.x - hot.x) * t, hot.y + (base.y - hot.y) * t,
                  hot.z + (base.z - hot.z) * t, 1.0f);
}

// Describes how the free lists moved between two frames when it is one split or one merge:
// a split of order h serving order l takes one block of order h and leaves one more block
// of each order l..h-1; a merge does the reverse.
std::string describe_change(const std::array<uint32_t, MAX_ORDER>& before,
                            const std::array<uint32_t, MAX_ORDER>& after) {
    int delta[MAX_ORDER];
    int lo = -1, hi = -1;
    for (uint32_t o = 0; o < MAX_ORDER; ++o) {
        delta[o] = static_cast<int>(after[o]) - static_cast<int>(before[o]);
        if (delta[o] != 0) {
            if (lo < 0) lo = static_cast<int>(o);
            hi = static_cast<int>(o);
        }
    }
    if (lo < 0) return {};
    auto chain = [&](int top, int bottom) {
        std::string s = "order " + std::to_string(top) + " → ";
        for (int o = top - 1; o >= bottom; --o) s += std::to_string(o) + (o > bottom ? " + " : "");
        return s;
    };
    bool split = delta[hi] == -1, merge = delta[hi] == 1;
    for (int o = lo; o < hi; ++o) {
        split = split && delta[o] == 1;
        merge = merge && delta[o] == -1;
    }
    if (split && hi > lo) return "split " + chain(hi, lo) + " + " + std::to_string(lo) + " handed out";
    if (split && hi == lo) return "one order-" + std::to_string(lo) + " block handed out";
    if (merge && hi > lo) return "merge: freed order " + std::to_string(lo) + " joined its buddies up to order " + std::to_string(hi);
    if (merge && hi == lo) return "one order-" + std::to_string(lo) + " block freed";
    std::string s = "free blocks changed:";
    for (int o = lo; o <= hi; ++o)
        if (delta[o]) s += " o" + std::to_string(o) + (delta[o] > 0 ? "+" : "") + std::to_string(delta[o]);
    return s;
}

void watermark_bar(const zone& z, float width) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    ImVec2 p = ImGui::GetCursorScreenPos();
    float h = ImGui::GetFontSize() * 0.9f;
    // The scale reaches a little past the high mark so the marks stay readable on big zones.
    double top = static_cast<double>(std::max<uint64_t>(z.high_wmark() * 4, 1));
    double free = static_cast<double>(z.nr_free_pages);
    bool clipped = free > top;
    double frac = std::min(free / top, 1.0);
    dl->AddRectFilled(p, ImVec2(p.x + width, p.y + h), IM_COL32(40, 46, 54, 255), 2);
    dl->AddRectFilled(p, ImVec2(p.x + width * static_cast<float>(frac), p.y + h), kFreeColour, 2);
    auto mark = [&](uint64_t v, ImU32 col) {
        float x = p.x + width * static_cast<float>(static_cast<double>(v) / top);
        dl->AddLine(ImVec2(x, p.y - 2), ImVec2(x, p.y + h + 2), col, 2.0f);
    };
    mark(z.min_wmark(), kMinColour);
    mark(z.low_wmark(), kLowColour);
    mark(z.high_wmark(), kHighColour);
    ImGui::Dummy(ImVec2(width, h));
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("free %" PRId64 " pages%s\nmin %" PRIu64 "  low %" PRIu64 "  high %" PRIu64
                          "\nthe bar spans 0 .. 4 × high",
                          z.nr_free_pages, clipped ? " (beyond the bar)" : "", z.min_wmark(),
                          z.low_wmark(), z.high_wmark());
}

void free_area_table(const zone& z, const ZonesState::ZoneMemo& memo, double now) {
    int cols = 1 + static_cast<int>(MAX_ORDER);
    ImGuiTableFlags tf = ImGuiTableFlags_Borders | ImGuiTableFlags_SizingFixedFit |
                         ImGuiTableFlags_NoHostExtendX;
    if (!ImGui::BeginTable("free_area", cols, tf)) return;
    ImGui::TableSetupColumn("order");
    for (uint32_t o = 0; o < MAX_ORDER; ++o) ImGui::TableSetupColumn(std::to_string(o).c_str());
    ImGui::TableHeadersRow();
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::TextUnformatted("blocks");
    for (uint32_t o = 0; o < MAX_ORDER; ++o) {
        ImGui::TableSetColumnIndex(static_cast<int>(o) + 1);
        ImGui::PushStyleColor(ImGuiCol_Text, flash_colour(memo.changed_at[o], now));
        ImGui::Text("%u", z.free_area[o].nr_free);
        ImGui::PopStyleColor();
    }
    ImGui::EndTable();
}

void pcp_table(const zone& z) {
    if (!ImGui::BeginTable("pcp", 4, ImGuiTableFlags_Borders | ImGuiTableFlags_SizingFixedFit |
                                         ImGuiTableFlags_NoHostExtendX))
        return;
    ImGui::TableSetupColumn("CPU");
    ImGui::TableSetupColumn("count");
    ImGui::TableSetupColumn("high");
    ImGui::TableSetupColumn("batch");
    ImGui::TableHeadersRow();
    for (size_t cpu = 0; cpu < z.pageset.size(); ++cpu) {
        const per_cpu_pages& p = z.pageset[cpu];
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        ImGui::Text("%zu", cpu);
        ImGui::TableSetColumnIndex(1);
        ImGui::Text("%d", p.count);
        ImGui::TableSetColumnIndex(2);
        ImGui::Text("%d", p.high);
        ImGui::TableSetColumnIndex(3);
        ImGui::Text("%d", p.batch);
        if (cpu >= 15 && z.pageset.size() > 16) {
            ImGui::TableNextRow();
            ImGui::TableSetColumnIndex(0);
            ImGui::TextDisabled("+%zu", z.pageset.size() - 16);
            break;
        }
    }
    ImGui::EndTable();
}

} // namespace

// Pages on each free list of one order and migratetype (the per-migratetype rows), by walking
// the list through struct page links as /proc/pagetypeinfo does.
static uint32_t count_free_list(const Kernel& k, const zone& z, uint32_t order, uint32_t mt) {
    uint32_t n = 0;
    for (pfn_t p = z.free_area[order].free_list[mt].head; p != NO_PFN && n < (1u << 24);
         p = k.mm.mem_map[p].lru_next)
        ++n;
    return n;
}

void draw_zones(ViewContext& c, ZonesState& s) {
    const Kernel& k = c.session.kernel();
    double now = c.changes.time;
    if (c.changes.rebooted || s.zones.size() != k.mm.zones.size()) {
        s.zones.assign(k.mm.zones.size(), {});
        for (size_t i = 0; i < k.mm.zones.size(); ++i) {
            for (uint32_t o = 0; o < MAX_ORDER; ++o) {
                s.zones[i].nr_free[o] = k.mm.zones[i].free_area[o].nr_free;
                s.zones[i].changed_at[o] = -100;
            }
            s.zones[i].nr_free_pages = k.mm.zones[i].nr_free_pages;
        }
    }
    ImGui::Checkbox("per migratetype", &s.per_migratetype);
    c.widgets.track_last_item("zones/per_mt");
    ImGui::SameLine();
    ImGui::Checkbox("per-CPU lists", &s.show_pcp);
    ImGui::SameLine();
    ImGui::TextDisabled("free %" PRIu64 " + pcp %" PRIu64 " pages", nr_free_pages(k),
                        nr_free_pcp_pages(k));

    bool scrolled = false; // the first zone whose free lists changed is brought into view
    for (size_t zi = 0; zi < k.mm.zones.size(); ++zi) {
        const zone& z = k.mm.zones[zi];
        ZonesState::ZoneMemo& memo = s.zones[zi];
        std::array<uint32_t, MAX_ORDER> now_free{};
        for (uint32_t o = 0; o < MAX_ORDER; ++o) now_free[o] = z.free_area[o].nr_free;
        bool scroll_here = false;
        if (now_free != memo.nr_free) {
            scroll_here = !scrolled;
            scrolled = true;
            memo.chain = describe_change(memo.nr_free, now_free);
            for (uint32_t o = 0; o < MAX_ORDER; ++o)
                if (now_free[o] != memo.nr_free[o]) memo.changed_at[o] = now;
            memo.nr_free = now_free;
        }
        if (z.nr_free_pages != memo.nr_free_pages) {
            memo.nr_free_pages = z.nr_free_pages;
            memo.pages_changed_at = now;
        }
        if (!z.populated()) continue;
        ImGui::PushID(static_cast<int>(zi));
        std::string title = std::string("Zone ") + zone_kind_name(z.kind);
        if (scroll_here) {
            ImGui::SetScrollHereY(0.0f);
            s.last_scrolled_zone = static_cast<int>(zi);
        }
        if (ImGui::CollapsingHeader(title.c_str(), ImGuiTreeNodeFlags_DefaultOpen)) {
            ImGui::PushStyleColor(ImGuiCol_Text, flash_colour(memo.pages_changed_at, now));
            ImGui::Text("free %" PRId64 " pages", z.nr_free_pages);
            ImGui::PopStyleColor();
            ImGui::SameLine();
            ImGui::TextDisabled("min %" PRIu64 " low %" PRIu64 " high %" PRIu64, z.min_wmark(),
                                z.low_wmark(), z.high_wmark());
            watermark_bar(z, std::max(ImGui::GetContentRegionAvail().x, 50.0f));
            c.widgets.track_last_item(std::string("zones/bar_") + zone_kind_name(z.kind));
            ImGui::TextDisabled("spanned %" PRIu64 "  present %" PRIu64 "  managed %" PRIu64
                                "  pfn %" PRIu32 "..%" PRIu64,
                                z.spanned_pages, z.present_pages, z.managed_pages,
                                z.zone_start_pfn, z.end_pfn() - 1);
            free_area_table(z, memo, now);
            if (s.per_migratetype && ImGui::BeginTable("by_mt", 1 + static_cast<int>(MAX_ORDER),
                                                       ImGuiTableFlags_Borders |
                                                           ImGuiTableFlags_SizingFixedFit |
                                                           ImGuiTableFlags_NoHostExtendX)) {
                ImGui::TableSetupColumn("type");
                for (uint32_t o = 0; o < MAX_ORDER; ++o)
                    ImGui::TableSetupColumn(std::to_string(o).c_str());
                ImGui::TableHeadersRow();
                for (uint32_t mt = 0; mt < MIGRATE_TYPES; ++mt) {
                    ImGui::TableNextRow();
                    ImGui::TableSetColumnIndex(0);
                    ImGui::TextUnformatted(migratetype_name(mt));
                    for (uint32_t o = 0; o < MAX_ORDER; ++o) {
                        ImGui::TableSetColumnIndex(static_cast<int>(o) + 1);
                        ImGui::Text("%u", count_free_list(k, z, o, mt));
                    }
                }
                ImGui::EndTable();
            }
            if (!memo.chain.empty()) {
                double newest = -100;
                for (double t : memo.changed_at) newest = std::max(newest, t);
                ImGui::PushStyleColor(ImGuiCol_Text, flash_colour(newest, now));
                ImGui::TextWrapped("last change: %s", memo.chain.c_str());
                ImGui::PopStyleColor();
            }
            if (s.show_pcp) pcp_table(z);
        }
        ImGui::PopID();
    }
}

} // namespace klab::ui
