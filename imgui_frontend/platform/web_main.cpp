// Platform layer for the browser: GLFW (Emscripten's JS implementation) + OpenGL ES 3 on
// WebGL2, frames driven by emscripten_set_main_loop. The only place that knows about the web.
#include <GLFW/glfw3.h>
#include <emscripten.h>
#include <emscripten/html5.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <string>

#include "app.h"
#include "platform/web_app.h"
#include "theme.h"

namespace {

struct WebPlatform {
    GLFWwindow* window = nullptr;
    klab::ui::App app;
    std::string title;
    bool first_frame_reported = false;
    double scale = 0; // devicePixelRatio the fonts were built for
};

// Fonts are embedded in the wasm (web/CMakeLists.txt) under this folder.
constexpr const char* kFontDir = "/fonts";

WebPlatform* g_platform = nullptr; // emscripten_set_main_loop needs one reachable instance

// JavaScript inside EM_JS: keep the C++ formatter away (it would split `===`).
// clang-format off
EM_JS(double, klab_css_width, (), { return window.innerWidth; });
EM_JS(double, klab_css_height, (), { return window.innerHeight; });
EM_JS(double, klab_pixel_ratio, (), { return window.devicePixelRatio || 1; });
EM_JS(void, klab_set_title, (const char* t), { document.title = UTF8ToString(t); });
EM_JS(void, klab_first_frame, (), {
    Module.klabFirstFrameMs = performance.now();
    if (typeof Module.onFirstFrame === 'function') Module.onFirstFrame(Module.klabFirstFrameMs);
});
// clang-format on

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

void frame(void* arg) {
    auto* p = static_cast<WebPlatform*>(arg);
    fit_canvas(p);

    glfwPollEvents();
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    p->app.frame();
    ImGui::Render();

    int fw = 0, fh = 0;
    glfwGetFramebufferSize(p->window, &fw, &fh);
    glViewport(0, 0, fw, fh);
    glClearColor(0.07f, 0.08f, 0.09f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());

    std::string title = p->app.title();
    if (title != p->title) {
        p->title = title;
        klab_set_title(title.c_str());
    }
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
} // namespace klab::ui

int main() {
    if (!glfwInit()) {
        EM_ASM({
            if (Module.onKlabError) Module.onKlabError('GLFW could not start');
        });
        return 1;
    }
    glfwWindowHint(GLFW_CLIENT_API, GLFW_OPENGL_ES_API);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
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

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui_ImplGlfw_InitForOpenGL(window, true);
    ImGui_ImplOpenGL3_Init("#version 300 es");

    g_platform = new WebPlatform{window, klab::ui::App{}, {}, false, 0};
    fit_canvas(g_platform);
    emscripten_set_main_loop_arg(frame, g_platform, 0, false);
    return 0;
}
