// The browser build's one lab controller and its App (the view host, null before main() ran and
// in a page without a canvas) with frame statistics, for the Embind bindings in web/.
#pragma once

#include <string>
#include <vector>

#include "app.h"

namespace klab::ui {
// The page's controller, made on first use with the page's hooks (web/bindings.cpp).
LabController& web_lab();
App* web_app();
// Milliseconds of the last frames, oldest first, cleared by the call: the UI's CPU time (view
// code + ImGui building its draw lists) and, in `gl`, the GL submission (clear + draw calls,
// including any wait for the GPU, which is software SwiftShader in the tests).
std::vector<double> web_take_frame_times(std::vector<double>* gl = nullptr);
// Text the browser's paste event delivered, for ImGui's Ctrl+V.
void web_set_clipboard(const std::string& text);
// Window positions as ImGui ini text (persisted in localStorage by the page).
void web_load_layout(const std::string& ini);
void web_reset_layout();
// The controller's hooks into the page for lessons: localStorage, new tabs, downloads, a file
// picker (defined in web/lesson_bindings.cpp).
void web_install_lesson_hooks(LabController& lab);
} // namespace klab::ui
