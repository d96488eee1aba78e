// The view registry and the layout: which panels exist (one row each in view_registry.cpp:
// key, title, default tile, state, draw function), which are open, and where they go.
// At 1280x720 and above the panels are tiled windows (movable; positions persist through
// ImGui's ini text, which the web platform keeps in localStorage); below ~1000x620 CSS pixels
// (an 800x600 iframe) they become tabs of one full-screen window.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"

namespace klab::ui {

struct ViewContext;

// A view is its row in view_registry(); `none` for no view.
enum class ViewId : uint32_t { none = UINT32_MAX };

struct ViewDef {
    const char* key;   // stable name; lessons point at views by it (`view:`, lesson_view_names())
    const char* title; // window title and tab label (also the ini key)
    float x, y, w, h;  // default tile, as fractions of the area under the bars
    // The view's state between frames (any type; made once per App) and its draw function.
    std::shared_ptr<void> (*make_state)();
    void (*draw)(ViewContext& c, void* state);
    bool open = true; // open when the lab starts (and after "reset layout")
};

// Every view, in menu order (and tab order on small screens). A new view is one row there.
const std::vector<ViewDef>& view_registry();
ViewId view_id(std::string_view key);

struct ViewSlot {
    ViewId id;
    const char* title;    // window title and tab label (also the ini key)
    bool open = true;
    bool available = true; // false: a place kept for a view another issue builds
    const char* note = ""; // why it is not available yet
    float x, y, w, h;      // tile, as fractions of the area under the bars
};

// The registry's views as slots, open as their rows say, at their default tiles.
std::vector<ViewSlot> default_views();

enum class LayoutMode { automatic, tiled, tabs };

struct MenuState {
    bool show_help = false;
    bool show_config = false;     // the Machine > Configure dialog
    MachineConfig draft;          // what the dialog edits
    char cmdline[256] = {};
    int mem_mib = 0;
    std::optional<MachineConfig> confirm_boot; // waiting for "Reboot" in the confirmation
    bool reset_layout = false;
    LayoutMode mode = LayoutMode::automatic;
    bool show_metrics = false;
};

// Whether the panels should be tabs for a display of this size in CSS pixels.
bool use_tabs(LayoutMode mode, float css_width, float css_height);

} // namespace klab::ui
