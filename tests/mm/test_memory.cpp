// Page contents, the direct map, loads and stores that fault instead of crashing.
#include "helpers.h"

#include <cstring>

#include "mm/memory.h"
#include "mm/page_alloc.h"

using namespace klab;
using namespace klab::test;

TEST_CASE("direct map translation on x86_64 and i386") {
    Kernel x = boot(Arch::x86_64, 64ull << 20);
    pfn_t p = alloc_page(x, GFP_KERNEL);
    uint64_t va = page_address(x, p);
    CHECK(va == 0xffff888000000000ull + (uint64_t(p) << 12));
    CHECK(virt_to_page(x, va + 123) == p);
    CHECK(virt_to_phys(x, va) == uint64_t(p) << 12);
    CHECK(phys_to_virt(x, uint64_t(p) << 12) == va);
    CHECK(page_struct_to_pfn(x, page_struct_address(x, p)) == p);
    CHECK(virt_to_page(x, 0x1000) == NO_PFN);
    CHECK_FALSE(virt_addr_valid(x, 0xffff888000000000ull + (64ull << 20)));
    Kernel i = boot(Arch::i386, 1ull << 30);
    pfn_t h = alloc_page(i, GFP_HIGHUSER);
    CHECK(PageHighMem(i, h));
    CHECK(page_address(i, h) == 0);
    pfn_t n = alloc_page(i, GFP_KERNEL);
    CHECK(page_address(i, n) == 0xC0000000ull + (uint64_t(n) << 12));
}

TEST_CASE("stores are seen by loads, across page boundaries and snapshots are copy-on-write") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    uint64_t a = __get_free_pages(k, GFP_KERNEL, 1);
    const char msg[] = "hello, kernel";
    CHECK_FALSE(kernel_write(k, a + 4090, msg, sizeof msg));
    Kernel snap = k;
    char buf[sizeof msg] = {};
    CHECK_FALSE(kernel_read(k, a + 4090, buf, sizeof buf));
    CHECK(std::strcmp(buf, msg) == 0);
    uint32_t v = 0xdeadbeef;
    CHECK_FALSE(kernel_write(k, a + 4090, &v, 4));
    CHECK_FALSE(kernel_read(snap, a + 4090, buf, sizeof buf));
    CHECK(std::strcmp(buf, msg) == 0); // the snapshot kept the old bytes
    // Pages are not cleared on free; __GFP_ZERO and get_zeroed_page() clear them.
    free_pages(k, a, 1);
    uint64_t z = get_zeroed_page(k, GFP_KERNEL);
    uint8_t byte = 1;
    CHECK_FALSE(kernel_read(k, z, &byte, 1));
    CHECK(byte == 0);
}

TEST_CASE("bad addresses fault and change nothing") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    uint64_t v = 0;
    MemFault f = kernel_read(k, 8, &v, 8);
    CHECK(f.kind == FaultKind::null_deref);
    CHECK(f.address == 8);
    report_kernel_fault(k, f);
    CHECK(
        contains(dmesg(k), "] BUG: kernel NULL pointer dereference, address: 0000000000000008\n"));
    CHECK(contains(dmesg(k), "] #PF: supervisor read access in kernel mode\n"));
    CHECK(contains(dmesg(k), "] #PF: error_code(0x0000) - not-present page\n"));
    uint64_t end = 0xffff888000000000ull + (64ull << 20);
    f = kernel_write(k, end - 4, &v, 8); // straddles the end of RAM
    CHECK(f.kind == FaultKind::not_present);
    CHECK(f.address == end);
    CHECK(k.mm.contents.frames.empty()); // nothing was written
    f = kernel_read(k, 0x400000, &v, 8);
    CHECK(f.kind == FaultKind::user_address);
}
