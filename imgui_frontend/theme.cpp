#include "theme.h"

#include <imgui.h>

#include <cstdio>

namespace klab::ui {

namespace {

constexpr float kUiFontPx = 15.0f;
constexpr float kMonoFontPx = 14.0f;

// Latin, Latin-1, general punctuation (dashes, quotes, bullet, ellipsis), arrows, box drawing
// and geometric shapes: what the views and the kernel's own output use.
const ImWchar kGlyphRanges[] = {
    0x0020, 0x00FF, 0x2010, 0x2027, 0x2190, 0x21FF, 0x2500, 0x257F, 0x25A0, 0x25FF, 0x2713, 0x2717, 0,
};

bool file_exists(const std::string& path) {
    if (FILE* f = std::fopen(path.c_str(), "rb")) {
        std::fclose(f);
        return true;
    }
    return false;
}

ImFont* add_font(const std::string& path, float px) {
    ImGuiIO& io = ImGui::GetIO();
    if (!file_exists(path)) return nullptr;
    ImFontConfig cfg;
    cfg.OversampleH = 2;
    cfg.OversampleV = 1;
    return io.Fonts->AddFontFromFileTTF(path.c_str(), px, &cfg, kGlyphRanges);
}

} // namespace

void apply_theme(float scale) {
    ImGuiStyle fresh;
    ImGui::GetStyle() = fresh;
    ImGui::StyleColorsDark();
    ImGuiStyle& s = ImGui::GetStyle();
    s.WindowRounding = 4.0f;
    s.FrameRounding = 3.0f;
    s.GrabRounding = 3.0f;
    s.WindowPadding = ImVec2(10, 8);
    s.ItemSpacing = ImVec2(8, 5);
    ImVec4* c = s.Colors;
    c[ImGuiCol_WindowBg] = ImVec4(0.11f, 0.12f, 0.14f, 1.00f);
    c[ImGuiCol_MenuBarBg] = ImVec4(0.15f, 0.16f, 0.19f, 1.00f);
    c[ImGuiCol_TitleBgActive] = ImVec4(0.18f, 0.26f, 0.38f, 1.00f);
    c[ImGuiCol_Button] = ImVec4(0.20f, 0.34f, 0.52f, 1.00f);
    c[ImGuiCol_ButtonHovered] = ImVec4(0.26f, 0.44f, 0.66f, 1.00f);
    // Secondary text (hints, timestamps) at 6.5:1 on the window background: readable, WCAG AA.
    c[ImGuiCol_TextDisabled] = ImVec4(0.62f, 0.64f, 0.68f, 1.00f);
    // The keyboard focus (navigation): amber, unlike any button or frame colour.
    c[ImGuiCol_NavHighlight] = ImVec4(1.00f, 0.82f, 0.40f, 1.00f);
    s.ScaleAllSizes(scale);
    ImGui::GetIO().IniFilename = nullptr; // layout persistence is the platform's job
}

UiFonts load_fonts(const std::string& font_dir, float scale) {
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    UiFonts f;
    f.ui = add_font(font_dir + "/DejaVuSans.ttf", kUiFontPx * scale);
    f.mono = add_font(font_dir + "/DejaVuSansMono.ttf", kMonoFontPx * scale);
    if (!f.ui || !f.mono) {
        ImFontConfig cfg;
        cfg.SizePixels = 13.0f * scale;
        ImFont* builtin = io.Fonts->AddFontDefault(&cfg);
        if (!f.ui) f.ui = builtin;
        if (!f.mono) f.mono = builtin;
    }
    io.FontDefault = f.ui;
    io.Fonts->Build();
    return f;
}

} // namespace klab::ui
