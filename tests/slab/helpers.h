// Shared helpers for the slab tests: machines booted with the slab layer, and the checkers.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "machine/kernel.h"
#include "mm/check.h"
#include "slab/check.h"
#include "slab/slab.h"
#include "slab/slab_query.h"

namespace klab::test {

inline Kernel boot_slab(Arch arch = Arch::x86_64, uint32_t cpus = 2, const std::string& cmdline = "",
                        uint64_t mem = 0) {
    MachineConfig c = MachineConfig::preset(arch);
    c.nr_cpus = cpus;
    c.cmdline = cmdline;
    if (mem) c.mem_bytes = mem;
    Result<Kernel> r = Kernel::boot(c);
    REQUIRE(r.ok());
    return std::move(r).value();
}

inline bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

inline const kmem_cache& cache_named(const Kernel& k, const std::string& name) {
    uint32_t id = cache_by_name(k, name);
    REQUIRE(id != NO_CACHE);
    return k.slab.caches[id];
}

} // namespace klab::test

#define CHECK_SLAB(k)                                                                              \
    do {                                                                                           \
        CHECK_MESSAGE(::klab::check_slab_caches(k).empty(), ::klab::check_slab_caches(k));         \
        CHECK_MESSAGE(::klab::check_page_alloc(k).empty(), ::klab::check_page_alloc(k));           \
    } while (0)
