// Console tab completion: shell words, /proc paths after cat, KernelC names, the student's
// own names, and '_' names only on request.
#include <doctest/doctest.h>

#include <algorithm>

#include "proc/proc.h"
#include "session/session.h"
#include "session/shell.h"

using namespace klab;

namespace {

Session boot() {
    auto s = Session::create(MachineConfig::preset(Arch::x86_64));
    REQUIRE(s.ok());
    return std::move(s.value());
}

bool has(const Completion& c, const char* w) {
    return std::find(c.candidates.begin(), c.candidates.end(), w) != c.candidates.end();
}

} // namespace

TEST_CASE("complete: the first word offers shell words and C names") {
    Session s = boot();
    Completion c = s.complete("dm", 2);
    CHECK(c.start == 0);
    CHECK(has(c, "dmesg"));
    c = s.complete("allo", 4);
    CHECK(has(c, "alloc_pages"));
    CHECK(!has(c, "dmesg"));
    CHECK(c.common_prefix().rfind("alloc_p", 0) == 0); // alloc_page(s), alloc_percpu
    CHECK(std::is_sorted(c.candidates.begin(), c.candidates.end()));
}

TEST_CASE("complete: constants and macros inside an expression, not shell words") {
    Session s = boot();
    std::string line = "p = __get_free_pages(GFP_KER";
    Completion c = s.complete(line, line.size());
    CHECK(c.start == line.find("GFP_KER"));
    REQUIRE(c.candidates.size() >= 1);
    CHECK(has(c, "GFP_KERNEL"));
    CHECK(c.common_prefix() == "GFP_KERNEL");
    line = "p = ca";
    c = s.complete(line, line.size());
    CHECK(!has(c, "cat")); // not at the start of the line
}

TEST_CASE("complete: names starting with '_' need a '_' prefix") {
    Session s = boot();
    Completion c = s.complete("p = ", 4);
    CHECK(!c.candidates.empty());
    for (const std::string& w : c.candidates) CHECK(w[0] != '_');
    c = s.complete("__get_free", 10);
    CHECK(has(c, "__get_free_pages"));
}

TEST_CASE("complete: /proc paths after cat, by full path or by name") {
    Session s = boot();
    std::string line = "cat /proc/bud";
    Completion c = s.complete(line, line.size());
    CHECK(c.start == 4);
    REQUIRE(c.candidates.size() == 1);
    CHECK(c.candidates[0] == "/proc/buddyinfo");
    line = "cat /proc/sys/vm/m";
    c = s.complete(line, line.size());
    CHECK(has(c, "/proc/sys/vm/min_free_kbytes"));
    line = "cat zone";
    c = s.complete(line, line.size());
    REQUIRE(c.candidates.size() == 1);
    CHECK(c.candidates[0] == "zoneinfo");
    // Every path offered is one cat can print.
    c = s.complete("cat /", 5);
    CHECK(c.candidates.size() >= 7);
    // (/proc/vmallocinfo is empty until something is vmalloc'ed: the model has no boot areas;
    // /proc/modules until a module is loaded.)
    for (const std::string& p : c.candidates) {
        std::string out;
        CHECK_MESSAGE(s.proc(p, out), p);
        if (p != "/proc/vmallocinfo" && p != "/proc/modules") CHECK_MESSAGE(!out.empty(), p);
    }
}

TEST_CASE("complete: the student's variables and functions appear once defined") {
    Session s = boot();
    CHECK(s.complete("my", 2).candidates.empty());
    s.exec("unsigned long my_page = 0;\nint my_init(void) { return 0; }");
    Completion c = s.complete("x = my", 6);
    CHECK(has(c, "my_page"));
    CHECK(has(c, "my_init"));
    CHECK(c.common_prefix() == "my_");
}

TEST_CASE("complete: a cursor in the middle, numbers and empty lines") {
    Session s = boot();
    std::string line = "dmesg; xyz";
    Completion c = s.complete(line, 2); // "dm|esg"
    CHECK(c.start == 0);
    CHECK(has(c, "dmesg"));
    CHECK(s.complete("x = 12", 6).candidates.empty());
    Completion e = s.complete("", 0);
    CHECK(has(e, "cat"));
    CHECK(s.complete("abc", 999).start == 0); // a cursor past the end is clamped
}

TEST_CASE("complete: in a pipeline, the filters after '|' and /proc paths as their FILE") {
    Session s = boot();
    std::string line = "cat /proc/meminfo | gr";
    Completion c = s.complete(line, line.size());
    CHECK(c.start == line.size() - 2);
    CHECK(has(c, "grep"));
    line = "cat /proc/meminfo | grep Slab | he";
    c = s.complete(line, line.size());
    CHECK(has(c, "head"));
    CHECK(has(c, "help"));
    // A filter's argument that starts with '/' is a path; its pattern is not.
    line = "grep Slab /proc/memi";
    c = s.complete(line, line.size());
    CHECK(c.start == 10);
    CHECK(has(c, "/proc/meminfo"));
    line = "grep kmalloc_";
    c = s.complete(line, line.size());
    CHECK(!has(c, "/proc/slabinfo"));
    // In C, '|' is or: no shell words after it.
    line = "x = 1 | gr";
    c = s.complete(line, line.size());
    CHECK(!has(c, "grep"));
}

TEST_CASE("complete: /proc paths and shell words come from the registries") {
    Session s = boot();
    // Every /proc file of the table completes, /proc/modules and /proc/version included.
    for (std::string_view p : proc_paths()) {
        std::string line = "cat " + std::string(p);
        Completion c = s.complete(line, line.size());
        CHECK_MESSAGE(has(c, std::string(p).c_str()), p);
    }
    Completion c = s.complete("cat /proc/mo", 12);
    CHECK(has(c, "/proc/modules"));
    c = s.complete("cat ver", 7);
    CHECK(has(c, "version"));
    // Every command of the shell table is a shell word, and help lists every one with a synopsis.
    std::string help = s.exec("help").output;
    for (const ShellCommand& cmd : shell_commands()) {
        CHECK(std::find(shell_words().begin(), shell_words().end(), cmd.name) != shell_words().end());
        if (!cmd.synopsis.empty()) CHECK_MESSAGE(help.find(cmd.synopsis) != std::string::npos, cmd.name);
    }
}
