// The percpu first chunk and the dynamic allocator on it (see percpu.h).
#include "mm/percpu.h"

#include <cstdio>

#include "machine/kernel.h"
#include "mm/memory.h"
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
    uint64_t off = round_up(dyn_start(p), align);
    uint64_t end = dyn_start(p) + p.dyn_size;
    for (const auto& [o, s] : p.alloc) {
        if (o + s <= off) continue;
        if (o >= off + size) break;
        off = round_up(o + s, align);
    }
    if (off + size > end) {
        char buf[128];
        std::snprintf(buf, sizeof buf,
                      "percpu: allocation failed, size=%llu align=%llu atomic=0, "
                      "failed to allocate new chunk",
                      (unsigned long long)size, (unsigned long long)align);
        printk(k, LogLevel::warning, buf);
        dump_stack(k, {"pcpu_alloc", "__alloc_percpu"});
        return 0;
    }
    p.alloc[uint32_t(off)] = uint32_t(size);
    uint64_t ptr = p.per_cpu_start + off;
    // pcpu_alloc() clears the area in every unit.
    std::vector<uint8_t> zero(size, 0);
    for (uint32_t c = 0; c < p.unit_off.size(); ++c)
        kernel_write(k, per_cpu_ptr(k, ptr, c), zero.data(), uint32_t(size));
    return ptr;
}

void free_percpu(Kernel& k, uint64_t ptr) {
    if (!ptr) return;
    PercpuState& p = k.percpu;
    uint64_t off = ptr - p.per_cpu_start;
    auto it = ptr >= p.per_cpu_start ? p.alloc.find(uint32_t(off)) : p.alloc.end();
    if (ptr < p.per_cpu_start || off >= p.unit_size || it == p.alloc.end()) {
        // Linux trusts the pointer (a bad one corrupts the chunk's bitmaps or oopses in
        // pcpu_chunk_addr_search); the model reports it and changes nothing.
        char buf[160];
        std::snprintf(buf, sizeof buf,
                      "percpu: free_percpu(%#llx): no percpu allocation starts here; ignored",
                      (unsigned long long)ptr);
        printk(k, LogLevel::err, buf);
        dump_stack(k, {"free_percpu"});
        return;
    }
    p.alloc.erase(it);
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
    return "";
}

} // namespace klab
