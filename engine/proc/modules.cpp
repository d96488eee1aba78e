// /proc/modules (kernel/module/procfs.c m_show()) and /proc/version (fs/proc/version.c).
// Simplified: every module reports 16384 bytes, no users and the start of the module area as
// its address (the model lays module text out per symbol, not per module).
#include <cstdio>

#include "kc/types.h"
#include "machine/kernel.h"
#include "printk/dump_stack.h"
#include "proc/proc.h"

namespace klab {

std::string proc_modules(const Kernel& k) {
    // Where KernelC puts module text (MODULES_VADDR with KASLR off) and the pointer width.
    const kc::Target t = k.config.arch == Arch::i386 ? kc::Target::i386() : kc::Target::x86_64();
    std::string out;
    for (const auto& [name, m] : k.modules.modules) {
        if (!m.loaded()) continue;
        char buf[160];
        // "(O)" out of tree, "P" proprietary; the state is Live (or Loading/Unloading).
        std::snprintf(buf, sizeof buf, "%s 16384 0 - %s 0x%0*llx (%sO)\n", name.c_str(),
                      m.state == ModuleState::going ? "Unloading" : "Live",
                      static_cast<int>(2 * t.pointer_bytes),
                      static_cast<unsigned long long>(t.module_base),
                      gpl_compatible(m.license) ? "" : "P");
        out += buf;
    }
    return out;
}

std::string uts_version() {
    return std::string(kUtsVersion) + " SMP";
}

std::string proc_version(const Kernel&) {
    return std::string("Linux version ") + kUtsRelease + " (klab@kernel-lab) (KernelC) " +
           uts_version() + "\n";
}

} // namespace klab
