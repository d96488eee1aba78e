// The allocator's reports in the kernel log: warn_alloc() and __show_mem()/__show_free_areas()
// (mm/page_alloc.c, lib/show_mem.c), bad_page()/dump_page() (mm/debug.c), and the WARN and
// VM_BUG_ON reports (kernel/panic.c __warn(), BUG()). Simplifications: dump_page() prints no
// "raw:" hex lines and its flags value holds only the page flags (no node/zone bits); a
// VM_BUG_ON is a BUG() (arch/x86/traps.h: the task dies) as with CONFIG_DEBUG_VM, which
// Debian leaves off; bad_page() is not rate-limited. The modelled config is Debian-like: NUMA on x86_64, CPUSETS, SWAP (no
// swap device), HUGETLB, MEMORY_FAILURE, no CMA, no THP.
#include <cstdarg>
#include <cstdio>
#include <string>

#include "arch/x86/traps.h"
#include "machine/kernel.h"
#include "mm/internal.h"
#include "mm/kstack.h"
#include "mm/page_alloc.h"
#include "mm/page_flags.h"
#include "lib/text.h"
#include "printk/dump_stack.h"
#include "printk/pointer.h"

namespace klab {

namespace {


uint64_t K(uint64_t pages) {
    return pages << 2;
}

bool numa(const Kernel& k) {
    return k.config.arch == Arch::x86_64;
}

std::string node_prefix(const Kernel& k) {
    return numa(k) ? "Node 0 " : "";
}

} // namespace

void warn_once(Kernel& k, uint32_t site, const char* file, int line, const char* func, gfp_t gfp) {
    if (gfp & __GFP_NOWARN) return;
    if (k.mm.warn_once_bits & (1u << site)) return;
    k.mm.warn_once_bits |= 1u << site;
    warn_report(k, file, line, func, {func});
}

void report_vm_bug(Kernel& k, const char* file, int line, const char* func) {
    BUG(k, file, line, {func});
}

void dump_page(Kernel& k, pfn_t p, const char* reason) {
    const MemoryModel& m = k.mm;
    const page& pg = m.mem_map[p];
    int w = k.config.pointer_bytes() * 2;
    pfn_t head = p;
    if (pg.flags & PG_tail) head = find_block_head(m, p);
    const page& hp = m.mem_map[head == NO_PFN ? p : head];
    int mapcount = pg._mapcount + 1;
    printk(k, LogLevel::warning,
           strfmt("page:%0*llx refcount:%d mapcount:%d mapping:%0*d index:0x0 pfn:%#x", w,
               (unsigned long long)printk_pointer_id(k, page_struct_address(k, p)), hp._refcount,
               mapcount, w, 0, p));
    if ((pg.flags & (PG_head | PG_tail)) && head != NO_PFN)
        printk(k, LogLevel::warning,
               strfmt("head:%0*llx order:%u compound_mapcount:0 compound_pincount:0", w,
                   (unsigned long long)printk_pointer_id(k, page_struct_address(k, head)),
                   hp.order));
    printk(k, LogLevel::warning, "flags: " + format_page_flags(k, hp, pg.zone));
    printk(k, LogLevel::warning, strfmt("page dumped because: %s", reason));
}

void bad_page(Kernel& k, pfn_t p, const char* reason) {
    MemoryModel& m = k.mm;
    const task_struct& c = current(k);
    uint64_t now = k.clock.jiffies();
    bool quiet = false;
    // A burst of 60 reports, then silence until a minute after the burst began.
    if (m.bad_page_shown == 60) {
        if (int64_t(now - m.bad_page_resume) < 0) {
            m.bad_page_unshown++;
            quiet = true;
        } else {
            if (m.bad_page_unshown)
                printk(k, LogLevel::alert,
                       strfmt("BUG: Bad page state: %u messages suppressed", m.bad_page_unshown));
            m.bad_page_unshown = 0;
            m.bad_page_shown = 0;
        }
    }
    if (!quiet) {
        if (m.bad_page_shown++ == 0) m.bad_page_resume = now + 60ull * k.clock.hz;
        printk(k, LogLevel::alert,
               strfmt("BUG: Bad page state in process %s  pfn:%05x", c.comm.c_str(), p));
        dump_page(k, p, reason);
        printk(k, LogLevel::warning, modules_linked_in(k));
        dump_stack(k, {"bad_page", "free_pages_prepare", "__free_pages"});
    }
    add_taint(k, TAINT_BAD_PAGE);
    // add_taint(..., LOCKDEP_NOW_UNRELIABLE) turns lock debugging off, once.
    if (!m.lock_debugging_off) {
        m.lock_debugging_off = true;
        printk(k, LogLevel::warning, "Disabling lock debugging due to kernel taint");
    }
    // Linux resets the mapcount so that PageBuddy cannot confuse later checks.
    m.mem_map[p]._mapcount = -1;
}

// The global and per-node counters of __show_free_areas().
static void show_counters(Kernel& k, uint32_t max_zone_idx) {
    const MemoryModel& m = k.mm;
    uint64_t free_pcp = 0, free = 0;
    for (uint32_t zi = 0; zi <= max_zone_idx && zi < m.zones.size(); ++zi) {
        if (!m.zones[zi].populated()) continue;
        free_pcp += uint64_t(m.zones[zi].pcp_count());
    }
    for (const zone& z : m.zones) free += uint64_t(z.nr_free_pages);
    printk(k, LogLevel::warning, "active_anon:0 inactive_anon:0 isolated_anon:0");
    printk(k, LogLevel::warning, " active_file:0 inactive_file:0 isolated_file:0");
    printk(k, LogLevel::warning, " unevictable:0 dirty:0 writeback:0");
    printk(k, LogLevel::warning,
           strfmt(" slab_reclaimable:%llu slab_unreclaimable:%llu",
               (unsigned long long)slab_reclaimable_pages(k), (unsigned long long)slab_unreclaimable_pages(k)));
    printk(k, LogLevel::warning, " mapped:0 shmem:0 pagetables:0");
    printk(k, LogLevel::warning, " sec_pagetables:0 bounce:0");
    printk(k, LogLevel::warning, " kernel_misc_reclaimable:0");
    printk(k, LogLevel::warning,
           strfmt(" free:%llu free_pcp:%llu free_cma:0", (unsigned long long)free,
               (unsigned long long)free_pcp));
    printk(k, LogLevel::warning,
           strfmt("Node 0 active_anon:0kB inactive_anon:0kB active_file:0kB inactive_file:0kB "
                  "unevictable:0kB isolated(anon):0kB isolated(file):0kB mapped:0kB dirty:0kB "
                  "writeback:0kB shmem:0kB writeback_tmp:0kB kernel_stack:%llukB pagetables:0kB "
                  "sec_pagetables:0kB all_unreclaimable? no",
               (unsigned long long)kernel_stack_kb(k)));
}

// One line per zone with its watermarks and sizes, then its lowmem_reserve[].
static void show_zone_lines(Kernel& k, uint32_t max_zone_idx) {
    const MemoryModel& m = k.mm;
    std::string np = node_prefix(k);
    for (uint32_t zi = 0; zi <= max_zone_idx && zi < m.zones.size(); ++zi) {
        const zone& z = m.zones[zi];
        if (!z.populated()) continue;
        int64_t local = z.pageset[k.current_cpu].count;
        printk(
            k, LogLevel::warning,
            np + strfmt("%s free:%llukB boost:%llukB min:%llukB low:%llukB high:%llukB "
                     "reserved_highatomic:%lluKB active_anon:0kB inactive_anon:0kB "
                     "active_file:0kB inactive_file:0kB unevictable:0kB writepending:0kB "
                     "present:%llukB managed:%llukB mlocked:0kB bounce:0kB free_pcp:%llukB "
                     "local_pcp:%llukB free_cma:0kB",
                     zone_kind_name(z.kind), (unsigned long long)K(uint64_t(z.nr_free_pages)),
                     (unsigned long long)K(z.watermark_boost), (unsigned long long)K(z.min_wmark()),
                     (unsigned long long)K(z.low_wmark()), (unsigned long long)K(z.high_wmark()),
                     (unsigned long long)K(z.nr_reserved_highatomic),
                     (unsigned long long)K(z.present_pages), (unsigned long long)K(z.managed_pages),
                     (unsigned long long)K(uint64_t(z.pcp_count())),
                     (unsigned long long)K(uint64_t(local))));
        std::string r = "lowmem_reserve[]:";
        for (size_t j = 0; j < m.zones.size(); ++j)
            r += strfmt(" %lld", (long long)z.lowmem_reserve[j]);
        printk(k, LogLevel::warning, r);
    }
}

// "Node 0 DMA32: 1*4kB (U) 2*8kB (UM) ... = 1234kB": free blocks per order and the types
// of the lists that hold them.
static void show_buddy_lines(Kernel& k, uint32_t max_zone_idx) {
    const MemoryModel& m = k.mm;
    std::string np = node_prefix(k);
    static const char kTypeLetters[MIGRATE_TYPES] = {'U', 'M', 'E', 'H', 'I'};
    for (uint32_t zi = 0; zi <= max_zone_idx && zi < m.zones.size(); ++zi) {
        const zone& z = m.zones[zi];
        if (!z.populated()) continue;
        std::string line = np + zone_kind_name(z.kind) + ": ";
        uint64_t total = 0;
        for (uint32_t o = 0; o < MAX_ORDER; ++o) {
            const free_area& a = z.free_area[o];
            total += uint64_t(a.nr_free) << o;
            line += strfmt("%u*%llukB ", a.nr_free, (unsigned long long)(4ull << o));
            if (!a.nr_free) continue;
            std::string types;
            for (uint32_t t = 0; t < MIGRATE_TYPES; ++t)
                if (!a.free_list[t].empty()) types += kTypeLetters[t];
            line += "(" + types + ") ";
        }
        line += strfmt("= %llukB", (unsigned long long)K(total));
        printk(k, LogLevel::warning, line);
    }
}

// hugetlb_show_meminfo_node(), the page cache total and show_swap_cache_info().
static void show_hugetlb_and_swap(Kernel& k) {
    if (k.config.arch == Arch::x86_64) {
        printk(k, LogLevel::warning,
               "Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 "
               "hugepages_size=1048576kB");
        printk(k, LogLevel::warning,
               "Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 "
               "hugepages_size=2048kB");
    } else {
        printk(k, LogLevel::warning,
               "Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 "
               "hugepages_size=4096kB");
    }
    printk(k, LogLevel::warning, "0 total pagecache pages");
    printk(k, LogLevel::warning, "0 pages in swap cache");
    printk(k, LogLevel::warning, "Free swap  = 0kB");
    printk(k, LogLevel::warning, "Total swap = 0kB");
}

static void show_free_areas(Kernel& k, uint32_t max_zone_idx) {
    show_counters(k, max_zone_idx);
    show_zone_lines(k, max_zone_idx);
    show_buddy_lines(k, max_zone_idx);
    show_hugetlb_and_swap(k);
}

static void show_mem_filtered(Kernel& k, uint32_t max_zone_idx) {
    printk(k, LogLevel::warning, "Mem-Info:");
    show_free_areas(k, max_zone_idx);
    uint64_t total = 0, reserved = 0, highmem = 0;
    for (const zone& z : k.mm.zones) {
        if (!z.populated()) continue;
        total += z.present_pages;
        reserved += z.present_pages - z.managed_pages;
        if (z.is_highmem) highmem += z.present_pages;
    }
    printk(k, LogLevel::warning, strfmt("%llu pages RAM", (unsigned long long)total));
    printk(k, LogLevel::warning,
           strfmt("%llu pages HighMem/MovableOnly", (unsigned long long)highmem));
    printk(k, LogLevel::warning, strfmt("%llu pages reserved", (unsigned long long)reserved));
    printk(k, LogLevel::warning, "0 pages hwpoisoned");
}

// LESSON(alloc-failure) warn_alloc(): one report per 10 seconds at most, none with
// __GFP_NOWARN. Mem-Info leaves out the zones above the request's highest zone
// (warn_alloc_show_mem() passes gfp_zone(gfp_mask) to __show_free_areas()).
void warn_alloc_msg(Kernel& k, gfp_t gfp, const std::string& msg,
                    std::initializer_list<const char*> frames) {
    if (gfp & __GFP_NOWARN) return;
    // ___ratelimit(&nopage_rs): a burst of 1 per 10*HZ; the first report after a quiet
    // interval says how many were suppressed.
    uint64_t now = k.clock.jiffies();
    if (k.mm.warn_alloc_any && now - k.mm.warn_alloc_last < 10ull * k.clock.hz) {
        k.mm.warn_alloc_missed++;
        return;
    }
    if (k.mm.warn_alloc_missed)
        printk(k, LogLevel::warning,
               strfmt("warn_alloc: %u callbacks suppressed", k.mm.warn_alloc_missed));
    k.mm.warn_alloc_missed = 0;
    k.mm.warn_alloc_any = true;
    k.mm.warn_alloc_last = now;
    const task_struct& c = current(k);
    printk(k, LogLevel::warning,
           strfmt("%s: %s, mode:%s, nodemask=(null),cpuset=/,mems_allowed=0", c.comm.c_str(),
                  msg.c_str(), gfp_mode_string(gfp).c_str()));
    dump_stack(k, frames);
    ZoneKind kind = ZoneKind::Normal;
    gfp_zone(gfp, k.mm.has_highmem(), k.mm.zone_index(ZoneKind::DMA32) >= 0, &kind);
    show_mem_filtered(k, uint32_t(k.mm.zone_index(kind)));
}

void warn_alloc(Kernel& k, gfp_t gfp, uint32_t order) {
    warn_alloc_msg(k, gfp, strfmt("page allocation failure: order:%u", order),
                   {"warn_alloc", "__alloc_pages_slowpath", "__alloc_pages"});
}

} // namespace klab
