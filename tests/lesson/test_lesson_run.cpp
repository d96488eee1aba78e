// Goal evaluation, the lesson runner (goals, hints, predictions, reset, progress) and the
// lesson checker, including every shipped lesson walked by its reference solutions.
#include <doctest/doctest.h>

#include "lesson/builtin.h"
#include "lesson/check.h"
#include "lesson/goal.h"
#include "lesson/runner.h"

using namespace klab;

namespace {

Session boot_i386() {
    MachineConfig c = MachineConfig::preset(Arch::i386);
    auto s = Session::create(c);
    REQUIRE(s.ok());
    return std::move(s.value());
}

const char* kLesson = R"(---
id: runner-test
title: Runner test
preset: i386
mem: 1G
---

Intro.

## Step 1: Split

```predict
question: How many order-5 blocks afterwards?
answer: number
expect: nr_free("Normal", 5)
```

```goal
let before = nr_free("Normal", 6);
big != 0 && nr_free("Normal", 6) == before - 1
```

> **Hint:** one

> **Hint:** two

```solution
big = alloc_pages(GFP_KERNEL, 4);
```

## Step 2: Merge

```setup
marker = 7;
```

```goal
nr_free("Normal", 5) == 0 && marker == 7
```

> **Hint:** free it

```solution
__free_pages(big, 4);
```
)";

LessonRunner start(uint32_t step = 0) {
    auto l = parse_lesson(kLesson, "runner.md");
    REQUIRE(l.ok());
    auto r = LessonRunner::start(std::move(l.value()), step);
    if (!r.ok()) FAIL(r.error().message);
    return std::move(r.value());
}

} // namespace

TEST_CASE("evaluate runs on a copy: the kernel, the log and the trace do not change") {
    Session s = boot_i386();
    s.exec("p = alloc_pages(GFP_KERNEL, 2);");
    uint64_t hash = s.trace_hash(), gen = s.generation();
    size_t log = s.log().size();
    std::string buddy = s.proc_text("buddyinfo");
    auto v = s.evaluate("alloc_pages(GFP_KERNEL, 0) != 0 && printk(\"hi\\n\") > 0");
    REQUIRE(v.ok());
    CHECK(v.value() == 1);
    CHECK(s.trace_hash() == hash);
    CHECK(s.generation() == gen);
    CHECK(s.log().size() == log);
    CHECK(s.proc_text("buddyinfo") == buddy);
    CHECK(s.dmesg().find("hi") == std::string::npos);
    // The student's variables are visible; values are sign-extended as C would.
    CHECK(s.evaluate("p != 0").value() == 1);
    CHECK(s.evaluate("(int)-5").value() == -5);
    CHECK(s.evaluate("(unsigned char)300").value() == 44);
}

TEST_CASE("evaluate reports what went wrong") {
    Session s = boot_i386();
    auto undeclared = s.evaluate("nosuch + 1");
    REQUIRE(!undeclared.ok());
    CHECK(undeclared.error().message.find("nosuch") != std::string::npos);
    auto two = s.evaluate("1; 2");
    CHECK(!two.ok());
    auto fault = s.evaluate("*(int *)8");
    REQUIRE(!fault.ok());
    CHECK(fault.error().message == "the expression made a bad memory access (address 0x8)");
    auto zone = s.evaluate("nr_free(\"Nowhere\", 0)", bind_goal_helpers);
    REQUIRE(!zone.ok());
    CHECK(zone.error().message ==
          "no zone named 'Nowhere' on this machine (its zones: DMA, Normal, HighMem)");
    auto order = s.evaluate("nr_free(\"normal\", 11)", bind_goal_helpers);
    REQUIRE(!order.ok());
    CHECK(order.error().message == "order 11 is not below MAX_ORDER (11)");
    auto slab = s.evaluate("cache_objects(\"kmalloc-100\") > 0", bind_goal_helpers);
    REQUIRE(!slab.ok());
    CHECK(slab.error().message == "no slab cache named 'kmalloc-100' (see /proc/slabinfo)");
    auto pfn = s.evaluate("page_owner(99999999)", bind_goal_helpers);
    REQUIRE(!pfn.ok());
    CHECK(pfn.error().message == "pfn 99999999 is not a page frame of this machine");
    // Refusals leave no trace in the session's log (they are reported from a copy).
    CHECK(s.dmesg().find("klab goal") == std::string::npos);
    // Goal helpers are not part of the console's language.
    CHECK(s.exec("nr_free(\"Normal\", 0);").compile_error);
}

TEST_CASE("a goal that writes kernel memory runs on a copy, one that only reads on the live state") {
    Session s = boot_i386();
    s.exec("p = alloc_pages(GFP_KERNEL, 0);\nint *x = page_address(p);\n*x = 41;");
    uint64_t hash = s.trace_hash();
    std::string log = s.dmesg();
    CHECK(s.evaluate("(*x = 5) == 5").value() == 1);
    CHECK(s.evaluate("*x").value() == 41);
    CHECK(s.evaluate("strlen(\"four\") + *x + (page_to_pfn(p) > 0)").value() == 46);
    auto refused = s.evaluate("zone_free(\"HighMem\") + nr_free(\"Nowhere\", 0)", bind_goal_helpers);
    CHECK(!refused.ok());
    CHECK(s.trace_hash() == hash);
    CHECK(s.dmesg() == log);
    CHECK(s.exec("*x").output.find(" = 41\n") != std::string::npos);
}

TEST_CASE("goal helpers read the model") {
    Session s = boot_i386();
    auto ev = [&](const char* e) {
        auto v = s.evaluate(e, bind_goal_helpers);
        if (!v.ok()) FAIL(v.error().message);
        return v.value();
    };
    // Boot's slab pages came from one order-10 block (a pcp batch of 63 pages).
    CHECK(ev("nr_free(\"Normal\", 10)") == 214);
    CHECK(ev("nr_free(\"Normal\", 6)") == 1);
    CHECK(ev("zone_start_pfn(\"HighMem\")") == 229376);
    CHECK(ev("zone_managed(\"dma\")") == 3840);
    CHECK(ev("page_zonenum(4096) == ZONE_NORMAL"));
    CHECK(ev("ZONE_HIGHMEM") == 2);
    s.exec("p = alloc_pages(GFP_DMA, 1);");
    CHECK(ev("page_owner(page_to_pfn(p)) == OWNER_ALLOC"));
    CHECK(ev("page_order(page_to_pfn(p))") == 1);
    CHECK(ev("page_owner(page_to_pfn(p) + 1) == OWNER_ALLOC_TAIL"));
    CHECK(ev("last_alloc_gfp() == GFP_DMA"));
    CHECK(!ev("dmesg_contains(\"BUG: sleeping\")"));
    s.exec("preempt_disable();\nq = alloc_pages(GFP_KERNEL, 0);\npreempt_enable();");
    CHECK(ev("dmesg_contains(\"BUG: sleeping function called from invalid context\")"));
    CHECK(ev("dmesg_count(\"in_atomic(): 1\")") == 1);
    CHECK(ev("preempt_count()") == 0);
    // Slab helpers count objects really handed out, so one kmalloc(100) shows in kmalloc-128.
    uint64_t objs = ev("cache_objects(\"kmalloc-128\")");
    s.exec("k = kmalloc(100, GFP_KERNEL);");
    CHECK(ev("slab_count(\"kmalloc-128\")") >= 1);
    CHECK(ev("cache_objects(\"kmalloc-128\")") == objs + 1);
    CHECK(ev("cache_total_objects(\"kmalloc-128\") >= cache_objects(\"kmalloc-128\")"));
    s.exec("kfree(k);");
    CHECK(ev("cache_objects(\"kmalloc-128\")") == objs);
    // A student's variable named like a helper wins over the helper.
    s.exec("int zone_free = 5;");
    CHECK(ev("zone_free") == 5);
}

TEST_CASE("context builtins change preempt_count like Linux") {
    Session s = boot_i386();
    s.exec("preempt_disable(); local_bh_disable();");
    CHECK(s.evaluate("preempt_count()").value() == 0x201);
    CHECK(s.evaluate("in_atomic()").value() == 1);
    CHECK(s.evaluate("in_interrupt()").value() == 1); // softirqs disabled counts as interrupt
    s.exec("local_bh_enable(); preempt_enable(); local_irq_disable();");
    CHECK(s.evaluate("preempt_count()").value() == 0);
    CHECK(s.evaluate("irqs_disabled()").value() == 1);
}

TEST_CASE("the runner checks goals after each command and keeps progress") {
    LessonRunner r = start();
    CHECK(r.step_index() == 0);
    CHECK(!r.goal().met);
    CHECK(r.goal().error); // `big` does not exist yet
    CHECK(r.next_hint() == "one");
    CHECK(r.next_hint() == "two");
    CHECK(r.next_hint().empty());
    REQUIRE(r.predict("1").ok());
    // A different way to the same state passes too: boot left one order-6 block, and this
    // takes it whole.
    r.exec("big = alloc_pages(GFP_KERNEL, 6);");
    CHECK(r.goal().met);
    CHECK(r.progress()[0].met);
    const PredictRecord& p = r.progress()[0].predict;
    CHECK(p.resolved);
    CHECK(p.actual == 0); // no split: nothing went to the order-5 list
    CHECK(!p.correct);
    CHECK(!r.predict("0").ok()); // too late: the step has started

    r.reset_step();
    CHECK(!r.goal().met);
    CHECK(r.predict("1").ok());
    r.exec("big = alloc_pages(GFP_KERNEL, 4);");
    CHECK(r.progress()[0].predict.correct);

    auto n = r.next();
    REQUIRE(n.ok());
    CHECK(n.value());
    CHECK(r.step_index() == 1);
    CHECK(!r.goal().met);
    r.exec("__free_pages(big, 4);");
    CHECK(r.goal().met);
    CHECK(r.lesson_done());
    CHECK(!r.next().value());
}

TEST_CASE("jumping to a step replays the reference path") {
    LessonRunner r = start(1);
    CHECK(r.step_index() == 1);
    CHECK(r.session().evaluate("marker").value() == 7); // the step's setup ran
    CHECK(!r.goal().met);
    r.exec("__free_pages(big, 4);"); // `big` exists: step 1's solution ran
    CHECK(r.goal().met);
}

TEST_CASE("progress survives a JSON round trip, and corrupt records are refused") {
    LessonRunner r = start();
    r.next_hint();
    r.exec("big = alloc_pages(GFP_KERNEL, 4);");
    REQUIRE(r.next().ok());
    std::string json = r.progress_json();
    CHECK(json.find("\"lesson\":\"runner-test\"") != std::string::npos);

    LessonRunner fresh = start();
    REQUIRE(fresh.restore_progress(json).ok());
    CHECK(fresh.step_index() == 1);
    CHECK(fresh.progress()[0].met);
    CHECK(fresh.progress()[0].hints_shown == 1);

    // The student's predictions come back with the record (a reload must not blank them):
    // a done step's as it was, the current step's answer to be checked again.
    LessonRunner answered = start();
    REQUIRE(answered.predict("1").ok());
    std::string at_step = answered.progress_json();
    answered.exec("big = alloc_pages(GFP_KERNEL, 4);");
    REQUIRE(answered.progress()[0].predict.resolved);
    REQUIRE(answered.next().ok());
    LessonRunner back = start();
    REQUIRE(back.restore_progress(answered.progress_json()).ok());
    CHECK(back.progress()[0].predict.answered);
    CHECK(back.progress()[0].predict.answer == "1");
    CHECK(back.progress()[0].predict.resolved == answered.progress()[0].predict.resolved);
    LessonRunner same_step = start();
    REQUIRE(same_step.restore_progress(at_step).ok());
    CHECK(same_step.progress()[0].predict.answered);
    CHECK(same_step.progress()[0].predict.value == 1);
    CHECK_FALSE(same_step.progress()[0].predict.resolved);
    same_step.exec("big = alloc_pages(GFP_KERNEL, 4);"); // the replayed command resolves it
    CHECK(same_step.progress()[0].predict.resolved);
    CHECK(!start().restore_progress(R"({"version":1,"lesson":"runner-test","step":0,"steps":[)"
                                    R"({"met":false,"hints":0,"solution":false,"commands":0,"predict":{"answer":1}},)"
                                    R"({"met":false,"hints":0,"solution":false,"commands":0}]})")
               .ok());

    LessonRunner other = start();
    CHECK(other.restore_progress("{not json").error().message == "the progress record is not JSON");
    CHECK(!other.restore_progress("[]").ok());
    CHECK(other.restore_progress(R"({"version":1,"lesson":"elsewhere","step":0,"steps":[]})")
              .error()
              .message == "the progress record belongs to another lesson");
    CHECK(other.restore_progress(R"({"version":1,"lesson":"runner-test","step":9,"steps":[]})")
              .error()
              .message == "the progress record names a step this lesson does not have");
    CHECK(!other.restore_progress(R"({"version":1,"lesson":"runner-test","step":0,"steps":[{"met":"yes"},{}]})")
               .ok());
    CHECK(other.step_index() == 0); // nothing changed
    CHECK(other.progress()[0].hints_shown == 0);
}

TEST_CASE("the checker catches broken lessons") {
    const std::string head = "---\nid: x\ntitle: X\npreset: i386\nmem: 1G\n---\n";
    auto problems = [&](const std::string& body) { return check_lesson_text(head + body, "b.md").problems; };
    CHECK(problems("## Step 1: a\n```goal\nv == 1\n```\n> **Hint:** h\n```solution\nv = 1;\n```\n").empty());
    auto wrong = problems("## Step 1: a\n```goal\nv == 2\n```\n> **Hint:** h\n```solution\nv = 1;\n```\n");
    REQUIRE(wrong.size() == 1);
    CHECK(wrong[0] == "b.md:9: Step 1: the reference solution does not reach the goal");
    auto trivial = problems("## Step 1: a\n```goal\n1\n```\n> **Hint:** h\n```solution\nv = 1;\n```\n");
    REQUIRE(trivial.size() == 1);
    CHECK(trivial[0].find("b.md:9: Step 1: the goal is already met") == 0);
    auto nohint = problems("## Step 1: a\n```goal\nv\n```\n```solution\nv = 1;\n```\n");
    REQUIRE(nohint.size() == 1);
    CHECK(nohint[0] == "b.md:7: Step 1 has a goal but no '> **Hint:**'");
    auto broken = problems("## Step 1: a\n```setup\nint = ;\n```\n");
    REQUIRE(broken.size() == 1);
    CHECK(broken[0].find("b.md:9: Step 1 setup does not compile:\nconsole:9:") == 0);
    auto prose = problems("## Step 1: a\n```c\nx = ;\n```\n");
    REQUIRE(prose.size() == 1);
    CHECK(prose[0].find("a ```c block does not compile") != std::string::npos);
    auto predict = problems("## Step 1: a\n```predict\nquestion: q\nanswer: choice\nchoices: a | b\nexpect: 5\n```\n");
    REQUIRE(predict.size() == 1);
    CHECK(predict[0] == "b.md:8: Step 1: predict expect gives 5, not the index of a choice (0-based)");
}

TEST_CASE("every shipped lesson passes its own check") {
    const auto& files = builtin_lesson_files();
    REQUIRE(files.size() >= 3);
    for (const BuiltinLessonFile& f : files) {
        CAPTURE(f.path);
        LessonCheck c = check_lesson_text(f.text, f.path);
        for (const std::string& p : c.problems) MESSAGE(p);
        CHECK(c.passed());
        CHECK(c.steps >= 3);
    }
    CHECK(builtin_lesson("buddy-allocator").ok());
    CHECK(builtin_lesson("nope").error().message.find("no lesson 'nope' (lessons: ") == 0);
}

TEST_CASE("a lesson's cmdline boots its machine, at the start and at every replayed step") {
    const char* text = R"(---
id: cmdline-test
title: Cmdline
preset: i386
mem: 256M
cmdline: slub_debug=FZP slab_nomerge
---

## Step 1: a

```goal
x == 1
```

> **Hint:** x = 1;

```solution
x = 1;
```

## Step 2: b

```goal
y == 2
```

> **Hint:** y = 2;

```solution
y = 2;
```
)";
    auto l = parse_lesson(text, "cmdline.md");
    REQUIRE(l.ok());
    auto r = LessonRunner::start(l.value(), 1);
    REQUIRE(r.ok());
    CHECK(r.value().session().config().cmdline == "slub_debug=FZP slab_nomerge");
    // slub_debug on the command line makes the kernel print its unhashed-pointers notice.
    CHECK(r.value().session().dmesg().find("NOTICE NOTICE") != std::string::npos);
    CHECK(check_lesson_text(text, "cmdline.md").passed());
}

TEST_CASE("a mistyped lesson id gets the closest shipped id as a suggestion") {
    std::string m = builtin_lesson("kmalloc-slab").error().message;
    CHECK(m.find("no lesson 'kmalloc-slab': did you mean kmalloc-and-slab? (lessons: ") == 0);
    std::vector<std::string> ids;
    for (const Lesson& l : builtin_lessons()) ids.push_back(l.id);
    CHECK(closest_lesson_id("buddy", ids) == "buddy-allocator");        // a prefix
    CHECK(closest_lesson_id("Buddy-Alocator", ids) == "buddy-allocator"); // case, one letter
    CHECK(closest_lesson_id("pages-zones", ids) == "pages-and-zones");    // its words
    CHECK(closest_lesson_id("nope", ids).empty());
    CHECK(closest_lesson_id("", ids).empty());
}

TEST_CASE("the runner names the kernel's complaint since the step started, and a reset clears it") {
    auto l = builtin_lesson("buddy-allocator");
    REQUIRE(l.ok());
    auto rr = LessonRunner::start(std::move(l.value()), 1);
    REQUIRE(rr.ok());
    LessonRunner& r = rr.value();
    CHECK(r.kernel_trouble().empty());
    r.exec("__free_pages(big, 3);"); // the wrong order
    CHECK_FALSE(r.goal().met);
    CHECK(r.kernel_trouble().find("BUG: Bad page state") == 0);
    r.reset_step();
    CHECK(r.kernel_trouble().empty());
    r.exec("__free_pages(big, 4);");
    CHECK(r.goal().met);
    CHECK(r.kernel_trouble().empty());
    // The next step starts with the old complaint behind it.
    r.reset_step();
    r.exec("__free_pages(big, 3);");
    REQUIRE_FALSE(r.kernel_trouble().empty());
    REQUIRE(r.next().ok());
    CHECK(r.kernel_trouble().empty());
}
