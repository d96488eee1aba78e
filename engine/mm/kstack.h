// Kernel stacks: models kernel/fork.c alloc_thread_stack_node()/free_thread_stack() and
// account_kernel_stack(). x86_64 (VMAP_STACK): THREAD_SIZE 16 KiB from vmalloc, aligned to
// THREAD_SIZE, with the area's guard page below the next area catching overflows, and up to
// NR_CACHED_STACKS freed stacks kept per CPU for reuse. i386: THREAD_SIZE 8 KiB, an order-1
// block from the page allocator in lowmem. Both: zeroed, STACK_END_MAGIC in the lowest word
// (end_of_stack()). In 6.1 x86 (both presets) selects THREAD_INFO_IN_TASK, so thread_info is
// in task_struct, not at the bottom of the stack as older kernels and the seeds draw it.
// Simplifications: the caller recorded for /proc/vmallocinfo is given by the caller (Linux
// records the return address); the console's own statements run on the KernelC VM's stack,
// which is not allocated here: on x86_64 at VMALLOC_START (mm/vmalloc.cpp keeps that window
// out of the vmalloc range; nothing is mapped below it, as below a guard page); on i386 in
// the kernel image reservation just below the per-CPU first chunk, like init_task's
// init_thread_union, so an overrun (no guard page on x86_32) writes into the lowmem below
// it. Neither is counted in KernelStack.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "mm/mmzone.h"

namespace klab {

struct Kernel;

inline constexpr uint32_t NR_CACHED_STACKS = 2;
inline constexpr uint32_t STACK_END_MAGIC = 0x57AC6E9D;

struct KernelStack {
    uint64_t base = 0;  // lowest address (task->stack)
    pfn_t pfn = NO_PFN; // i386: the order-1 block; x86_64: see the vmalloc area
    bool vmap = false;
};

struct StackState {
    std::map<uint64_t, KernelStack> live;                       // by base: stacks in use
    std::vector<std::array<uint64_t, NR_CACHED_STACKS>> cached; // per CPU, 0 = empty slot
    uint64_t nr_kernel_stack_kb = 0;                            // NR_KERNEL_STACK_KB
};

uint32_t thread_size(const Kernel& k); // THREAD_SIZE of the preset
void kstack_init(Kernel& k);

// A new, zeroed kernel stack: its lowest address, or 0 (out of memory; nothing printed
// beyond what vmalloc/the page allocator print). `caller` is what /proc/vmallocinfo shows.
uint64_t alloc_thread_stack(Kernel& k, const std::string& caller = "kernel_clone+0x9d/0x3c0");
// Release a stack alloc_thread_stack returned (to the per-CPU cache, or freed). False for
// an address that is not a live stack (nothing changes).
bool free_thread_stack(Kernel& k, uint64_t base);
// Lowest address of the stack the console's KernelC statements run on (see above).
uint64_t console_stack_base(const Kernel& k);
// KernelStack: in /proc/meminfo, kB.
uint64_t kernel_stack_kb(const Kernel& k);

// Invariants: counters match the live stacks; cached stacks are vmalloc areas not in use.
std::string check_kstack(const Kernel& k);

} // namespace klab
