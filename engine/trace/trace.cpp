// Trace ring and TP_printk-style formatting (see trace.h).
#include "trace/trace.h"

#include <cstdio>

#include "lib/vsprintf.h"
#include "mm/gfp.h"

namespace klab {

const char* trace_event_name(TraceEventType t) {
    switch (t) {
    case TraceEventType::mm_page_alloc: return "kmem:mm_page_alloc";
    case TraceEventType::mm_page_free: return "kmem:mm_page_free";
    case TraceEventType::mm_page_alloc_zone_locked: return "kmem:mm_page_alloc_zone_locked";
    case TraceEventType::mm_page_pcpu_drain: return "kmem:mm_page_pcpu_drain";
    case TraceEventType::mm_page_alloc_extfrag: return "kmem:mm_page_alloc_extfrag";
    case TraceEventType::mm_vmscan_wakeup_kswapd: return "vmscan:mm_vmscan_wakeup_kswapd";
    case TraceEventType::kmalloc: return "kmem:kmalloc";
    case TraceEventType::kfree: return "kmem:kfree";
    case TraceEventType::kmem_cache_alloc: return "kmem:kmem_cache_alloc";
    case TraceEventType::kmem_cache_free: return "kmem:kmem_cache_free";
    case TraceEventType::klab_vmalloc: return "klab:vmalloc";
    case TraceEventType::klab_vfree: return "klab:vfree";
    case TraceEventType::klab_kmap: return "klab:kmap";
    case TraceEventType::klab_kunmap: return "klab:kunmap";
    }
    return "?";
}

std::vector<TraceEvent> Tracer::since(uint64_t since_written) const {
    std::vector<TraceEvent> out;
    uint64_t first = written - size();
    if (since_written < first) since_written = first;
    for (uint64_t n = since_written; n < written; ++n) out.push_back(ring[n & ring_mask]);
    return out;
}

namespace {

// %p in TP_printk: hashed unless no_hash_pointers.
unsigned long long trace_ptr(uint64_t p, const TraceFormat& f) {
    if (!p || !f.hash_pointers) return p;
    PrintfTarget t;
    t.pointer_bytes = f.pointer_hex_digits / 2;
    t.ptr_key = f.ptr_key;
    return hashed_pointer(p, t);
}

// The slab events (include/trace/events/kmem.h, 6.1). call_site is %pS of an address the
// model may not be able to name: it prints as a hex address then.
std::string format_slab_fields(const TraceEvent& e, const TraceFormat& f) {
    char buf[320];
    int w = static_cast<int>(f.pointer_hex_digits);
    unsigned long long site = e.call_site, ptr = trace_ptr(e.pfn, f);
    switch (e.type) {
    case TraceEventType::kmalloc:
    case TraceEventType::kmem_cache_alloc:
        std::snprintf(buf, sizeof buf, "call_site=0x%llx ptr=%0*llx bytes_req=%u bytes_alloc=%u gfp_flags=",
                      site, w, ptr, e.bytes_req, e.bytes_alloc);
        return std::string(buf) + gfp_trace_names(e.gfp) + " node=-1 accounted=" +
               ((e.gfp & __GFP_ACCOUNT) ? "true" : "false");
    case TraceEventType::kfree:
        std::snprintf(buf, sizeof buf, "call_site=0x%llx ptr=%0*llx", site, w, ptr);
        return buf;
    default: {
        std::snprintf(buf, sizeof buf, "call_site=0x%llx ptr=%0*llx name=", site, w, ptr);
        std::string name =
            e.bytes_alloc < f.cache_names.size() ? f.cache_names[e.bytes_alloc] : "?";
        return buf + name;
    }
    }
}

} // namespace

std::string format_trace_fields(const TraceEvent& e, const TraceFormat& f) {
    if (e.type >= TraceEventType::kmalloc && e.type <= TraceEventType::kmem_cache_free)
        return format_slab_fields(e, f);
    char buf[320];
    bool has_page = e.pfn != UINT64_MAX;
    // %p of a NULL struct page prints as zeros of pointer width.
    unsigned long long page = has_page ? f.struct_page_base + e.pfn * f.struct_page_size : 0;
    if (page && f.hash_pointers) {
        PrintfTarget t;
        t.pointer_bytes = f.pointer_hex_digits / 2;
        t.ptr_key = f.ptr_key;
        page = hashed_pointer(page, t);
    }
    unsigned long long pfn = has_page ? e.pfn : 0;
    int w = static_cast<int>(f.pointer_hex_digits);
    switch (e.type) {
    case TraceEventType::mm_page_alloc:
        std::snprintf(buf, sizeof buf,
                      "page=%0*llx pfn=0x%llx order=%d migratetype=%d gfp_flags=", w, page, pfn,
                      e.order, e.migratetype);
        return std::string(buf) + gfp_trace_names(e.gfp);
    case TraceEventType::mm_page_free:
        std::snprintf(buf, sizeof buf, "page=%0*llx pfn=0x%llx order=%d", w, page, pfn, e.order);
        break;
    case TraceEventType::mm_page_alloc_zone_locked:
        std::snprintf(buf, sizeof buf,
                      "page=%0*llx pfn=0x%llx order=%u migratetype=%d percpu_refill=%d", w, page,
                      pfn, e.order, e.migratetype, e.arg0);
        break;
    case TraceEventType::mm_page_pcpu_drain:
        std::snprintf(buf, sizeof buf, "page=%0*llx pfn=0x%llx order=%d migratetype=%d", w, page,
                      pfn, e.order, e.migratetype);
        break;
    case TraceEventType::mm_page_alloc_extfrag:
        std::snprintf(buf, sizeof buf,
                      "page=%0*llx pfn=0x%llx alloc_order=%d fallback_order=%d pageblock_order=%u "
                      "alloc_migratetype=%d fallback_migratetype=%d fragmenting=%d "
                      "change_ownership=%d",
                      w, page, pfn, e.order, e.arg0, f.pageblock_order, e.migratetype, e.arg1,
                      e.arg2 & 1, (e.arg2 >> 1) & 1);
        break;
    case TraceEventType::mm_vmscan_wakeup_kswapd:
        // Single node: nid is always 0.
        std::snprintf(buf, sizeof buf, "nid=0 order=%d gfp_flags=", e.order);
        return std::string(buf) + gfp_trace_names(static_cast<uint32_t>(e.gfp));
    case TraceEventType::kmalloc:
    case TraceEventType::kfree:
    case TraceEventType::kmem_cache_alloc:
    case TraceEventType::kmem_cache_free: break; // format_slab_fields()
    case TraceEventType::klab_vmalloc:
        std::snprintf(buf, sizeof buf, "addr=0x%0*llx gfp_flags=", w, (unsigned long long)e.pfn);
        return std::string(buf) + gfp_trace_names(e.gfp);
    case TraceEventType::klab_vfree:
        std::snprintf(buf, sizeof buf, "addr=0x%0*llx nr_pages=%u", w, (unsigned long long)e.pfn,
                      e.gfp);
        break;
    case TraceEventType::klab_kmap:
    case TraceEventType::klab_kunmap:
        std::snprintf(buf, sizeof buf, "addr=0x%0*llx slot=%u", w, (unsigned long long)e.pfn,
                      e.gfp);
        break;
    }
    return buf;
}

std::string format_trace_line(const TraceEvent& e, const TraceFormat& f) {
    char head[64];
    std::snprintf(head, sizeof head, "[%03u] %llu.%06llu: ", e.cpu,
                  static_cast<unsigned long long>(e.ts_ns / 1000000000ull),
                  static_cast<unsigned long long>(e.ts_ns % 1000000000ull / 1000ull));
    const char* name = trace_event_name(e.type);
    const char* colon = name;
    for (const char* p = name; *p; ++p)
        if (*p == ':') colon = p + 1;
    return std::string(head) + colon + ": " + format_trace_fields(e, f);
}

} // namespace klab
