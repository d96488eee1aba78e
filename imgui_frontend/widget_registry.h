// Where named widgets were drawn in the last frame. Browser tests ask for a widget's rectangle
// and click it with real mouse events, so they test the same path a student's click takes.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace klab::ui {

struct Rect {
    float x = 0, y = 0, w = 0, h = 0;
};

class WidgetRegistry {
public:
    void begin_frame() { rects_.clear(); }
    // Records the rectangle of the last ImGui item under `id` (call right after the widget).
    void track_last_item(const std::string& id);
    // Records the current window's rectangle under `id` (call between Begin and End).
    void track_window(const std::string& id);
    // Records a rectangle drawn without an item (a mark on the memory map, a label).
    void track_rect(const std::string& id, Rect r) { rects_[id] = r; }
    std::optional<Rect> find(const std::string& id) const;

private:
    std::map<std::string, Rect> rects_;
};

} // namespace klab::ui
