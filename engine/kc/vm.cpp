// The KernelC interpreter loop (see vm.h). Frames and values live in the Thread, never on the
// C++ stack, so a KernelC recursion of any depth costs the host nothing: it ends with
// Exit::StackOverflow when the simulated kernel stack is used up.
#include "kc/vm.h"

#include <algorithm>
#include <cstring>

namespace klab::kc {

namespace {

constexpr uint32_t kFrameOverhead = 16; // return address and saved frame pointer

// Kernel-stack bytes a call to f uses: its memory locals plus spill room for registers.
uint32_t frame_size(const Function& f) {
    uint64_t s = ((uint64_t{f.frame_bytes} + 15) & ~uint64_t{15}) +
                 8ull * (f.nslots + f.max_depth) + kFrameOverhead;
    return static_cast<uint32_t>(std::min<uint64_t>(s, 0x7fffffff));
}

enum class SegResult : uint8_t { Hit, Miss, Fault };

// The VM's own memory: the thread's kernel stack and the module's data and rodata.
// A read copies into dst; a write (src set) copies from src.
SegResult seg_access(Program& prog, Thread& th, uint64_t addr, void* dst, const void* src,
                     uint32_t n, Fault& f) {
    const bool write = src != nullptr;
    uint64_t so = addr - th.stack_base;
    if (addr >= th.stack_base && so < th.stack.size()) {
        if (n > th.stack.size() - so) return SegResult::Miss;
        if (write)
            std::memcpy(th.stack.data() + so, src, n);
        else
            std::memcpy(dst, th.stack.data() + so, n);
        return SegResult::Hit;
    }
    uint64_t base = prog.target().module_base;
    if (addr < base || addr - base >= Layout::kDataOffset + Layout::kSegmentMax)
        return SegResult::Miss;
    uint64_t off = addr - base;
    f.addr = addr;
    f.access = write ? Access::Write : Access::Read;
    if (off >= Layout::kDataOffset) {
        uint64_t d = off - Layout::kDataOffset;
        if (d >= prog.data.size() || n > prog.data.size() - d) {
            f.protection = false;
            return SegResult::Fault;
        }
        if (write)
            std::memcpy(prog.data.data() + d, src, n);
        else
            std::memcpy(dst, prog.data.data() + d, n);
        return SegResult::Hit;
    }
    if (off >= Layout::kRodataOffset) {
        uint64_t d = off - Layout::kRodataOffset;
        if (d >= prog.rodata.size() || n > prog.rodata.size() - d) {
            f.protection = false;
            return SegResult::Fault;
        }
        if (write) { // .rodata is mapped read-only
            f.protection = true;
            return SegResult::Fault;
        }
        std::memcpy(dst, prog.rodata.data() + d, n);
        return SegResult::Hit;
    }
    // Module text: executable, readable in Linux, but the lab has no machine code to show.
    f.protection = write;
    return SegResult::Fault;
}

} // namespace

// An access that starts below the stack and ends inside it (an x86_32 overrun frame's
// array): the part below goes to the host, the rest to the stack.
static uint32_t below_stack(const Thread& th, uint64_t addr, uint32_t n) {
    if (addr >= th.stack_base || addr + n <= th.stack_base) return 0;
    if (addr + n - th.stack_base > th.stack.size()) return 0;
    return static_cast<uint32_t>(th.stack_base - addr);
}

bool vm_read(Program& prog, Thread& th, Host& host, uint64_t addr, void* dst, uint32_t n,
             Fault& f) {
    if (uint32_t lo = below_stack(th, addr, n))
        return vm_read(prog, th, host, addr, dst, lo, f) &&
               vm_read(prog, th, host, addr + lo, static_cast<uint8_t*>(dst) + lo, n - lo, f);
    switch (seg_access(prog, th, addr, dst, nullptr, n, f)) {
    case SegResult::Hit: return true;
    case SegResult::Fault: return false;
    case SegResult::Miss: break;
    }
    return host.read(addr, dst, n, f);
}

bool vm_write(Program& prog, Thread& th, Host& host, uint64_t addr, const void* src, uint32_t n,
              Fault& f) {
    if (uint32_t lo = below_stack(th, addr, n))
        return vm_write(prog, th, host, addr, src, lo, f) &&
               vm_write(prog, th, host, addr + lo, static_cast<const uint8_t*>(src) + lo,
                        n - lo, f);
    switch (seg_access(prog, th, addr, nullptr, src, n, f)) {
    case SegResult::Hit: return true;
    case SegResult::Fault: return false;
    case SegResult::Miss: break;
    }
    return host.write(addr, src, n, f);
}

bool vm_read_string(Program& prog, Thread& th, Host& host, uint64_t addr, uint32_t max,
                    std::string& out, Fault& f) {
    out.clear();
    for (uint32_t i = 0; i < max; i++) {
        char c;
        if (!vm_read(prog, th, host, addr + i, &c, 1, f)) return false;
        if (c == '\0') return true;
        out.push_back(c);
    }
    return true;
}

const Function& frame_function(const Program& prog, const Thread& th, const Frame& fr) {
    return fr.func == kEntryFunc ? th.entry : prog.functions[fr.func];
}

// Pushes a frame for f whose nargs arguments are the top of the value stack. Offsets are
// taken modulo 2^32: a frame below the stack's lowest address (x86_32 overrun) has a
// "negative" frame_off, which the 32-bit pointer mask turns into the right address.
static bool push_frame(Thread& th, const Function& f, uint32_t func, uint32_t nargs) {
    uint32_t top =
        th.frames.empty() ? static_cast<uint32_t>(th.stack.size()) : th.frames.back().frame_off;
    uint32_t need = frame_size(f);
    int64_t off = int64_t(static_cast<int32_t>(top)) - need;
    if (off < -int64_t(th.overrun_limit)) return false;
    if (off < 0) th.overrun = std::max<uint32_t>(th.overrun, static_cast<uint32_t>(-off));
    // Surplus arguments (a call through a mistyped pointer) are dropped, missing ones are 0.
    while (nargs > f.nparams) {
        th.sp--;
        nargs--;
    }
    uint32_t base = th.sp - nargs;
    size_t want = size_t{base} + f.nslots + f.max_depth + 8;
    if (th.values.size() < want) th.values.resize(want);
    for (uint32_t i = base + nargs; i < base + f.nslots; i++) th.values[i] = 0;
    th.sp = base + f.nslots;
    Frame fr;
    fr.func = func;
    fr.pc = 0;
    fr.base = base;
    fr.frame_off = static_cast<uint32_t>(off);
    fr.stack_top = top;
    th.frames.push_back(fr);
    return true;
}

// The lowest word of a task's stack holds STACK_END_MAGIC (kernel/fork.c
// set_task_stack_end_magic), for schedule()'s and the oops path's overrun checks.
static void new_stack(Thread& th, const Program& prog, uint64_t stack_base, uint32_t size) {
    th.stack.assign(size, 0);
    th.stack_base = stack_base;
    th.overrun_limit = prog.target().stack_overrun;
    uint32_t magic = kStackEndMagic;
    if (size >= 4) std::memcpy(th.stack.data(), &magic, 4);
}

Thread make_thread(const Program& prog, Function entry, uint64_t stack_base,
                   uint32_t stack_size) {
    Thread th;
    th.entry = std::move(entry);
    new_stack(th, prog, stack_base, stack_size);
    if (!push_frame(th, th.entry, kEntryFunc, 0)) {
        th.exit = Exit::StackOverflow;
        th.fault.addr = stack_base - 8;
    }
    return th;
}

Thread make_call(const Program& prog, uint32_t func, const std::vector<uint64_t>& args,
                 uint64_t stack_base, uint32_t stack_size) {
    Thread th;
    th.entry.name = "<kernel>";
    th.entry.code.push_back(Insn{Op::Ret, 0, 0, 0, 0}); // hands the callee's value back
    th.entry.max_depth = static_cast<uint32_t>(args.size() + 1);
    new_stack(th, prog, stack_base, stack_size);
    push_frame(th, th.entry, kEntryFunc, 0);
    const Function& f = prog.functions[func];
    if (th.values.size() < th.sp + args.size() + 1) th.values.resize(th.sp + args.size() + 1);
    for (uint64_t a : args) th.values[th.sp++] = a;
    if (!push_frame(th, f, func, static_cast<uint32_t>(args.size()))) {
        th.exit = Exit::StackOverflow;
        th.fault.addr = stack_base - 8;
    }
    return th;
}

static uint64_t ext(uint64_t v, uint8_t kind) {
    switch (kind) {
    case kExtS8: return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(v)));
    case kExtU8: return v & 0xff;
    case kExtS16: return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int16_t>(v)));
    case kExtU16: return v & 0xffff;
    case kExtS32: return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(v)));
    case kExtU32: return v & 0xffffffffu;
    default: return v != 0;
    }
}

static uint64_t load_value(const uint8_t* p, uint8_t width, bool is_signed) {
    uint64_t v = 0;
    std::memcpy(&v, p, width);
    if (is_signed && width < 8) {
        unsigned shift = 64 - 8 * width;
        v = static_cast<uint64_t>(static_cast<int64_t>(v << shift) >> shift);
    }
    return v;
}

// The call's return address and the caller's frame pointer, stored at the top of the new
// frame as x86 pushes them. Below the stack (an x86_32 overrun) they overwrite the memory
// there; false if that memory faults.
static bool push_linkage(Program& prog, Thread& th, Host& host) {
    const Frame& callee = th.frames.back();
    const Frame& caller = th.frames[th.frames.size() - 2];
    uint32_t pb = prog.target().pointer_bytes;
    uint64_t mask = prog.target().pointer_mask();
    uint64_t ret = caller.func == kEntryFunc ? 0 : prog.function_address(caller.func) + caller.pc * 4;
    uint64_t fp = (th.stack_base + caller.frame_off) & mask;
    uint64_t at = (th.stack_base + callee.stack_top - 2 * pb) & mask;
    return vm_write(prog, th, host, at + pb, &ret, pb, th.fault) &&
           vm_write(prog, th, host, at, &fp, pb, th.fault);
}

Exit run(Program& prog, Thread& th, Host& host, uint64_t budget) {
    if (th.exit != Exit::Running && th.exit != Exit::Blocked && th.exit != Exit::Budget)
        return th.exit;
    th.exit = Exit::Running;
    if (th.frames.empty()) return th.exit = Exit::Done;
    const Function* fn = &frame_function(prog, th, th.frames.back());
    const Insn* code = fn->code.data();
    uint32_t pc = th.frames.back().pc;
    uint32_t base = th.frames.back().base;
    uint64_t* v = th.values.data();
    uint32_t sp = th.sp;
    uint64_t left = budget;

// Write the cached registers back before anything that looks at the thread.
#define SYNC()                                                                                     \
    do {                                                                                           \
        th.frames.back().pc = pc;                                                                  \
        th.sp = sp;                                                                                \
        th.steps += budget - left;                                                                 \
        budget = left;                                                                             \
    } while (0)
#define RELOAD()                                                                                   \
    do {                                                                                           \
        fn = &frame_function(prog, th, th.frames.back());                                          \
        code = fn->code.data();                                                                    \
        pc = th.frames.back().pc;                                                                  \
        base = th.frames.back().base;                                                              \
        v = th.values.data();                                                                      \
        sp = th.sp;                                                                                \
    } while (0)
#define STOP(e)                                                                                    \
    do {                                                                                           \
        SYNC();                                                                                    \
        return th.exit = (e);                                                                      \
    } while (0)
#define BIN(expr)                                                                                  \
    {                                                                                              \
        uint64_t b = v[--sp];                                                                      \
        uint64_t a = v[sp - 1];                                                                    \
        v[sp - 1] = (expr);                                                                        \
        break;                                                                                     \
    }

    while (true) {
        if (left == 0) STOP(Exit::Budget);
        left--;
        const Insn& in = code[pc++];
        switch (in.op) {
        case Op::Nop: break;
        case Op::Const: v[sp++] = in.imm; break;
        case Op::Local: v[sp++] = v[base + in.a]; break;
        case Op::SetLocal: v[base + in.a] = v[--sp]; break;
        case Op::TeeLocal: v[base + in.a] = v[sp - 1]; break;
        case Op::FrameAddr:
            v[sp++] = (th.stack_base + th.frames.back().frame_off + in.imm) &
                      prog.target().pointer_mask();
            break;
        case Op::Load: {
            uint64_t addr = v[sp - 1];
            uint64_t so = addr - th.stack_base;
            if (addr >= th.stack_base && so + in.x <= th.stack.size()) {
                v[sp - 1] = load_value(th.stack.data() + so, in.x, in.y);
                break;
            }
            uint8_t buf[8];
            if (!vm_read(prog, th, host, addr, buf, in.x, th.fault)) {
                pc--;
                STOP(Exit::Fault);
            }
            v[sp - 1] = load_value(buf, in.x, in.y);
            break;
        }
        case Op::Store: {
            uint64_t val = v[--sp];
            uint64_t addr = v[sp - 1];
            uint64_t so = addr - th.stack_base;
            if (addr >= th.stack_base && so + in.x <= th.stack.size()) {
                std::memcpy(th.stack.data() + so, &val, in.x);
            } else if (!vm_write(prog, th, host, addr, &val, in.x, th.fault)) {
                pc--;
                sp++;
                STOP(Exit::Fault);
            }
            v[sp - 1] = val;
            break;
        }
        case Op::Pop: sp--; break;
        case Op::Dup:
            v[sp] = v[sp - 1];
            sp++;
            break;
        case Op::Swap: std::swap(v[sp - 1], v[sp - 2]); break;
        case Op::Add: BIN(a + b)
        case Op::Sub: BIN(a - b)
        case Op::Mul: BIN(a * b)
        case Op::And: BIN(a & b)
        case Op::Or: BIN(a | b)
        case Op::Xor: BIN(a ^ b)
        case Op::Shl: BIN(a << (b & in.x))
        case Op::ShrS: BIN(static_cast<uint64_t>(static_cast<int64_t>(a) >> (b & in.x)))
        case Op::ShrU: BIN(a >> (b & in.x))
        case Op::DivS:
        case Op::RemS: {
            int64_t b = static_cast<int64_t>(v[sp - 1]), a = static_cast<int64_t>(v[sp - 2]);
            int64_t min = in.x == 8 ? INT64_MIN : INT32_MIN;
            if (b == 0 || (a == min && b == -1)) {
                pc--;
                STOP(Exit::DivideError);
            }
            sp--;
            v[sp - 1] = static_cast<uint64_t>(in.op == Op::DivS ? a / b : a % b);
            break;
        }
        case Op::DivU:
        case Op::RemU: {
            uint64_t b = v[sp - 1], a = v[sp - 2];
            if (b == 0) {
                pc--;
                STOP(Exit::DivideError);
            }
            sp--;
            v[sp - 1] = in.op == Op::DivU ? a / b : a % b;
            break;
        }
        case Op::Eq: BIN(a == b)
        case Op::Ne: BIN(a != b)
        case Op::LtS: BIN(static_cast<int64_t>(a) < static_cast<int64_t>(b))
        case Op::LtU: BIN(a < b)
        case Op::LeS: BIN(static_cast<int64_t>(a) <= static_cast<int64_t>(b))
        case Op::LeU: BIN(a <= b)
        case Op::GtS: BIN(static_cast<int64_t>(a) > static_cast<int64_t>(b))
        case Op::GtU: BIN(a > b)
        case Op::GeS: BIN(static_cast<int64_t>(a) >= static_cast<int64_t>(b))
        case Op::GeU: BIN(a >= b)
        case Op::Neg: v[sp - 1] = 0 - v[sp - 1]; break;
        case Op::Not: v[sp - 1] = ~v[sp - 1]; break;
        case Op::LNot: v[sp - 1] = v[sp - 1] == 0; break;
        case Op::Ext: v[sp - 1] = ext(v[sp - 1], in.x); break;
        case Op::Jmp: pc = static_cast<uint32_t>(in.a); break;
        case Op::Jz:
            if (v[--sp] == 0) pc = static_cast<uint32_t>(in.a);
            break;
        case Op::Jnz:
            if (v[--sp] != 0) pc = static_cast<uint32_t>(in.a);
            break;
        case Op::Call:
        case Op::CallPtr: {
            uint32_t nargs = in.x;
            uint32_t target = static_cast<uint32_t>(in.a);
            if (in.op == Op::CallPtr) {
                uint64_t addr = v[sp - nargs - 1];
                if (!prog.function_at(addr, target)) {
                    th.fault = Fault{addr, Access::Exec, false};
                    pc--;
                    STOP(Exit::Fault);
                }
                for (uint32_t i = 0; i < nargs; i++) v[sp - nargs - 1 + i] = v[sp - nargs + i];
                sp--;
            }
            SYNC();
            if (!push_frame(th, prog.functions[target], target, nargs)) {
                th.fault.addr = th.stack_base - 8;
                th.frames.back().pc = pc - 1;
                return th.exit = Exit::StackOverflow;
            }
            if (!push_linkage(prog, th, host)) {
                th.frames.pop_back();
                th.frames.back().pc = pc - 1;
                return th.exit = Exit::Fault;
            }
            RELOAD();
            break;
        }
        case Op::CallBuiltin: {
            SYNC();
            uint64_t ret = 0;
            th.budget_left = left;
            th.charge = 0;
            BuiltinStatus st =
                host.call(static_cast<uint32_t>(in.a), v + sp - in.x, in.x, th, ret, th.fault);
            v = th.values.data();
            if (th.charge) {
                uint64_t c = std::min(th.charge, left);
                left -= c;
                budget -= c;
                th.steps += c;
                th.charge = 0;
            }
            sp -= in.x;
            v[sp++] = ret;
            th.sp = sp;
            if (st == BuiltinStatus::Fault) {
                th.frames.back().pc = pc - 1;
                return th.exit = Exit::Fault;
            }
            if (st == BuiltinStatus::Kill) return th.exit = Exit::Killed;
            if (st == BuiltinStatus::Block) return th.exit = Exit::Blocked;
            break;
        }
        case Op::Ret:
        case Op::RetVoid: {
            uint64_t r = in.op == Op::Ret ? v[sp - 1] : 0;
            uint32_t b = th.frames.back().base;
            th.frames.pop_back();
            if (th.frames.empty()) {
                th.result = r;
                th.sp = b;
                th.steps += budget - left;
                return th.exit = Exit::Done;
            }
            v[b] = r;
            th.sp = b + 1;
            RELOAD();
            break;
        }
        case Op::Zero: {
            // Bulk work costs budget too (8 bytes per instruction), so it cannot hang.
            if (in.imm / 8 > left) {
                pc--;
                left = 0;
                STOP(Exit::Budget);
            }
            left -= in.imm / 8;
            uint64_t addr = v[--sp];
            static const uint8_t zeros[64] = {};
            for (uint64_t done = 0; done < in.imm;) {
                uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(64, in.imm - done));
                if (!vm_write(prog, th, host, addr + done, zeros, n, th.fault)) {
                    sp++;
                    pc--;
                    STOP(Exit::Fault);
                }
                done += n;
            }
            break;
        }
        case Op::Copy: {
            if (in.imm / 8 > left) {
                pc--;
                left = 0;
                STOP(Exit::Budget);
            }
            left -= in.imm / 8;
            uint64_t src = v[sp - 1], dst = v[sp - 2];
            uint8_t buf[64];
            for (uint64_t done = 0; done < in.imm;) {
                uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(64, in.imm - done));
                if (!vm_read(prog, th, host, src + done, buf, n, th.fault) ||
                    !vm_write(prog, th, host, dst + done, buf, n, th.fault)) {
                    pc--;
                    STOP(Exit::Fault);
                }
                done += n;
            }
            sp--;
            break;
        }
        }
    }
#undef SYNC
#undef RELOAD
#undef STOP
#undef BIN
}

const char* op_name(Op op) {
    static const char* names[] = {
        "nop",  "const", "local",   "setlocal",    "teelocal", "frameaddr", "load", "store",
        "pop",  "dup",   "swap",    "add",         "sub",      "mul",       "divs", "divu",
        "rems", "remu",  "and",     "or",          "xor",      "shl",       "shrs", "shru",
        "eq",   "ne",    "lts",     "ltu",         "les",      "leu",       "gts",  "gtu",
        "ges",  "geu",   "neg",     "not",         "lnot",     "ext",       "jmp",  "jz",
        "jnz",  "call",  "callptr", "callbuiltin", "ret",      "retvoid",   "zero", "copy"};
    size_t i = static_cast<size_t>(op);
    return i < sizeof(names) / sizeof(names[0]) ? names[i] : "?";
}

} // namespace klab::kc
