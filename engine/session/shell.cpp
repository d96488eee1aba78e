// The console's shell commands (shell.h): the table, its handlers (cat, dmesg, insmod, rmmod,
// lsmod, help, reset, history, echo, slabtop, taskset) and pipes into the filters grep, head,
// tail and wc (filters.h).
// insmod/rmmod model the parts of kernel/module/main.c a student sees: taint messages, the
// init function's return value convention, and kmod's error messages.
#include <cstdio>
#include <cstring>
#include <iterator>

#include "printk/dump_stack.h"
#include "printk/printk.h"
#include "proc/proc.h"
#include "session/console.h"
#include "session/errno_names.h"
#include "session/filters.h"
#include "session/session.h"
#include "session/shell.h"
#include "slab/slab_query.h"

namespace klab {

namespace {

std::string strip_ko(std::string name) {
    if (name.size() > 3 && name.compare(name.size() - 3, 3, ".ko") == 0)
        name.resize(name.size() - 3);
    for (char& c : name)
        if (c == '-') c = '_'; // the kernel's module names use '_'
    return name;
}

// A module defined in a file is named after the file (kmalloc_test.c -> kmalloc_test); one
// typed at the console after its init function (my_mod_init -> my_mod).
std::string module_name(std::string_view source, const std::string& init) {
    std::string s(source);
    size_t slash = s.find_last_of('/');
    if (slash != std::string::npos) s = s.substr(slash + 1);
    size_t dot = s.find('.');
    bool file = dot != std::string::npos && dot > 0;
    if (file) return strip_ko(s.substr(0, dot));
    std::string n = init.empty() ? "module" : init;
    if (n.size() > 5 && n.compare(n.size() - 5, 5, "_init") == 0) n.resize(n.size() - 5);
    return n;
}

const char* kHelpKernelC =
    R"(KernelC: C with int/long/char/short (signed, unsigned), pointers, arrays, structs,
unions, enums, typedef, #define; if/else, for, while, do, switch, goto; functions.
Top-level statements run at once; an expression shows its value ($1 = ...).
A name assigned at top level without a declaration (p = kmalloc(...);) becomes a global.
The kernel API is built in: printk/pr_info, GFP_* flags, alloc_pages, __get_free_pages,
free_pages, page_address, memset, memcpy, strcpy, strlen, snprintf, ...
No floating point, no bit-fields, no struct arguments by value.
)";

void cmd_cat(Shell& sh, const Argv& argv, ExecResult& r) {
    if (argv.size() < 2) {
        r.output += "cat: missing file operand\n";
        r.error = true;
        return;
    }
    for (size_t i = 1; i < argv.size(); i++) {
        std::string text;
        const std::string& path = argv[i];
        if (path.rfind("/proc/", 0) == 0 && sh.read_file(path, text)) {
            r.output += text;
        } else {
            r.output += "cat: " + path + ": No such file or directory\n";
            r.error = true;
        }
    }
}

// echo TEXT [> FILE]: writes go to /proc/sys files (the vm sysctls); /dev comes later.
void cmd_echo(Shell& sh, const Argv& argv, ExecResult& r) {
    std::string text, target;
    for (size_t i = 1; i < argv.size(); i++) {
        if (argv[i] == ">" && i + 1 < argv.size())
            target = argv[++i];
        else if (argv[i].size() > 1 && argv[i][0] == '>')
            target = argv[i].substr(1);
        else
            text += (text.empty() ? "" : " ") + argv[i];
    }
    if (target.empty()) {
        r.output += text + "\n";
        return;
    }
    if (target.rfind("/proc/", 0) == 0) {
        // echo is a builtin: the shell itself writes (and is the task a WARN names).
        run_as_console_task(sh.kernel());
        auto w = proc_write(sh.kernel(), target, text + "\n");
        if (!w.ok()) {
            // As bash says it: a failed write(2) names the builtin, a failed open the file.
            const std::string& m = w.error().message;
            r.output += (m.rfind("write error:", 0) == 0 ? "bash: echo: " : "bash: ") + m + "\n";
            r.error = true;
        }
        return;
    }
    r.output += "echo: " + target + ": character devices come with a later milestone of the lab\n";
    r.error = true;
}

void cmd_dmesg(Shell& sh, const Argv& argv, ExecResult& r) {
    bool print = true, clear = false;
    for (size_t i = 1; i < argv.size(); i++) {
        const std::string& a = argv[i];
        if (a == "-c" || a == "--read-clear")
            clear = true;
        else if (a == "-C" || a == "--clear")
            clear = true, print = false;
        else if (a == "-n" || a == "--console-level") {
            int level = i + 1 < argv.size() ? std::atoi(argv[i + 1].c_str()) : 0;
            if (level < 1 || level > 8) {
                r.output += "dmesg: unknown level '" +
                            (i + 1 < argv.size() ? argv[i + 1] : std::string()) + "'\n";
                r.error = true;
                return;
            }
            sh.state().console_loglevel = level;
            print = false;
            i++;
        } else {
            r.output += "dmesg: unknown option '" + a + "'\n";
            r.error = true;
            return;
        }
    }
    if (print) r.output += sh.session().dmesg();
    if (clear) sh.state().dmesg_cleared = sh.kernel().log.next_seq;
}

void cmd_insmod(Shell& sh, const Argv& argv, ExecResult& r) {
    if (argv.size() < 2) {
        r.output += "Usage: insmod NAME (a module defined with module_init in this session)\n";
        r.error = true;
        return;
    }
    std::string name = strip_ko(argv[1]);
    auto it = sh.kernel().modules.modules.find(name);
    if (it == sh.kernel().modules.modules.end()) {
        r.output +=
            "insmod: ERROR: could not load module " + argv[1] + ": No such file or directory\n";
        r.error = true;
        return;
    }
    Module& m = it->second;
    if (m.loaded()) {
        r.output += "insmod: ERROR: could not insert module " + name + ".ko: File exists\n";
        return;
    }
    Kernel& k = sh.kernel();
    if (!(k.tainted & (1u << TAINT_OOT_MODULE)))
        printk(k, LogLevel::warning, name + ": loading out-of-tree module taints kernel.");
    add_taint(k, TAINT_OOT_MODULE);
    if (!gpl_compatible(m.license)) {
        std::string lic = m.license.empty() ? "unspecified" : m.license;
        if (!(k.tainted & (1u << TAINT_PROPRIETARY_MODULE))) {
            printk(k, LogLevel::warning, name + ": module license '" + lic + "' taints kernel.");
            printk(k, LogLevel::warning, "Disabling lock debugging due to kernel taint");
        }
        add_taint(k, TAINT_PROPRIETARY_MODULE);
    }
    std::vector<std::string> path = {"do_one_initcall", "do_init_module", "load_module",
                                     "__do_sys_finit_module"};
    for (std::string& f : syscall_entry_frames(k)) path.push_back(std::move(f));
    int64_t ret = 0;
    m.state = ModuleState::coming;
    bool survived = sh.run_module_function(m.init, "insmod", std::move(path), ret, r.output);
    m.state = ModuleState::unformed;
    if (!survived) { // killed in init
        r.error = true;
        return;
    }
    if (ret < 0) {
        r.output += "insmod: ERROR: could not insert module " + name +
                    ".ko: " + strerror_text(static_cast<int>(-ret)) + "\n";
        return;
    }
    if (ret > 0) {
        printk(k, LogLevel::warning,
               name + ": '" + m.init + "'->init suspiciously returned " + std::to_string(ret) +
                   ", it should follow 0/-E convention");
        printk(k, LogLevel::warning, "do_init_module: loading module anyway...");
    }
    m.state = ModuleState::live;
}

void cmd_rmmod(Shell& sh, const Argv& argv, ExecResult& r) {
    if (argv.size() < 2) {
        r.output += "Usage: rmmod NAME\n";
        r.error = true;
        return;
    }
    std::string name = strip_ko(argv[1]);
    auto it = sh.kernel().modules.modules.find(name);
    if (it == sh.kernel().modules.modules.end() || !it->second.loaded()) {
        r.output += "rmmod: ERROR: Module " + name + " is not currently loaded\n";
        return;
    }
    Module& m = it->second;
    if (m.exit.empty()) {
        r.output += "rmmod: ERROR: could not remove module " + name + ": Device or resource busy\n";
        return;
    }
    std::vector<std::string> path = syscall_entry_frames(sh.kernel());
    path.insert(path.begin(), "__do_sys_delete_module");
    int64_t ret = 0;
    m.state = ModuleState::going;
    bool survived = sh.run_module_function(m.exit, "rmmod", std::move(path), ret, r.output);
    m.state = survived ? ModuleState::unformed : ModuleState::live;
    if (!survived) r.error = true;
}

void cmd_lsmod(Shell& sh, const Argv&, ExecResult& r) {
    r.output += "Module                  Size  Used by\n";
    for (const auto& [name, m] : sh.kernel().modules.modules) {
        if (!m.loaded()) continue;
        char buf[96];
        std::snprintf(buf, sizeof buf, "%-19s %8u  %d\n", name.c_str(), 16384u, 0);
        r.output += buf;
    }
}

void cmd_help(Shell&, const Argv& argv, ExecResult& r) {
    if (argv.size() > 1 && (argv[1] == "kernelc" || argv[1] == "c"))
        r.output += kHelpKernelC;
    else if (argv.size() > 1) {
        r.output += "help: no help on '" + argv[1] + "' (topics: kernelc)\n";
        r.error = true;
    } else
        r.output += shell_help_text();
}

void cmd_history(Shell& sh, const Argv&, ExecResult& r) {
    for (const CommandRecord& c : sh.log()) {
        std::string first = c.text.substr(0, c.text.find('\n'));
        bool more = first.size() < c.text.size() &&
                    c.text.find_first_not_of(" \t\r\n", first.size()) != std::string::npos;
        char num[16];
        std::snprintf(num, sizeof num, "%5u  ", c.id); // bash: the number right-aligned in 5
        r.output += num + first + (more ? " ..." : "") + "\n";
    }
}

void cmd_reset(Shell& sh, const Argv&, ExecResult& r) {
    auto b = sh.reboot();
    r.output += b.ok() ? "klab: machine rebooted\n" : "klab: reboot failed: " + b.error().message + "\n";
}

// slabtop -o: one screen of the slab caches, largest first.
void cmd_slabtop(Shell& sh, const Argv&, ExecResult& r) {
    r.output += slabtop_text(sh.kernel());
}

void cmd_taskset(Shell& sh, const Argv& argv, ExecResult& r) {
    sh.taskset(argv, r);
}

// uname [-asnrvmpio]: coreutils' uname over the kernel's utsname (include/linux/utsname.h). The
// lab's kernel has no init to set a hostname, so the node name is the kernel's default,
// "(none)"; the version is the one /proc/version prints.
void cmd_uname(Shell& sh, const Argv& argv, ExecResult& r) {
    enum { S = 1, N = 2, R = 4, V = 8, M = 16, P = 32, I = 64, O = 128, ALL = 256 };
    static const std::pair<const char*, int> kLong[] = {
        {"--all", ALL}, {"--kernel-name", S}, {"--nodename", N}, {"--kernel-release", R},
        {"--kernel-version", V}, {"--machine", M}, {"--processor", P},
        {"--hardware-platform", I}, {"--operating-system", O}};
    int want = 0;
    for (size_t i = 1; i < argv.size(); i++) {
        const std::string& a = argv[i];
        int bit = 0;
        for (const auto& [name, b] : kLong) bit = a == name ? b : bit;
        if (a.size() > 1 && a[0] == '-' && a[1] != '-') {
            for (size_t j = 1; j < a.size() && !bit; j++) {
                const char* opts = "asnrvmpio";
                const char* at = std::strchr(opts, a[j]);
                if (!at) {
                    r.output += std::string("uname: invalid option -- '") + a[j] +
                                "'\nTry 'uname --help' for more information.\n";
                    r.error = true;
                    return;
                }
                want |= at == opts ? ALL : 1 << (at - opts - 1);
            }
            continue;
        }
        if (!bit) {
            r.output += (a.rfind("--", 0) == 0 ? "uname: unrecognized option '" + a + "'"
                                                 : "uname: extra operand '" + a + "'") +
                        "\nTry 'uname --help' for more information.\n";
            r.error = true;
            return;
        }
        want |= bit;
    }
    if (want == 0) want = S;
    // -a: everything, leaving out the processor and hardware platform when unknown.
    if (want & ALL) want |= S | N | R | V | M | O;
    const bool i386 = sh.kernel().config.arch == Arch::i386;
    const std::pair<int, std::string> fields[] = {
        {S, "Linux"}, {N, "(none)"}, {R, kUtsRelease}, {V, uts_version()},
        // A 32-bit kernel on a 686 reports i686 (arch/x86/kernel/cpu/common.c).
        {M, i386 ? "i686" : "x86_64"}, {P, "unknown"}, {I, "unknown"}, {O, "GNU/Linux"}};
    std::string line;
    for (const auto& [bit, text] : fields)
        if (want & bit) line += (line.empty() ? "" : " ") + text;
    r.output += line + "\n";
}

void cmd_ps(Shell&, const Argv&, ExecResult& r) {
    r.output += "klab: 'ps' needs processes, which the lab does not model yet\n";
    r.error = true;
}

// Every command of the console, in the order `help` lists them. A new command is a row here
// and its handler above.
const ShellCommand kCommands[] = {
    {"cat", "cat /proc/FILE", "show a /proc file (modules, version, and the model's files)",
     ShellArgs::files, cmd_cat},
    {"dmesg", "dmesg [-c|-C|-n N]", "print the kernel log (-c: then clear it; -n: console log level)",
     ShellArgs::none, cmd_dmesg},
    {"insmod", "insmod NAME", "load a module defined with module_init() (runs its init function)",
     ShellArgs::none, cmd_insmod},
    {"rmmod", "rmmod NAME", "unload it (runs its exit function)", ShellArgs::none, cmd_rmmod},
    {"lsmod", "lsmod", "list loaded modules", ShellArgs::none, cmd_lsmod},
    {"slabtop", "slabtop", "the slab caches with the most objects (as slabtop -o)", ShellArgs::none,
     cmd_slabtop},
    {"taskset", "taskset -cp N $$",
     "move this shell (pid 1000) to CPU N: later commands run there\n"
     "(taskset -c N for short; taskset -p $$ shows the mask)",
     ShellArgs::none, cmd_taskset},
    {"history", "history", "the commands of this session, with their ids", ShellArgs::none,
     cmd_history},
    {"reset", "reset", "reboot the machine", ShellArgs::none, cmd_reset},
    {"echo", "echo TEXT", "print TEXT", ShellArgs::none, cmd_echo},
    {"uname", "uname [-asnrvm]", "the kernel's name, release, version and machine", ShellArgs::none,
     cmd_uname},
    {"grep", "CMD | grep [-ivcnwxEF] PATTERN, | head/tail [-n N], | wc [-l]",
     "filter a command's output; grep/head/tail/wc also take\n"
     "/proc files (grep Slab /proc/meminfo)",
     ShellArgs::files_or_words},
    {"head", "", "", ShellArgs::files_or_words},
    {"tail", "", "", ShellArgs::files_or_words},
    {"wc", "", "", ShellArgs::files_or_words},
    {"help", "help kernelc", "what the C dialect supports", ShellArgs::none, cmd_help},
    {"ps", "", "", ShellArgs::none, cmd_ps},
};

// A filter reads the pipe (its row has no handler of its own).
bool is_filter_word(std::string_view w) {
    const ShellCommand* c = find_shell_command(w);
    return c && !c->run;
}

} // namespace

void Session::register_module(const kc::Unit& u, std::string_view source, std::string& out) {
    auto& defined = st_.functions_by_source[std::string(source)];
    defined.insert(defined.end(), u.defined_functions.begin(), u.defined_functions.end());
    std::string init, exit, license;
    bool any = false, has_license = false;
    for (const kc::Step& s : u.steps) {
        if (s.kind == kc::Step::ModuleInit) init = s.name, any = true;
        if (s.kind == kc::Step::ModuleExit) exit = s.name, any = true;
        if (s.kind == kc::Step::ModuleLicense) license = s.name, any = true, has_license = true;
    }
    if (!any) return;
    // module_exit/MODULE_LICENSE in a later piece belong to the module the source defined.
    std::string key(source);
    auto last = st_.module_by_source.find(key);
    std::string name = init.empty() && last != st_.module_by_source.end()
                           ? last->second
                           : module_name(source, init);
    st_.module_by_source[key] = name;
    // At the console the module's name is not obvious (no file name): say it once.
    std::map<std::string, Module>& modules = st_.kernel.modules.modules;
    bool is_new = modules.find(name) == modules.end();
    if (is_new && source == "console")
        out += "klab: module " + name + " defined; load it with: insmod " + name + "\n";
    Module& m = modules[name];
    m.name = name;
    if (!init.empty()) m.init = init;
    if (!exit.empty()) m.exit = exit;
    if (has_license) m.license = license;
    for (const std::string& f : defined) set_symbol_module(st_, f, name);
}

// A command line: one command, or a pipeline of one command and filters (filters.h). What a
// stage writes to standard error (and the output of a command that failed) is shown at once;
// the rest goes down the pipe.
void Session::run_shell(std::string_view line, ExecResult& r) {
    std::vector<std::string> stages = split_pipeline(line);
    std::vector<std::string> first = split_words(stages[0]);
    if (stages.size() == 1 && (first.empty() || !is_filter_word(first[0]))) return run_command(line, r);
    FileReader read = [this](const std::string& path, std::string& text) {
        return path.rfind("/proc/", 0) == 0 && proc(path, text);
    };
    std::string data;
    bool piped = false;
    for (size_t i = 0; i < stages.size(); i++) {
        std::vector<std::string> argv = split_words(stages[i]);
        if (argv.empty()) {
            r.output += i > 0 && i + 1 < stages.size() && stages[i].empty()
                            ? "klab: the console has pipes but no '||' or '&&': one command per line\n"
                            : "klab: syntax error near unexpected token `|'\n";
            r.error = true;
            return;
        }
        if (is_filter_word(argv[0])) {
            FilterResult f = run_filter(argv, piped ? &data : nullptr, read);
            r.output += f.err;
            if (f.status >= 2 || (f.status == 1 && argv[0] != "grep")) r.error = true;
            data = std::move(f.out);
        } else if (i == 0) {
            ExecResult t;
            run_command(stages[0], t);
            data = t.error ? std::string() : std::move(t.output);
            if (t.error) r.output += t.output, r.error = true;
        } else {
            r.output += "klab: " + argv[0] + " does not read a pipe; the filters are grep, head, tail and wc\n";
            r.error = true;
            return;
        }
        piped = true;
    }
    r.output += data;
}

void Session::run_command(std::string_view line, ExecResult& r) {
    std::vector<std::string> argv = split_words(line);
    if (argv.empty()) return;
    Shell sh(*this);
    const ShellCommand* c = find_shell_command(argv[0]);
    if (c && c->run) return c->run(sh, argv, r);
    r.output += "klab: '" + argv[0] + "' needs processes, which the lab does not model yet\n";
    r.error = true;
}

bool Session::proc(std::string_view path, std::string& out) const {
    std::string p(path);
    if (p.rfind("/proc/", 0) != 0) p = "/proc/" + p;
    auto text = proc_read(st_.kernel, p);
    if (!text.ok()) return false;
    out = std::move(text.value());
    return true;
}

const std::vector<ShellCommand>& shell_commands() {
    static const std::vector<ShellCommand> all(std::begin(kCommands), std::end(kCommands));
    return all;
}

const ShellCommand* find_shell_command(std::string_view name) {
    for (const ShellCommand& c : kCommands)
        if (c.name == name) return &c;
    return nullptr;
}

std::string shell_help_text() {
    constexpr size_t kColumn = 22; // where the descriptions start
    std::string out = "Kernel Lab console. Type KernelC (a small C dialect) or one of these commands:\n";
    for (const ShellCommand& c : kCommands) {
        if (c.synopsis.empty()) continue;
        std::string line = "  " + std::string(c.synopsis);
        line += line.size() + 2 <= kColumn ? std::string(kColumn - line.size(), ' ')
                                           : "\n" + std::string(kColumn, ' ');
        for (char ch : c.help) line += ch == '\n' ? "\n" + std::string(kColumn, ' ') : std::string(1, ch);
        out += line + "\n";
    }
    // Where to start, for a student who only knows the console.
    out += "Guided lessons walk through one idea at a time and check the kernel's state: in the\n"
           "browser open one from the Lessons menu; in a terminal, klab lesson list and\n"
           "klab lesson play ID.\n";
    return out;
}

SessionState& Shell::state() {
    return s_.st_;
}
Kernel& Shell::kernel() {
    return s_.st_.kernel;
}
const std::vector<CommandRecord>& Shell::log() const {
    return s_.log_;
}
Result<void> Shell::reboot() {
    return s_.boot();
}
bool Shell::run_module_function(const std::string& fn, const char* comm,
                                std::vector<std::string> path, int64_t& ret, std::string& out) {
    return s_.run_module_function(fn, comm, std::move(path), ret, out);
}
bool Shell::read_file(const std::string& path, std::string& out) const {
    return s_.proc(path, out);
}
void Shell::taskset(const Argv& argv, ExecResult& r) {
    s_.cmd_taskset(argv, r);
}

} // namespace klab
