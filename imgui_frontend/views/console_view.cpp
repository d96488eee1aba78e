// The console: the session's command log as a transcript (input, output, compile errors with
// their caret) and an input line with history (Up/Down), Tab completion from the session and
// multi-line input (Enter inside an unfinished function or block, or after a function's
// signature whose '{' comes on the next line, adds a line: session/console.h; Ctrl+Enter always
// does). Typed text goes to the session only through ViewRequests::submit.
#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "printk/dump_stack.h"
#include "printk/plain_words.h"
#include "session/console.h"
#include "views/view_state.h"
#include "views/views.h"

namespace klab::ui {

namespace {

// Marks the lab's own sentence under a kernel report, so it is not read as Linux's output.
constexpr const char* kPlainPrefix = "  in plain words: ";

// The first line of a kernel report echoed to the console ("[    0.000013] BUG: ..."), or the
// shell's "Killed" after one: drawn in the error colour so a failure stands out.
bool kernel_failure_line(const std::string& l) {
    if (l.rfind("Killed", 0) == 0) return true;
    std::string_view rest = printk_text(l);
    if (rest.empty()) return false;
    return is_report_head(rest) || rest.substr(0, 13) == "============="; // slub_debug's banner
}

LineKind classify_output_line(const std::string& l, LineKind prev) {
    if (l.find(": error: ") != std::string::npos) return LineKind::error;
    if (kernel_failure_line(l)) return LineKind::error;
    if (l.find(": note: ") != std::string::npos || l.find(": warning: ") != std::string::npos)
        return LineKind::note;
    // The source line under an error, then the caret line ("   ^").
    size_t first = l.find_first_not_of(" \t");
    if (first != std::string::npos && l[first] == '^' && l.find_first_not_of(" \t~^") == std::string::npos)
        return LineKind::caret;
    if (prev == LineKind::error) return LineKind::note;
    return LineKind::output;
}

void split_lines(const std::string& text, LineKind kind, bool classify, std::vector<TextLine>& out) {
    size_t pos = 0;
    LineKind prev = LineKind::output;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        std::string line = text.substr(pos, nl - pos);
        LineKind k = classify ? classify_output_line(line, prev) : kind;
        if (classify && prev == LineKind::error && k == LineKind::note) k = LineKind::note;
        prev = k;
        // Linux's words, then plain words: the lab's one sentence under a report's first line.
        std::string_view plain = classify ? plain_words(printk_text(line)) : std::string_view();
        out.push_back(TextLine{std::move(line), k});
        if (!plain.empty()) out.push_back(TextLine{std::string(kPlainPrefix) + std::string(plain), LineKind::note});
        pos = nl + 1;
    }
}

void clear_lines(ConsoleState& s) {
    s.lines.clear();
    s.rows.clear();
    s.rows_lines = 0;
}

// Splits one line into rows of at most `cols` characters (UTF-8 code points), breaking after
// the last space of a row when there is one in its second half: output wraps instead of being
// cut at the panel's edge (compile errors, oops lines, help).
void wrap_line(const std::string& text, uint32_t line, int cols, std::vector<ConsoleState::Row>& out) {
    size_t begin = 0;
    while (true) {
        size_t pos = begin, last_space = std::string::npos;
        int n = 0;
        while (pos < text.size() && n < cols) {
            if (text[pos] == ' ') last_space = pos;
            ++pos;
            while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
            ++n;
        }
        if (pos < text.size() && last_space != std::string::npos && last_space > begin + (pos - begin) / 2)
            pos = last_space + 1;
        out.push_back({line, static_cast<uint32_t>(begin), static_cast<uint32_t>(pos)});
        if (pos >= text.size()) return;
        begin = pos;
    }
}

void wrap_transcript(ConsoleState& s, int cols) {
    if (cols != s.rows_cols) {
        s.rows.clear();
        s.rows_lines = 0;
        s.rows_cols = cols;
    }
    for (; s.rows_lines < s.lines.size(); ++s.rows_lines)
        wrap_line(s.lines[s.rows_lines].text, static_cast<uint32_t>(s.rows_lines), cols, s.rows);
}

// Turns new session log entries into transcript lines (append-only, so cheap per frame).
void sync_transcript(const Session& session, ConsoleState& s, bool rebooted) {
    const auto& log = session.log();
    if (rebooted || log.size() < s.log_seen) {
        clear_lines(s);
        s.log_seen = std::min(s.cleared, log.size());
        if (log.size() < s.cleared) s.cleared = s.log_seen = 0;
    }
    for (; s.log_seen < log.size(); ++s.log_seen) {
        const CommandRecord& r = log[s.log_seen];
        if (s.log_seen < s.cleared) continue;
        std::vector<TextLine> in;
        split_lines(r.text, LineKind::input, false, in);
        for (size_t i = 0; i < in.size(); ++i)
            s.lines.push_back(TextLine{(i == 0 ? "> " : "  ") + in[i].text, LineKind::input});
        split_lines(r.output, LineKind::output, true, s.lines);
        if (s.history.empty() || s.history.back() != r.text)
            if (r.source == "console") s.history.push_back(r.text);
        s.scroll_to_bottom = true;
    }
}

ImVec4 line_colour(LineKind k) {
    switch (k) {
    case LineKind::input: return ImVec4(0.55f, 0.78f, 1.0f, 1);
    case LineKind::error: return ImVec4(1.0f, 0.45f, 0.40f, 1);
    case LineKind::caret: return ImVec4(1.0f, 0.35f, 0.30f, 1);
    case LineKind::note: return ImVec4(0.85f, 0.80f, 0.55f, 1);
    default: return ImGui::GetStyleColorVec4(ImGuiCol_Text);
    }
}

struct CallbackData {
    const Session* session;
    ConsoleState* state;
};

void replace_all(ImGuiInputTextCallbackData* d, const std::string& text) {
    d->DeleteChars(0, d->BufTextLen);
    d->InsertChars(0, text.c_str());
    d->CursorPos = d->SelectionStart = d->SelectionEnd = d->BufTextLen;
}

int input_callback(ImGuiInputTextCallbackData* d) {
    auto* cb = static_cast<CallbackData*>(d->UserData);
    ConsoleState& s = *cb->state;
    if (d->EventFlag == ImGuiInputTextFlags_CallbackCompletion) {
        std::string line(d->Buf, static_cast<size_t>(d->BufTextLen));
        s.candidates.clear();
        // Nothing typed yet: every name would match (263 of them). The browser's Tab moves the
        // focus out of the lab then (web_main.cpp); natively it does nothing.
        if (line.find_first_not_of(" \t\n") == std::string::npos) return 0;
        Completion c = cb->session->complete(line, static_cast<size_t>(d->CursorPos));
        if (c.candidates.empty()) return 0;
        std::string prefix = c.common_prefix();
        size_t typed = static_cast<size_t>(d->CursorPos) - c.start;
        if (prefix.size() > typed) {
            d->DeleteChars(static_cast<int>(c.start), static_cast<int>(typed));
            d->InsertChars(static_cast<int>(c.start), prefix.c_str());
        }
        if (c.candidates.size() > 1) s.candidates = c.candidates;
        return 0;
    }
    if (d->EventFlag != ImGuiInputTextFlags_CallbackAlways) return 0;
    if (s.cursor_to_end) {
        s.cursor_to_end = false;
        d->CursorPos = d->SelectionStart = d->SelectionEnd = d->BufTextLen;
    }
    if (!s.pending_insert.empty()) {
        d->InsertChars(d->CursorPos, s.pending_insert.c_str());
        s.pending_insert.clear();
    }
    // History: Up on the first line, Down on the last (inside a block they move the cursor).
    const char* buf = d->Buf;
    bool on_first = std::memchr(buf, '\n', static_cast<size_t>(d->CursorPos)) == nullptr;
    bool on_last = std::strchr(buf + d->CursorPos, '\n') == nullptr;
    int n = static_cast<int>(s.history.size());
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_UpArrow)) && on_first && n > 0) {
        if (s.history_pos == -1) {
            s.history_draft.assign(buf, static_cast<size_t>(d->BufTextLen));
            s.history_pos = n - 1;
        } else if (s.history_pos > 0) {
            --s.history_pos;
        }
        replace_all(d, s.history[static_cast<size_t>(s.history_pos)]);
    } else if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_DownArrow)) && on_last &&
               s.history_pos != -1) {
        if (++s.history_pos >= n) {
            s.history_pos = -1;
            replace_all(d, s.history_draft);
        } else {
            replace_all(d, s.history[static_cast<size_t>(s.history_pos)]);
        }
    }
    return 0;
}

std::string transcript_text(const ConsoleState& s) {
    std::string all;
    for (const TextLine& l : s.lines) all += l.text + "\n";
    return all;
}

// The last Tab's matches in a box of at most `h` pixels that scrolls when they do not fit.
void draw_candidates(ViewContext& c, const ConsoleState& s, float h) {
    ImGui::BeginChild("completions", ImVec2(0, h), true);
    ImGui::TextDisabled("%zu matches · type more and Tab again · Esc closes", s.candidates.size());
    std::string line;
    for (const std::string& cand : s.candidates) line += cand + "  ";
    ImGui::TextWrapped("%s", line.c_str());
    ImGui::EndChild();
    c.widgets.track_last_item("console/completions");
}

} // namespace

void draw_console(ViewContext& c, ConsoleState& s) {
    sync_transcript(c.session, s, c.changes.rebooted);
    float em = ImGui::GetFontSize();
    ImGuiStyle& style = ImGui::GetStyle();

    if (ImGui::SmallButton("Clear")) {
        s.cleared = c.session.log().size();
        clear_lines(s);
        s.log_seen = s.cleared;
        s.candidates.clear();
        s.focus_input = true;
    }
    c.widgets.track_last_item("console/clear");
    ImGui::SameLine();
    if (ImGui::SmallButton("Copy all")) ImGui::SetClipboardText(transcript_text(s).c_str());
    c.widgets.track_last_item("console/copy");
    ImGui::SameLine();
    if (ImGui::SmallButton("Paste")) {
        if (const char* t = ImGui::GetClipboardText()) s.pending_insert = t;
        s.focus_input = true;
    }
    ImGui::SameLine();
    ImGui::TextDisabled("Enter runs · Ctrl+Enter new line · Tab completes · Up/Down history");

    // Input area: one line high, growing with the text up to 8 lines.
    int input_lines = 1;
    for (const char* p = s.input.data(); *p; ++p) input_lines += *p == '\n';
    input_lines = std::min(input_lines, 8);
    ImGui::PushFont(c.fonts.mono);
    float line_h = ImGui::GetTextLineHeight();
    float input_h = line_h * static_cast<float>(input_lines) + style.FramePadding.y * 2;
    // The completion list is a bounded, scrolling box: however many names match, the input
    // line below it stays inside the window (a long list once pushed it out of sight).
    float avail = ImGui::GetContentRegionAvail().y;
    float row = ImGui::GetTextLineHeightWithSpacing();
    float cand_h = 0;
    if (!s.candidates.empty())
        cand_h = std::clamp(avail - input_h - 2 * em - style.ItemSpacing.y * 3, 2 * row,
                            5 * row + style.WindowPadding.y * 2);
    float out_h = avail - input_h - cand_h - style.ItemSpacing.y * (cand_h > 0 ? 3 : 2);

    // Always a scrollbar: the width the lines wrap at does not change as the text grows.
    ImGui::BeginChild("transcript", ImVec2(0, std::max(out_h, 2 * em)), true, ImGuiWindowFlags_AlwaysVerticalScrollbar);
    if (s.lines.empty()) {
        // A first-time student needs a starting point, not an empty box.
        ImGui::PushStyleColor(ImGuiCol_Text, line_colour(LineKind::note));
        ImGui::TextWrapped("Type a kernel call below and press Enter, for example:");
        ImGui::PopStyleColor();
        ImGui::TextUnformatted("  p = kmalloc(100, GFP_KERNEL);");
        ImGui::TextUnformatted("  cat /proc/buddyinfo");
        ImGui::PushStyleColor(ImGuiCol_Text, line_colour(LineKind::note));
        ImGui::TextWrapped("%s", s.has_menus ? "'help' lists the commands; the Lessons menu has guided lessons."
                                             : "'help' lists the commands.");
        ImGui::PopStyleColor();
        c.widgets.track_last_item("console/welcome");
    }
    float char_w = std::max(ImGui::CalcTextSize("M").x, 1.0f);
    wrap_transcript(s, std::max(static_cast<int>(ImGui::GetContentRegionAvail().x / char_w), 8));
    ImGuiListClipper clip;
    clip.Begin(static_cast<int>(s.rows.size()));
    while (clip.Step())
        for (int i = clip.DisplayStart; i < clip.DisplayEnd; ++i) {
            const ConsoleState::Row& r = s.rows[static_cast<size_t>(i)];
            const TextLine& l = s.lines[r.line];
            ImGui::PushStyleColor(ImGuiCol_Text, line_colour(l.kind));
            ImGui::TextUnformatted(l.text.c_str() + r.begin, l.text.c_str() + r.end);
            ImGui::PopStyleColor();
        }
    if (s.scroll_to_bottom) ImGui::SetScrollHereY(1.0f);
    s.scroll_to_bottom = false;
    ImGui::EndChild();
    c.widgets.track_last_item("console/transcript");

    if (!s.candidates.empty()) draw_candidates(c, s, cand_h);

    // A focus request is dropped when another window takes the focus before it resolves (new
    // windows do in their first frame), so it is repeated for a few frames until it lands.
    if (s.focus_input) {
        s.focus_input = false;
        s.focus_frames = 4;
    }
    if (s.focus_frames > 0 && !s.input_active) {
        --s.focus_frames;
        if (!ImGui::IsWindowFocused(ImGuiFocusedFlags_RootAndChildWindows)) ImGui::SetWindowFocus();
        ImGui::SetKeyboardFocusHere();
    }
    CallbackData cb{&c.session, &s};
    ImGuiInputTextFlags flags = ImGuiInputTextFlags_EnterReturnsTrue |
                                ImGuiInputTextFlags_CtrlEnterForNewLine |
                                ImGuiInputTextFlags_CallbackCompletion |
                                ImGuiInputTextFlags_CallbackAlways;
    // Escape closes the completion list and keeps the line: ImGui's own Escape would put the
    // text back as it was when the input took the keyboard, and let go of the keyboard.
    bool escape = s.input_active && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape));
    std::string before_escape = escape ? std::string(s.input.data()) : std::string();
    ImGui::SetNextItemWidth(-FLT_MIN);
    bool entered = ImGui::InputTextMultiline("##input", s.input.data(), s.input.size(),
                                             ImVec2(-FLT_MIN, input_h), flags, input_callback, &cb);
    c.widgets.track_last_item("console/input");
    if (ImGui::IsItemEdited()) s.tab_leaves = false;
    s.input_active = ImGui::IsItemActive();
    if (s.input_active) s.focus_frames = 0;
    ImGui::PopFont();
    if (escape) {
        s.candidates.clear();
        s.tab_leaves = true; // the next Tab takes the focus out of the lab (web_main.cpp)
        std::snprintf(s.input.data(), s.input.size(), "%s", before_escape.c_str());
        s.focus_input = s.cursor_to_end = true;
    }
    if (entered) {
        s.candidates.clear();
        if (input_unfinished(s.input.data())) {
            size_t len = std::strlen(s.input.data());
            if (len + 1 < s.input.size()) s.input[len] = '\n', s.input[len + 1] = 0;
            s.cursor_to_end = true;
        } else if (s.input[0] != 0) {
            c.requests.submit.emplace_back(s.input.data());
            s.input[0] = 0;
            s.history_pos = -1;
        }
        s.focus_input = true;
    }
}

} // namespace klab::ui
