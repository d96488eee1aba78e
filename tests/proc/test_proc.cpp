// /proc renderers against golden text derived by hand from Linux's formats and formulas
// (tests/proc/golden/*: an x86_64 machine with 64 MiB and 2 CPUs just after boot).
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "machine/kernel.h"
#include "mm/check.h"
#include "mm/page_alloc.h"
#include "proc/proc.h"

using namespace klab;

namespace {

Kernel boot(Arch arch, uint64_t mem) {
    MachineConfig c = MachineConfig::preset(arch);
    c.mem_bytes = mem;
    return Kernel::boot(c, /*with_slab=*/false).value();
}

std::string golden(const char* name) {
    std::ifstream f(std::string(KLAB_TEST_DATA_DIR) + "/proc/golden/" + name, std::ios::binary);
    REQUIRE(f.good());
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::string row(const char* zone, std::initializer_list<int> counts) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "Node 0, zone %8s ", zone);
    std::string s = buf;
    for (int c : counts) {
        std::snprintf(buf, sizeof buf, "%6d ", c);
        s += buf;
    }
    return s + "\n";
}

} // namespace

TEST_CASE("golden: buddyinfo, zoneinfo, meminfo of a fresh 64 MiB x86_64 machine") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    CHECK(proc_buddyinfo(k) == golden("x86_64-64M.buddyinfo"));
    CHECK(proc_zoneinfo(k) == golden("x86_64-64M.zoneinfo"));
    CHECK(proc_meminfo(k) == golden("x86_64-64M.meminfo"));
    CHECK(proc_sys_vm_min_free_kbytes(k) == "712\n");
    CHECK(proc_sys_vm_lowmem_reserve_ratio(k) == "256\t256\t32\t0\t0\n");
}

TEST_CASE("buddyinfo and pagetypeinfo after the first GFP_KERNEL page (split + steal)") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    pfn_t p = alloc_page(k, GFP_KERNEL);
    CHECK(p == 12288);
    CHECK(proc_buddyinfo(k) == row("DMA", {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3}) +
                                   row("DMA32", {1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 2}));
    std::string pt = proc_pagetypeinfo(k);
    CHECK(pt.rfind("Page block order: 9\nPages per block:  512\n\n"
                   "Free pages count per migrate type at order       0      1      2      3      4 "
                   "     5      6      7      8      9     10 \n",
                   0) == 0);
    CHECK(pt.find("Node    0, zone    DMA32, type    Unmovable      1      1      1      1      1 "
                  "     1      1      1      1      1      0 \n") != std::string::npos);
    CHECK(pt.find("Node    0, zone    DMA32, type      Movable      0      0      0      0      0 "
                  "     0      0      0      0      2      2 \n") != std::string::npos);
    CHECK(pt.find("\nNumber of blocks type     Unmovable      Movable  Reclaimable   HighAtomic "
                  "     Isolate \n"
                  "Node 0, zone      DMA            0            8            0            0 "
                  "           0 \n"
                  "Node 0, zone    DMA32            2           22            0            0 "
                  "           0 \n") != std::string::npos);
    CHECK(check_page_alloc(k).empty());
}

TEST_CASE("meminfo on i386 has the HighMem lines and the 4M direct map") {
    Kernel k = boot(Arch::i386, 1ull << 30);
    std::string m = proc_meminfo(k);
    uint64_t high = totalhigh_pages(k) * 4, total = totalram_pages(k) * 4;
    char want[160];
    std::snprintf(
        want, sizeof want,
        "Mlocked:               0 kB\nHighTotal:      %8llu kB\nHighFree:       %8llu kB\n"
        "LowTotal:       %8llu kB\n",
        (unsigned long long)high, (unsigned long long)high, (unsigned long long)(total - high));
    CHECK(m.find(want) != std::string::npos);
    CHECK(high == 131072); // 1024 MiB - 896 MiB
    CHECK(m.find("Hugepagesize:       4096 kB\n") != std::string::npos);
    CHECK(m.find("DirectMap4M:      913408 kB\n") != std::string::npos);
    CHECK(m.find("DirectMap1G") == std::string::npos);
    // Free pages on pcp lists are not MemFree.
    alloc_page(k, GFP_KERNEL);
    std::snprintf(want, sizeof want, "MemFree:        %8llu kB\n",
                  (unsigned long long)(nr_free_pages(k) * 4));
    CHECK(proc_meminfo(k).find(want) != std::string::npos);
    CHECK(nr_free_pages(k) * 4 < total - 4);
}

TEST_CASE("zoneinfo on i386: HighMem min is clamped to 32..128 and no numa lines") {
    Kernel k = boot(Arch::i386, 1ull << 30);
    std::string z = proc_zoneinfo(k);
    size_t h = z.find("Node 0, zone  HighMem\n  pages free     32768\n        boost    0\n"
                      "        min      32\n");
    CHECK(h != std::string::npos);
    CHECK(z.find("numa_hit") == std::string::npos);
    CHECK(z.find("pgpromote_success") == std::string::npos);
    CHECK(z.find("        protection: (0, ") != std::string::npos);
    // Four zones on i386 (DMA Normal HighMem Movable): four protection entries.
    CHECK(z.find("Node 0, zone  Movable\n  pages free     0\n") != std::string::npos);
}

TEST_CASE("writing min_free_kbytes recomputes the watermarks") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    REQUIRE(proc_write(k, "/proc/sys/vm/min_free_kbytes", "4096\n").ok());
    CHECK(proc_read(k, "/proc/sys/vm/min_free_kbytes").value() == "4096\n");
    // pages_min 1024: DMA gets 1024*3840/7936 = 495.
    CHECK(k.mm.zones[0]._watermark[WMARK_MIN] == 495);
    CHECK_FALSE(proc_write(k, "/proc/sys/vm/min_free_kbytes", "abc").ok());
    CHECK_FALSE(proc_write(k, "/proc/buddyinfo", "1").ok());
    CHECK(proc_read(k, "/proc/nope").error().message ==
          "cat: /proc/nope: No such file or directory");
}

TEST_CASE("/proc/cmdline is the boot command line and a newline") {
    MachineConfig c = MachineConfig::preset(Arch::x86_64);
    c.cmdline = "slab_nomerge no_hash_pointers";
    Kernel k = Kernel::boot(c, /*with_slab=*/false).value();
    CHECK(proc_read(k, "/proc/cmdline").value() == "slab_nomerge no_hash_pointers\n");
    CHECK(proc_read(boot(Arch::i386, 64ull << 20), "/proc/cmdline").value() == "\n");
    CHECK(proc_write(k, "/proc/cmdline", "quiet\n").error().message ==
          "/proc/cmdline: Permission denied");
}

TEST_CASE("golden: the i386 textbook machine (1 GiB) after boot") {
    Kernel k = boot(Arch::i386, 1ull << 30);
    // DMA: 256..4095 free (first 1 MiB reserved). Normal: 7168..227327 free (12 MiB kernel
    // image from 16 MiB, 8 MiB of 32-byte struct pages below 896 MiB). HighMem: 32 x 4 MiB.
    CHECK(proc_buddyinfo(k) == row("DMA", {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3}) +
                                   row("Normal", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 215}) +
                                   row("HighMem", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32}));
    // lowmem 224000 pages = 896000 kB: int_sqrt(896000 * 16) = 3786; pages_min 946.
    CHECK(proc_read(k, "/proc/sys/vm/min_free_kbytes").value() == "3786\n");
    CHECK(proc_read(k, "/proc/sys/vm/lowmem_reserve_ratio").value() == "256\t32\t0\t0\n");
    std::string z = proc_zoneinfo(k);
    CHECK(z.find("\n  pages free     3840\n        boost    0\n"
                 "        min      16\n        low      20\n        high     24\n"
                 "        spanned  4095\n        present  3998\n        managed  3840\n"
                 "        cma      0\n        protection: (0, 860, 988, 988)\n") !=
          std::string::npos);
    CHECK(z.find("Node 0, zone   Normal\n  pages free     220160\n        boost    0\n"
                 "        min      929\n        low      1161\n        high     1393\n"
                 "        spanned  225280\n        present  225280\n        managed  220160\n"
                 "        cma      0\n        protection: (0, 0, 1024, 1024)\n") !=
          std::string::npos);
    CHECK(z.find("Node 0, zone  HighMem\n  pages free     32768\n        boost    0\n"
                 "        min      32\n        low      66\n        high     100\n"
                 "        spanned  32768\n        present  32768\n        managed  32768\n"
                 "        cma      0\n        protection: (0, 0, 0, 0)\n") != std::string::npos);
    CHECK(z.find("Node 0, zone  Movable\n  pages free     0\n        boost    0\n"
                 "        min      0\n        low      0\n        high     0\n"
                 "        spanned  0\n        present  0\n        managed  0\n"
                 "        cma      0\n        protection: (0, 0, 0, 0)\n") != std::string::npos);
    // Normal pcp: batch min(220160>>10, 256)/4 = 53 -> rounddown_pow_of_two(79) - 1 = 63;
    // high = low/2 = 580. Stat threshold 2*fls(2 CPUs)*(1+fls(220160 >> 15)) = 16.
    CHECK(z.find("  pagesets\n    cpu: 0\n              count: 0\n              high:  580\n"
                 "              batch: 63\n  vm stats threshold: 16\n") != std::string::npos);
}
