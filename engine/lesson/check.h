// Validation of a lesson, as `klab lesson check` and the tests run it: the file parses, every
// KernelC block compiles, each step's goal is not met at the step's start but is met after
// its reference solution, predictions evaluate, and every step with a goal has a hint.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lesson/lesson.h"

namespace klab {

struct LessonCheck {
    std::string file;
    std::string id;
    uint32_t steps = 0;
    std::vector<std::string> problems; // "FILE:LINE: ..." each; empty means it passed
    bool passed() const { return problems.empty(); }
};

LessonCheck check_lesson_text(std::string_view text, std::string_view file);
LessonCheck check_lesson(const Lesson& lesson);

} // namespace klab
