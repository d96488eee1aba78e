// Draws the front end headlessly (an ImGui context with no platform or renderer backend) so
// view code runs natively and under the sanitizers, and clicks widgets through ImGui's input.
#include <doctest/doctest.h>
#include <imgui.h>

#include "app.h"
#include "theme.h"

namespace {

// An ImGui context sized like a laptop screen, with its font atlas built, as a backend would.
struct HeadlessImGui {
    HeadlessImGui(float w = 1280, float h = 720) {
        ImGui::CreateContext();
        ImGuiIO& io = ImGui::GetIO();
        io.DisplaySize = ImVec2(w, h);
        io.DeltaTime = 1.0f / 60.0f;
        klab::ui::apply_theme(1.0f);
        // The real fonts when Debian's fonts-dejavu-core is there; ImGui's own font otherwise.
        fonts = klab::ui::load_fonts("/usr/share/fonts/truetype/dejavu", 1.0f);
        unsigned char* pixels = nullptr;
        int tw = 0, th = 0;
        io.Fonts->GetTexDataAsRGBA32(&pixels, &tw, &th);
    }
    ~HeadlessImGui() { ImGui::DestroyContext(); }
    klab::ui::UiFonts fonts;

    void frame(klab::ui::App& app) {
        app.set_fonts(fonts, 1.0f);
        ImGui::NewFrame();
        app.frame();
        ImGui::Render();
    }
    void click(klab::ui::App& app, float x, float y) {
        ImGuiIO& io = ImGui::GetIO();
        io.MousePos = ImVec2(x, y);
        frame(app); // hover
        io.MouseDown[0] = true;
        frame(app);
        io.MouseDown[0] = false;
        frame(app);
    }
};

} // namespace

TEST_CASE("the first screen draws the machine window with the engine's facts") {
    HeadlessImGui gui;
    klab::ui::App app;
    for (int i = 0; i < 3; ++i) gui.frame(app);
    CHECK(app.frame_count() == 3);
    CHECK(ImGui::GetDrawData()->TotalVtxCount > 100);
    auto rect = app.widgets().find("machine/boot_i386");
    REQUIRE(rect.has_value());
    CHECK(rect->w > 0);
    CHECK(app.title().find("x86_64") != std::string::npos);
}

TEST_CASE("clicking Boot i386 reboots the model as the textbook machine") {
    HeadlessImGui gui;
    klab::ui::App app;
    gui.frame(app);
    gui.frame(app);
    auto rect = app.widgets().find("machine/boot_i386");
    REQUIRE(rect.has_value());
    uint64_t boots = app.boot_count();
    gui.click(app, rect->x + rect->w / 2, rect->y + rect->h / 2);
    CHECK(app.machine().arch == klab::Arch::i386);
    CHECK(app.machine().hz() == 100);
    CHECK(app.boot_count() == boots + 1);

    // The i386 button is now disabled: clicking it again must not reboot.
    gui.frame(app);
    rect = app.widgets().find("machine/boot_i386");
    REQUIRE(rect.has_value());
    gui.click(app, rect->x + rect->w / 2, rect->y + rect->h / 2);
    CHECK(app.boot_count() == boots + 1);
}

TEST_CASE("the views fit a small embedded iframe without asserting") {
    HeadlessImGui gui(800, 600);
    klab::ui::App app;
    for (int i = 0; i < 3; ++i) gui.frame(app);
    CHECK(app.widgets().find("machine/boot_x86_64").has_value());
}
