// Platform layer for the browser: GLFW (Emscripten's JS implementation) + OpenGL ES 3 on
// WebGL2, frames driven by emscripten_set_main_loop. The only place that knows about the web:
// canvas size and devicePixelRatio, the browser clipboard, layout persistence in
// localStorage (through the page's Module hooks), the page map's textures, and telling the
// page when the kernel changed (the `klab-change` event).
#include <GLES3/gl3.h>
#include <GLFW/glfw3.h>
#include <emscripten.h>
#include <emscripten/html5.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_internal.h> // ClearIniSettings
#include <imgui_impl_opengl3.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>
#include <memory>
#include <string>
#include <string_view>

#include "app.h"
#include "platform/web_app.h"
#include "platform/wheel.h"
#include "theme.h"
#include "views/lesson_state.h"

namespace {

// RGBA8 textures with nearest filtering for the physical memory map.
class GlTextures : public klab::ui::TextureApi {
public:
    void* create(int w, int h) override {
        GLuint t = 0;
        glGenTextures(1, &t);
        glBindTexture(GL_TEXTURE_2D, t);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
        return reinterpret_cast<void*>(static_cast<uintptr_t>(t));
    }
    void update(void* tex, int y, int w, int rows, const uint32_t* rgba) override {
        glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(reinterpret_cast<uintptr_t>(tex)));
        glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
        glTexSubImage2D(GL_TEXTURE_2D, 0, 0, y, w, rows, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
    }
    void destroy(void* tex) override {
        GLuint t = static_cast<GLuint>(reinterpret_cast<uintptr_t>(tex));
        glDeleteTextures(1, &t);
    }
};

struct WebPlatform {
    GLFWwindow* window = nullptr;
    klab::ui::App app{klab::ui::web_lab()}; // draws the page's controller
    GlTextures textures;
    std::string title;
    std::string clipboard;
    bool first_frame_reported = false;
    double scale = 0; // devicePixelRatio the fonts were built for
    std::vector<double> frame_ms; // NewFrame .. Render: view code and ImGui's draw lists
    std::vector<double> gl_ms;    // clear + RenderDrawData: GL submission (and any wait on the GPU)
    double last_layout_save = 0;
    std::string saved_views;
    // Idle throttling: after kIdleMs without input or a kernel change, frames are drawn at
    // most every kIdleFrameMs (nothing on screen moves; on software GL a frame costs ~30 ms).
    double last_change = 0; // emscripten_get_now() of the last kernel change
    uint64_t seen_changes = 0; // the controller's change count when last_change was taken
    double last_render = 0;
};
constexpr double kIdleMs = 3000, kIdleFrameMs = 250;

// Fonts are embedded in the wasm (web/CMakeLists.txt) under this folder.
constexpr const char* kFontDir = "/fonts";

std::unique_ptr<WebPlatform> g_platform; // emscripten_set_main_loop needs one reachable instance

// ImGui 1.86's GLFW backend keeps only "is the key down" per key, so a press and release that
// both arrive between two frames are never seen (a quick tap while software GL makes frames
// slow, or a test's keyboard.press). A release of a key pressed since the last frame is held
// back until that frame has seen the key down.
struct KeyTaps {
    std::vector<int> fresh;                        // keys pressed since the last frame
    std::vector<std::array<int, 3>> held_releases; // key, scancode, mods
} g_taps;

void key_callback(GLFWwindow* w, int key, int scancode, int action, int mods) {
    if (action == GLFW_PRESS) g_taps.fresh.push_back(key);
    if (action == GLFW_RELEASE &&
        std::find(g_taps.fresh.begin(), g_taps.fresh.end(), key) != g_taps.fresh.end()) {
        g_taps.held_releases.push_back({key, scancode, mods});
        return;
    }
    ImGui_ImplGlfw_KeyCallback(w, key, scancode, action, mods);
}

// After a frame has read the keys: deliver the held releases.
void release_held_keys(GLFWwindow* w) {
    g_taps.fresh.clear();
    std::vector<std::array<int, 3>> held;
    held.swap(g_taps.held_releases);
    for (auto& k : held) ImGui_ImplGlfw_KeyCallback(w, k[0], k[1], GLFW_RELEASE, k[2]);
}

// The browser's wheel event, converted (platform/wheel.h). Emscripten's GLFW hands ImGui raw
// pixel deltas with the browser's sign; its scroll callback is removed and this one used
// instead. A trackpad pinch arrives as a wheel event with ctrlKey set and no Ctrl key press:
// it zooms the memory map like Ctrl+wheel, so Ctrl is held for the next frame only.
struct WheelInput {
    bool pinch = false; // a ctrlKey wheel event without the Ctrl key down
} g_wheel;

EM_BOOL wheel_callback(int, const EmscriptenWheelEvent* e, void*) {
    klab::ui::WheelUnits u = klab::ui::wheel_units_from_dom(e->deltaX, e->deltaY, static_cast<int>(e->deltaMode));
    ImGuiIO& io = ImGui::GetIO();
    io.MouseWheelH += u.x;
    io.MouseWheel += u.y;
    if (e->mouse.ctrlKey && !io.KeyCtrl) g_wheel.pinch = true;
    return EM_TRUE; // preventDefault: no page scroll, no browser zoom on Ctrl+wheel
}

// JavaScript inside EM_JS: keep the C++ formatter away (it would split `===`).
// clang-format off
EM_JS(double, klab_css_width, (), { return window.innerWidth; });
EM_JS(double, klab_css_height, (), { return window.innerHeight; });
EM_JS(double, klab_pixel_ratio, (), { return window.devicePixelRatio || 1; });
// performance.now() of the last pointer, wheel, key or resize event (lab-shell.js).
EM_JS(double, klab_last_input, (), { return Module.klabInputAt || 0; });
EM_JS(void, klab_set_title, (const char* t), { document.title = UTF8ToString(t); });
// Start-up phases as Performance API marks ("klab:app-booted" ...), for tests/bench/browser_perf.mjs.
EM_JS(void, klab_mark, (const char* name), {
    if (typeof performance !== 'undefined' && performance.mark) performance.mark(UTF8ToString(name));
});
EM_JS(void, klab_first_frame, (), {
    Module.klabFirstFrameMs = performance.now();
    if (typeof Module.onFirstFrame === 'function') Module.onFirstFrame(Module.klabFirstFrameMs);
});
// A page without a canvas (or node) gets the controller and Module.Lab only, no drawing.
EM_JS(int, klab_has_canvas, (), { return typeof document !== 'undefined' && Module.canvas ? 1 : 0; });
// The menu's "Copy share link": the page's embed layer builds the link of the exact state.
EM_JS(void, klab_copy_share_link, (), {
    if (window.klabEmbed && typeof window.klabEmbed.copyShareLink === 'function') window.klabEmbed.copyShareLink();
});
EM_JS(void, klab_copy_to_browser, (const char* t), {
    var text = UTF8ToString(t);
    try { if (navigator.clipboard) navigator.clipboard.writeText(text).catch(function () {}); } catch (e) {}
    if (typeof Module.onKlabCopy === 'function') Module.onKlabCopy(text);
});
EM_JS(void, klab_save_layout, (const char* ini, const char* views), {
    if (typeof Module.onKlabSaveLayout === 'function') Module.onKlabSaveLayout(UTF8ToString(ini), UTF8ToString(views));
});
EM_JS(int, klab_saved_layout_size, (), {
    var s = Module.klabSavedLayout || "";
    return lengthBytesUTF8(s) + 1;
});
EM_JS(void, klab_saved_layout_copy, (char* buf, int n), {
    stringToUTF8(Module.klabSavedLayout || "", buf, n);
});
EM_JS(int, klab_saved_views_size, (), {
    var s = Module.klabSavedViews || "";
    return lengthBytesUTF8(s) + 1;
});
EM_JS(void, klab_saved_views_copy, (char* buf, int n), {
    stringToUTF8(Module.klabSavedViews || "", buf, n);
});
// Tab and the keyboard focus. GLFW listens for keys on the whole window and cancels Tab, so the
// keyboard could never leave the lab (nor a course page's iframe), and keys typed into any other
// element of the page reached the lab. This listener runs first (it is added before glfwInit):
// keys aimed at another element are left to it, and Tab moves the focus on as in any page
// unless the console wants it to complete a name (Module.klabWantsTab, set every frame).
EM_JS(void, klab_install_key_guard, (), {
    function guard(e) {
        var t = e.target;
        var lab = t === Module['canvas'] || t === document.body || t === document.documentElement || t === window;
        if (!lab || (e.type === 'keydown' && e.key === 'Tab' && !Module.klabWantsTab)) e.stopImmediatePropagation();
    }
    ['keydown', 'keypress', 'keyup'].forEach(function (type) { window.addEventListener(type, guard, true); });
});
EM_JS(void, klab_set_wants_tab, (int on), { Module.klabWantsTab = !!on; });
// clang-format on

// Tab completes in the console when there is something to complete and Escape has not just
// been pressed there; otherwise it belongs to the browser (focus to the next element).
bool console_wants_tab(const klab::ui::ConsoleState& s) {
    return s.input_active && !s.tab_leaves && s.input[0] != 0 &&
           std::string_view(s.input.data()).find_first_not_of(" \t\n") != std::string_view::npos;
}

const char* get_clipboard(void*) {
    return g_platform ? g_platform->clipboard.c_str() : "";
}
void set_clipboard(void*, const char* text) {
    if (!g_platform) return;
    g_platform->clipboard = text;
    klab_copy_to_browser(text);
}

std::string views_string(klab::ui::App& app) {
    std::string v;
    for (const klab::ui::ViewSlot& s : app.views()) v += s.open ? '1' : '0';
    return v;
}

// ImGui works in device pixels here: the canvas backing store is CSS size x devicePixelRatio,
// Emscripten's GLFW reports the mouse in canvas pixels, and fonts and style are scaled to match.
// (Emscripten 3.1.6's GLFW has no HiDPI mode of its own.)
void fit_canvas(WebPlatform* p) {
    double ratio = klab_pixel_ratio();
    int w = static_cast<int>(klab_css_width() * ratio + 0.5);
    int h = static_cast<int>(klab_css_height() * ratio + 0.5);
    int cw = 0, ch = 0;
    glfwGetWindowSize(p->window, &cw, &ch);
    if (w > 0 && h > 0 && (w != cw || h != ch)) glfwSetWindowSize(p->window, w, h);
    if (ratio != p->scale) {
        p->scale = ratio;
        float s = static_cast<float>(ratio);
        klab::ui::apply_theme(s);
        p->app.set_fonts(klab::ui::load_fonts(kFontDir, s), s);
        ImGui_ImplOpenGL3_DestroyFontsTexture();
        ImGui_ImplOpenGL3_CreateFontsTexture();
    }
}

void save_layout_if_needed(WebPlatform* p) {
    ImGuiIO& io = ImGui::GetIO();
    double now = emscripten_get_now();
    std::string views = views_string(p->app);
    if (!(io.WantSaveIniSettings || views != p->saved_views) || now - p->last_layout_save < 1000)
        return;
    io.WantSaveIniSettings = false;
    p->last_layout_save = now;
    p->saved_views = views;
    klab_save_layout(ImGui::SaveIniSettingsToMemory(), views.c_str());
}

void frame(void* arg) {
    auto* p = static_cast<WebPlatform*>(arg);
    double now = emscripten_get_now();
    if (uint64_t n = p->app.lab().change_count(); n != p->seen_changes) { // exec from JS too
        p->seen_changes = n;
        p->last_change = now;
    }
    bool idle = p->first_frame_reported && now - std::max(p->last_change, klab_last_input()) > kIdleMs;
    if (idle && now - p->last_render < kIdleFrameMs) return;
    p->last_render = now;
    if (!p->first_frame_reported) klab_mark("klab:frame0");
    fit_canvas(p);

    double t0 = emscripten_get_now();
    glfwPollEvents();
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGuiIO& io = ImGui::GetIO();
    bool pinch = g_wheel.pinch && !io.KeyCtrl;
    g_wheel.pinch = false;
    if (pinch) io.KeyCtrl = true;
    ImGui::NewFrame();
    p->app.frame();
    ImGui::Render();
    if (pinch) io.KeyCtrl = false;
    klab_set_wants_tab(console_wants_tab(p->app.console()));
    if (klab::ui::LessonPanelState& lp = p->app.lesson_panel(); lp.share_requested) {
        lp.share_requested = false;
        klab_copy_share_link();
    }
    double t1 = emscripten_get_now();
    if (!p->first_frame_reported) klab_mark("klab:frame0-built");
    release_held_keys(p->window);

    int fw = 0, fh = 0;
    glfwGetFramebufferSize(p->window, &fw, &fh);
    glViewport(0, 0, fw, fh);
    glClearColor(0.07f, 0.08f, 0.09f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    if (p->frame_ms.size() < 100000) {
        p->frame_ms.push_back(t1 - t0);
        p->gl_ms.push_back(emscripten_get_now() - t1);
    }

    std::string title = p->app.lab().title();
    if (title != p->title) {
        p->title = title;
        klab_set_title(title.c_str());
    }
    save_layout_if_needed(p);
    if (!p->first_frame_reported) {
        p->first_frame_reported = true;
        klab_first_frame();
    }
}

} // namespace

namespace klab::ui {
App* web_app() {
    return g_platform ? &g_platform->app : nullptr;
}
std::vector<double> web_take_frame_times(std::vector<double>* gl) {
    std::vector<double> out;
    if (!g_platform) return out;
    out.swap(g_platform->frame_ms);
    if (gl) gl->swap(g_platform->gl_ms);
    g_platform->gl_ms.clear();
    return out;
}
void web_set_clipboard(const std::string& text) {
    if (g_platform) g_platform->clipboard = text;
}
void web_load_layout(const std::string& ini) {
    ImGui::LoadIniSettingsFromMemory(ini.c_str(), ini.size());
}
void web_reset_layout() {
    if (!g_platform) return;
    ImGui::ClearIniSettings();
    g_platform->app.reset_layout();
    ImGui::GetIO().WantSaveIniSettings = true;
    g_platform->last_layout_save = 0;
}
} // namespace klab::ui

int main() {
    // Start-up order (docs/frontend.md, "Start-up"): the CPU work first — booting the default
    // machine and rasterising the fonts — while the GPU process sets up the WebGL2 context
    // index.html asked for (the slow part on software GL); the GLFW window last, on that
    // context, when its first GL query no longer has to wait for it.
    klab_mark("klab:main");
    if (!klab_has_canvas()) {
        klab::ui::web_lab(); // boots the default machine; Module.Lab drives it
        return 0;
    }
    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    // Menus, lesson buttons and fields are reachable by keyboard (Tab, arrows, Space/Enter;
    // Alt for the menu bar); the focused widget is framed in theme.cpp's NavHighlight colour.
    ImGui::GetIO().ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
    g_platform = std::make_unique<WebPlatform>(); // boots the default machine
    klab_mark("klab:app-booted");
    WebPlatform* p = g_platform.get();
    p->scale = klab_pixel_ratio();
    klab::ui::apply_theme(static_cast<float>(p->scale));
    p->app.set_fonts(klab::ui::load_fonts(kFontDir, static_cast<float>(p->scale)), static_cast<float>(p->scale));
    klab_mark("klab:fonts"); // the atlas; its texture goes up in the first NewFrame
    p->app.prepare();        // the memory map's picture; its textures go up in the first frame
    klab_mark("klab:map-prepared");

    klab_install_key_guard(); // before GLFW's listeners, so that it sees the keys first
    if (!glfwInit()) {
        EM_ASM({
            if (Module.onKlabError) Module.onKlabError('GLFW could not start');
        });
        return 1;
    }
    glfwWindowHint(GLFW_CLIENT_API, GLFW_OPENGL_ES_API);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
    // ImGui draws 2D triangles: no depth or stencil buffer, no alpha channel in the page's
    // canvas, no multisampling; a smaller drawing buffer for the first (costly) context.
    glfwWindowHint(GLFW_DEPTH_BITS, 0);
    glfwWindowHint(GLFW_STENCIL_BITS, 0);
    glfwWindowHint(GLFW_ALPHA_BITS, 0);
    glfwWindowHint(GLFW_SAMPLES, 0);
    GLFWwindow* window = glfwCreateWindow(static_cast<int>(klab_css_width()),
                                          static_cast<int>(klab_css_height()), "Kernel Lab",
                                          nullptr, nullptr);
    if (!window) {
        EM_ASM({
            if (Module.onKlabError) Module.onKlabError('WebGL2 context could not be created');
        });
        return 1;
    }
    glfwMakeContextCurrent(window);
    klab_mark("klab:glfw-window");

    ImGui_ImplGlfw_InitForOpenGL(window, true);
    glfwSetKeyCallback(window, key_callback); // replaces the backend's, which it then calls
    glfwSetScrollCallback(window, nullptr);   // raw browser deltas: wheel_callback instead
    emscripten_set_wheel_callback("#canvas", nullptr, true, wheel_callback);
    ImGui_ImplOpenGL3_Init("#version 300 es");
    klab_mark("klab:imgui-init");
    p->window = window;
    ImGuiIO& io = ImGui::GetIO();
    io.GetClipboardTextFn = get_clipboard;
    io.SetClipboardTextFn = set_clipboard;
    io.ClipboardUserData = nullptr;
    p->app.lesson_panel().can_share = true;
    p->app.set_textures(&p->textures);
    fit_canvas(p); // the window's size in device pixels (fonts are already at this scale)
    // The layout the page kept in localStorage (window rectangles, then which views are open).
    std::string ini(static_cast<size_t>(klab_saved_layout_size()), '\0');
    klab_saved_layout_copy(ini.data(), static_cast<int>(ini.size()));
    ini.resize(ini.find('\0'));
    if (!ini.empty()) ImGui::LoadIniSettingsFromMemory(ini.c_str(), ini.size());
    std::string views(static_cast<size_t>(klab_saved_views_size()), '\0');
    klab_saved_views_copy(views.data(), static_cast<int>(views.size()));
    auto& slots = p->app.views();
    for (size_t i = 0; i < slots.size() && i < views.size() && views[i]; ++i)
        if (slots[i].available) slots[i].open = views[i] == '1';
    p->saved_views = views_string(p->app);
    emscripten_set_main_loop_arg(frame, p, 0, false);
    return 0;
}
