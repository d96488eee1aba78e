// The physical memory map: one cell per page frame, coloured by owner (PageMap keeps the
// picture in textures), zone boundaries marked, zoomable from the whole machine (the overview
// texture, 16 frames per texel) down to single frames; hovering a cell shows its struct page.
#include <imgui.h>
#include <imgui_internal.h> // ImRect

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "mm/page_alloc.h"
#include "page_map.h"
#include "platform/wheel.h"
#include "views/views.h"

namespace klab::ui {

namespace {

uint32_t pow2_floor(double v) {
    uint32_t p = 1;
    while (p * 2 <= v && p < (1u << 16)) p *= 2;
    return p;
}

void struct_page_tooltip(const Kernel& k, pfn_t pfn) {
    const page& pg = k.mm.mem_map[pfn];
    PageOwner owner = page_owner_at(k, pfn);
    const zone& z = k.mm.zone_of(pfn);
    ImGui::BeginTooltip();
    ImGui::Text("pfn 0x%" PRIx32 " (%" PRIu32 ")  phys 0x%" PRIx64, pfn, pfn,
                static_cast<uint64_t>(pfn) << 12);
    ImGui::Text("struct page at 0x%" PRIx64, page_struct_address(k, pfn));
    ImGui::Separator();
    ImGui::Text("zone      %s", zone_kind_name(z.kind));
    ImGui::Text("owner     %s", page_owner_name(owner));
    if (pg.owner != PageOwner::none && pg.owner != PageOwner::hole &&
        pg.owner != PageOwner::reserved)
        ImGui::Text("order     %u (%u pages)", pg.order, 1u << pg.order);
    std::string flags;
    if (pg.flags & PG_reserved) flags += "reserved|";
    if (pg.flags & PG_head) flags += "head|";
    if (pg.flags & PG_tail) flags += "tail|";
    if (pg.flags & PG_slab) flags += "slab|";
    if (pg.flags & PG_lru) flags += "lru|";
    if (pg.flags & PG_dirty) flags += "dirty|";
    if (!flags.empty()) flags.pop_back();
    ImGui::Text("flags     0x%x(%s)", pg.flags, flags.c_str());
    ImGui::Text("refcount  %d   mapcount %d", pg._refcount, pg._mapcount);
    ImGui::Text("migratetype %s (pageblock: %s)", migratetype_name(pg.migratetype),
                migratetype_name(k.mm.pageblock_mt[pfn >> k.mm.pageblock_order]));
    if (owner == PageOwner::reserved)
        for (const BootReservation& r : k.mm.reservations)
            if (pfn >= r.start && pfn < r.start + r.nr_pages) ImGui::Text("reserved for %s", r.what);
    ImGui::EndTooltip();
}

void legend(const PageMap& map, WidgetRegistry& widgets) {
    const auto& counts = map.class_counts();
    float sq = ImGui::GetFontSize() * 0.8f;
    bool first = true;
    for (uint32_t c = 0; c < static_cast<uint32_t>(CellClass::count); ++c) {
        auto cls = static_cast<CellClass>(c);
        if (counts[c] == 0 && cls != CellClass::free && cls != CellClass::alloc) continue;
        // An entry goes on the next line unless all of it fits: a count cut at the panel's
        // edge reads as another number ("free (buddy) 15403" for 1540352).
        char text[96];
        std::snprintf(text, sizeof text, "%s %" PRIu64, cell_class_name(cls), counts[c]);
        float entry_w = sq + 3 + ImGui::CalcTextSize(text).x;
        if (!first) {
            ImGui::SameLine();
            if (ImGui::GetContentRegionAvail().x < entry_w) ImGui::NewLine();
        }
        first = false;
        ImVec2 p = ImGui::GetCursorScreenPos();
        float dy = (ImGui::GetTextLineHeight() - sq) / 2;
        ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(p.x, p.y + dy), ImVec2(p.x + sq, p.y + dy + sq),
                                                  cell_class_colour(cls, 10));
        ImGui::Dummy(ImVec2(sq, sq));
        ImGui::SameLine(0, 3);
        ImGui::TextUnformatted(text);
        widgets.track_last_item(std::string("pagemap/legend/") + cell_class_name(cls));
    }
}

} // namespace

void draw_page_map(ViewContext& c, PageMap& map) {
    const Kernel& k = c.session.kernel();
    static_assert(PageMap::kRowPages == 1024);
    // Zoom is the cell size in device pixels; 0 means "fit the machine in the panel".
    ImGuiStorage* st = ImGui::GetStateStorage();
    // Both keys exist before either reference is taken: a new key can move the others.
    st->GetIntRef(ImGui::GetID("show_recent"), 0);
    float& zoom = *st->GetFloatRef(ImGui::GetID("zoom"), 0.0f);
    // Frames left to scroll the last change into view: the zoomed map's size is known to ImGui
    // only a frame after it is drawn, so the scroll is repeated.
    int& show_recent = *st->GetIntRef(ImGui::GetID("show_recent"), 0);

    if (ImGui::SmallButton("Fit")) zoom = 0;
    c.widgets.track_last_item("pagemap/fit");
    ImGui::SameLine();
    if (ImGui::SmallButton("-")) zoom = std::max(zoom > 0 ? zoom / 2 : 0.5f, 1.0f / 16);
    ImGui::SameLine();
    if (ImGui::SmallButton("+")) zoom = std::min(zoom > 0 ? zoom * 2 : 2.0f, 32.0f);
    c.widgets.track_last_item("pagemap/zoom_in");
    // What the last command allocated or freed can be a single frame among 1.5 million at Fit:
    // this zooms to where it is and scrolls it into view.
    if (!map.recent().empty()) {
        ImGui::SameLine();
        if (ImGui::SmallButton("show last change")) {
            zoom = std::max(zoom, 8.0f * c.scale);
            show_recent = 3;
        }
        c.widgets.track_last_item("pagemap/show_recent");
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("Zoom to the frames the last command allocated or freed (outlined in yellow)");
    }
    ImGui::SameLine();
    ImGui::TextDisabled("%" PRIu64 " frames · Ctrl+wheel zooms", map.nr_pages());
    legend(map, c.widgets);
    PageHighlight& hl = map.highlight();
    if (!hl.ranges.empty()) {
        ImGui::TextColored(ImVec4(1, 1, 1, 1), "▣ %s", hl.label.c_str());
        ImGui::SameLine();
        if (ImGui::SmallButton("clear")) hl = PageHighlight{};
        c.widgets.track_last_item("pagemap/clear_highlight");
    }

    ImVec2 avail = ImGui::GetContentRegionAvail();
    avail.x = std::max(avail.x - ImGui::GetStyle().ScrollbarSize, 32.0f);
    avail.y = std::max(avail.y, 32.0f);
    double n = static_cast<double>(std::max<uint64_t>(map.nr_pages(), 1));
    // Frames per displayed row: a power of two up to 512 or a multiple of 512, so a row is
    // whole segments of texture rows (seg = gcd(per_row, 1024) frames) and the whole machine
    // takes at most 2 quads per 1024 frames (ImGui's 16-bit indices allow 16k quads a window).
    float cell = zoom;
    uint32_t per_row = 16;
    if (zoom <= 0) { // fit: the largest cells that show the whole machine in the panel
        cell = 0;
        for (uint32_t pr = 16; pr <= (1u << 14); pr = pr < 512 ? pr * 2 : pr + 512) {
            double rows = std::ceil(n / pr);
            float c2 = std::min(avail.x / static_cast<float>(pr), avail.y / static_cast<float>(rows));
            if (c2 > cell) cell = c2, per_row = pr;
        }
    } else {
        per_row = std::clamp(pow2_floor(avail.x / cell), 16u, 1u << 14);
    }
    uint64_t disp_rows = (map.nr_pages() + per_row - 1) / per_row;

    ImGui::BeginChild("map", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
    ImVec2 origin = ImGui::GetCursorScreenPos();
    ImVec2 size(per_row * cell, static_cast<float>(disp_rows) * cell);
    ImGui::InvisibleButton("cells", ImVec2(std::max(size.x, 1.0f), std::max(size.y, 1.0f)));
    c.widgets.track_last_item("pagemap/cells");
    ImDrawList* dl = ImGui::GetWindowDrawList();
    ImVec2 clip_min = ImGui::GetWindowPos(), clip_max(clip_min.x + ImGui::GetWindowWidth(),
                                                      clip_min.y + ImGui::GetWindowHeight());
    const auto& tex = cell < 0.75f ? map.overview_textures() : map.textures();
    if (!tex.empty()) {
        uint64_t r0 = static_cast<uint64_t>(std::max(0.0f, (clip_min.y - origin.y) / cell));
        uint64_t r1 = std::min<uint64_t>(disp_rows, static_cast<uint64_t>((clip_max.y - origin.y) / cell) + 1);
        uint32_t seg = std::gcd(per_row, PageMap::kRowPages);
        for (uint64_t dr = r0; dr < r1; ++dr) {
            for (uint64_t s = dr * per_row; s < (dr + 1) * per_row && s < map.nr_pages(); s += seg) {
                uint64_t trow = s / PageMap::kRowPages;
                uint32_t chunk = static_cast<uint32_t>(trow / PageMap::kChunkRows);
                if (chunk >= tex.size()) break;
                uint32_t rows_in_chunk = std::min<uint32_t>(
                    PageMap::kChunkRows, map.nr_rows() - chunk * PageMap::kChunkRows);
                float v0 = static_cast<float>(trow % PageMap::kChunkRows) / rows_in_chunk;
                float v1 = v0 + 1.0f / rows_in_chunk;
                float u0 = static_cast<float>(s % PageMap::kRowPages) / PageMap::kRowPages;
                float u1 = u0 + static_cast<float>(seg) / PageMap::kRowPages;
                float x = origin.x + static_cast<float>(s - dr * per_row) * cell;
                float y = origin.y + static_cast<float>(dr) * cell;
                dl->AddImage(tex[chunk], ImVec2(x, y), ImVec2(x + seg * cell, y + cell),
                             ImVec2(u0, v0), ImVec2(u1, v1));
            }
        }
    } else {
        dl->AddText(origin, IM_COL32(200, 200, 200, 255), "(no texture backend)");
    }
    // Cell grid lines when frames are big enough to tell apart.
    if (cell >= 6) {
        for (uint32_t i = 0; i <= per_row; ++i)
            dl->AddLine(ImVec2(origin.x + i * cell, std::max(origin.y, clip_min.y)),
                        ImVec2(origin.x + i * cell, std::min(origin.y + size.y, clip_max.y)),
                        IM_COL32(0, 0, 0, 90));
    }
    // Zone boundaries: a white bar at the zone's first frame and its name. At Fit two zones can
    // start a few pixels apart (i386's DMA and Normal): a name that would cover the one before
    // goes below it.
    std::vector<ImRect> labels;
    for (const zone& z : k.mm.zones) {
        if (!z.populated()) continue;
        uint64_t p = z.zone_start_pfn;
        float x = origin.x + static_cast<float>(p % per_row) * cell;
        float y = origin.y + static_cast<float>(p / per_row) * cell;
        float h = std::max(cell, ImGui::GetFontSize() * 0.6f);
        dl->AddLine(ImVec2(x, y), ImVec2(x, y + h), IM_COL32(255, 255, 255, 230), 2.0f);
        dl->AddLine(ImVec2(x, y), ImVec2(x + std::max(cell, 12.0f), y), IM_COL32(255, 255, 255, 230), 2.0f);
        const char* name = zone_kind_name(z.kind);
        ImVec2 ts = ImGui::CalcTextSize(name);
        ImRect r(ImVec2(x + 3, y + 1), ImVec2(x + 3 + ts.x, y + 1 + ts.y));
        for (bool moved = true; moved;) {
            moved = false;
            for (const ImRect& o : labels)
                if (o.Overlaps(r)) r.TranslateY(o.Max.y + 1 - r.Min.y), moved = true;
        }
        labels.push_back(r);
        dl->AddRectFilled(r.Min, r.Max, IM_COL32(0, 0, 0, 140));
        dl->AddText(r.Min, IM_COL32(255, 255, 255, 255), name);
        c.widgets.track_rect(std::string("pagemap/zone_label/") + name, Rect{r.Min.x, r.Min.y, r.GetWidth(), r.GetHeight()});
    }
    // Outlines frame ranges, at least `min` pixels each so they show when zoomed out.
    // Returns the rectangle around everything it drew.
    auto outline = [&](const std::vector<std::pair<pfn_t, uint32_t>>& ranges, float min, ImU32 colour) {
        ImRect all(FLT_MAX, FLT_MAX, -FLT_MAX, -FLT_MAX);
        uint32_t drawn = 0;
        for (const auto& [first, count] : ranges) {
            for (uint64_t p = first; p < uint64_t(first) + count && drawn < 4096;) {
                uint64_t row = p / per_row;
                uint64_t end = std::min<uint64_t>(uint64_t(first) + count, (row + 1) * per_row);
                float x0 = origin.x + static_cast<float>(p % per_row) * cell;
                float x1 = origin.x + static_cast<float>((end - 1) % per_row + 1) * cell;
                float y0 = origin.y + static_cast<float>(row) * cell;
                float y1 = y0 + cell;
                if (x1 - x0 < min) x0 -= (min - (x1 - x0)) / 2, x1 = x0 + min;
                if (y1 - y0 < min) y0 -= (min - (y1 - y0)) / 2, y1 = y0 + min;
                dl->AddRect(ImVec2(x0 - 1, y0 - 1), ImVec2(x1 + 1, y1 + 1), colour, 0, 0, 2.0f);
                all.Add(ImRect(x0 - 1, y0 - 1, x1 + 1, y1 + 1));
                p = end;
                ++drawn;
            }
        }
        return all;
    };
    // What the last command allocated or freed: a bright yellow mark for two seconds, then a
    // steady one until the next change, so it can still be found (and "show last change").
    if (!map.recent().empty()) {
        double age = map.recent_age(c.changes.time);
        auto alpha = age >= 0 && age < 2.0 ? static_cast<int>(160 + 95 * (1.0 - age / 2.0)) : 160;
        ImRect r = outline(map.recent(), 7.0f, IM_COL32(240, 228, 66, alpha));
        c.widgets.track_last_item("pagemap/recent");
        c.widgets.track_rect("pagemap/recent_mark", Rect{r.Min.x, r.Min.y, r.GetWidth(), r.GetHeight()});
        if (show_recent > 0) {
            pfn_t first = map.recent().front().first;
            float y = static_cast<float>(first / per_row) * cell;
            float x = static_cast<float>(first % per_row) * cell;
            ImGui::SetScrollY(std::max(0.0f, y - ImGui::GetWindowHeight() / 2));
            ImGui::SetScrollX(std::max(0.0f, x - ImGui::GetWindowWidth() / 2));
            --show_recent;
        }
    }
    // Frames another view pointed out: outlined, and scrolled into view once.
    if (!hl.ranges.empty()) {
        outline(hl.ranges, 4.0f, IM_COL32(255, 255, 255, 255));
        if (hl.scroll) {
            float y = static_cast<float>(hl.ranges.front().first / per_row) * cell;
            ImGui::SetScrollY(std::max(0.0f, y - ImGui::GetWindowHeight() / 2));
            hl.scroll = false;
        }
    }
    if (ImGui::IsItemHovered()) {
        ImVec2 m = ImGui::GetIO().MousePos;
        ImGuiIO& io = ImGui::GetIO();
        // A notch doubles or halves the cells; a trackpad's small deltas zoom in proportion.
        if (io.KeyCtrl && io.MouseWheel != 0)
            zoom = std::clamp(cell * std::exp2(io.MouseWheel / kWheelUnitsPerNotch), 1.0f / 16, 32.0f);
        auto col = static_cast<uint64_t>((m.x - origin.x) / cell);
        auto row = static_cast<uint64_t>((m.y - origin.y) / cell);
        uint64_t pfn = row * per_row + std::min<uint64_t>(col, per_row - 1);
        if (pfn < k.mm.max_pfn) {
            struct_page_tooltip(k, static_cast<pfn_t>(pfn));
            float x = origin.x + static_cast<float>(pfn % per_row) * cell;
            float y = origin.y + static_cast<float>(pfn / per_row) * cell;
            float s = std::max(cell, 3.0f);
            dl->AddRect(ImVec2(x - 1, y - 1), ImVec2(x + s + 1, y + s + 1), IM_COL32(255, 255, 255, 255));
        }
    }
    ImGui::EndChild();
}

} // namespace klab::ui
