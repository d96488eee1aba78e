// Mouse wheel deltas as ImGui 1.86 wants them. A browser's WheelEvent gives deltaX/deltaY in
// pixels, lines or pages (deltaMode), positive = content moves up (the page scrolls down);
// ImGui counts "wheel units", positive = scroll up, and scrolls 5 font heights per unit
// vertically and 2 horizontally (ImGui::UpdateMouseWheel). Emscripten 3.1.6's GLFW passes the
// browser's numbers through unchanged, so one notch (100 px) scrolled 500 lines the wrong way.
// Here one notch scrolls three lines in the direction turned, as browsers scroll a page, and a
// trackpad's small pixel deltas scroll in proportion.
#pragma once

namespace klab::ui {

constexpr float kWheelLinesPerNotch = 3;    // lines one notch scrolls (browsers' default)
constexpr float kWheelPixelsPerNotch = 100; // Chromium's and Firefox's pixel delta of a notch
constexpr float kWheelLinesPerPage = 20;    // deltaMode 2 (rare): a page counted as 20 lines
constexpr float kImGuiLinesPerUnit = 5;     // ImGui 1.86: vertical scroll step per unit
constexpr float kImGuiColumnsPerUnit = 2;   // ImGui 1.86: horizontal scroll step per unit
// io.MouseWheel of one notch: views that act per notch (Ctrl+wheel zoom) divide by this.
constexpr float kWheelUnitsPerNotch = kWheelLinesPerNotch / kImGuiLinesPerUnit;

struct WheelUnits {
    float x = 0; // io.MouseWheelH (positive = left)
    float y = 0; // io.MouseWheel (positive = up)
};

// deltaMode: 0 pixels, 1 lines, 2 pages (WheelEvent.DOM_DELTA_*).
inline WheelUnits wheel_units_from_dom(double dx, double dy, int delta_mode) {
    double lines_per_delta = delta_mode == 1   ? 1.0
                             : delta_mode == 2 ? kWheelLinesPerPage
                                               : kWheelLinesPerNotch / kWheelPixelsPerNotch;
    WheelUnits u;
    u.x = static_cast<float>(-dx * lines_per_delta / kImGuiColumnsPerUnit);
    u.y = static_cast<float>(-dy * lines_per_delta / kImGuiLinesPerUnit);
    return u;
}

// A native GLFW offset (1.0 per notch, positive = up, as ImGui expects) scaled to the same
// three lines a notch.
inline WheelUnits wheel_units_from_glfw(double xoffset, double yoffset) {
    return WheelUnits{static_cast<float>(xoffset * kWheelLinesPerNotch / kImGuiColumnsPerUnit),
                      static_cast<float>(yoffset * kWheelUnitsPerNotch)};
}

} // namespace klab::ui
