// The lab controller with no front end at all: what Module.Lab and a CLI get without ImGui.
#include <doctest/doctest.h>

#include "session/lab_controller.h"

using klab::LabController;
using klab::LessonEvent;

TEST_CASE("lab controller: commands, change counts and listeners without a UI") {
    LabController lab;
    std::vector<uint64_t> seen;
    lab.set_change_listener([&](uint64_t n) { seen.push_back(n); });
    uint64_t c0 = lab.change_count(), r0 = lab.reset_count();
    auto snap = lab.snapshot();
    klab::ExecResult r = lab.submit("p = alloc_pages(GFP_KERNEL, 2);");
    CHECK_FALSE(r.error);
    CHECK(lab.change_count() == c0 + 1);
    CHECK(lab.reset_count() == r0); // a command changes the kernel, it does not replace it
    CHECK(lab.title().find("1 command") != std::string::npos);
    lab.restore(snap);
    CHECK(lab.reset_count() == r0 + 1);
    CHECK(lab.session().log().empty());
    std::string err;
    CHECK(lab.boot(klab::MachineConfig::preset(klab::Arch::i386), &err));
    CHECK(lab.machine().arch == klab::Arch::i386);
    CHECK(seen == std::vector<uint64_t>{c0 + 1, c0 + 2, c0 + 3});
}

TEST_CASE("lab controller: lessons report what happened to a listener, and progress round-trips") {
    LabController lab;
    std::vector<LessonEvent::Kind> events;
    lab.set_lesson_listener([&](const LessonEvent& e) { events.push_back(e.kind); });
    std::string err;
    CHECK_FALSE(lab.open_lesson("no-such-lesson", 0, false, &err));
    CHECK_FALSE(err.empty());
    REQUIRE(events.back() == LessonEvent::Kind::open_failed);
    REQUIRE(lab.open_lesson("buddy-allocator", 0, false));
    CHECK(std::find(events.begin(), events.end(), LessonEvent::Kind::opened) != events.end());
    CHECK(lab.lesson_action({klab::LessonAction::Kind::hint, "", 0}) == "");
    CHECK(events.back() == LessonEvent::Kind::progress);
    CHECK(std::find(events.begin(), events.end(), LessonEvent::Kind::hint) != events.end());
    CHECK(lab.lesson()->progress()[0].hints_shown == 1);
    // Without a page the records stay in memory; the export file carries them to another lab.
    std::string file = lab.export_progress();
    LabController other;
    CHECK(other.import_progress(file) == "Imported progress for 1 lesson.");
    REQUIRE(other.open_lesson("buddy-allocator", 0, true));
    CHECK(other.lesson()->progress()[0].hints_shown == 1);
    lab.close_lesson();
    CHECK(lab.lesson() == nullptr);
    CHECK(events.back() == LessonEvent::Kind::closed);
}
