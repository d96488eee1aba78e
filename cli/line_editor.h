// Reading console lines for `klab repl`: with libedit (Debian's libedit-dev, BSD-licensed) when
// it was found at build time and standard input is a terminal, giving line editing, history
// (kept in ~/.klab_history) and Tab completion from the session; plain std::getline otherwise,
// so piped input and scripts behave the same everywhere.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace klab::cli {

class LineEditor {
public:
    // complete(line, cursor) returns the start of the word being completed and the
    // candidates that may replace it (session/complete.h).
    using Completer = std::function<std::vector<std::string>(const std::string& line, size_t cursor,
                                                             size_t& start)>;

    explicit LineEditor(Completer complete);
    ~LineEditor();
    LineEditor(const LineEditor&) = delete;
    LineEditor& operator=(const LineEditor&) = delete;

    // Shows the prompt and reads one line (without its newline); false at end of input.
    bool read(const char* prompt, std::string& line);
    // Whether line editing is active (a terminal and libedit).
    bool interactive() const { return interactive_; }

private:
    bool interactive_ = false;
    std::string history_file_;
};

} // namespace klab::cli
