// Goal helper builtins (goal.h). They read the kernel and never change it (and run on a copy
// anyway). A helper that cannot answer (no such zone, no slab layer) writes "klab goal: why"
// to the copy's log and ends the evaluation; Session::evaluate() returns that as the error.
#include "lib/text.h"
#include "lesson/goal.h"

#include <algorithm>
#include <cctype>

#include "machine/kernel.h"
#include "mm/page_alloc.h"
#include "printk/printk.h"
#include "trace/events/kmem.h"

namespace klab {

namespace {

kc::BuiltinStatus refuse(CallCtx& c, const std::string& why) {
    printk(c.k(), LogLevel::err, "klab goal: " + why);
    return kc::BuiltinStatus::Kill;
}


// The zone named by the string argument i ("Normal", "DMA32", "HighMem"; any case), or null
// after refusing.
const zone* zone_arg(CallCtx& c, uint32_t i, kc::BuiltinStatus& st) {
    std::string name;
    if (!c.string(c.arg(i), name, 64)) {
        st = kc::BuiltinStatus::Fault;
        return nullptr;
    }
    std::string known;
    for (const zone& z : c.k().mm.zones) {
        if (equal_ignore_case(name, zone_kind_name(z.kind))) return &z;
        if (z.populated()) known += std::string(known.empty() ? "" : ", ") + zone_kind_name(z.kind);
    }
    st = refuse(c, "no zone named '" + name + "' on this machine (its zones: " + known + ")");
    return nullptr;
}

// A frame number argument, or refuses.
bool pfn_arg(CallCtx& c, uint32_t i, pfn_t& pfn, kc::BuiltinStatus& st) {
    uint64_t v = c.arg(i);
    if (!pfn_valid(c.k(), v)) {
        st = refuse(c, "pfn " + std::to_string(v) + " is not a page frame of this machine");
        return false;
    }
    pfn = static_cast<pfn_t>(v);
    return true;
}

#define ZONE_HELPER(fn, expr)                                                                      \
    kc::BuiltinStatus fn(CallCtx& c) {                                                             \
        kc::BuiltinStatus st = kc::BuiltinStatus::Ok;                                              \
        const zone* z = zone_arg(c, 0, st);                                                        \
        if (!z) return st;                                                                         \
        return ok(c, static_cast<uint64_t>(expr));                                                 \
    }

ZONE_HELPER(do_zone_free, z->nr_free_pages)
ZONE_HELPER(do_zone_managed, z->managed_pages)
ZONE_HELPER(do_zone_present, z->present_pages)
ZONE_HELPER(do_zone_spanned, z->spanned_pages)
ZONE_HELPER(do_zone_start_pfn, z->zone_start_pfn)
ZONE_HELPER(do_zone_pcp, z->pcp_count())
ZONE_HELPER(do_zone_min, z->min_wmark())
ZONE_HELPER(do_zone_low, z->low_wmark())
ZONE_HELPER(do_zone_high, z->high_wmark())
#undef ZONE_HELPER

kc::BuiltinStatus do_nr_free(CallCtx& c) {
    kc::BuiltinStatus st = kc::BuiltinStatus::Ok;
    const zone* z = zone_arg(c, 0, st);
    if (!z) return st;
    uint64_t order = c.arg(1);
    if (order >= MAX_ORDER)
        return refuse(c, "order " + std::to_string(order) + " is not below MAX_ORDER (11)");
    return ok(c, z->free_area[order].nr_free);
}

kc::BuiltinStatus do_page_owner(CallCtx& c) {
    kc::BuiltinStatus st = kc::BuiltinStatus::Ok;
    pfn_t pfn;
    if (!pfn_arg(c, 0, pfn, st)) return st;
    return ok(c, static_cast<uint64_t>(page_owner_at(c.k(), pfn)));
}

kc::BuiltinStatus do_page_order(CallCtx& c) {
    kc::BuiltinStatus st = kc::BuiltinStatus::Ok;
    pfn_t pfn;
    if (!pfn_arg(c, 0, pfn, st)) return st;
    return ok(c, c.k().mm.mem_map[pfn].order);
}

kc::BuiltinStatus do_page_zonenum(CallCtx& c) {
    kc::BuiltinStatus st = kc::BuiltinStatus::Ok;
    pfn_t pfn;
    if (!pfn_arg(c, 0, pfn, st)) return st;
    return ok(c, c.k().mm.mem_map[pfn].zone);
}

// How many kernel log records (the whole ring, also what dmesg -c hid) contain the text.
uint64_t count_log(CallCtx& c, const std::string& needle) {
    uint64_t n = 0;
    for (const LogRecord& r : c.k().log.records)
        if (r.text.find(needle) != std::string::npos && r.text.rfind("klab goal: ", 0) != 0) n++;
    return n;
}

kc::BuiltinStatus do_dmesg_contains(CallCtx& c) {
    std::string s;
    if (!c.string(c.arg(0), s, 1024)) return kc::BuiltinStatus::Fault;
    return ok(c, count_log(c, s) > 0);
}

kc::BuiltinStatus do_dmesg_count(CallCtx& c) {
    std::string s;
    if (!c.string(c.arg(0), s, 1024)) return kc::BuiltinStatus::Fault;
    return ok(c, count_log(c, s));
}

// The gfp_flags of the newest kmem:mm_page_alloc event still in the trace ring (0 if none).
kc::BuiltinStatus do_last_alloc_gfp(CallCtx& c) {
    const Tracer& tr = c.k().trace;
    uint64_t n = std::min<uint64_t>(tr.written, tr.ring.size());
    for (uint64_t i = tr.written; i > tr.written - n; i--) {
        const TraceEvent& e = tr.ring[(i - 1) & tr.ring_mask];
        if (e.is<tp::mm_page_alloc>()) return ok(c, e.as<tp::mm_page_alloc>().gfp_flags);
    }
    return ok(c, 0);
}

kc::BuiltinStatus do_kernel_tainted(CallCtx& c) {
    return ok(c, c.k().tainted);
}

template <uint64_t SlabCacheCounts::*Field>
kc::BuiltinStatus slab_helper(CallCtx& c) {
    std::string name, why;
    if (!c.string(c.arg(0), name, 64)) return kc::BuiltinStatus::Fault;
    SlabCacheCounts counts;
    if (!slab_cache_counts(c.k(), name, counts, why)) return refuse(c, why);
    return ok(c, counts.*Field);
}

struct Fn {
    const char* name;
    const char* prototype;
    BuiltinFn fn;
};
const Fn kFns[] = {
    {"nr_free", "unsigned long nr_free(const char *zone, unsigned int order);", do_nr_free},
    {"zone_free", "unsigned long zone_free(const char *zone);", do_zone_free},
    {"zone_managed", "unsigned long zone_managed(const char *zone);", do_zone_managed},
    {"zone_present", "unsigned long zone_present(const char *zone);", do_zone_present},
    {"zone_spanned", "unsigned long zone_spanned(const char *zone);", do_zone_spanned},
    {"zone_start_pfn", "unsigned long zone_start_pfn(const char *zone);", do_zone_start_pfn},
    {"zone_pcp", "unsigned long zone_pcp(const char *zone);", do_zone_pcp},
    {"zone_min", "unsigned long zone_min(const char *zone);", do_zone_min},
    {"zone_low", "unsigned long zone_low(const char *zone);", do_zone_low},
    {"zone_high", "unsigned long zone_high(const char *zone);", do_zone_high},
    {"page_owner", "int page_owner(unsigned long pfn);", do_page_owner},
    {"page_order", "unsigned int page_order(unsigned long pfn);", do_page_order},
    {"page_zonenum", "int page_zonenum(unsigned long pfn);", do_page_zonenum},
    {"dmesg_contains", "int dmesg_contains(const char *text);", do_dmesg_contains},
    {"dmesg_count", "unsigned long dmesg_count(const char *text);", do_dmesg_count},
    {"last_alloc_gfp", "gfp_t last_alloc_gfp(void);", do_last_alloc_gfp},
    {"kernel_tainted", "unsigned long kernel_tainted(void);", do_kernel_tainted},
    {"cache_objects", "unsigned long cache_objects(const char *cache);",
     slab_helper<&SlabCacheCounts::active_objs>},
    {"cache_total_objects", "unsigned long cache_total_objects(const char *cache);",
     slab_helper<&SlabCacheCounts::num_objs>},
    {"slab_count", "unsigned long slab_count(const char *cache);",
     slab_helper<&SlabCacheCounts::num_slabs>},
};

// page_owner() values, named after PageOwner (mm/mmzone.h).
const std::pair<const char*, PageOwner> kOwners[] = {
    {"OWNER_NONE", PageOwner::none},       {"OWNER_HOLE", PageOwner::hole},
    {"OWNER_RESERVED", PageOwner::reserved}, {"OWNER_BUDDY", PageOwner::buddy},
    {"OWNER_BUDDY_TAIL", PageOwner::buddy_tail}, {"OWNER_PCP", PageOwner::pcp},
    {"OWNER_ALLOC", PageOwner::alloc},     {"OWNER_ALLOC_TAIL", PageOwner::alloc_tail},
    {"OWNER_SLAB", PageOwner::slab},       {"OWNER_VMALLOC", PageOwner::vmalloc},
    {"OWNER_KERNEL_STACK", PageOwner::kernel_stack}, {"OWNER_PAGE_TABLE", PageOwner::page_table},
    {"OWNER_USER", PageOwner::user},
};

} // namespace

Result<void> bind_goal_helpers(kc::Program& prog, BuiltinTable& t) {
    for (const Fn& f : kFns) KLAB_TRY(bind_if_free(prog, t, f.name, f.prototype, f.fn));
    for (const auto& [name, owner] : kOwners)
        KLAB_TRY(bind_constant_if_free(prog, name, "int", static_cast<uint64_t>(owner)));
    // enum zone_type as the modelled configuration numbers it (page_zonenum's values).
    static const char* const k64[] = {"ZONE_DMA", "ZONE_DMA32", "ZONE_NORMAL", "ZONE_MOVABLE",
                                      "ZONE_DEVICE"};
    static const char* const k32[] = {"ZONE_DMA", "ZONE_NORMAL", "ZONE_HIGHMEM", "ZONE_MOVABLE"};
    bool is64 = prog.target().is64();
    for (uint64_t i = 0; i < (is64 ? 5u : 4u); i++)
        KLAB_TRY(bind_constant_if_free(prog, is64 ? k64[i] : k32[i], "int", i));
    return {};
}

} // namespace klab
