// The lab's look: one place for style and colours, used by every platform.
#pragma once

namespace klab::ui {

// Sets up the current ImGui context's style and fonts for the lab.
void apply_theme();

} // namespace klab::ui
