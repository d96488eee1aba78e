// kmap/kunmap (pkmap), kmap_atomic and kmap_local_page (fixmap slots) on the i386 preset,
// and their direct-map behaviour on x86_64.
#include "mm/memory.h"
#include "mm/page_alloc.h"
#include "vm_helpers.h"

using namespace klab;
using namespace klab::test;

namespace {
pfn_t high_page(Kernel& k) {
    pfn_t p = alloc_page(k, GFP_HIGHUSER);
    REQUIRE(p != NO_PFN);
    REQUIRE(PageHighMem(k, p));
    return p;
}
} // namespace

TEST_CASE("x86_64: kmap, kmap_atomic and kmap_local_page return the direct-map address") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    pfn_t p = alloc_page(k, GFP_HIGHUSER);
    uint64_t a = 0;
    CHECK(kmap(k, p, &a) == KmapResult::ok);
    CHECK(a == page_address(k, p));
    CHECK(kunmap(k, p) == KmapResult::ok);
    CHECK(kmap_atomic(k, p, &a) == KmapResult::ok);
    CHECK(a == page_address(k, p));
    CHECK(k.cpus[0].preempt_count == 1);
    CHECK(k.cpus[0].pagefault_disabled == 1); // !HIGHMEM kmap_atomic disables faults too
    CHECK(kunmap_atomic(k, a) == KmapResult::ok);
    CHECK(k.cpus[0].preempt_count == 0);
    CHECK(k.cpus[0].pagefault_disabled == 0);
    CHECK_VM(k);
}

TEST_CASE("pagefault_disable nests per task, faulthandler_disabled also follows in_atomic") {
    Kernel k = boot(Arch::i386, 1ull << 30);
    CHECK_FALSE(pagefault_disabled(k));
    CHECK_FALSE(faulthandler_disabled(k));
    pagefault_disable(k);
    pagefault_disable(k);
    CHECK(pagefault_disabled(k));
    CHECK(k.cpus[0].preempt_count == 0); // page faults off does not mean atomic
    pagefault_enable(k);
    CHECK(pagefault_disabled(k));
    pagefault_enable(k);
    CHECK_FALSE(pagefault_disabled(k));
    preempt_disable(k);
    CHECK(faulthandler_disabled(k));
    CHECK_FALSE(pagefault_disabled(k));
    preempt_enable(k);
    k.current_cpu = 1;
    pagefault_disable(k);
    k.current_cpu = 0;
    CHECK_FALSE(pagefault_disabled(k)); // the other CPU's task
}

TEST_CASE("i386 kmap: a pkmap slot, shared by a second kmap, freed lazily at the next wrap") {
    Kernel k = boot(Arch::i386, 1ull << 30);
    pfn_t p = high_page(k);
    CHECK(page_address_hm(k, p) == 0);
    uint64_t a = 0, b = 0;
    REQUIRE(kmap(k, p, &a) == KmapResult::ok);
    CHECK(a == 0xff801000ull); // slot 1: the scan starts after last_pkmap_nr 0
    CHECK(k.highmem.pkmap_count[1] == 2);
    REQUIRE(kmap(k, p, &b) == KmapResult::ok);
    CHECK(b == a);
    CHECK(k.highmem.pkmap_count[1] == 3);
    CHECK(page_address_hm(k, p) == a);
    uint32_t v = 0x1234, r = 0;
    CHECK(!kernel_write(k, a + 8, &v, 4));
    kunmap(k, p);
    kunmap(k, p);
    CHECK(k.highmem.pkmap_count[1] == 1); // unmapped but not flushed: still mapped
    CHECK(!kernel_read(k, a + 8, &r, 4));
    CHECK(r == 0x1234);
    CHECK_VM(k);
    // Lowmem pages need no slot.
    pfn_t low = alloc_page(k, GFP_KERNEL);
    CHECK(kmap(k, low, &b) == KmapResult::ok);
    CHECK(b == page_address(k, low));
}

TEST_CASE("i386 kmap: wrapping flushes count==1 slots, a full pkmap would sleep forever") {
    Kernel k = boot(Arch::i386, 1ull << 30);
    std::vector<pfn_t> pages;
    for (uint32_t i = 0; i < LAST_PKMAP; ++i) pages.push_back(high_page(k));
    uint64_t a;
    // Map and unmap slot 1, then fill 2..1023 and keep them.
    REQUIRE(kmap(k, pages[0], &a) == KmapResult::ok);
    kunmap(k, pages[0]);
    for (uint32_t i = 1; i < LAST_PKMAP - 1; ++i) REQUIRE(kmap(k, pages[i], &a) == KmapResult::ok);
    CHECK(k.highmem.pkmap_flushes == 0);
    // The next scan wraps to 0: the flush frees slot 1, and slot 0 is taken.
    REQUIRE(kmap(k, pages[LAST_PKMAP - 1], &a) == KmapResult::ok);
    CHECK(k.highmem.pkmap_flushes == 1);
    CHECK(a == pkmap_addr(k, 0));
    CHECK(k.highmem.pkmap_count[1] == 0);
    CHECK(page_address_hm(k, pages[0]) == 0);
    CHECK_VM(k);
    // Map one more page into slot 1, and then nothing is left.
    pfn_t extra = high_page(k), last = high_page(k);
    REQUIRE(kmap(k, extra, &a) == KmapResult::ok);
    CHECK(a == pkmap_addr(k, 1));
    uint64_t before = k.clock.ns;
    CHECK(kmap(k, last, &a) == KmapResult::would_sleep_forever);
    CHECK(contains(dmesg(k), "INFO: task klab-sh:1000 blocked for more than 120 seconds."));
    CHECK(k.clock.ns - before >= 120ull * 1000000000ull);
    CHECK_VM(k);
}

TEST_CASE("i386 layout: pkmap below the fixmap's kmap_local slots for any CPU count") {
    CHECK(i386_pkmap_base(2) == 0xff800000ull);
    for (uint32_t cpus : {1u, 2u, 16u, 64u}) {
        uint64_t fix_low = kmap_local_slot_addr(cpus - 1, KM_MAX_IDX - 1);
        CHECK(i386_pkmap_base(cpus) + (uint64_t(LAST_PKMAP) << 12) <= fix_low);
    }
    Kernel k = boot(Arch::i386, 1ull << 30, 64);
    CHECK(k.vmalloc.end == k.highmem.pkmap_base - 2 * 4096);
    CHECK(k.highmem.pkmap_base == 0xff400000ull);
}

TEST_CASE("i386 kunmap of a page that is not kmapped is a BUG") {
    Kernel k = boot(Arch::i386, 1ull << 30);
    pfn_t p = high_page(k);
    CHECK(kunmap(k, p) == KmapResult::bug);
    CHECK(contains(dmesg(k), "kernel BUG at mm/highmem.c:358!"));
    CHECK_VM(k);
}

TEST_CASE("i386 kmap_atomic: per-CPU fixmap slots, stacked, preemption off while held") {
    Kernel k = boot(Arch::i386, 1ull << 30);
    pfn_t p = high_page(k), q = high_page(k);
    uint64_t a = 0, b = 0;
    REQUIRE(kmap_atomic(k, p, &a) == KmapResult::ok);
    CHECK(a == 0xfffff000ull - (uint64_t(FIX_KMAP_BEGIN) << 12));
    REQUIRE(kmap_atomic(k, q, &b) == KmapResult::ok);
    CHECK(b == a - 4096);
    CHECK(k.cpus[0].preempt_count == 2);
    CHECK(k.cpus[0].pagefault_disabled == 2);
    uint8_t v = 9, r = 0;
    CHECK(!kernel_write(k, b, &v, 1));
    CHECK(kunmap_atomic(k, b) == KmapResult::ok);
    CHECK(k.cpus[0].pagefault_disabled == 1);
    CHECK(kunmap_atomic(k, a) == KmapResult::ok);
    CHECK(k.cpus[0].preempt_count == 0);
    CHECK(k.cpus[0].pagefault_disabled == 0);
    CHECK(kernel_read(k, a, &r, 1).kind == FaultKind::not_present);
    // The data stays in the page: map it again elsewhere.
    REQUIRE(kmap(k, q, &a) == KmapResult::ok);
    CHECK(!kernel_read(k, a, &r, 1));
    CHECK(r == 9);
    // CPU 1 has its own slots.
    k.current_cpu = 1;
    REQUIRE(kmap_local_page(k, p, &a) == KmapResult::ok);
    CHECK(a == kmap_local_slot_addr(1, 0));
    CHECK(k.cpus[1].preempt_count == 0); // kmap_local only disables migration
    CHECK(k.cpus[1].pagefault_disabled == 0);
    CHECK(kunmap_local(k, a) == KmapResult::ok);
    CHECK_VM(k);
}

TEST_CASE("i386 kmap_local: out-of-order unmap warns (6.1) and unmaps the newest slot") {
    Kernel k = boot(Arch::i386, 1ull << 30);
    pfn_t p = high_page(k), q = high_page(k);
    uint64_t a = 0, b = 0;
    kmap_local_page(k, p, &a);
    kmap_local_page(k, q, &b);
    CHECK(kunmap_local(k, a) == KmapResult::ok);
    CHECK(contains(dmesg(k), "WARNING: CPU: 0 PID: 1000 at mm/highmem.c:610 kunmap_local_indexed"));
    uint8_t r;
    CHECK(!kernel_read(k, a, &r, 1));                               // still mapped
    CHECK(kernel_read(k, b, &r, 1).kind == FaultKind::not_present); // the newest went
    CHECK_VM(k);
}

TEST_CASE("i386 kmap_local: the 16th nested map (idx reaching KM_MAX_IDX) and an unbalanced unmap "
          "are BUGs") {
    Kernel k = boot(Arch::i386, 1ull << 30);
    pfn_t p = high_page(k);
    uint64_t a = 0;
    for (uint32_t i = 0; i < KM_MAX_IDX - 1; ++i)
        REQUIRE(kmap_local_page(k, p, &a) == KmapResult::ok);
    CHECK(kmap_local_page(k, p, &a) == KmapResult::bug);
    CHECK(contains(dmesg(k), "kernel BUG at mm/highmem.c:467!"));
    CHECK_VM(k);
    Kernel k2 = boot(Arch::i386, 1ull << 30);
    CHECK(kunmap_atomic(k2, kmap_local_slot_addr(0, 0)) == KmapResult::bug);
    CHECK(contains(dmesg(k2), "kernel BUG at mm/highmem.c:479!"));
    CHECK(k2.cpus[0].preempt_count == 0);
    CHECK_VM(k2);
}
