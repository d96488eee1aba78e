// Trace ring, the table of event definitions generated from trace/event_list.h, and the
// helpers the TP_printk texts of trace/events/*.h use (see trace.h).
#include "trace/trace.h"

#include <cstdarg>
#include <cstdio>

#include "lib/vsprintf.h"
#include "trace/events/klab.h"
#include "trace/events/kmem.h"
#include "trace/events/vmscan.h"

namespace klab {

std::vector<TraceEvent> Tracer::since(uint64_t since_written) const {
    std::vector<TraceEvent> out;
    uint64_t first = written - size();
    if (since_written < first) since_written = first;
    for (uint64_t n = since_written; n < written; ++n) out.push_back(ring[n & ring_mask]);
    return out;
}

namespace {

// The table's entry for event E: its static facts and its functions, reading the fields
// back out of the record.
template <class E>
TraceEventDef def_of(const char* system, const char* name, const char* full) {
    return {system,
            name,
            full,
            E::fires_in,
            sizeof(E),
            [](const TraceEvent& e, const TraceFormat& f) { return e.as<E>().print(f); },
            [](const TraceEvent& e) { return e.as<E>().explain(); },
            [](const TraceEvent& e) { return e.as<E>().page_pfn(); }};
}

const TraceEventDef kDefs[] = {
#define KLAB_TRACE_DEF(sys, name) def_of<tp::name>(#sys, #name, #sys ":" #name),
    KLAB_TRACE_EVENTS(KLAB_TRACE_DEF)
#undef KLAB_TRACE_DEF
};
static_assert(sizeof kDefs / sizeof kDefs[0] == size_t(TraceEventType::nr_events));

} // namespace

const TraceEventDef& trace_event_def(TraceEventType t) {
    return kDefs[static_cast<size_t>(t)];
}

std::string trace_printf(const char* fmt, ...) {
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

unsigned long long trace_ptr(uint64_t p, const TraceFormat& f) {
    if (!p || !f.hash_pointers) return p;
    PrintfTarget t;
    t.pointer_bytes = f.pointer_hex_digits / 2;
    t.ptr_key = f.ptr_key;
    return hashed_pointer(p, t);
}

unsigned long long trace_page_ptr(uint64_t pfn, const TraceFormat& f) {
    if (pfn == UINT64_MAX) return 0;
    return trace_ptr(f.struct_page_base + pfn * f.struct_page_size, f);
}

std::string trace_pages_words(uint32_t order) {
    uint64_t n = 1ull << order;
    return n == 1 ? std::string("1 page") : std::to_string(n) + " pages";
}

std::string format_trace_fields(const TraceEvent& e, const TraceFormat& f) {
    return trace_event_def(e.type).print(e, f);
}

std::string format_trace_line(const TraceEvent& e, const TraceFormat& f) {
    char head[64];
    std::snprintf(head, sizeof head, "[%03u] %llu.%06llu: ", e.cpu,
                  static_cast<unsigned long long>(e.ts_ns / 1000000000ull),
                  static_cast<unsigned long long>(e.ts_ns % 1000000000ull / 1000ull));
    return std::string(head) + trace_event_def(e.type).name + ": " + format_trace_fields(e, f);
}

} // namespace klab
