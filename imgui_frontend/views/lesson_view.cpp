// The lesson panel: the list of lessons with each one's progress, then the open lesson's step:
// its prose (Markdown, lesson_markdown.cpp), a prediction to commit to before acting, the goal's
// status (re-checked after every command: the runner caches it by session generation), hints
// one at a time, the reference solution, reset / next, and the explanation once the goal is
// met. A malformed lesson shows its error (file and line) instead. Everything the student asks
// for goes back to the App as a LessonAction; commands go through App::submit.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include <nlohmann/json.hpp>

#include "lesson/builtin.h"
#include "views/layout.h"
#include "views/lesson_markdown.h"
#include "views/lesson_state.h"
#include "views/views.h"

namespace klab::ui {

std::string prediction_miss_text(bool choice, const std::string& actual) {
    if (choice) return "Not quite. The model's answer: \u201c" + actual + "\u201d.";
    return "Not quite: the model gives " + actual + ".";
}

namespace {

const ImVec4 kMet(0.35f, 0.80f, 0.45f, 1.0f);
const ImVec4 kNotYet(0.95f, 0.75f, 0.35f, 1.0f);
const ImVec4 kError(1.0f, 0.45f, 0.40f, 1.0f);

using Kind = LessonAction::Kind;

void act(LessonPanelState& s, Kind k, std::string text = {}, uint32_t step = 0) {
    s.actions.push_back(LessonAction{k, std::move(text), step});
}

// Opening a lesson boots the lesson's machine, and the session on screen goes. When the
// student typed something in it (outside a lesson, or in the open lesson's step), ask first.
void request_open(ViewContext& c, LessonPanelState& s, const std::string& id) {
    const LessonRunner* r = s.view.runner;
    size_t typed = r ? r->step_commands().size() : c.session.log().size();
    if (typed == 0) {
        act(s, Kind::open, id);
        return;
    }
    s.confirm_open = id;
    s.confirm_commands = typed;
}

void build_list(LessonPanelState& s) {
    s.list.clear();
    for (const BuiltinLessonFile& f : builtin_lesson_files()) {
        LessonListEntry e;
        e.file = f.path;
        auto l = parse_lesson(f.text, f.path);
        if (!l.ok()) {
            e.error = l.error().message;
            s.list.push_back(std::move(e));
            continue;
        }
        e.id = l.value().id;
        e.title = l.value().title;
        e.steps = static_cast<uint32_t>(l.value().steps.size());
        e.minutes = l.value().minutes;
        std::string saved = s.load_progress ? s.load_progress(e.id) : "";
        if (!saved.empty()) {
            if (auto rec = LessonRunner::parse_progress(l.value(), saved); rec.ok()) {
                e.started = true;
                for (const StepProgress& p : rec.value().steps) e.done += p.met ? 1 : 0;
            }
        }
        s.list.push_back(std::move(e));
    }
    s.list_built = true;
}

void draw_notices(ViewContext& c, LessonPanelState& s) {
    for (size_t i = 0; i < s.notices.size(); i++) {
        ImGui::PushID(static_cast<int>(i));
        ImGui::PushStyleColor(ImGuiCol_Text, kNotYet);
        ImGui::TextWrapped("%s", s.notices[i].c_str());
        ImGui::PopStyleColor();
        c.widgets.track_last_item("lesson/notice/" + std::to_string(i));
        ImGui::SameLine();
        bool gone = ImGui::SmallButton("×");
        ImGui::PopID();
        if (gone) {
            s.notices.erase(s.notices.begin() + static_cast<long>(i));
            break;
        }
    }
}

void draw_list(ViewContext& c, LessonPanelState& s) {
    if (!s.list_built) build_list(s);
    ImGui::TextUnformatted("Lessons");
    ImGui::Separator();
    for (const LessonListEntry& e : s.list) {
        if (!e.error.empty()) {
            ImGui::PushStyleColor(ImGuiCol_Text, kError);
            ImGui::TextWrapped("%s does not parse: %s", e.file.c_str(), e.error.c_str());
            ImGui::PopStyleColor();
            continue;
        }
        ImGui::PushID(e.id.c_str());
        std::string label = e.title + "##open";
        if (ImGui::Selectable(label.c_str(), false)) request_open(c, s, e.id);
        c.widgets.track_last_item("lesson/open/" + e.id);
        ImGui::SameLine(ImGui::GetContentRegionAvail().x * 0.70f);
        if (e.started && e.done == e.steps)
            ImGui::TextColored(kMet, "done (%u steps)", e.steps);
        else if (e.started)
            ImGui::TextColored(kNotYet, "%u of %u steps", e.done, e.steps);
        else
            ImGui::TextDisabled("%u steps, %u min", e.steps, e.minutes);
        ImGui::PopID();
    }
    ImGui::Spacing();
    ImGui::Separator();
    if (ImGui::Button("Export progress…")) act(s, Kind::export_progress);
    c.widgets.track_last_item("lesson/export");
    ImGui::SameLine();
    if (ImGui::Button("Import progress…")) act(s, Kind::import_progress);
    c.widgets.track_last_item("lesson/import");
}

void draw_predict(ViewContext& c, LessonPanelState& s, const LessonRunner& r) {
    const Predict& q = r.step().predict;
    const PredictRecord& p = r.progress()[r.step_index()].predict;
    ImGui::Spacing();
    ImGui::TextColored(ImVec4(0.75f, 0.65f, 1.0f, 1.0f), "Predict before you act");
    ImGui::TextWrapped("%s", q.question.c_str());
    if (!p.answered) {
        if (r.progress()[r.step_index()].commands > 0) {
            // Readable (not the disabled grey) and wrapped: it must fit a narrow panel.
            ImGui::PushStyleColor(ImGuiCol_Text, kNotYet);
            ImGui::TextWrapped("You ran a command before answering. Reset step to answer this "
                               "question, then run the step.");
            ImGui::PopStyleColor();
            c.widgets.track_last_item("lesson/predict_locked");
            return;
        }
        bool go = false;
        if (q.kind == Predict::Kind::Choice) {
            // One choice per line, never wider than the panel: a row of buttons would clip
            // the last ones off a narrow panel.
            float avail = ImGui::GetContentRegionAvail().x;
            for (size_t i = 0; i < q.choices.size(); i++) {
                ImGui::PushID(static_cast<int>(i));
                float w = ImGui::CalcTextSize(q.choices[i].c_str()).x +
                          ImGui::GetStyle().FramePadding.x * 2;
                if (ImGui::Button(q.choices[i].c_str(), ImVec2(std::min(w, avail), 0)))
                    act(s, Kind::predict, q.choices[i]);
                if (w > avail && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", q.choices[i].c_str());
                ImGui::PopID();
                c.widgets.track_last_item("lesson/choice/" + std::to_string(i + 1));
            }
        } else {
            ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
            go = ImGui::InputText("##answer", s.answer.data(), s.answer.size(),
                                  ImGuiInputTextFlags_EnterReturnsTrue);
            c.widgets.track_last_item("lesson/answer");
            ImGui::SameLine();
            go = ImGui::Button("Answer") || go;
            c.widgets.track_last_item("lesson/answer_ok");
            if (go) act(s, Kind::predict, s.answer.data());
        }
        if (!s.predict_error.empty()) {
            ImGui::PushStyleColor(ImGuiCol_Text, kError);
            ImGui::TextWrapped("%s", s.predict_error.c_str());
            ImGui::PopStyleColor();
        }
        return;
    }
    ImGui::Text("Your answer: %s", p.answer.c_str());
    if (!p.resolved) {
        ImGui::TextWrapped("Now do it: the lab checks your answer against the model.");
    } else if (p.correct) {
        ImGui::TextColored(kMet, "Right: the model agrees.");
    } else {
        bool choice = q.kind == Predict::Kind::Choice && p.actual >= 0 &&
                      static_cast<size_t>(p.actual) < q.choices.size();
        std::string actual = choice ? q.choices[static_cast<size_t>(p.actual)] : std::to_string(p.actual);
        ImGui::PushStyleColor(ImGuiCol_Text, kNotYet);
        ImGui::TextWrapped("%s", prediction_miss_text(choice, actual).c_str());
        ImGui::PopStyleColor();
    }
    c.widgets.track_last_item("lesson/predict_result");
}

// A line under the goal status: the kernel's complaint during the step, or a done step whose
// state has moved on.
struct FooterNote {
    ImVec4 color;
    std::string text;
    std::string id;
};

std::vector<FooterNote> footer_notes(const LessonPanelState& s, const LessonRunner& r) {
    std::vector<FooterNote> out;
    const LessonStep& st = r.step();
    const StepProgress& prog = r.progress()[r.step_index()];
    if (st.goal.empty() || s.view.goal.met) return out;
    if (!s.view.trouble.empty()) {
        std::string line = s.view.trouble;
        if (line.size() > 120) line = line.substr(0, 117) + "...";
        out.push_back({kError,
                       "The kernel reported a problem during this step (" + line + "): " +
                           (prog.met ? std::string("the step stays done. Reset step to go on "
                                                   "from a clean state.")
                                     : std::string("the goal may be out of reach. Reset step to "
                                                   "try again from a clean state.")),
                       "lesson/trouble"});
    } else if (prog.met) {
        out.push_back({kNotYet,
                       "The state has changed since: the goal no longer holds now, but the step "
                       "stays done.",
                       "lesson/goal_changed"});
    }
    return out;
}

// The step's prose split before its first top-level code block: what comes before it, and the
// rest. Copies: drawing may clear the Markdown cache.
std::pair<MdDoc, MdDoc> split_at_first_code(LessonPanelState& s, const std::string& text) {
    const MdDoc& all = lesson_markdown(s, text);
    auto cut = std::find_if(all.blocks.begin(), all.blocks.end(), [](const MdBlock& b) {
        return b.kind == MdKind::Code && b.quote_depth == 0 && b.list_depth == 0;
    });
    std::pair<MdDoc, MdDoc> parts;
    parts.first.blocks.assign(all.blocks.begin(), cut);
    parts.second.blocks.assign(cut, all.blocks.end());
    return parts;
}

void draw_step(ViewContext& c, LessonPanelState& s, const LessonRunner& r) {
    const Lesson& l = r.lesson();
    const LessonStep& st = r.step();
    const StepProgress& prog = r.progress()[r.step_index()];
    MdContext md{c.fonts, c.widgets, s.actions};

    if (ImGui::SmallButton("< Lessons")) act(s, Kind::close);
    c.widgets.track_last_item("lesson/close");
    ImGui::SameLine();
    ImGui::TextDisabled("%s", l.title.c_str());
    // One box per step: filled when met; a click goes there (the reference path replays).
    for (uint32_t i = 0; i < r.step_count(); i++) {
        if (i) ImGui::SameLine(0, 3);
        ImGui::PushID(static_cast<int>(i));
        bool met = r.progress()[i].met, cur = i == r.step_index();
        ImGui::PushStyleColor(ImGuiCol_Button, met ? ImVec4(0.20f, 0.50f, 0.28f, 1.0f)
                                                   : ImVec4(0.22f, 0.24f, 0.28f, 1.0f));
        if (cur) ImGui::PushStyleVar(ImGuiStyleVar_FrameBorderSize, 2.0f);
        std::string lab = std::to_string(i + 1);
        if (ImGui::SmallButton(lab.c_str()) && !cur) act(s, Kind::go_to, {}, i);
        if (cur) ImGui::PopStyleVar();
        ImGui::PopStyleColor();
        ImGui::PopID();
        c.widgets.track_last_item("lesson/step/" + std::to_string(i + 1));
    }
    ImGui::Separator();

    // The prose scrolls; the goal and the buttons stay in view below it.
    std::vector<FooterNote> notes = footer_notes(s, r);
    float wrap = ImGui::GetContentRegionAvail().x;
    float notes_h = 0;
    for (const FooterNote& n : notes)
        notes_h += ImGui::CalcTextSize(n.text.c_str(), nullptr, false, wrap).y +
                   ImGui::GetStyle().ItemSpacing.y;
    float footer_h = ImGui::GetFrameHeightWithSpacing() * 2 + ImGui::GetStyle().ItemSpacing.y * 2 +
                     notes_h;
    ImGui::BeginChild("step", ImVec2(0, -footer_h), false);
    if (s.scroll_to_top) {
        ImGui::SetScrollY(0);
        s.scroll_to_top = false;
    }
    if (r.step_index() == 0 && !l.introduction.empty()) {
        md.prefix = "lesson/intro";
        draw_markdown(md, lesson_markdown(s, l.introduction));
        md.code_id = 0;
    }
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.62f, 0.80f, 1.0f, 1.0f));
    ImGui::TextWrapped("Step %u of %u: %s", st.number, r.step_count(), st.title.c_str());
    ImGui::PopStyleColor();
    c.widgets.track_last_item("lesson/step_title");
    ImGui::Separator();
    md.prefix = "lesson/prose";
    if (st.has_predict) {
        // The prediction comes before the step's first code block (and its Run button), so the
        // student meets the question before acting.
        auto [head, tail] = split_at_first_code(s, st.prose);
        draw_markdown(md, head);
        draw_predict(c, s, r);
        if (!tail.blocks.empty()) {
            ImGui::Spacing();
            draw_markdown(md, tail);
        }
    } else {
        draw_markdown(md, lesson_markdown(s, st.prose));
    }

    for (uint32_t i = 0; i < prog.hints_shown && i < st.hints.size(); i++) {
        ImGui::PushID(static_cast<int>(i));
        if (s.scroll_to == LessonPanelState::Scroll::hint && i + 1 == prog.hints_shown) {
            ImGui::SetScrollHereY(0.0f);
            s.scroll_to = LessonPanelState::Scroll::none;
        }
        ImGui::TextColored(kNotYet, "Hint %u", i + 1);
        md.prefix = "lesson/hint" + std::to_string(i + 1);
        md.code_id = 0;
        ImGui::Indent();
        draw_markdown(md, lesson_markdown(s, st.hints[i]));
        ImGui::Unindent();
        ImGui::PopID();
    }
    if (s.show_solution || prog.solution_shown) {
        if (s.scroll_to == LessonPanelState::Scroll::solution) {
            ImGui::SetScrollHereY(0.0f);
            s.scroll_to = LessonPanelState::Scroll::none;
        }
        ImGui::TextColored(kNotYet, "Reference solution");
        MdDoc sol;
        MdBlock b;
        b.kind = MdKind::Code;
        b.lang = "c";
        b.code = st.solution;
        sol.blocks.push_back(b);
        md.prefix = "lesson/solution";
        md.code_id = 0;
        draw_markdown(md, sol);
    }
    if (prog.met && !st.explanation.empty()) {
        ImGui::Spacing();
        if (s.scroll_to == LessonPanelState::Scroll::explanation) {
            ImGui::SetScrollHereY(0.0f);
            s.scroll_to = LessonPanelState::Scroll::none;
        }
        ImGui::TextColored(kMet, "Why");
        c.widgets.track_last_item("lesson/explanation");
        md.prefix = "lesson/explanation";
        md.code_id = 0;
        draw_markdown(md, lesson_markdown(s, st.explanation));
    }
    if (r.step_index() + 1 >= r.step_count() && prog.met) {
        ImGui::Spacing();
        ImGui::TextColored(kMet, "Lesson complete.");
        c.widgets.track_last_item("lesson/complete");
    }
    ImGui::EndChild();
    ImGui::Separator();
    // The goal, checked after every command.
    ImGui::Spacing();
    const GoalStatus& g = s.view.goal;
    if (st.goal.empty()) {
        s.goal_text = "A reading step: no goal to reach.";
        ImGui::TextDisabled("%s", s.goal_text.c_str());
    } else if (g.met) {
        s.goal_text = "\xE2\x9C\x93 Goal met";
        ImGui::TextColored(kMet, "%s", s.goal_text.c_str());
    } else if (prog.met) {
        // Done once stays done (progress latches): never "not yet" beside the explanation.
        s.goal_text = "\xE2\x9C\x93 Step done";
        ImGui::TextColored(kMet, "%s", s.goal_text.c_str());
    } else {
        s.goal_text = "Goal: not yet";
        ImGui::TextColored(kNotYet, "%s", s.goal_text.c_str());
        if (g.error && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", g.message.c_str());
    }
    c.widgets.track_last_item("lesson/goal");
    s.goal_notes.clear();
    for (const FooterNote& n : notes) {
        s.goal_notes.push_back(n.text);
        ImGui::PushStyleColor(ImGuiCol_Text, n.color);
        ImGui::TextWrapped("%s", n.text.c_str());
        ImGui::PopStyleColor();
        c.widgets.track_last_item(n.id);
    }

    ImGui::BeginDisabled(prog.hints_shown >= st.hints.size());
    std::string hint = st.hints.empty() ? std::string("No hints")
                                        : "Hint (" + std::to_string(prog.hints_shown) + "/" +
                                              std::to_string(st.hints.size()) + ")";
    if (ImGui::Button(hint.c_str())) act(s, Kind::hint);
    ImGui::EndDisabled();
    c.widgets.track_last_item("lesson/hint");
    ImGui::SameLine();
    ImGui::BeginDisabled(st.solution.empty());
    if (ImGui::Button("Show solution")) act(s, Kind::solution);
    ImGui::EndDisabled();
    c.widgets.track_last_item("lesson/solution");
    ImGui::SameLine();
    if (ImGui::Button("Reset step")) act(s, Kind::reset);
    c.widgets.track_last_item("lesson/reset");
    ImGui::SameLine();
    bool last = r.step_index() + 1 >= r.step_count();
    ImGui::BeginDisabled(last);
    if (prog.met) ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.20f, 0.50f, 0.28f, 1.0f));
    if (ImGui::Button(prog.met || st.goal.empty() ? "Next" : "Skip")) act(s, Kind::next);
    if (prog.met) ImGui::PopStyleColor();
    ImGui::EndDisabled();
    c.widgets.track_last_item("lesson/next");

}

void draw_body(ViewContext& c, LessonPanelState& s) {
    s.frames_drawn++;
    draw_notices(c, s);
    if (!s.open_error.empty()) {
        ImGui::TextColored(kError, "This lesson could not be opened:");
        ImGui::PushStyleColor(ImGuiCol_Text, kError);
        ImGui::TextWrapped("%s", s.open_error.c_str());
        ImGui::PopStyleColor();
        c.widgets.track_last_item("lesson/error");
        ImGui::TextWrapped("The lab keeps working: use the console, or pick another lesson.");
        if (ImGui::Button("Back to the lessons")) act(s, Kind::close);
        c.widgets.track_last_item("lesson/close");
        return;
    }
    if (s.view.runner)
        draw_step(c, s, *s.view.runner);
    else
        draw_list(c, s);
}

} // namespace

const MdDoc& lesson_markdown(LessonPanelState& s, const std::string& text) {
    auto it = s.md_cache.find(text);
    if (it != s.md_cache.end()) return it->second;
    if (s.md_cache.size() > 256) s.md_cache.clear();
    auto d = parse_markdown(text);
    MdDoc doc;
    if (d.ok()) doc = std::move(d.value());
    return s.md_cache.emplace(text, std::move(doc)).first->second;
}

void prepare_lesson_panel(ViewContext& c, LessonPanelState& s, LessonRunner* r) {
    s.view.runner = r;
    s.view.goal = r ? r->goal() : GoalStatus{};
    s.view.trouble = r ? r->kernel_trouble() : std::string();
    if (!r) {
        s.highlight.clear();
        s.met_since = -1;
        return;
    }
    uint64_t key = (std::hash<std::string>{}(r->lesson().id) << 8) ^ r->step_index();
    if (key != s.seen_step_key) {
        s.seen_step_key = key;
        s.show_solution = false;
        s.answer.fill(0);
        s.predict_error.clear();
        s.scroll_to_top = true;
        s.met_since = -1;
    }
    s.highlight = r->lesson().view_of(r->step_index());
    bool met = !r->step().goal.empty() && s.view.goal.met;
    if (!met)
        s.met_since = -1;
    else if (s.met_since < 0) {
        s.met_since = c.changes.time;
        s.scroll_to = LessonPanelState::Scroll::explanation;
    }
}

void draw_lesson_window(ViewContext& c, LessonPanelState& s, ImVec2 pos, ImVec2 size) {
    ImGui::SetNextWindowPos(pos);
    ImGui::SetNextWindowSize(size);
    ImGuiWindowFlags f = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                         ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings;
    bool open = true;
    if (ImGui::Begin("Lesson", s.view.runner ? nullptr : &open, f)) {
        c.widgets.track_window("view/Lesson");
        draw_body(c, s);
    }
    ImGui::End();
    if (!open) s.wants_panel = false;
}

void draw_lesson_tab(ViewContext& c, LessonPanelState& s) {
    bool selected = ImGui::BeginTabItem("Lesson");
    c.widgets.track_last_item("tab/Lesson");
    if (selected) {
        ImGui::BeginChild("view");
        c.widgets.track_window("view/Lesson");
        draw_body(c, s);
        ImGui::EndChild();
        ImGui::EndTabItem();
    }
}

void draw_lesson_menu(ViewContext& c, LessonPanelState& s) {
    // A second BeginMainMenuBar appends to the bar main_menu.cpp drew.
    if (!ImGui::BeginMainMenuBar()) return;
    // Beside Help, where main_menu.cpp left room (the bar's status text comes after it).
    float x = ImGui::GetStateStorage()->GetFloat(ImGui::GetID("lessons_x"), -1.0f);
    if (x >= 0) ImGui::SetCursorPosX(x);
    if (ImGui::BeginMenu("Lessons")) {
        if (!s.list_built) build_list(s);
        for (const LessonListEntry& e : s.list) {
            if (!e.error.empty()) {
                ImGui::TextDisabled("%s (does not parse)", e.file.c_str());
                continue;
            }
            std::string label = e.title + (e.started ? "  (" + std::to_string(e.done) + "/" +
                                                           std::to_string(e.steps) + ")"
                                                     : std::string());
            if (ImGui::MenuItem(label.c_str())) request_open(c, s, e.id);
            c.widgets.track_last_item("menu/lesson/" + e.id);
        }
        ImGui::Separator();
        if (ImGui::MenuItem("All lessons…")) s.wants_panel = true;
        if (ImGui::MenuItem("Export progress…")) act(s, Kind::export_progress);
        if (ImGui::MenuItem("Import progress…")) act(s, Kind::import_progress);
        ImGui::EndMenu();
    }
    c.widgets.track_last_item("menu/lessons");
    // The page makes the link (web/embed/embed.js: machine, lesson, step, commands).
    if (s.can_share && ImGui::MenuItem("Copy share link")) s.share_requested = true;
    if (s.can_share) c.widgets.track_last_item("menu/share");
    ImGui::EndMainMenuBar();
}

void draw_open_confirmation(ViewContext& c, LessonPanelState& s) {
    constexpr const char* kTitle = "Open the lesson?";
    if (!s.confirm_open.empty() && !ImGui::IsPopupOpen(kTitle)) ImGui::OpenPopup(kTitle);
    ImGui::SetNextWindowPos(ImGui::GetMainViewport()->GetCenter(), ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
    if (!ImGui::BeginPopupModal(kTitle, nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
    c.widgets.track_window("confirm/open-lesson-dialog");
    std::string title = s.confirm_open;
    for (const LessonListEntry& e : s.list)
        if (e.id == s.confirm_open) title = e.title;
    ImGui::Text("The lesson \"%s\" boots its own machine.", title.c_str());
    ImGui::Text("The %zu command%s you typed in this session will be gone%s.", s.confirm_commands,
                s.confirm_commands == 1 ? "" : "s", s.view.runner ? " (this lesson's progress is kept)" : "");
    if (s.can_share) ImGui::TextDisabled("Copy a share link first to keep them.");
    bool open = ImGui::Button("Open the lesson");
    c.widgets.track_last_item("confirm/open-lesson");
    ImGui::SameLine();
    if (s.can_share && ImGui::Button("Copy share link")) s.share_requested = true;
    if (s.can_share) c.widgets.track_last_item("confirm/share");
    if (s.can_share) ImGui::SameLine();
    bool cancel = ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape));
    c.widgets.track_last_item("confirm/cancel");
    if (open) act(s, Kind::open, s.confirm_open);
    if (open || cancel) {
        s.confirm_open.clear();
        ImGui::CloseCurrentPopup();
    }
    ImGui::EndPopup();
}

void highlight_lesson_view(ViewContext& c, const LessonPanelState& s, ViewId id) {
    ViewId want;
    if (s.met_since < 0 || !lesson_view_id(s.highlight, want) || want != id) return;
    // A frame around the window: it pulses for two seconds, then stays while the goal is met.
    double t = c.changes.time - s.met_since;
    float pulse = t < 2.0 ? 0.5f + 0.5f * std::cos(static_cast<float>(t) * 6.2832f * 1.5f) : 0.0f;
    ImVec2 a = ImGui::GetWindowPos(), b(a.x + ImGui::GetWindowSize().x, a.y + ImGui::GetWindowSize().y);
    ImU32 col = ImGui::GetColorU32(ImVec4(0.35f, 0.80f, 0.45f, 0.75f + 0.25f * pulse));
    float w = (2.0f + 2.0f * pulse) * c.scale;
    ImGui::GetForegroundDrawList()->AddRect(ImVec2(a.x + w / 2, a.y + w / 2), ImVec2(b.x - w / 2, b.y - w / 2),
                                            col, 0.0f, 0, w);
    c.widgets.track_window("highlight/" + s.highlight);
}

} // namespace klab::ui
