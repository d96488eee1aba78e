// The console's shell words: cat, dmesg, insmod, rmmod, lsmod, help, reset, history, echo,
// slabtop, taskset, and pipes into the filters grep, head, tail and wc (filters.h).
// insmod/rmmod model the parts of kernel/module/main.c a student sees: taint messages, the
// init function's return value convention, and kmod's error messages.
#include <cstdio>

#include "printk/dump_stack.h"
#include "printk/printk.h"
#include "proc/proc.h"
#include "session/console.h"
#include "session/errno_names.h"
#include "session/filters.h"
#include "session/session.h"
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

const char* kHelp =
    R"(Kernel Lab console. Type KernelC (a small C dialect) or one of these commands:
  cat /proc/FILE      show a /proc file (modules, version, and the model's files)
  dmesg [-c|-C|-n N]  print the kernel log (-c: then clear it; -n: console log level)
  insmod NAME         load a module defined with module_init() (runs its init function)
  rmmod NAME          unload it (runs its exit function)
  lsmod               list loaded modules
  slabtop             the slab caches with the most objects (as slabtop -o)
  taskset -cp N $$    move this shell (pid 1000) to CPU N: later commands run there
                      (taskset -c N for short; taskset -p $$ shows the mask)
  history             the commands of this session, with their ids
  reset               reboot the machine
  echo TEXT           print TEXT
  CMD | grep [-ivcnwxEF] PATTERN, | head/tail [-n N], | wc [-l]
                      filter a command's output; grep/head/tail/wc also take
                      /proc files (grep Slab /proc/meminfo)
  help kernelc        what the C dialect supports
Guided lessons walk through one idea at a time and check the kernel's state: in the
browser open one from the Lessons menu; in a terminal, klab lesson list and
klab lesson play ID.
)";

const char* kHelpKernelC =
    R"(KernelC: C with int/long/char/short (signed, unsigned), pointers, arrays, structs,
unions, enums, typedef, #define; if/else, for, while, do, switch, goto; functions.
Top-level statements run at once; an expression shows its value ($1 = ...).
A name assigned at top level without a declaration (p = kmalloc(...);) becomes a global.
The kernel API is built in: printk/pr_info, GFP_* flags, alloc_pages, __get_free_pages,
free_pages, page_address, memset, memcpy, strcpy, strlen, snprintf, ...
No floating point, no bit-fields, no struct arguments by value.
)";

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
    if (stages.size() == 1 && (first.empty() || !is_filter(first[0]))) return run_command(line, r);
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
        if (is_filter(argv[0])) {
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
    const std::string& cmd = argv[0];
    if (cmd == "cat") return cmd_cat(argv, r);
    if (cmd == "dmesg") return cmd_dmesg(argv, r);
    if (cmd == "insmod") return cmd_insmod(argv, r);
    if (cmd == "rmmod") return cmd_rmmod(argv, r);
    if (cmd == "lsmod") return cmd_lsmod(r);
    if (cmd == "help") return cmd_help(argv, r);
    if (cmd == "history") return cmd_history(r);
    if (cmd == "reset") {
        auto b = boot();
        r.output += b.ok() ? "klab: machine rebooted\n"
                           : "klab: reboot failed: " + b.error().message + "\n";
        return;
    }
    if (cmd == "echo") return cmd_echo(argv, r);
    if (cmd == "taskset") return cmd_taskset(argv, r);
    if (cmd == "slabtop") { // slabtop -o: one screen of the slab caches, largest first
        r.output += slabtop_text(st_.kernel);
        return;
    }
    r.output += "klab: '" + cmd + "' needs processes, which the lab does not model yet\n";
    r.error = true;
}

void Session::cmd_cat(const std::vector<std::string>& argv, ExecResult& r) {
    if (argv.size() < 2) {
        r.output += "cat: missing file operand\n";
        r.error = true;
        return;
    }
    for (size_t i = 1; i < argv.size(); i++) {
        std::string text;
        const std::string& path = argv[i];
        if (path.rfind("/proc/", 0) == 0 && proc(path, text)) {
            r.output += text;
        } else {
            r.output += "cat: " + path + ": No such file or directory\n";
            r.error = true;
        }
    }
}

// echo TEXT [> FILE]: writes go to /proc/sys files (the vm sysctls); /dev comes later.
void Session::cmd_echo(const std::vector<std::string>& argv, ExecResult& r) {
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
        run_as_console_task(st_.kernel);
        auto w = proc_write(st_.kernel, target, text + "\n");
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

bool Session::proc(std::string_view path, std::string& out) const {
    std::string p(path);
    if (p.rfind("/proc/", 0) != 0) p = "/proc/" + p;
    if (p == "/proc/modules") {
        out.clear();
        uint64_t addr = st_.prog.target().module_base;
        for (const auto& [name, m] : st_.kernel.modules.modules) {
            if (!m.loaded()) continue;
            char buf[160];
            std::snprintf(buf, sizeof buf, "%s 16384 0 - Live 0x%0*llx (%sO)\n", name.c_str(),
                          static_cast<int>(2 * st_.prog.target().pointer_bytes),
                          static_cast<unsigned long long>(addr),
                          gpl_compatible(m.license) ? "" : "P");
            out += buf;
        }
        return true;
    }
    if (p == "/proc/version") {
        out = std::string("Linux version ") + kUtsRelease + " (klab@kernel-lab) (KernelC) " +
              kUtsVersion + " SMP\n";
        return true;
    }
    auto text = proc_read(st_.kernel, p);
    if (!text.ok()) return false;
    out = std::move(text.value());
    return true;
}

void Session::cmd_dmesg(const std::vector<std::string>& argv, ExecResult& r) {
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
            st_.console_loglevel = level;
            print = false;
            i++;
        } else {
            r.output += "dmesg: unknown option '" + a + "'\n";
            r.error = true;
            return;
        }
    }
    if (print) r.output += dmesg();
    if (clear) st_.dmesg_cleared = st_.kernel.log.next_seq;
}

void Session::cmd_insmod(const std::vector<std::string>& argv, ExecResult& r) {
    if (argv.size() < 2) {
        r.output += "Usage: insmod NAME (a module defined with module_init in this session)\n";
        r.error = true;
        return;
    }
    std::string name = strip_ko(argv[1]);
    auto it = st_.kernel.modules.modules.find(name);
    if (it == st_.kernel.modules.modules.end()) {
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
    Kernel& k = st_.kernel;
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
    bool survived = run_module_function(m.init, "insmod", std::move(path), ret, r.output);
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

void Session::cmd_rmmod(const std::vector<std::string>& argv, ExecResult& r) {
    if (argv.size() < 2) {
        r.output += "Usage: rmmod NAME\n";
        r.error = true;
        return;
    }
    std::string name = strip_ko(argv[1]);
    auto it = st_.kernel.modules.modules.find(name);
    if (it == st_.kernel.modules.modules.end() || !it->second.loaded()) {
        r.output += "rmmod: ERROR: Module " + name + " is not currently loaded\n";
        return;
    }
    Module& m = it->second;
    if (m.exit.empty()) {
        r.output += "rmmod: ERROR: could not remove module " + name + ": Device or resource busy\n";
        return;
    }
    std::vector<std::string> path = syscall_entry_frames(st_.kernel);
    path.insert(path.begin(), "__do_sys_delete_module");
    int64_t ret = 0;
    m.state = ModuleState::going;
    bool survived = run_module_function(m.exit, "rmmod", std::move(path), ret, r.output);
    m.state = survived ? ModuleState::unformed : ModuleState::live;
    if (!survived) r.error = true;
}

void Session::cmd_lsmod(ExecResult& r) {
    r.output += "Module                  Size  Used by\n";
    for (const auto& [name, m] : st_.kernel.modules.modules) {
        if (!m.loaded()) continue;
        char buf[96];
        std::snprintf(buf, sizeof buf, "%-19s %8u  %d\n", name.c_str(), 16384u, 0);
        r.output += buf;
    }
}

void Session::cmd_help(const std::vector<std::string>& argv, ExecResult& r) {
    if (argv.size() > 1 && (argv[1] == "kernelc" || argv[1] == "c"))
        r.output += kHelpKernelC;
    else if (argv.size() > 1) {
        r.output += "help: no help on '" + argv[1] + "' (topics: kernelc)\n";
        r.error = true;
    } else
        r.output += kHelp;
}

void Session::cmd_history(ExecResult& r) {
    for (const CommandRecord& c : log_) {
        std::string first = c.text.substr(0, c.text.find('\n'));
        bool more = first.size() < c.text.size() &&
                    c.text.find_first_not_of(" \t\r\n", first.size()) != std::string::npos;
        char num[16];
        std::snprintf(num, sizeof num, "%5u  ", c.id); // bash: the number right-aligned in 5
        r.output += num + first + (more ? " ..." : "") + "\n";
    }
}

} // namespace klab
