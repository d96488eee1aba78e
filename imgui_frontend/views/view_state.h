// The per-view state the App keeps between frames (scroll, filters, input line, caches). None of
// it is kernel state: a view's caches are rebuilt from the session when FrameChanges says so.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "mm/mmzone.h"
#include "mm/vm_query.h"
#include "session/session.h"
#include "slab/slab_query.h"
#include "trace/trace.h"

namespace klab::ui {

// A line of text with a colour role, for views that show many lines through a clipper.
enum class LineKind : uint8_t { input, output, error, caret, note, emerg, err, warning, notice, info, debug };
struct TextLine {
    std::string text;
    LineKind kind = LineKind::output;
};

struct ConsoleState {
    static constexpr size_t kInputSize = 16 * 1024;
    std::array<char, kInputSize> input{};
    std::vector<std::string> history; // oldest first; also filled from the session's log
    int history_pos = -1;             // -1: editing a new line
    std::string history_draft;        // what was typed before Up was pressed
    size_t log_seen = 0;              // session log entries turned into lines
    size_t cleared = 0;               // log entries before this are hidden ("clear")
    std::vector<TextLine> lines;
    // The lines wrapped to the transcript's width (the font is monospace): one entry per row
    // drawn, the line's index and the byte range of the row. Rebuilt when the width changes.
    struct Row {
        uint32_t line = 0, begin = 0, end = 0;
    };
    std::vector<Row> rows;
    size_t rows_lines = 0; // lines already wrapped into rows
    int rows_cols = 0;     // the width in characters they were wrapped at
    std::vector<std::string> candidates; // the last Tab's choices when there were several
    bool tab_leaves = false; // Escape was pressed: Tab moves the focus out of the lab until an edit
    bool focus_input = true;
    int focus_frames = 0;
    bool input_active = false; // the input line had the keyboard in the last frame
    bool cursor_to_end = false;
    bool scroll_to_bottom = true;
    std::string pending_insert; // text to insert at the cursor (paste from the menu)
    bool has_menus = true;      // false in embed mode: no Lessons menu to point to
};

struct LogViewState {
    uint64_t seen_seq = UINT64_MAX; // next_seq when lines were built (UINT64_MAX: never)
    std::vector<TextLine> lines;
    char filter[128] = {};
    bool follow = true;
    bool show_level[8] = {true, true, true, true, true, true, true, true};
    std::vector<uint32_t> shown;     // indices of the records that pass the filters
    std::vector<uint8_t> in_report;  // per record: part of an oops/BUG/WARNING report
    uint64_t report_seq = UINT64_MAX; // next_seq when in_report was computed
};

// Free blocks per zone and order at the last change, and when each number last changed.
struct ZonesState {
    struct ZoneMemo {
        std::array<uint32_t, MAX_ORDER> nr_free{};
        std::array<double, MAX_ORDER> changed_at{};
        int64_t nr_free_pages = 0;
        double pages_changed_at = -100;
        std::string chain; // "order 3 → 2 + 1 + 0 (order 0 handed out)"
    };
    std::vector<ZoneMemo> zones;
    bool per_migratetype = false;
    bool show_pcp = true;
    int last_scrolled_zone = -1; // the zone a change last brought into view (tests)
};

struct TraceViewState {
    static constexpr size_t kMaxCommands = 40;      // commands listed, newest first
    static constexpr uint64_t kMaxScan = 16384;     // events looked at per rebuild (frame budget)
    static constexpr size_t kMaxEventsPerCommand = 400; // the rest are counted, not listed
    bool show_raw = false;                          // the ftrace line under the explanation
    // Events grouped by the command that caused them, rebuilt when the trace grows.
    struct Group {
        uint32_t cmd_id = 0;
        uint64_t total = 0;
        std::array<uint64_t, size_t(TraceEventType::nr_events)> per_type{};
        std::vector<TraceEvent> events; // oldest first, at most kMaxEventsPerCommand
    };
    std::vector<Group> groups; // newest command first
    bool scan_cut = false;     // older events were not looked at (the last group may be partial)
    uint64_t built_written = UINT64_MAX;
    uint64_t built_generation = UINT64_MAX;
};

// What the kernel looked like when a view last rebuilt its caches: views drawn only while their
// tab is open cannot rely on FrameChanges::rebooted, so they compare this instead.
struct KernelStamp {
    uint64_t generation = UINT64_MAX, clock_ns = 0, mem_bytes = 0;
    uint32_t arch = 0, cpus = 0, allocator = 0;
    bool operator==(const KernelStamp& o) const {
        return generation == o.generation && clock_ns == o.clock_ns && mem_bytes == o.mem_bytes &&
               arch == o.arch && cpus == o.cpus && allocator == o.allocator;
    }
    bool operator!=(const KernelStamp& o) const { return !(*this == o); }
    static KernelStamp of(const Session& s) {
        KernelStamp st;
        st.generation = s.generation();
        st.clock_ns = s.kernel().clock.ns;
        st.mem_bytes = s.config().mem_bytes;
        st.arch = static_cast<uint32_t>(s.config().arch);
        st.cpus = s.config().nr_cpus;
        st.allocator = static_cast<uint32_t>(s.config().allocator);
        return st;
    }
};

struct SlabViewState {
    std::vector<SlabCacheInfo> caches; // /proc/slabinfo order
    std::vector<uint32_t> order;       // rows of the table: indices into caches, sorted, filtered
    KernelStamp built;
    double built_at = -100;  // ImGui time of the last rebuild
    double build_ms = 0;     // how long it took (big machines: rebuild at most 4 times a second)
    bool resort = true;
    int sort_column = 1;     // objects
    bool sort_descending = true;
    char filter[64] = {};
    bool hide_empty = false;
    std::string selected;    // cache name (ids change on reboot; names do not)
    uint32_t selected_slab = NO_SLAB;
    // The selected cache's slabs, objects and freelists.
    struct Slab {
        SlabView view;
        std::vector<SlabObjectView> objects;
        std::vector<uint8_t> damaged; // per object: its red zone or poison is not what it should be
        SlabFreelists freelists;
    };
    std::vector<Slab> slabs;
    uint32_t slabs_not_listed = 0;
    uint32_t detail_cache = NO_CACHE;
    std::vector<std::string> slab_heads; // the slabs' header lines as last drawn (for tests)
};

struct VmViewState {
    KernelStamp built;
    std::vector<VmAreaView> areas;
    std::vector<KmapSlotView> pkmap, kmap_local;
    PercpuView percpu;
    uint64_t selected_area = 0; // address of the selected vmalloc area (0: the newest)
    bool show_stacks = false;   // list the vmalloc'ed kernel stacks too
    // The per-CPU table as last drawn: variable name, then its value on each CPU (for tests).
    std::vector<std::vector<std::string>> percpu_rows;
};

} // namespace klab::ui
