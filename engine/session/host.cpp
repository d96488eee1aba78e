// KernelC VM <-> kernel model bridge (see host.h).
#include "session/host.h"

#include "kc/compile.h"

#include "arch/x86/traps.h"
#include "mm/memory.h"
#include "session/oops.h"

namespace klab {

static kc::Fault to_fault(const MemFault& m) {
    kc::Fault f;
    f.addr = m.address;
    f.access = m.write ? kc::Access::Write : kc::Access::Read;
    f.protection = false; // the model reports every fault as a not-present page
    return f;
}

bool KernelHost::read(uint64_t addr, void* dst, uint32_t n, kc::Fault& f) {
    MemFault m = kernel_read(st_.kernel, addr, dst, n);
    if (!m) return true;
    f = to_fault(m);
    return false;
}

bool KernelHost::write(uint64_t addr, const void* src, uint32_t n, kc::Fault& f) {
    MemFault m = guest_write(st_.kernel, addr, src, n);
    if (!m) return true;
    f = to_fault(m);
    return false;
}

namespace {
// Console statements have no function of their own: their code is given addresses just
// below the module text and prints as console_stmt+off.
constexpr uint64_t kConsoleText = 0x1000;
} // namespace

uint64_t console_stmt_address(const kc::Program& prog) {
    return prog.text_base() - kConsoleText;
}

uint64_t frame_ip(const kc::Program& prog, const kc::Thread& th, const kc::Frame& fr) {
    if (fr.func != kc::kEntryFunc) return prog.function_address(fr.func) + fr.pc * 4;
    if (th.entry.name == "<kernel>") return 0; // a callback trampoline: no frame of its own
    return console_stmt_address(prog) + std::min<uint64_t>(fr.pc * 4, kConsoleText - 1);
}

KernelHost::KernelHost(SessionState& st, const BuiltinTable& table)
    : st_(st), table_(table), frames_base_(current(st.kernel).ret_ips.size()) {}

void KernelHost::record_frames(const kc::Thread& th) {
    std::vector<uint64_t>& ips = current(st_.kernel).ret_ips;
    ips.resize(frames_base_);
    for (const kc::Frame& fr : th.frames)
        if (uint64_t ip = frame_ip(st_.prog, th, fr)) ips.push_back(ip);
}

void KernelHost::forget_frames() {
    current(st_.kernel).ret_ips.resize(frames_base_);
}

void KernelHost::account(const kc::Thread& th) {
    if (th.steps > accounted_) st_.kernel.clock.advance_ns(th.steps - accounted_);
    accounted_ = th.steps;
}

kc::BuiltinStatus KernelHost::call(uint32_t id, const uint64_t* args, uint32_t nargs,
                                   kc::Thread& th, uint64_t& ret, kc::Fault& f) {
    account(th);
    if (id >= table_.fns.size() || !table_.fns[id]) return kc::BuiltinStatus::Kill;
    record_frames(th);
    CallCtx c{st_, th, *this, args, nargs, 0, {}};
    kc::BuiltinStatus s = table_.fns[id](c);
    ret = c.ret;
    if (s == kc::BuiltinStatus::Fault) f = c.fault;
    // The kernel decided the task dies (a BUG, an oops or a panic inside the call).
    if (task_dying(st_.kernel)) return kc::BuiltinStatus::Kill;
    return s;
}

bool CallCtx::string(uint64_t addr, std::string& out, uint32_t max) {
    return kc::vm_read_string(st.prog, th, host, addr, max, out, fault);
}
bool CallCtx::read(uint64_t addr, void* dst, uint32_t n) {
    return kc::vm_read(st.prog, th, host, addr, dst, n, fault);
}
bool CallCtx::write(uint64_t addr, const void* src, uint32_t n) {
    return kc::vm_write(st.prog, th, host, addr, src, n, fault);
}

Result<void> bind(kc::Program& prog, BuiltinTable& table, const char* prototype, BuiltinFn fn) {
    auto id = kc::declare_builtin(prog, prototype);
    KLAB_TRY(id);
    if (table.fns.size() <= id.value()) table.fns.resize(id.value() + 1);
    table.fns[id.value()] = fn;
    return {};
}

Result<void> bind_constant(kc::Program& prog, const char* name, const char* type, uint64_t value) {
    return kc::add_constant(prog, name, type, value);
}

bool is_declared(const kc::Program& prog, std::string_view name) {
    std::string n(name);
    return prog.builtin_index.count(n) || prog.function_index.count(n) || prog.globals.count(n) ||
           prog.constants.count(n) || prog.typedefs.count(n) || prog.macros.count(n);
}

Result<void> bind_if_free(kc::Program& prog, BuiltinTable& table, const char* name,
                          const char* prototype, BuiltinFn fn) {
    if (is_declared(prog, name)) return {};
    return bind(prog, table, prototype, fn);
}

Result<void> bind_constant_if_free(kc::Program& prog, const char* name, const char* type,
                                   uint64_t value) {
    if (is_declared(prog, name)) return {};
    return bind_constant(prog, name, type, value);
}

Result<void> bind_all(kc::Program& prog, BuiltinTable& table) {
    KLAB_TRY(bind_prelude(prog));
    KLAB_TRY(bind_errno(prog));
    KLAB_TRY(bind_printk(prog, table));
    KLAB_TRY(bind_string(prog, table));
    KLAB_TRY(bind_page_alloc(prog, table));
    KLAB_TRY(bind_slab(prog, table));
    KLAB_TRY(bind_vm(prog, table));
    KLAB_TRY(bind_highmem(prog, table));
    KLAB_TRY(bind_preempt(prog, table));
    // preempt_disable/enable, local_bh_*, local_irq_*, in_atomic ... (include/linux/preempt.h).
    KLAB_TRY(bind_context(prog, table));
    return {};
}

} // namespace klab
