// The percpu first chunk: unit geometry per preset, alloc_percpu/free_percpu at 4-byte
// granularity, per_cpu_ptr arithmetic, meminfo's Percpu, bad input.
#include "mm/memory.h"
#include "mm/page_alloc.h"
#include "sched/context.h"
#include "vm_helpers.h"

using namespace klab;
using namespace klab::test;

namespace {
size_t count(const std::string& s, const char* w) {
    size_t n = 0;
    for (size_t p = s.find(w); p != std::string::npos; p = s.find(w, p + 1)) n++;
    return n;
}
uint64_t free_all(const Kernel& k) {
    return nr_free_pages(k) + nr_free_pcp_pages(k);
}
} // namespace

TEST_CASE("first chunk geometry: s/r/d/u as pcpu_embed_first_chunk computes them") {
    Kernel k = boot(Arch::x86_64, 256ull << 20, 2);
    CHECK(percpu_embed_banner(k) == "percpu: Embedded 62 pages/cpu s217088 r8192 d28672 u1048576");
    CHECK(pcpu_nr_pages(k) == 124); // Percpu: 496 kB
    Kernel k8 = boot(Arch::x86_64, 256ull << 20, 8);
    CHECK(k8.percpu.unit_size == 262144); // 8 units share one 2 MiB atom
    Kernel i = boot(Arch::i386, 1ull << 30, 2);
    CHECK(percpu_embed_banner(i) == "percpu: Embedded 24 pages/cpu s69632 r8192 d20480 u98304");
    CHECK(pcpu_nr_pages(i) == 48); // Percpu: 192 kB
    // Units are unit_size apart, in the direct map.
    CHECK(per_cpu_offset(k, 1) - per_cpu_offset(k, 0) == 1048576);
    CHECK(virt_addr_valid(k, per_cpu_ptr(k, percpu_module_base(k), 1)));
}

TEST_CASE("alloc_percpu: zeroed copies per CPU, 4-byte granular, lowest fit, reused after free") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    uint64_t a = __alloc_percpu(k, 4, 4);
    uint64_t b = __alloc_percpu(k, 1, 1); // rounded up to 4
    uint64_t c = __alloc_percpu(k, 16, 16);
    CHECK(a == 217088 + 8192); // the first byte of the dynamic area
    CHECK(b == a + 4);
    CHECK(c == a + 16); // aligned to 16
    uint32_t v = 11, r = 0;
    CHECK(!kernel_write(k, per_cpu_ptr(k, a, 1), &v, 4));
    CHECK(!kernel_read(k, per_cpu_ptr(k, a, 0), &r, 4));
    CHECK(r == 0); // CPU 0's copy is separate
    CHECK(!kernel_read(k, per_cpu_ptr(k, a, 1), &r, 4));
    CHECK(r == 11);
    free_percpu(k, a);
    uint64_t d = __alloc_percpu(k, 4, 4);
    CHECK(d == a);
    CHECK(!kernel_read(k, per_cpu_ptr(k, d, 1), &r, 4));
    CHECK(r == 0); // zeroed again
    CHECK(percpu_dyn_used(k) == 24);
    CHECK_VM(k);
}

TEST_CASE("alloc_percpu: bad sizes warn, a full dynamic area moves on to a new chunk, bad frees are reported") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    CHECK(__alloc_percpu(k, 0, 4) == 0);
    CHECK(contains(dmesg(k), "illegal size (0) or align (4) for percpu allocation"));
    CHECK(__alloc_percpu(k, 64 << 10, 4) == 0);
    CHECK(__alloc_percpu(k, 16 << 10, 4096) != 0);
    uint64_t b = __alloc_percpu(k, 16 << 10, 4096); // no room left in the first chunk
    CHECK(b != 0);
    CHECK(k.percpu.chunks.size() == 1);
    CHECK_FALSE(contains(dmesg(k), "percpu: allocation failed"));
    uint64_t used = percpu_dyn_used(k);
    free_percpu(k, 0x1234);
    free_percpu(k, 217088 + 8192 + 4); // inside the area, but no allocation starts there
    CHECK(contains(dmesg(k), "free_percpu(0x1234): no percpu allocation starts here; ignored"));
    CHECK(percpu_dyn_used(k) == used);
    // free_percpu() of a chunk pointer twice: the second is reported, nothing changes.
    free_percpu(k, b);
    uint64_t pages = pcpu_nr_pages(k);
    free_percpu(k, b);
    CHECK(count(dmesg(k), "no percpu allocation starts here") == 3);
    CHECK(pcpu_nr_pages(k) == pages);
    CHECK_VM(k);
}

TEST_CASE("percpu chunks: created at the top of vmalloc space, populated on demand, Percpu grows") {
    for (Arch arch : {Arch::x86_64, Arch::i386}) {
        CAPTURE(int(arch));
        Kernel k = boot(arch, arch == Arch::i386 ? 1ull << 30 : 256ull << 20);
        const PercpuState& p = k.percpu;
        uint64_t boot_pages = pcpu_nr_pages(k);
        uint32_t dyn_pages = p.dyn_size / 4096;
        std::vector<uint64_t> ptrs;
        // Page-sized allocations fill the first chunk's dynamic pages one by one. When fewer than
        // PCPU_EMPTY_POP_PAGES_LOW (2) empty populated pages remain, the balance work creates a
        // chunk and populates HIGH - empty = 3 pages of it in every unit.
        for (uint32_t i = 0; i + 1 < dyn_pages; ++i) ptrs.push_back(__alloc_percpu(k, 4096, 4096));
        CHECK(p.chunks.size() == 1);
        CHECK(pcpu_nr_empty_pop_pages(k) == 4);
        CHECK(pcpu_nr_pages(k) == boot_pages + 3 * p.unit_off.size());
        uint64_t size = uint64_t(p.unit_size) * p.unit_off.size();
        uint64_t top = k.vmalloc.end & ~uint64_t(p.atom_size - 1);
        CHECK(p.chunks[0].base_addr == top - size);
        if (arch == Arch::x86_64) CHECK(p.chunks[0].base_addr == 0xffffe8ffffc00000ull);
        const vm_struct* vm = find_vm_area(k, p.chunks[0].base_addr);
        REQUIRE(vm);
        CHECK(vm->size == size); // no guard page
        CHECK(contains(proc_vmallocinfo(k), " pcpu_get_vm_areas+0x0/0x1a40 vmalloc\n"));
        CHECK_FALSE(contains(proc_vmallocinfo(k), "pages="));
        CHECK(vmalloc_used_pages(k) == 0); // VmallocUsed counts vmalloc's own pages only
        // The last first-chunk page, then the new chunk from offset 0.
        ptrs.push_back(__alloc_percpu(k, 4096, 4096));
        uint64_t c = __alloc_percpu(k, 64, 8);
        CHECK(per_cpu_ptr(k, c, 0) == p.chunks[0].base_addr);
        CHECK(per_cpu_ptr(k, c, 1) == p.chunks[0].base_addr + p.unit_size);
        // __addr_to_pcpu_ptr(): the pointer is relative to the first chunk's base.
        CHECK(c == ((p.chunks[0].base_addr - p.base_addr + p.per_cpu_start) &
                    (arch == Arch::i386 ? 0xffffffffull : ~0ull)));
        uint32_t v = 77, r = 0;
        CHECK(!kernel_write(k, per_cpu_ptr(k, c, 1) + 60, &v, 4));
        CHECK(!kernel_read(k, per_cpu_ptr(k, c, 0) + 60, &r, 4));
        CHECK(r == 0);
        CHECK(!kernel_read(k, per_cpu_ptr(k, c, 1) + 60, &r, 4));
        CHECK(r == 77);
        // Pages are mapped per unit, one frame each (highmem allowed).
        pfn_t f0 = kernel_translate(k, per_cpu_ptr(k, c, 0)), f1 = kernel_translate(k, per_cpu_ptr(k, c, 1));
        CHECK(f0 != NO_PFN);
        CHECK(f1 != NO_PFN);
        CHECK(f0 != f1);
        CHECK_VM(k);
        for (uint64_t q : ptrs) free_percpu(k, q);
        free_percpu(k, c);
        // The only free chunk stays, populated: Percpu does not shrink.
        CHECK(p.chunks.size() == 1);
        CHECK_VM(k);
    }
}

TEST_CASE("percpu chunks: a second fully free chunk is destroyed, its pages and area freed") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    const PercpuState& p = k.percpu;
    uint64_t free_before = free_all(k);
    // Each 32 KiB allocation needs its own run; a 1 MiB unit takes 32 of them.
    std::vector<uint64_t> a;
    while (p.chunks.size() < 2) a.push_back(__alloc_percpu(k, 32 << 10, 4096));
    CHECK(p.chunks[1].base_addr == p.chunks[0].base_addr - 2 * p.unit_size);
    uint64_t pages_two = pcpu_nr_pages(k);
    for (uint64_t x : a) free_percpu(k, x);
    // Both emptied: the balance work keeps the head of the free slot (emptied last).
    CHECK(p.chunks.size() == 1);
    CHECK(p.chunks_destroyed == 1);
    CHECK(pcpu_nr_pages(k) < pages_two);
    CHECK(contains(proc_vmallocinfo(k), "unpurged vm_area"));
    CHECK_VM(k);
    purge_vmap_area_lazy(k);
    // The surviving chunk keeps its populated pages.
    CHECK(free_all(k) + (pcpu_nr_pages(k) - 124) == free_before);
}

TEST_CASE("percpu chunks: no vmalloc space for a new chunk is Linux's allocation failure") {
    Kernel k = boot(Arch::i386, 1ull << 30);
    // Device memory fills the vmalloc space but for less than one chunk (192 KiB).
    for (uint64_t sz : {1ull << 20, 60ull << 10})
        while (ioremap(k, 0xfe000000ull, sz, "fill")) {
        }
    std::vector<uint64_t> a;
    uint64_t r = 1;
    for (int i = 0; i < 8 && r; ++i) a.push_back(r = __alloc_percpu(k, 4096, 4096));
    CHECK(r == 0);
    CHECK(contains(dmesg(k), "percpu: allocation failed, size=4096 align=4096 atomic=0, failed to "
                             "allocate new chunk"));
    CHECK_VM(k);
}

TEST_CASE("alloc_percpu may sleep: in atomic context it is reported") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    spin_lock(k);
    CHECK(__alloc_percpu(k, 4, 4) != 0);
    spin_unlock(k);
    CHECK(contains(dmesg(k), "BUG: sleeping function called from invalid context at "
                             "kernel/locking/mutex.c:580"));
}

TEST_CASE("per_cpu_ptr for a CPU the machine lacks uses BOOT_PERCPU_OFFSET") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    uint64_t a = __alloc_percpu(k, 4, 4);
    uint32_t r;
    // x86_64: __per_cpu_load in the freed (unmapped) init section: the access faults.
    CHECK(kernel_read(k, per_cpu_ptr(k, a, 5), &r, 4).kind == FaultKind::not_present);
    CHECK(kernel_read(k, per_cpu_ptr(k, a, -1), &r, 4).kind == FaultKind::not_present);
    // x86_64: the __percpu pointer itself is a small offset, a user address.
    CHECK(kernel_read(k, a, &r, 4).kind == FaultKind::user_address);
    Kernel i = boot(Arch::i386, 1ull << 30);
    uint64_t b = __alloc_percpu(i, 4, 4);
    CHECK(per_cpu_ptr(i, b, 7) == b); // BOOT_PERCPU_OFFSET is 0 on i386
}

TEST_CASE("__percpu pointers: __per_cpu_start + offset, per_cpu_ptr adds __per_cpu_offset[cpu]") {
    // x86_32 SMP: .data..percpu is linked at a kernel address (__per_cpu_start) and
    // __per_cpu_offset[cpu] = pcpu_base_addr - __per_cpu_start + unit offset, so a __percpu
    // pointer is not CPU 0's copy: per_cpu_ptr(p, 0) is in the embedded first chunk.
    Kernel i = boot(Arch::i386, 1ull << 30);
    const PercpuState& p = i.percpu;
    uint64_t a = __alloc_percpu(i, 4, 4);
    uint64_t off = 69632 + 8192; // static + reserved: the dynamic area's start
    CHECK(a == p.per_cpu_start + off);
    CHECK(a == 0xc1a13000ull);
    CHECK(per_cpu_offset(i, 0) == p.base_addr - p.per_cpu_start);
    CHECK(per_cpu_offset(i, 0) == 0x1d0000ull);
    CHECK(per_cpu_offset(i, 1) == 0x1d0000ull + 98304);
    CHECK(per_cpu_ptr(i, a, 0) == p.base_addr + off);
    CHECK(per_cpu_ptr(i, a, 0) != a);
    CHECK(per_cpu_ptr(i, a, 0) == 0xc1be3000ull);
    // x86_64: the section is zero-based, the pointer is the offset itself.
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    uint64_t b = __alloc_percpu(k, 4, 4);
    CHECK(b == 217088 + 8192);
    CHECK(per_cpu_offset(k, 0) == k.percpu.base_addr);
    CHECK(per_cpu_ptr(k, b, 0) == k.percpu.base_addr + b);
}
