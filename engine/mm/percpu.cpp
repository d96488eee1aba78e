// The percpu first chunk and the dynamic allocator on it (see percpu.h).
#include "mm/percpu.h"

#include <algorithm>
#include <cstdio>

#include "machine/kernel.h"
#include "mm/memory.h"
#include "mm/page_alloc.h"
#include "mm/vmalloc.h"
#include "printk/dump_stack.h"
#include "sched/context.h"

namespace klab {

namespace {

constexpr uint64_t kPage = 4096;
// Kernel image geometry of kernel.cpp's boot reservation (pfn 0x1000, 30 MiB / 12 MiB).
constexpr uint64_t kImagePfn = 0x1000;

uint64_t round_up(uint64_t v, uint64_t a) {
    return (v + a - 1) / a * a;
}

// pcpu_build_alloc_info() for one group of nr_cpus CPUs: how many units share one atom
// (upa), accepting at most a third of a CPU's worth of wasted units.
uint32_t unit_size_for(uint32_t size_sum, uint32_t atom, uint32_t nr_cpus) {
    uint32_t min_unit = size_sum > PCPU_MIN_UNIT_SIZE ? size_sum : PCPU_MIN_UNIT_SIZE;
    uint32_t alloc = uint32_t(round_up(min_unit, atom));
    uint32_t upa = alloc / min_unit;
    while (alloc % upa || (alloc / upa) % kPage) upa--;
    uint32_t best = 1, last_allocs = UINT32_MAX;
    for (uint32_t u = upa; u; --u) {
        if (alloc % u || (alloc / u) % kPage) continue;
        uint32_t allocs = (nr_cpus + u - 1) / u;
        uint32_t wasted = allocs * u - nr_cpus;
        if (wasted > nr_cpus / 3) continue;
        if (allocs > last_allocs) break;
        last_allocs = allocs;
        best = u;
    }
    return alloc / best;
}

void warn_percpu(Kernel& k, const std::string& msg, int line, const char* func) {
    warn_report(k, "mm/percpu.c", line, func, {func, "__alloc_percpu"}, msg);
}

uint32_t dyn_start(const PercpuState& p) {
    return p.static_size + p.reserved_size;
}

} // namespace

void percpu_init(Kernel& k) {
    PercpuState& p = k.percpu;
    p = PercpuState{};
    const bool x64 = k.config.arch == Arch::x86_64;
    uint32_t cpus = uint32_t(k.cpus.size());
    p.static_size = x64 ? 217088 : 69632;
    p.reserved_size = PERCPU_MODULE_RESERVE;
    p.dyn_size = x64 ? (28u << 10) : (20u << 10); // PERCPU_DYNAMIC_RESERVE
    p.atom_size = x64 ? (2u << 20) : 4096;        // PMD_SIZE on x86_64, PAGE_SIZE on i386
    uint32_t size_sum = uint32_t(round_up(p.static_size + p.reserved_size + p.dyn_size, kPage));
    p.dyn_size = size_sum - p.static_size - p.reserved_size;
    p.unit_size = unit_size_for(size_sum, p.atom_size, cpus);
    p.nr_populated = size_sum / kPage;
    // The chunk sits at the top of the kernel image reservation (see percpu.h).
    uint64_t image_pages = x64 ? (30u << 8) : (12u << 8);
    uint64_t chunk = round_up(uint64_t(p.unit_size) * cpus, kPage);
    uint64_t base_pfn = kImagePfn + image_pages - chunk / kPage;
    base_pfn &= ~uint64_t(p.atom_size / kPage - 1); // the atom's alignment
    p.base_addr = k.mm.page_offset + (base_pfn << 12);
    for (uint32_t c = 0; c < cpus; ++c) p.unit_off.push_back(uint64_t(c) * p.unit_size);
    // __per_cpu_start: 0 on x86_64; on i386 the link address of .data..percpu in the image,
    // whose init copy (__per_cpu_load) is what BOOT_PERCPU_OFFSET points at.
    p.per_cpu_start = x64 ? 0 : k.mm.page_offset + 0x01a00000ull;
    p.boot_offset = x64 ? 0xffffffff82c00000ull : 0; // __per_cpu_load on x86_64
}

std::string percpu_embed_banner(const Kernel& k) {
    const PercpuState& p = k.percpu;
    char buf[128];
    std::snprintf(buf, sizeof buf, "percpu: Embedded %llu pages/cpu s%u r%u d%u u%u",
                  (unsigned long long)p.nr_populated, p.static_size, p.reserved_size, p.dyn_size,
                  p.unit_size);
    return buf;
}

uint64_t per_cpu_offset(const Kernel& k, int64_t cpu) {
    const PercpuState& p = k.percpu;
    if (cpu < 0 || uint64_t(cpu) >= p.unit_off.size()) return p.boot_offset;
    return p.base_addr - p.per_cpu_start + p.unit_off[size_t(cpu)];
}

uint64_t per_cpu_ptr(const Kernel& k, uint64_t ptr, int64_t cpu) {
    uint64_t v = ptr + per_cpu_offset(k, cpu);
    return k.config.arch == Arch::i386 ? (v & 0xffffffffull) : v;
}

uint64_t percpu_module_base(const Kernel& k) {
    return k.percpu.per_cpu_start + k.percpu.static_size;
}

namespace {

constexpr uint32_t PCPU_SLOT_BASE_SHIFT = 5;
constexpr uint32_t PCPU_EMPTY_POP_PAGES_LOW = 2;
constexpr uint32_t PCPU_EMPTY_POP_PAGES_HIGH = 4;

uint32_t fls(uint64_t v) {
    uint32_t n = 0;
    while (v) {
        ++n;
        v >>= 1;
    }
    return n;
}

// __pcpu_size_to_slot() / pcpu_size_to_slot(): chunks are listed by their largest free run.
uint32_t size_to_slot(const PercpuState& p, uint64_t size) {
    if (size == p.unit_size) return fls(p.unit_size) - PCPU_SLOT_BASE_SHIFT + 2 + 3; // free slot
    int32_t s = int32_t(fls(size)) - int32_t(PCPU_SLOT_BASE_SHIFT) + 2;
    return uint32_t(s < 1 ? 1 : s);
}

// One chunk's allocatable region and its allocations, first chunk or not.
struct Region {
    uint32_t start, end;
    std::map<uint32_t, uint32_t>* alloc;
};

// Lowest offset in [r.start, r.end) where size bytes aligned to align fit; UINT64_MAX if none.
uint64_t find_fit(const Region& r, uint64_t size, uint64_t align) {
    uint64_t off = round_up(r.start, align);
    for (const auto& [o, s] : *r.alloc) {
        if (o + s <= off) continue;
        if (o >= off + size) break;
        off = round_up(o + s, align);
    }
    return off + size <= r.end ? off : UINT64_MAX;
}

// The largest free run of a region (chunk_md.contig_hint, in bytes).
uint64_t contig_free(const Region& r) {
    uint64_t best = 0, pos = r.start;
    for (const auto& [o, s] : *r.alloc) {
        if (o > pos) best = std::max<uint64_t>(best, o - pos);
        pos = std::max<uint64_t>(pos, o + s);
    }
    if (r.end > pos) best = std::max<uint64_t>(best, r.end - pos);
    return best;
}

Region first_region(PercpuState& p) {
    return {dyn_start(p), dyn_start(p) + p.dyn_size, &p.alloc};
}
Region chunk_region(const PercpuState& p, PcpuChunk& c) {
    return {0, p.unit_size, &c.alloc};
}

bool chunk_free(const PercpuState& p, const PcpuChunk& c) {
    (void)p;
    return c.alloc.empty();
}

uint32_t chunk_slot(PercpuState& p, PcpuChunk& c) {
    if (chunk_free(p, c)) return size_to_slot(p, p.unit_size);
    uint64_t contig = contig_free(chunk_region(p, c));
    return contig < PCPU_MIN_ALLOC_SIZE ? 0 : size_to_slot(p, contig);
}
uint32_t first_slot(PercpuState& p) {
    uint64_t contig = contig_free(first_region(p));
    return contig < PCPU_MIN_ALLOC_SIZE ? 0 : size_to_slot(p, contig);
}

bool page_empty(const std::map<uint32_t, uint32_t>& alloc, uint64_t page) {
    uint64_t lo = page * kPage, hi = lo + kPage;
    auto it = alloc.lower_bound(uint32_t(hi));
    if (it == alloc.begin()) return true;
    --it;
    return it->first + uint64_t(it->second) <= lo;
}

uint64_t unit_addr(const PercpuState& p, uint64_t chunk_base, uint32_t unit, uint64_t off) {
    return chunk_base + p.unit_off[unit] + off;
}

// pcpu_populate_chunk(): a page per unit from the page allocator, mapped into each unit.
bool populate(Kernel& k, PcpuChunk& c, uint32_t rs, uint32_t re) {
    PercpuState& p = k.percpu;
    for (uint32_t pg = rs; pg < re; ++pg) {
        if (c.populated[pg]) continue;
        std::vector<pfn_t> frames;
        for (uint32_t u = 0; u < p.unit_off.size(); ++u) {
            pfn_t f = alloc_pages(k, GFP_KERNEL | __GFP_HIGHMEM | __GFP_NOWARN, 0);
            if (f == NO_PFN) {
                for (pfn_t g : frames) __free_pages(k, g, 0);
                return false;
            }
            set_page_owner(k, f, PageOwner::vmalloc);
            frames.push_back(f);
        }
        for (uint32_t u = 0; u < frames.size(); ++u)
            k.kpt.set(unit_addr(p, c.base_addr, u, uint64_t(pg) * kPage), frames[u]);
        c.pages[pg] = frames;
        c.populated[pg] = 1;
        p.nr_populated++;
    }
    return true;
}

void depopulate(Kernel& k, PcpuChunk& c, uint32_t pg) {
    PercpuState& p = k.percpu;
    if (!c.populated[pg]) return;
    for (uint32_t u = 0; u < c.pages[pg].size(); ++u) {
        k.kpt.clear(unit_addr(p, c.base_addr, u, uint64_t(pg) * kPage));
        __free_pages(k, c.pages[pg][u], 0);
    }
    c.pages[pg].clear();
    c.populated[pg] = 0;
    p.nr_populated--;
}

// pcpu_create_chunk(): a vm area for all units, nothing populated. -1 if vmalloc space ran out.
int64_t create_chunk(Kernel& k) {
    PercpuState& p = k.percpu;
    uint64_t size = uint64_t(p.unit_size) * p.unit_off.size();
    uint64_t addr = pcpu_get_vm_area(k, size, p.atom_size);
    if (!addr) return -1;
    PcpuChunk c;
    c.base_addr = addr;
    uint32_t pages = p.unit_size / kPage;
    c.populated.assign(pages, 0);
    c.pages.assign(pages, {});
    c.free_seq = ++p.seq; // relocated to the head of the free slot
    p.chunks.push_back(std::move(c));
    p.chunks_created++;
    return int64_t(p.chunks.size() - 1);
}

void destroy_chunk(Kernel& k, size_t i) {
    PercpuState& p = k.percpu;
    PcpuChunk& c = p.chunks[i];
    for (uint32_t pg = 0; pg < c.populated.size(); ++pg) depopulate(k, c, pg);
    pcpu_free_vm_area(k, c.base_addr);
    p.chunks.erase(p.chunks.begin() + long(i));
    p.chunks_destroyed++;
}

// pcpu_balance_free(empty_only): every fully free chunk but the head of the free slot (the
// newest there); with empty_only, only those without a populated page.
void balance_free(Kernel& k, bool empty_only) {
    PercpuState& p = k.percpu;
    int64_t head = -1;
    for (size_t i = 0; i < p.chunks.size(); ++i)
        if (chunk_free(p, p.chunks[i]) && (head < 0 || p.chunks[i].free_seq > p.chunks[size_t(head)].free_seq))
            head = int64_t(i);
    for (size_t i = p.chunks.size(); i-- > 0;) {
        PcpuChunk& c = p.chunks[i];
        if (!chunk_free(p, c) || int64_t(i) == head) continue;
        bool populated = std::find(c.populated.begin(), c.populated.end(), 1) != c.populated.end();
        if (!empty_only || !populated) destroy_chunk(k, i);
        if (head > int64_t(i)) head--;
    }
}

// Chunk indexes in the order pcpu_alloc()/pcpu_balance_populated() visit them from slot
// `from` up (-1 = the first chunk).
std::vector<int64_t> chunks_by_slot(PercpuState& p, uint32_t from) {
    std::vector<std::pair<uint32_t, int64_t>> v;
    v.push_back({first_slot(p), -1});
    for (size_t i = 0; i < p.chunks.size(); ++i) v.push_back({chunk_slot(p, p.chunks[i]), int64_t(i)});
    std::stable_sort(v.begin(), v.end(), [&](const auto& a, const auto& b) {
        if (a.first != b.first) return a.first < b.first;
        // The free slot's head is the chunk that entered it last.
        if (a.second >= 0 && b.second >= 0 && chunk_free(p, p.chunks[size_t(a.second)]) &&
            chunk_free(p, p.chunks[size_t(b.second)]))
            return p.chunks[size_t(a.second)].free_seq > p.chunks[size_t(b.second)].free_seq;
        return false;
    });
    std::vector<int64_t> out;
    for (const auto& [slot, i] : v)
        if (slot >= from) out.push_back(i);
    return out;
}

// pcpu_balance_populated(): bring the empty populated pages up to HIGH, populating chunks
// that have unpopulated pages, else creating one.
void balance_populated(Kernel& k) {
    PercpuState& p = k.percpu;
    for (int tries = 0; tries < 2; ++tries) {
        uint32_t empty = pcpu_nr_empty_pop_pages(k);
        uint32_t nr_to_pop = empty >= PCPU_EMPTY_POP_PAGES_HIGH ? 0 : PCPU_EMPTY_POP_PAGES_HIGH - empty;
        for (int64_t i : chunks_by_slot(p, size_to_slot(p, kPage))) {
            if (!nr_to_pop) break;
            if (i < 0) continue; // the first chunk is fully populated
            PcpuChunk& c = p.chunks[size_t(i)];
            for (uint32_t pg = 0; pg < c.populated.size() && nr_to_pop; ++pg) {
                if (c.populated[pg]) continue;
                if (!populate(k, c, pg, pg + 1)) return;
                nr_to_pop--;
            }
            break; // one chunk per slot
        }
        if (!nr_to_pop) return;
        if (create_chunk(k) < 0) return;
    }
}

// pcpu_balance_workfn().
void balance_work(Kernel& k) {
    balance_free(k, false);
    balance_populated(k);
    balance_free(k, true);
}

void alloc_failed(Kernel& k, uint64_t size, uint64_t align, const char* err) {
    PercpuState& p = k.percpu;
    if (p.warn_limit <= 0) return;
    char buf[160];
    std::snprintf(buf, sizeof buf, "percpu: allocation failed, size=%llu align=%llu atomic=0, %s",
                  (unsigned long long)size, (unsigned long long)align, err);
    printk(k, LogLevel::warning, buf);
    dump_stack(k, {"pcpu_alloc", "__alloc_percpu"});
    if (--p.warn_limit == 0) printk(k, LogLevel::info, "percpu: limit reached, disable warning");
}

} // namespace

uint64_t __alloc_percpu(Kernel& k, uint64_t size, uint64_t align) {
    PercpuState& p = k.percpu;
    if (align < PCPU_MIN_ALLOC_SIZE) align = PCPU_MIN_ALLOC_SIZE;
    size = round_up(size, PCPU_MIN_ALLOC_SIZE);
    if (size == 0 || size > PCPU_MIN_UNIT_SIZE || align > kPage || (align & (align - 1))) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "illegal size (%llu) or align (%llu) for percpu allocation",
                      (unsigned long long)size, (unsigned long long)align);
        warn_percpu(k, buf, 1758, "pcpu_alloc");
        return 0;
    }
    // GFP_KERNEL: pcpu_alloc_mutex is taken with mutex_lock_killable(), which may sleep.
    might_sleep(k, "kernel/locking/mutex.c", 580,
                {"__might_resched", "__mutex_lock", "pcpu_alloc"});
    int64_t chunk = -2;
    uint64_t off = 0;
    for (int round = 0; round < 2 && chunk == -2; ++round) {
        for (int64_t i : chunks_by_slot(p, size_to_slot(p, size))) {
            Region r = i < 0 ? first_region(p) : chunk_region(p, p.chunks[size_t(i)]);
            off = find_fit(r, size, align);
            if (off == UINT64_MAX) continue;
            chunk = i;
            break;
        }
        if (chunk != -2 || round) break;
        // No space left: a new chunk unless an empty one exists (it would have fitted).
        if (create_chunk(k) < 0) {
            alloc_failed(k, size, align, "failed to allocate new chunk");
            return 0;
        }
    }
    if (chunk == -2) {
        alloc_failed(k, size, align, "failed to allocate new chunk");
        return 0;
    }
    uint64_t base = p.base_addr;
    if (chunk >= 0) {
        PcpuChunk& c = p.chunks[size_t(chunk)];
        if (!populate(k, c, uint32_t(off / kPage), uint32_t((off + size + kPage - 1) / kPage))) {
            alloc_failed(k, size, align, "failed to populate");
            return 0;
        }
        c.alloc[uint32_t(off)] = uint32_t(size);
        base = c.base_addr;
    } else {
        p.alloc[uint32_t(off)] = uint32_t(size);
    }
    // __addr_to_pcpu_ptr(chunk->base_addr + off).
    uint64_t ptr = base + off - p.base_addr + p.per_cpu_start;
    if (k.config.arch == Arch::i386) ptr &= 0xffffffffull;
    // pcpu_alloc() clears the area in every unit.
    std::vector<uint8_t> zero(size, 0);
    for (uint32_t c = 0; c < p.unit_off.size(); ++c)
        kernel_write(k, per_cpu_ptr(k, ptr, c), zero.data(), uint32_t(size));
    if (pcpu_nr_empty_pop_pages(k) < PCPU_EMPTY_POP_PAGES_LOW) balance_work(k);
    return ptr;
}

void free_percpu(Kernel& k, uint64_t ptr) {
    if (!ptr) return;
    PercpuState& p = k.percpu;
    // __pcpu_ptr_to_addr(), then pcpu_chunk_addr_search().
    uint64_t addr = ptr - p.per_cpu_start + p.base_addr;
    if (k.config.arch == Arch::i386) addr &= 0xffffffffull;
    std::map<uint32_t, uint32_t>* alloc = nullptr;
    int64_t chunk = -2;
    uint64_t off = 0;
    if (addr >= p.base_addr && addr - p.base_addr < p.unit_size) {
        alloc = &p.alloc;
        chunk = -1;
        off = addr - p.base_addr;
    }
    for (size_t i = 0; i < p.chunks.size() && !alloc; ++i)
        if (addr >= p.chunks[i].base_addr && addr - p.chunks[i].base_addr < p.unit_size) {
            alloc = &p.chunks[i].alloc;
            chunk = int64_t(i);
            off = addr - p.chunks[i].base_addr;
        }
    auto it = alloc ? alloc->find(uint32_t(off)) : std::map<uint32_t, uint32_t>::iterator{};
    if (!alloc || it == alloc->end()) {
        // Linux trusts the pointer (a bad one corrupts a chunk's bitmaps or oopses in
        // pcpu_chunk_addr_search); the model reports it and changes nothing.
        char buf[160];
        std::snprintf(buf, sizeof buf,
                      "percpu: free_percpu(%#llx): no percpu allocation starts here; ignored",
                      (unsigned long long)ptr);
        printk(k, LogLevel::err, buf);
        dump_stack(k, {"free_percpu"});
        return;
    }
    alloc->erase(it);
    if (chunk < 0) return;
    PcpuChunk& c = p.chunks[size_t(chunk)];
    if (!c.alloc.empty()) return;
    // Fully free: to the head of the free slot; another free chunk wakes the balance work.
    c.free_seq = ++p.seq;
    for (size_t i = 0; i < p.chunks.size(); ++i)
        if (int64_t(i) != chunk && p.chunks[i].alloc.empty()) {
            balance_work(k);
            break;
        }
}

uint32_t pcpu_nr_empty_pop_pages(const Kernel& k) {
    const PercpuState& p = k.percpu;
    uint32_t n = 0;
    uint64_t lo = dyn_start(p), hi = dyn_start(p) + p.dyn_size;
    for (uint64_t pg = (lo + kPage - 1) / kPage; (pg + 1) * kPage <= hi; ++pg)
        n += page_empty(p.alloc, pg);
    for (const PcpuChunk& c : p.chunks)
        for (uint32_t pg = 0; pg < c.populated.size(); ++pg)
            n += c.populated[pg] && page_empty(c.alloc, pg);
    return n;
}

uint64_t pcpu_nr_pages(const Kernel& k) {
    return k.percpu.nr_populated * k.percpu.unit_off.size();
}

uint64_t percpu_dyn_used(const Kernel& k) {
    uint64_t n = 0;
    for (const auto& [o, s] : k.percpu.alloc) n += s;
    return n;
}

std::string check_percpu(const Kernel& k) {
    const PercpuState& p = k.percpu;
    uint64_t prev = dyn_start(p);
    for (const auto& [o, s] : p.alloc) {
        if (o % PCPU_MIN_ALLOC_SIZE || s % PCPU_MIN_ALLOC_SIZE || s == 0)
            return "percpu allocation not 4-byte granular";
        if (o < prev) return "percpu allocations overlap or start before the dynamic area";
        prev = uint64_t(o) + s;
    }
    if (prev > dyn_start(p) + p.dyn_size) return "percpu allocation beyond the dynamic area";
    uint64_t populated = (uint64_t(dyn_start(p)) + p.dyn_size) / kPage; // the first chunk
    for (const PcpuChunk& c : p.chunks) {
        const vm_struct* vm = find_vm_area(k, c.base_addr);
        if (!vm || vm->addr != c.base_addr || !vm->percpu ||
            vm->size != uint64_t(p.unit_size) * p.unit_off.size())
            return "percpu chunk without its vm area";
        uint64_t end = 0;
        for (const auto& [o, s] : c.alloc) {
            if (o % PCPU_MIN_ALLOC_SIZE || s % PCPU_MIN_ALLOC_SIZE || s == 0 || o < end)
                return "percpu chunk allocations overlap or are not 4-byte granular";
            end = uint64_t(o) + s;
            for (uint64_t pg = o / kPage; pg * kPage < end; ++pg)
                if (!c.populated[pg]) return "percpu allocation on an unpopulated page";
        }
        if (end > p.unit_size) return "percpu allocation beyond the unit";
        for (uint32_t pg = 0; pg < c.populated.size(); ++pg) {
            populated += c.populated[pg];
            for (uint32_t u = 0; u < p.unit_off.size(); ++u) {
                pfn_t f = k.kpt.lookup(c.base_addr + p.unit_off[u] + uint64_t(pg) * kPage);
                if (c.populated[pg] ? (c.pages[pg].size() != p.unit_off.size() || f != c.pages[pg][u])
                                    : f != NO_PFN)
                    return "percpu chunk page mapping wrong";
            }
        }
    }
    if (populated != p.nr_populated) return "pcpu_nr_populated does not match the chunks";
    return "";
}

} // namespace klab
