// Modules and kallsyms (see module.h).
#include "module/module.h"

#include <algorithm>
#include <cstdio>

#include "machine/kernel.h"

namespace klab {

void kallsyms_add(Kernel& k, KernelSymbol sym) {
    auto& v = k.kallsyms.syms;
    auto it = std::lower_bound(v.begin(), v.end(), sym.addr,
                               [](const KernelSymbol& s, uint64_t a) { return s.addr < a; });
    if (it != v.end() && it->addr == sym.addr)
        *it = std::move(sym);
    else
        v.insert(it, std::move(sym));
}

void kallsyms_set_statement(Kernel& k, uint64_t addr, uint32_t size) {
    k.kallsyms.stmt = KernelSymbol{"console_stmt", addr, size, size, ""};
}

const KernelSymbol* kallsyms_lookup(const Kernel& k, uint64_t addr) {
    const KernelSymbol& st = k.kallsyms.stmt;
    if (st.span && addr >= st.addr && addr < st.addr + st.span) return &st;
    const auto& v = k.kallsyms.syms;
    auto it = std::upper_bound(v.begin(), v.end(), addr,
                               [](uint64_t a, const KernelSymbol& s) { return a < s.addr; });
    if (it == v.begin()) return nullptr;
    --it;
    return addr < it->addr + std::max(it->size, it->span) ? &*it : nullptr;
}

std::string sprint_symbol(const Kernel& k, uint64_t addr, bool with_offset) {
    const KernelSymbol* s = kallsyms_lookup(k, addr);
    if (!s) return "";
    if (!with_offset) return s->name;
    char buf[48];
    std::snprintf(buf, sizeof buf, "+0x%llx/0x%x", static_cast<unsigned long long>(addr - s->addr),
                  s->size);
    std::string out = s->name + buf;
    if (!s->module.empty()) out += " [" + s->module + "]";
    return out;
}

bool gpl_compatible(const std::string& l) {
    return l == "GPL" || l == "GPL v2" || l == "GPL and additional rights" || l == "Dual BSD/GPL" ||
           l == "Dual MIT/GPL" || l == "Dual MPL/GPL";
}

std::string modules_linked_in(const Kernel& k) {
    std::string s = "Modules linked in:";
    for (const auto& [name, m] : k.modules.modules) {
        if (m.state == ModuleState::unformed) continue;
        // module_flags(): P for a proprietary licence, O for out-of-tree (every lab module).
        std::string flags = m.license.empty() || (m.license.find("GPL") == std::string::npos &&
                                                  m.license != "Dual BSD/GPL")
                                ? "PO"
                                : "O";
        if (m.state == ModuleState::coming) flags += "+";
        if (m.state == ModuleState::going) flags += "-";
        s += " " + name + "(" + flags + ")";
    }
    return s;
}

} // namespace klab
