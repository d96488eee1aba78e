// The lesson panel's state between frames and what it asks the App to do. The panel only reads
// the lesson (a LessonView the App fills each frame) and returns LessonActions, which the App
// hands to the lab controller after the frame: every command still goes through submit, so it
// lands in the console and the command log.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "lesson/lesson.h"
#include "lesson/markdown.h"
#include "lesson/runner.h"
#include "session/lab_controller.h"

namespace klab::ui {

using LessonAction = klab::LessonAction; // session/lab_controller.h

// One shipped lesson in the list (or the file that failed to parse).
struct LessonListEntry {
    std::string id, title, file;
    uint32_t steps = 0, minutes = 0;
    uint32_t done = 0;      // steps met, from the saved progress
    bool started = false;   // there is saved progress
    std::string error;      // "FILE:LINE: message" for a malformed lesson
};

// What the panel shows of the open lesson, filled by the App each frame (the runner's goal()
// caches by session generation, so this costs nothing when nothing changed).
struct LessonView {
    const LessonRunner* runner = nullptr;
    GoalStatus goal;
    std::string trouble; // LessonRunner::kernel_trouble(): the kernel's complaint in this step
};

struct LessonPanelState {
    // The saved progress record of a lesson ("" if none): the list shows how far each got.
    std::function<std::string(const std::string& id)> load_progress;
    LessonView view;
    bool list_built = false;
    std::vector<LessonListEntry> list;
    std::vector<LessonAction> actions; // filled while drawing, carried out by the App
    std::string open_error;            // why the last lesson could not be opened (file:line)
    std::vector<std::string> notices;  // corrupt progress, import results ... (newest last)
    bool show_solution = false;
    std::array<char, 64> answer{};     // the predict input
    std::string predict_error;
    // Markdown parsed once per text (the step's prose, hints, explanation).
    std::map<std::string, MdDoc> md_cache;
    // The view the step is about and when its goal was first seen met (highlight pulse).
    std::string highlight;   // a lesson_view_names() key, "" for none
    double met_since = -1;   // ImGui time; -1 while the goal is not met
    uint64_t seen_step_key = ~0ull; // lesson/step the per-step fields belong to
    bool scroll_to_top = false;
    enum class Scroll : uint8_t { none, hint, solution, explanation };
    Scroll scroll_to = Scroll::none; // what the prose scrolls to in the next frame
    bool wants_panel = false; // the Lessons menu asked for the list
    // A lesson to open once the student confirms (they typed commands the lesson's boot
    // would throw away), and how many.
    std::string confirm_open;
    size_t confirm_commands = 0;
    // The page can make share links (the web platform sets can_share and, when the menu's
    // "Copy share link" sets share_requested, asks the page for one and clears it).
    bool can_share = false;
    bool share_requested = false;
    // For tests and the JS API: ImGui time from a command to the status shown.
    uint64_t frames_drawn = 0;
    // The goal line and the notes under it as last drawn (tests read what the student reads).
    std::string goal_text;
    std::vector<std::string> goal_notes;
};

// Parses Markdown once and keeps it (the panel redraws every frame).
const MdDoc& lesson_markdown(LessonPanelState& s, const std::string& text);

} // namespace klab::ui
