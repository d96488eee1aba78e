// The causal trace: the trace ring's events grouped by the command that caused them (newest
// first), each group a tree built from the events' parent ids (mm_page_alloc above the
// mm_page_alloc_zone_locked / extfrag events its slow path emitted), every event explained in
// plain words next to the Linux function whose tracepoint it models.
#include <imgui.h>

#include <algorithm>
#include <cinttypes>
#include <cstdint>
#include <map>
#include <string>

#include "mm/gfp.h"
#include "printk/plain_words.h"
#include "views/view_state.h"
#include "views/views.h"

namespace klab::ui {

namespace {

// The function in Linux 6.1 that fires each tracepoint (mm/page_alloc.c, mm/vmscan.c,
// mm/slab_common.c, mm/slub.c), or for the lab's own klab:* events the function whose work
// they stand for (mm/vmalloc.c, mm/highmem.c). No default: a new event type must be named here
// (and in explain_trace_event) or the compiler warns and tests/ui fails.
const char* linux_function(TraceEventType t) {
    switch (t) {
    case TraceEventType::mm_page_alloc: return "__alloc_pages()";
    case TraceEventType::mm_page_free: return "free_pages_prepare()";
    case TraceEventType::mm_page_alloc_zone_locked: return "__rmqueue_smallest()";
    case TraceEventType::mm_page_pcpu_drain: return "free_pcppages_bulk()";
    case TraceEventType::mm_page_alloc_extfrag: return "__rmqueue_fallback()";
    case TraceEventType::mm_vmscan_wakeup_kswapd: return "wakeup_kswapd()";
    case TraceEventType::kmalloc: return "kmalloc_trace() / __do_kmalloc_node()";
    case TraceEventType::kfree: return "kfree()";
    case TraceEventType::kmem_cache_alloc: return "kmem_cache_alloc()";
    case TraceEventType::kmem_cache_free: return "kmem_cache_free()";
    case TraceEventType::klab_vmalloc: return "__vmalloc_node_range()";
    case TraceEventType::klab_vfree: return "vfree() / __vunmap()";
    case TraceEventType::klab_kmap: return "kmap_high() / __kmap_local_pfn_prot()";
    case TraceEventType::klab_kunmap: return "kunmap_high() / kunmap_local_indexed()";
    }
    return nullptr;
}

const char* fn_or_tracepoint(TraceEventType t) {
    const char* f = linux_function(t);
    return f ? f : "(see the tracepoint)";
}

std::string pages_words(uint32_t order) {
    uint64_t n = 1ull << order;
    return n == 1 ? std::string("1 page") : std::to_string(n) + " pages";
}

} // namespace

// One line in plain words for an event (exported for the tests and the lesson helper).
std::string explain_trace_event(const TraceEvent& e) {
    char buf[256] = {};
    unsigned long long pfn = e.pfn;
    unsigned long long ptr = e.pfn; // the slab and klab:* events keep an address there
    const char* mt = migratetype_name(static_cast<uint32_t>(e.migratetype < 0 ? 0 : e.migratetype));
    switch (e.type) {
    case TraceEventType::mm_page_alloc:
        if (e.pfn == UINT64_MAX)
            std::snprintf(buf, sizeof buf, "allocation of %s (order %u) FAILED",
                          pages_words(e.order).c_str(), e.order);
        else
            std::snprintf(buf, sizeof buf, "allocated %s (order %u) at pfn 0x%llx for a %s user",
                          pages_words(e.order).c_str(), e.order, pfn, mt);
        break;
    case TraceEventType::mm_page_free:
        std::snprintf(buf, sizeof buf, "freed %s (order %u) at pfn 0x%llx",
                      pages_words(e.order).c_str(), e.order, pfn);
        break;
    case TraceEventType::mm_page_alloc_zone_locked:
        std::snprintf(buf, sizeof buf,
                      e.arg0 ? "took an order-%u block at pfn 0x%llx off the %s free list to refill "
                               "this CPU's page list"
                             : "took an order-%u block at pfn 0x%llx off the %s free list "
                               "(zone lock held), splitting larger blocks if needed",
                      e.order, pfn, mt);
        break;
    case TraceEventType::mm_page_pcpu_drain:
        std::snprintf(buf, sizeof buf,
                      "per-CPU list too long: gave pfn 0x%llx (order %u) back to the buddy "
                      "allocator, merging with free buddies",
                      pfn, e.order);
        break;
    case TraceEventType::mm_page_alloc_extfrag:
        std::snprintf(buf, sizeof buf,
                      "no %s block free: borrowed an order-%u block from the %s lists%s",
                      migratetype_name(static_cast<uint32_t>(e.migratetype)), e.arg0,
                      migratetype_name(static_cast<uint32_t>(e.arg1 < 0 ? 0 : e.arg1)),
                      (e.arg2 & 2) ? " and took over its pageblock" : " (fragmenting)");
        break;
    case TraceEventType::mm_vmscan_wakeup_kswapd:
        std::snprintf(buf, sizeof buf,
                      "free pages fell below the low watermark: kswapd is woken to reclaim "
                      "(order %u)",
                      e.order);
        break;
    case TraceEventType::kmalloc:
        if (e.pfn == 0)
            std::snprintf(buf, sizeof buf, "kmalloc of %u bytes FAILED (returned NULL)", e.bytes_req);
        else if (e.bytes_req > 8192) // KMALLOC_MAX_CACHE_SIZE
            std::snprintf(buf, sizeof buf,
                          "kmalloc of %u bytes: too big for a kmalloc cache, so %u bytes of whole "
                          "pages straight from the page allocator at 0x%llx",
                          e.bytes_req, e.bytes_alloc, ptr);
        else
            std::snprintf(buf, sizeof buf,
                          "kmalloc of %u bytes at 0x%llx: a %u-byte object of the smallest "
                          "kmalloc cache that fits (%u bytes unused)",
                          e.bytes_req, ptr, e.bytes_alloc,
                          e.bytes_alloc > e.bytes_req ? e.bytes_alloc - e.bytes_req : 0);
        break;
    case TraceEventType::kfree:
        std::snprintf(buf, sizeof buf,
                      "kfree of 0x%llx: the object goes back on its slab's freelist (or its pages "
                      "back to the page allocator if it was a large kmalloc)",
                      ptr);
        break;
    case TraceEventType::kmem_cache_alloc:
        if (e.pfn == 0)
            std::snprintf(buf, sizeof buf, "object allocation from a cache FAILED (returned NULL)");
        else
            std::snprintf(buf, sizeof buf,
                          "took a free %u-byte object (slot of %u bytes) off a slab's freelist: "
                          "0x%llx",
                          e.bytes_req, e.bytes_alloc, ptr);
        break;
    case TraceEventType::kmem_cache_free:
        std::snprintf(buf, sizeof buf,
                      "object 0x%llx returned to its cache: it becomes the head of the freelist",
                      ptr);
        break;
    case TraceEventType::klab_vmalloc:
        std::snprintf(buf, sizeof buf,
                      "vmalloc area at 0x%llx: a range of kernel virtual addresses, backed by "
                      "single pages taken one by one (not contiguous in physical memory)",
                      ptr);
        break;
    case TraceEventType::klab_vfree:
        std::snprintf(buf, sizeof buf,
                      "vfree of the area at 0x%llx: its page-table entries removed and its %u "
                      "pages freed one by one",
                      ptr, e.gfp);
        break;
    case TraceEventType::klab_kmap:
        std::snprintf(buf, sizeof buf,
                      "mapped a page into kernel address space at 0x%llx (slot %u): a pkmap "
                      "entry for kmap(), this CPU's fixmap slot for kmap_local_page()",
                      ptr, e.gfp);
        break;
    case TraceEventType::klab_kunmap:
        std::snprintf(buf, sizeof buf, "unmapped the temporary mapping at 0x%llx (slot %u)", ptr, e.gfp);
        break;
    }
    if (!buf[0]) // an event type added to the engine after this view: its tracepoint name
        std::snprintf(buf, sizeof buf, "%s", trace_event_name(e.type));
    return buf;
}

// The Linux function an event models (nullptr if the view does not know the type).
const char* trace_event_function(TraceEventType t) {
    return linux_function(t);
}

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
            ++g.per_type[static_cast<size_t>(e.type) & 31];
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
        ++g.per_type[static_cast<size_t>(e.type) & 31];
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
    std::string label = explain_trace_event(e);
    bool open = ImGui::TreeNodeEx(reinterpret_cast<void*>(static_cast<uintptr_t>(e.id)), fl, "%s",
                                  label.c_str());
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("%s\nmodels %s in Linux 6.1\n%s", trace_event_name(e.type),
                          fn_or_tracepoint(e.type), format_trace_line(e, f).c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("%s · %s", trace_event_name(e.type), fn_or_tracepoint(e.type));
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
