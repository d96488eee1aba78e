// gfp_zone(), gfp names (see gfp.h). The name table follows __def_gfpflag_names in
// include/trace/events/mmflags.h (6.1): composites first, so that the longest match wins.
#include "mm/gfp.h"

#include <cstdio>

namespace klab {

namespace {
struct GfpName {
    gfp_t mask;
    const char* name;
};
constexpr GfpName kGfpNames[] = {
    {GFP_TRANSHUGE, "GFP_TRANSHUGE"},
    {GFP_TRANSHUGE_LIGHT, "GFP_TRANSHUGE_LIGHT"},
    {GFP_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE"},
    {GFP_HIGHUSER, "GFP_HIGHUSER"},
    {GFP_USER, "GFP_USER"},
    {GFP_KERNEL_ACCOUNT, "GFP_KERNEL_ACCOUNT"},
    {GFP_KERNEL, "GFP_KERNEL"},
    {GFP_NOFS, "GFP_NOFS"},
    {GFP_ATOMIC, "GFP_ATOMIC"},
    {GFP_NOIO, "GFP_NOIO"},
    {GFP_NOWAIT, "GFP_NOWAIT"},
    {GFP_DMA, "GFP_DMA"},
    {__GFP_HIGHMEM, "__GFP_HIGHMEM"},
    {GFP_DMA32, "GFP_DMA32"},
    {__GFP_HIGH, "__GFP_HIGH"},
    {__GFP_ATOMIC, "__GFP_ATOMIC"},
    {__GFP_IO, "__GFP_IO"},
    {__GFP_FS, "__GFP_FS"},
    {__GFP_NOWARN, "__GFP_NOWARN"},
    {__GFP_RETRY_MAYFAIL, "__GFP_RETRY_MAYFAIL"},
    {__GFP_NOFAIL, "__GFP_NOFAIL"},
    {__GFP_NORETRY, "__GFP_NORETRY"},
    {__GFP_COMP, "__GFP_COMP"},
    {__GFP_ZERO, "__GFP_ZERO"},
    {__GFP_NOMEMALLOC, "__GFP_NOMEMALLOC"},
    {__GFP_MEMALLOC, "__GFP_MEMALLOC"},
    {__GFP_HARDWALL, "__GFP_HARDWALL"},
    {__GFP_THISNODE, "__GFP_THISNODE"},
    {__GFP_RECLAIMABLE, "__GFP_RECLAIMABLE"},
    {__GFP_MOVABLE, "__GFP_MOVABLE"},
    {__GFP_ACCOUNT, "__GFP_ACCOUNT"},
    {__GFP_WRITE, "__GFP_WRITE"},
    {__GFP_RECLAIM, "__GFP_RECLAIM"},
    {__GFP_DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM"},
    {__GFP_KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM"},
    {__GFP_ZEROTAGS, "__GFP_ZEROTAGS"},
};
#define KLAB_GFP_BIT(n) {#n, "unsigned int", n}
#define KLAB_GFP(n) {#n, "gfp_t", n}
constexpr GfpConstant kGfpConstants[] = {
    KLAB_GFP_BIT(___GFP_DMA), KLAB_GFP_BIT(___GFP_HIGHMEM), KLAB_GFP_BIT(___GFP_DMA32),
    KLAB_GFP_BIT(___GFP_MOVABLE), KLAB_GFP_BIT(___GFP_RECLAIMABLE), KLAB_GFP_BIT(___GFP_HIGH),
    KLAB_GFP_BIT(___GFP_IO), KLAB_GFP_BIT(___GFP_FS), KLAB_GFP_BIT(___GFP_ZERO),
    KLAB_GFP_BIT(___GFP_ATOMIC), KLAB_GFP_BIT(___GFP_DIRECT_RECLAIM),
    KLAB_GFP_BIT(___GFP_KSWAPD_RECLAIM), KLAB_GFP_BIT(___GFP_WRITE), KLAB_GFP_BIT(___GFP_NOWARN),
    KLAB_GFP_BIT(___GFP_RETRY_MAYFAIL), KLAB_GFP_BIT(___GFP_NOFAIL), KLAB_GFP_BIT(___GFP_NORETRY),
    KLAB_GFP_BIT(___GFP_MEMALLOC), KLAB_GFP_BIT(___GFP_COMP), KLAB_GFP_BIT(___GFP_NOMEMALLOC),
    KLAB_GFP_BIT(___GFP_HARDWALL), KLAB_GFP_BIT(___GFP_THISNODE), KLAB_GFP_BIT(___GFP_ACCOUNT),
    KLAB_GFP_BIT(___GFP_ZEROTAGS), KLAB_GFP_BIT(___GFP_SKIP_ZERO),
    KLAB_GFP_BIT(___GFP_SKIP_KASAN_UNPOISON), KLAB_GFP_BIT(___GFP_SKIP_KASAN_POISON),
    KLAB_GFP_BIT(___GFP_NOLOCKDEP),
    KLAB_GFP(__GFP_DMA), KLAB_GFP(__GFP_HIGHMEM), KLAB_GFP(__GFP_DMA32), KLAB_GFP(__GFP_MOVABLE),
    KLAB_GFP(GFP_ZONEMASK), KLAB_GFP(__GFP_RECLAIMABLE), KLAB_GFP(__GFP_WRITE),
    KLAB_GFP(__GFP_HARDWALL), KLAB_GFP(__GFP_THISNODE), KLAB_GFP(__GFP_ACCOUNT),
    KLAB_GFP(__GFP_ATOMIC), KLAB_GFP(__GFP_HIGH), KLAB_GFP(__GFP_MEMALLOC),
    KLAB_GFP(__GFP_NOMEMALLOC), KLAB_GFP(__GFP_IO), KLAB_GFP(__GFP_FS),
    KLAB_GFP(__GFP_DIRECT_RECLAIM), KLAB_GFP(__GFP_KSWAPD_RECLAIM), KLAB_GFP(__GFP_RECLAIM),
    KLAB_GFP(__GFP_RETRY_MAYFAIL), KLAB_GFP(__GFP_NOFAIL), KLAB_GFP(__GFP_NORETRY),
    KLAB_GFP(__GFP_NOWARN), KLAB_GFP(__GFP_COMP), KLAB_GFP(__GFP_ZERO), KLAB_GFP(__GFP_ZEROTAGS),
    KLAB_GFP(__GFP_SKIP_ZERO), KLAB_GFP(__GFP_SKIP_KASAN_UNPOISON),
    KLAB_GFP(__GFP_SKIP_KASAN_POISON), KLAB_GFP(__GFP_NOLOCKDEP),
    {"__GFP_BITS_SHIFT", "int", __GFP_BITS_SHIFT}, KLAB_GFP(__GFP_BITS_MASK),
    KLAB_GFP(GFP_ATOMIC), KLAB_GFP(GFP_KERNEL), KLAB_GFP(GFP_KERNEL_ACCOUNT), KLAB_GFP(GFP_NOWAIT),
    KLAB_GFP(GFP_NOIO), KLAB_GFP(GFP_NOFS), KLAB_GFP(GFP_USER), KLAB_GFP(GFP_DMA),
    KLAB_GFP(GFP_DMA32), KLAB_GFP(GFP_HIGHUSER), KLAB_GFP(GFP_HIGHUSER_MOVABLE),
    KLAB_GFP(GFP_TRANSHUGE_LIGHT), KLAB_GFP(GFP_TRANSHUGE),
    KLAB_GFP(GFP_MOVABLE_MASK), {"GFP_MOVABLE_SHIFT", "int", GFP_MOVABLE_SHIFT},
};
#undef KLAB_GFP
#undef KLAB_GFP_BIT

} // namespace

const GfpConstant* gfp_constants(size_t* count) {
    *count = sizeof kGfpConstants / sizeof kGfpConstants[0];
    return kGfpConstants;
}

bool gfp_zone(gfp_t gfp, bool has_highmem, bool has_dma32, ZoneKind* out) {
    gfp_t z = gfp & GFP_ZONEMASK;
    int n = !!(z & __GFP_DMA) + !!(z & __GFP_DMA32) + !!(z & __GFP_HIGHMEM);
    if (n > 1) return false; // GFP_ZONE_BAD
    bool movable = z & __GFP_MOVABLE;
    ZoneKind k = ZoneKind::Normal;
    if (z & __GFP_DMA)
        k = ZoneKind::DMA;
    else if (z & __GFP_DMA32)
        k = has_dma32 ? ZoneKind::DMA32 : ZoneKind::Normal;
    else if (z & __GFP_HIGHMEM) {
        // MOVABLE+HIGHMEM is the only way to reach ZONE_MOVABLE; plain HIGHMEM is OPT_ZONE_HIGHMEM.
        k = movable ? ZoneKind::Movable : (has_highmem ? ZoneKind::HighMem : ZoneKind::Normal);
    }
    *out = k;
    return true;
}

std::string gfp_names(gfp_t gfp) {
    std::string s;
    for (const GfpName& n : kGfpNames) {
        if ((gfp & n.mask) != n.mask) continue;
        if (!s.empty()) s += '|';
        s += n.name;
        gfp &= ~n.mask;
        if (!gfp) break;
    }
    if (gfp) {
        char buf[24];
        std::snprintf(buf, sizeof buf, "%s%#x", s.empty() ? "" : "|", gfp);
        s += buf;
    }
    return s;
}

std::string gfp_mode_string(gfp_t gfp) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%x", gfp);
    return std::string(buf) + "(" + gfp_names(gfp) + ")";
}

std::string gfp_trace_names(gfp_t gfp) {
    return gfp ? gfp_names(gfp) : "none";
}

bool gfp_from_name(const std::string& name, gfp_t* out) {
    for (const GfpConstant& c : kGfpConstants) {
        if (name == c.name) {
            *out = c.value;
            return true;
        }
    }
    return false;
}

} // namespace klab
