// Lesson files and their Markdown: structure, blocks, hints, predictions, and errors that name
// the file and line.
#include <doctest/doctest.h>

#include "lesson/lesson.h"
#include "lesson/markdown.h"

using namespace klab;

namespace {

const char* kLesson = R"(---
id: tiny
title: A tiny lesson
preset: x86_64
mem: 512M
cpus: 1
minutes: 5
prerequisites: [pages-and-zones, buddy-allocator]
---

# A tiny lesson

Some *intro* text with `code`.

## Step 1: Allocate

Run this:

```c
p = alloc_pages(GFP_KERNEL, 0);
```

```setup
x = 1;
```

```goal
let before = nr_free("Normal", 0);
p != 0 &&
  x == 1
```

> **Hint:** First hint,
> on two lines.

> A plain quote stays prose.

> **Hint:** Second hint.

```solution
p = alloc_pages(GFP_KERNEL, 0);
```

### Explanation

Because **reasons**.

## Step 2: Predict

```predict
question: Which?
answer: choice
choices: A | B | C
expect: 1
```
)";

Lesson parse_ok(const std::string& text) {
    auto l = parse_lesson(text, "t.md");
    if (!l.ok()) FAIL(l.error().message);
    return std::move(l.value());
}

std::string parse_err(const std::string& text) {
    auto l = parse_lesson(text, "bad.md");
    REQUIRE(!l.ok());
    return l.error().message;
}

const std::string kHead = "---\nid: x\ntitle: X\npreset: i386\n---\n";

} // namespace

TEST_CASE("a lesson's header, steps and machine blocks") {
    Lesson l = parse_ok(kLesson);
    CHECK(l.id == "tiny");
    CHECK(l.title == "A tiny lesson");
    CHECK(l.machine.arch == Arch::x86_64);
    CHECK(l.machine.mem_bytes == (512ull << 20));
    CHECK(l.machine.nr_cpus == 1);
    CHECK(l.minutes == 5);
    REQUIRE(l.prerequisites.size() == 2);
    CHECK(l.prerequisites[1] == "buddy-allocator");
    CHECK(l.introduction == "Some *intro* text with `code`.\n");
    REQUIRE(l.steps.size() == 2);
    const LessonStep& s = l.steps[0];
    CHECK(s.number == 1);
    CHECK(s.title == "Allocate");
    CHECK(s.line == 15);
    CHECK(s.prose.find("Run this:") == 0);
    CHECK(s.prose.find("```c\np = alloc_pages(GFP_KERNEL, 0);\n```") != std::string::npos);
    CHECK(s.prose.find("A plain quote stays prose.") != std::string::npos);
    CHECK(s.setup == "x = 1;\n");
    CHECK(s.setup_line == 24);
    REQUIRE(s.captures.size() == 1);
    CHECK(s.captures[0].name == "before");
    CHECK(s.captures[0].expr == "nr_free(\"Normal\", 0)");
    CHECK(s.goal == "p != 0 &&\n  x == 1");
    CHECK(s.goal_line == 29);
    REQUIRE(s.hints.size() == 2);
    CHECK(s.hints[0] == "First hint,\non two lines.");
    CHECK(s.hints[1] == "Second hint.");
    CHECK(s.solution == "p = alloc_pages(GFP_KERNEL, 0);\n");
    CHECK(s.explanation == "Because **reasons**.\n");
    CHECK(!s.has_predict);
    const LessonStep& t = l.steps[1];
    REQUIRE(t.has_predict);
    CHECK(t.predict.kind == Predict::Kind::Choice);
    CHECK(t.predict.question == "Which?");
    CHECK(t.predict.choices == std::vector<std::string>{"A", "B", "C"});
    CHECK(t.predict.expect == "1");
    CHECK(t.goal.empty());
}

TEST_CASE("a rule in prose stays with the prose around it") {
    Lesson l = parse_ok(kHead + "## Step 1: a\nabove\n\n---\n\nbelow\n");
    CHECK(l.steps[0].prose == "above\n\n---\n\nbelow\n");
}

TEST_CASE("mem and cpus may come before the preset") {
    Lesson l = parse_ok("---\nid: x\ntitle: X\nmem: 256M\npreset: i386\n---\n## Step 1: a\ntext\n");
    CHECK(l.machine.arch == Arch::i386);
    CHECK(l.machine.mem_bytes == (256ull << 20));
}

TEST_CASE("malformed lessons name the file and the line") {
    CHECK(parse_err("# no header\n") == "bad.md:1: a lesson starts with a header block: a line "
                                         "'---', 'key: value' lines (id, title, preset, ...), and "
                                         "a closing '---'");
    CHECK(parse_err("---\nid: x\ntitle: X\npreset: i386\n") ==
          "bad.md:1: the header block has no closing '---'");
    CHECK(parse_err("---\nid: x\ntitle: X\npreset: i386\ncolour: red\n---\n").find(
              "bad.md:5: unknown header key 'colour'") == 0);
    CHECK(parse_err("---\nid: X Y\ntitle: X\npreset: i386\n---\n").find("bad.md:2: id 'X Y'") == 0);
    CHECK(parse_err("---\nid: x\ntitle: X\npreset: sparc\n---\n").find("bad.md:4:") == 0);
    CHECK(parse_err("---\nid: x\ntitle: X\n---\n## Step 1: a\n") ==
          "bad.md:1: the header block needs a 'preset' (i386 or x86_64)");
    CHECK(parse_err("---\nid: x\ntitle: X\npreset: i386\nmem: 3T\n---\n").find("bad.md:5:") == 0);
    CHECK(parse_err(kHead + "intro\n") == "bad.md:7: the lesson has no '## Step 1: title'");
    CHECK(parse_err(kHead + "## Step 1: a\n## Step 3: b\n") ==
          "bad.md:7: expected Step 2, found Step 3");
    CHECK(parse_err(kHead + "## Steps\n") ==
          "bad.md:6: a '## ' heading must read 'Step N: title', found 'Steps'");
    CHECK(parse_err(kHead + "```goal\nx\n```\n") ==
          "bad.md:6: a ```goal block before the first '## Step N: title'");
    CHECK(parse_err(kHead + "## Step 1: a\n```goal\n```\n") ==
          "bad.md:7: the ```goal block has no expression");
    CHECK(parse_err(kHead + "## Step 1: a\n```goal\nx\n```\n\n```goal\ny\n```\n") ==
          "bad.md:11: Step 1 has a second ```goal block");
    CHECK(parse_err(kHead + "## Step 1: a\n```goal\nlet 1x = 2;\nx\n```\n") ==
          "bad.md:8: expected 'let NAME = EXPRESSION;' in the ```goal block");
    CHECK(parse_err(kHead + "## Step 1: a\n```predict\nquestion: q\nanswer: maybe\n```\n") ==
          "bad.md:9: answer must be 'number' or 'choice', found 'maybe'");
    CHECK(parse_err(kHead + "## Step 1: a\n```predict\nquestion: q\nanswer: choice\nexpect: 1\n```\n") ==
          "bad.md:7: 'answer: choice' needs 'choices: A | B | ...' with two or more choices");
    CHECK(parse_err(kHead + "## Step 1: a\n```predict\nanswer: number\nexpect: 1\n```\n") ==
          "bad.md:7: the ```predict block needs a 'question:'");
    CHECK(parse_err(kHead + "## Step 1: a\n> **Hint:**\n") == "bad.md:7: an empty hint");
    CHECK(parse_err(kHead + "### Explanation\n") == "bad.md:6: '### Explanation' before the first step");
}

TEST_CASE("markdown blocks carry styles, lists, tables and source lines") {
    auto d = parse_markdown("# Title\n\nSome *em* and **strong** and `code` and [a link](http://x).\n\n"
                            "- one\n- two\n\n3. three\n\n| A | B |\n|---|---|\n| 1 | `2` |\n\n"
                            "```c\nint x;\n```\n\n> quoted &rarr; text\n\n---\n",
                            10);
    REQUIRE(d.ok());
    const auto& b = d.value().blocks;
    REQUIRE(b.size() == 10);
    CHECK(b[0].kind == MdKind::Heading);
    CHECK(b[0].level == 1);
    CHECK(b[0].line == 10);
    CHECK(b[1].kind == MdKind::Paragraph);
    CHECK(b[1].line == 12);
    REQUIRE(b[1].spans.size() == 9);
    CHECK(b[1].spans[1].text == "em");
    CHECK(b[1].spans[1].em);
    CHECK(b[1].spans[3].strong);
    CHECK(b[1].spans[5].code);
    CHECK(b[1].spans[7].href == "http://x");
    CHECK(b[1].spans[7].text == "a link");
    CHECK(b[2].list_depth == 1);
    CHECK(b[2].list_item_start);
    CHECK(!b[2].ordered);
    CHECK(b[2].plain() == "one");
    CHECK(b[4].ordered);
    CHECK(b[4].number == 3);
    CHECK(b[5].kind == MdKind::TableRow);
    CHECK(b[5].header_row);
    REQUIRE(b[6].cells.size() == 2);
    CHECK(b[6].cells[1][0].code);
    CHECK(b[7].kind == MdKind::Code);
    CHECK(b[7].lang == "c");
    CHECK(b[7].code == "int x;\n");
    CHECK(b[7].line == 23);
    CHECK(b[8].quote_depth == 1);
    CHECK(b[8].plain() == "quoted → text");
    CHECK(b[9].kind == MdKind::Rule);
    const auto& tops = d.value().tops;
    CHECK(tops[0].first_line == 10);
    CHECK(tops[0].end_line == 12);
}

TEST_CASE("damaged lessons never crash the parser: a fixed-seed mutation run") {
    // Deterministic xorshift; each round damages a real lesson (cut, duplicate or insert
    // Markdown-significant text) and parses it. Errors are fine; a crash or an error without
    // "file:line:" is not.
    const std::string base = kLesson;
    const char* inserts[] = {"```", "```goal\n", "---\n", "## Step 9: x\n", "> **Hint:**", "|a|b|\n|-|-|\n",
                             "\n", "*", "`", "[x](", "&#x1F600;", "\0", "let = ;\n", "choices: |\n"};
    uint64_t x = 88172645463325252ull;
    auto next = [&x]() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return x;
    };
    int parsed = 0;
    for (int round = 0; round < 400; round++) {
        std::string t = base;
        for (int m = 0; m < 3; m++) {
            size_t at = next() % (t.size() + 1);
            switch (next() % 3) {
            case 0: t.erase(at, next() % 40); break;
            case 1: t.insert(at, t.substr(next() % t.size(), next() % 60)); break;
            default: t.insert(at, inserts[next() % (sizeof inserts / sizeof *inserts)]); break;
            }
        }
        auto l = parse_lesson(t, "m.md");
        if (l.ok()) parsed++;
        else CHECK(l.error().message.rfind("m.md:", 0) == 0);
    }
    MESSAGE(parsed << " of 400 damaged lessons still parsed");
}

TEST_CASE("cmdline: boots the lesson's machine with boot parameters the model reads") {
    Lesson l = parse_ok("---\nid: x\ntitle: X\npreset: i386\ncmdline: slab_nomerge slub_debug=FZP "
                        "slub_min_order=1\n---\n## Step 1: a\ntext\n");
    CHECK(l.machine.cmdline == "slab_nomerge slub_debug=FZP slub_min_order=1");
    CHECK(parse_err(kHead.substr(0, kHead.size() - 4) + "cmdline: slab_nomerg\n---\n## Step 1: a\nt\n")
              .find("bad.md:5: cmdline: the model does not read the boot parameter 'slab_nomerg' "
                    "(it reads slab_nomerge, ") == 0);
    CHECK(parse_err(kHead.substr(0, kHead.size() - 4) + "cmdline: slub_min_order=x\n---\n## Step 1: a\nt\n") ==
          "bad.md:5: cmdline: 'slub_min_order' needs a number, found 'x'");
    CHECK(parse_err(kHead.substr(0, kHead.size() - 4) + "cmdline: slub_max_order\n---\n## Step 1: a\nt\n") ==
          "bad.md:5: cmdline: 'slub_max_order' needs a value ('slub_max_order=N')");
    CHECK(parse_err(kHead.substr(0, kHead.size() - 4) + "cmdline: slab_nomerge=1\n---\n## Step 1: a\nt\n") ==
          "bad.md:5: cmdline: 'slab_nomerge' takes no value");
    CHECK(parse_err(kHead.substr(0, kHead.size() - 4) + "cmdline: " + std::string(2048, 'a') +
                    "\n---\n## Step 1: a\nt\n")
              .find("longer than the kernel's 2047 characters") != std::string::npos);
}

TEST_CASE("view: the lesson's view and a step's own ```view block") {
    Lesson l = parse_ok("---\nid: x\ntitle: X\npreset: i386\nview: zones\n---\n## Step 1: a\ntext\n\n"
                        "## Step 2: b\n\n```view\npage-map\n```\n\nmore\n");
    CHECK(l.view == "zones");
    CHECK(l.view_of(0) == "zones");
    CHECK(l.view_of(1) == "page-map");
    CHECK(l.steps[1].prose == "more\n");
    CHECK(parse_err(kHead + "## Step 1: a\n\n```view\nzone\n```\n") ==
          "bad.md:9: unknown view 'zone' (views: console, log, zones, page-map, trace, machine, "
          "slab, vm, modules)");
}
