// The vmscan: tracepoints the model fires (include/trace/events/vmscan.h, 6.1): fields,
// TP_printk text, plain-words line and emitter, as in trace/events/kmem.h.
// Simplification: one node, so nid is always 0; no kswapd thread yet, so its wake-up is only
// this event; zid is not recorded (TP_printk does not print it).
#pragma once

#include "machine/kernel.h"
#include "mm/gfp.h"

namespace klab {

namespace tp {

// vmscan:mm_vmscan_wakeup_kswapd, fired by wakeup_kswapd() when an allocation finds a zone
// below its low watermark.
struct mm_vmscan_wakeup_kswapd {
    static constexpr TraceEventType type = TraceEventType::mm_vmscan_wakeup_kswapd;
    static constexpr const char* fires_in = "wakeup_kswapd()";
    int32_t nid = 0;
    int32_t order = 0;
    uint32_t gfp_flags = 0;
    uint32_t unused = 0;

    uint64_t page_pfn() const { return UINT64_MAX; }
    std::string print(const TraceFormat&) const {
        return trace_printf("nid=%d order=%d gfp_flags=", nid, order) + gfp_trace_names(gfp_flags);
    }
    std::string explain() const {
        return trace_printf("free pages fell below the low watermark: kswapd is woken to reclaim "
                            "(order %d)",
                            order);
    }
};

} // namespace tp

inline void trace_mm_vmscan_wakeup_kswapd(Kernel& k, uint32_t order, gfp_t gfp) {
    k.trace.emit(tp::mm_vmscan_wakeup_kswapd{0, int32_t(order), gfp, 0}, 0, k.clock.ns,
                 k.current_cpu);
}

} // namespace klab
