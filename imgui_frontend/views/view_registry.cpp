// The view registry (layout.h): one row per view with its key, title, default tile, state type
// and draw function. The App makes each view's state once and draws a view through its row;
// the View menu, the tabs, the lesson layouts and lessons' `view:` keys all read this table.
#include "views/layout.h"
#include "views/view_state.h"
#include "views/views.h"

namespace klab::ui {

namespace {

// A row for a view whose state is an S drawn by draw(c, s).
template <typename S, void (*Draw)(ViewContext&, S&)>
ViewDef row(const char* key, const char* title, float x, float y, float w, float h,
            bool open = true) {
    return {key,
            title,
            x,
            y,
            w,
            h,
            [] { return std::shared_ptr<void>(std::make_shared<S>()); },
            [](ViewContext& c, void* s) { Draw(c, *static_cast<S*>(s)); },
            open};
}

// Views that keep nothing between frames.
struct NoState {};
void draw_machine_view(ViewContext& c, NoState&) {
    draw_machine(c);
}
void draw_modules_view(ViewContext& c, NoState&) {
    draw_modules(c);
}

} // namespace

const std::vector<ViewDef>& view_registry() {
    static const std::vector<ViewDef> views = {
        row<ConsoleState, draw_console>("console", "Console", 0.00f, 0.00f, 0.34f, 0.60f),
        row<LogViewState, draw_kernel_log>("log", "Kernel log", 0.00f, 0.60f, 0.34f, 0.40f),
        row<ZonesState, draw_zones>("zones", "Zones", 0.34f, 0.00f, 0.33f, 0.38f),
        row<SlabViewState, draw_slab_caches>("slab", "Slab caches", 0.34f, 0.38f, 0.33f, 0.36f),
        row<TraceViewState, draw_trace>("trace", "Trace", 0.34f, 0.74f, 0.33f, 0.26f),
        row<PageMap, draw_page_map>("page-map", "Physical memory", 0.67f, 0.00f, 0.33f, 0.38f),
        row<VmViewState, draw_vm>("vm", "vmalloc / kmap / per-CPU", 0.67f, 0.38f, 0.33f, 0.36f),
        row<NoState, draw_machine_view>("machine", "Machine", 0.67f, 0.74f, 0.33f, 0.26f),
        // Closed at first (View menu; a lesson step with `view: modules` opens it): over Machine.
        row<NoState, draw_modules_view>("modules", "Modules", 0.67f, 0.74f, 0.33f, 0.26f, false),
    };
    return views;
}

ViewId view_id(std::string_view key) {
    const std::vector<ViewDef>& r = view_registry();
    for (size_t i = 0; i < r.size(); i++)
        if (key == r[i].key) return static_cast<ViewId>(i);
    return ViewId::none;
}

std::vector<ViewSlot> default_views() {
    std::vector<ViewSlot> slots;
    const std::vector<ViewDef>& r = view_registry();
    for (size_t i = 0; i < r.size(); i++)
        slots.push_back({static_cast<ViewId>(i), r[i].title, r[i].open, true, "", r[i].x, r[i].y,
                         r[i].w, r[i].h});
    return slots;
}

bool lesson_view_id(const std::string& key, ViewId& out) {
    out = view_id(key);
    return out != ViewId::none;
}

} // namespace klab::ui
