// /proc/meminfo: models fs/proc/meminfo.c meminfo_proc_show(), si_mem_available(),
// vm_commit_limit(), hugetlb_report_meminfo() and x86 arch_report_meminfo() for the
// modelled config (HIGHMEM on i386, ZSWAP, MEMORY_FAILURE, HUGETLB; no THP, no CMA).
// VmallocUsed, Percpu and KernelStack come from mm/vmalloc, mm/percpu and mm/kstack, Slab from
// the slab layer. Counters of subsystems the lab does not model yet (page cache,
// user memory) print 0. The direct map is split as 4 KiB pages for the first 2 MiB (4 MiB on
// i386), 1 GiB pages for whole GiBs above 1 GiB on x86_64, and large pages in between.
#include <algorithm>
#include <cstdio>
#include <string>

#include "machine/kernel.h"
#include "mm/kstack.h"
#include "mm/page_alloc.h"
#include "mm/percpu.h"
#include "mm/vmalloc.h"
#include "proc/proc.h"

namespace klab {

namespace {

void kb(std::string& s, const char* key, unsigned long long pages) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%8llu kB\n", key, pages * 4);
    s += buf;
}

void raw_kb(std::string& s, const char* key, unsigned long long kbytes) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%8llu kB\n", key, kbytes);
    s += buf;
}

// si_mem_available() with no page cache: free pages above the reserves, plus the part of
// reclaimable slab the kernel expects to get back.
int64_t mem_available(const Kernel& k) {
    int64_t available = int64_t(nr_free_pages(k)) - int64_t(k.mm.totalreserve_pages);
    int64_t wmark_low = 0;
    for (const zone& z : k.mm.zones) wmark_low += int64_t(z._watermark[WMARK_LOW]);
    int64_t reclaimable = int64_t(slab_reclaimable_pages(k));
    available += reclaimable - std::min(reclaimable / 2, wmark_low);
    return available < 0 ? 0 : available;
}

} // namespace

std::string proc_meminfo(const Kernel& k) {
    const bool x64 = k.config.arch == Arch::x86_64;
    const uint64_t total = totalram_pages(k);
    const uint64_t free = nr_free_pages(k);
    std::string s;
    kb(s, "MemTotal:       ", total);
    kb(s, "MemFree:        ", free);
    kb(s, "MemAvailable:   ", uint64_t(mem_available(k)));
    for (const char* key :
         {"Buffers:        ", "Cached:         ", "SwapCached:     ", "Active:         ",
          "Inactive:       ", "Active(anon):   ", "Inactive(anon): ", "Active(file):   ",
          "Inactive(file): ", "Unevictable:    ", "Mlocked:        "})
        kb(s, key, 0);
    if (!x64) {
        uint64_t high_total = totalhigh_pages(k), high_free = 0;
        for (const zone& z : k.mm.zones)
            if (z.is_highmem) high_free += uint64_t(z.nr_free_pages);
        kb(s, "HighTotal:      ", high_total);
        kb(s, "HighFree:       ", high_free);
        kb(s, "LowTotal:       ", total - high_total);
        kb(s, "LowFree:        ", free - high_free);
    }
    for (const char* key :
         {"SwapTotal:      ", "SwapFree:       ", "Zswap:          ", "Zswapped:       ",
          "Dirty:          ", "Writeback:      ", "AnonPages:      ", "Mapped:         ",
          "Shmem:          "})
        kb(s, key, 0);
    // The slab layer (slab/slab.h): reclaimable caches and the rest, kmalloc_large included.
    const uint64_t srec = slab_reclaimable_pages(k), sunrec = slab_unreclaimable_pages(k);
    kb(s, "KReclaimable:   ", srec);
    kb(s, "Slab:           ", srec + sunrec);
    kb(s, "SReclaimable:   ", srec);
    kb(s, "SUnreclaim:     ", sunrec);
    raw_kb(s, "KernelStack:    ", kernel_stack_kb(k));
    for (const char* key : {"PageTables:     ", "SecPageTables:  ", "NFS_Unstable:   ",
                            "Bounce:         ", "WritebackTmp:   "})
        kb(s, key, 0);
    // vm_commit_limit(): overcommit_ratio 50% of RAM plus swap (none).
    kb(s, "CommitLimit:    ", total * 50 / 100);
    kb(s, "Committed_AS:   ", 0);
    // VMALLOC_TOTAL >> 10 (x86_64 4-level: 32 TiB - 1 byte); VmallocUsed counts vmalloc'ed
    // pages (vmalloc_nr_pages()), VmallocChunk is always 0 since 4.19.
    raw_kb(s, "VmallocTotal:   ", vmalloc_total_kb(k));
    kb(s, "VmallocUsed:    ", vmalloc_used_pages(k));
    kb(s, "VmallocChunk:   ", 0);
    kb(s, "Percpu:         ", pcpu_nr_pages(k));
    s += "HardwareCorrupted:     0 kB\n";
    s += "HugePages_Total:       0\n";
    s += "HugePages_Free:        0\n";
    s += "HugePages_Rsvd:        0\n";
    s += "HugePages_Surp:        0\n";
    raw_kb(s, "Hugepagesize:   ", x64 ? 2048 : 4096);
    raw_kb(s, "Hugetlb:        ", 0);
    uint64_t ram_kb = uint64_t(k.mm.max_low_pfn) * 4;
    if (x64) {
        uint64_t small = 2048,
                 gig = ram_kb > (1ull << 20) ? (ram_kb >> 20 << 20) - (1ull << 20) : 0;
        uint64_t mid = ram_kb - small - gig;
        raw_kb(s, "DirectMap4k:    ", small);
        raw_kb(s, "DirectMap2M:    ", mid);
        raw_kb(s, "DirectMap1G:    ", gig);
    } else {
        raw_kb(s, "DirectMap4k:    ", 4096);
        raw_kb(s, "DirectMap4M:    ", ram_kb - 4096);
    }
    return s;
}

} // namespace klab
