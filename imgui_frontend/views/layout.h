// The view registry and the layout: which panels exist, which are open, and where they go.
// At 1280x720 and above the panels are tiled windows (movable; positions persist through
// ImGui's ini text, which the web platform keeps in localStorage); below ~1000x620 CSS pixels
// (an 800x600 iframe) they become tabs of one full-screen window.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/config.h"

namespace klab::ui {

enum class ViewId { console, log, zones, trace, page_map, machine, slab, vm, count };

struct ViewSlot {
    ViewId id;
    const char* title;    // window title and tab label (also the ini key)
    bool open = true;
    bool available = true; // false: a place kept for a view another issue builds
    const char* note = ""; // why it is not available yet
    float x, y, w, h;      // tile, as fractions of the area under the bars
};

// The panels in menu order (and tab order on small screens). A panel another issue is still
// building keeps its slot with `available = false` and a note until its draw function lands.
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
