// Trace events: Linux names and fields, command ids, parent links, the text form.
#include "helpers.h"

#include "mm/page_alloc.h"
#include "printk/pointer.h"

using namespace klab;
using namespace klab::test;

TEST_CASE("an order-0 allocation: extfrag and pcp refill events are children of mm_page_alloc") {
    Kernel k = boot(Arch::x86_64, 6ull << 30);
    k.trace.cmd_id = 7;
    pfn_t p = alloc_page(k, GFP_KERNEL);
    REQUIRE(p != NO_PFN);
    REQUIRE(k.trace.size() >= 2);
    const TraceEvent& last = k.trace.at(k.trace.size() - 1);
    CHECK(last.type == TraceEventType::mm_page_alloc);
    CHECK(last.pfn == p);
    CHECK(last.order == 0);
    CHECK(last.gfp == GFP_KERNEL);
    CHECK(last.parent == 0);
    CHECK(last.cmd_id == 7);
    int refills = 0;
    for (uint64_t i = 0; i + 1 < k.trace.size(); ++i) {
        const TraceEvent& e = k.trace.at(i);
        CHECK(e.parent == last.id);
        CHECK(e.cmd_id == 7);
        CHECK(e.id != last.id);
        if (e.type == TraceEventType::mm_page_alloc_zone_locked) {
            CHECK(e.arg0 == 1); // percpu_refill
            ++refills;
        }
    }
    CHECK(refills == 63);
    // %p is hashed with the machine's key, as printk("%p") prints it.
    char want[160];
    std::snprintf(want, sizeof want,
                  "page=%016llx pfn=0x%x order=0 migratetype=0 gfp_flags=GFP_KERNEL",
                  (unsigned long long)printk_pointer_id(k, page_struct_address(k, p)), p);
    CHECK(format_trace_fields(last, k.trace_format()) == want);
    CHECK(printk_pointer_id(k, page_struct_address(k, p)) != page_struct_address(k, p));
    CHECK(std::string(trace_event_name(last.type)) == "kmem:mm_page_alloc");
}

TEST_CASE("a failed allocation still records mm_page_alloc with no page") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    k.trace.clear();
    while (alloc_pages(k, GFP_DMA | __GFP_NOWARN, 10) != NO_PFN) {
    }
    const TraceEvent& last = k.trace.at(k.trace.size() - 1);
    CHECK(last.type == TraceEventType::mm_page_alloc);
    CHECK(format_trace_fields(last, k.trace_format()) ==
          "page=0000000000000000 pfn=0x0 order=10 migratetype=0 gfp_flags=GFP_DMA|__GFP_NOWARN");
    // Only masks with __GFP_KSWAPD_RECLAIM wake kswapd in the slow path (GFP_DMA alone has not).
    bool kswapd = false;
    for (uint64_t i = 0; i < k.trace.size(); ++i)
        kswapd |= k.trace.at(i).type == TraceEventType::mm_vmscan_wakeup_kswapd;
    CHECK_FALSE(kswapd);
    k.trace.clear();
    CHECK(alloc_pages(k, GFP_KERNEL | GFP_DMA | __GFP_NOWARN, 10) == NO_PFN);
    for (uint64_t i = 0; i < k.trace.size(); ++i)
        kswapd |= k.trace.at(i).type == TraceEventType::mm_vmscan_wakeup_kswapd;
    CHECK(kswapd);
}

TEST_CASE("mm_page_free is the parent of the pcp drain it causes") {
    Kernel k = boot(Arch::x86_64, 6ull << 30);
    per_cpu_pages& pcp = k.mm.zones[2].pageset[0];
    std::vector<pfn_t> held;
    for (int i = 0; i < pcp.high + 10; ++i) held.push_back(alloc_page(k, GFP_KERNEL));
    size_t i = 0;
    while (pcp.count < pcp.high - 1) __free_page(k, held[i++]);
    k.trace.clear();
    __free_page(k, held[i++]);
    REQUIRE(k.trace.size() > 1);
    const TraceEvent& free_ev = k.trace.at(0);
    CHECK(free_ev.type == TraceEventType::mm_page_free);
    for (uint64_t j = 1; j < k.trace.size(); ++j) {
        CHECK(k.trace.at(j).type == TraceEventType::mm_page_pcpu_drain);
        CHECK(k.trace.at(j).parent == free_ev.id);
    }
    for (; i < held.size(); ++i) __free_page(k, held[i]);
    CHECK_MM(k);
}

TEST_CASE("the trace ring keeps the newest events and is deterministic") {
    Kernel a = boot(Arch::x86_64, 256ull << 20);
    Kernel b = boot(Arch::x86_64, 256ull << 20);
    for (Kernel* k : {&a, &b})
        for (int i = 0; i < 40000; ++i) __free_page(*k, alloc_page(*k, GFP_KERNEL));
    CHECK(a.trace.size() == Tracer::kDefaultCapacity);
    REQUIRE(a.trace.size() == b.trace.size());
    for (uint64_t i = 0; i < a.trace.size(); i += 97) {
        CHECK(a.trace.at(i).id == b.trace.at(i).id);
        CHECK(a.trace.at(i).pfn == b.trace.at(i).pfn);
    }
    CHECK(a.trace.since(a.trace.written - 3).size() == 3);
}

TEST_CASE("no_hash_pointers on the command line prints raw struct page addresses") {
    MachineConfig c = MachineConfig::preset(Arch::x86_64);
    c.mem_bytes = 64ull << 20;
    c.cmdline = "quiet no_hash_pointers";
    Kernel k = Kernel::boot(c, false).value();
    pfn_t p = alloc_page(k, GFP_KERNEL);
    const TraceEvent& last = k.trace.at(k.trace.size() - 1);
    char want[160];
    std::snprintf(want, sizeof want,
                  "page=%016llx pfn=0x%x order=0 migratetype=0 gfp_flags=GFP_KERNEL",
                  0xffffea0000000000ull + uint64_t(p) * 64, p);
    CHECK(format_trace_fields(last, k.trace_format()) == want);
    __free_pages(k, p, 1); // wrong order: dump_page prints the raw pointer too
    std::snprintf(want, sizeof want, "page:%016llx refcount:1 mapcount:0",
                  0xffffea0000000000ull + uint64_t(p) * 64);
    CHECK(contains(dmesg(k), want));
}
