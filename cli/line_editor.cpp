// Line editing for `klab repl` (see line_editor.h).
#include "line_editor.h"

#include <cstdlib>
#include <cstring>
#include <iostream>

#include <unistd.h>

#ifdef KLAB_HAVE_LIBEDIT
#include <editline/readline.h>
#endif

namespace klab::cli {

namespace {

#ifdef KLAB_HAVE_LIBEDIT
LineEditor::Completer* g_complete = nullptr; // readline's callbacks take no user pointer
std::vector<std::string> g_matches;
size_t g_next = 0;

char* next_match(const char*, int state) {
    if (state == 0) g_next = 0;
    if (g_next >= g_matches.size()) return nullptr;
    return strdup(g_matches[g_next++].c_str());
}

char** attempt(const char* text, int start, int end) {
    rl_attempted_completion_over = 1; // never fall back to file names
    g_matches.clear();
    if (!g_complete) return nullptr;
    std::string line(rl_line_buffer ? rl_line_buffer : "");
    size_t word = 0;
    std::vector<std::string> c = (*g_complete)(line, size_t(end), word);
    // readline replaces line[start, end); align the session's word start with it.
    size_t rl_start = size_t(start);
    for (std::string& m : c) {
        if (word < rl_start) {
            if (m.size() < rl_start - word) continue;
            m.erase(0, rl_start - word);
        } else if (word > rl_start) {
            m.insert(0, line.substr(rl_start, word - rl_start));
        }
        g_matches.push_back(m);
    }
    if (g_matches.empty()) return nullptr;
    return rl_completion_matches(text, next_match);
}
#endif

} // namespace

LineEditor::LineEditor(Completer complete) {
#ifdef KLAB_HAVE_LIBEDIT
    if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
        interactive_ = true;
        g_complete = new Completer(std::move(complete));
        rl_readline_name = "klab";
        // Word breaks of C, without '/' and '.', so /proc paths complete as one word.
        static char breaks[] = " \t\n\"'`@$><=;|&{(,)*+-!~[]%^?:";
        rl_completer_word_break_characters = breaks;
        rl_attempted_completion_function = attempt;
        using_history();
        if (const char* home = std::getenv("HOME")) {
            history_file_ = std::string(home) + "/.klab_history";
            read_history(history_file_.c_str());
        }
    }
#else
    (void)complete;
#endif
}

LineEditor::~LineEditor() {
#ifdef KLAB_HAVE_LIBEDIT
    if (interactive_) {
        if (!history_file_.empty()) write_history(history_file_.c_str());
        delete g_complete;
        g_complete = nullptr;
    }
#endif
}

bool LineEditor::read(const char* prompt, std::string& line) {
#ifdef KLAB_HAVE_LIBEDIT
    if (interactive_) {
        char* s = readline(prompt);
        if (!s) return false;
        line = s;
        std::free(s);
        if (!line.empty()) add_history(line.c_str());
        return true;
    }
#endif
    std::cout << prompt << std::flush;
    return static_cast<bool>(std::getline(std::cin, line));
}

} // namespace klab::cli
