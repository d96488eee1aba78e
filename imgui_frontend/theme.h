// The lab's look: style, colours and fonts in one place, used by every platform.
#pragma once

#include <string>

struct ImFont;

namespace klab::ui {

struct UiFonts {
    ImFont* ui = nullptr;   // DejaVu Sans: menus, prose, tables
    ImFont* mono = nullptr; // DejaVu Sans Mono: console, kernel log, code, addresses
};

// Sets up the current ImGui context's style for a display `scale` device pixels per CSS pixel.
void apply_theme(float scale);

// Loads DejaVu Sans and Sans Mono from `font_dir` into the current context's atlas at `scale`
// (falls back to ImGui's built-in font for what is missing). Clears the atlas first, so the
// platform must re-upload the font texture afterwards.
UiFonts load_fonts(const std::string& font_dir, float scale);

} // namespace klab::ui
