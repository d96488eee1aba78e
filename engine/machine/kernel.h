// klab::Kernel: the whole simulated machine as one copyable value (a snapshot is a copy).
// It models what start_kernel() leaves behind for the subsystems the lab has so far: the
// memory layout of the preset (e820, zones, memblock reservations), the page allocator, the
// per-CPU contexts, the tasks, the modules and their symbols, the kernel log, the virtual
// clock and the trace buffer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "mm/highmem.h"
#include "mm/kstack.h"
#include "mm/memory.h"
#include "mm/mmzone.h"
#include "mm/percpu.h"
#include "mm/vmalloc.h"
#include "module/module.h"
#include "printk/printk.h"
#include "sched/context.h"
#include "sched/task.h"
#include "slab/slab.h"
#include "time/clock.h"
#include "trace/trace.h"

namespace klab {

// A boot-time memblock reservation, kept so /proc/meminfo and the views can name it.
struct BootReservation {
    pfn_t start = 0;
    pfn_t nr_pages = 0;
    const char* what = ""; // "firmware (first 1 MiB)", "kernel image", "mem_map"
};

// Node 0 (pglist_data) plus the mm globals of mm/page_alloc.c.
struct MemoryModel {
    std::vector<zone> zones;           // node_zones[]: x86_64 DMA DMA32 Normal Movable Device;
                                       // i386 DMA Normal HighMem Movable
    std::vector<page> mem_map;         // indexed by pfn, 0 .. max_pfn-1
    std::vector<uint8_t> pageblock_mt; // migratetype of each pageblock (pfn >> pageblock_order)
    uint32_t pageblock_order = 9;
    pfn_t max_pfn = 0;     // one past the last RAM page
    pfn_t max_low_pfn = 0; // one past the last direct-mapped page (i386: ~896 MiB)
    uint64_t page_offset = 0;
    uint64_t struct_page_base = 0;  // the address mem_map/vmemmap has in the kernel's space
    uint32_t struct_page_size = 64; // sizeof(struct page) in the modelled Linux
    std::vector<BootReservation> reservations;

    // Tunables (/proc/sys/vm) and the values derived from them.
    int32_t min_free_kbytes = 1024;
    int32_t user_min_free_kbytes = -1;
    int32_t watermark_scale_factor = 10;
    int32_t watermark_boost_factor = 15000;
    std::array<int32_t, MAX_NR_ZONES_LIMIT> lowmem_reserve_ratio{};
    uint64_t totalreserve_pages = 0;

    PageContents contents;

    // Rate limits and once-flags of the reports (the statics inside Linux functions).
    uint64_t warn_alloc_last = 0; // ___ratelimit() state of warn_alloc's nopage_rs
    bool warn_alloc_any = false;
    uint32_t warn_alloc_missed = 0;
    uint32_t warn_once_bits = 0; // WARN_ON_ONCE sites that already fired
    uint32_t bad_page_shown = 0; // bad_page()'s nr_shown / nr_unshown / resume statics
    uint32_t bad_page_unshown = 0;
    uint64_t bad_page_resume = 0;
    bool lock_debugging_off = false; // debug_locks cleared by the first lockdep-unsafe taint

    bool has_highmem() const;
    int zone_index(ZoneKind k) const; // -1 if the machine has no such zone
    const zone& zone_of(pfn_t pfn) const { return zones[mem_map[pfn].zone]; }
    uint32_t pageblock_nr_pages() const { return 1u << pageblock_order; }
};

struct Kernel {
    MachineConfig config;
    Clock clock;
    KernelLog log;
    Tracer trace;
    std::vector<CpuContext> cpus;
    uint32_t current_cpu = 0;            // the CPU the next API call runs on
    uint32_t tainted = 0;                // taint bits (printk/dump_stack.h)
    uint64_t might_sleep_prev_jiffy = 0; // __might_resched()'s static prev_jiffy
    KernelPageTable kpt;                 // init_mm's ptes outside the direct map (mm/vmalloc.h)
    VmallocState vmalloc;
    HighmemState highmem;
    PercpuState percpu;
    StackState stacks; // kernel stacks (mm/kstack.h)
    MemoryModel mm;
    SlabModel slab; // the slab caches (slab/slab.h)
    // Frames dump_stack() prints below its own: set by a subsystem around a report so the
    // call trace names the KernelC caller (empty otherwise).
    std::vector<std::string> dump_stack_callers;
    uint32_t die_counter = 0; // the [#N] of oops and BUG() reports (die_header())
    uint32_t panics = 0;      // panic() calls: a real machine stops at the first (arch/x86/traps.h)
    TaskTable tasks;          // task_structs, pids, current per CPU (sched/task.h)
    ModuleList modules;       // loaded and defined modules (module/module.h)
    Kallsyms kallsyms;        // the symbols of KernelC code, for %pS and call traces

    // Boot a machine: lay out memory, reserve what the kernel uses, free the rest to the
    // buddy allocator and compute watermarks. Fails only for an invalid configuration.
    // with_slab = false stops before kmem_cache_init(): the page allocator alone, in the
    // pristine state its unit tests and hand-derived /proc values describe.
    static Result<Kernel> boot(const MachineConfig& config, bool with_slab = true);

    std::string hardware_name() const;
    // How the trace text form should print pointers on this machine.
    TraceFormat trace_format() const;
};

} // namespace klab
