// The per-view state the App keeps between frames (scroll, filters, input line, caches). None of
// it is kernel state: a view's caches are rebuilt from the session when FrameChanges says so.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "mm/mmzone.h"
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
    std::vector<std::string> candidates; // the last Tab's choices when there were several
    bool focus_input = true;
    int focus_frames = 0;
    bool input_active = false; // the input line had the keyboard in the last frame
    bool cursor_to_end = false;
    bool scroll_to_bottom = true;
    std::string pending_insert; // text to insert at the cursor (paste from the menu)
};

struct LogViewState {
    uint64_t seen_seq = UINT64_MAX; // next_seq when lines were built (UINT64_MAX: never)
    std::vector<TextLine> lines;
    char filter[128] = {};
    bool follow = true;
    bool show_level[8] = {true, true, true, true, true, true, true, true};
    std::vector<uint32_t> shown; // indices of the records that pass the filters
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
        std::array<uint64_t, 8> per_type{};
        std::vector<TraceEvent> events; // oldest first, at most kMaxEventsPerCommand
    };
    std::vector<Group> groups; // newest command first
    bool scan_cut = false;     // older events were not looked at (the last group may be partial)
    uint64_t built_written = UINT64_MAX;
    uint64_t built_generation = UINT64_MAX;
};

} // namespace klab::ui
