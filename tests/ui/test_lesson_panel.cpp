// The lesson panel drawn headlessly (as tests/ui/test_views.cpp draws the views): lessons run
// in the App's own session, buttons and the console drive the steps, goal status, hints,
// predictions, the highlighted view, progress saved and restored through the App's store,
// export/import, a malformed lesson, and the compact embed layout.
#include <doctest/doctest.h>
#include <imgui.h>

#include <map>

#include "app.h"
#include "lesson/builtin.h"
#include "theme.h"
#include "views/lesson_state.h"
#include "views/views.h"

namespace {

struct Gui {
    explicit Gui(float w = 1280, float h = 720) {
        ImGui::CreateContext();
        ImGuiIO& io = ImGui::GetIO();
        io.DisplaySize = ImVec2(w, h);
        io.DeltaTime = 1.0f / 60.0f;
        io.IniFilename = nullptr;
        for (int k = 0; k < ImGuiKey_COUNT; ++k) io.KeyMap[k] = k;
        klab::ui::apply_theme(1.0f);
        fonts = klab::ui::load_fonts("/usr/share/fonts/truetype/dejavu", 1.0f);
        unsigned char* px = nullptr;
        int tw = 0, th = 0;
        io.Fonts->GetTexDataAsRGBA32(&px, &tw, &th);
    }
    ~Gui() { ImGui::DestroyContext(); }
    klab::ui::UiFonts fonts;

    void frame(klab::ui::App& app, int n = 1) {
        for (int i = 0; i < n; ++i) {
            app.set_fonts(fonts, 1.0f);
            ImGui::NewFrame();
            app.frame();
            ImGui::Render();
        }
    }
    // Clicks a named widget of the last frame with the mouse, as a student would.
    void click(klab::ui::App& app, const std::string& id) {
        auto r = app.widgets().find(id);
        REQUIRE_MESSAGE(r.has_value(), "no widget ", id);
        ImGuiIO& io = ImGui::GetIO();
        io.MousePos = ImVec2(r->x + r->w / 2, r->y + r->h / 2);
        frame(app, 2);
        io.MouseDown[0] = true;
        frame(app);
        io.MouseDown[0] = false;
        frame(app, 2);
        io.MousePos = ImVec2(-1, -1);
    }
    void type_line(klab::ui::App& app, const char* text) {
        if (!app.console().input_active) click(app, "console/input");
        for (int i = 0; i < 10 && !app.console().input_active; ++i) frame(app);
        REQUIRE(app.console().input_active);
        ImGui::GetIO().AddInputCharactersUTF8(text);
        frame(app);
        ImGuiIO& io = ImGui::GetIO();
        io.KeysDown[ImGuiKey_Enter] = true;
        frame(app);
        io.KeysDown[ImGuiKey_Enter] = false;
        frame(app, 2);
    }
};

// Progress kept in a map, as localStorage keeps it in the browser.
klab::LabHooks map_hooks(std::map<std::string, std::string>& store, std::string* downloaded = nullptr) {
    klab::LabHooks h;
    h.load = [&store](const std::string& k) { return store.count(k) ? store[k] : std::string(); };
    h.save = [&store](const std::string& k, const std::string& v) { store[k] = v; };
    if (downloaded)
        h.download = [downloaded](const std::string&, const std::string& text) { *downloaded = text; };
    return h;
}

bool has(const klab::ui::App& app, const std::string& id) {
    return app.widgets().find(id).has_value();
}

} // namespace

TEST_CASE("the lesson panel: a lesson runs in the App's own session, driven by its buttons and the console") {
    Gui gui;
    klab::ui::App app;
    std::map<std::string, std::string> store;
    app.lab().set_hooks(map_hooks(store));
    gui.frame(app, 2);
    CHECK_FALSE(has(app, "view/Lesson"));
    // The Lessons menu lists the lessons; the list opens the panel.
    app.lesson_panel().wants_panel = true;
    gui.frame(app, 2);
    REQUIRE(has(app, "lesson/open/buddy-allocator"));
    gui.click(app, "lesson/open/buddy-allocator");
    REQUIRE(app.lab().lesson() != nullptr);
    CHECK(app.lab().machine().arch == klab::Arch::i386); // the lesson's machine is the App's
    CHECK(&app.lab().lesson()->session() == &app.session());
    CHECK(has(app, "lesson/goal"));
    CHECK(app.highlighted_view().empty());

    // Predict first (step 1 asks for a number), then the prose's "run" button.
    REQUIRE(has(app, "lesson/answer"));
    gui.click(app, "lesson/answer");
    ImGui::GetIO().AddInputCharactersUTF8("1");
    gui.frame(app);
    gui.click(app, "lesson/answer_ok");
    CHECK(app.lab().lesson()->progress()[0].predict.answered);
    size_t log_before = app.session().log().size();
    REQUIRE(has(app, "lesson/prose/run/1"));
    gui.click(app, "lesson/prose/run/1");
    REQUIRE(app.session().log().size() == log_before + 1);
    CHECK(app.session().log().back().text == "big = alloc_pages(GFP_KERNEL, 4);\n");
    CHECK(app.lab().lesson()->progress()[0].met);
    CHECK(app.lab().lesson()->progress()[0].predict.resolved);
    CHECK(app.lab().lesson()->progress()[0].predict.correct); // one order-5 block after the split
    gui.frame(app, 2);
    CHECK(has(app, "lesson/explanation"));
    CHECK(app.highlighted_view() == "zones");
    CHECK(has(app, "highlight/zones"));
    CHECK(store.at("klab.progress.buddy-allocator").find("\"met\":true") != std::string::npos);

    // Hints one by one, then Next.
    gui.click(app, "lesson/hint");
    CHECK(app.lab().lesson()->progress()[0].hints_shown == 1);
    gui.click(app, "lesson/next");
    REQUIRE(app.lab().lesson()->step_index() == 1);
    gui.frame(app);
    CHECK(app.highlighted_view().empty());
    CHECK_FALSE(has(app, "lesson/explanation"));

    // Step 2 through the console: the goal is re-checked after the typed command.
    gui.click(app, "lesson/choice/2"); // "the order-6 block comes back"
    CHECK(app.lab().lesson()->progress()[1].predict.answered);
    gui.type_line(app, "__free_pages(big, 4);");
    CHECK(app.session().log().back().text == "__free_pages(big, 4);");
    CHECK(app.lab().lesson()->progress()[1].met);
    CHECK(app.lab().lesson()->progress()[1].predict.correct);
    CHECK(app.lab().lesson()->step_commands() == std::vector<std::string>{"__free_pages(big, 4);"});

    // Reset step: back to the step's start, the goal no longer met.
    gui.click(app, "lesson/reset");
    CHECK_FALSE(app.lab().lesson()->goal().met);
    CHECK(app.lab().lesson()->progress()[1].met); // a step once met stays done
    // A reboot from the menu leaves the lesson's machine: the lesson closes, the lab goes on.
    app.lab().boot(klab::MachineConfig::preset(klab::Arch::x86_64));
    CHECK(app.lab().lesson() == nullptr);
    gui.frame(app, 2);
}

TEST_CASE("the lesson panel walks every shipped lesson by its reference solutions") {
    for (const klab::Lesson& l : klab::builtin_lessons()) {
        CAPTURE(l.id);
        Gui gui;
        klab::ui::App app;
        REQUIRE(app.lab().open_lesson(l.id, 0, false));
        gui.frame(app, 2);
        for (uint32_t i = 0; i < l.steps.size(); i++) {
            CAPTURE(i + 1);
            REQUIRE(app.lab().lesson()->step_index() == i);
            if (!l.steps[i].solution.empty()) {
                gui.click(app, "lesson/solution");
                gui.frame(app, 5); // the prose scrolls to the solution
                gui.click(app, "lesson/solution/run/1");
            }
            CHECK(app.lab().lesson()->step_done());
            if (i + 1 < l.steps.size()) gui.click(app, "lesson/next");
        }
        gui.frame(app);
        CHECK(app.lab().lesson()->lesson_done());
        CHECK(has(app, "lesson/complete"));
    }
}

TEST_CASE("progress: saved after every change, resumed by a new App, corrupt records reported and ignored") {
    std::map<std::string, std::string> store;
    {
        Gui gui;
        klab::ui::App app;
        app.lab().set_hooks(map_hooks(store));
        REQUIRE(app.lab().open_lesson("buddy-allocator", 0, true));
        app.submit("big = alloc_pages(GFP_KERNEL, 4);");
        app.lesson_panel().actions.push_back({klab::ui::LessonAction::Kind::hint, "", 0});
        app.lesson_panel().actions.push_back({klab::ui::LessonAction::Kind::next, "", 0});
        gui.frame(app);
        CHECK(app.lab().lesson()->step_index() == 1);
    }
    {
        Gui gui;
        klab::ui::App app; // a reload
        app.lab().set_hooks(map_hooks(store));
        REQUIRE(app.lab().open_lesson("buddy-allocator", 0, true));
        CHECK(app.lab().lesson()->step_index() == 1);
        CHECK(app.lab().lesson()->progress()[0].met);
        CHECK(app.lab().lesson()->progress()[0].hints_shown == 1);
        klab::Session copy = app.session(); // goals borrow a live session: evaluate a copy here
        CHECK(copy.evaluate("big != 0").value() == 1); // step 1's reference path ran
        gui.frame(app, 2);
        CHECK(app.lesson_panel().notices.empty());
        app.lab().close_lesson();
        app.lesson_panel().wants_panel = true;
        gui.frame(app, 2);
        CHECK(has(app, "lesson/open/buddy-allocator"));
    }
    store["klab.progress.buddy-allocator"] = "{\"version\":1,\"lesson\":\"buddy-allocator\",\"step\":99}";
    {
        Gui gui;
        klab::ui::App app;
        app.lab().set_hooks(map_hooks(store));
        REQUIRE(app.lab().open_lesson("buddy-allocator", 0, true));
        CHECK(app.lab().lesson()->step_index() == 0);
        REQUIRE(app.lesson_panel().notices.size() == 1);
        CHECK(app.lesson_panel().notices[0] ==
              "Saved progress for buddy-allocator was not restored (the progress record names a "
              "step this lesson does not have); starting afresh.");
        gui.frame(app, 2);
        CHECK(has(app, "lesson/notice/0"));
    }
}

TEST_CASE("progress export and import: a file with every lesson record, damaged records ignored") {
    std::map<std::string, std::string> a_store, b_store;
    std::string file;
    Gui gui;
    {
        klab::ui::App a;
        a.lab().set_hooks(map_hooks(a_store, &file));
        REQUIRE(a.lab().open_lesson("pages-and-zones", 0, true));
        REQUIRE(a.lab().open_lesson("buddy-allocator", 0, true));
        a.lesson_panel().actions.push_back({klab::ui::LessonAction::Kind::export_progress, "", 0});
        gui.frame(a);
        REQUIRE_FALSE(file.empty());
        CHECK(file.find("\"format\": \"klab-progress\"") != std::string::npos);
        CHECK(file.find("\"pages-and-zones\"") != std::string::npos);
    }
    klab::ui::App b;
    b.lab().set_hooks(map_hooks(b_store));
    std::string msg = b.lab().import_progress(file);
    CHECK(msg == "Imported progress for 2 lessons.");
    CHECK(b_store == a_store);
    // A damaged record and an unknown lesson are named; the good one still comes in.
    std::string bad = R"({"format":"klab-progress","version":1,"lessons":{
        "buddy-allocator":{"version":1,"lesson":"buddy-allocator","step":0,"steps":[]},
        "no-such-lesson":{},
        "pages-and-zones":)" + a_store.at("klab.progress.pages-and-zones") + "}}";
    b_store.clear();
    msg = b.lab().import_progress(bad);
    CHECK(msg == "Imported progress for 1 lesson. Ignored: buddy-allocator (the progress record "
                 "does not match this lesson's steps); no-such-lesson (no such lesson).");
    CHECK(b_store.size() == 1);
    CHECK(b.lab().import_progress("not json") == "Progress was not imported: the file is not JSON.");
    CHECK(b.lab().import_progress("{\"lessons\":{}}") ==
          "Progress was not imported: the file is not a Kernel Lab progress file.");
}

TEST_CASE("a malformed lesson shows its error with file and line, and the lab keeps working") {
    Gui gui;
    klab::ui::App app;
    std::string err;
    CHECK_FALSE(app.lab().open_lesson_text("---\nid: broken\ntitle: B\npreset: i386\n---\n## Step 2: x\n",
                                     "mine.md", 0, &err));
    CHECK(err == "mine.md:6: expected Step 1, found Step 2");
    gui.frame(app, 2);
    CHECK(has(app, "lesson/error"));
    CHECK(app.lab().lesson() == nullptr);
    CHECK(app.submit("x = 6 * 7;").output.find("42") != std::string::npos);
    gui.click(app, "lesson/close");
    CHECK_FALSE(has(app, "lesson/error"));
    // An unknown id is an error too, not a crash.
    CHECK_FALSE(app.lab().open_lesson("no-such-lesson", 0, false, &err));
    CHECK(err.find("no lesson 'no-such-lesson'") == 0);
}

TEST_CASE("embed mode: no menus, the lesson, the console and the step's view fill an 800x600 frame") {
    Gui gui(800, 600);
    klab::ui::App app;
    REQUIRE(app.lab().open_lesson("buddy-allocator", 0, false));
    app.lab().set_embed_mode(true);
    gui.frame(app, 3);
    CHECK(app.lab().embed_mode());
    CHECK_FALSE(has(app, "menu/lessons"));
    CHECK_FALSE(app.console().has_menus); // the console's welcome names no Lessons menu
    CHECK_FALSE(has(app, "tab/Console"));
    for (const char* id : {"view/Lesson", "view/Console", "view/Zones"}) CHECK_MESSAGE(has(app, id), id);
    CHECK_FALSE(has(app, "view/Physical memory"));
    auto l = app.widgets().find("view/Lesson"), z = app.widgets().find("view/Zones"),
         c = app.widgets().find("view/Console");
    CHECK(l->x == 0);
    CHECK(z->x >= l->w - 1);
    CHECK(c->y >= z->y + z->h - 1);
    CHECK(c->y + c->h <= 600.5f);
    app.lab().set_embed_mode(false);
    gui.frame(app, 2);
    // 800x600 without embed: the lesson and the console are both on screen (the lesson
    // layout, not tabs that hide one of them), the step's view a tab over the console.
    CHECK_FALSE(app.tabs());
    CHECK_FALSE(has(app, "tab/Lesson"));
    l = app.widgets().find("view/Lesson");
    c = app.widgets().find("view/Console");
    REQUIRE(l);
    REQUIRE(c);
    CHECK(c->x >= l->x + l->w - 1);
    CHECK(c->y + c->h <= 600.5f);
    CHECK(has(app, "view/Zones"));
    // Closed, the views are tabs again.
    app.lab().close_lesson();
    gui.frame(app, 2);
    CHECK(app.tabs());
}

TEST_CASE("a lesson at 1280x720: the console spans the views' width, the step's view is the selected tab") {
    Gui gui;
    klab::ui::App app;
    REQUIRE(app.lab().open_lesson("buddy-allocator", 0, false));
    gui.frame(app, 3);
    auto l = app.widgets().find("view/Lesson"), c = app.widgets().find("view/Console"),
         z = app.widgets().find("view/Zones");
    REQUIRE(l);
    REQUIRE(c);
    REQUIRE(z); // step 1's view (view: zones) is the tab shown
    CHECK(c->x >= l->x + l->w - 1);
    CHECK(c->x + c->w >= 1279.0f);   // everything right of the lesson: a /proc table fits
    CHECK(c->w >= 1280 - l->w - 2);
    CHECK(z->y + z->h <= c->y + 1);  // the step's view above the console
    CHECK(has(app, "tab/Physical memory"));
    CHECK_FALSE(has(app, "view/Physical memory")); // the other views wait behind their tabs
    // Another tab can be chosen; the next step selects its own view again.
    gui.click(app, "tab/Physical memory");
    gui.frame(app, 2);
    CHECK(has(app, "view/Physical memory"));
    CHECK_FALSE(has(app, "view/Zones"));
    // Closing the lesson (the lesson list stays open) gives the tiled layout back: every view
    // at once, the console in its own tile again.
    app.lab().close_lesson();
    app.lesson_panel().wants_panel = true;
    gui.frame(app, 3);
    CHECK(has(app, "view/Lesson"));
    CHECK(has(app, "view/Zones"));
    CHECK(has(app, "view/Physical memory"));
    REQUIRE(app.widgets().find("view/Console"));
    CHECK(app.widgets().find("view/Console")->w < 500);
}

TEST_CASE("a lesson's code block wider than the panel scrolls sideways, a narrow one does not") {
    Gui gui(800, 600);
    klab::ui::App app;
    REQUIRE(app.lab().open_lesson("buddy-allocator", 0, false));
    app.lab().set_embed_mode(true);
    gui.frame(app, 3);
    // The introduction's /proc/buddyinfo line is about 100 characters; the prose's call is short.
    CHECK(has(app, "lesson/intro/code_box/1/scrolls"));
    CHECK(has(app, "lesson/prose/code_box/1"));
    CHECK_FALSE(has(app, "lesson/prose/code_box/1/scrolls"));
}

TEST_CASE("console: a function's brace on the next line waits for the body") {
    Gui gui;
    klab::ui::App app;
    gui.frame(app, 2);
    gui.type_line(app, "static int twice(int n)");
    CHECK(app.session().log().empty()); // Enter added a line instead of running the signature
    gui.type_line(app, "{ return 2 * n; }");
    REQUIRE(app.session().log().size() == 1);
    CHECK(app.submit("twice(21)").output.find("42") != std::string::npos);
}

namespace {

// The rectangle of a widget lies across the panel's width (the prose scrolls, so only x).
void check_inside_panel(const klab::ui::App& app, const std::string& id) {
    auto p = app.widgets().find("view/Lesson");
    auto r = app.widgets().find(id);
    REQUIRE_MESSAGE(p.has_value(), "no lesson panel");
    REQUIRE_MESSAGE(r.has_value(), "no widget ", id);
    CHECK_MESSAGE(r->x >= p->x - 0.5f, id, " starts left of the panel");
    CHECK_MESSAGE(r->x + r->w <= p->x + p->w + 0.5f, id, " ends at ", r->x + r->w,
                  ", right of the panel's edge at ", p->x + p->w);
}

} // namespace

TEST_CASE("the lesson panel: prediction choices and the locked-question message fit the panel at any width") {
    for (bool embed : {false, true}) {
        CAPTURE(embed);
        Gui gui(embed ? 800.0f : 1280.0f, embed ? 600.0f : 720.0f);
        klab::ui::App app;
        REQUIRE(app.lab().open_lesson("buddy-allocator", 1, false));
        app.lab().set_embed_mode(embed);
        gui.frame(app, 3);
        // Step 2 asks a choice question with three answers: every one is in the panel.
        for (int i = 1; i <= 3; i++) check_inside_panel(app, "lesson/choice/" + std::to_string(i));
        CHECK_FALSE(has(app, "lesson/choice/4"));
        auto a = app.widgets().find("lesson/choice/1"), b = app.widgets().find("lesson/choice/2");
        CHECK(b->y > a->y); // one per line

        // A command before answering locks the question: a readable message inside the panel.
        app.submit("x = 1;");
        gui.frame(app, 2);
        CHECK_FALSE(has(app, "lesson/choice/1"));
        check_inside_panel(app, "lesson/predict_locked");
        gui.click(app, "lesson/reset");
        CHECK(has(app, "lesson/choice/1"));
        CHECK_FALSE(has(app, "lesson/predict_locked"));
    }
    // Step 1: the question comes before the prose's Run button.
    Gui gui;
    klab::ui::App app;
    REQUIRE(app.lab().open_lesson("buddy-allocator", 0, false));
    gui.frame(app, 3);
    auto q = app.widgets().find("lesson/answer"), run = app.widgets().find("lesson/prose/run/1");
    REQUIRE(q.has_value());
    REQUIRE(run.has_value());
    CHECK(q->y < run->y);
}

TEST_CASE("the lesson panel: a done step stays done when the state moves on, and says so") {
    Gui gui;
    klab::ui::App app;
    const klab::ui::LessonPanelState& s = app.lesson_panel();
    REQUIRE(app.lab().open_lesson("buddy-allocator", 1, false));
    gui.frame(app, 2);
    CHECK(s.goal_text == "Goal: not yet");
    app.submit("__free_pages(big, 4);");
    gui.frame(app, 2);
    CHECK(s.goal_text == "\xE2\x9C\x93 Goal met");
    CHECK(s.goal_notes.empty());
    // The re-merged order-6 block taken again: the goal no longer holds, the step stays done.
    app.submit("again = alloc_pages(GFP_KERNEL, 6);");
    gui.frame(app, 2);
    CHECK_FALSE(app.lab().lesson()->goal().met);
    CHECK(app.lab().lesson()->progress()[1].met);
    CHECK(has(app, "lesson/explanation"));
    CHECK(s.goal_text == "\xE2\x9C\x93 Step done");
    REQUIRE(s.goal_notes.size() == 1);
    CHECK(s.goal_notes[0].find("The state has changed since") == 0);
    CHECK(has(app, "lesson/goal_changed"));
    CHECK_FALSE(has(app, "lesson/trouble"));
    // Nothing overlaps: the note sits between the goal line and the buttons.
    auto g = app.widgets().find("lesson/goal"), n = app.widgets().find("lesson/goal_changed"),
         h = app.widgets().find("lesson/hint");
    CHECK(n->y >= g->y + g->h - 0.5f);
    CHECK(h->y >= n->y + n->h - 0.5f);
    CHECK(h->y + h->h <= 720.5f);

    // kmalloc-and-slab step 1: not done by the kmalloc alone (its ksize part comes after); a
    // second kmalloc (a natural retry) keeps the goal met.
    REQUIRE(app.lab().open_lesson("kmalloc-and-slab", 0, false));
    app.submit("a = kmalloc(100, GFP_KERNEL);");
    CHECK_FALSE(app.lab().lesson()->goal().met);
    app.submit("size = ksize(a);");
    CHECK(app.lab().lesson()->goal().met);
    app.submit("a = kmalloc(100, GFP_KERNEL);");
    CHECK(app.lab().lesson()->goal().met);
    gui.frame(app, 2);
    CHECK(s.goal_text == "\xE2\x9C\x93 Goal met");
}

TEST_CASE("the lesson panel: a BUG during the step is named, and Reset step clears it") {
    Gui gui;
    klab::ui::App app;
    const klab::ui::LessonPanelState& s = app.lesson_panel();
    REQUIRE(app.lab().open_lesson("buddy-allocator", 1, false));
    gui.frame(app, 2);
    CHECK_FALSE(has(app, "lesson/trouble"));
    app.submit("__free_pages(big, 3);"); // the wrong order
    gui.frame(app, 2);
    CHECK(s.goal_text == "Goal: not yet");
    REQUIRE(has(app, "lesson/trouble"));
    REQUIRE(s.goal_notes.size() == 1);
    CHECK(s.goal_notes[0].find("The kernel reported a problem during this step (BUG: Bad page state") == 0);
    CHECK(s.goal_notes[0].find("Reset step to try again from a clean state.") != std::string::npos);
    check_inside_panel(app, "lesson/trouble");
    gui.click(app, "lesson/reset");
    CHECK_FALSE(has(app, "lesson/trouble"));
    CHECK(s.goal_notes.empty());

    // A double kfree after kmalloc-and-slab's step 1 was done: the step stays done, the note
    // names the BUG instead of "the state has changed".
    REQUIRE(app.lab().open_lesson("kmalloc-and-slab", 0, false));
    app.submit("a = kmalloc(100, GFP_KERNEL);");
    app.submit("size = ksize(a);");
    app.submit("kfree(a);");
    app.submit("kfree(a);");
    gui.frame(app, 2);
    CHECK(s.goal_text == "\xE2\x9C\x93 Step done");
    REQUIRE(s.goal_notes.size() == 1);
    CHECK(s.goal_notes[0].find("kernel BUG at mm/slub.c") != std::string::npos);
    CHECK(s.goal_notes[0].find("the step stays done. Reset step to go on from a clean state.") !=
          std::string::npos);
    CHECK(has(app, "lesson/trouble"));
}
