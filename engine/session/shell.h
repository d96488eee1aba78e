// The console's shell commands in one table (shell.cpp): a command's name, its help line, what
// Tab completes after it, and its handler. `help`, Tab completion and the console's "is this a
// command or C?" all read the table, so adding a command is one row plus its handler.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace klab {

class Session;
struct SessionState;
struct Kernel;
struct ExecResult;
struct CommandRecord;

using Argv = std::vector<std::string>;

// What a command may use of the session it runs in (Session befriends it).
class Shell {
public:
    explicit Shell(Session& s) : s_(s) {}
    const Session& session() const { return s_; }
    SessionState& state();
    Kernel& kernel();
    const std::vector<CommandRecord>& log() const;
    // Reboots the machine with its configuration (`reset`).
    Result<void> reboot();
    // Runs a module's init or exit function in a new process `comm` whose kernel call path
    // below it is `path`; false if it died.
    bool run_module_function(const std::string& fn, const char* comm,
                             std::vector<std::string> path, int64_t& ret, std::string& out);
    // A /proc file as `cat` prints it (false: no such file).
    bool read_file(const std::string& path, std::string& out) const;
    void taskset(const Argv& argv, ExecResult& r); // taskset.cpp

private:
    Session& s_;
};

// What Tab completes in a command's arguments.
enum class ShellArgs : uint8_t {
    none,
    files,          // every argument is a file (cat)
    files_or_words, // a word that starts with '/' is a file (grep's pattern comes first)
};

struct ShellCommand {
    std::string_view name;
    std::string_view synopsis; // as `help` shows it ("cat /proc/FILE"); "" keeps it out of help
    std::string_view help;     // what it does; more lines after '\n' (indented by `help`)
    ShellArgs args = ShellArgs::none;
    // Runs the command; null for the filters (grep, head, tail, wc: filters.h), which the
    // pipeline runs with its input.
    void (*run)(Shell& sh, const Argv& argv, ExecResult& r) = nullptr;
};

// The commands in the order `help` lists them.
const std::vector<ShellCommand>& shell_commands();
// The command named `name`, or null.
const ShellCommand* find_shell_command(std::string_view name);
// The text of `help`: every command with a synopsis, one per line.
std::string shell_help_text();

} // namespace klab
