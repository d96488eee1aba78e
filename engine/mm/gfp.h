// GFP flags with Linux 6.1 bit values (include/linux/gfp_types.h), gfp_zone() and the
// gfp -> migratetype mapping (include/linux/gfp.h), and %pGg names (mmflags.h order).
// Debian's config has no KASAN_HW_TAGS and no LOCKDEP: __GFP_SKIP_* and __GFP_NOLOCKDEP are 0
// there, so they never print, and __GFP_BITS_SHIFT is 27.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace klab {

using gfp_t = uint32_t;

inline constexpr gfp_t ___GFP_DMA = 0x01;
inline constexpr gfp_t ___GFP_HIGHMEM = 0x02;
inline constexpr gfp_t ___GFP_DMA32 = 0x04;
inline constexpr gfp_t ___GFP_MOVABLE = 0x08;
inline constexpr gfp_t ___GFP_RECLAIMABLE = 0x10;
inline constexpr gfp_t ___GFP_HIGH = 0x20;
inline constexpr gfp_t ___GFP_IO = 0x40;
inline constexpr gfp_t ___GFP_FS = 0x80;
inline constexpr gfp_t ___GFP_ZERO = 0x100;
inline constexpr gfp_t ___GFP_ATOMIC = 0x200;
inline constexpr gfp_t ___GFP_DIRECT_RECLAIM = 0x400;
inline constexpr gfp_t ___GFP_KSWAPD_RECLAIM = 0x800;
inline constexpr gfp_t ___GFP_WRITE = 0x1000;
inline constexpr gfp_t ___GFP_NOWARN = 0x2000;
inline constexpr gfp_t ___GFP_RETRY_MAYFAIL = 0x4000;
inline constexpr gfp_t ___GFP_NOFAIL = 0x8000;
inline constexpr gfp_t ___GFP_NORETRY = 0x10000;
inline constexpr gfp_t ___GFP_MEMALLOC = 0x20000;
inline constexpr gfp_t ___GFP_COMP = 0x40000;
inline constexpr gfp_t ___GFP_NOMEMALLOC = 0x80000;
inline constexpr gfp_t ___GFP_HARDWALL = 0x100000;
inline constexpr gfp_t ___GFP_THISNODE = 0x200000;
inline constexpr gfp_t ___GFP_ACCOUNT = 0x400000;
inline constexpr gfp_t ___GFP_ZEROTAGS = 0x800000;
// Debian's 6.1 config has neither KASAN_HW_TAGS nor LOCKDEP: these bits are defined as 0.
inline constexpr gfp_t ___GFP_SKIP_ZERO = 0;
inline constexpr gfp_t ___GFP_SKIP_KASAN_UNPOISON = 0;
inline constexpr gfp_t ___GFP_SKIP_KASAN_POISON = 0;
inline constexpr gfp_t ___GFP_NOLOCKDEP = 0;
inline constexpr uint32_t __GFP_BITS_SHIFT = 27; // 27 + IS_ENABLED(CONFIG_LOCKDEP)
inline constexpr gfp_t __GFP_BITS_MASK = (1u << __GFP_BITS_SHIFT) - 1;

inline constexpr gfp_t __GFP_DMA = ___GFP_DMA;
inline constexpr gfp_t __GFP_HIGHMEM = ___GFP_HIGHMEM;
inline constexpr gfp_t __GFP_DMA32 = ___GFP_DMA32;
inline constexpr gfp_t __GFP_MOVABLE = ___GFP_MOVABLE;
inline constexpr gfp_t GFP_ZONEMASK = __GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE;
inline constexpr gfp_t __GFP_RECLAIMABLE = ___GFP_RECLAIMABLE;
inline constexpr gfp_t __GFP_WRITE = ___GFP_WRITE;
inline constexpr gfp_t __GFP_HARDWALL = ___GFP_HARDWALL;
inline constexpr gfp_t __GFP_THISNODE = ___GFP_THISNODE;
inline constexpr gfp_t __GFP_ACCOUNT = ___GFP_ACCOUNT;
inline constexpr gfp_t __GFP_ATOMIC = ___GFP_ATOMIC;
inline constexpr gfp_t __GFP_HIGH = ___GFP_HIGH;
inline constexpr gfp_t __GFP_MEMALLOC = ___GFP_MEMALLOC;
inline constexpr gfp_t __GFP_NOMEMALLOC = ___GFP_NOMEMALLOC;
inline constexpr gfp_t __GFP_IO = ___GFP_IO;
inline constexpr gfp_t __GFP_FS = ___GFP_FS;
inline constexpr gfp_t __GFP_DIRECT_RECLAIM = ___GFP_DIRECT_RECLAIM;
inline constexpr gfp_t __GFP_KSWAPD_RECLAIM = ___GFP_KSWAPD_RECLAIM;
inline constexpr gfp_t __GFP_RECLAIM = ___GFP_DIRECT_RECLAIM | ___GFP_KSWAPD_RECLAIM;
inline constexpr gfp_t __GFP_RETRY_MAYFAIL = ___GFP_RETRY_MAYFAIL;
inline constexpr gfp_t __GFP_NOFAIL = ___GFP_NOFAIL;
inline constexpr gfp_t __GFP_NORETRY = ___GFP_NORETRY;
inline constexpr gfp_t __GFP_NOWARN = ___GFP_NOWARN;
inline constexpr gfp_t __GFP_COMP = ___GFP_COMP;
inline constexpr gfp_t __GFP_ZERO = ___GFP_ZERO;
inline constexpr gfp_t __GFP_ZEROTAGS = ___GFP_ZEROTAGS;
inline constexpr gfp_t __GFP_SKIP_ZERO = ___GFP_SKIP_ZERO;
inline constexpr gfp_t __GFP_SKIP_KASAN_UNPOISON = ___GFP_SKIP_KASAN_UNPOISON;
inline constexpr gfp_t __GFP_SKIP_KASAN_POISON = ___GFP_SKIP_KASAN_POISON;
inline constexpr gfp_t __GFP_NOLOCKDEP = ___GFP_NOLOCKDEP;

inline constexpr gfp_t GFP_ATOMIC = __GFP_HIGH | __GFP_ATOMIC | __GFP_KSWAPD_RECLAIM; // 0xa20
inline constexpr gfp_t GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS;              // 0xcc0
inline constexpr gfp_t GFP_KERNEL_ACCOUNT = GFP_KERNEL | __GFP_ACCOUNT;
inline constexpr gfp_t GFP_NOWAIT = __GFP_KSWAPD_RECLAIM; // 0x800
inline constexpr gfp_t GFP_NOIO = __GFP_RECLAIM;
inline constexpr gfp_t GFP_NOFS = __GFP_RECLAIM | __GFP_IO;
inline constexpr gfp_t GFP_USER = __GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL;
inline constexpr gfp_t GFP_DMA = __GFP_DMA;
inline constexpr gfp_t GFP_DMA32 = __GFP_DMA32;
inline constexpr gfp_t GFP_HIGHUSER = GFP_USER | __GFP_HIGHMEM;
inline constexpr gfp_t GFP_HIGHUSER_MOVABLE =
    GFP_HIGHUSER | __GFP_MOVABLE | __GFP_SKIP_KASAN_POISON | __GFP_SKIP_KASAN_UNPOISON;
inline constexpr gfp_t GFP_MOVABLE_MASK = __GFP_RECLAIMABLE | __GFP_MOVABLE; // include/linux/gfp.h
inline constexpr uint32_t GFP_MOVABLE_SHIFT = 3;
inline constexpr gfp_t GFP_TRANSHUGE_LIGHT =
    (GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM;
inline constexpr gfp_t GFP_TRANSHUGE = GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM;

// mm/internal.h: what the slab allocators keep of a caller's mask when they ask the page
// allocator for a slab (zone and zeroing come from the cache). __GFP_NOLOCKDEP is 0 without
// CONFIG_LOCKDEP, so it adds nothing here.
inline constexpr gfp_t GFP_RECLAIM_MASK = __GFP_RECLAIM | __GFP_HIGH | __GFP_IO | __GFP_FS |
                                          __GFP_NOWARN | __GFP_RETRY_MAYFAIL | __GFP_NOFAIL |
                                          __GFP_NORETRY | __GFP_MEMALLOC | __GFP_NOMEMALLOC |
                                          __GFP_ATOMIC;
inline constexpr gfp_t GFP_CONSTRAINT_MASK = __GFP_HARDWALL | __GFP_THISNODE;

// The kinds of zone a gfp mask can ask for; which index each has depends on the machine.
enum class ZoneKind : uint8_t { DMA, DMA32, Normal, HighMem, Movable, Device };

// gfp_zone(): the highest zone kind the mask allows, or false for the combinations Linux
// marks GFP_ZONE_BAD (two of DMA/DMA32/HIGHMEM). has_highmem/has_dma32 describe the machine:
// without CONFIG_HIGHMEM __GFP_HIGHMEM means Normal; without ZONE_DMA32, DMA32 means Normal.
bool gfp_zone(gfp_t gfp, bool has_highmem, bool has_dma32, ZoneKind* out);

// (gfp & (__GFP_RECLAIMABLE|__GFP_MOVABLE)) >> 3: 0 Unmovable, 1 Movable, 2 Reclaimable.
inline uint32_t gfp_migratetype(gfp_t gfp) {
    return (gfp & (__GFP_RECLAIMABLE | __GFP_MOVABLE)) >> 3;
}
inline bool gfpflags_allow_blocking(gfp_t gfp) {
    return gfp & __GFP_DIRECT_RECLAIM;
}

// %pGg: "GFP_KERNEL|__GFP_COMP" (empty for 0; unknown bits as "0x..." at the end).
std::string gfp_names(gfp_t gfp);
// "0xcc0(GFP_KERNEL)": how warn_alloc prints a mode (%#x then %pGg; 0 prints as "0x0").
std::string gfp_mode_string(gfp_t gfp);
// show_gfp_flags() in trace output: the names, or "none" for 0.
std::string gfp_trace_names(gfp_t gfp);

// Every mask macro of include/linux/gfp_types.h (6.1) and gfp.h's GFP_MOVABLE_*, with the
// value it has on the modelled config, for KernelC. type is the C type a module sees:
// "unsigned int" for the ___GFP_ bits and the shifts, "gfp_t" for the masks.
struct GfpConstant {
    const char* name;
    const char* type;
    uint32_t value;
};
const GfpConstant* gfp_constants(size_t* count);

// Parse a name ("GFP_KERNEL", "__GFP_ZERO", "___GFP_DMA") into its value; false if unknown.
bool gfp_from_name(const std::string& name, gfp_t* out);

} // namespace klab
