// Per-CPU memory: models mm/percpu.c's embedded first chunk (pcpu_embed_first_chunk, as x86's
// setup_per_cpu_areas() builds it) and pcpu_alloc()/free_percpu() on it, with
// include/linux/percpu-defs.h's pointer arithmetic (__per_cpu_offset). Layout of each CPU's
// unit: static kernel data, the 8 KiB reserve for modules' DEFINE_PER_CPU data
// (PERCPU_MODULE_RESERVE), then the dynamic area alloc_percpu() takes from, at 4-byte
// granularity (PCPU_MIN_ALLOC_SIZE), lowest fit first.
// Chunks beyond the first (mm/percpu-vm.c pcpu_create_chunk): one VM_ALLOC area of
// nr_units * unit_size taken from the top of the vmalloc space (pcpu_get_vm_areas, aligned to
// the atom; /proc/vmallocinfo shows it with caller "pcpu_get_vm_areas+0x0/0x1a40", whose
// function size is that of some real build, UNVERIFIED for 6.1), populated page by page on
// demand, one page from the page allocator per unit (highmem allowed) mapped into each unit.
// pcpu_alloc() searches chunks by slot (contiguous free bytes, smallest that fits first) and
// creates a chunk when none fits; pcpu_balance_workfn() then keeps PCPU_EMPTY_POP_PAGES_LOW..HIGH
// (2..4) empty populated pages (populating chunks, or creating one), frees all fully free
// chunks but one (the one emptied last, at the head of the free slot), and chunks with no
// populated page. /proc/meminfo's Percpu counts every populated page of every unit.
// Simplifications: the balance work runs at the end of the call that schedules it, not from a
// kworker; within one slot chunks are taken in creation order (Linux keeps list order that
// depends on how chunks moved); pcpu_reclaim_populated() (depopulating partly used chunks)
// and the sidelined/isolated slots are not modelled; chunk metadata (alloc/bound maps,
// pcpu_mem_zalloc'ed, vmalloc'ed when large) comes from no allocator; atomic (GFP_NOWAIT)
// allocations are not offered. The first chunk lies inside the kernel image's boot
// reservation instead of a memblock allocation of its own, so boot's free page counts stay
// as they were; the static size is a fixed, plausible figure for a 6.1 distribution kernel
// (UNVERIFIED); NR_CPUS equals the machine's CPU count; a CPU the machine does not have gets
// BOOT_PERCPU_OFFSET, as a possible-but-absent CPU does in Linux.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "mm/mmzone.h"

namespace klab {

struct Kernel;

inline constexpr uint32_t PCPU_MIN_ALLOC_SIZE = 4;
inline constexpr uint32_t PCPU_MIN_UNIT_SIZE = 32u << 10;
inline constexpr uint32_t PERCPU_MODULE_RESERVE = 8u << 10;

// A chunk created after boot (struct pcpu_chunk).
struct PcpuChunk {
    uint64_t base_addr = 0;             // chunk->base_addr: the vm area's start (unit 0)
    std::map<uint32_t, uint32_t> alloc; // offset in unit -> size
    std::vector<uint8_t> populated;     // per page of the unit
    std::vector<std::vector<pfn_t>> pages; // [page][unit]: frames of populated pages
    uint64_t free_seq = 0;              // when it last entered the free slot (head = newest)
};

struct PercpuState {
    uint64_t per_cpu_start = 0; // __per_cpu_start: 0 on x86_64 (zero-based section)
    uint64_t boot_offset = 0;   // BOOT_PERCPU_OFFSET, for CPUs the machine lacks
    uint64_t base_addr = 0;     // pcpu_base_addr: unit 0 in the direct map
    uint32_t static_size = 0, reserved_size = 0, dyn_size = 0, unit_size = 0;
    uint32_t atom_size = 0;
    std::vector<uint64_t> unit_off;     // pcpu_unit_offsets[cpu]
    std::map<uint32_t, uint32_t> alloc; // dynamic allocations: offset in unit -> size
    uint64_t nr_populated = 0;          // pcpu_nr_populated (pages per unit, all chunks)
    std::vector<PcpuChunk> chunks;      // chunks after the first, in creation order
    uint64_t seq = 0;                   // for PcpuChunk::free_seq
    int32_t warn_limit = 10;            // pcpu_alloc's failure warnings left
    uint64_t chunks_created = 0, chunks_destroyed = 0;
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

// pcpu_nr_empty_pop_pages: populated pages of the dynamic areas with nothing allocated.
uint32_t pcpu_nr_empty_pop_pages(const Kernel& k);

// Invariants: allocations are aligned to 4, inside the dynamic area (or the chunk's unit),
// do not overlap and lie on populated pages; populated pages are mapped in every unit, the
// others are not; the page counter matches.
std::string check_percpu(const Kernel& k);

} // namespace klab
