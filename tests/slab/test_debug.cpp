// slub_debug: poisoning, red zones, tracking and the consistency checks' reports.
#include "helpers.h"
#include "mm/memory.h"
#include "printk/dump_stack.h"
#include "slab/slub_internal.h"

using namespace klab;
using namespace klab::test;

TEST_CASE("slub_debug parsing: global letters, per-cache lists, hashing off") {
    CHECK(slub_debug_cmdline_enabled("slub_debug"));
    CHECK(slub_debug_cmdline_enabled("quiet slub_debug=FZ"));
    CHECK(slub_debug_cmdline_enabled("slub_debug=P,kmalloc-64"));
    CHECK_FALSE(slub_debug_cmdline_enabled("slub_debug=-"));
    CHECK_FALSE(slub_debug_cmdline_enabled(""));
    Kernel k = boot_slab(Arch::x86_64, 2, "slub_debug=FZPU,kmalloc-128");
    CHECK((cache_named(k, "kmalloc-128").flags & SLAB_RED_ZONE) != 0);
    CHECK((cache_named(k, "kmalloc-64").flags & SLAB_RED_ZONE) == 0);
    CHECK(cache_named(k, "kmalloc-128").size == 384);
    CHECK(contains(k.log.dmesg(), "** This system shows unhashed kernel memory addresses   **"));
    Kernel g = boot_slab(Arch::x86_64, 2, "slub_debug=P");
    CHECK((cache_named(g, "kmalloc-64").flags & __OBJECT_POISON) != 0);
    CHECK(cache_named(g, "kmalloc-64").offset == 64); // poison moves the free pointer out
    CHECK_SLAB(g);
}

TEST_CASE("poisoning: free objects are 6b..a5, use after free is caught on the next alloc") {
    Kernel k = boot_slab(Arch::x86_64, 2, "slub_debug=FZPU,kmalloc-64");
    SlabCtx cx;
    uint64_t p = kmalloc(k, 64, GFP_KERNEL, cx);
    uint8_t b[64];
    REQUIRE_FALSE(kernel_read(k, p, b, 64));
    CHECK(b[0] == POISON_FREE);
    CHECK(b[63] == POISON_END);
    kfree(k, p, cx);
    CHECK_SLAB(k);
    uint32_t scribble = 0x12345678;
    REQUIRE_FALSE(kernel_write(k, p + 8, &scribble, 4)); // use after free
    // The free object is the first on its slab's freelist: the next alloc checks it.
    uint64_t q = kmalloc(k, 64, GFP_KERNEL, cx);
    std::string d = k.log.dmesg();
    CHECK(contains(d, "BUG kmalloc-64 (Not tainted): Poison overwritten"));
    CHECK(contains(d, "First byte 0x78 instead of 0x6b"));
    CHECK(contains(d, "Freed in 0x0 age=0") == false); // no caller: no track line
    CHECK(contains(d, "FIX kmalloc-64: Restoring Poison"));
    CHECK(contains(d, "FIX kmalloc-64: Marking all objects used"));
    CHECK(q != p); // the slab was given up, a new one serves the allocation
    CHECK((k.tainted & (1u << TAINT_BAD_PAGE)) != 0);
    CHECK_SLAB(k);
}

TEST_CASE("double free with F: on_freelist finds it (Object already free), nothing BUGs") {
    Kernel k = boot_slab(Arch::x86_64, 2, "slub_debug=F,kmalloc-256");
    SlabCtx cx;
    cx.caller = 0xffffffffc0000040ull;
    uint64_t p = kmalloc(k, 200, GFP_KERNEL, cx);
    uint64_t q = kmalloc(k, 200, GFP_KERNEL, cx);
    kfree(k, p, cx);
    kfree(k, p, cx);
    CHECK_FALSE(current(k).dying);
    std::string d = k.log.dmesg();
    CHECK(contains(d, "BUG kmalloc-256 (Not tainted): Object already free"));
    CHECK(contains(d, "FIX kmalloc-256: Object at 0x"));
    CHECK(contains(d, " not freed"));
    kfree(k, q, cx);
    CHECK_SLAB(k);
}

TEST_CASE("SLAB_STORE_USER tracks: Allocated in / Freed in, and the full list") {
    Kernel k = boot_slab();
    SlabCtx cx;
    cx.caller = 0xffffffffc0000040ull;
    uint64_t c = kmem_cache_create(k, "tracked", 1000, 0, SLAB_STORE_USER | SLAB_CONSISTENCY_CHECKS, 0, cx);
    uint32_t id = cache_by_address(k, c);
    std::vector<uint64_t> objs;
    for (uint32_t i = 0; i < k.slab.caches[id].objects; ++i)
        objs.push_back(kmem_cache_alloc(k, c, GFP_KERNEL, cx));
    CHECK(k.slab.caches[id].node.full.count == 1);
    CHECK_SLAB(k);
    kmem_cache_free(k, c, objs[0], cx);
    CHECK(k.slab.caches[id].node.full.count == 0);
    CHECK(k.slab.caches[id].node.partial.count == 1);
    kmem_cache_free(k, c, objs[0], cx); // double free: reported with both tracks
    std::string d = k.log.dmesg();
    CHECK(contains(d, "Allocated in 0xffffffffc0000040 age=0 cpu=0 pid=1000"));
    CHECK(contains(d, "Freed in 0xffffffffc0000040 age=0 cpu=0 pid=1000"));
    CHECK(contains(d, "Object already free"));
    CHECK_SLAB(k);
}

TEST_CASE("a corrupted free pointer: Freepointer corrupt on the alloc check") {
    Kernel k = boot_slab(Arch::x86_64, 2, "slub_debug=FZP,kmalloc-32");
    SlabCtx cx;
    uint64_t a = kmalloc(k, 32, GFP_KERNEL, cx);
    uint64_t b = kmalloc(k, 32, GFP_KERNEL, cx);
    kfree(k, b, cx);
    kfree(k, a, cx);
    const kmem_cache& s = cache_named(k, "kmalloc-32");
    uint64_t junk = 0x4141414141414141ull;
    REQUIRE_FALSE(kernel_write(k, a + s.offset, &junk, 8)); // the free pointer, outside the object
    kmalloc(k, 32, GFP_KERNEL, cx);
    CHECK(contains(k.log.dmesg(), "Freepointer corrupt"));
    CHECK_FALSE(current(k).dying);
}

TEST_CASE("slub_debug=T traces every alloc and free of the cache") {
    Kernel k = boot_slab(Arch::x86_64, 2, "slub_debug=T,kmalloc-32");
    SlabCtx cx;
    uint64_t p = kmalloc(k, 20, GFP_KERNEL, cx);
    kfree(k, p, cx);
    std::string d = k.log.dmesg();
    CHECK(contains(d, "TRACE kmalloc-32 alloc 0x"));
    CHECK(contains(d, "TRACE kmalloc-32 free 0x"));
    CHECK(contains(d, "Object "));
    CHECK_SLAB(k);
}
