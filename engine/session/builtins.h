// The kernel API as KernelC builtins. Each subsystem binds its functions in its own small
// file (bind_*.cpp) with a C prototype and an implementation; later issues add files (slab,
// vmalloc, tasks) and one line to bind_all().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "kc/vm.h"
#include "lib/vsprintf.h"
#include "session/state.h"

namespace klab {

class KernelHost;

// One call of a builtin: its arguments, and everything it may touch.
struct CallCtx {
    SessionState& st;
    kc::Thread& th;
    KernelHost& host;
    const uint64_t* args;
    uint32_t nargs;
    uint64_t ret = 0;
    kc::Fault fault;

    Kernel& k() { return st.kernel; }
    uint64_t arg(uint32_t i) const { return i < nargs ? args[i] : 0; }
    // Read a C string from a KernelC pointer; false (with fault set) if it faults.
    bool string(uint64_t addr, std::string& out, uint32_t max = 4096);
    bool read(uint64_t addr, void* dst, uint32_t n);
    bool write(uint64_t addr, const void* src, uint32_t n);
};

using BuiltinFn = kc::BuiltinStatus (*)(CallCtx&);

struct BuiltinTable {
    std::vector<BuiltinFn> fns; // indexed by builtin id
};

// Declares `prototype` in prog and records fn under the builtin's id.
Result<void> bind(kc::Program& prog, BuiltinTable& table, const char* prototype, BuiltinFn fn);
Result<void> bind_constant(kc::Program& prog, const char* name, const char* type, uint64_t value);
// Whether name is already a builtin, function, global, constant, typedef or macro of prog.
bool is_declared(const kc::Program& prog, std::string_view name);
// bind()/bind_constant() unless the name is already declared: for helpers that another
// subsystem (or a student's own definition) may already provide, which then wins.
Result<void> bind_if_free(kc::Program& prog, BuiltinTable& table, const char* name,
                          const char* prototype, BuiltinFn fn);
Result<void> bind_constant_if_free(kc::Program& prog, const char* name, const char* type,
                                   uint64_t value);

Result<void> bind_prelude(kc::Program& prog); // typedefs and macros of the kernel headers
Result<void> bind_printk(kc::Program& prog, BuiltinTable& table);
Result<void> bind_string(kc::Program& prog, BuiltinTable& table);
Result<void> bind_page_alloc(kc::Program& prog, BuiltinTable& table);
Result<void> bind_context(kc::Program& prog, BuiltinTable& table);
Result<void> bind_slab(kc::Program& prog, BuiltinTable& table);
Result<void> bind_vm(kc::Program& prog, BuiltinTable& table);
Result<void> bind_highmem(kc::Program& prog, BuiltinTable& table);
Result<void> bind_preempt(kc::Program& prog, BuiltinTable& table);
// Constants that depend on the booted machine (NR_CPUS); called after bind_all().
Result<void> bind_machine_constants(kc::Program& prog, const Kernel& k);
Result<void> bind_errno(kc::Program& prog);
Result<void> bind_all(kc::Program& prog, BuiltinTable& table);

inline kc::BuiltinStatus ok(CallCtx& c, uint64_t v) {
    c.ret = v;
    return kc::BuiltinStatus::Ok;
}

} // namespace klab
