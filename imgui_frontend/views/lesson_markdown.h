// Drawing lesson Markdown (md4c blocks, engine/lesson/markdown.h) with ImGui: see
// lesson_markdown.cpp. Clicks come back as LessonActions (run a code block, open a link).
#pragma once

#include <string>
#include <vector>

#include "lesson/markdown.h"
#include "theme.h"
#include "views/lesson_state.h"
#include "widget_registry.h"

namespace klab::ui {

struct MdContext {
    const UiFonts& fonts;
    WidgetRegistry& widgets;
    std::vector<LessonAction>& actions;
    std::string prefix = "lesson/prose"; // widget ids: PREFIX/run/N
    int code_id = 0;
    int link_id = 0;
    // Layout of the paragraph being drawn.
    bool line_start = true;
    float line_end_x = 0;
};

void draw_markdown(MdContext& m, const MdDoc& doc);

} // namespace klab::ui
