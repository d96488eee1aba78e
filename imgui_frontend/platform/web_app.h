// The browser build's one App, for the Embind bindings in web/ (null before main() ran).
#pragma once

#include "app.h"

namespace klab::ui {
App* web_app();
} // namespace klab::ui
