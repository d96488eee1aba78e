// vmalloc / kmap / per-CPU: the kernel's virtual mappings that are not the direct map.
// - vmalloc areas (mm/vmalloc.c): each busy area with its caller, flags and the frames behind
//   it; the selected area is drawn as its virtual pages in a column with an arrow from each
//   page to where its frame lies in physical memory (a bar of the whole RAM, zones marked), so
//   "contiguous virtually, scattered physically" is visible; clicking points the frames out in
//   the memory map. Lazily freed ranges waiting for the purge are listed greyed.
// - kmap (mm/highmem.c, i386 only): the pkmap slots in use with their pkmap_count, and each
//   CPU's kmap_local (fixmap) slots; x86_64 has no highmem and says so.
// - per-CPU (mm/percpu.c): the first chunk's unit layout (static, module reserve, dynamic),
//   every CPU's unit address, and the variables: DEFINE_PER_CPU globals of the session's
//   modules and alloc_percpu() areas (named after the global that holds the pointer, when one
//   does), with their value on each CPU.
// All from engine/mm/vm_query.h and const reads of the session's program and memory.
#include <imgui.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstring>

#include "mm/memory.h"
#include "mm/percpu.h"
#include "mm/vm_query.h"
#include "mm/vmalloc.h"
#include "page_map.h"
#include "views/view_state.h"
#include "views/views.h"

namespace klab::ui {

namespace {

constexpr ImU32 kVirt = IM_COL32(204, 121, 167, 255); // reddish purple (vmalloc in the map)
constexpr ImU32 kArrowCol = IM_COL32(240, 228, 66, 200);

std::string vm_flags(uint32_t f) {
    std::string s;
    if (f & VM_IOREMAP) s += "ioremap ";
    if (f & VM_ALLOC) s += "vmalloc ";
    if (f & VM_MAP) s += "vmap ";
    if (f & VM_USERMAP) s += "user ";
    if (!s.empty()) s.pop_back();
    return s;
}

std::string human(uint64_t bytes) {
    char b[32];
    if (bytes >= (1ull << 20) && bytes % (1ull << 20) == 0)
        std::snprintf(b, sizeof b, "%" PRIu64 " MiB", bytes >> 20);
    else if (bytes >= 1024)
        std::snprintf(b, sizeof b, "%" PRIu64 " KiB", bytes >> 10);
    else
        std::snprintf(b, sizeof b, "%" PRIu64 " B", bytes);
    return b;
}

// The selected area: virtual pages on the left, the physical memory bar on the right, an arrow
// per page (at most 64 pages drawn; the rest are summarised).
void draw_area_mapping(ViewContext& c, const VmAreaView& a) {
    const Kernel& k = c.session.kernel();
    if (a.pages.empty()) {
        ImGui::TextDisabled(a.unpurged ? "freed; its range waits for the lazy purge (no pages)"
                                       : "no RAM pages behind it (device memory)");
        return;
    }
    constexpr size_t kMaxDrawn = 64;
    size_t n = std::min(a.pages.size(), kMaxDrawn);
    float line = ImGui::GetTextLineHeight();
    float row = n <= 24 ? line + 2 : std::max(line * 0.6f, 6.0f); // labelled when few
    float w = ImGui::GetContentRegionAvail().x;
    float h = std::max(static_cast<float>(n) * row, line * 6);
    ImVec2 p = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("mapping", ImVec2(std::max(w, 1.0f), h));
    c.widgets.track_last_item("vm/mapping");
    ImDrawList* dl = ImGui::GetWindowDrawList();
    float vx0 = p.x, vx1 = p.x + std::min(w * 0.42f, ImGui::GetFontSize() * 11);
    float bar_x0 = p.x + w * 0.78f, bar_x1 = p.x + w - 2;
    uint64_t max_pfn = std::max<uint64_t>(k.mm.max_pfn, 1);
    // The physical bar: zones as bands (a label only where it does not overlap the previous).
    float label_bottom = -1e9f;
    for (const zone& z : k.mm.zones) {
        if (!z.populated()) continue;
        float y0 = p.y + h * static_cast<float>(double(z.zone_start_pfn) / double(max_pfn));
        float y1 = p.y + h * static_cast<float>(double(z.zone_start_pfn + z.spanned_pages) / double(max_pfn));
        dl->AddRectFilled(ImVec2(bar_x0, y0), ImVec2(bar_x1, y1), IM_COL32(50, 70, 95, 255));
        dl->AddLine(ImVec2(bar_x0 - 4, y0), ImVec2(bar_x1, y0), IM_COL32(255, 255, 255, 180));
        if (y0 >= label_bottom) {
            dl->AddText(ImVec2(bar_x0 - ImGui::CalcTextSize(zone_kind_name(z.kind)).x - 6, y0),
                        IM_COL32(200, 200, 200, 255), zone_kind_name(z.kind));
            label_bottom = y0 + line;
        }
    }
    int hovered = -1;
    ImVec2 m = ImGui::GetIO().MousePos;
    for (size_t i = 0; i < n; ++i) {
        float y = p.y + static_cast<float>(i) * row;
        ImVec2 a0(vx0, y + 1), a1(vx1, y + row - 1);
        dl->AddRectFilled(a0, a1, kVirt, 2.0f);
        char label[64];
        std::snprintf(label, sizeof label, "0x%" PRIx64, a.addr + i * 4096);
        if (line <= row) dl->AddText(ImVec2(vx0 + 3, y + (row - line) / 2), IM_COL32(20, 20, 20, 255), label);
        float py = p.y + h * static_cast<float>((double(a.pages[i]) + 0.5) / double(max_pfn));
        dl->AddLine(ImVec2(vx1, y + row / 2), ImVec2(bar_x0, py), kArrowCol, 1.2f);
        dl->AddRectFilled(ImVec2(bar_x0, py - 1.5f), ImVec2(bar_x1, py + 1.5f), kVirt);
        if (m.y >= y && m.y < y + row && m.x >= vx0 && m.x < bar_x1) hovered = static_cast<int>(i);
    }
    if (hovered >= 0 && ImGui::IsItemHovered())
        ImGui::SetTooltip("virtual 0x%" PRIx64 " -> pfn 0x%" PRIx32 " (physical 0x%" PRIx64 ")",
                          a.addr + uint64_t(hovered) * 4096, a.pages[size_t(hovered)],
                          uint64_t(a.pages[size_t(hovered)]) << 12);
    if (a.pages.size() > n)
        ImGui::TextDisabled("… and %zu more pages", a.pages.size() - n);
}

void draw_vmalloc(ViewContext& c, VmViewState& st) {
    const Kernel& k = c.session.kernel();
    size_t busy = 0;
    uint64_t pages = 0;
    for (const VmAreaView& a : st.areas)
        if (!a.unpurged && (st.show_stacks || !a.kernel_stack)) ++busy, pages += a.pages.size();
    ImGui::Text("%zu area%s, %" PRIu64 " page%s", busy, busy == 1 ? "" : "s", pages, pages == 1 ? "" : "s");
    ImGui::SameLine();
    ImGui::TextDisabled("VMALLOC 0x%" PRIx64 " - 0x%" PRIx64, k.vmalloc.start, k.vmalloc.end);
    ImGui::SameLine();
    ImGui::Checkbox("kernel stacks", &st.show_stacks);
    // The selected area: the one clicked, else the newest non-stack one.
    const VmAreaView* sel = nullptr;
    for (const VmAreaView& a : st.areas)
        if (a.addr == st.selected_area && !a.unpurged) sel = &a;
    float table_h = std::min(ImGui::GetTextLineHeightWithSpacing() * 7, ImGui::GetContentRegionAvail().y * 0.4f);
    if (ImGui::BeginTable("areas", 5,
                          ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerV |
                              ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_Resizable,
                          ImVec2(0, table_h))) {
        ImGui::TableSetupScrollFreeze(0, 1);
        ImGui::TableSetupColumn("address");
        ImGui::TableSetupColumn("size");
        ImGui::TableSetupColumn("pages");
        ImGui::TableSetupColumn("kind");
        ImGui::TableSetupColumn("caller", ImGuiTableColumnFlags_WidthStretch);
        ImGui::TableHeadersRow();
        for (const VmAreaView& a : st.areas) {
            if (a.kernel_stack && !st.show_stacks) continue;
            ImGui::TableNextRow();
            ImGui::TableSetColumnIndex(0);
            ImGui::PushID(static_cast<int>(a.addr >> 12));
            char label[48];
            std::snprintf(label, sizeof label, "0x%" PRIx64, a.addr);
            if (a.unpurged) ImGui::BeginDisabled();
            if (ImGui::Selectable(label, sel == &a, ImGuiSelectableFlags_SpanAllColumns) && !a.unpurged) {
                st.selected_area = a.addr;
                PageHighlight h;
                for (pfn_t p : a.pages) {
                    if (!h.ranges.empty() && h.ranges.back().first + h.ranges.back().second == p)
                        ++h.ranges.back().second;
                    else
                        h.ranges.push_back({p, 1});
                }
                h.label = "vmalloc area at " + std::string(label) + " (" + std::to_string(a.pages.size()) + " pages)";
                c.requests.highlight = std::move(h);
            }
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(human(a.size).c_str());
            ImGui::TableNextColumn();
            ImGui::Text("%zu", a.pages.size());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(a.unpurged ? "lazily freed" : a.kernel_stack ? "kernel stack" : vm_flags(a.flags).c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(a.caller.c_str());
            if (a.unpurged) ImGui::EndDisabled();
            ImGui::PopID();
        }
        ImGui::EndTable();
    }
    c.widgets.track_last_item("vm/areas");
    if (!sel)
        for (auto it = st.areas.rbegin(); it != st.areas.rend(); ++it)
            if (!it->unpurged && !it->kernel_stack) {
                // The newest by address is not the newest in time; show the highest address.
                if (!sel || it->addr > sel->addr) sel = &*it;
            }
    if (sel) {
        ImGui::Text("0x%" PRIx64 " - 0x%" PRIx64 ": %zu pages, virtually contiguous; their frames:", sel->addr,
                    sel->addr + sel->size, sel->pages.size());
        draw_area_mapping(c, *sel);
    } else {
        ImGui::TextDisabled("No vmalloc area yet: try  v = vmalloc(5 * PAGE_SIZE);");
    }
}

void draw_kmap(ViewContext& c, VmViewState& st) {
    const Kernel& k = c.session.kernel();
    if (k.highmem.pkmap_count.empty()) {
        ImGui::TextWrapped("No highmem on %s: all RAM is in the direct map, so kmap() and "
                           "kmap_local_page() just return page_address() and use no slot.",
                           arch_name(c.session.config().arch));
        return;
    }
    ImGui::Text("pkmap: %zu of %zu slots in use at PKMAP_BASE 0x%" PRIx64 " (%" PRIu64 " TLB flushes)",
                st.pkmap.size(), k.highmem.pkmap_count.size(), k.highmem.pkmap_base, k.highmem.pkmap_flushes);
    auto slots_table = [&](const char* id, const std::vector<KmapSlotView>& v, bool local) {
        if (v.empty()) {
            ImGui::TextDisabled(local ? "no kmap_local mappings" : "no pkmap slot in use");
            return;
        }
        if (ImGui::BeginTable(id, 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
            ImGui::TableSetupColumn(local ? "CPU / idx" : "slot");
            ImGui::TableSetupColumn("virtual");
            ImGui::TableSetupColumn("pfn");
            ImGui::TableSetupColumn(local ? "" : "pkmap_count");
            ImGui::TableHeadersRow();
            for (const KmapSlotView& s : v) {
                ImGui::TableNextRow();
                ImGui::TableSetColumnIndex(0);
                if (local)
                    ImGui::Text("CPU%u / %u", s.cpu, s.index);
                else
                    ImGui::Text("%u", s.index);
                ImGui::TableNextColumn();
                ImGui::Text("0x%" PRIx64, s.vaddr);
                ImGui::TableNextColumn();
                ImGui::Text("0x%" PRIx32, s.pfn);
                ImGui::TableNextColumn();
                if (!local) ImGui::Text("%d", s.count);
            }
            ImGui::EndTable();
        }
    };
    slots_table("pkmap", st.pkmap, false);
    ImGui::TextUnformatted("kmap_local (per-CPU fixmap slots, a stack per CPU):");
    slots_table("kmap_local", st.kmap_local, true);
}

// A per-CPU variable: a name, its __percpu address and a type to print it with.
struct PercpuVar {
    std::string name;
    uint64_t ptr = 0;
    uint32_t size = 0;
    bool is_signed = true;
    bool dynamic = false;
};

std::vector<PercpuVar> percpu_vars(const Session& s, const PercpuView& pv) {
    std::vector<PercpuVar> out;
    const kc::Program& prog = s.state().prog;
    const kc::TypeTable& t = prog.types;
    const Kernel& k = s.kernel();
    uint64_t pb = prog.target().percpu_base, pe = pb + prog.target().percpu_size;
    // How a value of type `ty` is shown: scalars as numbers; anything else is not read.
    auto typed = [&](PercpuVar& v, kc::TypeId ty) {
        v.size = t.is_scalar(ty) ? std::min<uint32_t>(t.width(ty), 8) : 0;
        v.is_signed = t.is_integer(ty) && t.is_signed(ty);
    };
    struct Ptr {
        uint64_t value;
        std::string name;
        kc::TypeId pointee;
    };
    std::vector<Ptr> pointers; // globals holding a pointer (an alloc_percpu() result is one)
    for (const auto& [name, g] : prog.globals) {
        if (g.addr >= pb && g.addr < pe && pb != 0) { // DEFINE_PER_CPU
            PercpuVar v;
            v.name = name;
            v.ptr = g.addr;
            typed(v, g.type);
            out.push_back(v);
        } else if (t.is_pointer(g.type) && g.addr >= prog.data_base() &&
                   g.addr - prog.data_base() + t.width(g.type) <= prog.data.size()) {
            uint64_t val = 0;
            std::memcpy(&val, prog.data.data() + (g.addr - prog.data_base()), t.width(g.type));
            pointers.push_back({val, name, t.get(g.type).base});
        }
    }
    for (const auto& [off, size] : pv.dyn_allocs) {
        PercpuVar v;
        v.ptr = k.percpu.per_cpu_start + off;
        v.size = std::min<uint32_t>(size, 4); // an int, unless a named pointer says otherwise
        v.dynamic = true;
        for (const Ptr& p : pointers)
            if (p.value == v.ptr) {
                v.name = p.name;
                typed(v, p.pointee);
            }
        if (v.name.empty()) {
            char b[48];
            std::snprintf(b, sizeof b, "(alloc_percpu, %u bytes)", size);
            v.name = b;
        }
        out.push_back(v);
    }
    return out;
}

void draw_percpu(ViewContext& c, VmViewState& st) {
    const Kernel& k = c.session.kernel();
    const PercpuView& pv = st.percpu;
    if (pv.unit_size == 0) {
        ImGui::TextDisabled("no per-CPU first chunk");
        return;
    }
    ImGui::Text("first chunk: %u units of %s (static %s, module reserve %s, dynamic %s)", pv.nr_units,
                human(pv.unit_size).c_str(), human(pv.static_size).c_str(), human(pv.reserved_size).c_str(),
                human(pv.dyn_size).c_str());
    // One unit as a bar: static | reserved | dynamic (allocations marked).
    float w = ImGui::GetContentRegionAvail().x, h = ImGui::GetTextLineHeight() * 0.8f;
    ImVec2 p = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    double scale = w / double(std::max<uint32_t>(pv.unit_size, 1));
    auto seg = [&](uint64_t from, uint64_t len, ImU32 col) {
        float x0 = p.x + float(from * scale), x1 = p.x + float((from + len) * scale);
        dl->AddRectFilled(ImVec2(x0, p.y), ImVec2(std::max(x1, x0 + 1), p.y + h), col);
    };
    seg(0, pv.unit_size, IM_COL32(32, 34, 38, 255)); // the unit's unused tail
    seg(0, pv.static_size, IM_COL32(105, 108, 114, 255));
    seg(pv.static_size, pv.reserved_size, IM_COL32(0, 114, 178, 255));
    seg(uint64_t(pv.static_size) + pv.reserved_size, pv.dyn_size, IM_COL32(40, 60, 80, 255));
    for (const auto& [off, size] : pv.dyn_allocs) seg(off, size, IM_COL32(230, 159, 0, 255));
    ImGui::Dummy(ImVec2(w, h));
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("one CPU's unit: grey static kernel data, blue modules' DEFINE_PER_CPU "
                          "reserve, dark blue the dynamic area, orange alloc_percpu() allocations; the rest of the "
                          "unit is unused");
    uint32_t ncpu = std::min<uint32_t>(static_cast<uint32_t>(k.cpus.size()), 8);
    std::vector<PercpuVar> vars = percpu_vars(c.session, pv);
    st.percpu_rows.clear();
    if (vars.empty()) {
        ImGui::TextDisabled("No per-CPU variables of your own yet: DEFINE_PER_CPU(int, x); or "
                            "p = alloc_percpu(int);");
    }
    int cols = 2 + static_cast<int>(ncpu);
    if (!vars.empty() &&
        ImGui::BeginTable("percpu", cols, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit |
                                              ImGuiTableFlags_ScrollX | ImGuiTableFlags_BordersInnerV)) {
        ImGui::TableSetupColumn("variable");
        ImGui::TableSetupColumn("__percpu");
        char hdr[16];
        for (uint32_t cpu = 0; cpu < ncpu; ++cpu) {
            std::snprintf(hdr, sizeof hdr, cpu == k.current_cpu ? "CPU%u ▶" : "CPU%u", cpu);
            ImGui::TableSetupColumn(hdr);
        }
        ImGui::TableHeadersRow();
        for (const PercpuVar& v : vars) {
            st.percpu_rows.push_back({v.name});
            ImGui::TableNextRow();
            ImGui::TableSetColumnIndex(0);
            ImGui::TextUnformatted(v.name.c_str());
            ImGui::TableNextColumn();
            ImGui::TextDisabled("0x%" PRIx64, v.ptr);
            for (uint32_t cpu = 0; cpu < ncpu; ++cpu) {
                ImGui::TableNextColumn();
                uint64_t addr = per_cpu_ptr(k, v.ptr, cpu);
                uint8_t b[8] = {};
                if (v.size == 0 || kernel_read(k, addr, b, v.size)) {
                    ImGui::TextDisabled(v.size == 0 ? "…" : "?");
                    if (ImGui::IsItemHovered())
                        ImGui::SetTooltip("CPU%u's copy at 0x%" PRIx64 " (not a number)", cpu, addr);
                    continue;
                }
                int64_t val = 0;
                uint64_t u = 0;
                std::memcpy(&u, b, v.size);
                if (v.size < 8 && v.is_signed && (u >> (8 * v.size - 1)) & 1) u |= ~0ull << (8 * v.size);
                val = static_cast<int64_t>(u);
                std::string text = v.is_signed ? std::to_string(val) : std::to_string(u);
                ImGui::TextUnformatted(text.c_str());
                st.percpu_rows.back().push_back(text);
                if (ImGui::IsItemHovered())
                    ImGui::SetTooltip("CPU%u's copy at 0x%" PRIx64 " (per_cpu_ptr)", cpu, addr);
            }
        }
        ImGui::EndTable();
    }
    if (k.cpus.size() > ncpu) ImGui::TextDisabled("(first 8 CPUs shown)");
    if (ImGui::TreeNode("unit addresses")) {
        for (uint32_t cpu = 0; cpu < k.cpus.size() && cpu < k.percpu.unit_off.size(); ++cpu)
            ImGui::Text("CPU%u: unit at 0x%" PRIx64 "  (__per_cpu_offset 0x%" PRIx64 ")", cpu,
                        pv.base_addr + k.percpu.unit_off[cpu], per_cpu_offset(k, cpu));
        ImGui::TreePop();
    }
}

} // namespace

void draw_vm(ViewContext& c, VmViewState& st) {
    const Session& s = c.session;
    const Kernel& k = s.kernel();
    KernelStamp now = KernelStamp::of(s);
    if (c.changes.rebooted) st.built = KernelStamp{};
    if (now != st.built) {
        if (st.built.arch != now.arch || st.built.mem_bytes != now.mem_bytes) st.selected_area = 0;
        st.areas = vmalloc_areas(k);
        st.pkmap = pkmap_slots(k);
        st.kmap_local = kmap_local_slots(k);
        st.percpu = percpu_chunk(k);
        st.built = now;
    }
    if (ImGui::BeginTabBar("vm_sections")) {
        if (ImGui::BeginTabItem("vmalloc")) {
            draw_vmalloc(c, st);
            ImGui::EndTabItem();
        }
        c.widgets.track_last_item("vm/tab_vmalloc");
        if (ImGui::BeginTabItem("kmap")) {
            draw_kmap(c, st);
            ImGui::EndTabItem();
        }
        c.widgets.track_last_item("vm/tab_kmap");
        if (ImGui::BeginTabItem("per-CPU")) {
            draw_percpu(c, st);
            ImGui::EndTabItem();
        }
        c.widgets.track_last_item("vm/tab_percpu");
        ImGui::EndTabBar();
    }
}

} // namespace klab::ui
