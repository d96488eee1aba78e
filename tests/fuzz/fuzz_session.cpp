// libFuzzer entry: every input is console text run by a freshly restored small machine.
// The first byte picks the preset, so both the ILP32 and LP64 code paths are exercised.
// Checks: no crash, no sanitizer report, no hang (each statement has a small budget), and
// every subsystem's invariants hold after each input (machine/check.h).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "session/session.h"

namespace {

struct Machine {
    std::unique_ptr<klab::Session> session;
    klab::Session::Snapshot pristine;
};

Machine boot(klab::Arch arch) {
    klab::MachineConfig c = klab::MachineConfig::preset(arch);
    c.mem_bytes = 64ull << 20; // small, so that restoring the snapshot is cheap
    klab::SessionOptions o;
    o.budget = 200000;
    o.check_invariants = true;
    auto s = klab::Session::create(c, o);
    if (!s.ok()) __builtin_trap();
    Machine m;
    m.session = std::make_unique<klab::Session>(std::move(s.value()));
    m.pristine = m.session->snapshot();
    return m;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static Machine m64 = boot(klab::Arch::x86_64);
    static Machine m32 = boot(klab::Arch::i386);
    if (size == 0 || size > 16384) return 0;
    Machine& m = (data[0] & 1) ? m32 : m64;
    m.session->restore(m.pristine);
    std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
    if (m.session->exec(text, "fuzz.kc").invariant_broken) __builtin_trap();
    return 0;
}
