// Names of migratetypes, zones and page owners (migratetype_names[], zone_names[]).
#include "mm/mmzone.h"

namespace klab {

const char* migratetype_name(uint32_t mt) {
    static const char* const kNames[MIGRATE_TYPES] = {"Unmovable", "Movable", "Reclaimable",
                                                      "HighAtomic", "Isolate"};
    return mt < MIGRATE_TYPES ? kNames[mt] : "?";
}

const char* zone_kind_name(ZoneKind k) {
    switch (k) {
    case ZoneKind::DMA: return "DMA";
    case ZoneKind::DMA32: return "DMA32";
    case ZoneKind::Normal: return "Normal";
    case ZoneKind::HighMem: return "HighMem";
    case ZoneKind::Movable: return "Movable";
    case ZoneKind::Device: return "Device";
    }
    return "?";
}

const char* page_owner_name(PageOwner o) {
    switch (o) {
    case PageOwner::none: return "inside block";
    case PageOwner::hole: return "hole";
    case PageOwner::reserved: return "reserved";
    case PageOwner::buddy: return "buddy";
    case PageOwner::buddy_tail: return "buddy (tail)";
    case PageOwner::pcp: return "pcp";
    case PageOwner::alloc: return "allocated";
    case PageOwner::alloc_tail: return "allocated (tail)";
    case PageOwner::slab: return "slab";
    case PageOwner::vmalloc: return "vmalloc";
    case PageOwner::kernel_stack: return "kernel stack";
    case PageOwner::page_table: return "page table";
    case PageOwner::user: return "user";
    }
    return "?";
}

} // namespace klab
