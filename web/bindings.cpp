// Embind bindings: the JavaScript face of the lab (documented in docs/frontend.md). `new
// Module.Lab()` is a handle on the page's one lab controller (session/lab_controller.h), which
// exists with or without a canvas; the lessons helper, course-site embedding and the browser
// tests call through it. Everything that changes the kernel goes through the controller (exec,
// boot, restore, undo), so the views and the `klab-change` event see every change. The few
// calls about drawing (frames, layout, widgets) ask the ImGui App and answer "nothing" when
// the page has no canvas.
#include <emscripten.h>
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <map>
#include <memory>

#include "core/version.h"
#include "platform/web_app.h"

using emscripten::val;

namespace {

klab::ui::App* app() {
    return klab::ui::web_app();
}

klab::LabController& lab() {
    return klab::ui::web_lab();
}

// clang-format off
EM_JS(void, klab_notify_change, (double n), {
    if (typeof Module.onKlabChange === 'function') Module.onKlabChange(n);
});
// clang-format on

val command_object(const klab::CommandRecord& r) {
    val o = val::object();
    o.set("id", r.id);
    o.set("source", r.source);
    o.set("text", r.text);
    o.set("output", r.output);
    o.set("error", r.error);
    return o;
}

class Lab {
public:
    std::string version() const { return klab::kLabVersion; }
    std::string linuxRelease() const { return klab::kLinuxRelease; }

    // Runs console text (shell words and KernelC) and returns what the console printed.
    std::string exec(const std::string& text) {
        return lab().submit(text).output;
    }
    // Like exec, with the details: {id, output, error, compileError}. `source` names where the
    // text came from in the command log ("console" when omitted; a lesson id, a file name).
    val run(const std::string& text, const std::string& source) {
        klab::ExecResult r = lab().submit(text, source.empty() ? "console" : source);
        val o = val::object();
        o.set("id", r.id);
        o.set("output", r.output);
        o.set("error", r.error);
        o.set("compileError", r.compile_error);
        return o;
    }
    // A /proc file as `cat` prints it, or null if there is no such file.
    val proc(const std::string& path) const {
        std::string out;
        if (!lab().session().proc(path, out)) return val::null();
        return val(out);
    }
    std::string dmesg() const { return lab().session().dmesg(); }
    // The command log: [{id, source, text, output, error}], oldest first.
    val commands() const {
        val a = val::array();
        for (const klab::CommandRecord& r : lab().session().log()) a.call<void>("push", command_object(r));
        return a;
    }
    // Snapshots stay in the page (a whole kernel is megabytes); JS holds a number.
    int snapshot() {
        int id = next_snapshot_++;
        snapshots_.emplace(id, lab().snapshot());
        return id;
    }
    bool restore(int id) {
        auto it = snapshots_.find(id);
        if (it == snapshots_.end()) return false;
        lab().restore(it->second);
        return true;
    }
    bool dropSnapshot(int id) { return snapshots_.erase(id) > 0; }
    bool undo() { return lab().undo(); }
    // Increases with every change of the kernel (exec, boot, restore, undo).
    double generation() const { return static_cast<double>(lab().change_count()); }

    // Reboots with {preset: 'i386'|'x86_64', mem: '512M' | memBytes, cpus, allocator, cmdline,
    // seed}; missing fields come from the preset. Returns {ok, error}.
    val boot(val cfg) {
        val res = val::object();
        auto fail = [&](const std::string& why) {
            res.set("ok", false);
            res.set("error", why);
            return res;
        };
        // Fields that are missing, undefined or null keep the preset's value; numbers may also
        // come as strings (URL parameters).
        auto has = [&](const char* k) {
            return cfg.hasOwnProperty(k) && !cfg[k].isUndefined() && !cfg[k].isNull();
        };
        auto text = [&](const char* k) {
            val v = cfg[k];
            return v.isString() ? v.as<std::string>() : val::global("String")(v).as<std::string>();
        };
        auto number = [&](const char* k) { return val::global("Number")(cfg[k]).as<double>(); };
        klab::Arch arch = lab().machine().arch;
        if (has("preset")) {
            auto a = klab::parse_arch(text("preset"));
            if (!a.ok()) return fail(a.error().message);
            arch = a.value();
        }
        klab::MachineConfig m = klab::MachineConfig::preset(arch);
        if (has("mem")) {
            auto b = klab::parse_mem_size(text("mem"));
            if (!b.ok()) return fail(b.error().message);
            m.mem_bytes = b.value();
        }
        if (has("memBytes")) m.mem_bytes = static_cast<uint64_t>(std::max(0.0, number("memBytes")));
        if (has("cpus")) {
            double c = number("cpus");
            if (!(c >= 1 && c <= klab::kMaxCpus)) return fail("cpus must be a number from 1 to 64");
            m.nr_cpus = static_cast<uint32_t>(c);
        }
        if (has("allocator")) {
            auto a = klab::parse_allocator(text("allocator"));
            if (!a.ok()) return fail(a.error().message);
            m.allocator = a.value();
        }
        if (has("cmdline")) m.cmdline = text("cmdline");
        if (has("seed")) m.seed = static_cast<uint64_t>(std::max(0.0, number("seed")));
        std::string err;
        if (!lab().boot(m, &err)) return fail(err);
        res.set("ok", true);
        return res;
    }

    // The booted machine as a plain object.
    val machine() const {
        const klab::MachineConfig& m = lab().machine();
        val o = val::object();
        o.set("preset", std::string(klab::arch_name(m.arch)));
        o.set("memBytes", static_cast<double>(m.mem_bytes));
        o.set("pages", static_cast<double>(m.nr_pages()));
        o.set("cpus", m.nr_cpus);
        o.set("hz", m.hz());
        o.set("pageSize", static_cast<double>(m.page_size()));
        o.set("allocator", std::string(klab::allocator_name(m.allocator)));
        o.set("cmdline", m.cmdline);
        o.set("bootCount", static_cast<double>(lab().boot_count()));
        return o;
    }

    double frameCount() const { return app() ? static_cast<double>(app()->frame_count()) : 0; }
    // Milliseconds of each frame since the last call, oldest first: {ui, gl} arrays (ui: view
    // code + ImGui draw lists; gl: clear + draw calls, including waits for the GPU).
    val takeFrameTimes() const {
        std::vector<double> gl;
        std::vector<double> ui = klab::ui::web_take_frame_times(&gl);
        val o = val::object(), a = val::array(), b = val::array();
        for (double t : ui) a.call<void>("push", t);
        for (double t : gl) b.call<void>("push", t);
        o.set("ui", a);
        o.set("gl", b);
        return o;
    }
    // How the memory map kept up: {pages, fullRebuilds, rowsRecoloured, texelsUploaded}.
    val pageMapStats() const {
        val o = val::object();
        if (!app()) return o;
        const klab::ui::PageMap& m = app()->page_map();
        o.set("pages", static_cast<double>(m.nr_pages()));
        o.set("fullRebuilds", static_cast<double>(m.full_rebuilds()));
        o.set("rowsRecoloured", static_cast<double>(m.rows_recoloured()));
        o.set("texelsUploaded", static_cast<double>(m.texels_uploaded()));
        return o;
    }
    // Whether the console's input line has the keyboard (typing goes there).
    bool consoleFocused() const { return app() && app()->console().input_active; }
    // Whether the views are tabs (small screen) rather than tiled windows.
    bool tabs() const { return app() && app()->tabs(); }
    // Opens or closes a view by its title ("Console", "Physical memory", ...).
    bool setViewOpen(const std::string& title, bool open) {
        if (!app()) return false;
        for (klab::ui::ViewSlot& v : app()->views())
            if (title == v.title && v.available) {
                v.open = open;
                return true;
            }
        return false;
    }
    void resetLayout() { klab::ui::web_reset_layout(); }
    // The page's paste handler hands the browser clipboard's text over for ImGui's Ctrl+V.
    void setClipboard(const std::string& text) { klab::ui::web_set_clipboard(text); }

    // Where a named widget was drawn in the last frame ({x, y, w, h} in CSS pixels) or null.
    val widgetRect(const std::string& id) const {
        if (!app()) return val::null();
        auto r = app()->widgets().find(id);
        if (!r) return val::null();
        float s = app()->scale(); // ImGui draws in device pixels
        val o = val::object();
        o.set("x", r->x / s);
        o.set("y", r->y / s);
        o.set("w", r->w / s);
        o.set("h", r->h / s);
        return o;
    }
    double pixelRatio() const { return app() ? app()->scale() : 1.0; }
    // Compact iframe view (embed=1): no menus; the lesson panel, the console and the step's view.
    void setEmbedMode(bool on) { lab().set_embed_mode(on); }
    bool embedMode() const { return lab().embed_mode(); }

private:
    std::map<int, klab::Session::Snapshot> snapshots_;
    int next_snapshot_ = 1;
};

} // namespace

namespace klab::ui {

// The page's controller, made on first use: by main() when the page has a canvas (the App then
// draws it), or by the first `new Module.Lab()` in a page (or node) without one.
LabController& web_lab() {
    static std::unique_ptr<LabController> lab;
    if (!lab) {
        lab = std::make_unique<LabController>();
        web_install_lesson_hooks(*lab);
        lab->set_change_listener([](uint64_t n) { klab_notify_change(static_cast<double>(n)); });
    }
    return *lab;
}

} // namespace klab::ui

EMSCRIPTEN_BINDINGS(klab) {
    emscripten::class_<Lab>("Lab")
        .constructor<>()
        .function("version", &Lab::version)
        .function("linuxRelease", &Lab::linuxRelease)
        .function("exec", &Lab::exec)
        .function("run", &Lab::run)
        .function("proc", &Lab::proc)
        .function("dmesg", &Lab::dmesg)
        .function("commands", &Lab::commands)
        .function("snapshot", &Lab::snapshot)
        .function("restore", &Lab::restore)
        .function("dropSnapshot", &Lab::dropSnapshot)
        .function("undo", &Lab::undo)
        .function("generation", &Lab::generation)
        .function("boot", &Lab::boot)
        .function("machine", &Lab::machine)
        .function("frameCount", &Lab::frameCount)
        .function("takeFrameTimes", &Lab::takeFrameTimes)
        .function("pageMapStats", &Lab::pageMapStats)
        .function("tabs", &Lab::tabs)
        .function("consoleFocused", &Lab::consoleFocused)
        .function("setViewOpen", &Lab::setViewOpen)
        .function("resetLayout", &Lab::resetLayout)
        .function("setClipboard", &Lab::setClipboard)
        .function("widgetRect", &Lab::widgetRect)
        .function("pixelRatio", &Lab::pixelRatio)
        .function("setEmbedMode", &Lab::setEmbedMode)
        .function("embedMode", &Lab::embedMode);
}
