#include "widget_registry.h"

#include <imgui.h>

namespace klab::ui {

void WidgetRegistry::track_last_item(const std::string& id) {
    ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    rects_[id] = Rect{a.x, a.y, b.x - a.x, b.y - a.y};
}

void WidgetRegistry::track_window(const std::string& id) {
    ImVec2 a = ImGui::GetWindowPos(), s = ImGui::GetWindowSize();
    rects_[id] = Rect{a.x, a.y, s.x, s.y};
}

std::optional<Rect> WidgetRegistry::find(const std::string& id) const {
    auto it = rects_.find(id);
    if (it == rects_.end()) return std::nullopt;
    return it->second;
}

} // namespace klab::ui
