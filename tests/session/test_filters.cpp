// The console's pipes and filters (engine/session/filters.h): grep, head, tail and wc over
// /proc files and over a command's output, with GNU's options, output shapes and messages.
#include <doctest/doctest.h>

#include "fixture.h"
#include "session/filters.h"

using namespace klab;
using klab::test::contains;

namespace {

FileReader files(std::string name, std::string text) {
    return [name, text](const std::string& p, std::string& out) {
        if (p != name) return false;
        out = text;
        return true;
    };
}

const std::string kText = "alpha 1\nbeta 2\nAlpha_3 x\ngamma 4\n";

FilterResult pipe_into(std::vector<std::string> argv, const std::string& in = kText) {
    return run_filter(argv, &in, files("/proc/t", kText));
}

} // namespace

TEST_CASE("grep selects lines by basic, extended and fixed patterns") {
    CHECK(pipe_into({"grep", "alpha"}).out == "alpha 1\n");
    CHECK(pipe_into({"grep", "-i", "alpha"}).out == "alpha 1\nAlpha_3 x\n");
    CHECK(pipe_into({"grep", "-v", "a 1"}).out == "beta 2\nAlpha_3 x\ngamma 4\n");
    CHECK(pipe_into({"grep", "-c", "a"}).out == "4\n");
    CHECK(pipe_into({"grep", "-n", "^[bg]"}).out == "2:beta 2\n4:gamma 4\n");
    CHECK(pipe_into({"grep", "-E", "^(beta|gamma) [0-9]$"}).out == "beta 2\ngamma 4\n");
    // In a basic pattern, ( and | are ordinary characters.
    CHECK(pipe_into({"grep", "(beta|gamma)"}).out.empty());
    CHECK(pipe_into({"grep", "-F", "a_3"}).out == "Alpha_3 x\n");
    CHECK(pipe_into({"grep", "-F", "."}).out.empty());
    CHECK(pipe_into({"grep", "."}).out == kText);
    CHECK(pipe_into({"grep", "-e", "beta", "-e", "gamma"}).out == "beta 2\ngamma 4\n");
    CHECK(pipe_into({"grep", "-ic", "ALPHA"}).out == "2\n");
}

TEST_CASE("grep -w and -x want whole words and whole lines") {
    // "alpha" inside "Alpha_3" is not a word: '_' is a word character.
    CHECK(pipe_into({"grep", "-iw", "alpha"}).out == "alpha 1\n");
    CHECK(pipe_into({"grep", "-w", "a"}).out.empty());
    CHECK(pipe_into({"grep", "-x", "beta 2"}).out == "beta 2\n");
    CHECK(pipe_into({"grep", "-x", "beta"}).out.empty());
    CHECK(pipe_into({"grep", "-xF", "gamma 4"}).out == "gamma 4\n");
    // A later match can be a word when the first is not.
    std::string in = "xfoo foo\n";
    CHECK(pipe_into({"grep", "-w", "foo"}, in).out == in);
}

TEST_CASE("grep's exit status and its messages for bad patterns and options") {
    CHECK(pipe_into({"grep", "alpha"}).status == 0);
    FilterResult none = pipe_into({"grep", "delta"});
    CHECK(none.status == 1);
    CHECK(none.out.empty());
    CHECK(none.err.empty());
    CHECK(pipe_into({"grep", "["}).err == "grep: Unmatched [, [^, [:, [., or [=\n");
    CHECK(pipe_into({"grep", "a\\(b"}).err == "grep: Unmatched ( or \\(\n");
    CHECK(pipe_into({"grep", "-E", "a)"}).err == "grep: Unmatched ) or \\)\n");
    CHECK(pipe_into({"grep", "a\\{2"}).err == "grep: Unmatched \\{\n");
    CHECK(pipe_into({"grep", "a\\"}).err == "grep: Trailing backslash\n");
    CHECK(pipe_into({"grep", "\\(a*\\)*\\1"}).err ==
          "grep: back-references (\\1 ... \\9) are not supported in the lab\n");
    CHECK(pipe_into({"grep", "-E", "(a{255}){255}"}).err == "grep: Regular expression too big\n");
    CHECK(pipe_into({"grep", "a\\{256\\}"}).err == "grep: Regular expression too big\n");
    CHECK(pipe_into({"grep", "-E", "^[a-z]{4,5} [0-9]$"}).out == "alpha 1\nbeta 2\ngamma 4\n");
    CHECK(pipe_into({"grep", "^[a-z]\\{4\\} "}).out == "beta 2\n");
    CHECK(pipe_into({"grep", "[]a]"}).status == 0); // ']' first in a bracket is a member
    CHECK(pipe_into({"grep", "[[:digit:]]"}).out == kText);
    FilterResult bad = pipe_into({"grep", "-z", "x"});
    CHECK(bad.status == 2);
    CHECK(bad.err == "grep: invalid option -- 'z'\nUsage: grep [OPTION]... PATTERNS [FILE]...\n"
                     "Try 'grep --help' for more information.\n");
    CHECK(pipe_into({"grep"}).err == "Usage: grep [OPTION]... PATTERNS [FILE]...\n"
                                     "Try 'grep --help' for more information.\n");
}

TEST_CASE("grep, head, tail and wc read their FILE arguments instead of the pipe") {
    std::string pipe = "from the pipe\n";
    CHECK(run_filter({"grep", "beta", "/proc/t"}, &pipe, files("/proc/t", kText)).out == "beta 2\n");
    // Several files: each line is prefixed with its file; -h drops the prefix; a missing file is
    // reported and the others are still read (status 2).
    FileReader two = [](const std::string& p, std::string& out) {
        if (p != "/proc/a" && p != "/proc/b") return false;
        out = p == "/proc/a" ? "x 1\n" : "x 2\ny\n";
        return true;
    };
    CHECK(run_filter({"grep", "x", "/proc/a", "/proc/b"}, nullptr, two).out ==
          "/proc/a:x 1\n/proc/b:x 2\n");
    CHECK(run_filter({"grep", "-h", "x", "/proc/a", "/proc/b"}, nullptr, two).out == "x 1\nx 2\n");
    CHECK(run_filter({"grep", "-c", "x", "/proc/a", "/proc/b"}, nullptr, two).out ==
          "/proc/a:1\n/proc/b:1\n");
    FilterResult miss = run_filter({"grep", "x", "/proc/nope", "/proc/a"}, nullptr, two);
    CHECK(miss.err == "grep: /proc/nope: No such file or directory\n");
    CHECK(miss.out == "/proc/a:x 1\n");
    CHECK(miss.status == 2);
    CHECK(run_filter({"head", "-n", "1", "/proc/a", "/proc/b"}, nullptr, two).out ==
          "==> /proc/a <==\nx 1\n\n==> /proc/b <==\nx 2\n");
    CHECK(run_filter({"wc", "/proc/a", "/proc/b"}, nullptr, two).out ==
          "      1       2       4 /proc/a\n      2       3       6 /proc/b\n      3       5      10 total\n");
    // Without a FILE or a pipe a real tool would wait for the terminal: the lab says what to do.
    FilterResult alone = run_filter({"head"}, nullptr, two);
    CHECK(alone.status == 1); // head, tail and wc exit with 1 on errors
    CHECK(contains(alone.err, "head reads a FILE or a pipe here"));
}

TEST_CASE("head and tail count lines, tail -n +N starts at line N") {
    CHECK(pipe_into({"head", "-n", "2"}).out == "alpha 1\nbeta 2\n");
    CHECK(pipe_into({"head", "-1"}).out == "alpha 1\n");
    CHECK(pipe_into({"head", "-n2"}).out == "alpha 1\nbeta 2\n");
    CHECK(pipe_into({"head", "-n", "0"}).out.empty());
    CHECK(pipe_into({"head"}).out == kText); // 10 lines by default
    CHECK(pipe_into({"tail", "-n", "1"}).out == "gamma 4\n");
    CHECK(pipe_into({"tail", "-2"}).out == "Alpha_3 x\ngamma 4\n");
    CHECK(pipe_into({"tail", "-n", "+3"}).out == "Alpha_3 x\ngamma 4\n");
    CHECK(pipe_into({"tail", "-n", "9"}).out == kText);
    CHECK(pipe_into({"head", "-n", "x"}).err == "head: invalid number of lines: 'x'\n");
    CHECK(pipe_into({"tail", "-q"}).err == "tail: invalid option -- 'q'\nTry 'tail --help' for more information.\n");
    // A last line without a newline is still a line, printed with one.
    CHECK(pipe_into({"tail", "-n", "1"}, "a\nb").out == "b\n");
}

TEST_CASE("wc counts lines, words and bytes as GNU wc prints them for a pipe") {
    CHECK(pipe_into({"wc", "-l"}).out == "4\n");
    CHECK(pipe_into({"wc", "-w"}).out == "8\n");
    CHECK(pipe_into({"wc", "-c"}).out == std::to_string(kText.size()) + "\n");
    CHECK(pipe_into({"wc"}).out == "      4       8      33\n");
    CHECK(pipe_into({"wc", "-lc"}).out == "      4      33\n");
    CHECK(pipe_into({"wc", "-l"}, "no newline").out == "0\n");
}

TEST_CASE("split_pipeline splits at pipes outside quotes") {
    CHECK(split_pipeline("cat x | grep 'a|b' | wc -l") ==
          std::vector<std::string>{"cat x ", " grep 'a|b' ", " wc -l"});
    CHECK(split_pipeline("grep \"|\" /proc/x") == std::vector<std::string>{"grep \"|\" /proc/x"});
    CHECK(split_pipeline("a || b").size() == 3);
}

TEST_CASE("console: pipes from cat, dmesg and history into the filters, and their errors") {
    Session s = klab::test::boot_session(MachineConfig::preset(Arch::x86_64));
    ExecResult r = s.exec("cat /proc/slabinfo | grep -E '^kmalloc-(96|128) '\n");
    CHECK_FALSE(r.error);
    CHECK(contains(r.output, "kmalloc-96 "));
    CHECK(contains(r.output, "kmalloc-128 "));
    CHECK_FALSE(contains(r.output, "kmalloc-192"));
    CHECK_FALSE(contains(r.output, "slabinfo - version"));

    // The file form, and a count that follows the model.
    std::string meminfo = s.proc_text("/proc/meminfo");
    r = s.exec("grep -c kB /proc/meminfo\n");
    size_t kb_lines = 0;
    for (size_t p = meminfo.find("kB\n"); p != std::string::npos; p = meminfo.find("kB\n", p + 1)) kb_lines++;
    CHECK(r.output == std::to_string(kb_lines) + "\n");

    s.exec("pr_info(\"hello from the pipe test\\n\");");
    r = s.exec("dmesg | tail -n 1\n");
    CHECK(contains(r.output, "hello from the pipe test"));
    CHECK(r.output.find('\n') == r.output.size() - 1);
    r = s.exec("history | grep pr_info | wc -l\n");
    CHECK(r.output == "1\n");

    // Kernel objects change what the pipe sees.
    r = s.exec("cat /proc/vmallocinfo | wc -l\n");
    size_t before = std::stoul(r.output);
    s.exec("v = vmalloc(3 * PAGE_SIZE);");
    r = s.exec("cat /proc/vmallocinfo | wc -l\n");
    CHECK(std::stoul(r.output) == before + 1);

    // A failing command's message is shown and nothing goes down the pipe.
    r = s.exec("cat /proc/nope | wc -l\n");
    CHECK(r.error);
    CHECK(r.output == "cat: /proc/nope: No such file or directory\n0\n");
    r = s.exec("cat /proc/meminfo | sort\n");
    CHECK(r.error);
    CHECK(contains(r.output, "sort does not read a pipe"));
    r = s.exec("cat /proc/meminfo || dmesg\n");
    CHECK(r.error);
    CHECK(contains(r.output, "no '||' or '&&'"));
    r = s.exec("grep -E 'a(' /proc/meminfo\n");
    CHECK(r.error);
    CHECK(r.output == "grep: Unmatched ( or \\(\n");
    // No match is not an error.
    r = s.exec("grep NoSuchField /proc/meminfo\n");
    CHECK_FALSE(r.error);
    CHECK(r.output.empty());
    // C that uses the filters' names is still C.
    r = s.exec("int head = 3; int tail = head | 4;");
    CHECK_FALSE(r.error);
    r = s.exec("head + tail;");
    CHECK(contains(r.output, "= 10"));
}
