// The bridge between the KernelC VM and the kernel model: loads and stores go to the model's
// memory (a fault becomes an oops), builtin calls go to the bound kernel API, and virtual
// time advances with the instructions the VM has run.
#pragma once

#include "kc/vm.h"
#include "session/builtins.h"
#include "session/state.h"

namespace klab {

class KernelHost : public kc::Host {
public:
    // The thread runs as the current task; frames it pushes are recorded on top of the
    // return addresses already there (a constructor run inside a slab call).
    KernelHost(SessionState& st, const BuiltinTable& table);

    bool read(uint64_t addr, void* dst, uint32_t n, kc::Fault& f) override;
    bool write(uint64_t addr, const void* src, uint32_t n, kc::Fault& f) override;
    kc::BuiltinStatus call(uint32_t id, const uint64_t* args, uint32_t nargs, kc::Thread& th,
                           uint64_t& ret, kc::Fault& f) override;

    // Moves the clock forward by the instructions th ran since the last call (1 ns each).
    void account(const kc::Thread& th);
    // Writes th's return addresses into current's stack record (task_struct::ret_ips), for
    // the kernel's unwinder: before every builtin and before a death report.
    void record_frames(const kc::Thread& th);
    // Drops what record_frames() added (the nested thread has returned).
    void forget_frames();
    SessionState& state() { return st_; }
    const BuiltinTable& table() const { return table_; }

private:
    SessionState& st_;
    const BuiltinTable& table_;
    uint64_t accounted_ = 0;
    size_t frames_base_ = 0;
};

// The address the unwinder finds for a KernelC frame, 0 for a kernel trampoline: functions
// at their text address, a console statement at its kallsyms "console_stmt" symbol.
uint64_t frame_ip(const kc::Program& prog, const kc::Thread& th, const kc::Frame& fr);
// The statement symbol's address, just below the module text.
uint64_t console_stmt_address(const kc::Program& prog);

} // namespace klab
