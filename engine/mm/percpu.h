// Per-CPU memory: models mm/percpu.c's embedded first chunk (pcpu_embed_first_chunk, as x86's
// setup_per_cpu_areas() builds it) and pcpu_alloc()/free_percpu() on it, with
// include/linux/percpu-defs.h's pointer arithmetic (__per_cpu_offset). Layout of each CPU's
// unit: static kernel data, the 8 KiB reserve for modules' DEFINE_PER_CPU data
// (PERCPU_MODULE_RESERVE), then the dynamic area alloc_percpu() takes from, at 4-byte
// granularity (PCPU_MIN_ALLOC_SIZE), lowest fit first.
// Simplifications: only the first chunk (when it is full, Linux would vmalloc a new chunk;
// the model reports the allocation failure); the chunk lies inside the kernel image's boot
// reservation instead of a memblock allocation of its own, so boot's free page counts stay
// as they were; the static size is a fixed, plausible figure for a 6.1 distribution kernel
// (UNVERIFIED); NR_CPUS equals the machine's CPU count; a CPU the machine does not have gets
// BOOT_PERCPU_OFFSET, as a possible-but-absent CPU does in Linux.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace klab {

struct Kernel;

inline constexpr uint32_t PCPU_MIN_ALLOC_SIZE = 4;
inline constexpr uint32_t PCPU_MIN_UNIT_SIZE = 32u << 10;
inline constexpr uint32_t PERCPU_MODULE_RESERVE = 8u << 10;

struct PercpuState {
    uint64_t per_cpu_start = 0; // __per_cpu_start: 0 on x86_64 (zero-based section)
    uint64_t boot_offset = 0;   // BOOT_PERCPU_OFFSET, for CPUs the machine lacks
    uint64_t base_addr = 0;     // pcpu_base_addr: unit 0 in the direct map
    uint32_t static_size = 0, reserved_size = 0, dyn_size = 0, unit_size = 0;
    uint32_t atom_size = 0;
    std::vector<uint64_t> unit_off;     // pcpu_unit_offsets[cpu]
    std::map<uint32_t, uint32_t> alloc; // dynamic allocations: offset in unit -> size
    uint64_t nr_populated = 0;          // pcpu_nr_populated (pages per unit)
};

void percpu_init(Kernel& k);

// The boot line "percpu: Embedded 62 pages/cpu s217088 r8192 d28672 u262144".
std::string percpu_embed_banner(const Kernel& k);

// __per_cpu_offset[cpu] (BOOT_PERCPU_OFFSET for a CPU the machine does not have).
uint64_t per_cpu_offset(const Kernel& k, int64_t cpu);
// per_cpu_ptr(ptr, cpu): ptr is a __percpu address.
uint64_t per_cpu_ptr(const Kernel& k, uint64_t ptr, int64_t cpu);
// The __percpu address of the modules' reserve (where KernelC's DEFINE_PER_CPU data goes).
uint64_t percpu_module_base(const Kernel& k);

// __alloc_percpu(size, align): zeroed, or 0 with Linux's warning.
uint64_t __alloc_percpu(Kernel& k, uint64_t size, uint64_t align);
// free_percpu(ptr). A pointer no allocation starts at is reported and ignored.
void free_percpu(Kernel& k, uint64_t ptr);

// pcpu_nr_pages(): what /proc/meminfo's Percpu line shows, in pages.
uint64_t pcpu_nr_pages(const Kernel& k);
// Bytes of the dynamic area in use / free (for the views).
uint64_t percpu_dyn_used(const Kernel& k);

// Invariants: allocations are aligned to 4, inside the dynamic area, and do not overlap.
std::string check_percpu(const Kernel& k);

} // namespace klab
