// Shared helpers for the mm tests: booting small machines and checking invariants.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "machine/kernel.h"
#include "mm/check.h"

namespace klab::test {

inline Kernel boot(Arch arch, uint64_t mem_bytes, uint32_t cpus = 2) {
    MachineConfig c = MachineConfig::preset(arch);
    c.mem_bytes = mem_bytes;
    c.nr_cpus = cpus;
    Result<Kernel> r = Kernel::boot(c, /*with_slab=*/false); // the page allocator alone
    REQUIRE(r.ok());
    return std::move(r).value();
}

inline std::string dmesg(const Kernel& k) {
    return k.log.dmesg();
}

inline bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

} // namespace klab::test

// The checker must find nothing; on failure doctest prints what it found.
#define CHECK_MM(k) CHECK_MESSAGE(::klab::check_page_alloc(k).empty(), ::klab::check_page_alloc(k))
