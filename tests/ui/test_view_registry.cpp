// The view registry (imgui_frontend/views/view_registry.cpp) and the lessons' view keys
// (engine/lesson lesson_view_names()) agree: a lesson can point at every view, and every key a
// lesson may use names a view.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "lesson/lesson.h"
#include "views/layout.h"
#include "views/views.h"

TEST_CASE("view registry: every view and every lesson key agree") {
    using namespace klab::ui;
    std::set<std::string> keys, titles;
    for (const ViewDef& d : view_registry()) {
        CHECK_MESSAGE(keys.insert(d.key).second, "two views named ", d.key);
        CHECK_MESSAGE(titles.insert(d.title).second, "two views titled ", d.title);
        CHECK(bool(d.make_state));
        CHECK(bool(d.draw));
        CHECK(d.make_state() != nullptr);
    }
    const auto& names = klab::lesson_view_names();
    CHECK(keys == std::set<std::string>(names.begin(), names.end()));
    for (const std::string& k : names) {
        ViewId id;
        CHECK_MESSAGE(lesson_view_id(k, id), k);
    }
    ViewId none;
    CHECK_FALSE(lesson_view_id("no-such-view", none));
    CHECK(default_views().size() == view_registry().size());
}
