// `klab lesson check FILE...` and `klab lesson list` (see lesson_cmd.h).
#include "lesson_cmd.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "lesson/builtin.h"
#include "lesson/check.h"
#include "lesson/runner.h"
#include "line_editor.h"
#include "session/console.h"

namespace klab::cli {

int lesson_check(const std::vector<std::string>& files) {
    int passed = 0, failed = 0;
    bool unreadable = false;
    for (const std::string& f : files) {
        std::ifstream in(f, std::ios::binary);
        if (!in) {
            std::cout << "FAIL " << f << "\n  " << f << ": cannot open the file\n";
            failed++;
            unreadable = true;
            continue;
        }
        std::ostringstream ss;
        ss << in.rdbuf();
        LessonCheck c = check_lesson_text(ss.str(), f);
        if (c.passed()) {
            passed++;
            std::cout << "ok   " << f << " (" << c.id << ", " << c.steps << " steps)\n";
        } else {
            failed++;
            std::cout << "FAIL " << f << "\n";
            for (const std::string& p : c.problems) {
                // Indent continuation lines (compiler output) under their problem.
                std::string line;
                std::istringstream ps(p);
                bool first = true;
                while (std::getline(ps, line)) {
                    std::cout << (first ? "  " : "    ") << line << "\n";
                    first = false;
                }
            }
        }
    }
    std::cout << passed << " passed, " << failed << " failed\n";
    if (unreadable) return 2;
    return failed ? 1 : 0;
}

int lesson_list() {
    for (const Lesson& l : builtin_lessons())
        std::cout << l.id << "\t" << l.title << " (" << l.steps.size() << " steps, " << l.minutes
                  << " min)\n";
    return 0;
}

namespace {

void show_step(LessonRunner& r) {
    const LessonStep& s = r.step();
    std::cout << "\n== Step " << s.number << " of " << r.step_count() << ": " << s.title << " ==\n\n"
              << s.prose;
    if (s.has_predict) {
        std::cout << "\nPredict first: " << s.predict.question << "\n";
        for (size_t i = 0; i < s.predict.choices.size(); i++)
            std::cout << "  " << i + 1 << ". " << s.predict.choices[i] << "\n";
        std::cout << "(answer with :predict ANSWER before running anything)\n";
    }
    if (!r.setup_output().empty()) std::cout << "\n" << r.setup_output();
    std::cout << "\n";
}

void after_command(LessonRunner& r, bool was_met) {
    const StepProgress& p = r.progress()[r.step_index()];
    GoalStatus g = r.goal();
    if (p.predict.resolved && !was_met && p.met)
        std::cout << (p.predict.correct ? "Your prediction was right: " : "Your prediction was ")
                  << (p.predict.correct ? "" : "not right: the model gives ") << p.predict.actual
                  << "\n";
    if (g.met && !was_met) {
        std::cout << "\n** Goal met. **\n";
        if (!r.step().explanation.empty()) std::cout << "\n" << r.step().explanation;
        std::cout << (r.lesson_done() ? "\nThat was the last step: lesson complete.\n"
                                      : "\nType :next for the next step.\n");
    }
}

} // namespace

int lesson_play(const std::string& id_or_file, int step) {
    Result<Lesson> lesson = Error{""};
    std::ifstream in(id_or_file, std::ios::binary);
    if (in) {
        std::ostringstream ss;
        ss << in.rdbuf();
        lesson = parse_lesson(ss.str(), id_or_file);
    } else {
        lesson = builtin_lesson(id_or_file);
    }
    if (!lesson.ok()) {
        std::cerr << "klab: " << lesson.error().message << "\n";
        return 2;
    }
    auto started = LessonRunner::start(std::move(lesson.value()), step > 0 ? uint32_t(step - 1) : 0);
    if (!started.ok()) {
        std::cerr << "klab: " << started.error().message << "\n";
        return 2;
    }
    LessonRunner& r = started.value();
    std::cout << r.lesson().title << "\n\n" << r.lesson().introduction;
    show_step(r);
    LessonRunner* rp = &r;
    LineEditor editor([rp](const std::string& line, size_t cursor, size_t& start) {
        Completion c = rp->session().complete(line, cursor);
        start = c.start;
        return c.candidates;
    });
    std::string line, block;
    while (editor.read(block.empty() ? "lesson> " : "....> ", line)) {
        // Lines accumulate until the C is complete (a function's '{' may come on the next
        // line); two empty lines in a row run what is there anyway.
        bool lesson_command = block.empty() && !line.empty() && line[0] == ':';
        if (!lesson_command) {
            bool give_up = line.empty() && !block.empty() && block.back() == '\n' &&
                           block.size() >= 2 && block[block.size() - 2] == '\n';
            block += line + "\n";
            if (!give_up && input_unfinished(block)) continue;
            line = block;
            line.pop_back();
            block.clear();
            if (line.find_first_not_of(" \t\r\n") == std::string::npos) continue;
        }
        if (line == ":quit" || line == ":q") break;
        if (line == ":hint") {
            std::string h = r.next_hint();
            std::cout << (h.empty() ? "No more hints." : "Hint: " + h) << "\n";
        } else if (line == ":solution") {
            std::cout << r.solution();
        } else if (line.rfind(":predict ", 0) == 0) {
            auto p = r.predict(line.substr(9));
            std::cout << (p.ok() ? "Noted. Now do it." : p.error().message) << "\n";
        } else if (line == ":reset") {
            r.reset_step();
            std::cout << "Back to the start of the step.\n";
        } else if (line == ":next") {
            auto n = r.next();
            if (!n.ok()) std::cout << n.error().message << "\n";
            else if (!n.value()) std::cout << "This is the last step.\n";
            else show_step(r);
        } else if (line == ":goal") {
            GoalStatus g = r.goal();
            std::cout << (g.met ? "met" : g.error ? "not yet (" + g.message + ")" : "not yet") << "\n";
        } else {
            bool was = r.progress()[r.step_index()].met;
            std::cout << r.exec(line + "\n").output;
            after_command(r, was);
        }
    }
    std::cout << "\n" << r.progress_json() << "\n";
    return 0;
}

} // namespace klab::cli
