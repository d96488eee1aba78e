// Keyboard shortcuts for the lab's main actions, so a lesson can be followed without a mouse
// (with ImGui's keyboard navigation for everything else: Tab and the arrows move between
// widgets, Space/Enter press them, Alt alone reaches the menu bar). Alt+letter works while the
// console's input has the keyboard; no letter the browsers keep for their own menus (F, E, D).
// Key codes are the GLFW ones both platforms feed ImGui 1.86 ('A'..'Z' are ASCII).
#include <imgui.h>
#include <imgui_internal.h> // NavWindowingToggleLayer

#include "views/layout.h"
#include "views/lesson_state.h"
#include "views/view_state.h"
#include "views/views.h"

namespace klab::ui {

namespace {

constexpr int kKeyF1 = 290; // GLFW_KEY_F1

using Kind = LessonAction::Kind;

bool alt_pressed(int key) {
    const ImGuiIO& io = ImGui::GetIO();
    return io.KeyAlt && !io.KeyCtrl && !io.KeySuper && ImGui::IsKeyPressed(key, false);
}

} // namespace

const std::vector<Shortcut>& shortcuts() {
    static const std::vector<Shortcut> list = {
        {"F1", "this help"},
        {"Alt+C", "the console's input line"},
        {"Alt+L", "the lesson list"},
        {"Alt+H", "the next hint of the step"},
        {"Alt+S", "show the step's solution"},
        {"Alt+R", "reset the step"},
        {"Alt+N", "next step"},
        {"Tab / arrows", "move between buttons and fields; Space or Enter presses one"},
        {"Alt", "the menu bar (then arrows, Enter; Escape leaves it)"},
    };
    return list;
}

void handle_shortcuts(LessonPanelState& s, MenuState& menu, ConsoleState& console, bool lesson_open) {
    const ImGuiIO& io = ImGui::GetIO();
    bool used = true;
    if (!io.KeyAlt && !io.KeyCtrl && ImGui::IsKeyPressed(kKeyF1, false)) menu.show_help = true;
    else if (alt_pressed('C')) console.focus_input = true;
    else if (alt_pressed('L')) s.wants_panel = true;
    else if (lesson_open && alt_pressed('H')) s.actions.push_back({Kind::hint, {}, 0});
    else if (lesson_open && alt_pressed('S')) s.actions.push_back({Kind::solution, {}, 0});
    else if (lesson_open && alt_pressed('R')) s.actions.push_back({Kind::reset, {}, 0});
    else if (lesson_open && alt_pressed('N')) s.actions.push_back({Kind::next, {}, 0});
    else used = false;
    // Alt pressed and released alone moves to the menu bar: not after Alt+letter.
    if (used) ImGui::GetCurrentContext()->NavWindowingToggleLayer = false;
}

} // namespace klab::ui
