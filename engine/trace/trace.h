// Typed trace events with Linux tracepoint names and fields (include/trace/events/kmem.h,
// vmscan.h), recorded in a bounded ring like the ftrace buffer. Each event also carries the
// id of the student command that caused it and the id of its parent event, so a view can
// draw the chain alloc_pages -> split -> pcp refill. Simplification: only the events the
// modelled subsystems emit; the text form follows TP_printk (pointers hashed as %p is).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lib/siphash.h"

namespace klab {

enum class TraceEventType : uint8_t {
    mm_page_alloc,             // kmem:mm_page_alloc
    mm_page_free,              // kmem:mm_page_free
    mm_page_alloc_zone_locked, // kmem:mm_page_alloc_zone_locked
    mm_page_pcpu_drain,        // kmem:mm_page_pcpu_drain
    mm_page_alloc_extfrag,     // kmem:mm_page_alloc_extfrag
    mm_vmscan_wakeup_kswapd,   // vmscan:mm_vmscan_wakeup_kswapd
    kmalloc,                   // kmem:kmalloc
    kfree,                     // kmem:kfree
    kmem_cache_alloc,          // kmem:kmem_cache_alloc
    kmem_cache_free,           // kmem:kmem_cache_free
    // The lab's own events where 6.1 has no tracepoint (vmalloc's came in 6.2). pfn holds
    // the address; gfp the gfp mask (vmalloc), the page count (vfree) or the slot (kmap).
    klab_vmalloc, // klab:vmalloc, parent of the mm_page_alloc events of its pages
    klab_vfree,   // klab:vfree, parent of the mm_page_free events
    klab_kmap,    // klab:kmap (pkmap slot or kmap_local fixmap slot)
    klab_kunmap,  // klab:kunmap
};

// "kmem:mm_page_alloc" etc.
const char* trace_event_name(TraceEventType t);

// One compact record (no strings) so recording stays cheap on the allocator's hot paths.
// Fields not used by an event type are zero; pfn is UINT64_MAX for a failed mm_page_alloc.
struct TraceEvent {
    uint64_t id = 0;     // unique, taken when the operation *starts* (see Tracer::open)
    uint64_t parent = 0; // id of the enclosing operation's event, 0 for top level
    uint64_t ts_ns = 0;
    uint64_t pfn = 0;
    uint32_t cmd_id = 0; // the session command that caused it, 0 = none (boot)
    uint32_t gfp = 0;    // gfp_flags (mm_page_alloc, mm_vmscan_wakeup_kswapd)
    TraceEventType type = TraceEventType::mm_page_alloc;
    uint8_t cpu = 0;
    uint8_t order = 0; // order / alloc_order
    int8_t migratetype = 0;
    uint8_t arg0 = 0; // percpu_refill / fallback_order
    int8_t arg1 = 0;  // fallback_migratetype
    uint8_t arg2 = 0; // bit0 fragmenting, bit1 change_ownership
    // kmem:kmalloc/kfree/kmem_cache_*: pfn holds ptr; bytes_alloc holds the cache id for
    // kmem_cache_free (its name= field).
    uint64_t call_site = 0;
    uint32_t bytes_req = 0;
    uint32_t bytes_alloc = 0;
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
    // Write an event. id 0 means "take a fresh id"; the parent is the innermost open
    // operation other than the event itself.
    void emit(const TraceEvent& e, uint64_t ts_ns, uint32_t cpu) {
        if (!enabled) return;
        // Fill the ring slot in place: this runs on every allocator fast path.
        TraceEvent& slot = ring[written & ring_mask];
        slot = e;
        if (e.id == 0) {
            slot.id = next_id++;
            slot.parent = current_parent();
        } else {
            slot.parent = depth >= 2 && depth <= 16 ? parents[depth - 2] : 0;
        }
        slot.ts_ns = ts_ns;
        slot.cmd_id = cmd_id;
        slot.cpu = static_cast<uint8_t>(cpu);
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

// The event's fields as its TP_printk prints them (what follows "mm_page_alloc: ").
std::string format_trace_fields(const TraceEvent& e, const TraceFormat& f);
// "[000] 1.234567: mm_page_alloc: page=... " (a simplified ftrace line: no task/pid column).
std::string format_trace_line(const TraceEvent& e, const TraceFormat& f);

} // namespace klab
