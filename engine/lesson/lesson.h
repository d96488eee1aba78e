// A guided lesson (lessons/*.md, format in lessons/README.md) as a value: the header, the
// introduction and the steps, each with its prose (Markdown, drawn by the front end), the
// KernelC blocks the machine runs or evaluates, hints and the explanation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/result.h"

namespace klab {

// A captured value: `let NAME = EXPR;` in a goal block, evaluated when the step starts.
struct GoalCapture {
    std::string name;
    std::string expr;
};

// A prediction the student makes before acting: a number, or one of several choices.
struct Predict {
    enum class Kind : uint8_t { Number, Choice };
    Kind kind = Kind::Number;
    std::string question;
    std::vector<std::string> choices; // Choice
    std::string expect;               // KernelC: the true answer (Choice: 0-based index)
    uint32_t line = 0;
};

struct LessonStep {
    uint32_t number = 0;
    std::string title;
    uint32_t line = 0;           // the "## Step N:" line
    std::string prose;           // Markdown
    std::string setup;           // KernelC run when the step starts ("" if none)
    uint32_t setup_line = 0;     // first line of its text in the file
    std::string goal;            // KernelC boolean expression ("" for a reading step)
    std::vector<GoalCapture> captures;
    uint32_t goal_line = 0;
    std::string solution;        // KernelC that reaches the goal from the step's start
    uint32_t solution_line = 0;
    std::vector<std::string> hints; // Markdown, in the order they are revealed
    std::string explanation;        // Markdown, shown when the goal is met
    bool has_predict = false;
    Predict predict;
    std::string view; // the view the step is about (lesson_view_names()); "" for the lesson's
};

struct Lesson {
    std::string file; // where it came from (errors name it)
    std::string id;
    std::string title;
    MachineConfig machine; // preset, mem, cpus, allocator, cmdline, seed
    uint32_t minutes = 0;
    std::vector<std::string> prerequisites; // lesson ids
    std::string introduction;               // Markdown
    std::vector<LessonStep> steps;
    std::string view; // the view most steps are about (header `view:`), "" for none
    // The view step i is about: its own ```view block, else the lesson's.
    const std::string& view_of(size_t i) const {
        return i < steps.size() && !steps[i].view.empty() ? steps[i].view : view;
    }
};

// The views a lesson may point at (`view:` in the header, a ```view block in a step); the
// front end highlights the one named when a step's goal is met.
const std::vector<std::string>& lesson_view_names();

// Parses a lesson file. Errors read "FILE:LINE: message", like a compiler's.
Result<Lesson> parse_lesson(std::string_view text, std::string_view file);

} // namespace klab
