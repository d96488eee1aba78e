// Session lifecycle: boot, running KernelC statements, snapshots, undo by replay, and the
// determinism hash (see session.h).
#include "session/session.h"

#include "kc/compile.h"
#include "machine/check.h"
#include "session/console.h"
#include "session/host.h"
#include "session/value.h"

namespace klab {

namespace {

// Work items the model queues (vfree from interrupt context) run when the console's
// statement is done and the CPU is back in task context; Linux runs them from a kworker soon
// after.
void run_deferred_work(Kernel& k) {
    if (!k.vmalloc.deferred.empty() && !in_interrupt(k.cpus[k.current_cpu].preempt_count))
        vfree_deferred_work(k);
}

void show_result(SessionState& state, const kc::Step& step, kc::Thread& th, KernelHost& host,
                 std::string& out) {
    // Calls whose value is conventionally ignored (printk's length) show nothing.
    static const char* kQuiet[] = {"printk", "snprintf", "sprintf", "scnprintf", "memset",
                                   "memcpy", "memmove",  "strcpy",  "strncpy",   "strcat"};
    for (const char* q : kQuiet)
        if (step.callee == q) return;
    if (state.prog.types.kind(step.show) != kc::TypeKind::Void)
        out += "$" + std::to_string(++state.value_counter) + " = " +
               format_value(state, th, host, step.show, th.result) + "\n";
}
kc::Target target_of(const MachineConfig& c) {
    return c.arch == Arch::i386 ? kc::Target::i386() : kc::Target::x86_64();
}
} // namespace

Result<Session> Session::create(const MachineConfig& config, SessionOptions opt) {
    Session s;
    s.config_ = config;
    s.opt_ = opt;
    KLAB_TRY(s.boot());
    return s;
}

void Session::check_invariants_after(ExecResult& r) const {
    std::string broken = check_kernel(st_.kernel);
    if (broken.empty()) return;
    r.output += "klab: the model broke its own invariants in this command (a bug in the lab, "
                "not in your code):\n" + broken;
    r.error = r.invariant_broken = true;
}

Result<void> Session::boot() {
    KLAB_TRY(config_.validate());
    auto k = Kernel::boot(config_);
    KLAB_TRY(k);
    SessionState st;
    st.kernel = std::move(k.value());
    kc::Target target = target_of(config_);
    target.percpu_base = percpu_module_base(st.kernel); // DEFINE_PER_CPU data of modules
    target.percpu_size = PERCPU_MODULE_RESERVE;
    target.stack_base = console_stack_base(st.kernel);
    st.prog = kc::Program(target);
    builtins_ = BuiltinTable{};
    KLAB_TRY(bind_all(st.prog, builtins_));
    KLAB_TRY(bind_machine_constants(st.prog, st.kernel));
    st.echoed_seq = st.kernel.log.next_seq; // boot messages are in dmesg, not echoed
    st_ = std::move(st);
    return {};
}

ExecResult Session::exec(std::string_view text, std::string_view source, uint32_t first_line) {
    ExecResult r;
    r.id = static_cast<uint32_t>(log_.size() + 1);
    st_.kernel.trace.cmd_id = r.id;
    for (const InputPiece& p : split_input(text)) {
        if (p.shell)
            run_shell(p.text, r);
        else
            run_c(p.text, p.first_line + first_line - 1, source, r);
        echo_console(r.output);
    }
    if (opt_.check_invariants) check_invariants_after(r);
    log_.push_back(CommandRecord{r.id, std::string(source), std::string(text), r.output, r.error});
    generation_++;
    return r;
}

void Session::run_c(std::string_view text, uint32_t first_line, std::string_view source,
                    ExecResult& r) {
    // Leading newlines keep the line numbers of errors equal to the lines of the input.
    kc::Source src{std::string(source),
                   std::string(first_line > 0 ? first_line - 1 : 0, '\n') + std::string(text)};
    auto u = kc::compile(st_.prog, src);
    if (!u.ok()) {
        r.output += u.error().message;
        r.error = r.compile_error = true;
        return;
    }
    sync_kallsyms(st_);
    register_module(u.value(), source, r.output);
    for (kc::Step& step : u.value().steps)
        if (step.kind == kc::Step::Run) {
            if (!run_statement(step, r.output)) r.error = true; // killed: the command failed
            echo_console(r.output);
        }
}

bool Session::run_statement(kc::Step& step, std::string& out) {
    run_as_console_task(st_.kernel);
    const kc::Target& t = st_.prog.target();
    kc::Thread th = kc::make_thread(st_.prog, std::move(step.code), t.stack_base, t.thread_size);
    kallsyms_set_statement(st_.kernel, console_stmt_address(st_.prog), code_size(th.entry));
    KernelHost host(st_, builtins_);
    // The shell then sleeps reading the terminal: schedule() checks the stack end.
    return run_thread(th, host, false, out, [&] { show_result(st_, step, th, host, out); });
}

bool Session::run_thread(kc::Thread& th, KernelHost& host, bool task_exits, std::string& out,
                         const std::function<void()>& on_done) {
    Kernel& k = st_.kernel;
    uint32_t panics = k.panics;
    kc::run(st_.prog, th, host, opt_.budget);
    host.account(th);
    run_deferred_work(k);
    bool lived = th.exit == kc::Exit::Done;
    std::string line;
    if (lived) {
        on_done();
        check_stack_end(st_, th, task_exits);
    } else {
        line = report_death(st_, host, th);
    }
    if (!lived || k.panics != panics) {
        echo_console(out); // the console shows the kernel's report before the shell's "Killed"
        if (!line.empty()) out += line + "\n";
        if (k.panics != panics) out += std::string(kPanicLine) + "\n";
    }
    // The shell goes on after the statement it ran was killed (the lab's console survives).
    current(k).dying = false;
    host.forget_frames();
    return lived;
}

bool Session::run_module_function(const std::string& fn, const char* comm,
                                  std::vector<std::string> path, int64_t& ret, std::string& out) {
    ret = 0;
    auto it = st_.prog.function_index.find(fn);
    if (fn.empty() || it == st_.prog.function_index.end()) return true;
    Kernel& k = st_.kernel;
    task_t task = create_task(k, comm, std::move(path));
    if (task == NO_TASK) {
        out += std::string(comm) + ": fork: Resource temporarily unavailable\n";
        return false;
    }
    set_cpu_curr(k, k.current_cpu, task);
    const kc::Target& t = st_.prog.target();
    kc::Thread th = kc::make_call(st_.prog, it->second, {}, t.stack_base, t.thread_size);
    KernelHost host(st_, builtins_);
    // module init/exit functions return int
    bool lived = run_thread(th, host, true, out, [&] { ret = static_cast<int32_t>(th.result); });
    // The process exits; the shell that waited for it runs again.
    release_task(k, task);
    run_as_console_task(k);
    return lived;
}

void Session::echo_console(std::string& out) {
    // Like a serial console: messages more urgent than console_loglevel appear as printed.
    for (const LogRecord& rec : st_.kernel.log.records) {
        if (rec.seq < st_.echoed_seq) continue;
        if (static_cast<int32_t>(rec.level) < st_.console_loglevel)
            out += format_log_prefix(rec.ts_ns) + rec.text + "\n";
    }
    st_.echoed_seq = st_.kernel.log.next_seq;
}

std::string Session::dmesg() const {
    return st_.kernel.log.dmesg(st_.dmesg_cleared);
}

void Session::restore(const Snapshot& s) {
    st_ = s.state;
    if (log_.size() > s.log_size) log_.resize(s.log_size);
    generation_++;
}

bool Session::undo() {
    if (log_.empty()) return false;
    auto fresh = Session::create(config_, opt_);
    if (!fresh.ok()) return false;
    Session& f = fresh.value();
    for (size_t i = 0; i + 1 < log_.size(); i++) f.exec(log_[i].text, log_[i].source);
    uint64_t gen = generation_;
    *this = std::move(f);
    generation_ = gen + 1;
    return true;
}

uint64_t Session::trace_hash() const {
    uint64_t h = 1469598103934665603ull;
    auto mix = [&h](const void* p, size_t n) {
        const auto* b = static_cast<const uint8_t*>(p);
        for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
    };
    const Tracer& tr = st_.kernel.trace;
    uint64_t n = std::min<uint64_t>(tr.written, tr.ring.size());
    for (uint64_t i = tr.written - n; i < tr.written; i++) {
        const TraceEvent& e = tr.ring[i % tr.ring.size()];
        uint64_t f[] = {e.id,
                        e.parent,
                        e.ts_ns,
                        e.pfn,
                        e.cmd_id,
                        e.gfp,
                        static_cast<uint64_t>(e.type),
                        e.cpu,
                        e.order,
                        static_cast<uint64_t>(e.migratetype),
                        e.arg0,
                        static_cast<uint64_t>(e.arg1),
                        e.arg2};
        mix(f, sizeof f);
        if (e.type >= TraceEventType::kmalloc &&
            e.type <= TraceEventType::kmem_cache_free) { // the slab events' own fields
            uint64_t g[] = {e.call_site, e.bytes_req, e.bytes_alloc};
            mix(g, sizeof g);
        }
    }
    for (const LogRecord& r : st_.kernel.log.records) {
        mix(&r.ts_ns, sizeof r.ts_ns);
        mix(r.text.data(), r.text.size());
    }
    for (const CommandRecord& c : log_) mix(c.output.data(), c.output.size());
    return h;
}

} // namespace klab
