// page->flags word and %pGp (see page_flags.h).
#include "mm/page_flags.h"

#include <cstdio>

#include "machine/kernel.h"

namespace klab {

namespace {

// One field of the flags word's top part (struct page_flags_fields in lib/vsprintf.c).
struct Field {
    uint32_t width, shift;
    const char* name;
    bool hex; // default_flag_spec (%#x) rather than decimal
};

struct Layout {
    Field node, zone, last_cpupid;
};

Layout layout_of(const Kernel& k) {
    if (k.config.pointer_bytes() == 8) // BITS_PER_LONG 64: SECTIONS_WIDTH 0 (VMEMMAP)
        return {{10, 54, "node", false}, {3, 51, "zone", false}, {21, 30, "lastcpupid", true}};
    return {{0, 0, "node", false}, {2, 30, "zone", false}, {0, 0, "lastcpupid", true}};
}

uint64_t mask_of(uint32_t width) {
    return width >= 64 ? ~0ull : (1ull << width) - 1;
}

// Bit numbers of enum pageflags (6.1) for the flags the model keeps, in the order of
// __def_pageflag_names (include/trace/events/mmflags.h).
struct FlagBit {
    uint16_t ours;
    uint32_t bit;
    const char* name;
};
constexpr FlagBit kFlagBits[] = {{PG_dirty, 3, "dirty"},
                                 {PG_lru, 4, "lru"},
                                 {PG_slab, 9, "slab"},
                                 {PG_reserved, 12, "reserved"},
                                 {PG_head, 16, "head"}};

} // namespace

uint64_t page_flags_word(const Kernel& k, const page& pg, uint32_t zone) {
    const Layout l = layout_of(k);
    uint64_t w = 0;
    for (const FlagBit& f : kFlagBits)
        if (pg.flags & f.ours) w |= 1ull << f.bit;
    // node 0; page_cpupid_reset_last() leaves last_cpupid all ones.
    w |= (uint64_t(zone) & mask_of(l.zone.width)) << l.zone.shift;
    if (l.last_cpupid.width) w |= mask_of(l.last_cpupid.width) << l.last_cpupid.shift;
    return w;
}

std::string format_page_flags(const Kernel& k, const page& pg, uint32_t zone) {
    const uint64_t w = page_flags_word(k, pg, zone);
    // default_flag_spec is base 16 with SPECIAL: "0x" even for 0 (unlike printf's "%#x").
    char buf[40];
    std::snprintf(buf, sizeof buf, "0x%llx(", (unsigned long long)w);
    std::string s = buf;
    bool append = false;
    for (const FlagBit& f : kFlagBits) {
        if (!(w & (1ull << f.bit))) continue;
        if (append) s += '|';
        s += f.name;
        append = true;
    }
    const Layout l = layout_of(k);
    for (const Field& f : {l.node, l.zone, l.last_cpupid}) {
        if (!f.width) continue; // a field this configuration leaves out
        if (append) s += '|';
        uint64_t v = (w >> f.shift) & mask_of(f.width);
        std::snprintf(buf, sizeof buf, f.hex ? "%s=0x%llx" : "%s=%llu", f.name, (unsigned long long)v);
        s += buf;
        append = true;
    }
    return s + ")";
}

} // namespace klab
