// Embind bindings: the JavaScript face of the lab. `new Module.Lab()` is a handle on the page's
// one App; the browser tests and (later) the embed API call through it.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "core/version.h"
#include "platform/web_app.h"

using emscripten::val;

namespace {

class Lab {
public:
    std::string version() const { return klab::kLabVersion; }
    std::string linuxRelease() const { return klab::kLinuxRelease; }

    // The booted machine as a plain object.
    val machine() const {
        val o = val::object();
        const klab::ui::App* app = klab::ui::web_app();
        if (!app) return val::null();
        const klab::MachineConfig& m = app->machine();
        o.set("preset", std::string(klab::arch_name(m.arch)));
        o.set("memBytes", static_cast<double>(m.mem_bytes));
        o.set("pages", static_cast<double>(m.nr_pages()));
        o.set("cpus", m.nr_cpus);
        o.set("hz", m.hz());
        o.set("pageSize", static_cast<double>(m.page_size()));
        o.set("allocator", std::string(klab::allocator_name(m.allocator)));
        o.set("bootCount", static_cast<double>(app->boot_count()));
        return o;
    }

    double frameCount() const {
        const klab::ui::App* app = klab::ui::web_app();
        return app ? static_cast<double>(app->frame_count()) : 0;
    }

    // Where a named widget was drawn in the last frame ({x, y, w, h} in CSS pixels) or null.
    val widgetRect(const std::string& id) const {
        const klab::ui::App* app = klab::ui::web_app();
        if (!app) return val::null();
        auto r = app->widgets().find(id);
        if (!r) return val::null();
        float s = app->scale(); // ImGui draws in device pixels
        val o = val::object();
        o.set("x", r->x / s);
        o.set("y", r->y / s);
        o.set("w", r->w / s);
        o.set("h", r->h / s);
        return o;
    }

    double pixelRatio() const {
        const klab::ui::App* app = klab::ui::web_app();
        return app ? app->scale() : 1.0;
    }
};

} // namespace

EMSCRIPTEN_BINDINGS(klab) {
    emscripten::class_<Lab>("Lab")
        .constructor<>()
        .function("version", &Lab::version)
        .function("linuxRelease", &Lab::linuxRelease)
        .function("machine", &Lab::machine)
        .function("frameCount", &Lab::frameCount)
        .function("widgetRect", &Lab::widgetRect)
        .function("pixelRatio", &Lab::pixelRatio);
}
