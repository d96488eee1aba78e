// Session::evaluate: a KernelC expression run on a copy of the session state (for lesson
// goals and predictions), so checking a goal can never change what the student sees.
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
} // namespace

Result<int64_t> Session::evaluate(std::string_view expr, BindExtra extra,
                                  const std::vector<std::pair<std::string, int64_t>>& constants)
    const {
    SessionState st = st_;
    BuiltinTable table = builtins_;
    if (extra) KLAB_TRY(extra(st.prog, table));
    for (const auto& [name, value] : constants)
        KLAB_TRY(bind_constant(st.prog, name.c_str(), "long", static_cast<uint64_t>(value)));
    // Parentheses make it one expression (no console-style declaration of a new name); the
    // newline lets the expression end in a // comment.
    kc::Source src{"goal", "(" + std::string(expr) + "\n);"};
    auto u = kc::compile(st.prog, src);
    if (!u.ok()) return u.error();
    std::vector<kc::Step>& steps = u.value().steps;
    if (steps.size() != 1 || steps[0].kind != kc::Step::Run ||
        !st.prog.types.is_scalar(steps[0].show))
        return Error{"a goal must be one expression whose value is a number or a pointer"};
    kc::TypeId type = steps[0].show;

    Kernel& k = st.kernel;
    uint64_t first_seq = k.log.next_seq;
    const kc::Target& t = st.prog.target();
    kc::Thread th = kc::make_thread(st.prog, std::move(steps[0].code), t.stack_base, t.thread_size);
    KernelHost host(st, table);
    kc::run(st.prog, th, host, kGoalBudget);
    if (th.exit == kc::Exit::Done) {
        uint64_t v = th.result;
        uint32_t size = st.prog.types.width(type);
        if (size < 8) { // narrow values: sign- or zero-extend as C would
            uint64_t mask = (1ull << (size * 8)) - 1;
            v &= mask;
            if (st.prog.types.is_signed(type) && (v >> (size * 8 - 1)) & 1) v |= ~mask;
        }
        return static_cast<int64_t>(v);
    }
    for (const LogRecord& r : k.log.records) {
        if (r.seq < first_seq) continue;
        if (r.text.rfind(kGoalMarker, 0) == 0) return Error{r.text.substr(kGoalMarker.size())};
    }
    switch (th.exit) {
    case kc::Exit::Budget: return Error{"the expression ran too long"};
    case kc::Exit::Fault: {
        char buf[80];
        snprintf(buf, sizeof buf, "the expression made a bad memory access (address %#llx)",
                 static_cast<unsigned long long>(th.fault.addr));
        return Error{buf};
    }
    case kc::Exit::DivideError: return Error{"the expression divided by zero"};
    case kc::Exit::Blocked: return Error{"the expression tried to sleep"};
    default: break;
    }
    for (const LogRecord& r : k.log.records)
        if (r.seq >= first_seq) return Error{"the expression stopped the kernel: " + r.text};
    return Error{"the expression did not finish"};
}

} // namespace klab
