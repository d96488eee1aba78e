// The list of trace events, one line each (the model's define_trace.h): system, name. The
// enum TraceEventType and the table of definitions (trace_event_def()) are generated from it;
// each event's fields, TP_printk text, explanation and emitter live in trace/events/<system>.h.
// Adding an event: a line here and its definition there.
// The order is the events' type numbers, part of the recorded trace: append, never reorder.
#pragma once

#define KLAB_TRACE_EVENTS(X)                                                                       \
    X(kmem, mm_page_alloc)                                                                         \
    X(kmem, mm_page_free)                                                                          \
    X(kmem, mm_page_alloc_zone_locked)                                                             \
    X(kmem, mm_page_pcpu_drain)                                                                    \
    X(kmem, mm_page_alloc_extfrag)                                                                 \
    X(vmscan, mm_vmscan_wakeup_kswapd)                                                             \
    X(kmem, kmalloc)                                                                               \
    X(kmem, kfree)                                                                                 \
    X(kmem, kmem_cache_alloc)                                                                      \
    X(kmem, kmem_cache_free)                                                                       \
    X(klab, vmalloc)                                                                               \
    X(klab, vfree)                                                                                 \
    X(klab, kmap)                                                                                  \
    X(klab, kunmap)
