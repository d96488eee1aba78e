// Kernel stacks: VMAP_STACK areas with a guard page on x86_64, order-1 blocks on i386, the
// per-CPU cache of freed stacks, NR_KERNEL_STACK_KB.
#include "mm/memory.h"
#include "mm/page_alloc.h"
#include "vm_helpers.h"

using namespace klab;
using namespace klab::test;

TEST_CASE("x86_64: a 16 KiB vmalloc stack, THREAD_SIZE aligned, with a guard page") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    uint64_t s = alloc_thread_stack(k);
    REQUIRE(s);
    CHECK(s % 16384 == 0);
    const vm_struct* vm = find_vm_area(k, s);
    REQUIRE(vm);
    CHECK(vm->size == 20480); // as /proc/vmallocinfo shows a stack: 16 KiB + guard
    CHECK(vm->pages.size() == 4);
    CHECK(page_owner_at(k, vm->pages[0]) == PageOwner::kernel_stack);
    CHECK(kernel_stack_kb(k) == 16);
    CHECK(contains(proc_vmallocinfo(k), "   20480 kernel_clone+0x9d/0x3c0 pages=4 vmalloc N0=4"));
    uint32_t magic = 0;
    CHECK(!kernel_read(k, s, &magic, 4));
    CHECK(magic == STACK_END_MAGIC);
    uint8_t b;
    CHECK(kernel_read(k, s + 16384, &b, 1).kind == FaultKind::not_present); // guard
    CHECK_VM(k);
}

TEST_CASE("x86_64: freed stacks go to the per-CPU cache (2), then to vfree") {
    Kernel k = boot(Arch::x86_64, 256ull << 20);
    uint64_t s[3];
    for (uint64_t& x : s) x = alloc_thread_stack(k);
    CHECK(kernel_stack_kb(k) == 48);
    uint64_t used = vmalloc_used_pages(k);
    for (uint64_t x : s) CHECK(free_thread_stack(k, x));
    CHECK(kernel_stack_kb(k) == 0);
    CHECK(vmalloc_used_pages(k) == used - 4); // two stay cached
    CHECK(alloc_thread_stack(k) == s[0]);     // reused from the cache
    CHECK_FALSE(free_thread_stack(k, s[2]));  // already gone
    CHECK_VM(k);
}

TEST_CASE("i386: an 8 KiB order-1 block from lowmem") {
    Kernel k = boot(Arch::i386, 1ull << 30);
    uint64_t s = alloc_thread_stack(k);
    REQUIRE(s);
    pfn_t p = virt_to_page(k, s);
    REQUIRE(p != NO_PFN);
    CHECK(!PageHighMem(k, p));
    CHECK(k.mm.mem_map[p].order == 1);
    CHECK(kernel_stack_kb(k) == 8);
    CHECK(k.vmalloc.busy.empty());
    CHECK(free_thread_stack(k, s));
    CHECK(kernel_stack_kb(k) == 0);
    CHECK_VM(k);
}

#include "mm/vm_query.h"

TEST_CASE("the views' query API: areas with frames, kmap slots, the percpu chunk") {
    Kernel k = boot(Arch::i386, 1ull << 30);
    uint64_t a = vmalloc(k, 8192, "q");
    vfree(k, vmalloc(k, 4096, "q"));
    auto areas = vmalloc_areas(k);
    REQUIRE(areas.size() == 2);
    CHECK(areas[0].addr == a);
    CHECK(areas[0].pages.size() == 2);
    CHECK(areas[0].pages[1] == vmalloc_to_pfn(k, a + 4096));
    CHECK(areas[1].unpurged);
    pfn_t p = alloc_page(k, GFP_HIGHUSER);
    uint64_t va = 0;
    kmap(k, p, &va);
    kmap_atomic(k, p, &va);
    auto pk = pkmap_slots(k);
    REQUIRE(pk.size() == 1);
    CHECK(pk[0].pfn == p);
    CHECK(pk[0].count == 2);
    auto kl = kmap_local_slots(k);
    REQUIRE(kl.size() == 1);
    CHECK(kl[0].vaddr == va);
    __alloc_percpu(k, 8, 8);
    PercpuView pc = percpu_chunk(k);
    CHECK(pc.nr_units == 2);
    REQUIRE(pc.dyn_allocs.size() == 1);
    CHECK(pc.dyn_allocs[0].second == 8);
}
