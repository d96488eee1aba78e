// The percpu first chunk: unit geometry per preset, alloc_percpu/free_percpu at 4-byte
// granularity, per_cpu_ptr arithmetic, meminfo's Percpu, bad input.
#include "mm/memory.h"
#include "mm/page_alloc.h"
#include "sched/context.h"
#include "vm_helpers.h"

using namespace klab;
using namespace klab::test;

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

TEST_CASE("alloc_percpu: bad sizes warn, a full dynamic area fails, bad frees are reported") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    CHECK(__alloc_percpu(k, 0, 4) == 0);
    CHECK(contains(dmesg(k), "illegal size (0) or align (4) for percpu allocation"));
    CHECK(__alloc_percpu(k, 64 << 10, 4) == 0);
    CHECK(__alloc_percpu(k, 16 << 10, 4096) != 0);
    CHECK(__alloc_percpu(k, 16 << 10, 4096) == 0);
    CHECK(contains(dmesg(k), "percpu: allocation failed, size=16384 align=4096 atomic=0"));
    uint64_t used = percpu_dyn_used(k);
    free_percpu(k, 0x1234);
    free_percpu(k, 217088 + 8192 + 4); // inside the area, but no allocation starts there
    CHECK(contains(dmesg(k), "free_percpu(0x1234): no percpu allocation starts here; ignored"));
    CHECK(percpu_dyn_used(k) == used);
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
