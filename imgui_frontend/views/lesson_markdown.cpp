// Lesson prose drawn in ImGui from md4c's blocks and spans (engine/lesson/markdown.h):
// headings, paragraphs with emphasis, inline code and links (opened in a new tab through the
// App), code blocks (`c` ones get a "run" button that submits them to the console), lists,
// quotes, tables and rules. ImGui has no rich text, so a paragraph is laid out word by word.
#include <imgui.h>

#include <cmath>

#include "views/lesson_markdown.h"

namespace klab::ui {

namespace {

const ImVec4 kText(0.86f, 0.87f, 0.89f, 1.0f);
const ImVec4 kEm(0.78f, 0.84f, 0.96f, 1.0f);
const ImVec4 kStrong(1.0f, 1.0f, 1.0f, 1.0f);
const ImVec4 kCode(0.95f, 0.80f, 0.55f, 1.0f);
const ImVec4 kLink(0.45f, 0.70f, 1.0f, 1.0f);
const ImVec4 kHeading(0.62f, 0.80f, 1.0f, 1.0f);

// One word (or run of spaces) of a span, drawn as an item so links can be clicked.
void draw_word(MdContext& m, const std::string& word, const MdSpan& sp, float wrap_right) {
    ImFont* font = sp.code && m.fonts.mono ? m.fonts.mono : nullptr;
    if (font) ImGui::PushFont(font);
    ImVec2 size = ImGui::CalcTextSize(word.c_str());
    bool space = word.find_first_not_of(' ') == std::string::npos;
    float x = m.line_start ? ImGui::GetCursorScreenPos().x : m.line_end_x;
    // After an item ImGui's cursor is already on the next line: wrapping is not SameLine.
    if (!m.line_start && x + size.x > wrap_right) m.line_start = true;
    if (m.line_start && space) {
        if (font) ImGui::PopFont();
        return;
    }
    if (!m.line_start) ImGui::SameLine(0, 0);
    ImVec4 col = !sp.href.empty() ? kLink : sp.code ? kCode : sp.strong ? kStrong : sp.em ? kEm : kText;
    ImVec2 p = ImGui::GetCursorScreenPos();
    if (sp.code && !space)
        ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(p.x - 1, p.y), ImVec2(p.x + size.x + 1, p.y + size.y),
                                                  IM_COL32(255, 255, 255, 18), 2.0f);
    ImGui::TextColored(col, "%s", word.c_str());
    if (sp.strong && !space) // no bold face in the atlas: a second pass one pixel over
        ImGui::GetWindowDrawList()->AddText(ImVec2(p.x + 1, p.y), ImGui::GetColorU32(col), word.c_str());
    if (!sp.href.empty()) {
        ImVec2 q = ImGui::GetItemRectMax();
        ImGui::GetWindowDrawList()->AddLine(ImVec2(p.x, q.y), q, ImGui::GetColorU32(kLink));
        if (ImGui::IsItemHovered()) {
            ImGui::SetMouseCursor(ImGuiMouseCursor_Hand);
            ImGui::SetTooltip("%s (opens in a new tab)", sp.href.c_str());
        }
        if (ImGui::IsItemClicked()) m.actions.push_back({LessonAction::Kind::open_url, sp.href, 0});
        if (m.link_id) {
            m.widgets.track_last_item("lesson/link/" + std::to_string(m.link_id));
        }
    }
    m.line_start = false;
    m.line_end_x = ImGui::GetItemRectMax().x;
    if (font) ImGui::PopFont();
}

void draw_spans(MdContext& m, const std::vector<MdSpan>& spans) {
    float wrap_right = ImGui::GetCursorScreenPos().x + ImGui::GetContentRegionAvail().x;
    m.line_start = true;
    ImGui::BeginGroup();
    for (const MdSpan& sp : spans) {
        if (!sp.href.empty()) m.link_id++;
        size_t i = 0;
        while (i < sp.text.size()) {
            if (sp.text[i] == '\n') {
                if (m.line_start) ImGui::NewLine();
                m.line_start = true;
                i++;
                continue;
            }
            size_t j = i;
            bool sp_run = sp.text[i] == ' ';
            while (j < sp.text.size() && sp.text[j] != '\n' && (sp.text[j] == ' ') == sp_run) j++;
            draw_word(m, sp.text.substr(i, j - i), sp, wrap_right);
            i = j;
        }
    }
    if (m.line_start && spans.empty()) ImGui::NewLine();
    ImGui::EndGroup();
}

void draw_code(MdContext& m, const MdBlock& b) {
    m.code_id++;
    bool runnable = b.lang == "c" || b.lang == "console";
    std::string code = b.code;
    while (!code.empty() && code.back() == '\n') code.pop_back();
    ImFont* mono = m.fonts.mono;
    if (mono) ImGui::PushFont(mono);
    int lines = 1;
    for (char ch : code) lines += ch == '\n';
    const ImGuiStyle& style = ImGui::GetStyle();
    float h = lines * ImGui::GetTextLineHeight() + style.FramePadding.y * 2 + 4;
    float text_w = ImGui::CalcTextSize(code.c_str()).x;
    if (mono) ImGui::PopFont();
    ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0.06f, 0.07f, 0.08f, 1.0f));
    // Unique per text: the prose, a hint and the solution all number their blocks from 1.
    ImGui::PushID(m.prefix.c_str());
    ImGui::PushID(m.code_id);
    float button_w = runnable ? ImGui::CalcTextSize("Run").x + style.FramePadding.x * 2 + 8 : 0;
    float box_w = ImGui::GetContentRegionAvail().x - button_w;
    // A line wider than the panel (a /proc table) scrolls sideways instead of being cut off.
    bool wide = text_w + style.WindowPadding.x * 2 > box_w;
    if (wide) h += style.ScrollbarSize;
    ImGui::BeginChild("code", ImVec2(box_w, h), true,
                      wide ? ImGuiWindowFlags_HorizontalScrollbar : ImGuiWindowFlags_NoScrollbar);
    m.widgets.track_window(m.prefix + "/code_box/" + std::to_string(m.code_id) + (wide ? "/scrolls" : ""));
    if (mono) ImGui::PushFont(mono);
    ImGui::TextUnformatted(code.c_str());
    if (mono) ImGui::PopFont();
    ImGui::EndChild();
    ImGui::PopStyleColor();
    m.widgets.track_last_item(m.prefix + "/code/" + std::to_string(m.code_id));
    if (runnable) {
        ImGui::SameLine();
        if (ImGui::Button("Run")) m.actions.push_back({LessonAction::Kind::run, code + "\n", 0});
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("Run this in the console");
        m.widgets.track_last_item(m.prefix + "/run/" + std::to_string(m.code_id));
    }
    ImGui::PopID();
    ImGui::PopID();
}

} // namespace

void draw_markdown(MdContext& m, const MdDoc& doc) {
    const auto& blocks = doc.blocks;
    float unit = ImGui::GetFontSize();
    for (size_t i = 0; i < blocks.size(); i++) {
        const MdBlock& b = blocks[i];
        float indent = unit * (1.2f * b.list_depth + 0.9f * b.quote_depth);
        if (indent > 0) ImGui::Indent(indent);
        ImVec2 top = ImGui::GetCursorScreenPos();
        switch (b.kind) {
        case MdKind::Heading: {
            if (i > 0) ImGui::Spacing();
            ImGui::PushStyleColor(ImGuiCol_Text, kHeading);
            std::vector<MdSpan> spans = b.spans;
            for (MdSpan& s : spans) s.strong = b.level <= 3;
            draw_spans(m, spans);
            ImGui::PopStyleColor();
            if (b.level <= 2) ImGui::Separator();
            break;
        }
        case MdKind::Paragraph:
            if (b.list_item_start) {
                ImGui::SetCursorPosX(ImGui::GetCursorPosX() - unit * 1.1f);
                if (b.ordered)
                    ImGui::Text("%u.", b.number);
                else
                    ImGui::TextUnformatted("\xE2\x80\xA2");
                ImGui::SameLine(0, 0);
                ImGui::SetCursorPosX(ImGui::GetCursorPosX() + std::max(0.0f, unit * 1.1f - ImGui::GetItemRectSize().x));
            }
            draw_spans(m, b.spans);
            break;
        case MdKind::Code: draw_code(m, b); break;
        case MdKind::Rule: ImGui::Separator(); break;
        case MdKind::Html: ImGui::TextDisabled("%s", b.code.c_str()); break;
        case MdKind::TableRow: {
            size_t end = i;
            size_t cols = 0;
            while (end < blocks.size() && blocks[end].kind == MdKind::TableRow) cols = std::max(cols, blocks[end].cells.size()), end++;
            ImGui::PushID(static_cast<int>(i));
            if (cols > 0 && ImGui::BeginTable("table", static_cast<int>(std::min<size_t>(cols, 16)),
                                              ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg |
                                                  ImGuiTableFlags_SizingStretchProp)) {
                for (size_t r = i; r < end; r++) {
                    ImGui::TableNextRow(blocks[r].header_row ? ImGuiTableRowFlags_Headers : 0);
                    for (size_t cidx = 0; cidx < blocks[r].cells.size() && cidx < 16; cidx++) {
                        ImGui::TableSetColumnIndex(static_cast<int>(cidx));
                        std::vector<MdSpan> cell = blocks[r].cells[cidx];
                        if (blocks[r].header_row)
                            for (MdSpan& s : cell) s.strong = true;
                        draw_spans(m, cell);
                    }
                }
                ImGui::EndTable();
            }
            ImGui::PopID();
            i = end - 1;
            break;
        }
        }
        if (b.quote_depth > 0) {
            ImVec2 bottom = ImGui::GetItemRectMax();
            float x = top.x - unit * 0.5f;
            ImGui::GetWindowDrawList()->AddLine(ImVec2(x, top.y), ImVec2(x, bottom.y),
                                                IM_COL32(120, 140, 170, 200), 2.0f);
        }
        if (indent > 0) ImGui::Unindent(indent);
        // A little air between blocks, none inside a tight list.
        bool next_item = i + 1 < blocks.size() && blocks[i + 1].list_depth > 0 && b.list_depth > 0;
        if (!next_item) ImGui::Dummy(ImVec2(0, unit * 0.25f));
    }
}

} // namespace klab::ui
