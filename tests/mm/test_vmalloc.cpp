// vmalloc: layout per preset, guard pages, page-by-page allocation, the kernel page table,
// lazy purge, deferred vfree, bad input, /proc/vmallocinfo and meminfo counters.
#include "mm/memory.h"
#include "mm/page_alloc.h"
#include "printk/dump_stack.h"
#include "sched/context.h"
#include "vm_helpers.h"

using namespace klab;
using namespace klab::test;

TEST_CASE("vmalloc ranges: x86_64 32 TiB at 0xffffc90000000000, i386 8 MiB above high_memory") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    CHECK(k.vmalloc.start == 0xffffc90000000000ull);
    CHECK(vmalloc_total_kb(k) == 34359738367ull);
    Kernel i = boot(Arch::i386, 1ull << 30);
    CHECK(i.vmalloc.start == 0xf8800000ull); // high_memory 0xf8000000 + VMALLOC_OFFSET
    CHECK(i.vmalloc.end == 0xff7fe000ull);   // PKMAP_BASE - 2 pages
    CHECK(vmalloc_total_kb(i) == (0xff7fe000ull - 0xf8800000ull) >> 10);
    Kernel small = boot(Arch::i386, 512ull << 20);
    CHECK(small.vmalloc.start == 0xe0800000ull);
}

TEST_CASE("an area is its pages plus a guard page, loads and stores go through the ptes") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    uint64_t free0 = nr_free_pages(k) + nr_free_pcp_pages(k);
    uint64_t a = vmalloc(k, 3 * 4096 + 10, "t");
    REQUIRE(a);
    const vm_struct* vm = find_vm_area(k, a);
    REQUIRE(vm);
    CHECK(vm->size == 5 * 4096); // 4 pages + guard
    CHECK(vm->pages.size() == 4);
    CHECK(free0 - (nr_free_pages(k) + nr_free_pcp_pages(k)) == 4);
    CHECK(vmalloc_used_pages(k) == 4);
    uint32_t v = 0xdeadbeef, r = 0;
    CHECK(!kernel_write(k, a + 4 * 4096 - 4, &v, 4));
    CHECK(!kernel_read(k, a + 4 * 4096 - 4, &r, 4));
    CHECK(r == v);
    // The bytes live in the frame the pte names.
    uint32_t direct = 0;
    CHECK(!kernel_read(k, page_address(k, vm->pages[3]) + 4092, &direct, 4));
    CHECK(direct == v);
    // The guard page faults.
    MemFault f = kernel_read(k, a + 4 * 4096, &r, 4);
    CHECK(f.kind == FaultKind::not_present);
    // The next area starts after the guard page.
    uint64_t b = vmalloc(k, 1, "t");
    CHECK(b == a + 5 * 4096);
    CHECK_VM(k);
}

TEST_CASE("pages come one at a time: a fragmented free list gives scattered frames") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    pfn_t p[8];
    for (pfn_t& x : p) x = alloc_page(k, GFP_KERNEL);
    for (int i = 0; i < 8; i += 2) __free_page(k, p[i]);
    uint64_t a = vmalloc(k, 4 * 4096, "t");
    const vm_struct* vm = find_vm_area(k, a);
    REQUIRE(vm);
    bool contiguous = true;
    for (size_t i = 1; i < vm->pages.size(); ++i)
        if (vm->pages[i] != vm->pages[i - 1] + 1) contiguous = false;
    CHECK_FALSE(contiguous);
    CHECK_VM(k);
}

TEST_CASE("i386 vmalloc takes HighMem pages") {
    Kernel k = boot(Arch::i386, 1ull << 30);
    uint64_t a = vmalloc(k, 4096, "t");
    REQUIRE(a);
    CHECK(PageHighMem(k, vmalloc_to_pfn(k, a)));
    uint8_t b = 7;
    CHECK(!kernel_write(k, a, &b, 1));
    CHECK_VM(k);
}

TEST_CASE("vfree unmaps at once, keeps the range until the lazy purge, frees the pages") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    uint64_t a = vmalloc(k, 8192, "t");
    uint64_t used = vmalloc_used_pages(k);
    vfree(k, a);
    // /proc/vmallocinfo lists unpurged areas after the last busy one: none, nothing printed.
    CHECK(proc_vmallocinfo(k).empty());
    CHECK(vmalloc_used_pages(k) == used - 2);
    uint8_t b;
    CHECK(kernel_read(k, a, &b, 1).kind == FaultKind::not_present);
    CHECK(k.vmalloc.purge_list.count(a) == 1);
    uint64_t c = vmalloc(k, 8192, "t");
    CHECK(c > a); // the lazily freed range is not reused yet
    CHECK(contains(proc_vmallocinfo(k), "   12288 unpurged vm_area"));
    purge_vmap_area_lazy(k);
    CHECK(k.vmalloc.purge_list.empty());
    CHECK(vmalloc(k, 4096, "t") == a); // lowest fit again
    CHECK_VM(k);
}

TEST_CASE("lazy_max_pages: fls(cpus) * 32 MiB, more lazily freed pages trigger a purge") {
    Kernel k = boot(Arch::x86_64, 1ull << 30, 2);
    CHECK(lazy_max_pages(k) == 2 * 8192);
    Kernel k4 = boot(Arch::x86_64, 1ull << 30, 4);
    CHECK(lazy_max_pages(k4) == 3 * 8192);
    // vmap areas cost address space, not memory: map one page many times over.
    pfn_t p = alloc_page(k, GFP_KERNEL);
    std::vector<pfn_t> pages(1024, p);
    for (int i = 0; i < 17; ++i) vunmap(k, vmap(k, pages, 0, "t"));
    CHECK(k.vmalloc.nr_purges == 1);
    CHECK_VM(k);
}

TEST_CASE("bad vfree: unaligned, nonexistent, double, NULL is fine") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    uint64_t a = vmalloc(k, 100, "t");
    std::string boot_log = dmesg(k);
    vfree(k, 0);
    CHECK(dmesg(k) == boot_log);
    vfree(k, a + 8);
    CHECK(contains(dmesg(k), "Trying to vfree() bad address ("));
    vfree(k, a);
    vfree(k, a);
    CHECK(contains(dmesg(k), "Trying to vfree() nonexistent vm area ("));
    CHECK(contains(dmesg(k), "WARNING: CPU: 0 PID: 1000 at mm/vmalloc.c:2758 __vunmap"));
    CHECK((k.tainted & (1u << TAINT_WARN)) != 0);
    CHECK_VM(k);
}

TEST_CASE("vmalloc in atomic context is a sleeping-in-atomic bug, vfree in softirq is deferred") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    preempt_disable(k);
    uint64_t a = vmalloc(k, 100, "t");
    preempt_enable(k);
    CHECK(a); // Linux goes on after the report
    CHECK(contains(dmesg(k), "BUG: sleeping function called from invalid context at "
                             "include/linux/sched/mm.h:274"));
    local_bh_disable(k); // in_interrupt() is true with bottom halves disabled
    vfree(k, a);
    CHECK(find_vm_area(k, a) != nullptr);
    CHECK(k.vmalloc.deferred.size() == 1);
    local_bh_enable(k);
    vfree_deferred_work(k);
    CHECK(find_vm_area(k, a) == nullptr);
    CHECK_VM(k);
}

TEST_CASE("sizes vmalloc refuses: 0, more than RAM, more than the range") {
    Kernel k = boot(Arch::i386, 1ull << 30);
    CHECK(vmalloc(k, 0, "t") == 0);
    CHECK(contains(dmesg(k), "WARNING: CPU: 0 PID: 1000 at mm/vmalloc.c:3227 __vmalloc_node_range"));
    CHECK(vmalloc(k, 2ull << 30, "t") == 0);
    CHECK(contains(dmesg(k), "vmalloc error: size 2147483648, exceeds total pages"));
    k.clock.advance_ns(60ull * 1000000000ull); // past warn_alloc's rate limit
    CHECK(vmalloc(k, 200ull << 20, "t") == 0); // 200 MiB > the ~112 MiB i386 range
    CHECK(contains(dmesg(k), "vmap allocation for size 209719296 failed: use vmalloc=<size> "
                             "to increase size"));
    CHECK(contains(dmesg(k), "vmalloc error: size 209715200, vm_struct allocation failed"));
    CHECK_VM(k);
}

// 6.1.192's __vmalloc_area_node() ORs __GFP_NOWARN into the mask before its warn_alloc()s,
// so running out of pages midway prints nothing (qemu-oracle: __vmalloc(900 MiB) on a 1 GiB
// machine returns NULL with an empty log).
TEST_CASE("vmalloc that runs out of pages midway fails quietly and gives everything back") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    std::string boot_log = dmesg(k);
    uint64_t free0 = nr_free_pages(k) + nr_free_pcp_pages(k);
    uint64_t total = 0;
    std::vector<uint64_t> areas;
    for (int i = 0; i < 64; ++i) {
        uint64_t a = vmalloc(k, 1 << 20, "t");
        if (!a) break;
        areas.push_back(a);
        total++;
    }
    CHECK(total < 64);
    CHECK(dmesg(k) == boot_log);
    // A failing request with a vmalloc'ed page array gives the array back too.
    CHECK(vmalloc(k, 16ull << 20, "t") == 0);
    CHECK(dmesg(k) == boot_log);
    CHECK_VM(k);
    for (uint64_t a : areas) vfree(k, a);
    CHECK(vmalloc_used_pages(k) == 0);
    CHECK(nr_free_pages(k) + nr_free_pcp_pages(k) == free0);
    CHECK_VM(k);
}

TEST_CASE("/proc/vmallocinfo lines: range, size with guard, caller, pages, kind, node") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    vmalloc(k, 8192, "my_init+0x14/0x60 [m]");
    vmalloc_user(k, 4096, "u+0x0/0x10");
    ioremap(k, 0xfed00000, 0x400, "hpet+0x1/0x2");
    std::string s = proc_vmallocinfo(k);
    CHECK(contains(s, "   12288 my_init+0x14/0x60 [m] pages=2 vmalloc N0=2\n"));
    CHECK(contains(s, "    8192 u+0x0/0x10 pages=1 vmalloc user N0=1\n"));
    CHECK(contains(s, "    8192 hpet+0x1/0x2 phys=0x00000000fed00000 ioremap\n"));
    CHECK(s.rfind("0x", 0) == 0);
    Kernel i = boot(Arch::i386, 1ull << 30);
    vmalloc(i, 4096, "f+0x0/0x4");
    CHECK(contains(proc_vmallocinfo(i), "    8192 f+0x0/0x4 pages=1 vmalloc\n")); // no NUMA
}

TEST_CASE("ioremap of device memory reads zero, iounmap removes the area") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    uint64_t a = ioremap(k, 0xfed00010, 16, "t");
    CHECK((a & 0xfff) == 0x10);
    uint32_t v = 5, r = 9;
    CHECK(!kernel_write(k, a, &v, 4));
    CHECK(!kernel_read(k, a, &r, 4));
    CHECK(r == 0);
    iounmap(k, a);
    CHECK(find_vm_area(k, a) == nullptr);
    CHECK_VM(k);
}

TEST_CASE("vmap maps existing pages at a new address, vunmap keeps the pages") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    pfn_t p = alloc_page(k, GFP_KERNEL), q = alloc_page(k, GFP_KERNEL);
    uint64_t a = vmap(k, {q, p}, 0, "t");
    uint32_t v = 77, r = 0;
    CHECK(!kernel_write(k, a + 4096, &v, 4));
    CHECK(!kernel_read(k, page_address(k, p), &r, 4));
    CHECK(r == 77);
    CHECK(contains(proc_vmallocinfo(k), "   12288 t vmap\n"));
    vunmap(k, a);
    CHECK(page_ref_count(k, p) == 1);
    CHECK_VM(k);
}

TEST_CASE("vfree of a vmap area frees no pages (they belong to the caller)") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    pfn_t p = alloc_page(k, GFP_KERNEL);
    uint64_t a = vmap(k, {p}, 0, "t");
    vfree(k, a);
    CHECK(find_vm_area(k, a) == nullptr);
    CHECK(page_ref_count(k, p) == 1);
    CHECK(vmalloc_used_pages(k) == 0);
    CHECK_VM(k);
}

TEST_CASE("trace: klab:vmalloc is the parent of its pages' mm_page_alloc events") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    uint64_t first = k.trace.written;
    uint64_t a = vmalloc(k, 2 * 4096, "t");
    std::vector<TraceEvent> ev = k.trace.since(first);
    const TraceEvent* parent = nullptr;
    for (const TraceEvent& e : ev)
        if (e.type == TraceEventType::klab_vmalloc) parent = &e;
    REQUIRE(parent);
    CHECK(parent->pfn == a);
    int children = 0;
    for (const TraceEvent& e : ev)
        if (e.type == TraceEventType::mm_page_alloc && e.parent == parent->id) children++;
    CHECK(children == 2);
    first = k.trace.written;
    vfree(k, a);
    ev = k.trace.since(first);
    REQUIRE(!ev.empty());
    CHECK(ev.back().type == TraceEventType::klab_vfree);
    CHECK(format_trace_fields(ev.back(), k.trace_format()) == "addr=0xffffc90000005000 nr_pages=2");
}

TEST_CASE("vm_map_ram: small counts share a per-CPU vmap block, large ones get their own area") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    CHECK(vmap_max_alloc(k) == 64);
    CHECK(vmap_bbmap_bits(k) == 1024); // 128 GiB / 4 KiB / 2 CPUs / 16, capped at 1024
    Kernel i = boot(Arch::i386, 1ull << 30);
    CHECK(vmap_max_alloc(i) == 32);
    CHECK(vmap_bbmap_bits(i) == 1024); // 128 MiB / 4 KiB / 2 / 16
    Kernel k8 = boot(Arch::x86_64, 256ull << 20, 8);
    CHECK(vmap_bbmap_bits(k8) == 1024);
    std::vector<pfn_t> pages;
    for (int n = 0; n < 70; ++n) pages.push_back(alloc_page(k, GFP_KERNEL));
    uint64_t a = vm_map_ram(k, {pages.begin(), pages.begin() + 3});
    uint64_t b = vm_map_ram(k, {pages[3]});
    CHECK(a % (4ull << 20) == 0); // the block is aligned to its size
    CHECK(b == a + 4 * 4096);     // 3 pages take an order-2 run
    CHECK(kernel_translate(k, a + 2 * 4096) == pages[2]);
    CHECK(kernel_translate(k, a + 3 * 4096) == NO_PFN);
    uint64_t big = vm_map_ram(k, pages);
    CHECK(find_vm_area(k, big)->size == 70 * 4096); // no guard page
    std::string info = proc_vmallocinfo(k);
    CHECK(contains(info, " 4194304 vm_map_ram\n"));
    CHECK(contains(info, "  286720 vm_map_ram\n"));
    // Another CPU has its own queue: a new block.
    k.current_cpu = 1;
    uint64_t c = vm_map_ram(k, {pages[5]});
    CHECK(c / (4ull << 20) != a / (4ull << 20));
    k.current_cpu = 0;
    CHECK_VM(k);
    CHECK(vm_unmap_ram(k, big, 70) == VmUnmapRam::ok);
    CHECK(vm_unmap_ram(k, a, 3) == VmUnmapRam::ok);
    CHECK(vm_unmap_ram(k, b, 1) == VmUnmapRam::ok);
    CHECK(kernel_translate(k, a) == NO_PFN);
    CHECK(k.vmalloc.vmap_blocks.at(a).dirty == 5);     // the block stays until all is dirty
    CHECK(contains(proc_vmallocinfo(k), "unpurged")); // the large area, lazily
    CHECK_VM(k);
}

TEST_CASE("vm_map_ram: a block handed out and given back entirely is freed") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    pfn_t p = alloc_page(k, GFP_KERNEL);
    std::vector<pfn_t> run(64, p);
    std::vector<uint64_t> addrs;
    for (int n = 0; n < 16; ++n) addrs.push_back(vm_map_ram(k, run)); // 16 x 64 = 1024 pages
    CHECK(addrs[15] == addrs[0] + 15 * 64 * 4096);
    CHECK(k.vmalloc.vmap_blocks.at(addrs[0]).free == 0);
    for (uint64_t a : addrs) CHECK(vm_unmap_ram(k, a, 64) == VmUnmapRam::ok);
    CHECK(k.vmalloc.vmap_blocks.empty());
    CHECK(find_vm_area(k, addrs[0]) == nullptr);
    CHECK_VM(k);
}

TEST_CASE("vm_unmap_ram: bad addresses are Linux's BUGs or vb_free's oops, the model stays sound") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    pfn_t p = alloc_page(k, GFP_KERNEL);
    uint64_t a = vm_map_ram(k, {p});
    CHECK(vm_unmap_ram(k, 0, 1) == VmUnmapRam::bug);
    CHECK(contains(dmesg(k), "kernel BUG at mm/vmalloc.c:2281!"));
    CHECK(vm_unmap_ram(k, page_address(k, p), 1) == VmUnmapRam::bug); // below VMALLOC_START
    CHECK(contains(dmesg(k), "kernel BUG at mm/vmalloc.c:2282!"));
    CHECK(vm_unmap_ram(k, a + 1, 1) == VmUnmapRam::bug);
    CHECK(contains(dmesg(k), "kernel BUG at mm/vmalloc.c:2284!"));
    CHECK(vm_unmap_ram(k, a, 65) == VmUnmapRam::bug); // a large count, no such area
    CHECK(contains(dmesg(k), "kernel BUG at mm/vmalloc.c:2295!"));
    uint64_t v = vmalloc(k, 4096, "t");
    CHECK(vm_unmap_ram(k, v, 1) == VmUnmapRam::oops); // no vmap block there
    CHECK(kernel_translate(k, v) != NO_PFN);
    vfree(k, a); // no vm_struct behind a vm_map_ram address
    CHECK(contains(dmesg(k), "Trying to vfree() nonexistent vm area"));
    CHECK(kernel_translate(k, a) == p);
    CHECK_VM(k);
}

TEST_CASE("vmalloc_huge: PMD-aligned order-9 blocks on x86_64, small pages on i386 or when none") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    uint64_t used = nr_free_pages(k) + nr_free_pcp_pages(k);
    uint64_t a = vmalloc_huge(k, 3ull << 20, GFP_KERNEL, "t");
    REQUIRE(a != 0);
    CHECK(a % (2ull << 20) == 0);
    const vm_struct* vm = find_vm_area(k, a);
    CHECK(vm->size == (4ull << 20) + 4096); // rounded up to 2 MiB, plus the guard page
    CHECK(vm->page_order == 9);
    CHECK(vm->pages.size() == 1024);
    CHECK(vm->pages[1] == vm->pages[0] + 1);     // physically contiguous per 2 MiB
    CHECK(vm->pages[0] % 512 == 0);
    // 1024 eight-byte pointers are two pages: the array is vmalloc'ed (" vpages").
    CHECK(contains(proc_vmallocinfo(k), " pages=1024 vmalloc vpages N0=1024"));
    CHECK_VM(k);
    vfree(k, a);
    CHECK(nr_free_pages(k) + nr_free_pcp_pages(k) == used);
    // Below PMD_SIZE: ordinary small pages.
    uint64_t b = vmalloc_huge(k, 1ull << 20, GFP_KERNEL, "t");
    CHECK(find_vm_area(k, b)->page_order == 0);
    Kernel i = boot(Arch::i386, 1ull << 30);
    uint64_t c = vmalloc_huge(i, 4ull << 20, GFP_KERNEL, "t");
    CHECK(find_vm_area(i, c)->page_order == 0);
    CHECK(find_vm_area(i, c)->size == (4ull << 20) + 4096);
    CHECK_VM(i);
}

TEST_CASE("vmalloc_huge: no order-9 block left, a quiet retry with small pages") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    // Keep one page of every 2 MiB block: order 9 is impossible, order 0 is not.
    std::vector<pfn_t> all;
    for (pfn_t p; (p = alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 0)) != NO_PFN;) all.push_back(p);
    for (pfn_t p : all)
        if (p % 512 != 0) __free_pages(k, p, 0);
    uint64_t a = vmalloc_huge(k, 2ull << 20, GFP_KERNEL, "t");
    CHECK(a != 0);
    CHECK(find_vm_area(k, a)->page_order == 0);
    CHECK(!contains(dmesg(k), "failed to allocate pages")); // __GFP_NOWARN in 6.1.192
    CHECK_VM(k);
}

namespace {

// The /proc/vmallocinfo line of the area at addr (without the address range).
std::string info_line(const Kernel& k, uint64_t addr) {
    const vm_struct* vm = find_vm_area(k, addr);
    REQUIRE(vm);
    std::string s = proc_vmallocinfo(k);
    size_t n = 0;
    for (const auto& [a, v] : k.vmalloc.busy) {
        if (a == vm->addr) break;
        ++n;
    }
    size_t pos = 0;
    for (size_t i = 0; i < n; ++i) pos = s.find('\n', pos) + 1;
    std::string line = s.substr(pos, s.find('\n', pos) - pos);
    return line.substr(line.find(' '));
}

} // namespace

// qemu-oracle on 6.1.192 x86_64: vmalloc(512 pages) is one line; vmalloc(513 pages) is
// "2105344 caller pages=513 vmalloc vpages N0=513" plus "12288 caller pages=2 vmalloc N0=2"
// for its 4104-byte page array, at a lower address (the lowest hole that fits).
TEST_CASE("a page array above a page is vmalloc'ed: a second area, same caller, ' vpages'") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    uint64_t a = vmalloc(k, 512 * 4096, "f+0x1/0x2 [m]");
    CHECK(k.vmalloc.busy.size() == 1);
    CHECK(info_line(k, a) == " 2101248 f+0x1/0x2 [m] pages=512 vmalloc N0=512");
    uint64_t b = vmalloc(k, 513 * 4096, "g+0x3/0x4 [m]");
    const vm_struct* vb = find_vm_area(k, b);
    REQUIRE(vb);
    REQUIRE(vb->pages_area);
    CHECK(info_line(k, b) == " 2105344 g+0x3/0x4 [m] pages=513 vmalloc vpages N0=513");
    CHECK(info_line(k, vb->pages_area) == "   12288 g+0x3/0x4 [m] pages=2 vmalloc N0=2");
    CHECK(vmalloc_used_pages(k) == 512 + 513 + 2);
    CHECK_VM(k);
    uint64_t array = vb->pages_area;
    CHECK(array == b + vb->size); // the lowest hole: right after the area
    uint64_t array_end = array + find_vm_area(k, array)->size;
    vfree(k, b); // kvfree(area->pages) after the area: both ranges go lazily, merged
    CHECK(find_vm_area(k, array) == nullptr);
    CHECK(k.vmalloc.purge_list.size() == 1);
    CHECK(k.vmalloc.purge_list.at(b) == array_end);
    CHECK(vmalloc_used_pages(k) == 512);
    CHECK_VM(k);
    // i386 pointers are 4 bytes: the array outgrows a page above 1024 pages.
    Kernel i = boot(Arch::i386, 1ull << 30);
    CHECK(find_vm_area(i, vmalloc(i, 1024 * 4096, "t"))->pages_area == 0);
    uint64_t c = vmalloc(i, 1025 * 4096, "t");
    CHECK(info_line(i, c) == " 4202496 t pages=1025 vmalloc vpages");
    CHECK(info_line(i, find_vm_area(i, c)->pages_area) == "   12288 t pages=2 vmalloc");
    CHECK_VM(i);
}

// qemu-oracle: kvmalloc(4 MiB + 1, GFP_KERNEL) on 6.1.192 x86_64 is a 2 MiB-aligned
// "6295552 caller pages=1536 vmalloc vpages N0=1536" and "16384 caller pages=3 vmalloc N0=3".
TEST_CASE("kvmalloc's vmalloc fallback passes VM_ALLOW_HUGE_VMAP and warns above INT_MAX") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    uint64_t a = kvmalloc_vmalloc(k, (4ull << 20) + 1, GFP_KERNEL, "kv+0x9e/0x100 [m]");
    REQUIRE(a);
    CHECK(a % (2ull << 20) == 0);
    const vm_struct* vm = find_vm_area(k, a);
    CHECK(vm->page_order == 9);
    CHECK(info_line(k, a) == " 6295552 kv+0x9e/0x100 [m] pages=1536 vmalloc vpages N0=1536");
    CHECK(info_line(k, vm->pages_area) == "   16384 kv+0x9e/0x100 [m] pages=3 vmalloc N0=3");
    CHECK_VM(k);
    std::string log = dmesg(k);
    CHECK(kvmalloc_vmalloc(k, 0x80000000ull, GFP_KERNEL | __GFP_NOWARN, "t") == 0);
    CHECK(dmesg(k) == log);
    CHECK(kvmalloc_vmalloc(k, 0x80000000ull, GFP_KERNEL, "t") == 0);
    CHECK(contains(dmesg(k), "WARNING: CPU: 0 PID: 1000 at mm/util.c:596 kvmalloc_node\n"));
    log = dmesg(k);
    CHECK(kvmalloc_vmalloc(k, 0x80000000ull, GFP_KERNEL, "t") == 0); // WARN_ON_ONCE
    CHECK(dmesg(k) == log);
    CHECK(kvmalloc_vmalloc(k, 0x7fffffffull, GFP_KERNEL | __GFP_NOWARN, "t") == 0); // > RAM
}

// qemu-oracle: after a one-page vmalloc, ioremap(0xfebf0000, 64 KiB) landed on a 64 KiB
// boundary and ioremap(0xfe000000, 12 KiB) on a 16 KiB one.
TEST_CASE("an ioremap area is aligned to its size rounded up to a power of two") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    uint64_t v = vmalloc(k, 4096, "t");
    uint64_t io1 = ioremap(k, 0xfebf0000, 0x10000, "t");
    uint64_t io2 = ioremap(k, 0xfe000000, 0x3000, "t");
    // v is start + 0x5000 .. +0x7000 (after the console's stack window); io1 skips to the
    // next 64 KiB boundary, io2 to the next 16 KiB one, the next page the hole left behind.
    CHECK(v == k.vmalloc.start + 0x5000);
    CHECK(io1 == k.vmalloc.start + 0x10000);
    CHECK(io2 == k.vmalloc.start + 0x8000);
    CHECK(find_vm_area(k, io1)->size == 0x11000);
    CHECK(vmalloc(k, 4096, "t") == k.vmalloc.start + 0xc000);
    // An unaligned phys keeps its offset; the area is aligned by its page-rounded length.
    uint64_t io3 = ioremap(k, 0xfe100010, 0x2000, "t"); // three pages: 16 KiB alignment
    CHECK((io3 & 0x3fff) == 0x10);
    CHECK_VM(k);
    // IOREMAP_MAX_ORDER caps it: PMD_SHIFT (4 MiB) on non-PAE i386.
    Kernel i = boot(Arch::i386, 1ull << 30);
    vmalloc(i, 4096, "t");
    uint64_t big = ioremap(i, 0xe0000000, 8ull << 20, "t");
    REQUIRE(big);
    CHECK(big % (4ull << 20) == 0);
    CHECK_VM(i);
}

// 6.1's find_vm_area() searches by containment (__find_vmap_area: va_start <= addr <
// va_end, guard page included) and __vunmap() frees what it found. qemu-oracle: vfree() of
// the third page of a 4-page area and of a 2-page area's guard page free both silently.
TEST_CASE("vfree of a page-aligned address inside an area frees the whole area") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    uint64_t a = vmalloc(k, 4 * 4096, "t");
    uint64_t b = vmalloc(k, 2 * 4096, "t");
    uint64_t used = vmalloc_used_pages(k);
    std::string log = dmesg(k);
    vfree(k, a + 2 * 4096);
    CHECK(find_vm_area(k, a) == nullptr);
    CHECK(vmalloc_used_pages(k) == used - 4);
    vfree(k, b + 2 * 4096); // the guard page
    CHECK(find_vm_area(k, b) == nullptr);
    CHECK(vmalloc_used_pages(k) == 0);
    CHECK(dmesg(k) == log);
    uint64_t c = vmalloc(k, 3 * 4096, "t");
    vfree(k, c + 4096 + 8); // not page-aligned: the WARN, the area stays
    CHECK(contains(dmesg(k), "Trying to vfree() bad address ("));
    CHECK(find_vm_area(k, c) != nullptr);
    CHECK_VM(k);
}

// warn_alloc_show_mem() passes gfp_zone(gfp_mask) as max_zone_idx: a GFP_KERNEL vmalloc
// failure on i386 shows DMA and Normal only; the totals still count HighMem.
TEST_CASE("Mem-Info of a vmalloc failure leaves out zones above the request's zone (i386)") {
    Kernel k = boot(Arch::i386, 1ull << 30);
    CHECK(vmalloc(k, 2ull << 30, "t") == 0);
    std::string log = dmesg(k);
    CHECK(contains(log, "vmalloc error: size 2147483648, exceeds total pages"));
    CHECK(contains(log, "Normal free:"));
    CHECK(!contains(log, "HighMem free:"));
    CHECK(!contains(log, "HighMem: "));
    CHECK(contains(log, " pages HighMem/MovableOnly"));
    k.clock.advance_ns(60ull * 1000000000ull);
    CHECK(__vmalloc_node(k, 2ull << 30, 1, GFP_KERNEL | __GFP_HIGHMEM, 0, "t") == 0);
    CHECK(contains(dmesg(k).substr(log.size()), "HighMem free:"));
}
