// `klab lesson check FILE...` and `klab lesson list` (see lesson_cmd.h).
#include "lesson_cmd.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "lesson/builtin.h"
#include "lesson/check.h"
#include "lesson/runner.h"

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

} // namespace klab::cli
