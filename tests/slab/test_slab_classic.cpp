// Classic SLAB (mm/slab.c of 6.1): tunables, geometry, colouring, array caches, the three
// node lists, /proc/slabinfo and its tunables write, double frees, cache_reap; the checker
// after every step.
#include <algorithm>
#include <set>

#include "helpers.h"
#include "mm/page_alloc.h"
#include "proc/proc.h"
#include "slab/slub_internal.h"

using namespace klab;
using namespace klab::test;

namespace {

Kernel boot_classic(Arch arch = Arch::x86_64, uint32_t cpus = 2, const std::string& cmdline = "") {
    MachineConfig c = MachineConfig::preset(arch);
    c.nr_cpus = cpus;
    c.cmdline = cmdline;
    c.allocator = SlabAllocator::slab;
    Result<Kernel> r = Kernel::boot(c);
    REQUIRE(r.ok());
    return std::move(r).value();
}

std::string slabinfo_line(const Kernel& k, const std::string& name) {
    std::string all = proc_read(k, "/proc/slabinfo").value();
    size_t p = all.find("\n" + name + " ");
    REQUIRE(p != std::string::npos);
    return all.substr(p + 1, all.find('\n', p + 1) - p - 1);
}

uint32_t make_cache(Kernel& k, const char* name, uint32_t size, uint64_t ctor = 0,
                    slab_flags_t flags = 0) {
    SlabCtx cx;
    uint64_t c = kmem_cache_create(k, name, size, 0, flags, ctor, cx);
    REQUIRE(c);
    return cache_by_address(k, c);
}

} // namespace

TEST_CASE("SLAB enable_cpucache() defaults: limit by object size, batchcount (limit+1)/2, shared 8 on SMP") {
    struct Row {
        uint32_t size, limit, batch, shared;
    };
    const Row rows[] = {{32, 120, 60, 8},    {256, 120, 60, 8},  {257, 54, 27, 8},
                        {1024, 54, 27, 8},   {1025, 24, 12, 8},  {4096, 24, 12, 8},
                        {4097, 8, 4, 0},     {131072, 8, 4, 0},  {131073, 1, 1, 0}};
    for (const Row& r : rows) {
        CAPTURE(r.size);
        SlabTunables t = slab_default_tunables(r.size, 2);
        CHECK(t.limit == r.limit);
        CHECK(t.batchcount == r.batch);
        CHECK(t.shared == r.shared);
    }
    CHECK(slab_default_tunables(64, 1).shared == 0); // uniprocessor: no shared array
    Kernel k = boot_classic();
    CHECK(cache_named(k, "kmalloc-32").limit == 120);
    CHECK(cache_named(k, "kmalloc-1k").limit == 54);
    CHECK(cache_named(k, "kmalloc-2k").batchcount == 12);
    CHECK(cache_named(k, "task_struct").shared == 0);
    CHECK(cache_named(k, "kmalloc-8k").limit == 8);
    Kernel up = boot_classic(Arch::x86_64, 1);
    CHECK(cache_named(up, "kmalloc-32").shared == 0);
    CHECK_FALSE(up.slab.caches[cache_by_name(up, "kmalloc-32")].node.has_shared);
    CHECK_SLAB(k);
}

TEST_CASE("SLAB geometry: kmalloc caches from 32 bytes, HWCACHE_ALIGN, index arrays where 6.1 puts them") {
    Kernel k = boot_classic();
    CHECK(cache_by_name(k, "kmalloc-8") == NO_CACHE);
    CHECK(cache_by_name(k, "kmalloc-16") == NO_CACHE);
    CHECK(cache_by_name(k, "kmem_cache_node") == NO_CACHE); // SLAB kmallocs its nodes
    struct Row {
        const char* name;
        uint32_t size, num, order;
        SlabMgmt mgmt;
        uint32_t colour;
    };
    const Row rows[] = {
        {"kmalloc-32", 32, 124, 0, SlabMgmt::on_slab, 0},   // 128 one-byte indices > 32 bytes
        {"kmalloc-64", 64, 64, 0, SlabMgmt::objfreelist, 0},
        {"kmalloc-96", 128, 32, 0, SlabMgmt::objfreelist, 0}, // aligned to the cache line
        {"kmalloc-128", 128, 32, 0, SlabMgmt::objfreelist, 0},
        {"kmalloc-192", 192, 21, 0, SlabMgmt::objfreelist, 1},
        {"kmalloc-1k", 1024, 4, 0, SlabMgmt::objfreelist, 0},
        {"kmalloc-4k", 4096, 1, 0, SlabMgmt::objfreelist, 0},
        {"kmalloc-8k", 8192, 1, 1, SlabMgmt::objfreelist, 0},
        {"kmem_cache", 192, 21, 0, SlabMgmt::objfreelist, 1},
        {"task_struct", 6016, 1, 1, SlabMgmt::objfreelist, 34},
        {"radix_tree_node", 576, 7, 0, SlabMgmt::on_slab, 0}, // a constructor: no OBJFREELIST
        {"mm_struct", 1088, 7, 1, SlabMgmt::objfreelist, 9},
    };
    for (const Row& r : rows) {
        CAPTURE(r.name);
        const kmem_cache& s = cache_named(k, r.name);
        CHECK(s.size == r.size);
        CHECK(s.objects == r.num);
        CHECK(s.order == r.order);
        CHECK(s.mgmt == r.mgmt);
        CHECK(s.colour == r.colour);
        CHECK(s.colour_off == std::max(64u, s.align));
    }
    // A constructor and no leftover for indices: the array goes off-slab into kmalloc-32.
    uint32_t c = make_cache(k, "withctor", 512, 1);
    CHECK(k.slab.caches[c].mgmt == SlabMgmt::off_slab);
    CHECK(k.slab.caches[c].objects == 8);
    CHECK(k.slab.caches[c].freelist_size == 8);
    // kmalloc(8) uses kmalloc-32 (KMALLOC_MIN_SIZE is 32 with SLAB).
    CHECK(k.slab.caches[kmalloc_slab(k, 8, GFP_KERNEL)].name == "kmalloc-32");
    CHECK(k.slab.caches[kmalloc_slab(k, 33, GFP_KERNEL)].name == "kmalloc-64");
    CHECK(k.slab.caches[kmalloc_slab(k, 65, GFP_KERNEL)].name == "kmalloc-96");
    CHECK(k.slab.caches[kmalloc_slab(k, 100, GFP_DMA)].name == "dma-kmalloc-128");
    CHECK(kmalloc_slab(k, 8193, GFP_KERNEL) == NO_CACHE); // kmalloc_large above 8 KiB in 6.1
    CHECK_SLAB(k);
}

TEST_CASE("SLAB boot order: kmem_cache, the node's kmalloc cache, then the others from 32 up") {
    Kernel k = boot_classic();
    const SlabModel& m = k.slab;
    REQUIRE(m.slab_caches.size() > 4);
    CHECK(m.caches[m.slab_caches[0]].name == "kmem_cache");
    CHECK(m.caches[m.slab_caches[1]].name == "kmalloc-128"); // sizeof(kmem_cache_node) = 120
    CHECK(m.caches[m.slab_caches[2]].name == "kmalloc-32");
    CHECK(m.caches[m.slab_caches[3]].name == "kmalloc-64");
    CHECK(m.caches[m.slab_caches[4]].name == "kmalloc-96");
    CHECK(m.caches[m.slab_caches[5]].name == "kmalloc-192");
    // kmalloc-128 was made by create_kmalloc_cache() before the others and keeps refcount 1;
    // it still takes no aliases: its usercopy region (HARDENED_USERCOPY) forbids merging.
    CHECK(cache_named(k, "kmalloc-128").refcount == 1);
    CHECK(cache_named(k, "kmalloc-64").refcount == -1);
    SlabCtx cx;
    CHECK(kmem_cache_create(k, "mine128", 128, 0, 0, 0, cx) != cache_named(k, "kmalloc-128").address);
    Kernel i386 = boot_classic(Arch::i386);
    CHECK(i386.slab.caches[i386.slab.slab_caches[1]].name == "kmalloc-64"); // 64-byte node
    CHECK_SLAB(i386);
}

TEST_CASE("SLAB colouring: colour_next moves first, then gives the offset, and wraps at colour") {
    Kernel k = boot_classic();
    uint32_t c = make_cache(k, "coloured", 1200);
    const kmem_cache& s = k.slab.caches[c];
    REQUIRE(s.order == 0);
    REQUIRE(s.objects == 3);
    REQUIRE(s.colour == 7); // 496 bytes left over / 64
    SlabCtx cx;
    std::vector<uint32_t> offsets;
    uint64_t slabs = 0;
    for (int i = 0; i < 200 && offsets.size() < 17; ++i) {
        uint64_t obj = kmem_cache_alloc(k, s.address, GFP_KERNEL, cx);
        REQUIRE(obj);
        if (k.slab.caches[c].node.nr_slabs != slabs) {
            slabs = k.slab.caches[c].node.nr_slabs;
            const Slab& sl = k.slab.slabs[slab_of(k, obj)];
            offsets.push_back(sl.colour_off);
            CHECK((obj - slab_address(k, sl) - sl.colour_off) % 1200 == 0);
        }
        CHECK_SLAB(k);
    }
    REQUIRE(offsets.size() == 17);
    for (uint32_t i = 0; i < 17; ++i) {
        CAPTURE(i);
        CHECK(offsets[i] == ((i + 1) % 7) * 64); // 64, 128, ..., 384, 0, 64, 128
    }
}

TEST_CASE("SLAB refill: the first refill of an untouched array takes 16, later ones a batch") {
    Kernel k = boot_classic();
    SlabCtx cx;
    // A cache of its own: kmalloc-128 already holds the boot caches' node structs.
    const uint32_t c = make_cache(k, "refill128", 128, 0, SLAB_ACCOUNT);
    const uint64_t cp = k.slab.caches[c].address;
    auto ac = [&]() -> const array_cache& { return k.slab.caches[c].cpu_cache[0]; };
    auto node = [&]() -> const kmem_cache_node& { return k.slab.caches[c].node; };
    uint64_t first = kmem_cache_alloc(k, cp, GFP_KERNEL, cx);
    REQUIRE(first);
    CHECK(ac().avail == 15); // BATCHREFILL_LIMIT 16, one handed out
    CHECK(node().nr_slabs == 1);
    CHECK(node().free_objects == 16);
    CHECK(node().slabs_partial.count == 1);
    CHECK(k.slab.slabs[slab_of(k, first)].inuse == 16);
    // LIFO: the array hands out from its top, so the 16th object of the slab came first.
    const Slab& sl = k.slab.slabs[slab_of(k, first)];
    CHECK(first == slab_address(k, sl) + 15 * 128);
    CHECK_SLAB(k);
    for (int i = 0; i < 15; ++i) kmem_cache_alloc(k, cp, GFP_KERNEL, cx);
    CHECK(ac().avail == 0);
    kmem_cache_alloc(k, cp, GFP_KERNEL, cx); // touched now: batch 60, only 16 left on the slab
    CHECK(ac().avail == 15);
    CHECK(node().slabs_full.count == 1);
    CHECK(node().slabs_partial.count == 0);
    CHECK(node().free_objects == 0);
    CHECK(node().nr_slabs == 1);
    CHECK_SLAB(k);
    for (int i = 0; i < 15; ++i) kmem_cache_alloc(k, cp, GFP_KERNEL, cx);
    kmem_cache_alloc(k, cp, GFP_KERNEL, cx); // empty array, no free object: a new slab, 60 of it max
    CHECK(node().nr_slabs == 2);
    CHECK(ac().avail == 31); // the whole new slab (32) minus the one returned
    CHECK(node().slabs_full.count == 2);
    CHECK_SLAB(k);
}

TEST_CASE("SLAB flush: a full array gives batchcount objects to the shared array, then to the slabs") {
    Kernel k = boot_classic();
    SlabCtx cx;
    const uint32_t c = cache_by_name(k, "kmalloc-128");
    std::vector<uint64_t> objs;
    for (int i = 0; i < 700; ++i) objs.push_back(kmalloc(k, 100, GFP_KERNEL, cx));
    const kmem_cache& s = k.slab.caches[c];
    const uint32_t left_in_array = s.cpu_cache[0].avail;
    for (int i = 0; i < 120 - int(left_in_array); ++i) kfree(k, objs[i], cx);
    CHECK(s.cpu_cache[0].avail == 120);
    CHECK(s.node.shared.avail == 0);
    kfree(k, objs[120 - left_in_array], cx); // cache_flusharray(): 60 to shared, then push
    CHECK(s.cpu_cache[0].avail == 61);
    CHECK(s.node.shared.avail == 60);
    CHECK(s.node.shared.limit == 480); // shared * batchcount
    CHECK_SLAB(k);
    // The oldest 60 entries moved (the array's bottom), the newest stayed on top.
    CHECK(s.cpu_cache[0].entry[60] == objs[120 - left_in_array]);
    // Fill the shared array completely, then the next flush goes to free_block().
    size_t next = 121 - left_in_array;
    while (s.node.shared.avail < 480) kfree(k, objs[next++], cx);
    CHECK_SLAB(k);
    uint64_t free_before = s.node.free_objects;
    while (s.cpu_cache[0].avail < 120) kfree(k, objs[next++], cx);
    kfree(k, objs[next++], cx);
    CHECK(s.node.free_objects == free_before + 60);
    CHECK(s.cpu_cache[0].avail == 61);
    CHECK_SLAB(k);
    // Another CPU refills from the shared array before touching the slabs.
    k.current_cpu = 1;
    uint64_t shared_before = s.node.shared.avail;
    uint64_t o = kmalloc(k, 100, GFP_KERNEL, cx);
    CHECK(o);
    CHECK(s.cpu_cache[1].avail == 15);
    CHECK(s.node.shared.avail == shared_before - 16);
    CHECK(s.node.shared.touched == 1);
    CHECK_SLAB(k);
}

TEST_CASE("SLAB lists: slabs move full -> partial -> free and back, free slabs above free_limit go") {
    Kernel k = boot_classic();
    uint32_t c = make_cache(k, "movers", 512);
    REQUIRE(slabinfo_write(k, "movers 1 1 0") == 0); // arrays of one: every free reaches the slab
    const kmem_cache& s = k.slab.caches[c];
    CHECK(s.limit == 1);
    CHECK_FALSE(s.node.has_shared);
    CHECK(s.node.free_limit == (1 + 2) * 1 + 8);
    SlabCtx cx;
    std::vector<uint64_t> objs;
    for (int i = 0; i < 8; ++i) objs.push_back(kmem_cache_alloc(k, s.address, GFP_KERNEL, cx));
    uint32_t id = slab_of(k, objs[0]);
    CHECK(k.slab.slabs[id].list == SlabList::slabs_full);
    CHECK_SLAB(k);
    kmem_cache_free(k, s.address, objs[0], cx); // into the array of one
    CHECK(k.slab.slabs[id].list == SlabList::slabs_full);
    kmem_cache_free(k, s.address, objs[1], cx); // flush objs[0] to its slab
    CHECK(k.slab.slabs[id].list == SlabList::slabs_partial);
    CHECK(k.slab.slabs[id].inuse == 7);
    CHECK_SLAB(k);
    for (int i = 2; i < 8; ++i) kmem_cache_free(k, s.address, objs[i], cx);
    CHECK(k.slab.slabs[id].inuse == 1); // objs[7] sits in the array
    uint64_t again = kmem_cache_alloc(k, s.address, GFP_KERNEL, cx);
    CHECK(again == objs[7]);
    kmem_cache_free(k, s.address, again, cx);
    SlabCtx cx2;
    kmem_cache_shrink(k, s.address, cx2); // drain: the slab is empty, and freed
    CHECK(k.slab.caches[c].node.nr_slabs == 0);
    CHECK_SLAB(k);
    // Empty slabs are kept on slabs_free up to free_limit (11 objects here: one slab of 8).
    objs.clear();
    for (int i = 0; i < 24; ++i) objs.push_back(kmem_cache_alloc(k, s.address, GFP_KERNEL, cx));
    CHECK(s.node.nr_slabs == 3);
    for (uint64_t o : objs) kmem_cache_free(k, s.address, o, cx);
    // The last object waits in the array, so its slab stays partial (7 free); the two empty
    // slabs would make 23 free objects, above free_limit 11: both are given back.
    CHECK(s.node.slabs_free.count == 0);
    CHECK(s.node.slabs_partial.count == 1);
    CHECK(s.node.nr_slabs == 1);
    CHECK(s.node.free_objects <= s.node.free_limit);
    CHECK_SLAB(k);
}

TEST_CASE("SLAB /proc/slabinfo: real tunables, active slabs, sharedavail") {
    // Boot already holds objects: 61 node structs in kmalloc-128, the shared arrays in
    // kmalloc-4k (limit 120: 3856 bytes), kmalloc-2k (limit 54) and kmalloc-1k (limit 24).
    Kernel k = boot_classic();
    SlabCtx cx;
    std::vector<uint64_t> objs;
    for (int i = 0; i < 200; ++i) objs.push_back(kmalloc(k, 100, GFP_KERNEL, cx));
    CHECK(slabinfo_line(k, "kmalloc-128") ==
          "kmalloc-128          288    288    128   32    1 : tunables  120   60    8 : slabdata      9      9      0");
    for (uint64_t o : objs) kfree(k, o, cx);
    CHECK(slabinfo_line(k, "kmalloc-128") ==
          "kmalloc-128          288    288    128   32    1 : tunables  120   60    8 : slabdata      9      9    120");
    CHECK(slabinfo_line(k, "kmalloc-32") ==
          "kmalloc-32             0      0     32  124    1 : tunables  120   60    8 : slabdata      0      0      0");
    CHECK(slabinfo_line(k, "task_struct") ==
          "task_struct            0      0   6016    1    2 : tunables    8    4    0 : slabdata      0      0      0");
    CHECK(slabinfo_line(k, "kmalloc-4k") ==
          "kmalloc-4k            33     33   4096    1    1 : tunables   24   12    8 : slabdata     33     33      0");
    CHECK(slabinfo_line(k, "kmalloc-1k") ==
          "kmalloc-1k            12     12   1024    4    1 : tunables   54   27    8 : slabdata      3      3      0");
    // Retuning drains the arrays: the slabs become free and all but free_limit go.
    REQUIRE(proc_write(k, "/proc/slabinfo", "kmalloc-128 30 10 2\n").ok());
    CHECK(slabinfo_line(k, "kmalloc-128") ==
          "kmalloc-128           61     96    128   32    1 : tunables   30   10    2 : slabdata      2      3      0");
    CHECK_SLAB(k);
}

TEST_CASE("SLAB slabinfo_write() validation and errors as 6.1") {
    Kernel k = boot_classic();
    CHECK(slabinfo_write(k, "nosuch 10 5 1") == -22);
    CHECK(slabinfo_write(k, "kmalloc-64") == -22);
    CHECK(slabinfo_write(k, "kmalloc-64 10 x 1") == -22);
    CHECK(slabinfo_write(k, std::string(129, 'a')) == -22);
    // Out-of-range numbers are accepted and ignored.
    CHECK(slabinfo_write(k, "kmalloc-64 10 11 1") == 0);
    CHECK(slabinfo_write(k, "kmalloc-64 0 0 1") == 0);
    CHECK(slabinfo_write(k, "kmalloc-64 10 5 -1") == 0);
    CHECK(cache_named(k, "kmalloc-64").limit == 120);
    CHECK(slabinfo_write(k, "kmalloc-64 10 5 1") == 0);
    CHECK(cache_named(k, "kmalloc-64").limit == 10);
    CHECK(cache_named(k, "kmalloc-64").node.shared.limit == 5);
    Result<void> bad = proc_write(k, "/proc/slabinfo", "nosuch 1 1 1\n");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message == "write error: Invalid argument");
    Kernel slub = boot_slab();
    CHECK(slabinfo_write(slub, "kmalloc-64 10 5 1") == -5);
    CHECK_SLAB(k);
}

TEST_CASE("SLAB tunables: a limit whose per-CPU array is over 32 KiB is refused by the per-CPU allocator") {
    for (Arch a : {Arch::x86_64, Arch::i386}) {
        Kernel k = boot_classic(a);
        // 16 + pointer * limit bytes per CPU: 4094 (x86_64) or 8188 (i386) entries fit in 32 KiB.
        uint32_t most = a == Arch::x86_64 ? 4094 : 8188;
        CHECK(slabinfo_write(k, "kmalloc-128 " + std::to_string(most) + " 1 0") == 0);
        CHECK(cache_named(k, "kmalloc-128").limit == most);
        CHECK_FALSE(contains(k.log.dmesg(), "percpu allocation"));
        CHECK(slabinfo_write(k, "kmalloc-128 " + std::to_string(most + 1) + " 1 0") == -12);
        CHECK(cache_named(k, "kmalloc-128").limit == most); // unchanged
        std::string size = std::to_string(16 + (a == Arch::x86_64 ? 8 : 4) * (most + 1));
        CHECK(contains(k.log.dmesg(), "illegal size (" + size + ") or align (" +
                                           (a == Arch::x86_64 ? "8" : "4") + ") for percpu allocation"));
        CHECK(contains(k.log.dmesg(), "WARNING: CPU: 0 PID: 1000 at mm/percpu.c:1758 pcpu_alloc"));
        Result<void> w = proc_write(k, "/proc/slabinfo", "kmalloc-128 100000 1 0\n");
        REQUIRE_FALSE(w.ok());
        CHECK(w.error().message == "write error: Cannot allocate memory");
        CHECK_SLAB(k);
    }
}

TEST_CASE("SLAB without DEBUG_SLAB drops the debug flags at creation, so such a cache merges") {
    Kernel k = boot_classic();
    SlabCtx cx;
    uint64_t plain = kmem_cache_create(k, "plain64", 64, 0, SLAB_ACCOUNT, 0, cx);
    uint64_t poisoned = kmem_cache_create(k, "poison64", 64, 0, SLAB_ACCOUNT | SLAB_POISON | SLAB_RED_ZONE, 0, cx);
    REQUIRE(plain);
    CHECK(poisoned == plain);
    CHECK((k.slab.caches[cache_by_address(k, plain)].flags & (SLAB_POISON | SLAB_RED_ZONE)) == 0);
    // Flags no allocator accepts are refused (SLAB_FLAGS_PERMITTED).
    CHECK(kmem_cache_create(k, "failslab", 64, 0, SLAB_FAILSLAB, 0, cx) == 0);
    // SLUB keeps them (built with SLUB_DEBUG): such a cache never merges.
    Kernel u = boot_slab();
    uint64_t up = kmem_cache_create(u, "plain64", 64, 0, SLAB_ACCOUNT, 0, cx);
    uint64_t uq = kmem_cache_create(u, "poison64", 64, 0, SLAB_ACCOUNT | SLAB_POISON, 0, cx);
    CHECK(up != uq);
    CHECK((u.slab.caches[cache_by_address(u, uq)].flags & SLAB_POISON) != 0);
}

TEST_CASE("SLAB double frees: the hardened WARN for the top of the array, DEBUG_SLAB's BUG otherwise") {
    Kernel k = boot_classic();
    SlabCtx cx;
    uint64_t a = kmalloc(k, 100, GFP_KERNEL, cx);
    uint64_t b = kmalloc(k, 100, GFP_KERNEL, cx);
    kfree(k, a, cx);
    kfree(k, a, cx); // same object on top of the array: WARN_ON_ONCE, not added again
    CHECK(contains(k.log.dmesg(), "at mm/slab.c:597 ___cache_free"));
    CHECK_FALSE(current(k).dying);
    CHECK_SLAB(k);
    kfree(k, b, cx);
    SlabCtx cx2;
    kfree(k, a, cx2); // a is in the array below b: DEBUG_SLAB's check stops it
    CHECK(current(k).dying);
    current(k).dying = false; // a test, not a task: it goes on
    CHECK(contains(k.log.dmesg(), "slab: double free detected in cache 'kmalloc-128', objp ffff8881"));
    CHECK(contains(k.log.dmesg(), "kernel BUG at mm/slab.c:2527!"));
    CHECK_SLAB(k);
    SlabCtx cx3;
    uint64_t c = kmalloc(k, 100, GFP_KERNEL, cx3);
    kfree(k, c + 8, cx3); // not an object start
    CHECK(current(k).dying);
    current(k).dying = false; // a test, not a task: it goes on
    CHECK(contains(k.log.dmesg(), "kernel BUG at mm/slab.c:2708!"));
    CHECK_SLAB(k);
}

TEST_CASE("SLAB caches made after boot take their struct, node and shared array from slab caches") {
    Kernel k = boot_classic();
    auto used = [&](const char* n) { return cache_objects(k, n).size(); };
    auto active = [&](const char* n) { return slab_cache_info(k, cache_by_name(k, n)).active_objs; };
    auto holds = [&](const char* n, uint64_t obj) {
        std::vector<uint64_t> v = cache_objects(k, n);
        return std::find(v.begin(), v.end(), obj) != v.end();
    };
    // The boot caches' own structs, nodes and shared arrays are there already.
    const size_t kc0 = used("kmem_cache"), node0 = used("kmalloc-128"), shared0 = used("kmalloc-2k");
    CHECK(kc0 > 0);
    SlabCtx cx;
    uint64_t c = kmem_cache_create(k, "mine", 300, 0, 0, 0, cx);
    REQUIRE(c);
    CHECK(used("kmem_cache") == kc0 + 1);
    CHECK(used("kmalloc-128") == node0 + 1); // struct kmem_cache_node (120 bytes)
    CHECK(used("kmalloc-2k") == shared0 + 1); // the shared array: 16 + 8 * 8 * 27 bytes
    const kmem_cache& s = k.slab.caches[cache_by_address(k, c)];
    CHECK(holds("kmalloc-128", s.node_address));
    CHECK(holds("kmalloc-2k", s.node.shared.address));
    uint64_t o = kmem_cache_alloc(k, c, GFP_KERNEL, cx);
    CHECK(o);
    kmem_cache_destroy(k, c, cx); // still has an object: Linux's WARN, cache stays
    CHECK(contains(k.log.dmesg(), "kmem_cache_destroy mine: Slab cache still has objects"));
    CHECK(cache_by_name(k, "mine") != NO_CACHE);
    kmem_cache_free(k, c, o, cx);
    kmem_cache_destroy(k, c, cx);
    CHECK(cache_by_name(k, "mine") == NO_CACHE);
    CHECK(used("kmem_cache") == kc0);
    CHECK(used("kmalloc-128") == node0);
    CHECK(used("kmalloc-2k") == shared0);
    CHECK(active("kmalloc-2k") > shared0); // the freed objects wait in the array caches
    CHECK_SLAB(k);
}

TEST_CASE("SLAB kmalloc family: sizes, ksize, zeroing, large allocations, the 8 MiB failure") {
    Kernel k = boot_classic();
    SlabCtx cx;
    uint64_t p = kmalloc(k, 96, GFP_KERNEL, cx);
    CHECK(k.slab.caches[k.slab.slabs[slab_of(k, p)].cache].name == "kmalloc-96");
    CHECK(ksize(k, p, cx) == 96); // object_size, not the 128-byte slot
    mem_fill(k, p, 0xab, 96);
    kfree(k, p, cx);
    uint64_t z = kmalloc(k, 96, GFP_KERNEL | __GFP_ZERO, cx);
    CHECK(z == p);
    uint8_t b = 1;
    mem_read(k, z + 50, &b, 1);
    CHECK(b == 0);
    uint64_t big = kmalloc(k, 100000, GFP_KERNEL, cx);
    CHECK(big);
    CHECK(slab_of(k, big) == NO_SLAB);
    kfree(k, big, cx);
    CHECK(kmalloc(k, 8u << 20, GFP_KERNEL, cx) == 0);
    CHECK(contains(k.log.dmesg(), "__alloc_pages"));
    CHECK(kmalloc(k, 0, GFP_KERNEL, cx) == ZERO_SIZE_PTR);
    CHECK_SLAB(k);
}

TEST_CASE("SLAB cache_reap(): untouched arrays lose a fifth of their limit, free slabs are trimmed") {
    Kernel k = boot_classic();
    SlabCtx cx;
    std::vector<uint64_t> objs;
    for (int i = 0; i < 100; ++i) objs.push_back(kmalloc(k, 100, GFP_KERNEL, cx));
    for (uint64_t o : objs) kfree(k, o, cx);
    const kmem_cache& s = cache_named(k, "kmalloc-128");
    uint32_t avail = s.cpu_cache[0].avail;
    REQUIRE(avail > 24);
    REQUIRE(s.cpu_cache[0].touched == 1);
    cache_reap(k, 0); // touched since the last reap: only the flag is cleared
    CHECK(s.cpu_cache[0].avail == avail);
    CHECK(s.cpu_cache[0].touched == 0);
    cache_reap(k, 0);
    CHECK(s.cpu_cache[0].avail == avail - 24); // (limit + 4) / 5
    CHECK_SLAB(k);
    // The reap work also runs on its own once its period has passed (checked at slab calls).
    k.clock.advance_ns(60ull * 1000000000ull);
    kmalloc(k, 32, GFP_KERNEL, cx);
    CHECK(s.cpu_cache[0].avail < avail - 24);
    CHECK_SLAB(k);
}

TEST_CASE("SLAB under i386: 4-byte pointers, the same rules") {
    Kernel k = boot_classic(Arch::i386);
    SlabCtx cx;
    CHECK(cache_named(k, "kmalloc-32").objects == 124);
    CHECK(cache_named(k, "kmem_cache").size == 128);
    std::vector<uint64_t> objs;
    for (int i = 0; i < 300; ++i) objs.push_back(kmalloc(k, 40, GFP_KERNEL, cx));
    CHECK_SLAB(k);
    for (uint64_t o : objs) kfree(k, o, cx);
    CHECK_SLAB(k);
}

TEST_CASE("SLAB random walk: kmalloc/kfree on both CPUs, retuning, reaping, shrinking, checker every step") {
    Kernel k = boot_classic();
    SlabCtx cx;
    uint64_t c = kmem_cache_create(k, "walk", 700, 0, 0, 1 /* an in-kernel ctor: off-slab */, cx);
    REQUIRE(c);
    std::vector<std::pair<uint64_t, bool>> live; // object, from the "walk" cache
    uint64_t x = 12345;
    auto rnd = [&]() {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        return x >> 33;
    };
    for (int step = 0; step < 1500; ++step) {
        CAPTURE(step);
        k.current_cpu = uint32_t(rnd() % 2);
        uint64_t r = rnd() % 100;
        if (r < 45 || live.empty()) {
            bool mine = rnd() % 4 == 0;
            uint64_t o = mine ? kmem_cache_alloc(k, c, GFP_KERNEL, cx)
                              : kmalloc(k, 1 + rnd() % 3000, GFP_KERNEL, cx);
            REQUIRE(o);
            live.push_back({o, mine});
        } else if (r < 92) {
            size_t i = rnd() % live.size();
            if (live[i].second)
                kmem_cache_free(k, c, live[i].first, cx);
            else
                kfree(k, live[i].first, cx);
            live.erase(live.begin() + long(i));
        } else if (r < 94) {
            uint32_t limit = 1 + uint32_t(rnd() % 130);
            slabinfo_write(k, "kmalloc-1k " + std::to_string(limit) + " " +
                                  std::to_string(1 + rnd() % limit) + " " + std::to_string(rnd() % 9));
        } else if (r < 97) {
            cache_reap(k, uint32_t(rnd() % 2));
        } else {
            kmem_cache_shrink(k, c, cx);
        }
        REQUIRE_FALSE(current(k).dying);
        std::string err = check_slab_caches(k);
        REQUIRE_MESSAGE(err.empty(), err);
    }
    for (auto& [o, mine] : live) mine ? kmem_cache_free(k, c, o, cx) : kfree(k, o, cx);
    kmem_cache_destroy(k, c, cx);
    CHECK(cache_by_name(k, "walk") == NO_CACHE);
    CHECK_SLAB(k);
}

TEST_CASE("SLAB and SLOB: kmem:* events are parents of the page-allocator events they cause") {
    for (SlabAllocator a : {SlabAllocator::slab, SlabAllocator::slob}) {
        CAPTURE(int(a));
        MachineConfig c = MachineConfig::preset(Arch::x86_64);
        c.allocator = a;
        Kernel k = std::move(Kernel::boot(c)).value();
        SlabCtx cx;
        cx.caller = 0xffffffffc0000123ull;
        uint64_t first = k.trace.written;
        // A size whose slab (SLAB: kmalloc-96) or SLOB page boot left empty or too full, so
        // that the call needs a new page.
        const uint32_t req = a == SlabAllocator::slab ? 80 : 3500;
        uint64_t p = kmalloc(k, req, GFP_KERNEL, cx);
        std::vector<TraceEvent> ev = k.trace.since(first);
        REQUIRE(ev.size() >= 2);
        const TraceEvent& km = ev.back();
        CHECK(km.type == TraceEventType::kmalloc);
        CHECK(km.pfn == p);
        CHECK(km.bytes_req == req);
        CHECK(km.bytes_alloc == (a == SlabAllocator::slab ? 128u : 3508u)); // SLAB: 96 cache-line aligned; SLOB: size + header
        bool child = false;
        for (const TraceEvent& e : ev)
            if (e.type == TraceEventType::mm_page_alloc && e.parent == km.id) child = true;
        CHECK(child);
        first = k.trace.written;
        kfree(k, p, cx);
        ev = k.trace.since(first);
        REQUIRE(!ev.empty());
        CHECK(ev[0].type == TraceEventType::kfree);
    }
}
