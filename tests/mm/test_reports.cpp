// Allocation failure report and bad-input reports; the model stays consistent.
#include "helpers.h"

#include <vector>

#include "mm/page_alloc.h"
#include "printk/dump_stack.h"

static std::string print_tainted_for_test(const klab::Kernel& k) {
    return klab::print_tainted(k.tainted);
}

using namespace klab;
using namespace klab::test;

TEST_CASE("a failed allocation prints warn_alloc's report with Mem-Info and buddy lines") {
    Kernel k = boot(Arch::x86_64, 128ull << 20);
    std::vector<pfn_t> held;
    pfn_t p;
    while ((p = alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 10)) != NO_PFN) held.push_back(p);
    CHECK_FALSE(contains(dmesg(k), "page allocation failure"));
    CHECK(alloc_pages(k, GFP_KERNEL | __GFP_COMP, 10) == NO_PFN);
    std::string d = dmesg(k);
    CHECK(contains(d, "] klab-sh: page allocation failure: order:10, "
                      "mode:0x40cc0(GFP_KERNEL|__GFP_COMP), nodemask=(null),cpuset=/,"
                      "mems_allowed=0\n"));
    CHECK(contains(d, "] Mem-Info:\n"));
    CHECK(contains(d, "] active_anon:0 inactive_anon:0 isolated_anon:0\n"));
    CHECK(contains(d, "] Node 0 DMA free:"));
    CHECK(contains(d, "] Node 0 DMA32 free:"));
    CHECK(contains(d, "] lowmem_reserve[]: 0 "));
    CHECK(contains(d, "] Node 0 DMA32: "));
    CHECK(contains(d, "kB (M) "));
    CHECK(contains(d, "] 0 pages in swap cache\n"));
    CHECK(contains(d, " pages RAM\n"));
    CHECK(contains(d, "] 0 pages hwpoisoned\n"));
    // The buddy line sums the free pages of the zone.
    char want[64];
    std::snprintf(want, sizeof want, "= %llukB\n",
                  (unsigned long long)(k.mm.zones[1].nr_free_pages * 4));
    CHECK(contains(d, want));
    // Rate limit: one report per 10 seconds.
    size_t n = k.log.records.size();
    alloc_pages(k, GFP_KERNEL, 10);
    CHECK(k.log.records.size() == n);
    alloc_pages(k, GFP_KERNEL | __GFP_ZERO, 10);
    CHECK(k.log.records.size() == n);
    k.clock.advance_ns(11ull * 1000000000ull);
    alloc_pages(k, GFP_KERNEL, 10);
    CHECK(k.log.records.size() > n);
    CHECK(k.log.records[n].text == "warn_alloc: 2 callbacks suppressed");
    for (pfn_t q : held) __free_pages(k, q, 10);
    CHECK_MM(k);
}

TEST_CASE("order > 10 fails with the allocator's WARN, once") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    CHECK(alloc_pages(k, GFP_KERNEL, 11) == NO_PFN);
    std::string d = dmesg(k);
    CHECK(contains(d, "] ------------[ cut here ]------------\n"));
    CHECK(contains(d, "] WARNING: CPU: 0 PID: 1000 at mm/page_alloc.c:5634 __alloc_pages\n"));
    CHECK(contains(d, "] ---[ end trace 0000000000000000 ]---\n"));
    size_t n = k.log.records.size();
    CHECK(alloc_pages(k, GFP_KERNEL, 12) == NO_PFN);
    CHECK(k.log.records.size() == n); // WARN_ON_ONCE
    CHECK_MM(k);
}

TEST_CASE("__GFP_NOWARN silences the order WARN") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    CHECK(alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 11) == NO_PFN);
    CHECK_FALSE(contains(dmesg(k), "WARNING"));
}

TEST_CASE("double free trips VM_BUG_ON_PAGE(page_ref_count(page) == 0)") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    pfn_t p = alloc_pages(k, GFP_KERNEL, 1);
    __free_pages(k, p, 1);
    CHECK_MM(k);
    __free_pages(k, p, 1);
    std::string d = dmesg(k);
    CHECK(contains(d, "page dumped because: VM_BUG_ON_PAGE(page_ref_count(page) == 0)\n"));
    CHECK(contains(d, "] kernel BUG at include/linux/mm.h:780!\n"));
    CHECK(contains(d, "] invalid opcode: 0000 [#1] PREEMPT SMP NOPTI\n"));
    CHECK_MM(k);
}

TEST_CASE("freeing with the wrong order is a Bad page state") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    pfn_t p = alloc_pages(k, GFP_KERNEL, 2);
    __free_pages(k, p, 3);
    std::string d = dmesg(k);
    char want[64];
    std::snprintf(want, sizeof want, "] BUG: Bad page state in process klab-sh  pfn:%05x\n", p);
    CHECK(contains(d, want));
    CHECK(contains(d, "page dumped because: freed with order 3, allocated with order 2\n"));
    CHECK(contains(d, "] Disabling lock debugging due to kernel taint\n"));
    CHECK(contains(print_tainted_for_test(k), "B"));
    CHECK_MM(k);
    __free_pages(k, p, 2); // the right order still works
    CHECK_MM(k);
    // A compound page freed with the wrong order hits the VM_BUG_ON in free_pages_prepare.
    pfn_t c = alloc_pages(k, GFP_KERNEL | __GFP_COMP, 2);
    __free_pages(k, c, 1);
    CHECK(contains(dmesg(k), "VM_BUG_ON_PAGE(compound && compound_order(page) != order)"));
    __free_pages(k, c, 2);
    CHECK_MM(k);
}

TEST_CASE("freeing a page inside a block, a reserved page, or a bad address") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    pfn_t p = alloc_pages(k, GFP_KERNEL, 2);
    __free_pages(k, p + 1, 0); // a non-head page: refcount 0
    CHECK(contains(dmesg(k), "kernel BUG at include/linux/mm.h:780!"));
    CHECK_MM(k);
    __free_pages(k, 4096 + 10, 0); // inside the kernel image: PG_reserved
    CHECK(contains(dmesg(k), "page dumped because: PAGE_FLAGS_CHECK_AT_FREE flag(s) set\n"));
    CHECK(contains(dmesg(k), "flags: 0xfffffc0001000(reserved|node=0|zone=1|lastcpupid=0x1fffff)\n"));
    CHECK_MM(k);
    free_pages(k, 0xdead000, 0);
    CHECK(contains(dmesg(k), "] kernel BUG at mm/page_alloc.c:5757!\n"));
    free_pages(k, 0, 0); // free_pages(0) is a no-op, as in Linux
    __free_pages(k, NO_PFN, 0);
    CHECK_MM(k);
    __free_pages(k, p, 2);
    CHECK_MM(k);
}

TEST_CASE("impossible GFP zone combinations hit the VM_BUG_ON in gfp_zone()") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    CHECK(alloc_pages(k, GFP_KERNEL | __GFP_DMA | __GFP_DMA32, 0) == NO_PFN);
    CHECK(contains(dmesg(k), "] kernel BUG at include/linux/gfp.h:136!\n"));
    CHECK_MM(k);
}

TEST_CASE("get_page() pins: __free_pages() then only drops a reference") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    pfn_t p = alloc_pages(k, GFP_KERNEL | __GFP_COMP, 1);
    get_page(k, p);
    CHECK(page_ref_count(k, p) == 2);
    __free_pages(k, p, 1);
    CHECK(page_ref_count(k, p) == 1);
    CHECK(k.mm.mem_map[p].owner == PageOwner::alloc);
    __free_pages(k, p, 1);
    CHECK(k.mm.mem_map[p].owner != PageOwner::alloc);
    CHECK_MM(k);
    // A non-compound block with an extra reference on its first page: the rest is freed.
    pfn_t q = alloc_pages(k, GFP_KERNEL, 2);
    get_page(k, q);
    __free_pages(k, q, 2);
    CHECK(page_ref_count(k, q) == 1);
    CHECK_MM(k);
    __free_pages(k, q, 0);
    CHECK_MM(k);
}

TEST_CASE("a reserved page freed twice: Bad page state, then the refcount VM_BUG_ON") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    __free_pages(k, 4200, 0);
    CHECK(contains(dmesg(k), "PAGE_FLAGS_CHECK_AT_FREE flag(s) set"));
    CHECK(page_ref_count(k, 4200) == 0);
    CHECK_FALSE(contains(dmesg(k), "kernel BUG"));
    __free_pages(k, 4200, 0);
    CHECK(contains(dmesg(k), "kernel BUG at include/linux/mm.h:780!"));
    CHECK(page_ref_count(k, 4200) == 0);
    CHECK_MM(k);
}

TEST_CASE("__GFP_NOFAIL cannot be honoured without reclaim: WARN for costly orders, then failure") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    // rmqueue() warns about any __GFP_NOFAIL request above order 1 that reaches it.
    pfn_t small = alloc_pages(k, GFP_KERNEL | __GFP_NOFAIL, 2);
    CHECK(small != NO_PFN);
    CHECK(contains(dmesg(k), "WARNING: CPU: 0 PID: 1000 at mm/page_alloc.c:3891 rmqueue\n"));
    std::vector<pfn_t> held;
    pfn_t p;
    while ((p = alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 9)) != NO_PFN) held.push_back(p);
    CHECK(alloc_pages(k, GFP_KERNEL | __GFP_NOFAIL, 9) == NO_PFN);
    std::string d = dmesg(k);
    CHECK(
        contains(d, "WARNING: CPU: 0 PID: 1000 at mm/page_alloc.c:5383 __alloc_pages_slowpath\n"));
    CHECK(contains(d, "page allocation failure: order:9, mode:0x8cc0(GFP_KERNEL|__GFP_NOFAIL)"));
    for (pfn_t q : held) __free_pages(k, q, 9);
    __free_pages(k, small, 2);
    CHECK_MM(k);
}

TEST_CASE("Bad page state reports: a burst of 60 then silence for the rest of the minute") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    for (pfn_t p = 4096; p < 4096 + 70; ++p) __free_pages(k, p, 0); // reserved: kernel image
    std::string d = dmesg(k);
    size_t n = 0;
    for (size_t at = d.find("BUG: Bad page state in process"); at != std::string::npos;
         at = d.find("BUG: Bad page state in process", at + 1))
        ++n;
    CHECK(n == 60);
    CHECK(k.mm.bad_page_unshown == 10);
    k.clock.advance_ns(61ull * 1000000000ull);
    __free_pages(k, 4200, 0);
    CHECK(contains(dmesg(k), "] BUG: Bad page state: 10 messages suppressed\n"));
    CHECK_MM(k);
}

TEST_CASE("a pinned block freed with a larger order does not free its neighbours") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    pfn_t p = alloc_pages(k, GFP_KERNEL, 0);
    get_page(k, p);
    __free_pages(k, p, 3);
    CHECK(contains(dmesg(k), "freed with order 3, allocated with order 0"));
    CHECK(page_ref_count(k, p) == 2);
    CHECK_MM(k);
    __free_pages(k, p, 0);
    __free_pages(k, p, 0);
    CHECK_MM(k);
}
