// SLOB (mm/slob.c of 6.1): the first-fit heap in SLOB units, its three lists, kmalloc's size
// header, big kmallocs from the page allocator, kmem_cache on top, no /proc/slabinfo; the
// checker (which walks the free blocks in simulated memory) after every step.
#include "helpers.h"
#include "mm/page_alloc.h"
#include "proc/proc.h"
#include "slab/slub_internal.h"

using namespace klab;
using namespace klab::test;

namespace {

Kernel boot_slob(Arch arch = Arch::x86_64) {
    MachineConfig c = MachineConfig::preset(arch);
    c.allocator = SlabAllocator::slob;
    Result<Kernel> r = Kernel::boot(c);
    REQUIRE(r.ok());
    return std::move(r).value();
}

const SlobPageView* page_of(const std::vector<SlobPageView>& pages, uint64_t addr) {
    for (const SlobPageView& p : pages)
        if (addr >= p.address && addr < p.address + 4096) return &p;
    return nullptr;
}

} // namespace

TEST_CASE("SLOB kmalloc: a size header before the object, first fit in 2-byte units") {
    Kernel k = boot_slob();
    SlabCtx cx;
    uint64_t a = kmalloc(k, 100, GFP_KERNEL, cx);
    REQUIRE(a);
    uint32_t hdr = 0;
    mem_read(k, a - 8, &hdr, 4);
    CHECK(hdr == 100);
    // Boot left the 16 boot caches' structs (64 bytes each) at the start of the first page;
    // this block's header follows them.
    CHECK((a & 0xfff) == 16 * 64 + 8);
    CHECK(ksize(k, a, cx) == 100);
    uint64_t b = kmalloc(k, 100, GFP_KERNEL, cx);
    // 54 units for 108 bytes; the next block would start at byte 108, but its object must be
    // 8-aligned after the 8-byte header: a 2-unit fragment stays free in between.
    CHECK(b == a + 112);
    uint64_t c = kmalloc(k, 64, GFP_KERNEL, cx);
    CHECK(c % 64 == 0); // power-of-two sizes are naturally aligned
    std::vector<SlobPageView> pages = slob_pages(k);
    REQUIRE(pages.size() == 1);
    CHECK(pages[0].list == SlabList::slob_small);
    CHECK(pages[0].free_units < 2048);
    CHECK(cache_by_name(k, "kmalloc-128") == NO_CACHE); // SLOB has no kmalloc caches
    CHECK(kmalloc(k, 0, GFP_KERNEL, cx) == ZERO_SIZE_PTR);
    CHECK_SLAB(k);
}

TEST_CASE("SLOB lists by request size: small < 256, medium < 1024, large") {
    Kernel k = boot_slob();
    SlabCtx cx;
    uint64_t s = kmalloc(k, 100, GFP_KERNEL, cx);
    uint64_t m = kmalloc(k, 500, GFP_KERNEL, cx);
    uint64_t l = kmalloc(k, 2000, GFP_KERNEL, cx);
    std::vector<SlobPageView> pages = slob_pages(k);
    REQUIRE(pages.size() == 3);
    CHECK(page_of(pages, s)->list == SlabList::slob_small);
    CHECK(page_of(pages, m)->list == SlabList::slob_medium);
    CHECK(page_of(pages, l)->list == SlabList::slob_large);
    CHECK(k.slab.free_slob_small.count == 1);
    CHECK(k.slab.free_slob_medium.count == 1);
    CHECK(k.slab.free_slob_large.count == 1);
    CHECK_SLAB(k);
}

TEST_CASE("SLOB free coalesces neighbours, and an empty page goes back to the buddy allocator") {
    Kernel k = boot_slob();
    SlabCtx cx;
    // The boot caches' structs hold one page; the blocks below come after them in it.
    REQUIRE(slob_pages(k).size() == 1);
    REQUIRE(slab_unreclaimable_pages(k) == 1);
    uint64_t a = kmalloc(k, 100, GFP_KERNEL, cx);
    uint64_t b = kmalloc(k, 100, GFP_KERNEL, cx);
    uint64_t c = kmalloc(k, 100, GFP_KERNEL, cx);
    CHECK(slab_unreclaimable_pages(k) == 1);
    kfree(k, b, cx);
    CHECK_SLAB(k);
    kfree(k, a, cx); // merges with b's block
    std::vector<SlobPageView> pages = slob_pages(k);
    REQUIRE(pages.size() == 1);
    REQUIRE(pages[0].free_blocks.size() == 2);
    CHECK(pages[0].free_blocks[0].address == a - 8);
    CHECK(pages[0].free_blocks[0].units == 112); // a, the fragment, b and the next fragment
    CHECK_SLAB(k);
    kfree(k, c, cx);
    pages = slob_pages(k);
    REQUIRE(pages.size() == 1); // back to the boot page, one free block after its structs
    CHECK(pages[0].free_blocks.size() == 1);
    CHECK(slab_unreclaimable_pages(k) == 1);
    CHECK_SLAB(k);
    // A page with nothing else on it goes back to the buddy allocator when its block is freed.
    uint64_t big = kmalloc(k, 2000, GFP_KERNEL, cx);
    CHECK(slab_unreclaimable_pages(k) == 2);
    kfree(k, big, cx);
    CHECK(slab_unreclaimable_pages(k) == 1);
    CHECK_SLAB(k);
}

TEST_CASE("SLOB: a hit moves the page to the front of its list (list_rotate_to_front)") {
    Kernel k = boot_slob();
    SlabCtx cx;
    std::vector<uint64_t> objs;
    // The boot page (1536 free units after the boot structs) takes 14 blocks of 208 bytes and
    // keeps 80 units, too few for another.
    for (int i = 0; i < 14; ++i) kmalloc(k, 200, GFP_KERNEL, cx);
    REQUIRE(k.slab.free_slob_small.count == 1);
    // 19 blocks of 208 bytes fill a page up to 72 free units (144 bytes): three pages.
    for (int i = 0; i < 57; ++i) objs.push_back(kmalloc(k, 200, GFP_KERNEL, cx));
    REQUIRE(k.slab.free_slob_small.count == 4);
    const uint32_t tail = slab_of(k, objs[0]); // the oldest of the three
    // Free a block in the tail page; a small request that only fits there rotates it to front.
    uint64_t in_tail = 0;
    for (uint64_t o : objs)
        if (slab_of(k, o) == tail) in_tail = o;
    REQUIRE(in_tail);
    for (uint64_t o : objs) REQUIRE(k.slab.slabs[slab_of(k, o)].inuse == 72);
    kfree(k, in_tail, cx);
    CHECK_SLAB(k);
    uint64_t again = kmalloc(k, 200, GFP_KERNEL, cx);
    CHECK(again == in_tail);
    CHECK(k.slab.free_slob_small.head == tail);
    CHECK_SLAB(k);
}

TEST_CASE("SLOB: big kmallocs come straight from the page allocator") {
    Kernel k = boot_slob();
    SlabCtx cx;
    uint64_t p = kmalloc(k, 4088, GFP_KERNEL, cx); // PAGE_SIZE - minalign: not the heap
    REQUIRE(p);
    CHECK((p & 0xfff) == 0);
    CHECK(slab_of(k, p) == NO_SLAB);
    CHECK(ksize(k, p, cx) == 4096);
    CHECK(slab_unreclaimable_pages(k) == 2); // counted as slab all the same (1: boot's)
    uint64_t q = kmalloc(k, 4087, GFP_KERNEL, cx); // still the heap
    CHECK(slab_of(k, q) != NO_SLAB);
    kfree(k, p, cx);
    kfree(k, q, cx);
    CHECK(slab_unreclaimable_pages(k) == 1);
    CHECK(kmalloc(k, 8u << 20, GFP_KERNEL, cx) == 0);
    CHECK(contains(k.log.dmesg(), "__alloc_pages"));
    CHECK_SLAB(k);
}

TEST_CASE("SLOB kmem_cache: sizes in units, constructors on every allocation, blind destroy") {
    Kernel k = boot_slob();
    SlabCtx cx;
    uint64_t c = kmem_cache_create(k, "odd", 13, 0, 0, 0, cx);
    REQUIRE(c);
    const kmem_cache& s = k.slab.caches[cache_by_address(k, c)];
    CHECK(s.size == 14);
    uint64_t a = kmem_cache_alloc(k, c, GFP_KERNEL, cx);
    uint64_t b = kmem_cache_alloc(k, c, GFP_KERNEL, cx);
    CHECK(b == a + 16); // c->align 8: a one-unit fragment between them
    CHECK(cache_by_name(k, "task_struct") != NO_CACHE);
    uint64_t rcu = kmem_cache_create(k, "rcu", 40, 0, SLAB_TYPESAFE_BY_RCU, 0, cx);
    CHECK(k.slab.caches[cache_by_address(k, rcu)].size == 64); // 40 + struct slob_rcu (24)
    kmem_cache_free(k, c, a, cx);
    kmem_cache_destroy(k, c, cx); // b is still live: SLOB cannot tell
    CHECK(cache_by_name(k, "odd") == NO_CACHE);
    CHECK_FALSE(contains(k.log.dmesg(), "still has objects"));
    CHECK_SLAB(k);
}

TEST_CASE("SLOB: no /proc/slabinfo, refused double frees keep the heap sound") {
    Kernel k = boot_slob();
    CHECK_FALSE(proc_read(k, "/proc/slabinfo").ok());
    CHECK_FALSE(proc_write(k, "/proc/slabinfo", "kmalloc-32 1 1 1\n").ok());
    CHECK(contains(slabtop_text(k), "Unable to create slabinfo structure"));
    SlabCtx cx;
    uint64_t a = kmalloc(k, 100, GFP_KERNEL, cx);
    uint64_t b = kmalloc(k, 100, GFP_KERNEL, cx);
    kfree(k, a, cx);
    kfree(k, a, cx);
    CHECK(contains(k.log.dmesg(), "slob: free of an already free or not kmalloc'ed block"));
    CHECK_SLAB(k);
    kfree(k, b, cx);
    CHECK_SLAB(k);
    SlabCtx cx2;
    kfree(k, 0xffff888000123458ull, cx2); // not a SLOB page: sp->units through NULL
    CHECK(cx2.fault_addr == 0);           // an ordinary page: freed as a big kmalloc would be
    CHECK_SLAB(k);
}

TEST_CASE("SLOB under i386") {
    Kernel k = boot_slob(Arch::i386);
    SlabCtx cx;
    std::vector<uint64_t> objs;
    for (int i = 0; i < 200; ++i) objs.push_back(kmalloc(k, 1 + (i * 37) % 900, GFP_KERNEL, cx));
    CHECK_SLAB(k);
    for (size_t i = 0; i < objs.size(); i += 2) kfree(k, objs[i], cx);
    CHECK_SLAB(k);
    for (size_t i = 1; i < objs.size(); i += 2) kfree(k, objs[i], cx);
    CHECK(slob_pages(k).size() == 1); // the boot caches' structs
    CHECK_SLAB(k);
}

TEST_CASE("SLOB: scribbling over free blocks cannot make the model write outside a heap page") {
    Kernel k = boot_slob();
    SlabCtx cx;
    uint64_t a = kmalloc(k, 100, GFP_KERNEL, cx);
    uint64_t b = kmalloc(k, 100, GFP_KERNEL, cx);
    kfree(k, a, cx);
    // A use after free: the freed block's header (units, next) is overwritten with junk.
    mem_fill(k, a - 8, 0x7f, 16);
    std::vector<uint64_t> objs;
    for (int i = 0; i < 100; ++i) {
        uint64_t p = kmalloc(k, 1 + (i * 53) % 700, GFP_KERNEL, cx);
        if (p && slab_of(k, p) != NO_SLAB) objs.push_back(p);
    }
    for (uint64_t p : objs) kfree(k, p, cx);
    kfree(k, b, cx);
    CHECK(check_page_alloc(k).empty()); // the heap may be lost, the page allocator is intact
}

TEST_CASE("SLOB random walk: kmalloc, kmem_cache and kfree of every size, checker every step") {
    Kernel k = boot_slob();
    SlabCtx cx;
    uint64_t c = kmem_cache_create(k, "walk", 37, 16, 0, 0, cx);
    REQUIRE(c);
    std::vector<std::pair<uint64_t, bool>> live;
    uint64_t x = 777;
    auto rnd = [&]() {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        return x >> 33;
    };
    for (int step = 0; step < 2000; ++step) {
        CAPTURE(step);
        if (rnd() % 100 < 55 || live.empty()) {
            bool mine = rnd() % 4 == 0;
            uint64_t o = mine ? kmem_cache_alloc(k, c, GFP_KERNEL, cx)
                              : kmalloc(k, 1 + rnd() % 5000, GFP_KERNEL, cx);
            REQUIRE(o);
            if (mine) CHECK(o % 16 == 0);
            live.push_back({o, mine});
        } else {
            size_t i = rnd() % live.size();
            live[i].second ? kmem_cache_free(k, c, live[i].first, cx) : kfree(k, live[i].first, cx);
            live.erase(live.begin() + long(i));
        }
        std::string err = check_slab_caches(k);
        REQUIRE_MESSAGE(err.empty(), err);
    }
    for (auto& [o, mine] : live) mine ? kmem_cache_free(k, c, o, cx) : kfree(k, o, cx);
    CHECK(slob_pages(k).size() == 1); // the boot page, with the cache's own struct kmem_cache
    kmem_cache_destroy(k, c, cx);
    CHECK(slob_pages(k).size() == 1);
    CHECK(slab_unreclaimable_pages(k) == 1);
    CHECK_SLAB(k);
}
