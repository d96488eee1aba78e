// Booting a preset: models the parts of setup_arch()/start_kernel() that shape physical
// memory (arch/x86/kernel/e820.c, arch/x86/mm/init.c zone_sizes_init(), mm/memblock.c
// memblock_free_all(), mm/page_alloc.c free_area_init() and init_per_zone_wmark_min()).
// Simplifications: RAM is one block from 0 (no PCI hole below 4 GiB), with the ISA window
// 0x9f000-0xfffff missing and pfn 0 trimmed as on real x86; the memblock reservations are the
// first 1 MiB, the kernel image and mem_map (no percpu areas, page tables or initrd).
#include "machine/kernel.h"

#include <algorithm>
#include <cstdio>
#include <utility>
#include <vector>

#include "mm/internal.h"
#include "mm/page_alloc.h"
#include "printk/dump_stack.h"
#include "printk/pointer.h"

namespace klab {

namespace {

constexpr pfn_t kIsaHoleStart = 0x9f; // e820: usable 0x0-0x9fbff, reserved 0x9fc00-0xfffff
constexpr pfn_t kIsaHoleEnd = 0x100;
constexpr pfn_t kMaxDmaPfn = 4096;          // 16 MiB
constexpr pfn_t kMaxDma32Pfn = 1u << 20;    // 4 GiB
// 896 MiB: the classic 3G/1G lowmem limit, kept as the textbook preset's line (lessons 01
// and 06 say so). 6.1 derives it (init_32.c, pgtable_32_areas.h) as MAXMEM = VMALLOC_END -
// PAGE_OFFSET - __VMALLOC_RESERVE (128 MiB), which with this preset's VMALLOC_END
// (0xff7fe000) would be about 888 MiB and VmallocTotal 122880 kB instead of 114680 kB.
constexpr pfn_t kI386MaxLowPfn = 896u << 8;
constexpr pfn_t kKernelLoadPfn = 0x1000;    // CONFIG_PHYSICAL_START 0x1000000

// The frames e820 does not report as RAM: pfn 0 (trimmed) and the ISA window, [start, end).
constexpr std::pair<pfn_t, pfn_t> kHoles[] = {{0, 1}, {kIsaHoleStart, kIsaHoleEnd}};

void add_zone(MemoryModel& m, ZoneKind kind, pfn_t start, pfn_t end, bool highmem) {
    zone z;
    z.kind = kind;
    z.is_highmem = highmem;
    if (end > start) {
        z.zone_start_pfn = start;
        z.spanned_pages = end - start;
    }
    m.zones.push_back(z);
}

void layout_zones(Kernel& k) {
    MemoryModel& m = k.mm;
    pfn_t max = m.max_pfn;
    auto lim = [max](pfn_t p) { return p < max ? p : max; };
    if (k.config.arch == Arch::x86_64) {
        add_zone(m, ZoneKind::DMA, 1, lim(kMaxDmaPfn), false);
        add_zone(m, ZoneKind::DMA32, kMaxDmaPfn, lim(kMaxDma32Pfn), false);
        add_zone(m, ZoneKind::Normal, kMaxDma32Pfn, max, false);
        add_zone(m, ZoneKind::Movable, 0, 0, false);
        add_zone(m, ZoneKind::Device, 0, 0, false);
        m.lowmem_reserve_ratio = {256, 256, 32, 0, 0};
    } else {
        add_zone(m, ZoneKind::DMA, 1, lim(kMaxDmaPfn), false);
        add_zone(m, ZoneKind::Normal, kMaxDmaPfn, lim(kI386MaxLowPfn), false);
        add_zone(m, ZoneKind::HighMem, kI386MaxLowPfn, max, true);
        add_zone(m, ZoneKind::Movable, 0, 0, false);
        m.lowmem_reserve_ratio = {256, 32, 0, 0, 0};
    }
    for (zone& z : m.zones) z.pageset.resize(k.cpus.size());
}

void reserve(MemoryModel& m, pfn_t start, pfn_t nr, const char* what) {
    m.reservations.push_back(BootReservation{start, nr, what});
    for (pfn_t p = start; p < start + nr && p < m.max_pfn; ++p) {
        page& pg = m.mem_map[p];
        if (pg.owner == PageOwner::hole) continue;
        pg.owner = PageOwner::reserved;
        pg.flags |= PG_reserved;
        pg._refcount = 1;
    }
}

void init_mem_map(Kernel& k) {
    MemoryModel& m = k.mm;
    // One pass over the frames (1.5 M on the 6 GiB default: boot time is start-up time in the
    // browser): each zone's struct pages are written once, with their zone index. The zones
    // are laid out in ascending pfn order; a frame outside every zone (pfn 0) keeps zone 0.
    m.mem_map.clear();
    m.mem_map.reserve(m.max_pfn);
    for (uint32_t zi = 0; zi < m.zones.size(); ++zi) {
        const zone& z = m.zones[zi];
        if (!z.spanned_pages) continue;
        if (m.mem_map.size() < z.zone_start_pfn) m.mem_map.resize(z.zone_start_pfn);
        page proto;
        proto.zone = uint8_t(zi);
        m.mem_map.insert(m.mem_map.end(), z.spanned_pages, proto);
        m.zones[zi].present_pages = z.spanned_pages;
    }
    m.mem_map.resize(m.max_pfn);
    m.pageblock_mt.assign((m.max_pfn >> m.pageblock_order) + 1, MIGRATE_MOVABLE);
    for (auto [start, end] : kHoles) {
        for (pfn_t p = start; p < end && p < m.max_pfn; ++p) {
            // init_unavailable_range(): holes get a reserved struct page.
            page& pg = m.mem_map[p];
            pg.owner = PageOwner::hole;
            pg.flags = PG_reserved;
            zone& z = m.zones[pg.zone];
            if (p >= z.zone_start_pfn && p < z.end_pfn()) z.present_pages--;
        }
    }
    const bool x64 = k.config.arch == Arch::x86_64;
    // The first 1 MiB is always reserved (real-mode trampoline, BIOS areas).
    reserve(m, 0, 256, "firmware (first 1 MiB)");
    // Text, data and bss of the running kernel: about what a distribution 6.1 kernel
    // occupies after boot (init sections freed), smaller for the 32-bit textbook kernel.
    reserve(m, kKernelLoadPfn, x64 ? (30u << 8) : (12u << 8), "kernel image");
    // mem_map: 64-byte struct pages in 2 MiB vmemmap chunks per 128 MiB section at the top
    // of RAM (x86_64); 32-byte struct pages at the top of lowmem (i386).
    pfn_t nr;
    pfn_t top;
    if (x64) {
        uint64_t sections = (uint64_t(m.max_pfn) + 32767) / 32768;
        nr = pfn_t(sections * 512);
        top = m.max_pfn;
    } else {
        nr = pfn_t((uint64_t(m.max_pfn) * 32 + 4095) / 4096);
        top = m.max_low_pfn;
    }
    pfn_t start = top - nr;
    reserve(m, start, nr, "mem_map");
    m.struct_page_base = x64 ? 0xffffea0000000000ull : m.page_offset + (uint64_t(start) << 12);
    m.struct_page_size = x64 ? 64 : 32;
}

// memblock_free_all() -> __free_pages_memory(): free each run of usable pages in the
// largest aligned blocks, to the tail of the lists (FPI_TO_TAIL), all Movable.
// The usable runs are the gaps between the holes and the memblock reservations (the only
// frames with an owner this early), found from those lists rather than frame by frame.
void free_all_memory(Kernel& k) {
    MemoryModel& m = k.mm;
    std::vector<std::pair<uint64_t, uint64_t>> busy; // [start, end), sorted by start
    for (auto [start, end] : kHoles) busy.emplace_back(start, end);
    for (const BootReservation& r : m.reservations)
        busy.emplace_back(r.start, uint64_t(r.start) + r.nr_pages);
    std::sort(busy.begin(), busy.end());
    for (uint32_t zi = 0; zi < m.zones.size(); ++zi) {
        zone& z = m.zones[zi];
        uint64_t p = z.zone_start_pfn, end = z.end_pfn();
        size_t i = 0;
        while (p < end) {
            while (i < busy.size() && busy[i].second <= p) ++i;
            if (i < busy.size() && busy[i].first <= p) {
                p = busy[i].second;
                continue;
            }
            uint64_t run_end = i < busy.size() ? std::min(end, busy[i].first) : end;
            while (p < run_end) {
                uint32_t order = MAX_ORDER - 1;
                while (order && (p & ((1u << order) - 1))) --order;
                while (p + (1u << order) > run_end) --order;
                __free_one_page(k, zi, pfn_t(p), order, MIGRATE_MOVABLE, FPI_TO_TAIL);
                z.managed_pages += 1u << order;
                p += 1u << order;
            }
        }
    }
}

void print_zone_ranges(Kernel& k) {
    char buf[128];
    printk(k, LogLevel::info, "Zone ranges:");
    for (const zone& z : k.mm.zones) {
        if (z.kind == ZoneKind::Movable) continue;
        if (!z.spanned_pages) {
            std::snprintf(buf, sizeof buf, "  %-8s empty", zone_kind_name(z.kind));
        } else {
            std::snprintf(buf, sizeof buf, "  %-8s [mem %#018llx-%#018llx]", zone_kind_name(z.kind),
                          (unsigned long long)z.zone_start_pfn << 12,
                          ((unsigned long long)z.end_pfn() << 12) - 1);
        }
        printk(k, LogLevel::info, buf);
    }
    printk(k, LogLevel::info, "Movable zone start for each node");
    printk(k, LogLevel::info, "Early memory node ranges");
    std::snprintf(buf, sizeof buf, "  node   0: [mem %#018llx-%#018llx]", 0x1000ull,
                  (unsigned long long)(kIsaHoleStart << 12) - 1);
    printk(k, LogLevel::info, buf);
    std::snprintf(buf, sizeof buf, "  node   0: [mem %#018llx-%#018llx]",
                  (unsigned long long)kIsaHoleEnd << 12,
                  ((unsigned long long)k.mm.max_pfn << 12) - 1);
    printk(k, LogLevel::info, buf);
}

} // namespace

bool MemoryModel::has_highmem() const {
    return zone_index(ZoneKind::HighMem) >= 0;
}

int MemoryModel::zone_index(ZoneKind k) const {
    for (size_t i = 0; i < zones.size(); ++i)
        if (zones[i].kind == k) return int(i);
    return -1;
}

Result<Kernel> Kernel::boot(const MachineConfig& config, bool with_slab) {
    KLAB_TRY(config.validate());
    Kernel k;
    k.config = config;
    k.clock.hz = config.hz();
    k.clock.long_is_32 = config.arch == Arch::i386;
    k.cpus.resize(config.nr_cpus);
    k.trace.enabled = false; // boot-time frees are not part of any student's command
    printk(k, LogLevel::notice,
           std::string("Linux version ") + kUtsRelease + " (klab@kernel-lab) " + kUtsVersion +
               " SMP PREEMPT_DYNAMIC");
    MemoryModel& m = k.mm;
    m.page_offset = config.page_offset();
    m.max_pfn = pfn_t(config.nr_pages());
    m.pageblock_order = config.arch == Arch::x86_64 ? 9 : 10; // HUGETLB_PAGE_ORDER (non-PAE: 4 MiB)
    m.max_low_pfn =
        config.arch == Arch::x86_64 ? m.max_pfn : std::min<pfn_t>(m.max_pfn, kI386MaxLowPfn);
    layout_zones(k);
    init_mem_map(k);
    free_all_memory(k);
    init_per_zone_wmark_min(k);
    highmem_init(k);
    vmalloc_init(k);
    percpu_init(k);
    kstack_init(k);
    sched_init(k);
    print_zone_ranges(k);
    if (with_slab) slab_boot(k);
    k.trace.enabled = true;
    return k;
}

std::string Kernel::hardware_name() const {
    return std::string("Kernel Lab Standard PC (") + arch_name(config.arch) +
           "), BIOS klab 01/01/2026";
}

TraceFormat Kernel::trace_format() const {
    TraceFormat f;
    f.struct_page_base = mm.struct_page_base;
    f.struct_page_size = mm.struct_page_size;
    f.pointer_hex_digits = config.pointer_bytes() * 2;
    f.pageblock_order = mm.pageblock_order;
    PrintfTarget t = kernel_printf_target(*this);
    f.hash_pointers = !t.no_hash_pointers;
    f.ptr_key = t.ptr_key;
    for (const kmem_cache& c : slab.caches) f.cache_names.push_back(c.name);
    return f;
}

} // namespace klab
