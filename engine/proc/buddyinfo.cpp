// /proc/buddyinfo and /proc/pagetypeinfo: models mm/vmstat.c frag_show_print(),
// pagetypeinfo_showfree_print() and pagetypeinfo_showblockcount_print(). No page_owner, so
// no "Number of mixed blocks" table.
#include <cstdio>
#include <string>

#include "machine/kernel.h"
#include "mm/internal.h"
#include "proc/proc.h"

namespace klab {

namespace {
void appendf(std::string& s, const char* f, unsigned long long v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, f, v);
    s += buf;
}
void zone_head(std::string& s, const char* f, const zone& z) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, 0, zone_kind_name(z.kind));
    s += buf;
}
} // namespace

std::string proc_buddyinfo(const Kernel& k) {
    std::string s;
    for (const zone& z : k.mm.zones) {
        if (!z.populated()) continue;
        zone_head(s, "Node %d, zone %8s ", z);
        for (const free_area& a : z.free_area) appendf(s, "%6llu ", a.nr_free);
        s += '\n';
    }
    return s;
}

std::string proc_pagetypeinfo(const Kernel& k) {
    const MemoryModel& m = k.mm;
    std::string s;
    appendf(s, "Page block order: %llu\n", m.pageblock_order);
    appendf(s, "Pages per block:  %llu\n", m.pageblock_nr_pages());
    s += '\n';
    char buf[96];
    std::snprintf(buf, sizeof buf, "%-43s ", "Free pages count per migrate type at order");
    s += buf;
    for (uint32_t o = 0; o < MAX_ORDER; ++o) appendf(s, "%6llu ", o);
    s += '\n';
    for (const zone& z : m.zones) {
        if (!z.populated()) continue;
        for (uint32_t mt = 0; mt < MIGRATE_TYPES; ++mt) {
            std::snprintf(buf, sizeof buf, "Node %4d, zone %8s, type %12s ", 0,
                          zone_kind_name(z.kind), migratetype_name(mt));
            s += buf;
            for (uint32_t o = 0; o < MAX_ORDER; ++o) {
                // Linux stops counting at 100000 (the walk holds the zone lock).
                unsigned long long n = 0;
                for (pfn_t p = z.free_area[o].free_list[mt].head; p != NO_PFN && n < 100000;
                     p = m.mem_map[p].lru_next)
                    ++n;
                s += n >= 100000 ? ">" : "";
                appendf(s, "%6llu ", n);
            }
            s += '\n';
        }
    }
    std::snprintf(buf, sizeof buf, "\n%-23s", "Number of blocks type ");
    s += buf;
    for (uint32_t mt = 0; mt < MIGRATE_TYPES; ++mt) {
        std::snprintf(buf, sizeof buf, "%12s ", migratetype_name(mt));
        s += buf;
    }
    s += '\n';
    for (const zone& z : m.zones) {
        if (!z.populated()) continue;
        unsigned long long count[MIGRATE_TYPES] = {};
        for (uint64_t p = z.zone_start_pfn; p < z.end_pfn(); p += m.pageblock_nr_pages())
            count[get_pageblock_migratetype(m, pfn_t(p))]++;
        zone_head(s, "Node %d, zone %8s ", z);
        for (uint32_t mt = 0; mt < MIGRATE_TYPES; ++mt) appendf(s, "%12llu ", count[mt]);
        s += '\n';
    }
    return s;
}

} // namespace klab
