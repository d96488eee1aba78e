// The browser build's one App and frame statistics, for the Embind bindings in web/ (null
// before main() ran).
#pragma once

#include <string>
#include <vector>

#include "app.h"

namespace klab::ui {
App* web_app();
// CPU time of the last frames (view code + ImGui render + GL submission), in milliseconds,
// oldest first; cleared by the call.
std::vector<double> web_take_frame_times();
// Text the browser's paste event delivered, for ImGui's Ctrl+V.
void web_set_clipboard(const std::string& text);
// Window positions as ImGui ini text (persisted in localStorage by the page).
void web_load_layout(const std::string& ini);
void web_reset_layout();
} // namespace klab::ui
