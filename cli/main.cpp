// klab: Kernel Lab in a terminal. `klab run FILE` boots a machine and runs a KernelC script
// statement by statement (the same Session the browser uses); `klab repl` is the console.
// Exit codes: 0 the script ran (even if the simulated kernel oopsed), 1 KernelC errors,
// 2 bad usage, 3 `--check` found the model breaking its own invariants. `klab lesson check
// FILE...` validates lessons (exit 1 if one fails).
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "core/config.h"
#include "core/version.h"
#include "lesson_cmd.h"
#include "line_editor.h"
#include "session/console.h"
#include "session/session.h"

namespace {

struct MachineOptions {
    std::string preset = "x86_64";
    std::string mem;
    uint32_t cpus = 0;
    std::string allocator = "slub";
    std::string cmdline;
    uint64_t seed = 1;
};

void add_machine_options(CLI::App* app, MachineOptions& o) {
    app->add_option("--preset", o.preset, "Machine preset: i386 or x86_64")
        ->check(CLI::IsMember({"i386", "x86_64"}));
    app->add_option("--mem", o.mem, "RAM size, e.g. 1G, 512M (default: the preset's)");
    app->add_option("--cpus", o.cpus, "Number of CPUs (default: the preset's)");
    app->add_option("--allocator", o.allocator, "Slab allocator: slub, slab or slob")
        ->check(CLI::IsMember({"slub", "slab", "slob"}));
    app->add_option("--cmdline", o.cmdline,
                    "Kernel boot options, e.g. 'slab_nomerge slub_debug=FZP'");
    app->add_option("--seed", o.seed, "Seed of the kernel's PRNG (same seed, same run)");
}

// Builds the configuration, or prints why not and returns false.
bool make_config(const MachineOptions& o, klab::MachineConfig& c) {
    auto arch = klab::parse_arch(o.preset);
    if (!arch.ok()) {
        std::cerr << "klab: " << arch.error().message << "\n";
        return false;
    }
    c = klab::MachineConfig::preset(arch.value());
    if (!o.mem.empty()) {
        auto m = klab::parse_mem_size(o.mem);
        if (!m.ok()) {
            std::cerr << "klab: " << m.error().message << "\n";
            return false;
        }
        c.mem_bytes = m.value();
    }
    if (o.cpus) c.nr_cpus = o.cpus;
    c.allocator = klab::parse_allocator(o.allocator).value();
    c.cmdline = o.cmdline;
    c.seed = o.seed;
    auto v = c.validate();
    if (!v.ok()) {
        std::cerr << "klab: " << v.error().message << "\n";
        return false;
    }
    return true;
}

int run_script(const MachineOptions& o, const std::string& file, bool check) {
    klab::MachineConfig config;
    if (!make_config(o, config)) return 2;
    std::string text, source = file == "-" ? "<stdin>" : file;
    if (file == "-") {
        std::ostringstream ss;
        ss << std::cin.rdbuf();
        text = ss.str();
    } else {
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            std::cerr << "klab: cannot open " << file << "\n";
            return 2;
        }
        std::ostringstream ss;
        ss << in.rdbuf();
        text = ss.str();
    }
    klab::SessionOptions opt;
    opt.check_invariants = check;
    auto s = klab::Session::create(config, opt);
    if (!s.ok()) {
        std::cerr << "klab: " << s.error().message << "\n";
        return 2;
    }
    // Piece by piece, like a console session: errors to stderr, the rest to stdout.
    bool compile_errors = false, broken = false;
    for (const klab::InputPiece& p : klab::split_input(text)) {
        klab::ExecResult r = s.value().exec(p.text, source, p.first_line);
        (r.error ? std::cerr : std::cout) << r.output << std::flush;
        compile_errors = compile_errors || r.compile_error;
        broken = broken || r.invariant_broken;
    }
    return broken ? 3 : compile_errors ? 1 : 0;
}

int repl(const MachineOptions& o) {
    klab::MachineConfig config;
    if (!make_config(o, config)) return 2;
    auto s = klab::Session::create(config);
    if (!s.ok()) {
        std::cerr << "klab: " << s.error().message << "\n";
        return 2;
    }
    std::cout << "Kernel Lab " << klab::kLabVersion << " (Linux " << klab::kLinuxRelease << ", "
              << klab::arch_name(config.arch) << ", " << klab::format_mem_size(config.mem_bytes)
              << "). "
              << "Type help; a { block } runs when its braces close; Ctrl-D quits.\n";
    klab::Session& session = s.value();
    klab::cli::LineEditor editor([&session](const std::string& line, size_t cursor, size_t& start) {
        klab::Completion c = session.complete(line, cursor);
        start = c.start;
        return c.candidates;
    });
    std::string block, line;
    while (true) {
        if (!editor.read(block.empty() ? "klab> " : "....> ", line)) break;
        block += line + "\n";
        // More lines while the C is unfinished (a function's '{' may come on the next line);
        // an empty line runs what is there anyway.
        if (!line.empty() && klab::input_unfinished(block)) continue;
        std::cout << session.exec(block).output;
        block.clear();
    }
    std::cout << "\n";
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"Kernel Lab: a model of the Linux 6.1 kernel you program in KernelC"};
    app.set_version_flag("--version", std::string("klab ") + klab::kLabVersion + " (Linux " +
                                          klab::kLinuxRelease + ")");
    app.require_subcommand(1);
    MachineOptions o;
    std::string file;
    CLI::App* run =
        app.add_subcommand("run", "Boot a machine and run a KernelC script (FILE or - for stdin)");
    add_machine_options(run, o);
    run->add_option("file", file, "Script to run, or - for standard input")->required();
    bool check_invariants = false;
    run->add_flag("--check", check_invariants,
                  "Run every subsystem's invariant checker after each command (exit 3 if one fails)");
    CLI::App* rep = app.add_subcommand("repl", "Interactive console");
    add_machine_options(rep, o);
    CLI::App* les = app.add_subcommand("lesson", "Tools for lesson authors (lessons/README.md)");
    les->require_subcommand(1);
    std::vector<std::string> lesson_files;
    CLI::App* check = les->add_subcommand(
        "check", "Validate lessons: they parse, every block compiles, each reference solution "
                 "reaches its goal, hints are present");
    check->add_option("files", lesson_files, "Lesson files (lessons/*.md)")->required();
    CLI::App* list = les->add_subcommand("list", "List the lessons built into klab");
    std::string play_what;
    int play_step = 1;
    CLI::App* play = les->add_subcommand(
        "play", "Follow a lesson in the terminal (:hint :solution :predict X :reset :next :quit)");
    play->add_option("lesson", play_what, "A built-in lesson id or a lesson file")->required();
    play->add_option("--step", play_step, "Start at this step (1-based)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : 2;
    }
    if (run->parsed()) return run_script(o, file, check_invariants);
    if (check->parsed()) return klab::cli::lesson_check(lesson_files);
    if (list->parsed()) return klab::cli::lesson_list();
    if (play->parsed()) return klab::cli::lesson_play(play_what, play_step);
    return repl(o);
}
