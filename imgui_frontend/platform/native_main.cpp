// Platform layer for native development: GLFW + desktop OpenGL 3.2 core. Same App as the web.
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <cstdio>

#include "app.h"
#include "platform/wheel.h"
#include "theme.h"

namespace {
// GLFW's 1.0 per notch would scroll ImGui 5 lines; the browser's conversion scrolls 3.
void scroll_callback(GLFWwindow*, double x, double y) {
    klab::ui::WheelUnits u = klab::ui::wheel_units_from_glfw(x, y);
    ImGui::GetIO().MouseWheelH += u.x;
    ImGui::GetIO().MouseWheel += u.y;
}
} // namespace

int main() {
    if (!glfwInit()) {
        std::fprintf(stderr, "klab-gui: GLFW could not start (no display?)\n");
        return 1;
    }
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 2);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GL_TRUE);
    GLFWwindow* window = glfwCreateWindow(1280, 800, "Kernel Lab", nullptr, nullptr);
    if (!window) {
        std::fprintf(stderr, "klab-gui: could not create an OpenGL 3.2 window\n");
        glfwTerminate();
        return 1;
    }
    glfwMakeContextCurrent(window);
    glfwSwapInterval(1);

    ImGui::CreateContext();
    ImGui::GetIO().ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard; // as in web_main.cpp
    float xscale = 1, yscale = 1;
    glfwGetWindowContentScale(window, &xscale, &yscale);
    klab::ui::apply_theme(xscale);
    klab::ui::App app;
    app.set_fonts(klab::ui::load_fonts(KLAB_FONT_DIR, xscale), xscale);
    ImGui_ImplGlfw_InitForOpenGL(window, true);
    glfwSetScrollCallback(window, scroll_callback); // replaces the backend's
    ImGui_ImplOpenGL3_Init("#version 150");

    while (!glfwWindowShouldClose(window)) {
        glfwPollEvents();
        ImGui_ImplOpenGL3_NewFrame();
        ImGui_ImplGlfw_NewFrame();
        ImGui::NewFrame();
        app.frame();
        ImGui::Render();
        int w, h;
        glfwGetFramebufferSize(window, &w, &h);
        glViewport(0, 0, w, h);
        glClearColor(0.07f, 0.08f, 0.09f, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
        glfwSwapBuffers(window);
        glfwSetWindowTitle(window, app.lab().title().c_str());
    }
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window);
    glfwTerminate();
    return 0;
}
