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
    KernelHost(SessionState& st, const BuiltinTable& table) : st_(st), table_(table) {}

    bool read(uint64_t addr, void* dst, uint32_t n, kc::Fault& f) override;
    bool write(uint64_t addr, const void* src, uint32_t n, kc::Fault& f) override;
    kc::BuiltinStatus call(uint32_t id, const uint64_t* args, uint32_t nargs, kc::Thread& th,
                           uint64_t& ret, kc::Fault& f) override;

    // Moves the clock forward by the instructions th ran since the last call (1 ns each).
    void account(const kc::Thread& th);
    SessionState& state() { return st_; }
    const BuiltinTable& table() const { return table_; }

private:
    SessionState& st_;
    const BuiltinTable& table_;
    uint64_t accounted_ = 0;
};

} // namespace klab
