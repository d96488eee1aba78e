// check_lesson (see check.h). It walks the reference path: boot, then per step setup, goal
// (must be false), solution, goal (must be true), prediction; the next step starts from there.
#include "lesson/check.h"

#include "lesson/goal.h"
#include "lesson/markdown.h"
#include "session/session.h"

namespace klab {

namespace {

struct Checker {
    const Lesson& l;
    LessonCheck& out;

    void problem(uint32_t line, const std::string& msg) {
        out.problems.push_back(l.file + ":" + std::to_string(line) + ": " + msg);
    }

    // The ```c / ```kernelc blocks of some prose (the front end offers them with a run
    // button): each must compile and run in a copy of the session as it is at that point.
    void check_prose_code(const Session& s, const std::string& prose, uint32_t near_line,
                          const std::string& where) {
        auto doc = parse_markdown(prose);
        if (!doc.ok()) return problem(near_line, where + ": " + doc.error().message);
        for (const MdBlock& b : doc.value().blocks) {
            if (b.kind != MdKind::Code || (b.lang != "c" && b.lang != "kernelc")) continue;
            Session copy = s;
            ExecResult r = copy.exec(b.code, "console");
            if (r.compile_error)
                problem(near_line, where + ": a ```" + b.lang + " block does not compile:\n" +
                                       r.output);
            if (r.invariant_broken) problem(near_line, where + ": " + r.output);
        }
    }

    void run() {
        SessionOptions opt;
        opt.check_invariants = true; // every command of the lesson leaves a consistent model
        auto s = Session::create(l.machine, opt);
        if (!s.ok()) return problem(1, "cannot boot the lesson's machine: " + s.error().message);
        Session& session = s.value();
        check_prose_code(session, l.introduction, 1, "introduction");
        for (const LessonStep& st : l.steps) step(session, st);
    }

    void step(Session& session, const LessonStep& st) {
        std::string name = "Step " + std::to_string(st.number);
        if (!st.setup.empty()) {
            ExecResult r = session.exec(st.setup, "console", st.setup_line);
            if (r.compile_error) problem(st.setup_line, name + " setup does not compile:\n" + r.output);
            if (r.invariant_broken) problem(st.setup_line, name + " setup: " + r.output);
        }
        std::vector<std::pair<std::string, int64_t>> caps;
        for (const GoalCapture& c : st.captures) {
            auto v = session.evaluate(c.expr, bind_goal_helpers, caps);
            if (!v.ok()) {
                problem(st.goal_line, name + ": let " + c.name + ": " + v.error().message);
                caps.emplace_back(c.name, 0);
            } else {
                caps.emplace_back(c.name, v.value());
            }
        }
        check_prose_code(session, st.prose, st.line, name);
        if (!st.goal.empty()) {
            auto before = session.evaluate(st.goal, bind_goal_helpers, caps);
            if (before.ok() && before.value() != 0)
                problem(st.goal_line, name + ": the goal is already met before the solution runs "
                                             "(a goal the student cannot fail to meet)");
            if (st.solution.empty()) problem(st.line, name + " has a goal but no ```solution block");
            if (st.hints.empty()) problem(st.line, name + " has a goal but no '> **Hint:**'");
        }
        if (!st.solution.empty()) {
            ExecResult r = session.exec(st.solution, "console", st.solution_line);
            if (r.compile_error)
                problem(st.solution_line, name + " solution does not compile:\n" + r.output);
            if (r.invariant_broken) problem(st.solution_line, name + " solution: " + r.output);
        }
        if (!st.goal.empty()) {
            auto after = session.evaluate(st.goal, bind_goal_helpers, caps);
            if (!after.ok())
                problem(st.goal_line, name + ": the goal cannot be evaluated after the solution: " +
                                          after.error().message);
            else if (after.value() == 0)
                problem(st.goal_line, name + ": the reference solution does not reach the goal");
        }
        if (st.has_predict) {
            auto v = session.evaluate(st.predict.expect, bind_goal_helpers, caps);
            if (!v.ok())
                problem(st.predict.line, name + ": predict expect: " + v.error().message);
            else if (st.predict.kind == Predict::Kind::Choice &&
                     (v.value() < 0 || v.value() >= int64_t(st.predict.choices.size())))
                problem(st.predict.line, name + ": predict expect gives " +
                                             std::to_string(v.value()) +
                                             ", not the index of a choice (0-based)");
        }
        check_prose_code(session, st.explanation, st.line, name + " explanation");
    }
};

} // namespace

LessonCheck check_lesson(const Lesson& lesson) {
    LessonCheck out;
    out.file = lesson.file;
    out.id = lesson.id;
    out.steps = static_cast<uint32_t>(lesson.steps.size());
    Checker{lesson, out}.run();
    return out;
}

LessonCheck check_lesson_text(std::string_view text, std::string_view file) {
    auto l = parse_lesson(text, file);
    if (!l.ok()) {
        LessonCheck out;
        out.file = std::string(file);
        out.problems.push_back(l.error().message);
        return out;
    }
    return check_lesson(l.value());
}

} // namespace klab
