// Details of the slab layer checked against Linux 6.1 (the source, and 6.1.0-57-amd64 under
// qemu-oracle where a module can show them): i386 object alignment, caches smaller than a
// pointer, the mask new_slab() keeps, the boot-time slab state, %pGp page flags, the WARNs of
// a constructor cache given __GFP_ZERO and of a cache name with a space, the report texts.
#include "helpers.h"
#include "mm/page_alloc.h"
#include "mm/page_flags.h"
#include "printk/dump_stack.h"
#include "proc/proc.h"
#include "slab/slub_internal.h"

using namespace klab;
using namespace klab::test;

namespace {

Kernel boot_with(Arch arch, SlabAllocator a) {
    MachineConfig c = MachineConfig::preset(arch);
    c.allocator = a;
    Result<Kernel> r = Kernel::boot(c);
    REQUIRE(r.ok());
    return std::move(r).value();
}

const kmem_cache& created(Kernel& k, const char* name, uint32_t size, slab_flags_t flags = 0) {
    SlabCtx cx;
    uint64_t c = kmem_cache_create(k, name, size, 0, flags, 0, cx);
    REQUIRE(c != 0);
    return k.slab.caches[cache_by_address(k, c)];
}

} // namespace

TEST_CASE("i386: objects are aligned to __alignof__(unsigned long long) = 8, SLUB and SLAB") {
    CHECK(calculate_alignment(0, 0, 12, 4) == 8);
    CHECK(calculate_alignment(0, 4, 12, 4) == 8);
    CHECK(calculate_alignment(0, 0, 12, 8) == 8);
    Kernel k = boot_slab(Arch::i386);
    const kmem_cache& a = created(k, "twelve", 12, SLAB_ACCOUNT); // SLAB_ACCOUNT: no merging
    CHECK(a.size == 16);
    CHECK(a.objects == 256);
    const kmem_cache& b = created(k, "twenty", 20, SLAB_ACCOUNT);
    CHECK(b.size == 24);
    CHECK(b.objects == 170);
    CHECK_SLAB(k);

    Kernel s = boot_with(Arch::i386, SlabAllocator::slab);
    const kmem_cache& c = created(s, "twelve", 12, SLAB_ACCOUNT);
    CHECK(c.size == 16);
    CHECK(c.align == 8);
    const kmem_cache& d = created(s, "twenty", 20, SLAB_ACCOUNT);
    CHECK(d.size == 24);
    CHECK_SLAB(s);
}

TEST_CASE("i386: a 12-byte and a 16-byte cache merge, as both are 16 bytes apart") {
    Kernel k = boot_slab(Arch::i386);
    SlabCtx cx;
    uint64_t a = kmem_cache_create(k, "sixteen", 16, 0, SLAB_ACCOUNT, 0, cx);
    uint64_t b = kmem_cache_create(k, "twelve", 12, 0, SLAB_ACCOUNT, 0, cx);
    CHECK(a != 0);
    CHECK(a == b);
    CHECK(k.slab.caches[cache_by_address(k, a)].refcount == 2);
}

TEST_CASE("caches smaller than a pointer: 8-byte objects, no integrity check failure") {
    for (Arch arch : {Arch::x86_64, Arch::i386}) {
        CAPTURE(arch_name(arch));
        Kernel k = boot_slab(arch);
        SlabCtx cx;
        uint64_t c3 = kmem_cache_create(k, "three", 3, 0, SLAB_PANIC, 0, cx);
        uint64_t c4 = kmem_cache_create(k, "four", 4, 0, SLAB_ACCOUNT, 0, cx);
        REQUIRE(c3 != 0);
        REQUIRE(c4 != 0);
        CHECK_FALSE(current(k).dying);
        CHECK_FALSE(contains(k.log.dmesg(), "integrity check failed"));
        // 6.1.0-57-amd64: object_size=3 slab_size=8 align=8 objs_per_slab=512.
        const kmem_cache& s = k.slab.caches[cache_by_address(k, c3)];
        CHECK(s.object_size == 3);
        CHECK(s.size == 8);
        CHECK(s.objects == 512);
        uint64_t o = kmem_cache_alloc(k, c3, GFP_KERNEL, cx);
        CHECK(o % 8 == 0);
        kmem_cache_free(k, c3, o, cx);
        CHECK_SLAB(k);
    }
}

TEST_CASE("new_slab() keeps __GFP_ATOMIC: a failed GFP_ATOMIC slab says 0xa20(GFP_ATOMIC)") {
    CHECK((GFP_RECLAIM_MASK & __GFP_ATOMIC) != 0);
    Kernel k = boot_slab(Arch::x86_64, 2, "", 64ull << 20);
    SlabCtx cx;
    uint64_t c = kmem_cache_create(k, "atomic_objs", 2000, 0, 0, 0, cx);
    REQUIRE(c);
    while (alloc_pages(k, GFP_ATOMIC | __GFP_NOWARN, 0) != NO_PFN) {
    }
    uint64_t o = 0;
    for (int i = 0; i < 64 && (o = kmem_cache_alloc(k, c, GFP_ATOMIC, cx)) != 0; ++i) {
    }
    CHECK(o == 0);
    const std::string d = k.log.dmesg();
    CHECK(contains(d, "page allocation failure: order:0, mode:0xa20(GFP_ATOMIC)"));
    CHECK_FALSE(contains(d, "0x820(GFP_NOWAIT|__GFP_HIGH)"));
    // slab_out_of_memory(): the request, the cache, then one line per node.
    CHECK(contains(d, "SLUB: Unable to allocate memory on node -1, gfp=0xa20(GFP_ATOMIC)\n"));
    CHECK(contains(d, "  cache: atomic_objs, object size: 2000, buffer size: 2000, default order: 3, min order: 0\n"));
    CHECK(contains(d, "  node 0: slabs: "));
}

TEST_CASE("slab_out_of_memory(): a debugged cache says its debugging raised the min order") {
    Kernel k = boot_slab(Arch::x86_64, 2, "slub_debug=FZPU,big4050", 64ull << 20);
    SlabCtx cx;
    uint64_t c = kmem_cache_create(k, "big4050", 4050, 0, 0, 0, cx);
    REQUIRE(c);
    CHECK(k.slab.caches[cache_by_address(k, c)].min_order == 1); // 4050 + metadata > 4096
    while (alloc_pages(k, GFP_ATOMIC | __GFP_NOWARN, 0) != NO_PFN) {
    }
    CHECK(kmem_cache_alloc(k, c, GFP_ATOMIC, cx) == 0);
    const std::string d = k.log.dmesg();
    CHECK(contains(d, "  big4050 debugging increased min order, use slub_debug=O to disable.\n"));
    CHECK(contains(d, "  node 0: slabs: 0, objs: 0, free: 0\n"));
}

TEST_CASE("boot leaves every cache's struct in kmem_cache and its node in kmem_cache_node") {
    Kernel k = boot_slab();
    const kmem_cache& kc = cache_named(k, "kmem_cache");
    const kmem_cache& kcn = cache_named(k, "kmem_cache_node");
    uint64_t caches = k.slab.slab_caches.size();
    CHECK(kc.object_size == 224); // 6.1.0-57-amd64's /sys/kernel/slab/kmem_cache/object_size
    CHECK(kc.size == 256);
    CHECK(kc.node.total_objects - 0 >= caches);
    // Every live cache, kmem_cache and kmem_cache_node included, has its struct in a slab of
    // kmem_cache and its node in a slab of kmem_cache_node.
    for (uint32_t id : k.slab.slab_caches) {
        const kmem_cache& s = k.slab.caches[id];
        INFO(s.name);
        uint32_t sid = slab_of_addr(k, s.address);
        REQUIRE(sid != NO_SLAB);
        CHECK(k.slab.slabs[sid].cache == k.slab.kmem_cache_id);
        uint32_t nid = slab_of_addr(k, s.node_address);
        REQUIRE(nid != NO_SLAB);
        CHECK(k.slab.slabs[nid].cache == k.slab.kmem_cache_node_id);
    }
    (void)kcn;
    CHECK(slab_unreclaimable_pages(k) >= (caches + 15) / 16 + (caches + 63) / 64);
    std::string meminfo = proc_read(k, "/proc/meminfo").value();
    CHECK_FALSE(contains(meminfo, "Slab:                  0 kB"));
    CHECK_SLAB(k);
}

TEST_CASE("classic SLAB and SLOB boot: the caches made after kmem_cache are its objects") {
    for (SlabAllocator a : {SlabAllocator::slab, SlabAllocator::slob}) {
        CAPTURE(allocator_name(a));
        Kernel k = boot_with(Arch::x86_64, a);
        const kmem_cache& kc = k.slab.caches[k.slab.kmem_cache_id];
        uint32_t in_slab = 0;
        for (uint32_t id : k.slab.slab_caches) {
            if (id == k.slab.kmem_cache_id) continue; // kmem_cache_boot stays static
            ++in_slab;
            const kmem_cache& s = k.slab.caches[id];
            INFO(s.name);
            CHECK(slab_of_addr(k, s.address) != NO_SLAB);
            if (a == SlabAllocator::slab) CHECK(slab_of_addr(k, s.node_address) != NO_SLAB);
        }
        CHECK(in_slab > 10);
        CHECK(slab_unreclaimable_pages(k) > 0);
        (void)kc;
        CHECK_SLAB(k);
    }
}

TEST_CASE("%pGp of a slab page: the whole flags word with node, zone and last_cpupid") {
    Kernel k = boot_slab(Arch::x86_64, 2, "", 1ull << 30);
    page pg{};
    pg.flags = PG_slab;
    // 6.1.0-57-amd64 with 1 GiB: a DMA32 slab page.
    CHECK(format_page_flags(k, pg, 1) == "0xfffffc0000200(slab|node=0|zone=1|lastcpupid=0x1fffff)");
    pg.flags = PG_slab | PG_head;
    CHECK(format_page_flags(k, pg, 2) == "0x17ffffc0010200(slab|head|node=0|zone=2|lastcpupid=0x1fffff)");
    Kernel i = boot_slab(Arch::i386);
    pg.flags = PG_slab;
    CHECK(format_page_flags(i, pg, 1) == "0x40000200(slab|zone=1)");
    pg.flags = 0;
    CHECK(format_page_flags(i, pg, 0) == "0x0(zone=0)");
}

TEST_CASE("a constructor cache allocated with __GFP_ZERO WARNs once, from the new slab") {
    for (SlabAllocator a : {SlabAllocator::slub, SlabAllocator::slab}) {
        CAPTURE(allocator_name(a));
        Kernel k = boot_with(Arch::x86_64, a);
        SlabCtx cx;
        uint64_t c = kmem_cache_create(k, "with_ctor", 24, 0, 0, 1 /* an in-kernel ctor */, cx);
        REQUIRE(c);
        uint64_t o = kmem_cache_alloc(k, c, GFP_KERNEL | __GFP_ZERO, cx);
        CHECK(o != 0);
        const char* where = a == SlabAllocator::slub ? "at mm/slub.c:2001 ___slab_alloc"
                                                     : "at mm/slab.c:2559 cache_grow_begin";
        CHECK(contains(k.log.dmesg(), where));
        size_t warns = 0;
        for (size_t p = 0; (p = k.log.dmesg().find("WARNING: ", p)) != std::string::npos; ++p) ++warns;
        // A second new slab does not warn again (WARN_ON_ONCE).
        for (int i = 0; i < 400; ++i) kmem_cache_alloc(k, c, GFP_KERNEL | __GFP_ZERO, cx);
        size_t again = 0;
        for (size_t p = 0; (p = k.log.dmesg().find("WARNING: ", p)) != std::string::npos; ++p) ++again;
        CHECK(warns == 1);
        CHECK(again == 1);
    }
}

TEST_CASE("a cache name with a space WARNs (CONFIG_DEBUG_VM) and the cache is made") {
    Kernel k = boot_slab();
    SlabCtx cx;
    uint64_t c = kmem_cache_create(k, "has space", 40, 0, 0, 0, cx);
    CHECK(c != 0);
    CHECK(contains(k.log.dmesg(), "at mm/slab_common.c:97 kmem_cache_create_usercopy\n"));
    CHECK(contains(k.log.dmesg(), "has space") == false); // the WARN names no cache
}

TEST_CASE("the Tainted: line has one column per flag, 19, TAINT_TEST last") {
    CHECK(TAINT_FLAGS_COUNT == 19);
    CHECK(print_tainted(1u << TAINT_WARN) == "Tainted: G        W         ");
    CHECK(print_tainted((1u << TAINT_WARN) | (1u << TAINT_OOT_MODULE) | (1u << 13)) ==
          "Tainted: G        W  OE     "); // 6.1.0-57-amd64 after an unsigned module's WARN
    CHECK(print_tainted(1u << TAINT_TEST) == "Tainted: G                 N");
}

TEST_CASE("\"Slab has 0 allocated objects but 1 are to be freed\" is followed by an empty line") {
    Kernel k = boot_slab(Arch::x86_64, 2, "slub_debug=FZPU");
    SlabCtx cx;
    uint64_t c = kmem_cache_create(k, "victim", 64, 0, 0, 0, cx);
    REQUIRE(c);
    uint64_t o = kmem_cache_alloc(k, c, GFP_KERNEL, cx);
    REQUIRE(o);
    kmem_cache_free(k, c, o, cx);
    kmem_cache_free(k, c, o, cx); // the slab's only object, freed twice
    // The BUG line, an empty line from the format's own newline, then the dashes.
    const auto& r = k.log.records;
    size_t i = 0;
    while (i < r.size() && r[i].text.find("Slab has 0 allocated objects but 1 are to be freed") ==
                               std::string::npos)
        ++i;
    REQUIRE(i + 2 < r.size());
    CHECK(r[i].text.rfind("BUG victim (Not tainted): Slab has 0", 0) == 0);
    CHECK(r[i + 1].text.empty());
    CHECK(r[i + 2].text.rfind("-----", 0) == 0);
}
