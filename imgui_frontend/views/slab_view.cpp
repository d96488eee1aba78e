// The slab caches: a slabtop(1)-like table of every cache (sortable by any column, filterable)
// and a detail panel for the selected cache: its geometry (object size, slot size, free pointer
// offset, red zones and tracks when slub_debug is on), then its slabs by list — each CPU's slab
// and partial list, the node's partial (and full) list, full slabs on no list — each drawn as a
// grid of its objects (in use, free on the slab's freelist, free on the CPU's lockless
// freelist), with the freelist chain as arrows in the order objects will be handed out. With
// SLAB_RED_ZONE / SLAB_POISON an object whose red zone or poison bytes are wrong is outlined.
// Clicking a slab points its pages out in the physical memory map.
//
// Everything comes from engine/slab/slab_query.h (plain values from const Kernel&).
// Classic SLAB (CONFIG_SLAB): the table gains /proc/slabinfo's tunables (limit, batchcount,
// shared) and slabdata (active_slabs num_slabs sharedavail) columns, its "cpu" column becomes
// slabs_full, and every column sorts (slabdata by active slabs, then total, then sharedavail;
// the tunables are read for every row only when sorting by them, once per resort); the detail
// shows the tunables, the colouring, where the freelist index array lives, each CPU's
// array_cache and the node's shared array (avail/limit, the object pointers, top first), then
// the node's slabs_full / slabs_partial / slabs_free in list order, each slab with its colour
// offset. Objects in an array cache are drawn as "free (array cache)".
// SLOB (CONFIG_SLOB): Linux has no /proc/slabinfo, so instead of the table the view lists the
// free_slob_small / _medium / _large pages with their free units and free blocks; clicking a
// page points it out in the physical memory map.
// Simplifications: one NUMA node; at most 128 pages per SLOB list are drawn, and SLOB's full
// pages (on no list) are only counted.
#include <imgui.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cinttypes>
#include <cstring>

#include "mm/memory.h"
#include "page_map.h"
#include "slab/slab_query.h"
#include "views/view_state.h"
#include "views/views.h"

namespace klab::ui {

namespace {

// What the /proc/slabinfo and slabtop columns count, on hover: they keep Linux's definitions,
// which are not "objects handed out" ("active" has its own, longer note below).
const char* slabinfo_column_tip(const char* name, bool classic) {
    if (std::strcmp(name, "objs") == 0)
        return "num_objs of /proc/slabinfo: every object slot of the cache's slabs, free or not.";
    if (std::strcmp(name, "use") == 0)
        return classic ? "slabtop's USE: active / objs, with active as /proc/slabinfo counts it."
                       : "slabtop's USE: active / objs, with active as /proc/slabinfo counts it.\n"
                         "Under SLUB a CPU slab counts as wholly active, so one kmalloc shows 100%.\n"
                         "The cache's detail below counts the objects really handed out.";
    return nullptr;
}

// Okabe-Ito colours (colour-blind safe), as the memory map uses them.
constexpr ImU32 kUsed = IM_COL32(230, 159, 0, 255);     // orange: handed out
constexpr ImU32 kFree = IM_COL32(86, 180, 233, 255);    // sky blue: on the slab's freelist
constexpr ImU32 kCpuFree = IM_COL32(0, 158, 115, 255);  // bluish green: on the CPU freelist
constexpr ImU32 kBad = IM_COL32(213, 94, 0, 255);       // vermillion: red zone / poison wrong
constexpr ImU32 kArrow = IM_COL32(255, 255, 255, 200);

const char* list_name(SlabList l) {
    switch (l) {
    case SlabList::cpu_slab: return "CPU slab";
    case SlabList::cpu_partial: return "CPU partial";
    case SlabList::node_partial: return "node partial";
    case SlabList::node_full: return "node full";
    case SlabList::none: return "full (on no list)";
    case SlabList::slabs_full: return "node 0 slabs_full";
    case SlabList::slabs_partial: return "node 0 slabs_partial";
    case SlabList::slabs_free: return "node 0 slabs_free";
    case SlabList::slob_small: return "free_slob_small (requests < 256 B)";
    case SlabList::slob_medium: return "free_slob_medium (requests < 1024 B)";
    case SlabList::slob_large: return "free_slob_large (larger requests)";
    }
    return "other list";
}

// Short names for widget ids.
const char* list_key(SlabList l) {
    switch (l) {
    case SlabList::slabs_full: return "slabs_full";
    case SlabList::slabs_partial: return "slabs_partial";
    case SlabList::slabs_free: return "slabs_free";
    case SlabList::slob_small: return "small";
    case SlabList::slob_medium: return "medium";
    case SlabList::slob_large: return "large";
    default: return "other";
    }
}

std::string flag_names(slab_flags_t f) {
    static const std::pair<slab_flags_t, const char*> kNames[] = {
        {SLAB_CONSISTENCY_CHECKS, "CONSISTENCY_CHECKS"}, {SLAB_RED_ZONE, "RED_ZONE"},
        {SLAB_POISON, "POISON"}, {SLAB_KMALLOC, "KMALLOC"}, {SLAB_HWCACHE_ALIGN, "HWCACHE_ALIGN"},
        {SLAB_CACHE_DMA, "CACHE_DMA"}, {SLAB_CACHE_DMA32, "CACHE_DMA32"},
        {SLAB_STORE_USER, "STORE_USER"}, {SLAB_RECLAIM_ACCOUNT, "RECLAIM_ACCOUNT"},
        {SLAB_PANIC, "PANIC"}, {SLAB_TYPESAFE_BY_RCU, "TYPESAFE_BY_RCU"},
        {SLAB_ACCOUNT, "ACCOUNT"}, {SLAB_TRACE, "TRACE"}};
    std::string s;
    for (const auto& [bit, name] : kNames)
        if (f & bit) s += (s.empty() ? "" : " | ") + std::string("SLAB_") + name;
    return s.empty() ? "0" : s;
}

// Whether an object's debug bytes are what SLUB's init_object() left there: the red zones
// SLUB_RED_ACTIVE (in use) or SLUB_RED_INACTIVE (free), a free object's poison
// POISON_FREE ... POISON_END. Only read when the cache has those debug flags.
bool object_damaged(const Kernel& k, const kmem_cache& s, const SlabObjectView& o) {
    bool in_use = o.state == SlabObjectState::allocated;
    uint8_t buf[512];
    auto all = [&](uint64_t addr, uint32_t len, uint8_t v) {
        while (len > 0) {
            uint32_t n = std::min<uint32_t>(len, sizeof buf);
            if (kernel_read(k, addr, buf, n)) return false;
            for (uint32_t i = 0; i < n; ++i)
                if (buf[i] != v) return false;
            addr += n;
            len -= n;
        }
        return true;
    };
    if (s.flags & SLAB_RED_ZONE) {
        uint8_t v = in_use ? SLUB_RED_ACTIVE : SLUB_RED_INACTIVE;
        if (s.red_left_pad && !all(o.address - s.red_left_pad, s.red_left_pad, v)) return true;
        if (s.inuse > s.object_size && !all(o.address + s.object_size, s.inuse - s.object_size, v))
            return true;
    }
    if ((s.flags & __OBJECT_POISON) && !in_use && s.object_size > 0) {
        if (!all(o.address, s.object_size - 1, POISON_FREE)) return true;
        if (!all(o.address + s.object_size - 1, 1, POISON_END)) return true;
    }
    return false;
}

void sort_rows(const Kernel& k, SlabViewState& st);

void rebuild_table(const Session& session, SlabViewState& st) {
    auto t0 = std::chrono::steady_clock::now();
    st.caches = slab_cache_infos(session.kernel());
    sort_rows(session.kernel(), st); // timed with the rebuild: it may read every SLAB cache's tunables
    st.detail_cache = NO_CACHE;      // rebuilt when drawn
    st.slabs.clear();
    st.build_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

void rebuild_detail(const Kernel& k, SlabViewState& st, uint32_t cache) {
    constexpr size_t kMaxSlabs = 256; // a cache with more slabs lists these and counts the rest
    st.slabs.clear();
    st.slabs_not_listed = 0;
    st.detail_cache = cache;
    if (cache == NO_CACHE) return;
    const kmem_cache& s = k.slab.caches[cache];
    bool debug = s.flags & (SLAB_RED_ZONE | __OBJECT_POISON);
    // Classic SLAB: the node's three lists in list order (head first), as the allocator walks them.
    std::vector<SlabView> views;
    if (slab_allocator(k) == SlabAllocator::slab) {
        SlabClassicView cv = slab_classic_view(k, cache);
        for (auto* l : {&cv.slabs_full, &cv.slabs_partial, &cv.slabs_free})
            views.insert(views.end(), l->begin(), l->end());
    } else {
        views = cache_slabs(k, cache);
    }
    for (const SlabView& v : views) {
        if (st.slabs.size() >= kMaxSlabs) {
            ++st.slabs_not_listed;
            continue;
        }
        SlabViewState::Slab sl;
        sl.view = v;
        sl.objects = slab_objects(k, v.id);
        sl.freelists = slab_freelists(k, v.id);
        sl.damaged.assign(sl.objects.size(), 0);
        if (debug)
            for (size_t i = 0; i < sl.objects.size(); ++i)
                sl.damaged[i] = object_damaged(k, s, sl.objects[i]) ? 1 : 0;
        st.slabs.push_back(std::move(sl));
    }
}

// The columns only classic SLAB has (after the common ones), /proc/slabinfo's tunables and slabdata.
constexpr int kColLimit = 12, kColBatchcount = 13, kColShared = 14, kColSlabdata = 15;

// Orders the table's rows (st.order) by the sort column, after the filter. The SLAB tunables and
// slabdata are not in SlabCacheInfo: sorting by one of them reads slab_classic_view() of every
// row here, once per resort (a change of sort column, filter or kernel state), not every frame.
void sort_rows(const Kernel& k, SlabViewState& st) {
    const bool classic = slab_allocator(k) == SlabAllocator::slab;
    st.order.clear();
    for (uint32_t i = 0; i < st.caches.size(); ++i) {
        const SlabCacheInfo& c = st.caches[i];
        if (st.hide_empty && c.num_objs == 0) continue;
        if (st.filter[0] && c.name.find(st.filter) == std::string::npos) continue;
        st.order.push_back(i);
    }
    using Key = std::array<uint64_t, 3>; // slabdata sorts by active slabs, then total, then sharedavail
    std::vector<Key> classic_keys;
    if (classic && st.sort_column >= kColLimit && st.sort_column <= kColSlabdata) {
        classic_keys.assign(st.caches.size(), Key{});
        for (uint32_t i : st.order) {
            SlabClassicView cv = slab_classic_view(k, st.caches[i].id);
            switch (st.sort_column) {
            case kColLimit: classic_keys[i] = {cv.limit, 0, 0}; break;
            case kColBatchcount: classic_keys[i] = {cv.batchcount, 0, 0}; break;
            case kColShared: classic_keys[i] = {cv.shared, 0, 0}; break;
            default:
                classic_keys[i] = {cv.total_slabs - cv.free_slabs, cv.total_slabs,
                                   cv.has_shared ? cv.shared_array.avail : 0u};
            }
        }
    }
    auto key = [&](uint32_t idx) -> Key {
        if (!classic_keys.empty()) return classic_keys[idx];
        const SlabCacheInfo& c = st.caches[idx];
        switch (st.sort_column) {
        case 1: return {c.num_objs, 0, 0};
        case 2: return {c.active_objs, 0, 0};
        case 3: return {c.num_objs ? c.active_objs * 1000 / c.num_objs : 0, 0, 0};
        case 4: return {c.object_size, 0, 0};
        case 5: return {c.size, 0, 0};
        case 6: return {c.num_slabs, 0, 0};
        case 7: return {c.objects_per_slab, 0, 0};
        case 8: return {c.order, 0, 0};
        case 9: // SLAB: the column is slabs_full (the CPU counts are 0 there)
            return {classic ? c.full_slabs : c.cpu_slabs + c.cpu_partial_slabs, 0, 0};
        case 10: return {c.node_partial_slabs, 0, 0};
        case 11: return {c.bytes, 0, 0};
        default: return {0, 0, 0};
        }
    };
    std::stable_sort(st.order.begin(), st.order.end(), [&](uint32_t a, uint32_t b) {
        if (st.sort_column == 0) {
            const std::string &x = st.caches[a].name, &y = st.caches[b].name;
            return st.sort_descending ? x > y : x < y;
        }
        Key kx = key(a), ky = key(b);
        return st.sort_descending ? kx > ky : kx < ky;
    });
    st.resort = false;
}

// The layout of one slot: [left red zone][object][right red zone][free pointer][tracks][pad].
void draw_slot_layout(const kmem_cache& s) {
    struct Part {
        uint32_t bytes;
        ImU32 col;
        const char* name;
    };
    std::vector<Part> parts;
    uint32_t fp_bytes = s.offset >= s.inuse ? (s.size - s.red_left_pad >= s.offset + 8 ? 8 : 4) : 0;
    if (s.red_left_pad) parts.push_back({s.red_left_pad, IM_COL32(200, 60, 60, 255), "left red zone"});
    parts.push_back({s.object_size, kUsed, "object"});
    if (s.inuse > s.object_size)
        parts.push_back({s.inuse - s.object_size,
                         (s.flags & SLAB_RED_ZONE) ? IM_COL32(200, 60, 60, 255) : IM_COL32(90, 90, 90, 255),
                         (s.flags & SLAB_RED_ZONE) ? "right red zone" : "alignment"});
    uint32_t used = s.red_left_pad + s.inuse;
    if (fp_bytes) {
        parts.push_back({fp_bytes, IM_COL32(86, 180, 233, 255), "free pointer"});
        used += fp_bytes;
    }
    uint32_t track = (s.flags & SLAB_STORE_USER) ? std::min(s.size - used, 2u * 32u) : 0;
    if (track) {
        parts.push_back({track, IM_COL32(204, 121, 167, 255), "alloc/free tracks"});
        used += track;
    }
    if (s.size > used) parts.push_back({s.size - used, IM_COL32(60, 60, 60, 255), "padding"});
    float w = ImGui::GetContentRegionAvail().x, h = ImGui::GetTextLineHeight();
    ImVec2 p = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    float x = p.x;
    for (const Part& part : parts) {
        float pw = std::max(2.0f, w * static_cast<float>(part.bytes) / static_cast<float>(s.size));
        dl->AddRectFilled(ImVec2(x, p.y), ImVec2(x + pw, p.y + h), part.col);
        if (ImGui::IsMouseHoveringRect(ImVec2(x, p.y), ImVec2(x + pw, p.y + h)))
            ImGui::SetTooltip("%s: %u bytes", part.name, part.bytes);
        x += pw;
    }
    ImGui::Dummy(ImVec2(w, h));
    if (s.offset < s.inuse)
        ImGui::TextDisabled("free pointer inside the object, at offset %u (of a free object)", s.offset);
}

void object_tooltip(const Kernel& k, const kmem_cache& s, const SlabViewState::Slab& sl, size_t i) {
    const SlabObjectView& o = sl.objects[i];
    ImGui::BeginTooltip();
    ImGui::Text("object %zu at 0x%" PRIx64, i, o.address);
    bool classic = slab_allocator(k) == SlabAllocator::slab;
    const char* state = o.state == SlabObjectState::allocated ? "in use"
                        : o.state == SlabObjectState::free_on_cpu
                            ? (classic ? "free (in a per-CPU or the shared array cache)" : "free (CPU freelist)")
                            : (classic ? "free (on the slab)" : "free (slab freelist)");
    ImGui::Text("%s", state);
    if (classic && o.state == SlabObjectState::free_on_slab) {
        // SLAB's index array: the slab hands its free objects out in this order.
        std::vector<uint32_t> idx = slab_free_indices(k, sl.view.id);
        auto it = std::find(idx.begin(), idx.end(), static_cast<uint32_t>(i));
        if (it != idx.end())
            ImGui::Text("index array entry %u: the slab hands it out after %d other object%s",
                        sl.view.inuse + static_cast<uint32_t>(it - idx.begin()), static_cast<int>(it - idx.begin()),
                        it - idx.begin() == 1 ? "" : "s");
    }
    auto pos = [&](const std::vector<uint64_t>& chain) {
        auto it = std::find(chain.begin(), chain.end(), o.address);
        return it == chain.end() ? -1 : static_cast<int>(it - chain.begin());
    };
    int a = pos(sl.freelists.cpu), b = pos(sl.freelists.slab);
    if (a >= 0) ImGui::Text("the CPU hands it out after %d other object%s", a, a == 1 ? "" : "s");
    if (b >= 0) ImGui::Text("position %d on the slab's freelist", b);
    uint8_t bytes[16] = {};
    uint32_t n = std::min<uint32_t>(16, s.object_size);
    if (!kernel_read(k, o.address, bytes, n)) {
        std::string hex;
        char buf[4];
        for (uint32_t j = 0; j < n; ++j) {
            std::snprintf(buf, sizeof buf, "%02x ", bytes[j]);
            hex += buf;
        }
        ImGui::TextDisabled("first bytes: %s", hex.c_str());
    }
    if (i < sl.damaged.size() && sl.damaged[i])
        ImGui::TextColored(ImVec4(0.9f, 0.45f, 0.2f, 1), "red zone or poison overwritten: slub_debug "
                                                          "reports it on the next check of this object");
    ImGui::EndTooltip();
}

// One slab: a header line (click: highlight its pages) and its objects as a grid.
void draw_slab(ViewContext& c, SlabViewState& st, const kmem_cache& s, const SlabViewState::Slab& sl,
               const std::string& cache_name) {
    const Kernel& k = c.session.kernel();
    const SlabView& v = sl.view;
    ImGui::PushID(static_cast<int>(v.id));
    bool selected = st.selected_slab == v.id;
    char head[192];
    // The list is the group's label above; a CPU's slabs say which CPU.
    bool classic = v.list == SlabList::slabs_full || v.list == SlabList::slabs_partial ||
                   v.list == SlabList::slabs_free;
    std::string colour = classic ? "  colour offset " + std::to_string(v.colour_off) + " B" : "";
    // Objects handed out, counted from the grid below: SLUB's page->inuse of a CPU slab is its
    // whole object count (the CPU owns them all), which read as "32/32 in use" beside one
    // orange cell.
    auto handed_out = std::count_if(sl.objects.begin(), sl.objects.end(), [](const SlabObjectView& o) {
        return o.state == SlabObjectState::allocated;
    });
    std::snprintf(head, sizeof head, "%s0x%" PRIx64 "  pfn 0x%" PRIx32 "  order %u  %u/%u in use%s",
                  v.list == SlabList::cpu_slab || v.list == SlabList::cpu_partial
                      ? ("CPU" + std::to_string(v.cpu) + "  ").c_str()
                      : "",
                  v.address, v.pfn, v.order, static_cast<unsigned>(handed_out), v.objects, colour.c_str());
    if (&sl == st.slabs.data()) st.slab_heads.clear();
    st.slab_heads.emplace_back(head);
    if (ImGui::Selectable(head, selected)) {
        st.selected_slab = v.id;
        PageHighlight h;
        h.ranges.push_back({v.pfn, 1u << v.order});
        char label[160];
        std::snprintf(label, sizeof label, "slab of %s at pfn 0x%" PRIx32 " (order %u)", cache_name.c_str(),
                      v.pfn, v.order);
        h.label = label;
        c.requests.highlight = std::move(h);
    }
    c.widgets.track_last_item("slab/slab_" + std::to_string(&sl - st.slabs.data()));
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("click: show this slab's %u page%s in the physical memory map", 1u << v.order,
                          v.order ? "s" : "");

    // The grid.
    float cell = std::max(7.0f, ImGui::GetFontSize() * 0.75f);
    float gap = 2.0f;
    float width = ImGui::GetContentRegionAvail().x;
    uint32_t per_row = std::max<uint32_t>(1, static_cast<uint32_t>(width / (cell + gap)));
    per_row = std::min<uint32_t>(per_row, 64);
    uint32_t rows = (static_cast<uint32_t>(sl.objects.size()) + per_row - 1) / per_row;
    ImVec2 p = ImGui::GetCursorScreenPos();
    ImVec2 size(per_row * (cell + gap), rows * (cell + gap));
    ImGui::InvisibleButton("grid", ImVec2(std::max(size.x, 1.0f), std::max(size.y, 1.0f)));
    bool hovered = ImGui::IsItemHovered();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    auto centre = [&](size_t i) {
        float x = p.x + static_cast<float>(i % per_row) * (cell + gap) + cell / 2;
        float y = p.y + static_cast<float>(i / per_row) * (cell + gap) + cell / 2;
        return ImVec2(x, y);
    };
    uint64_t base = sl.objects.empty() ? 0 : sl.objects[0].address;
    auto index_of = [&](uint64_t addr) -> int64_t {
        if (addr < base || s.size == 0) return -1;
        uint64_t i = (addr - base) / s.size;
        return i < sl.objects.size() ? static_cast<int64_t>(i) : -1;
    };
    for (size_t i = 0; i < sl.objects.size(); ++i) {
        ImVec2 m = centre(i);
        ImU32 col = sl.objects[i].state == SlabObjectState::allocated     ? kUsed
                    : sl.objects[i].state == SlabObjectState::free_on_cpu ? kCpuFree
                                                                            : kFree;
        ImVec2 a(m.x - cell / 2, m.y - cell / 2), b(m.x + cell / 2, m.y + cell / 2);
        dl->AddRectFilled(a, b, col, 1.5f);
        if (i < sl.damaged.size() && sl.damaged[i]) dl->AddRect(a, b, kBad, 0, 0, 2.5f);
    }
    // The freelist chains: the head is ringed, arrows run in hand-out order (all of the
    // selected slab's links; for the others only the heads).
    auto draw_chain = [&](const std::vector<uint64_t>& chain, ImU32 col) {
        if (chain.empty()) return;
        int64_t h = index_of(chain[0]);
        if (h >= 0) dl->AddCircle(centre(static_cast<size_t>(h)), cell * 0.75f, col, 12, 2.0f);
        if (!selected) return;
        for (size_t j = 0; j + 1 < chain.size() && j < 1024; ++j) {
            int64_t from = index_of(chain[j]), to = index_of(chain[j + 1]);
            if (from < 0 || to < 0) break;
            ImVec2 a = centre(static_cast<size_t>(from)), b = centre(static_cast<size_t>(to));
            dl->AddLine(a, b, col, 1.5f);
            ImVec2 d(b.x - a.x, b.y - a.y);
            float len = std::sqrt(d.x * d.x + d.y * d.y);
            if (len < 1) continue;
            d = ImVec2(d.x / len, d.y / len);
            ImVec2 tip(b.x - d.x * cell * 0.5f, b.y - d.y * cell * 0.5f);
            ImVec2 nrm(-d.y, d.x);
            float w = cell * 0.35f;
            dl->AddTriangleFilled(tip, ImVec2(tip.x - d.x * w + nrm.x * w * 0.6f, tip.y - d.y * w + nrm.y * w * 0.6f),
                                  ImVec2(tip.x - d.x * w - nrm.x * w * 0.6f, tip.y - d.y * w - nrm.y * w * 0.6f), col);
        }
    };
    draw_chain(sl.freelists.cpu, IM_COL32(180, 255, 220, 230));
    draw_chain(sl.freelists.slab, kArrow);
    if (hovered) {
        ImVec2 m = ImGui::GetIO().MousePos;
        auto col = static_cast<uint32_t>((m.x - p.x) / (cell + gap));
        auto row = static_cast<uint32_t>((m.y - p.y) / (cell + gap));
        size_t i = static_cast<size_t>(row) * per_row + col;
        if (col < per_row && i < sl.objects.size()) object_tooltip(k, s, sl, i);
    }
    if (sl.freelists.corrupted)
        ImGui::TextColored(ImVec4(0.9f, 0.45f, 0.2f, 1), "freelist corrupted: a free pointer leaves the slab");
    ImGui::PopID();
}

void legend(bool classic) {
    float sq = ImGui::GetFontSize() * 0.7f;
    auto item = [&](ImU32 col, const char* text, bool ring = false) {
        ImVec2 p = ImGui::GetCursorScreenPos();
        float dy = (ImGui::GetTextLineHeight() - sq) / 2;
        if (ring)
            ImGui::GetWindowDrawList()->AddCircle(ImVec2(p.x + sq / 2, p.y + dy + sq / 2), sq * 0.6f, col, 12, 2);
        else
            ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(p.x, p.y + dy), ImVec2(p.x + sq, p.y + dy + sq), col);
        ImGui::Dummy(ImVec2(sq, sq));
        ImGui::SameLine(0, 3);
        ImGui::TextUnformatted(text);
        ImGui::SameLine();
    };
    item(kUsed, "in use");
    item(kFree, classic ? "free (on the slab)" : "free (slab freelist)");
    if (classic) {
        item(kCpuFree, "free (in a per-CPU or the shared array cache)");
    } else {
        item(kCpuFree, "free (CPU freelist)");
        item(kArrow, "freelist head", true);
    }
    ImGui::NewLine();
}

const char* mgmt_text(SlabMgmt m) {
    switch (m) {
    case SlabMgmt::on_slab: return "on-slab (at the end of the slab, after the objects)";
    case SlabMgmt::off_slab: return "off-slab (in a kmalloc object, CFLGS_OFF_SLAB)";
    case SlabMgmt::objfreelist: return "objfreelist (inside a free object of the slab, CFLGS_OBJFREELIST_SLAB)";
    }
    return "?";
}

// One struct array_cache: avail/limit as a bar, then its object pointers, top (handed out next)
// first.
void draw_array_cache(ViewContext& c, const char* label, const std::string& id, const SlabArrayCacheView& a) {
    bool open = ImGui::TreeNode(id.c_str(), "%s: avail %u / limit %u, batchcount %u%s", label, a.avail, a.limit,
                                a.batchcount, a.touched ? ", touched" : "");
    c.widgets.track_last_item("slab/array/" + id);
    if (!open) return;
    if (a.entry.empty()) ImGui::TextDisabled("empty: the next allocation refills it from the slab lists");
    for (size_t j = a.entry.size(); j-- > 0;) {
        ImGui::Text("entry[%zu] 0x%" PRIx64 "%s", j, a.entry[j], j + 1 == a.entry.size() ? "  <- next out" : "");
        if (j + 64 < a.entry.size() && j > 0) {
            ImGui::TextDisabled("... %zu more", j);
            break;
        }
    }
    ImGui::TreePop();
}

// Classic SLAB's per-cache state: tunables, colouring, the index array's place, the per-CPU
// array caches and the node's shared array.
void draw_classic(ViewContext& c, const SlabClassicView& cv) {
    ImGui::Text("tunables: limit %u, batchcount %u, shared %u", cv.limit, cv.batchcount, cv.shared);
    c.widgets.track_last_item("slab/classic/tunables");
    ImGui::Text("colour: %u offsets of %u B (next slab gets offset %u x %u B)", cv.colour, cv.colour_off,
                cv.colour_next, cv.colour_off);
    ImGui::Text("index array: %s, %u B per slab", mgmt_text(cv.mgmt), cv.freelist_size);
    c.widgets.track_last_item(std::string("slab/classic/mgmt/") +
                              (cv.mgmt == SlabMgmt::on_slab    ? "on_slab"
                               : cv.mgmt == SlabMgmt::off_slab ? "off_slab"
                                                               : "objfreelist"));
    ImGui::Text("node 0: %" PRIu64 " slabs (%" PRIu64 " free), %" PRIu64 " free objects on slabs, free_limit %u",
                cv.total_slabs, cv.free_slabs, cv.free_objects, cv.free_limit);
    for (size_t i = 0; i < cv.cpu.size(); ++i) {
        std::string label = "CPU" + std::to_string(i) + " array_cache";
        draw_array_cache(c, label.c_str(), "cpu" + std::to_string(i), cv.cpu[i]);
    }
    if (cv.has_shared)
        draw_array_cache(c, "node 0 shared array", "shared", cv.shared_array);
    else
        ImGui::TextDisabled("no shared array (shared = 0)");
}

void draw_detail(ViewContext& c, SlabViewState& st, const SlabCacheInfo& info) {
    const Kernel& k = c.session.kernel();
    if (info.id >= k.slab.caches.size()) return;
    const kmem_cache& s = k.slab.caches[info.id];
    if (st.detail_cache != info.id) rebuild_detail(k, st, info.id);
    bool classic = slab_allocator(k) == SlabAllocator::slab;
    ImGui::Text("%s", info.name.c_str());
    ImGui::SameLine();
    if (classic)
        ImGui::TextDisabled("%" PRIu64 "/%" PRIu64 " objects in use · slabs: %u full, %u partial, %u free",
                            info.allocated_objs, info.num_objs, info.full_slabs, info.node_partial_slabs,
                            info.free_slabs);
    else
        ImGui::TextDisabled("%" PRIu64 "/%" PRIu64 " objects in use · slabs: %u CPU, %u CPU partial, %u node "
                            "partial, %u full",
                            info.allocated_objs, info.num_objs, info.cpu_slabs, info.cpu_partial_slabs,
                            info.node_partial_slabs, info.full_slabs);
    bool debug = info.flags & (SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER);
    if (ImGui::TreeNode("geometry", "object %u B in a %u B slot, %u per order-%u slab%s", info.object_size,
                        info.size, info.objects_per_slab, info.order,
                        debug ? (classic ? " · debug flags on" : " · slub_debug on") : "")) {
        if (classic) // no free pointer, min_partial or cpu_partial in SLAB's kmem_cache
            ImGui::TextWrapped("struct kmem_cache at 0x%" PRIx64 "%s; align %u. Flags: %s", info.address,
                               info.refcount > 1 ? " (other caches merged into it)" : "", info.align,
                               flag_names(info.flags).c_str());
        else
            ImGui::TextWrapped("struct kmem_cache at 0x%" PRIx64 "%s; align %u, free pointer at offset %u; "
                               "min_partial %u, cpu_partial %u objects. Flags: %s",
                               info.address, info.refcount > 1 ? " (other caches merged into it)" : "",
                               info.align, info.offset, info.min_partial, info.cpu_partial,
                               flag_names(info.flags).c_str());
        draw_slot_layout(s);
        ImGui::TreePop();
    }
    if (classic) {
        SlabClassicView cv = slab_classic_view(k, info.id);
        if (cv.valid) draw_classic(c, cv);
        ImGui::Separator();
    }
    if (st.slabs.empty()) ImGui::TextDisabled("No slabs: the cache holds no pages.");
    SlabList last = static_cast<SlabList>(255);
    for (const SlabViewState::Slab& sl : st.slabs) {
        if (sl.view.list != last) {
            if (last != static_cast<SlabList>(255)) ImGui::Separator();
            ImGui::TextDisabled("%s", list_name(sl.view.list));
            if (last == static_cast<SlabList>(255)) { // the legend once, beside the first list
                ImGui::SameLine(0, ImGui::GetFontSize() * 1.5f);
                legend(classic);
            }
            last = sl.view.list;
        }
        draw_slab(c, st, s, sl, info.name);
        if (classic)
            c.widgets.track_last_item(std::string("slab/classic/") + list_key(sl.view.list) + "/" +
                                      std::to_string(&sl - st.slabs.data()));
    }
    if (st.slabs_not_listed)
        ImGui::TextDisabled("… %u more slabs not drawn", st.slabs_not_listed);
}

// SLOB has no caches of slabs to tabulate: every kmalloc and kmem_cache_alloc carves blocks out
// of pages on three lists (by request size). Each page: its free units (of 2048 two-byte
// SLOB_UNITs in a 4 KiB page) and a bar of where its free blocks are.
void draw_slob(ViewContext& c, SlabViewState& st) {
    const Kernel& k = c.session.kernel();
    ImGui::TextWrapped("SLOB keeps no per-cache slabs, so Linux has no /proc/slabinfo under CONFIG_SLOB "
                       "(slabtop fails). Shown instead: SLOB's three lists of partially free pages.");
    c.widgets.track_last_item("slab/slob/why");
    std::vector<SlobPageView> pages = slob_pages(k);
    uint32_t full = 0;
    for (const SlobPageView& p : pages) full += p.list == SlabList::none;
    ImGui::Text("%zu SLOB pages, %u of them full (on no list)", pages.size(), full);
    ImGui::BeginChild("slob", ImVec2(0, 0), true);
    c.widgets.track_window("slab/slob");
    constexpr uint32_t kUnits = 2048; // SLOB_UNITS(PAGE_SIZE) with 2-byte units
    for (SlabList l : {SlabList::slob_small, SlabList::slob_medium, SlabList::slob_large}) {
        uint32_t n = 0;
        for (const SlobPageView& p : pages) n += p.list == l;
        ImGui::TextDisabled("%s: %u page%s", list_name(l), n, n == 1 ? "" : "s");
        c.widgets.track_last_item(std::string("slab/slob/") + list_key(l));
        uint32_t drawn = 0;
        for (size_t i = 0; i < pages.size(); ++i) {
            const SlobPageView& p = pages[i];
            if (p.list != l) continue;
            if (++drawn > 128) {
                ImGui::TextDisabled("... %u more pages", n - 128);
                break;
            }
            char head[160];
            std::snprintf(head, sizeof head, "0x%" PRIx64 "  pfn 0x%" PRIx32 "  %u/%u units free in %zu block%s",
                          p.address, p.pfn, p.free_units, kUnits, p.free_blocks.size(),
                          p.free_blocks.size() == 1 ? "" : "s");
            ImGui::PushID(static_cast<int>(p.id));
            if (ImGui::Selectable(head, st.selected_slab == p.id)) { // as a slab's header: point the page out
                st.selected_slab = p.id;
                PageHighlight h;
                h.ranges.push_back({p.pfn, 1}); // SLOB takes its heap pages one at a time (order 0)
                char label[160];
                std::snprintf(label, sizeof label, "SLOB page on %s at pfn 0x%" PRIx32,
                              l == SlabList::slob_small    ? "free_slob_small"
                              : l == SlabList::slob_medium ? "free_slob_medium"
                                                           : "free_slob_large",
                              p.pfn);
                h.label = label;
                c.requests.highlight = std::move(h);
            }
            ImGui::PopID();
            c.widgets.track_last_item(std::string("slab/slob/") + list_key(l) + "/" + std::to_string(drawn - 1));
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("click: show this page in the physical memory map");
            // The page as a bar: used (orange) with its free blocks (blue) at their offsets.
            float w = std::min(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 40);
            float h = ImGui::GetTextLineHeight() * 0.6f;
            ImVec2 q = ImGui::GetCursorScreenPos();
            ImDrawList* dl = ImGui::GetWindowDrawList();
            dl->AddRectFilled(q, ImVec2(q.x + w, q.y + h), kUsed);
            for (const SlobBlockView& b : p.free_blocks) {
                if (b.address < p.address) continue;
                float x0 = static_cast<float>(b.address - p.address) / 4096.0f * w;
                float x1 = x0 + std::max(1.0f, static_cast<float>(b.units) * 2.0f / 4096.0f * w);
                dl->AddRectFilled(ImVec2(q.x + x0, q.y), ImVec2(q.x + std::min(x1, w), q.y + h), kFree);
            }
            ImGui::Dummy(ImVec2(w, h));
        }
        ImGui::Separator();
    }
    ImGui::EndChild();
}

} // namespace

void draw_slab_caches(ViewContext& c, SlabViewState& st) {
    const Session& session = c.session;
    const Kernel& k = session.kernel();
    KernelStamp now = KernelStamp::of(session);
    if (c.changes.rebooted) st.built = KernelStamp{};
    // Rebuild when the kernel changed; when a rebuild is slow (thousands of slabs) at most four
    // times a second, so a long script keeps the frame rate.
    double t = ImGui::GetTime();
    if (now != st.built && (st.build_ms < 4.0 || t - st.built_at > 0.25 || st.built.generation == UINT64_MAX)) {
        bool same_kernel = st.built.clock_ns <= now.clock_ns && st.built.arch == now.arch &&
                           st.built.mem_bytes == now.mem_bytes && st.built.generation != UINT64_MAX;
        rebuild_table(session, st);
        if (!same_kernel) st.selected_slab = NO_SLAB;
        st.built = now;
        st.built_at = t;
    }

    if (session.config().allocator != SlabAllocator::slub)
        ImGui::TextDisabled("%s caches", allocator_name(session.config().allocator));
    if (slab_allocator(k) == SlabAllocator::slob) {
        draw_slob(c, st);
        return;
    }
    const bool classic = slab_allocator(k) == SlabAllocator::slab;
    uint64_t objs = 0, handed_out = 0;
    for (const SlabCacheInfo& i : st.caches) objs += i.num_objs, handed_out += i.allocated_objs;
    ImGui::Text("%zu caches, %" PRIu64 " of %" PRIu64 " objects in use", st.caches.size(), handed_out, objs);
    c.widgets.track_last_item("slab/summary");
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Objects handed out by kmalloc/kmem_cache_alloc and not yet freed, of all the\n"
                          "objects the caches' slabs hold. The table's objs/active/use columns are\n"
                          "/proc/slabinfo's and slabtop's, which count differently (hover them).");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    if (ImGui::InputTextWithHint("##filter", "filter names", st.filter, sizeof st.filter)) st.resort = true;
    c.widgets.track_last_item("slab/filter");
    ImGui::SameLine();
    if (ImGui::Checkbox("hide empty", &st.hide_empty)) st.resort = true;

    // Table above, detail below (split by the selected cache).
    bool have_sel = false;
    uint32_t sel_index = 0;
    for (uint32_t i = 0; i < st.caches.size(); ++i)
        if (st.caches[i].name == st.selected) have_sel = true, sel_index = i;
    // With a cache selected the table takes what its rows need, at most 40% of the panel.
    if (st.resort) sort_rows(k, st);
    float avail = ImGui::GetContentRegionAvail().y;
    float row_h = ImGui::GetTextLineHeightWithSpacing() + 2 * ImGui::GetStyle().CellPadding.y;
    float rows_h = (static_cast<float>(st.order.size()) + 1.6f) * row_h + ImGui::GetStyle().ScrollbarSize;
    float table_h = have_sel ? std::max(std::min(avail * 0.4f, rows_h), row_h * 2.6f) : 0;

    const ImGuiTableFlags tf = ImGuiTableFlags_Sortable | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY |
                               ImGuiTableFlags_ScrollX | ImGuiTableFlags_BordersInnerV |
                               ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingFixedFit |
                               ImGuiTableFlags_Hideable;
    if (ImGui::BeginTable(classic ? "caches_slab" : "caches", classic ? 16 : 12, tf, ImVec2(0, table_h))) {
        ImGui::TableSetupScrollFreeze(1, 1);
        ImGui::TableSetupColumn("name", ImGuiTableColumnFlags_NoHide);
        ImGui::TableSetupColumn("objs", ImGuiTableColumnFlags_PreferSortDescending | ImGuiTableColumnFlags_DefaultSort);
        ImGui::TableSetupColumn("active", ImGuiTableColumnFlags_PreferSortDescending);
        ImGui::TableSetupColumn("use", ImGuiTableColumnFlags_PreferSortDescending);
        ImGui::TableSetupColumn("objsize", ImGuiTableColumnFlags_PreferSortDescending);
        ImGui::TableSetupColumn("slot", ImGuiTableColumnFlags_PreferSortDescending);
        ImGui::TableSetupColumn("slabs", ImGuiTableColumnFlags_PreferSortDescending);
        ImGui::TableSetupColumn("obj/slab", ImGuiTableColumnFlags_PreferSortDescending);
        ImGui::TableSetupColumn("order", ImGuiTableColumnFlags_PreferSortDescending);
        // SLAB: slabs_full in the "cpu" column's place.
        ImGui::TableSetupColumn(classic ? "full" : "cpu", ImGuiTableColumnFlags_PreferSortDescending);
        ImGui::TableSetupColumn("partial", ImGuiTableColumnFlags_PreferSortDescending);
        ImGui::TableSetupColumn("size", ImGuiTableColumnFlags_PreferSortDescending);
        if (classic) { // /proc/slabinfo's "tunables" and "slabdata" groups (kColLimit ... kColSlabdata)
            ImGui::TableSetupColumn("limit", ImGuiTableColumnFlags_PreferSortDescending);
            ImGui::TableSetupColumn("batchcount", ImGuiTableColumnFlags_PreferSortDescending);
            ImGui::TableSetupColumn("shared", ImGuiTableColumnFlags_PreferSortDescending);
            ImGui::TableSetupColumn("slabdata", ImGuiTableColumnFlags_PreferSortDescending);
        }
        // TableHeadersRow(), with each header tracked (tests click them to sort).
        ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
        for (int col = 0; col < ImGui::TableGetColumnCount(); ++col) {
            if (!ImGui::TableSetColumnIndex(col)) continue;
            const char* name = ImGui::TableGetColumnName(col);
            ImGui::PushID(col);
            ImGui::TableHeader(name);
            ImGui::PopID();
            c.widgets.track_last_item(std::string("slab/col/") + name);
            // The column students misread: a kfree that leaves "active" unchanged is not a bug.
            if (const char* tip = slabinfo_column_tip(name, classic); tip && ImGui::IsItemHovered())
                ImGui::SetTooltip("%s", tip);
            if (std::strcmp(name, "active") == 0 && ImGui::IsItemHovered())
                ImGui::SetTooltip(classic ? "active_objs of /proc/slabinfo: objects in use, including those\n"
                                            "parked in the per-CPU and shared array caches."
                                          : "active_objs of /proc/slabinfo: SLUB counts every object of a\n"
                                            "CPU slab (and CPU partial slab) as active, free or not; only\n"
                                            "free objects on the node's partial slabs are subtracted.\n"
                                            "So a kfree() often leaves this number unchanged.");
        }
        if (ImGuiTableSortSpecs* ss = ImGui::TableGetSortSpecs()) {
            if (ss->SpecsDirty && ss->SpecsCount > 0) {
                st.sort_column = ss->Specs[0].ColumnIndex;
                st.sort_descending = ss->Specs[0].SortDirection == ImGuiSortDirection_Descending;
                st.resort = true;
                ss->SpecsDirty = false;
            }
        }
        if (st.resort) sort_rows(k, st);
        ImGuiListClipper clip;
        clip.Begin(static_cast<int>(st.order.size()));
        while (clip.Step()) {
            for (int r = clip.DisplayStart; r < clip.DisplayEnd; ++r) {
                const SlabCacheInfo& i = st.caches[st.order[static_cast<size_t>(r)]];
                ImGui::TableNextRow();
                ImGui::TableSetColumnIndex(0);
                bool is_sel = i.name == st.selected;
                if (ImGui::Selectable(i.name.c_str(), is_sel, ImGuiSelectableFlags_SpanAllColumns)) {
                    st.selected = is_sel ? std::string() : i.name;
                    st.selected_slab = NO_SLAB;
                    st.detail_cache = NO_CACHE;
                }
                c.widgets.track_last_item("slab/row/" + i.name);
                ImGui::TableNextColumn();
                ImGui::Text("%" PRIu64, i.num_objs);
                ImGui::TableNextColumn();
                ImGui::Text("%" PRIu64, i.active_objs);
                ImGui::TableNextColumn();
                ImGui::Text("%3.0f%%", i.num_objs ? 100.0 * double(i.active_objs) / double(i.num_objs) : 0.0);
                ImGui::TableNextColumn();
                ImGui::Text("%u", i.object_size);
                ImGui::TableNextColumn();
                ImGui::Text("%u", i.size);
                ImGui::TableNextColumn();
                ImGui::Text("%" PRIu64, i.num_slabs);
                ImGui::TableNextColumn();
                ImGui::Text("%u", i.objects_per_slab);
                ImGui::TableNextColumn();
                ImGui::Text("%u", i.order);
                ImGui::TableNextColumn();
                if (classic) {
                    ImGui::Text("%u", i.full_slabs);
                } else {
                    ImGui::Text("%u+%u", i.cpu_slabs, i.cpu_partial_slabs);
                    if (ImGui::IsItemHovered())
                        ImGui::SetTooltip("%u CPU slab%s and %u slab%s on CPU partial lists", i.cpu_slabs,
                                          i.cpu_slabs == 1 ? "" : "s", i.cpu_partial_slabs,
                                          i.cpu_partial_slabs == 1 ? "" : "s");
                }
                ImGui::TableNextColumn();
                ImGui::Text("%u", i.node_partial_slabs);
                ImGui::TableNextColumn();
                ImGui::Text("%" PRIu64 "K", i.bytes / 1024);
                if (classic) { // computed for the visible rows only (the clipper's)
                    SlabClassicView cv = slab_classic_view(k, i.id);
                    ImGui::TableNextColumn();
                    ImGui::Text("%u", cv.limit);
                    c.widgets.track_last_item("slab/limit/" + i.name);
                    ImGui::TableNextColumn();
                    ImGui::Text("%u", cv.batchcount);
                    ImGui::TableNextColumn();
                    ImGui::Text("%u", cv.shared);
                    ImGui::TableNextColumn();
                    // slabdata <active_slabs> <num_slabs> <sharedavail>
                    ImGui::Text("%" PRIu64 " %" PRIu64 " %u", cv.total_slabs - cv.free_slabs, cv.total_slabs,
                                cv.has_shared ? cv.shared_array.avail : 0u);
                    c.widgets.track_last_item("slab/slabdata/" + i.name);
                }
            }
        }
        ImGui::EndTable();
    }
    c.widgets.track_last_item("slab/table");
    if (have_sel) {
        ImGui::BeginChild("detail", ImVec2(0, 0), true);
        c.widgets.track_window("slab/detail");
        draw_detail(c, st, st.caches[sel_index]);
        ImGui::EndChild();
    } else if (!st.caches.empty()) {
        ImGui::TextDisabled("Click a cache for its slabs and objects.");
    }
    (void)k;
}

} // namespace klab::ui
