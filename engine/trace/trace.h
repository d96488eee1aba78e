// The trace ring (kernel/trace/ring_buffer.c, much simplified) and the table of event types.
// Each event type is defined once, in the spirit of TRACE_EVENT(): its fields, its TP_printk
// text, its plain-words line and its emitter live in trace/events/<system>.h, and the list in
// trace/event_list.h generates the enum and the table (trace_event_def()) that the session,
// the views and the text form read. Each event also carries the id of the student command
// that caused it and the id of its parent event, so a view can draw the chain alloc_pages ->
// split -> pcp refill. Simplification: only the events the modelled subsystems emit; the
// ftrace line has no task/pid column.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "lib/siphash.h"
#include "trace/event_list.h"

namespace klab {

enum class TraceEventType : uint8_t {
#define KLAB_TRACE_ENUM(sys, name) name,
    KLAB_TRACE_EVENTS(KLAB_TRACE_ENUM)
#undef KLAB_TRACE_ENUM
        nr_events
};

// One record of the ring, like an ftrace ring buffer entry: the common header (ids, time,
// CPU, the command that caused it) and the event's own fields (its TP_STRUCT__entry, one of
// the structs of trace/events/*.h) as raw bytes, so the ring stays one flat copyable array
// and recording stays a copy of a few words on the allocator's hot paths.
inline constexpr uint32_t kTracePayloadBytes = 32;
struct TraceEvent {
    uint64_t id = 0;     // unique, taken when the operation *starts* (see Tracer::open)
    uint64_t parent = 0; // id of the enclosing operation's event, 0 for top level
    uint64_t ts_ns = 0;
    uint32_t cmd_id = 0; // the session command that caused it, 0 = none (boot)
    TraceEventType type = TraceEventType::nr_events;
    uint8_t cpu = 0;
    alignas(8) unsigned char data[kTracePayloadBytes] = {};

    template <class E>
    bool is() const {
        return type == E::type;
    }
    // The event's fields; the caller has checked is<E>().
    template <class E>
    E as() const {
        E v;
        std::memcpy(&v, data, sizeof v);
        return v;
    }
};

// The ring. Events are stored in emission order (as ftrace shows them: a split is logged
// before the mm_page_alloc that caused it), while ids are taken when an operation starts so
// that children can name their parent before the parent's own event is written.
struct Tracer {
    static constexpr uint32_t kDefaultCapacity = 1u << 16;

    std::vector<TraceEvent> ring;              // capacity slots (a power of two), a circular buffer
    uint64_t ring_mask = kDefaultCapacity - 1; // index = n & ring_mask: no division on the hot path
    uint64_t written = 0;                      // events ever written; ring index = n % capacity
    uint64_t next_id = 1;
    uint32_t cmd_id = 0; // set by the session before it runs a command
    bool enabled = true;
    uint8_t depth = 0;
    uint64_t parents[16] = {}; // open operations (ids), innermost last

    Tracer() : ring(kDefaultCapacity) {}

    // Start an operation whose event is written later: returns its id, and events emitted
    // until close() get it as their parent.
    uint64_t open() {
        uint64_t id = next_id++;
        if (depth < 16) parents[depth] = id;
        ++depth;
        return id;
    }
    void close() { --depth; }
    uint64_t current_parent() const {
        if (depth == 0) return 0;
        return parents[(depth <= 16 ? depth : 16) - 1];
    }
    // Write an event (its fields `entry`, a struct of trace/events/*.h). id 0 means "take a
    // fresh id"; otherwise it is the id open() gave the operation, and the parent is the
    // operation open around it. The emitters of trace/events/*.h call this.
    template <class E>
    void emit(const E& entry, uint64_t id, uint64_t ts_ns, uint32_t cpu) {
        static_assert(sizeof(E) <= kTracePayloadBytes, "event fields too large for a record");
        static_assert(std::has_unique_object_representations_v<E>,
                      "event fields must have no padding (the trace hash reads their bytes)");
        if (!enabled) return;
        // Fill the ring slot in place: this runs on every allocator fast path.
        TraceEvent& slot = ring[written & ring_mask];
        if (id == 0) {
            slot.id = next_id++;
            slot.parent = current_parent();
        } else {
            slot.id = id;
            slot.parent = depth >= 2 && depth <= 16 ? parents[depth - 2] : 0;
        }
        slot.ts_ns = ts_ns;
        slot.cmd_id = cmd_id;
        slot.type = E::type;
        slot.cpu = static_cast<uint8_t>(cpu);
        std::memcpy(slot.data, &entry, sizeof(E));
        ++written;
    }
    uint64_t size() const { return written < ring.size() ? written : ring.size(); }
    // The i-th oldest event still in the ring (0 <= i < size()).
    const TraceEvent& at(uint64_t i) const {
        uint64_t first = written - size();
        return ring[(first + i) & ring_mask];
    }
    // Events written after the first `since` (for views that poll each frame).
    std::vector<TraceEvent> since(uint64_t since_written) const;
    void clear() { written = 0; }
};

// What the text form needs from the machine: where struct pages live and pointer width.
struct TraceFormat {
    // %p in TP_printk is hashed like any printk %p unless no_hash_pointers is set.
    bool hash_pointers = false;
    SipKey ptr_key;
    uint64_t struct_page_base = 0;
    uint32_t struct_page_size = 64;
    uint32_t pointer_hex_digits = 16;
    uint32_t pageblock_order = 9;
    std::vector<std::string> cache_names; // slab caches by id (kmem_cache_free's name=)
};

// What each event type is (generated from trace/event_list.h into trace/events.cpp).
struct TraceEventDef {
    const char* system;   // "kmem"
    const char* name;     // "mm_page_alloc"
    const char* full;     // "kmem:mm_page_alloc"
    const char* fires_in; // the Linux 6.1 function that fires it (or whose work a klab:* event stands for)
    uint32_t size;        // bytes of its fields in TraceEvent::data
    // The fields as its TP_printk prints them (what follows "mm_page_alloc: ").
    std::string (*print)(const TraceEvent& e, const TraceFormat& f);
    // One line in plain words, for the trace view.
    std::string (*explain)(const TraceEvent& e);
    // The page frame a page allocator event is about; UINT64_MAX for other events and for a
    // failed allocation.
    uint64_t (*pfn)(const TraceEvent& e);
};
const TraceEventDef& trace_event_def(TraceEventType t); // t < nr_events

// "kmem:mm_page_alloc" etc.
inline const char* trace_event_name(TraceEventType t) {
    return trace_event_def(t).full;
}
// The event's fields as its TP_printk prints them (what follows "mm_page_alloc: ").
std::string format_trace_fields(const TraceEvent& e, const TraceFormat& f);
// "[000] 1.234567: mm_page_alloc: page=... " (a simplified ftrace line: no task/pid column).
std::string format_trace_line(const TraceEvent& e, const TraceFormat& f);

// Helpers for the TP_printk of trace/events/*.h.
// printf into a std::string.
std::string trace_printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// %p of a pointer in TP_printk: hashed unless no_hash_pointers, NULL prints as zeros.
unsigned long long trace_ptr(uint64_t p, const TraceFormat& f);
// %p of pfn_to_page(pfn), 0 (NULL) for UINT64_MAX.
unsigned long long trace_page_ptr(uint64_t pfn, const TraceFormat& f);
// "1 page", "8 pages" for an order (the explanations).
std::string trace_pages_words(uint32_t order);

} // namespace klab
