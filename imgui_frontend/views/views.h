// The views: each draws the contents of one panel as a function of the session's const state
// plus what changed since the last frame (FrameChanges). A view never mutates the kernel: what
// a student asks for comes back as KernelC/shell text in ViewContext::submit (it lands in the
// command log like typed input) or as a machine to boot.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "page_map.h"
#include "session/session.h"
#include "theme.h"
#include "widget_registry.h"

namespace klab::ui {

class PageMap;
struct ConsoleState;
struct ZonesState;
struct LogViewState;
struct TraceViewState;
struct SlabViewState;
struct VmViewState;
struct MenuState;
struct ViewSlot;

// What changed in the session since the previous frame.
struct FrameChanges {
    bool rebooted = false;       // a new kernel (boot, restore, undo): forget everything cached
    bool kernel_changed = false; // the session's generation moved
    uint64_t trace_from = 0;     // Tracer::written at the previous frame
    uint64_t trace_to = 0;       // Tracer::written now
    double time = 0;             // ImGui time, for flashes that fade
};

// Requests the views make; the App carries them out after the frame is drawn.
struct ViewRequests {
    std::vector<std::string> submit;   // console/KernelC text, run in order
    std::optional<MachineConfig> boot; // reboot with this machine
    std::optional<MachineConfig> confirm_boot; // ask "Reboot the model?", then reboot
    std::optional<pfn_t> show_pfn;     // centre the memory map on this frame
    std::optional<PageHighlight> highlight; // point these frames out in the memory map
};

struct ViewContext {
    const Session& session;
    const FrameChanges& changes;
    WidgetRegistry& widgets;
    const UiFonts& fonts;
    ViewRequests& requests;
    float scale = 1.0f; // device pixels per CSS pixel
};

// One panel each (the file name says which). All draw inside an already open window or tab.
void draw_console(ViewContext& c, ConsoleState& s);
void draw_kernel_log(ViewContext& c, LogViewState& s);
void draw_zones(ViewContext& c, ZonesState& s);
void draw_page_map(ViewContext& c, PageMap& map);
void draw_trace(ViewContext& c, TraceViewState& s);
void draw_machine(ViewContext& c);
void draw_slab_caches(ViewContext& c, SlabViewState& s);
void draw_vm(ViewContext& c, VmViewState& s);
void draw_modules(ViewContext& c);
// The main menu bar and its dialogs (machine configuration, reboot confirmation, help).
void draw_main_menu(ViewContext& c, MenuState& m, std::vector<ViewSlot>& views);
// The lesson panel's line for a wrong prediction: a number reads "the model gives 3", a choice
// is quoted whole ("the order-10 block comes back" is a clause, not a value).
std::string prediction_miss_text(bool choice, const std::string& actual);
// The strip under the menu bar: one cell per CPU with its context.
void draw_cpu_bar(ViewContext& c);
// The CPU bar's "preempt_count 0 · irqs on" in words (its tooltip).
std::string cpu_state_words(uint32_t preempt_count, bool irqs_disabled);
// The lesson panel (lesson_view.cpp): a window at pos/size, or a tab of the small-screen
// layout; the Lessons menu; a frame around the view the step is about once its goal is met
// (call inside that view's window, after drawing it). prepare_ runs first in every frame.
struct LessonPanelState;
enum class ViewId : uint32_t;
} // namespace klab::ui
struct ImVec2;
namespace klab {
class LessonRunner;
}
namespace klab::ui {
void prepare_lesson_panel(ViewContext& c, LessonPanelState& s, LessonRunner* r);
void draw_lesson_window(ViewContext& c, LessonPanelState& s, ImVec2 pos, ImVec2 size);
void draw_lesson_tab(ViewContext& c, LessonPanelState& s);
void draw_lesson_menu(ViewContext& c, LessonPanelState& s);
// "Open the lesson?" when opening one would throw away commands the student typed.
void draw_open_confirmation(ViewContext& c, LessonPanelState& s);
void highlight_lesson_view(ViewContext& c, const LessonPanelState& s, ViewId id);
// A lesson's view key ("zones", "page-map", ... lesson_view_names()) as a view; false for
// none (view_registry.cpp).
bool lesson_view_id(const std::string& key, ViewId& out);

// Keyboard shortcuts for the main actions (shortcuts.cpp): the list Help shows, and the
// handler App::frame calls before drawing (lesson actions run after the frame, as clicks do).
struct Shortcut {
    const char* keys;
    const char* what;
};
const std::vector<Shortcut>& shortcuts();
void handle_shortcuts(LessonPanelState& s, MenuState& menu, ConsoleState& console, bool lesson_open);

} // namespace klab::ui
