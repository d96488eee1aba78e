// Object layout and slab order against Linux 6.1's formulas and real /proc/slabinfo figures.
#include "helpers.h"

using namespace klab;
using namespace klab::test;

namespace {
void geometry(const Kernel& k, const char* name, uint32_t size, uint32_t objs, uint32_t pages) {
    const kmem_cache& s = cache_named(k, name);
    INFO(name);
    CHECK(s.size == size);
    CHECK(s.objects == objs);
    CHECK((1u << s.order) == pages);
}
} // namespace

TEST_CASE("kmalloc caches on x86_64 with 2 CPUs match a real 6.1 SLUB machine") {
    Kernel k = boot_slab();
    geometry(k, "kmalloc-8", 8, 512, 1);
    geometry(k, "kmalloc-16", 16, 256, 1);
    geometry(k, "kmalloc-32", 32, 128, 1);
    geometry(k, "kmalloc-64", 64, 64, 1);
    geometry(k, "kmalloc-96", 96, 42, 1);
    geometry(k, "kmalloc-128", 128, 32, 1);
    geometry(k, "kmalloc-192", 192, 21, 1);
    geometry(k, "kmalloc-256", 256, 16, 1);
    geometry(k, "kmalloc-512", 512, 16, 2);
    geometry(k, "kmalloc-1k", 1024, 16, 4);
    geometry(k, "kmalloc-2k", 2048, 16, 8);
    geometry(k, "kmalloc-4k", 4096, 8, 8);
    geometry(k, "kmalloc-8k", 8192, 4, 8);
    // The reference machine's task_struct (6016 bytes): 5 objects in 8 pages.
    geometry(k, "task_struct", 6016, 5, 8);
    CHECK_SLAB(k);
}

TEST_CASE("min_objects grows with the CPU count: 4 * (fls(nr_cpus) + 1)") {
    CHECK(slub_min_objects_for(1) == 8);
    CHECK(slub_min_objects_for(2) == 12);
    CHECK(slub_min_objects_for(4) == 16);
    CHECK(slub_min_objects_for(8) == 20);
    CHECK(slub_min_objects_for(64) == 32);
    // 8 CPUs: kmalloc-512 needs 20 objects -> 10240 bytes -> order 2: 32 objects in 4 pages.
    Kernel k = boot_slab(Arch::x86_64, 8);
    geometry(k, "kmalloc-512", 512, 32, 4);
    geometry(k, "kmalloc-256", 256, 32, 2);
    CHECK(calculate_order(512, 20, 0, 3) == 2);
    CHECK(calculate_order(8192, 12, 0, 3) == 3);
}

TEST_CASE("calculate_sizes: free pointer in the middle, or after the object") {
    Kernel k = boot_slab();
    SlabGeometry g = calculate_sizes(k, 100, 8, 0, false);
    CHECK(g.size == 104);
    CHECK(g.offset == 48); // ALIGN_DOWN(100 / 2, 8)
    g = calculate_sizes(k, 100, 8, 0, true); // a constructor moves it out of the object
    CHECK(g.offset == 104);
    CHECK(g.size == 112);
    g = calculate_sizes(k, 100, 8, SLAB_TYPESAFE_BY_RCU, false);
    CHECK(g.offset == 104);
    // The worked example: 32-byte object, Z+P+U, align 8:
    // 32 + 8 right redzone (inuse 40) + 8 fp + 64 tracks + 8 pad + 8 left redzone = 128.
    g = calculate_sizes(k, 32, 8, SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER, false);
    CHECK(g.inuse == 40);
    CHECK(g.offset == 40);
    CHECK(g.red_left_pad == 8);
    CHECK(g.size == 128);
    CHECK((g.flags & __OBJECT_POISON) != 0);
}

TEST_CASE("calculate_alignment: HWCACHE_ALIGN halves the line for small objects") {
    CHECK(calculate_alignment(SLAB_HWCACHE_ALIGN, 0, 20, 8) == 32);
    CHECK(calculate_alignment(SLAB_HWCACHE_ALIGN, 0, 100, 8) == 64);
    CHECK(calculate_alignment(SLAB_HWCACHE_ALIGN, 0, 8, 8) == 8);
    CHECK(calculate_alignment(0, 0, 20, 8) == 8);
    CHECK(calculate_alignment(0, 128, 20, 8) == 128);
}

TEST_CASE("boot options: slub_min_order, slub_max_order, slub_min_objects, slab_nomerge") {
    Kernel k = boot_slab(Arch::x86_64, 2, "slub_min_order=1");
    geometry(k, "kmalloc-8", 8, 1024, 2);
    Kernel k2 = boot_slab(Arch::x86_64, 2, "slub_max_order=0");
    geometry(k2, "kmalloc-8k", 8192, 1, 2); // a single object: the buddy fallback order
    geometry(k2, "kmalloc-1k", 1024, 4, 1);
    Kernel k3 = boot_slab(Arch::x86_64, 2, "slub_min_objects=4");
    geometry(k3, "kmalloc-1k", 1024, 4, 1);
    CHECK(contains(k.log.dmesg(), "SLUB: HWalign=64, Order=1-3, MinObjects=0, CPUs=2, Nodes=1"));
}

TEST_CASE("i386 preset: 4-byte pointers, 20-byte tracks") {
    Kernel k = boot_slab(Arch::i386);
    geometry(k, "kmalloc-8", 8, 512, 1);
    geometry(k, "kmalloc-192", 192, 21, 1);
    SlabGeometry g = calculate_sizes(k, 32, 8, SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER, false);
    // 32 + 4 rz = 36 inuse, +4 fp = 40, +40 tracks = 80, +4 pad = 84, +8 left pad = 92 -> 96
    CHECK(g.inuse == 36);
    CHECK(g.size == 96);
    CHECK_SLAB(k);
}
