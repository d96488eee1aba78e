// Session::evaluate: a KernelC expression for lesson goals and predictions, which must never
// change what the student sees. It runs on the live state when it only reads (no stores to
// kernel memory, only read-only builtins: the common case, and no copy of a machine whose
// mem_map can be tens of MB), and on a copy of the whole state otherwise.
#include <cstdio>

#include "kc/compile.h"
#include "session/host.h"
#include "session/session.h"

namespace klab {

namespace {
// A goal helper that refuses (unknown zone, a layer the build lacks) says why in a log record
// on the copy starting with this marker, then kills the evaluation (engine/lesson/goal.cpp).
constexpr std::string_view kGoalMarker = "klab goal: ";
constexpr uint64_t kGoalBudget = 2'000'000;

// Builtins that only read the kernel: a goal calling nothing else can run on the live state.
// Anything not listed (and every store to kernel memory) sends the evaluation to a copy.
const char* const kReadOnly[] = {
    "page_to_pfn", "pfn_to_page",   "virt_to_page",  "page_address", "virt_to_phys",
    "phys_to_virt", "page_count",   "nr_free_pages", "strlen",       "strnlen",
    "strcmp",       "strncmp",      "memcmp",        "preempt_count", "in_atomic",
    "in_interrupt", "in_task",      "irqs_disabled",
};

// Runs a goal on the live state without changing it: no clock, no stores to kernel memory,
// only read-only builtins (or the `extra` helpers, which only read). Anything else stops the
// run with `needs_copy` set, and the caller evaluates on a copy instead.
class ReadOnlyHost : public KernelHost {
public:
    ReadOnlyHost(SessionState& st, const BuiltinTable& table, const std::vector<bool>& allowed)
        : KernelHost(st, table), table_(table), allowed_(allowed) {}
    bool needs_copy = false;

    bool write(uint64_t addr, const void*, uint32_t, kc::Fault& f) override {
        needs_copy = true;
        f.addr = addr;
        f.access = kc::Access::Write;
        return false;
    }
    kc::BuiltinStatus call(uint32_t id, const uint64_t* args, uint32_t nargs, kc::Thread& th,
                           uint64_t& ret, kc::Fault& f) override {
        if (id >= allowed_.size() || !allowed_[id] || !table_.fns[id]) {
            needs_copy = true;
            return kc::BuiltinStatus::Kill;
        }
        CallCtx c{state(), th, *this, args, nargs, 0, {}};
        kc::BuiltinStatus s = table_.fns[id](c);
        ret = c.ret;
        if (s == kc::BuiltinStatus::Fault) f = c.fault;
        if (s != kc::BuiltinStatus::Ok) needs_copy = true; // a refusal logs: redo on a copy
        return s;
    }

private:
    const BuiltinTable& table_;
    const std::vector<bool>& allowed_;
};

// What a read-only run borrows from the live state, given back when the scope ends: the
// goal's program is lent to the state (builtins read string literals through it), and a
// refusal's log record is taken out again (the copy below reports it).
class LiveRunScope {
public:
    LiveRunScope(SessionState& st, const kc::Program& goal)
        : st_(st), own_(std::move(st.prog)), log_size_(st.kernel.log.records.size()),
          log_seq_(st.kernel.log.next_seq), log_open_(st.kernel.log.open) {
        if (log_size_) last_text_ = st.kernel.log.records.back().text;
        st_.prog = goal; // a copy: the run may write its data
    }
    ~LiveRunScope() {
        st_.prog = std::move(own_);
        KernelLog& log = st_.kernel.log;
        while (log.records.size() > log_size_) log.records.pop_back();
        log.next_seq = log_seq_;
        log.open = log_open_;
        if (!log.records.empty()) log.records.back().text = last_text_;
    }
    LiveRunScope(const LiveRunScope&) = delete;
    LiveRunScope& operator=(const LiveRunScope&) = delete;

private:
    SessionState& st_;
    kc::Program own_;
    size_t log_size_;
    uint64_t log_seq_;
    bool log_open_;
    std::string last_text_;
};

struct Compiled {
    kc::Program prog;
    BuiltinTable table;
    kc::Function code;
    kc::TypeId type = 0;
};

Result<Compiled> compile_goal(const kc::Program& base, const BuiltinTable& builtins,
                              std::string_view expr, Session::BindExtra extra,
                              const std::vector<std::pair<std::string, int64_t>>& constants) {
    Compiled c{base, builtins, {}, 0};
    if (extra) KLAB_TRY(extra(c.prog, c.table));
    for (const auto& [name, value] : constants)
        KLAB_TRY(bind_constant(c.prog, name.c_str(), "long", static_cast<uint64_t>(value)));
    // Parentheses make it one expression (no console-style declaration of a new name); the
    // newline lets the expression end in a // comment.
    kc::Source src{"goal", "(" + std::string(expr) + "\n);"};
    auto u = kc::compile(c.prog, src);
    if (!u.ok()) return u.error();
    std::vector<kc::Step>& steps = u.value().steps;
    if (steps.size() != 1 || steps[0].kind != kc::Step::Run ||
        !c.prog.types.is_scalar(steps[0].show))
        return Error{"a goal must be one expression whose value is a number or a pointer"};
    c.type = steps[0].show;
    c.code = std::move(steps[0].code);
    return c;
}

int64_t value_of(const kc::Program& prog, kc::TypeId type, uint64_t v) {
    uint32_t size = prog.types.width(type);
    if (size < 8) { // narrow values: sign- or zero-extend as C would
        uint64_t mask = (1ull << (size * 8)) - 1;
        v &= mask;
        if (prog.types.is_signed(type) && (v >> (size * 8 - 1)) & 1) v |= ~mask;
    }
    return static_cast<int64_t>(v);
}

// Why an evaluation did not finish. log/first_seq: the copy's log, where a refusing goal
// helper left its reason.
Error describe(const kc::Thread& th, const KernelLog* log, uint64_t first_seq) {
    if (log)
        for (const LogRecord& r : log->records)
            if (r.seq >= first_seq && r.text.rfind(kGoalMarker, 0) == 0)
                return Error{r.text.substr(kGoalMarker.size())};
    switch (th.exit) {
    case kc::Exit::Budget: return Error{"the expression ran too long"};
    case kc::Exit::Fault: {
        char buf[80];
        snprintf(buf, sizeof buf, "the expression made a bad memory access (address %#llx)",
                 static_cast<unsigned long long>(th.fault.addr));
        return Error{buf};
    }
    case kc::Exit::DivideError: return Error{"the expression divided by zero"};
    case kc::Exit::StackOverflow: return Error{"the expression overflowed the stack"};
    case kc::Exit::Blocked: return Error{"the expression tried to sleep"};
    default: break;
    }
    if (log)
        for (const LogRecord& r : log->records)
            if (r.seq >= first_seq) return Error{"the expression stopped the kernel: " + r.text};
    return Error{"the expression did not finish"};
}

} // namespace

Result<int64_t> Session::evaluate(std::string_view expr, BindExtra extra,
                                  const std::vector<std::pair<std::string, int64_t>>& constants) {
    auto compiled = compile_goal(st_.prog, builtins_, expr, extra, constants);
    KLAB_TRY(compiled);
    Compiled& c = compiled.value();

    // First on the live kernel (no copy of the machine: goals run after every command), with
    // a host that refuses anything that could change it.
    std::vector<bool> allowed(c.table.fns.size(), false);
    for (uint32_t id = 0; id < allowed.size(); id++) {
        if (id >= builtins_.fns.size()) {
            allowed[id] = true; // declared by `extra`: read-only helpers by contract
            continue;
        }
        for (const char* name : kReadOnly)
            if (id < c.prog.builtins.size() && c.prog.builtins[id].name == name) allowed[id] = true;
    }
    if (st_.kernel.log.records.size() + 64 < KernelLog::kLogCapacity) {
        const kc::Target& t = c.prog.target();
        kc::Thread th;
        bool needs_copy = false;
        {
            LiveRunScope scope(st_, c.prog);
            th = kc::make_thread(st_.prog, c.code, t.stack_base, t.thread_size);
            ReadOnlyHost host(st_, c.table, allowed);
            kc::run(st_.prog, th, host, kGoalBudget);
            needs_copy = host.needs_copy;
        }
        if (th.exit == kc::Exit::Done && !needs_copy) return value_of(c.prog, c.type, th.result);
        if (!needs_copy && th.exit != kc::Exit::Killed) return describe(th, nullptr, 0);
    }

    // On a copy of the whole state: any builtin may run, nothing the student sees changes.
    SessionState st = st_;
    st.prog = std::move(c.prog);
    uint64_t first_seq = st.kernel.log.next_seq;
    const kc::Target& t = st.prog.target();
    kc::Thread th = kc::make_thread(st.prog, std::move(c.code), t.stack_base, t.thread_size);
    KernelHost host(st, c.table);
    kc::run(st.prog, th, host, kGoalBudget);
    if (th.exit == kc::Exit::Done) return value_of(st.prog, c.type, th.result);
    return describe(th, &st.kernel.log, first_seq);
}

} // namespace klab
