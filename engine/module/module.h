// Loadable modules and kallsyms: the parts of kernel/module/ and kernel/kallsyms.c the lab
// shows. A module is KernelC code with module_init/module_exit; its functions are symbols
// (name, address, size, module) that %pS, call traces and /proc/kallsyms-style lookups find.
// Simplifications: symbols are the KernelC functions only (the model's own kernel functions
// have no addresses: traces print them by name); the console's running statement is one
// symbol, "console_stmt", just below the module text.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace klab {

struct Kernel;

// MODULE_STATE_* of include/linux/module.h.
enum class ModuleState : uint8_t { unformed, coming, live, going };

struct Module {
    std::string name;
    std::string init, exit; // KernelC function names ("" if none)
    std::string license;    // "" = unspecified
    ModuleState state = ModuleState::unformed; // unformed: defined, not loaded
    bool loaded() const { return state == ModuleState::live || state == ModuleState::going; }
};

struct KernelSymbol {
    std::string name;
    uint64_t addr = 0;
    uint32_t size = 0;  // printed after the offset
    uint32_t span = 0;  // bytes of text that belong to it (>= size)
    std::string module; // "" for a console definition
};

struct Kallsyms {
    std::vector<KernelSymbol> syms; // by address, no overlaps
    KernelSymbol stmt;              // the console statement running now ("console_stmt")
};

struct ModuleList {
    std::map<std::string, Module> modules; // by name
};

// Adds or replaces the symbol at sym.addr (a redefinition keeps its address).
void kallsyms_add(Kernel& k, KernelSymbol sym);
// The statement the console runs next: its code is `size` bytes at `addr`.
void kallsyms_set_statement(Kernel& k, uint64_t addr, uint32_t size);
// The symbol containing addr, or nullptr.
const KernelSymbol* kallsyms_lookup(const Kernel& k, uint64_t addr);
// %pS: "fn+0x1c/0x80 [mod]"; %ps: "fn" (with_offset false); "" if addr is no symbol.
std::string sprint_symbol(const Kernel& k, uint64_t addr, bool with_offset = true);

// "Modules linked in: a(O) b(PO+)": taint letters, '+' while loading, '-' while unloading
// (kernel/module/main.c print_modules()).
std::string modules_linked_in(const Kernel& k);
bool gpl_compatible(const std::string& license);

} // namespace klab
