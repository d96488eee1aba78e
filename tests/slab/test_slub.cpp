// SLUB's object paths, lists and the kmalloc family, with the checker after every step.
#include <set>

#include "helpers.h"
#include "mm/page_alloc.h"
#include "proc/proc.h"
#include "sched/context.h"
#include "slab/slub_internal.h"

using namespace klab;
using namespace klab::test;

TEST_CASE("kmalloc picks the kmalloc-N cache by size_index and fls") {
    Kernel k = boot_slab();
    auto name = [&](uint64_t size, gfp_t gfp = GFP_KERNEL) {
        uint32_t c = kmalloc_slab(k, size, gfp);
        return c == NO_CACHE ? std::string("none") : k.slab.caches[c].name;
    };
    CHECK(name(0) == "none");
    CHECK(name(1) == "kmalloc-8");
    CHECK(name(8) == "kmalloc-8");
    CHECK(name(9) == "kmalloc-16");
    CHECK(name(33) == "kmalloc-64");
    CHECK(name(65) == "kmalloc-96");
    CHECK(name(96) == "kmalloc-96");
    CHECK(name(97) == "kmalloc-128");
    CHECK(name(100) == "kmalloc-128");
    CHECK(name(129) == "kmalloc-192");
    CHECK(name(193) == "kmalloc-256");
    CHECK(name(1025) == "kmalloc-2k");
    CHECK(name(8192) == "kmalloc-8k");
    CHECK(name(8193) == "none");
    CHECK(name(100, GFP_KERNEL | __GFP_DMA) == "dma-kmalloc-128");
    CHECK(name(100, GFP_KERNEL | __GFP_RECLAIMABLE) == "kmalloc-rcl-128");
    CHECK(name(100, GFP_KERNEL_ACCOUNT) == "kmalloc-cg-128");
    CHECK(name(100, GFP_KERNEL_ACCOUNT | __GFP_DMA) == "dma-kmalloc-128"); // DMA wins
}

TEST_CASE("objects come from the CPU slab in address order, frees push them back LIFO") {
    Kernel k = boot_slab();
    SlabCtx cx;
    uint64_t a = kmalloc(k, 100, GFP_KERNEL, cx);
    uint64_t b = kmalloc(k, 100, GFP_KERNEL, cx);
    REQUIRE(a);
    CHECK(b == a + 128);
    CHECK(slab_of(k, a) == slab_of(k, b));
    const kmem_cache& s = cache_named(k, "kmalloc-128");
    CHECK(s.cpu_slab[0].slab == slab_of(k, a));
    CHECK((k.mm.mem_map[virt_to_page(k, a)].flags & PG_slab) != 0);
    CHECK(page_owner_at(k, virt_to_page(k, a)) == PageOwner::slab);
    CHECK_SLAB(k);
    kfree(k, a, cx);
    CHECK(kmalloc(k, 100, GFP_KERNEL, cx) == a); // the last freed object comes back first
    CHECK(cache_objects(k, "kmalloc-128").size() == 2);
    CHECK_SLAB(k);
}

TEST_CASE("the free pointer really lives in the object, hardened (ptr ^ random ^ swab(&ptr))") {
    Kernel k = boot_slab();
    SlabCtx cx;
    uint64_t a = kmalloc(k, 64, GFP_KERNEL, cx);
    uint64_t b = kmalloc(k, 64, GFP_KERNEL, cx);
    kfree(k, b, cx);
    kfree(k, a, cx); // a's free pointer now points at b
    const kmem_cache& s = cache_named(k, "kmalloc-64");
    uint64_t raw = 0;
    REQUIRE_FALSE(kernel_read(k, a + s.offset, &raw, 8));
    CHECK(raw == (b ^ s.random ^ __builtin_bswap64(a + s.offset)));
    CHECK(s.offset == 32);
}

TEST_CASE("a full CPU slab is replaced by a new one, freeing into it puts it on the CPU partial list") {
    Kernel k = boot_slab();
    SlabCtx cx;
    std::vector<uint64_t> objs;
    for (int i = 0; i < 64 + 10; ++i) objs.push_back(kmalloc(k, 64, GFP_KERNEL, cx));
    const kmem_cache& s = cache_named(k, "kmalloc-64");
    CHECK(s.node.nr_slabs == 2);
    uint32_t first = slab_of(k, objs[0]);
    CHECK(k.slab.slabs[first].list == SlabList::none); // full: on no list
    CHECK_SLAB(k);
    kfree(k, objs[0], cx);
    CHECK(k.slab.slabs[first].list == SlabList::cpu_partial);
    CHECK(s.cpu_slab[0].partial.count == 1);
    CHECK_SLAB(k);
    // /proc/slabinfo counts CPU and CPU-partial slabs as fully used.
    std::string si = proc_slabinfo(k);
    CHECK(contains(si, "kmalloc-64           128    128     64   64    1 : tunables    0    0    0 : slabdata      2      2      0"));
    for (size_t i = 1; i < objs.size(); ++i) kfree(k, objs[i], cx);
    CHECK_SLAB(k);
    CHECK(kmem_cache_shrink_id(k, cache_by_name(k, "kmalloc-64")) == 0);
    CHECK(s.node.nr_slabs == 0);
    CHECK_SLAB(k);
}

TEST_CASE("another CPU's frees go to the slab's freelist, slabs move to the node partial list") {
    Kernel k = boot_slab();
    SlabCtx cx;
    std::vector<uint64_t> objs;
    for (int i = 0; i < 3 * 32; ++i) objs.push_back(kmalloc(k, 128, GFP_KERNEL, cx));
    k.current_cpu = 1;
    for (int i = 0; i < 32; i += 2) kfree(k, objs[i], cx);
    const kmem_cache& s = cache_named(k, "kmalloc-128");
    CHECK(s.cpu_slab[1].partial.count == 1);
    CHECK_SLAB(k);
    flush_all(k, cache_by_name(k, "kmalloc-128"));
    CHECK(s.node.partial.count >= 1);
    CHECK(s.cpu_slab[0].slab == NO_SLAB);
    CHECK_SLAB(k);
    // CPU 0 refills from the node partial list.
    k.current_cpu = 0;
    uint64_t again = kmalloc(k, 128, GFP_KERNEL, cx);
    CHECK(slab_of(k, again) == slab_of(k, objs[0]));
    CHECK_SLAB(k);
}

TEST_CASE("empty slabs beyond min_partial go back to the page allocator") {
    Kernel k = boot_slab();
    SlabCtx cx;
    uint64_t before = nr_free_pages(k) + nr_free_pcp_pages(k);
    std::vector<uint64_t> objs;
    for (int i = 0; i < 16 * 20; ++i) objs.push_back(kmalloc(k, 1024, GFP_KERNEL, cx));
    const kmem_cache& s = cache_named(k, "kmalloc-1k");
    CHECK(s.node.nr_slabs == 20);
    CHECK(s.min_partial == 5);
    k.current_cpu = 1;
    for (uint64_t o : objs) kfree(k, o, cx);
    CHECK_SLAB(k);
    flush_all(k, cache_by_name(k, "kmalloc-1k"));
    CHECK(s.node.nr_slabs == s.min_partial); // empty slabs kept: min_partial
    CHECK_SLAB(k);
    CHECK(kmem_cache_shrink_id(k, cache_by_name(k, "kmalloc-1k")) == 0);
    CHECK(nr_free_pages(k) + nr_free_pcp_pages(k) == before);
    CHECK_SLAB(k);
}

TEST_CASE("kmalloc(0), kfree(NULL), kfree(ZERO_SIZE_PTR), ksize, krealloc, kmalloc_array") {
    Kernel k = boot_slab();
    SlabCtx cx;
    CHECK(kmalloc(k, 0, GFP_KERNEL, cx) == ZERO_SIZE_PTR);
    kfree(k, 0, cx);
    kfree(k, ZERO_SIZE_PTR, cx);
    CHECK(ksize(k, ZERO_SIZE_PTR, cx) == 0);
    uint64_t p = kmalloc(k, 100, GFP_KERNEL, cx);
    CHECK(ksize(k, p, cx) == 128);
    uint32_t v = 0xdeadbeef;
    REQUIRE_FALSE(kernel_write(k, p, &v, 4));
    CHECK(krealloc(k, p, 120, GFP_KERNEL, cx) == p); // fits: same object
    uint64_t q = krealloc(k, p, 300, GFP_KERNEL, cx);
    CHECK(q != p);
    CHECK(ksize(k, q, cx) == 512);
    uint32_t w = 0;
    REQUIRE_FALSE(kernel_read(k, q, &w, 4));
    CHECK(w == 0xdeadbeef);
    CHECK(kmalloc_array(k, uint64_t(1) << 62, 8, GFP_KERNEL, cx) == 0); // overflow: NULL
    uint64_t z = kmalloc(k, 64, GFP_KERNEL | __GFP_ZERO, cx);
    uint64_t word = 1;
    REQUIRE_FALSE(kernel_read(k, z + 32, &word, 8)); // even where a free pointer was
    CHECK(word == 0);
    CHECK(krealloc(k, q, 0, GFP_KERNEL, cx) == ZERO_SIZE_PTR);
    CHECK_SLAB(k);
    CHECK(k.log.dmesg().find("WARNING") == std::string::npos);
}

TEST_CASE("kmalloc above 8 KiB uses the page allocator, above 4 MiB it fails with the WARN") {
    Kernel k = boot_slab();
    SlabCtx cx;
    uint64_t unrec = slab_unreclaimable_pages(k);
    uint64_t p = kmalloc(k, 16384, GFP_KERNEL, cx);
    REQUIRE(p);
    CHECK(slab_of(k, p) == NO_SLAB);
    pfn_t pfn = virt_to_page(k, p);
    CHECK((k.mm.mem_map[pfn].flags & PG_head) != 0);
    CHECK(slab_unreclaimable_pages(k) == unrec + 4);
    CHECK(ksize(k, p, cx) == 16384);
    kfree(k, p, cx);
    CHECK(slab_unreclaimable_pages(k) == unrec);
    CHECK(kmalloc(k, 4u << 20, GFP_KERNEL, cx) != 0); // order 10: the largest that works
    CHECK(kmalloc(k, 8u << 20, GFP_KERNEL, cx) == 0);
    CHECK(contains(k.log.dmesg(), "WARNING: CPU: 0 PID: 1000 at mm/page_alloc.c:5634 __alloc_pages"));
    CHECK_SLAB(k);
}

TEST_CASE("/proc/meminfo: Slab = SReclaimable + SUnreclaim, from the slab pages") {
    Kernel k = boot_slab();
    SlabCtx cx;
    auto field = [&](const char* key) {
        std::string m = proc_meminfo(k);
        size_t at = m.find(key);
        REQUIRE(at != std::string::npos);
        return std::stoull(m.substr(at + 16));
    };
    uint64_t rec = field("SReclaimable:"), slab = field("Slab:");
    kmalloc(k, 100, GFP_KERNEL | __GFP_RECLAIMABLE, cx);
    CHECK(field("SReclaimable:") == rec + 4);
    CHECK(field("Slab:") == slab + 4);
    CHECK(field("Slab:") == field("SReclaimable:") + field("SUnreclaim:"));
}

TEST_CASE("kmem_cache_create merges compatible caches, slab_nomerge and flags prevent it") {
    Kernel k = boot_slab();
    SlabCtx cx;
    size_t before = k.slab.slab_caches.size();
    // 60 bytes, no flags: rounds to 64, merges with the oldest mergeable 64-byte cache.
    uint64_t a = kmem_cache_create(k, "my-a", 60, 0, 0, 0, cx);
    uint64_t b = kmem_cache_create(k, "my-b", 60, 0, 0, 0, cx);
    REQUIRE(a);
    CHECK(a == b);
    CHECK(k.slab.slab_caches.size() == before + 1); // one new cache, one alias
    CHECK(k.slab.caches[cache_by_address(k, a)].refcount == 2);
    uint64_t c = kmem_cache_create(k, "my-c", 60, 0, SLAB_RECLAIM_ACCOUNT, 0, cx);
    CHECK(c != a); // SLAB_MERGE_SAME flags must match
    uint64_t d = kmem_cache_create(k, "my-d", 60, 0, SLAB_POISON, 0, cx);
    CHECK(d != a); // debug flags never merge
    kmem_cache_destroy(k, b, cx);
    CHECK(cache_by_address(k, a) != NO_CACHE); // still referenced once
    kmem_cache_destroy(k, a, cx);
    CHECK(cache_by_address(k, a) == NO_CACHE);
    CHECK_SLAB(k);
    Kernel n = boot_slab(Arch::x86_64, 2, "slab_nomerge");
    uint64_t x = kmem_cache_create(n, "my-x", 60, 0, 0, 0, cx);
    uint64_t y = kmem_cache_create(n, "my-y", 60, 0, 0, 0, cx);
    CHECK(x != y);
}

TEST_CASE("/proc/slabinfo lists the newest cache first and kmem_cache last") {
    Kernel k = boot_slab();
    SlabCtx cx;
    kmem_cache_create(k, "newest", 200, 0, SLAB_HWCACHE_ALIGN | SLAB_ACCOUNT, 0, cx);
    std::string si = proc_slabinfo(k);
    CHECK(si.rfind("slabinfo - version: 2.1\n# name            <active_objs>", 0) == 0);
    size_t second_line = si.find('\n', si.find('\n') + 1) + 1;
    CHECK(si.compare(second_line, 7, "newest ") == 0);
    CHECK(si.find("\nkmem_cache_node") < si.find("\nkmem_cache  "));
    CHECK(si.find("\nkmalloc-8k") < si.find("\nkmalloc-8 "));
    CHECK(si.find("\nkmalloc-192") < si.find("\nkmalloc-128"));
    CHECK(si.find("\nkmalloc-cg-8 ") < si.find("\nkmalloc-8k"));
    CHECK(si.find("\ndma-kmalloc-8 ") < si.find("\nkmalloc-rcl-8k"));
    CHECK(si.find("\ntask_struct") < si.find("\ndma-kmalloc-8k"));
    CHECK_FALSE(proc_write(k, "/proc/slabinfo", "kmalloc-64 1 1 1").ok());
}

TEST_CASE("destroying a cache that still has objects: Linux's BUG report and WARNING") {
    Kernel k = boot_slab();
    SlabCtx cx;
    uint64_t c = kmem_cache_create(k, "leaky", 40, 0, SLAB_HWCACHE_ALIGN, 0, cx);
    uint64_t o = kmem_cache_alloc(k, c, GFP_KERNEL, cx);
    REQUIRE(o);
    kmem_cache_destroy(k, c, cx);
    std::string d = k.log.dmesg();
    CHECK(contains(d, "BUG leaky (Not tainted): Objects remaining in leaky on __kmem_cache_shutdown()"));
    CHECK(contains(d, "kmem_cache_destroy leaky: Slab cache still has objects when called from"));
    CHECK(contains(d, "WARNING: CPU: 0 PID: 1000 at mm/slab_common.c:493 kmem_cache_destroy"));
    CHECK(cache_by_address(k, c) != NO_CACHE); // the cache stays (and in /proc/slabinfo)
    CHECK(contains(proc_slabinfo(k), "\nleaky "));
    CHECK_SLAB(k);
}

TEST_CASE("double free without debugging: set_freepointer's naive check BUGs") {
    Kernel k = boot_slab();
    SlabCtx cx;
    uint64_t p = kmalloc(k, 100, GFP_KERNEL, cx);
    kfree(k, p, cx);
    CHECK_FALSE(current(k).dying);
    kfree(k, p, cx);
    CHECK(current(k).dying);
    current(k).dying = false; // a test, not a task: it goes on
    std::string d = k.log.dmesg();
    CHECK(contains(d, "kernel BUG at mm/slub.c:419!"));
    CHECK(contains(d, "invalid opcode: 0000 [#1] PREEMPT SMP NOPTI"));
    CHECK_SLAB(k); // the model refused the second free: still consistent
}

TEST_CASE("freeing to the wrong cache: cache_from_obj's WARN, the object goes to its own cache") {
    Kernel k = boot_slab();
    SlabCtx cx;
    uint64_t c = kmem_cache_create(k, "mine", 100, 0, 0, 0, cx);
    uint64_t p = kmalloc(k, 100, GFP_KERNEL, cx);
    kmem_cache_free(k, c, p, cx);
    std::string d = k.log.dmesg();
    CHECK(contains(d, "cache_from_obj: Wrong slab cache. mine but object is from kmalloc-128"));
    CHECK(contains(d, "at mm/slab.h:665 kmem_cache_free"));
    CHECK(cache_objects(k, "kmalloc-128").empty());
    CHECK_SLAB(k);
}

TEST_CASE("kfree of addresses that are no slab object") {
    Kernel k = boot_slab();
    SlabCtx cx;
    kfree(k, 0xdead0000ull, cx); // not mapped: the struct page read faults
    CHECK(cx.fault_addr != 0);
    SlabCtx cx2;
    uint64_t page = __get_free_pages(k, GFP_KERNEL, 0);
    kfree(k, page, cx2); // an order-0 page: free_large_kmalloc's WARN, then it is freed
    CHECK(contains(k.log.dmesg(), "at mm/slab_common.c:904 free_large_kmalloc"));
    CHECK(contains(k.log.dmesg(), "object pointer: 0x"));
    CHECK_SLAB(k);
}

TEST_CASE("kmem:* trace events are parents of the page-allocator events they cause") {
    Kernel k = boot_slab();
    SlabCtx cx;
    cx.caller = 0xffffffffc0000123ull;
    uint64_t first = k.trace.written;
    uint64_t p = kmalloc(k, 100, GFP_KERNEL, cx);
    std::vector<TraceEvent> ev = k.trace.since(first);
    REQUIRE(ev.size() >= 2);
    const TraceEvent& km = ev.back();
    CHECK(km.type == TraceEventType::kmalloc);
    CHECK(km.pfn == p);
    CHECK(km.bytes_req == 100);
    CHECK(km.bytes_alloc == 128);
    CHECK(km.call_site == cx.caller);
    bool child = false;
    for (const TraceEvent& e : ev)
        if (e.type == TraceEventType::mm_page_alloc && e.parent == km.id) child = true;
    CHECK(child);
    TraceFormat f = k.trace_format();
    f.hash_pointers = false;
    std::string line = format_trace_fields(km, f);
    CHECK(line == "call_site=0xffffffffc0000123 ptr=" + [&] {
              char b[32];
              std::snprintf(b, sizeof b, "%016llx", (unsigned long long)p);
              return std::string(b);
          }() + " bytes_req=100 bytes_alloc=128 gfp_flags=GFP_KERNEL node=-1 accounted=false");
    first = k.trace.written;
    kfree(k, p, cx);
    ev = k.trace.since(first);
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].type == TraceEventType::kfree);
    uint64_t c = kmem_cache_create(k, "traced", 24, 0, 0, 0, cx);
    first = k.trace.written;
    uint64_t o = kmem_cache_alloc(k, c, GFP_KERNEL, cx);
    kmem_cache_free(k, c, o, cx);
    ev = k.trace.since(first);
    CHECK(ev.back().type == TraceEventType::kmem_cache_free);
    CHECK(contains(format_trace_fields(ev.back(), k.trace_format()), " name=" + k.slab.caches[cache_by_address(k, c)].name));
}

TEST_CASE("a snapshot is a copy: slab state and object contents diverge independently") {
    Kernel k = boot_slab();
    SlabCtx cx;
    uint64_t p = kmalloc(k, 32, GFP_KERNEL, cx);
    Kernel snap = k;
    kfree(k, p, cx);
    CHECK(cache_objects(snap, "kmalloc-32").size() == 1);
    CHECK(cache_objects(k, "kmalloc-32").empty());
    CHECK_SLAB(k);
    CHECK_SLAB(snap);
}

TEST_CASE("random kmalloc/kfree/kmem_cache traffic keeps every invariant") {
    Kernel k = boot_slab(Arch::x86_64, 2, "", 256ull << 20);
    SlabCtx cx;
    uint64_t c1 = kmem_cache_create(k, "r1", 72, 0, SLAB_HWCACHE_ALIGN, 0, cx);
    uint64_t c2 = kmem_cache_create(k, "r2", 3000, 0, 0, 0, cx);
    std::vector<std::pair<uint64_t, uint64_t>> live; // (cache or 0 for kmalloc, obj)
    uint64_t x = 12345;
    auto rnd = [&] { return x = x * 6364136223846793005ull + 1442695040888963407ull, x >> 33; };
    for (int step = 0; step < 3000; ++step) {
        k.current_cpu = uint32_t(rnd() % 2);
        uint64_t r = rnd() % 100;
        if (r < 55 || live.empty()) {
            uint64_t which = rnd() % 3;
            if (which == 0) live.push_back({0, kmalloc(k, 1 + rnd() % 3000, GFP_KERNEL, cx)});
            if (which == 1) live.push_back({c1, kmem_cache_alloc(k, c1, GFP_KERNEL, cx)});
            if (which == 2) live.push_back({c2, kmem_cache_alloc(k, c2, GFP_KERNEL, cx)});
        } else {
            size_t i = rnd() % live.size();
            auto [c, o] = live[i];
            if (c) kmem_cache_free(k, c, o, cx);
            else kfree(k, o, cx);
            live.erase(live.begin() + long(i));
        }
        if (step % 100 == 0) {
            std::string err = check_slab_caches(k);
            REQUIRE_MESSAGE(err.empty(), err);
        }
    }
    std::set<uint64_t> uniq;
    for (auto& [c, o] : live) uniq.insert(o);
    CHECK(uniq.size() == live.size()); // no object handed out twice
    CHECK_FALSE(current(k).dying);
    CHECK_SLAB(k);
}

TEST_CASE("kmalloc(GFP_KERNEL) in atomic context: might_sleep's BUG even on the fast path") {
    Kernel k = boot_slab();
    SlabCtx cx;
    uint64_t p = kmalloc(k, 64, GFP_KERNEL, cx); // warm the CPU slab
    kfree(k, p, cx);
    spin_lock(k);
    kmalloc(k, 64, GFP_KERNEL, cx);
    spin_unlock(k);
    CHECK(contains(k.log.dmesg(), "BUG: sleeping function called from invalid context at include/linux/sched/mm.h:274"));
    Kernel k2 = boot_slab();
    spin_lock(k2);
    kmalloc(k2, 64, GFP_ATOMIC, cx);
    spin_unlock(k2);
    CHECK_FALSE(contains(k2.log.dmesg(), "sleeping function"));
}

TEST_CASE("kmalloc with __GFP_HIGHMEM: kmalloc_fix_flags when a slab must be made") {
    Kernel k = boot_slab();
    SlabCtx cx;
    uint64_t p = kmalloc(k, 512, GFP_KERNEL | __GFP_HIGHMEM, cx);
    CHECK(p != 0);
    CHECK(contains(k.log.dmesg(), "Unexpected gfp: 0x2 (__GFP_HIGHMEM). Fixing up to gfp: 0xcc0 (GFP_KERNEL). Fix your code!"));
    CHECK_SLAB(k);
}

TEST_CASE("kmem_cache_create: integrity check, bad flags, SLAB_PANIC") {
    Kernel k = boot_slab();
    SlabCtx cx;
    CHECK(kmem_cache_create(k, "", 32, 0, 0, 0, cx) == 0);
    CHECK(contains(k.log.dmesg(), "kmem_cache_create((null)) integrity check failed"));
    CHECK(kmem_cache_create(k, "tiny", 2, 0, 0, 0, cx) != 0); // 8-byte objects, as in 6.1
    CHECK_FALSE(contains(k.log.dmesg(), "kmem_cache_create(tiny) integrity check failed"));
    // Size 0: 6.1 would divide by it in calculate_order(); the model refuses it instead.
    CHECK(kmem_cache_create(k, "zero", 0, 0, 0, 0, cx) == 0);
    CHECK(contains(k.log.dmesg(), "kmem_cache_create(zero) integrity check failed"));
    CHECK(contains(k.log.dmesg(), "kmem_cache_create_usercopy(zero) failed with error -22"));
    CHECK(kmem_cache_create(k, "badflags", 64, 0, 0x1, 0, cx) == 0);
    CHECK(contains(k.log.dmesg(), "kmem_cache_create_usercopy(badflags) failed with error -22"));
    CHECK_FALSE(current(k).dying);
    CHECK(kmem_cache_create(k, "huge", 8u << 20, 0, SLAB_PANIC, 0, cx) == 0);
    CHECK(contains(k.log.dmesg(), "Kernel panic - not syncing: kmem_cache_create_usercopy: Failed to create slab 'huge'. Error -22"));
    CHECK(current(k).dying);
    current(k).dying = false; // a test, not a task: it goes on
    spin_lock(k);
    irq_enter(k);
    SlabCtx cx2;
    CHECK(kmem_cache_create(k, "in_irq", 64, 0, 0, 0, cx2) == 0);
    irq_exit(k);
    spin_unlock(k);
    CHECK(contains(k.log.dmesg(), "kmem_cache_create(in_irq) integrity check failed"));
    CHECK_SLAB(k);
}

TEST_CASE("a cache with a constructor: the hook runs on every object of each new slab") {
    struct CountingHooks : SlabHooks {
        int calls = 0;
        bool run_ctor(Kernel& k, uint64_t, uint64_t obj) override {
            ++calls;
            uint32_t v = 0xc0ffee;
            return !kernel_write(k, obj, &v, 4);
        }
        std::string symbol(uint64_t) override { return "ctor"; }
        std::vector<std::string> caller_frames() override { return {}; }
    } hooks;
    Kernel k = boot_slab();
    SlabCtx cx;
    cx.hooks = &hooks;
    uint64_t c = kmem_cache_create(k, "with_ctor", 48, 0, 0, 0xffffffffc0000000ull, cx);
    uint32_t id = cache_by_address(k, c);
    REQUIRE(id != NO_CACHE);
    CHECK(k.slab.caches[id].offset == 48); // the free pointer cannot overlay a constructed object
    uint64_t o = kmem_cache_alloc(k, c, GFP_KERNEL, cx);
    CHECK(hooks.calls == int(k.slab.caches[id].objects));
    uint32_t v = 0;
    REQUIRE_FALSE(kernel_read(k, o, &v, 4));
    CHECK(v == 0xc0ffee);
    kmem_cache_free(k, c, o, cx);
    uint64_t again = kmem_cache_alloc(k, c, GFP_KERNEL, cx);
    REQUIRE_FALSE(kernel_read(k, again, &v, 4));
    CHECK(v == 0xc0ffee); // constructed state survives free and reuse
    CHECK(hooks.calls == int(k.slab.caches[id].objects));
    CHECK_SLAB(k);
}

TEST_CASE("the slab counters agree in /proc/meminfo, /proc/zoneinfo and the Mem-Info of a failed allocation") {
    Kernel k = boot_slab(Arch::x86_64, 2, "", 256ull << 20);
    SlabCtx cx;
    for (int i = 0; i < 100; i++) REQUIRE(kmalloc(k, 4000, GFP_KERNEL, cx));
    const uint64_t unrec = slab_unreclaimable_pages(k);
    REQUIRE(unrec >= 100);
    std::string meminfo = proc_read(k, "/proc/meminfo").value();
    CHECK(contains(meminfo, "SUnreclaim:     " + std::string(8 - std::to_string(unrec * 4).size(), ' ') +
                                std::to_string(unrec * 4) + " kB\n"));
    std::string zoneinfo = proc_read(k, "/proc/zoneinfo").value();
    CHECK(contains(zoneinfo, "\n      nr_slab_unreclaimable " + std::to_string(unrec) + "\n"));
    // An order-10 request that fails prints the same number in its Mem-Info.
    while (alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 10) != NO_PFN) {}
    CHECK(alloc_pages(k, GFP_KERNEL, 10) == NO_PFN);
    CHECK(contains(k.log.dmesg(), " slab_reclaimable:0 slab_unreclaimable:" +
                                      std::to_string(slab_unreclaimable_pages(k)) + "\n"));
}
