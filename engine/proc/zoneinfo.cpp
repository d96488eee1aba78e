// /proc/zoneinfo: models mm/vmstat.c zoneinfo_show_print() for 6.1 (no "promo" line, the
// old pageset layout). Counters of subsystems the lab does not model yet print 0; the slab
// and kernel-stack node counters are the ones /proc/meminfo shows.
// Modelled config: x86_64 has NUMA (numa_* lines) and NUMA_BALANCING; both presets have
// ZSMALLOC and SWAP.
#include <cstdio>
#include <string>
#include <string_view>

#include "machine/kernel.h"
#include "mm/kstack.h"
#include "proc/proc.h"

namespace klab {

namespace {

const char* const kNodeStats[] = {
    "nr_inactive_anon",
    "nr_active_anon",
    "nr_inactive_file",
    "nr_active_file",
    "nr_unevictable",
    "nr_slab_reclaimable",
    "nr_slab_unreclaimable",
    "nr_isolated_anon",
    "nr_isolated_file",
    "workingset_nodes",
    "workingset_refault_anon",
    "workingset_refault_file",
    "workingset_activate_anon",
    "workingset_activate_file",
    "workingset_restore_anon",
    "workingset_restore_file",
    "workingset_nodereclaim",
    "nr_anon_pages",
    "nr_mapped",
    "nr_file_pages",
    "nr_dirty",
    "nr_writeback",
    "nr_writeback_temp",
    "nr_shmem",
    "nr_shmem_hugepages",
    "nr_shmem_pmdmapped",
    "nr_file_hugepages",
    "nr_file_pmdmapped",
    "nr_anon_transparent_hugepages",
    "nr_vmscan_write",
    "nr_vmscan_immediate_reclaim",
    "nr_dirtied",
    "nr_written",
    "nr_throttled_written",
    "nr_kernel_misc_reclaimable",
    "nr_foll_pin_acquired",
    "nr_foll_pin_released",
    "nr_kernel_stack",
    "nr_page_table_pages",
    "nr_sec_page_table_pages",
    "nr_swapcached",
};
const char* const kNumaBalancingStats[] = {"pgpromote_success", "pgpromote_candidate"};

// The node counters the model keeps (node_page_state_pages(): pages, except the kB of
// NR_KERNEL_STACK_KB); the others are 0.
unsigned long long node_stat(const Kernel& k, std::string_view name) {
    if (name == "nr_slab_reclaimable") return slab_reclaimable_pages(k);
    if (name == "nr_slab_unreclaimable") return slab_unreclaimable_pages(k);
    if (name == "nr_kernel_stack") return kernel_stack_kb(k);
    return 0;
}

void line(std::string& s, const char* name, unsigned long long v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "\n      %-12s %llu", name, v);
    s += buf;
}

} // namespace

namespace {

void print_zone_watermarks(std::string& s, const Kernel& k, const zone& z) {
    char buf[320];
    std::snprintf(buf, sizeof buf,
                  "\n  pages free     %lld"
                  "\n        boost    %llu"
                  "\n        min      %llu"
                  "\n        low      %llu"
                  "\n        high     %llu"
                  "\n        spanned  %llu"
                  "\n        present  %llu"
                  "\n        managed  %llu"
                  "\n        cma      %d",
                  (long long)z.nr_free_pages, (unsigned long long)z.watermark_boost,
                  (unsigned long long)z.min_wmark(), (unsigned long long)z.low_wmark(),
                  (unsigned long long)z.high_wmark(), (unsigned long long)z.spanned_pages,
                  (unsigned long long)z.present_pages, (unsigned long long)z.managed_pages, 0);
    s += buf;
    // lowmem_reserve[] has MAX_NR_ZONES entries.
    std::snprintf(buf, sizeof buf, "\n        protection: (%lld", (long long)z.lowmem_reserve[0]);
    s += buf;
    for (size_t i = 1; i < k.mm.zones.size(); ++i) {
        std::snprintf(buf, sizeof buf, ", %lld", (long long)z.lowmem_reserve[i]);
        s += buf;
    }
    s += ')';
}

void print_zone_counters(std::string& s, const zone& z, bool numa) {
    line(s, "nr_free_pages", (unsigned long long)z.nr_free_pages);
    for (const char* n : {"nr_zone_inactive_anon", "nr_zone_active_anon", "nr_zone_inactive_file",
                          "nr_zone_active_file", "nr_zone_unevictable", "nr_zone_write_pending",
                          "nr_mlock", "nr_bounce", "nr_zspages", "nr_free_cma"})
        line(s, n, 0);
    if (!numa) return;
    // One node: every hit is local.
    line(s, "numa_hit", z.numa_hit);
    line(s, "numa_miss", 0);
    line(s, "numa_foreign", 0);
    line(s, "numa_interleave", 0);
    line(s, "numa_local", z.numa_hit);
    line(s, "numa_other", 0);
}

void print_zone_pagesets(std::string& s, const zone& z) {
    char buf[200];
    s += "\n  pagesets";
    for (size_t cpu = 0; cpu < z.pageset.size(); ++cpu) {
        const per_cpu_pages& p = z.pageset[cpu];
        std::snprintf(buf, sizeof buf,
                      "\n    cpu: %zu"
                      "\n              count: %d"
                      "\n              high:  %d"
                      "\n              batch: %d"
                      "\n  vm stats threshold: %d",
                      cpu, p.count, p.high, p.batch, z.stat_threshold);
        s += buf;
    }
    std::snprintf(buf, sizeof buf,
                  "\n  node_unreclaimable:  %u"
                  "\n  start_pfn:           %llu\n",
                  0u, (unsigned long long)z.zone_start_pfn);
    s += buf;
}

} // namespace

std::string proc_zoneinfo(const Kernel& k) {
    const bool numa = k.config.arch == Arch::x86_64;
    std::string s;
    char buf[64];
    bool first_populated = true;
    for (const zone& z : k.mm.zones) {
        std::snprintf(buf, sizeof buf, "Node %d, zone %8s", 0, zone_kind_name(z.kind));
        s += buf;
        if (z.populated() && first_populated) {
            first_populated = false;
            s += "\n  per-node stats";
            for (const char* n : kNodeStats) line(s, n, node_stat(k, n));
            if (numa)
                for (const char* n : kNumaBalancingStats) line(s, n, 0);
        }
        print_zone_watermarks(s, k, z);
        if (!z.populated()) {
            s += '\n'; // an empty zone ends after its protection line
            continue;
        }
        print_zone_counters(s, z, numa);
        print_zone_pagesets(s, z);
    }
    return s;
}

} // namespace klab
