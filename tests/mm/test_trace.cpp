// Trace events: Linux names and fields, command ids, parent links, the text form.
#include "helpers.h"

#include <cstring>
#include <set>

#include "mm/page_alloc.h"
#include "printk/pointer.h"
#include "trace/events/kmem.h"
#include "trace/events/vmscan.h"

using namespace klab;
using namespace klab::test;

TEST_CASE("an order-0 allocation: extfrag and pcp refill events are children of mm_page_alloc") {
    Kernel k = boot(Arch::x86_64, 6ull << 30);
    k.trace.cmd_id = 7;
    pfn_t p = alloc_page(k, GFP_KERNEL);
    REQUIRE(p != NO_PFN);
    REQUIRE(k.trace.size() >= 2);
    const TraceEvent& last = k.trace.at(k.trace.size() - 1);
    CHECK(last.is<tp::mm_page_alloc>());
    CHECK(last.as<tp::mm_page_alloc>().pfn == p);
    CHECK(last.as<tp::mm_page_alloc>().order == 0);
    CHECK(last.as<tp::mm_page_alloc>().gfp_flags == GFP_KERNEL);
    CHECK(last.parent == 0);
    CHECK(last.cmd_id == 7);
    int refills = 0;
    for (uint64_t i = 0; i + 1 < k.trace.size(); ++i) {
        const TraceEvent& e = k.trace.at(i);
        CHECK(e.parent == last.id);
        CHECK(e.cmd_id == 7);
        CHECK(e.id != last.id);
        if (e.is<tp::mm_page_alloc_zone_locked>()) {
            CHECK(e.as<tp::mm_page_alloc_zone_locked>().percpu_refill == 1);
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
    CHECK(last.is<tp::mm_page_alloc>());
    CHECK(format_trace_fields(last, k.trace_format()) ==
          "page=0000000000000000 pfn=0x0 order=10 migratetype=0 gfp_flags=GFP_DMA|__GFP_NOWARN");
    // Only masks with __GFP_KSWAPD_RECLAIM wake kswapd in the slow path (GFP_DMA alone has not).
    bool kswapd = false;
    for (uint64_t i = 0; i < k.trace.size(); ++i)
        kswapd |= k.trace.at(i).is<tp::mm_vmscan_wakeup_kswapd>();
    CHECK_FALSE(kswapd);
    k.trace.clear();
    CHECK(alloc_pages(k, GFP_KERNEL | GFP_DMA | __GFP_NOWARN, 10) == NO_PFN);
    for (uint64_t i = 0; i < k.trace.size(); ++i)
        kswapd |= k.trace.at(i).is<tp::mm_vmscan_wakeup_kswapd>();
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
    CHECK(free_ev.is<tp::mm_page_free>());
    for (uint64_t j = 1; j < k.trace.size(); ++j) {
        CHECK(k.trace.at(j).is<tp::mm_page_pcpu_drain>());
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
        CHECK(std::memcmp(a.trace.at(i).data, b.trace.at(i).data, kTracePayloadBytes) == 0);
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

TEST_CASE("every event type has a definition: system:name, Linux function, fields, text, words") {
    std::set<std::string> names;
    for (size_t t = 0; t < size_t(TraceEventType::nr_events); ++t) {
        const TraceEventDef& d = trace_event_def(TraceEventType(t));
        std::string full = d.full;
        CAPTURE(full);
        CHECK(full == std::string(d.system) + ":" + d.name);
        CHECK(names.insert(full).second);
        CHECK(std::string(d.fires_in).find("()") != std::string::npos);
        CHECK(d.size > 0);
        CHECK(d.size <= kTracePayloadBytes);
        TraceEvent e;
        e.type = TraceEventType(t);
        CHECK(d.explain(e).size() > 20);
        CHECK(!d.print(e, TraceFormat{}).empty());
    }
    CHECK(names.size() >= 14);
}

TEST_CASE("the typed emitters fill the fields their TP_printk prints") {
    Kernel k = boot(Arch::x86_64, 64ull << 20);
    k.trace.clear();
    trace_kmalloc(k, 0, 0xffffffff81234567ull, 0xffff888004000000ull, 100, 128, GFP_KERNEL);
    trace_mm_vmscan_wakeup_kswapd(k, 3, GFP_KERNEL);
    TraceFormat f = k.trace_format();
    f.hash_pointers = false;
    REQUIRE(k.trace.size() == 2);
    const TraceEvent& km = k.trace.at(0);
    CHECK(contains(format_trace_line(km, f),
                   ": kmalloc: call_site=0xffffffff81234567 ptr=ffff888004000000 bytes_req=100 "
                   "bytes_alloc=128 gfp_flags=GFP_KERNEL node=-1 accounted=false"));
    std::string words = trace_event_def(km.type).explain(km);
    CHECK(contains(words, "128-byte object"));
    CHECK(contains(words, "28 bytes unused"));
    CHECK(trace_event_def(km.type).pfn(km) == UINT64_MAX); // a pointer, not a page frame
    CHECK(format_trace_fields(k.trace.at(1), f) == "nid=0 order=3 gfp_flags=GFP_KERNEL");
}
