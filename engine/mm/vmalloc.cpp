// vmalloc areas, the kernel page table outside the direct map and /proc/vmallocinfo (see
// vmalloc.h for what is modelled and simplified).
#include "arch/x86/traps.h"
#include "mm/vmalloc.h"

#include <algorithm>
#include <cstdio>

#include "machine/kernel.h"
#include "mm/highmem.h"
#include "mm/internal.h"
#include "mm/page_alloc.h"
#include "printk/dump_stack.h"
#include "printk/pointer.h"
#include "sched/context.h"

namespace klab {

namespace {

constexpr uint64_t kPage = 4096;

// %p of a kernel pointer: hashed unless no_hash_pointers.
std::string ptr_text(const Kernel& k, uint64_t v) {
    PrintfTarget t = kernel_printf_target(k);
    char b[24];
    std::snprintf(b, sizeof b, "%0*llx", int(2 * t.pointer_bytes),
                  (unsigned long long)(t.no_hash_pointers ? v : hashed_pointer(v, t)));
    return b;
}

// WARN_ON_ONCE sites in MemoryModel::warn_once_bits (mm/internal.h 0..3, highmem 8..9).
constexpr uint32_t kWarnVmallocZero = 10;
constexpr uint32_t kWarnKvmallocIntMax = 11;
// IOREMAP_MAX_ORDER (arch/x86/include/asm/page_types.h): PUD_SHIFT on x86_64, PMD_SHIFT on
// non-PAE i386.
uint32_t ioremap_max_order(const Kernel& k) {
    return k.config.arch == Arch::x86_64 ? 30 : 22;
}

// get_count_order_long(): the order of the smallest power of two >= v.
uint32_t count_order(uint64_t v) {
    uint32_t o = 0;
    while ((1ull << o) < v) ++o;
    return o;
}

uint64_t page_align(uint64_t v) {
    return (v + kPage - 1) & ~(kPage - 1);
}

// Virtual ranges the KernelC VM serves itself (kc::Target): the console task's kernel stack
// at VMALLOC_START on x86_64 (16 KiB + guard, as VMAP_STACK would place the first stack), and
// on i386 the module text/data window 0xf7800000 .. 0xf8c00000 (it once held the console's
// stack too, which now lives in lowmem: mm/kstack.h), which a small machine puts inside its
// vmalloc range. vmalloc never hands these out.
void reserve_kc_windows(Kernel& k) {
    VmallocState& v = k.vmalloc;
    if (k.config.arch == Arch::x86_64)
        v.reserved.push_back({v.start, v.start + 16384 + kPage});
    else
        v.reserved.push_back({0xf7800000ull, 0xf8c00000ull});
}

// warn_alloc(gfp, NULL, fmt, ...) for vmalloc's own failures: the page allocator's report
// with the message instead of "page allocation failure".
void vmalloc_warn(Kernel& k, gfp_t gfp, const std::string& msg) {
    warn_alloc_msg(k, gfp, msg, {"warn_alloc", "__vmalloc_node_range", "vmalloc"});
}

// A WARN(1, fmt) report: the message, then __warn()'s lines.
void warn_msg(Kernel& k, const std::string& msg, int line, const char* func) {
    warn_report(k, "mm/vmalloc.c", line, func, {func, "vfree"}, msg, LogLevel::err);
}

// Lowest free range of `size` bytes aligned to `align` (alloc_vmap_area's lowest-fit
// search); busy and lazily freed areas both hold their virtual space.
uint64_t find_free_va(const Kernel& k, uint64_t size, uint64_t align) {
    const VmallocState& v = k.vmalloc;
    std::vector<std::pair<uint64_t, uint64_t>> used;
    used.reserve(v.busy.size() + v.purge_list.size() + 1);
    for (const auto& [a, vm] : v.busy) used.push_back({a, a + vm.size});
    for (const auto& [s, e] : v.purge_list) used.push_back({s, e});
    for (const auto& r : v.reserved) used.push_back(r);
    std::sort(used.begin(), used.end());
    uint64_t cand = (v.start + align - 1) & ~(align - 1);
    for (const auto& [s, e] : used) {
        if (e <= cand) continue;
        if (s >= cand + size) break;
        cand = (e + align - 1) & ~(align - 1);
    }
    if (cand + size > v.end || cand + size < cand) return 0;
    return cand;
}

// pcpu_get_vm_areas()' search: from the top of the vmalloc space down, aligned.
uint64_t find_free_va_top(const Kernel& k, uint64_t size, uint64_t align) {
    const VmallocState& v = k.vmalloc;
    std::vector<std::pair<uint64_t, uint64_t>> used;
    for (const auto& [a, vm] : v.busy) used.push_back({a, a + vm.size});
    for (const auto& [s, e] : v.purge_list) used.push_back({s, e});
    for (const auto& r : v.reserved) used.push_back(r);
    std::sort(used.rbegin(), used.rend());
    uint64_t top = v.end & ~(align - 1);
    for (const auto& [s, e] : used) {
        if (top - v.start < size) return 0;
        uint64_t base = (top - size) & ~(align - 1);
        if (e <= base) break;
        if (s >= top) continue;
        top = s & ~(align - 1);
    }
    if (top < v.start || top - v.start < size) return 0;
    uint64_t base = (top - size) & ~(align - 1);
    return base >= v.start ? base : 0;
}

// alloc_vmap_area() + setup_vmalloc_vm(): a busy area, or 0 after one purge-and-retry.
vm_struct* get_vm_area(Kernel& k, uint64_t size, uint64_t align, uint32_t flags,
                       const std::string& caller, gfp_t gfp) {
    size = page_align(size);
    if (size == 0) return nullptr;
    // __get_vm_area_node(): an ioremap area is aligned to its size, up to IOREMAP_MAX_ORDER.
    if (flags & VM_IOREMAP)
        align = 1ull << std::clamp<uint32_t>(count_order(size), 12, ioremap_max_order(k));
    if (!(flags & VM_NO_GUARD)) size += kPage;
    uint64_t addr = find_free_va(k, size, align);
    if (!addr && !k.vmalloc.purge_list.empty()) {
        purge_vmap_area_lazy(k);
        addr = find_free_va(k, size, align);
    }
    if (!addr) {
        if (!(gfp & __GFP_NOWARN)) {
            char buf[128];
            std::snprintf(buf, sizeof buf,
                          "vmap allocation for size %llu failed: use vmalloc=<size> to increase "
                          "size",
                          (unsigned long long)size);
            printk(k, LogLevel::warning, buf);
        }
        return nullptr;
    }
    vm_struct& vm = k.vmalloc.busy[addr];
    vm = vm_struct{};
    vm.addr = addr;
    vm.size = size;
    vm.flags = flags;
    vm.caller = caller;
    return &vm;
}

// merge_or_add_vmap_area() on the purge tree: a freed range that touches a lazily freed
// neighbour becomes one range with it.
void add_to_purge_list(VmallocState& v, uint64_t start, uint64_t end) {
    auto next = v.purge_list.find(end);
    if (next != v.purge_list.end()) {
        end = next->second;
        v.purge_list.erase(next);
    }
    auto it = v.purge_list.lower_bound(start);
    if (it != v.purge_list.begin() && std::prev(it)->second == start) {
        std::prev(it)->second = end;
        return;
    }
    v.purge_list[start] = end;
}

// remove_vm_area(): unmap, take the area off the busy tree and put its range on the lazy
// purge list; purge when more than lazy_max_pages() are waiting.
void remove_vm_area(Kernel& k, uint64_t addr) {
    VmallocState& v = k.vmalloc;
    auto it = v.busy.find(addr);
    if (it == v.busy.end()) return;
    for (uint64_t a = it->second.addr; a < it->second.addr + it->second.size; a += kPage)
        k.kpt.clear(a);
    uint64_t end = it->second.addr + it->second.size;
    add_to_purge_list(v, addr, end);
    v.vmap_lazy_nr += (end - addr) >> 12;
    v.busy.erase(it);
    if (v.vmap_lazy_nr > lazy_max_pages(k)) purge_vmap_area_lazy(k);
}

void free_area_pages(Kernel& k, vm_struct& vm) {
    uint32_t step = 1u << vm.page_order;
    for (size_t i = 0; i < vm.pages.size(); i += step) __free_pages(k, vm.pages[i], vm.page_order);
    k.vmalloc.nr_vmalloc_pages -= vm.pages.size();
    vm.pages.clear();
}

uint64_t trace_open(Kernel& k) {
    return k.trace.open();
}

void trace_close(Kernel& k, TraceEventType type, uint64_t id, uint64_t addr, uint32_t value) {
    k.trace.close();
    TraceEvent e;
    e.id = id;
    e.type = type;
    e.pfn = addr; // klab events carry the address in the pfn field
    e.gfp = value;
    k.trace.emit(e, k.clock.ns, k.current_cpu);
}

} // namespace

void vmalloc_init(Kernel& k) {
    VmallocState& v = k.vmalloc;
    v = VmallocState{};
    if (k.config.arch == Arch::x86_64) {
        v.start = 0xffffc90000000000ull;     // VMALLOC_START (4-level, no KASLR)
        v.end = v.start + (32ull << 40) - 1; // VMALLOC_END = start + 32 TiB - 1
    } else {
        uint64_t high_memory = k.mm.page_offset + (uint64_t(k.mm.max_low_pfn) << 12);
        v.start = high_memory + (8ull << 20);                         // VMALLOC_OFFSET
        v.end = i386_pkmap_base(uint32_t(k.cpus.size())) - 2 * kPage; // PKMAP_BASE - 2 pages
    }
    reserve_kc_windows(k);
}

uint64_t lazy_max_pages(const Kernel& k) {
    uint32_t cpus = uint32_t(k.cpus.size()), log = 0;
    while (cpus) {
        ++log;
        cpus >>= 1;
    }
    return uint64_t(log) * (32ull * 1024 * 1024 / kPage);
}

void purge_vmap_area_lazy(Kernel& k) {
    if (k.vmalloc.purge_list.empty()) return;
    k.vmalloc.purge_list.clear();
    k.vmalloc.vmap_lazy_nr = 0;
    k.vmalloc.nr_purges++;
}

// __vunmap() once the area is found: free its pages (VM_ALLOC areas own them; a vmap area's
// nr_pages is 0 in Linux), take it off the busy tree, then kvfree() its pages[] array, which
// vfree()s the array's own area when it was vmalloc'ed.
static void release_area(Kernel& k, uint64_t addr, bool deallocate_pages) {
    auto it = k.vmalloc.busy.find(addr);
    if (it == k.vmalloc.busy.end()) return;
    uint64_t array = deallocate_pages ? it->second.pages_area : 0;
    if (deallocate_pages && (it->second.flags & VM_ALLOC)) free_area_pages(k, it->second);
    remove_vm_area(k, addr);
    if (array) release_area(k, array, true);
}

static uint64_t vmalloc_area(Kernel& k, uint64_t size, uint64_t align, gfp_t gfp,
                             uint32_t vm_flags, const std::string& caller, uint32_t order,
                             uint64_t real_size);

// The pages[] array of __vmalloc_area_node(), one pointer per small page: kmalloc'ed up to
// a page (not modelled: no slab object is taken), vmalloc'ed above that with the area's
// caller (its line in /proc/vmallocinfo, and " vpages" on the area's own). The nested
// __vmalloc_node() cannot fail its size checks and its might_sleep() is the one the caller
// already passed (rate-limited in Linux), so the model goes straight to the area.
static bool alloc_page_array(Kernel& k, uint64_t addr, gfp_t gfp, const std::string& caller) {
    const vm_struct& vm = k.vmalloc.busy.at(addr);
    uint64_t array_size = (vm.mapped_bytes() >> 12) * k.config.pointer_bytes();
    if (array_size <= kPage) return true;
    const gfp_t reclaim_mask = __GFP_RECLAIM | __GFP_HIGH | __GFP_IO | __GFP_FS | __GFP_NOWARN |
                               __GFP_RETRY_MAYFAIL | __GFP_NOFAIL | __GFP_NORETRY |
                               __GFP_MEMALLOC | __GFP_NOMEMALLOC; // GFP_RECLAIM_MASK
    uint64_t array =
        vmalloc_area(k, array_size, 1, (gfp & reclaim_mask) | __GFP_ZERO, 0, caller, 0, array_size);
    k.vmalloc.busy.at(addr).pages_area = array;
    return array != 0;
}

static uint64_t vmalloc_area(Kernel& k, uint64_t size, uint64_t align, gfp_t gfp,
                             uint32_t vm_flags, const std::string& caller, uint32_t order,
                             uint64_t real_size) {
    uint64_t nr_pages = page_align(size) >> 12;
    uint64_t id = trace_open(k);
    vm_struct* vm =
        get_vm_area(k, size, align < kPage ? kPage : align, VM_ALLOC | vm_flags, caller, gfp);
    if (!vm) {
        trace_close(k, TraceEventType::klab_vmalloc, id, 0, gfp);
        char buf[128];
        std::snprintf(buf, sizeof buf, "vmalloc error: size %llu, vm_struct allocation failed",
                      (unsigned long long)real_size);
        vmalloc_warn(k, gfp, buf);
        return 0;
    }
    uint64_t addr = vm->addr;
    // __vmalloc_area_node() sets __GFP_NOWARN first: its own failure reports ("failed to
    // allocated page array size", "failed to allocate pages") are never printed in 6.1.192,
    // and a vmalloc that runs out of pages midway fails quietly. Highmem is fine unless a
    // DMA zone was asked for; one page at a time, so the frames are wherever the allocator
    // finds them.
    gfp_t page_gfp = gfp | __GFP_NOWARN;
    if (!(gfp & (__GFP_DMA | __GFP_DMA32))) page_gfp |= __GFP_HIGHMEM;
    if (!alloc_page_array(k, addr, page_gfp, caller)) {
        remove_vm_area(k, addr); // free_vm_area()
        trace_close(k, TraceEventType::klab_vmalloc, id, 0, gfp);
        return 0;
    }
    std::vector<pfn_t> pages;
    for (uint64_t i = 0; i < nr_pages; i += 1u << order) {
        pfn_t p = alloc_pages(k, page_gfp, order);
        if (p == NO_PFN) break;
        for (uint32_t j = 0; j < (1u << order); ++j) {
            set_page_owner(k, p + j, PageOwner::vmalloc);
            pages.push_back(p + j);
        }
    }
    vm = &k.vmalloc.busy[addr]; // alloc_pages() cannot touch the map, but stay explicit
    vm->pages = pages;
    vm->page_order = order;
    k.vmalloc.nr_vmalloc_pages += pages.size();
    if (pages.size() < nr_pages) {
        release_area(k, addr, true); // __vfree(area->addr)
        trace_close(k, TraceEventType::klab_vmalloc, id, 0, gfp);
        return 0;
    }
    for (uint64_t i = 0; i < nr_pages; ++i) k.kpt.set(addr + i * kPage, pages[i]);
    trace_close(k, TraceEventType::klab_vmalloc, id, addr, gfp);
    return addr;
}

uint64_t __vmalloc_node(Kernel& k, uint64_t size, uint64_t align, gfp_t gfp, uint32_t vm_flags,
                        const std::string& caller) {
    uint64_t real_size = size;
    uint64_t nr_pages = page_align(size) >> 12;
    if (size == 0) {
        warn_once(k, kWarnVmallocZero, "mm/vmalloc.c", 3227, "__vmalloc_node_range", 0);
        return 0;
    }
    if ((size >> 12) > totalram_pages(k) || nr_pages == 0) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "vmalloc error: size %llu, exceeds total pages",
                      (unsigned long long)real_size);
        vmalloc_warn(k, gfp, buf);
        return 0;
    }
    // The vm_struct is kzalloc'ed and the page tables allocated with GFP_KERNEL: the first
    // might_sleep on this path is slab's might_alloc().
    if (gfpflags_allow_blocking(gfp))
        might_sleep(k, "include/linux/sched/mm.h", 274,
                    {"__might_resched", "__kmem_cache_alloc_node", "__get_vm_area_node",
                     "__vmalloc_node_range"});
    // VM_ALLOW_HUGE_VMAP on x86_64: PMD-sized pages when the size allows.
    uint32_t order = 0;
    if ((vm_flags & VM_ALLOW_HUGE_VMAP) && k.config.arch == Arch::x86_64 && size >= (2ull << 20)) {
        order = 9;
        align = std::max<uint64_t>(align, 2ull << 20);
        size = (size + (2ull << 20) - 1) & ~((2ull << 20) - 1);
    }
    for (;;) {
        uint64_t addr = vmalloc_area(k, size, align, gfp, vm_flags, caller, order, real_size);
        if (addr || order == 0) return addr;
        // fail: retry with small pages (quietly: the page failures carry __GFP_NOWARN).
        order = 0;
        align = 1;
        size = real_size;
    }
}

uint64_t vmalloc_huge(Kernel& k, uint64_t size, gfp_t gfp, const std::string& caller) {
    return __vmalloc_node(k, size, 1, gfp, VM_ALLOW_HUGE_VMAP, caller);
}

uint64_t kvmalloc_vmalloc(Kernel& k, uint64_t size, gfp_t gfp, const std::string& caller) {
    if (size > 0x7fffffffull) { // INT_MAX: "Don't even allow crazy sizes"
        warn_once(k, kWarnKvmallocIntMax, "mm/util.c", 596, "kvmalloc_node", gfp);
        return 0;
    }
    return __vmalloc_node(k, size, 1, gfp, VM_ALLOW_HUGE_VMAP, caller);
}

uint64_t vmalloc(Kernel& k, uint64_t size, const std::string& caller) {
    return __vmalloc_node(k, size, 1, GFP_KERNEL, 0, caller);
}
uint64_t vzalloc(Kernel& k, uint64_t size, const std::string& caller) {
    return __vmalloc_node(k, size, 1, GFP_KERNEL | __GFP_ZERO, 0, caller);
}
uint64_t vmalloc_user(Kernel& k, uint64_t size, const std::string& caller) {
    return __vmalloc_node(k, size, 4096 /* SHMLBA is PAGE_SIZE on x86 */, GFP_KERNEL | __GFP_ZERO,
                          VM_USERMAP, caller);
}

static void vunmap_area(Kernel& k, uint64_t addr, bool deallocate_pages) {
    char buf[128];
    if (addr & (kPage - 1)) {
        std::snprintf(buf, sizeof buf, "Trying to vfree() bad address (%s)",
                      ptr_text(k, addr).c_str());
        warn_msg(k, buf, 2752, "__vunmap");
        return;
    }
    // find_vm_area() finds the busy area that contains addr (its guard page included) and
    // __vunmap() frees that area whole. A vm_map_ram area has no vm_struct: nothing found.
    const vm_struct* vm = find_vm_area(k, addr);
    if (!vm || vm->vm_map_ram) {
        std::snprintf(buf, sizeof buf, "Trying to vfree() nonexistent vm area (%s)",
                      ptr_text(k, addr).c_str());
        warn_msg(k, buf, 2758, "__vunmap");
        return;
    }
    uint64_t start = vm->addr;
    uint32_t nr = uint32_t(vm->pages.size());
    uint64_t id = trace_open(k);
    release_area(k, start, deallocate_pages);
    trace_close(k, TraceEventType::klab_vfree, id, start, nr);
}

void vfree(Kernel& k, uint64_t addr) {
    uint32_t pc = k.cpus[k.current_cpu].preempt_count;
    if (!in_interrupt(pc)) might_sleep(k, "mm/vmalloc.c", 2858, {"__might_resched", "vfree"});
    if (!addr) return;
    if (in_interrupt(pc)) {
        // __vfree_deferred(): queued on this CPU's list, freed later by a work item.
        k.vmalloc.deferred.push_back(addr);
        return;
    }
    vunmap_area(k, addr, true);
}

void vfree_deferred_work(Kernel& k) {
    std::vector<uint64_t> todo;
    todo.swap(k.vmalloc.deferred);
    for (uint64_t a : todo) vunmap_area(k, a, true);
}

uint64_t vmap(Kernel& k, const std::vector<pfn_t>& pages, uint32_t flags,
              const std::string& caller) {
    might_sleep(k, "mm/vmalloc.c", 2907, {"__might_resched", "vmap"});
    if (pages.empty() || pages.size() > totalram_pages(k)) return 0;
    vm_struct* vm = get_vm_area(k, pages.size() * kPage, kPage, flags | VM_MAP, caller, GFP_KERNEL);
    if (!vm) return 0;
    // VM_MAP areas print no pages= (nr_pages stays 0 unless VM_MAP_PUT_PAGES).
    for (size_t i = 0; i < pages.size(); ++i) k.kpt.set(vm->addr + i * kPage, pages[i]);
    vm->pages = pages;
    return vm->addr;
}

void vunmap(Kernel& k, uint64_t addr) {
    might_sleep(k, "mm/vmalloc.c", 2879, {"__might_resched", "vunmap"});
    if (addr) vunmap_area(k, addr, false);
}

uint64_t ioremap(Kernel& k, uint64_t phys, uint64_t size, const std::string& caller) {
    if (!size) return 0;
    uint64_t last = phys + size - 1;
    uint64_t offset = phys & (kPage - 1);
    uint64_t base = phys & ~(kPage - 1);
    uint64_t len = page_align(last + 1) - base;
    vm_struct* vm = get_vm_area(k, len, kPage, VM_IOREMAP, caller, GFP_KERNEL);
    if (!vm) return 0;
    vm->phys_addr = base;
    for (uint64_t a = 0; a < len; a += kPage) {
        uint64_t pfn = (base + a) >> 12;
        if (pfn_valid(k, pfn))
            k.kpt.set(vm->addr + a, pfn_t(pfn));
        else
            k.kpt.set(vm->addr + a, kIoPfn); // device memory: reads zero, ignores writes
    }
    return vm->addr + offset;
}

void iounmap(Kernel& k, uint64_t addr) {
    uint64_t base = addr & ~(kPage - 1);
    if (!is_vmalloc_addr(k, base)) return; // iounmap of a non-vmalloc address is ignored
    const vm_struct* vm = find_vm_area(k, base);
    if (!vm || !(vm->flags & VM_IOREMAP)) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "iounmap: bad address %s", ptr_text(k, addr).c_str());
        printk(k, LogLevel::err, buf);
        dump_stack(k, {"iounmap"});
        return;
    }
    vunmap_area(k, vm->addr, false);
}

uint32_t vmap_max_alloc(const Kernel& k) {
    return k.config.pointer_bytes() * 8;
}

uint32_t vmap_bbmap_bits(const Kernel& k) {
    // VMALLOC_SPACE is a fixed guess in mm/vmalloc.c: 128 MiB on 32-bit, 128 GiB on 64-bit.
    uint64_t vmalloc_pages = (k.config.arch == Arch::i386 ? 128ull << 20 : 128ull << 30) / kPage;
    uint64_t nr_cpus = 1;
    while (nr_cpus < k.cpus.size()) nr_cpus <<= 1; // roundup_pow_of_two(NR_CPUS)
    uint64_t bits = vmalloc_pages / nr_cpus / 16;
    bits = std::max<uint64_t>(bits, 2ull * vmap_max_alloc(k)); // VMAP_BBMAP_BITS_MIN
    return uint32_t(std::min<uint64_t>(bits, 1024));           // VMAP_BBMAP_BITS_MAX
}

namespace {

// alloc_vmap_area() without a vm_struct: no guard page, printed as "vm_map_ram".
uint64_t alloc_ram_area(Kernel& k, uint64_t size, uint64_t align) {
    // kmalloc of the vmap_block / vmap_area with GFP_KERNEL.
    might_sleep(k, "include/linux/sched/mm.h", 274,
                {"__might_resched", "kmem_cache_alloc_node", "alloc_vmap_area", "vm_map_ram"});
    vm_struct* vm = get_vm_area(k, size, align, VM_NO_GUARD, "", GFP_KERNEL);
    if (!vm) return 0;
    vm->vm_map_ram = true;
    return vm->addr;
}

uint32_t get_order_pages(uint32_t count) {
    uint32_t order = 0;
    while ((1u << order) < count) ++order;
    return order;
}

} // namespace

uint64_t vm_map_ram(Kernel& k, const std::vector<pfn_t>& pages) {
    VmallocState& v = k.vmalloc;
    uint32_t count = uint32_t(pages.size());
    uint64_t addr = 0;
    if (count == 0) {
        warn_report(k, "mm/vmalloc.c", 2129, "vb_alloc", {"vb_alloc", "vm_map_ram"});
        return 0;
    }
    if (count <= vmap_max_alloc(k)) {
        // vb_alloc(): the first block on this CPU's queue with room, else a new block.
        uint32_t need = 1u << get_order_pages(count), bits = vmap_bbmap_bits(k);
        if (v.vbq.size() < k.cpus.size()) v.vbq.resize(k.cpus.size());
        auto& q = v.vbq[k.current_cpu];
        for (size_t i = 0; i < q.size() && !addr; ++i) {
            VmapBlock& b = v.vmap_blocks[q[i]];
            if (b.free < need) continue;
            addr = q[i] + uint64_t(bits - b.free) * kPage;
            b.free -= need;
            if (!b.free) q.erase(q.begin() + long(i));
        }
        if (!addr) {
            uint64_t block = alloc_ram_area(k, uint64_t(bits) * kPage, uint64_t(bits) * kPage);
            if (!block) return 0;
            VmapBlock b;
            b.free = bits - need;
            b.cpu = k.current_cpu;
            v.vmap_blocks[block] = b;
            q.push_back(block);
            addr = block;
        }
    } else {
        addr = alloc_ram_area(k, uint64_t(count) * kPage, kPage);
        if (!addr) return 0;
    }
    for (uint32_t i = 0; i < count; ++i) k.kpt.set(addr + uint64_t(i) * kPage, pages[i]);
    return addr;
}

VmUnmapRam vm_unmap_ram(Kernel& k, uint64_t addr, uint32_t count) {
    VmallocState& v = k.vmalloc;
    might_sleep(k, "mm/vmalloc.c", 2280, {"__might_resched", "vm_unmap_ram"});
    int line = !addr ? 2281 : addr < v.start ? 2282 : addr > v.end ? 2283 : (addr & (kPage - 1)) ? 2284 : 0;
    if (line) {
        report_vm_bug(k, "mm/vmalloc.c", line, "vm_unmap_ram");
        return VmUnmapRam::bug;
    }
    uint64_t size = uint64_t(count) * kPage;
    if (count <= vmap_max_alloc(k)) {
        // vb_free(): unmap first, then look the block up by its index.
        uint32_t bits = vmap_bbmap_bits(k);
        uint64_t block_size = uint64_t(bits) * kPage;
        uint64_t block = addr & ~(block_size - 1); // addr_to_vb_idx(): blocks are size-aligned
        auto it = v.vmap_blocks.find(block);
        // spin_lock(&NULL->lock). Linux has already unmapped the range (whatever area it was
        // in); the model leaves it mapped so that area stays consistent.
        if (it == v.vmap_blocks.end()) {
            page_fault_oops(k, 0, 2, {"vm_unmap_ram"}); // a write to NULL's lock
            return VmUnmapRam::oops;
        }
        for (uint64_t a = addr; a < addr + size; a += kPage) k.kpt.clear(a);
        VmapBlock& b = it->second;
        b.dirty += 1u << get_order_pages(count ? count : 1);
        if (b.dirty == bits) {
            if (b.free) {
                report_vm_bug(k, "mm/vmalloc.c", 2200, "vb_free");
                return VmUnmapRam::bug;
            }
            // free_vmap_block(): the area goes to the lazy purge list.
            v.vmap_blocks.erase(it);
            for (auto& q : v.vbq) q.erase(std::remove(q.begin(), q.end(), block), q.end());
            remove_vm_area(k, block);
        }
        return VmUnmapRam::ok;
    }
    auto it = v.busy.find(addr);
    if (it == v.busy.end() || !it->second.vm_map_ram || v.vmap_blocks.count(addr)) {
        report_vm_bug(k, "mm/vmalloc.c", 2295, "vm_unmap_ram");
        return VmUnmapRam::bug;
    }
    remove_vm_area(k, addr);
    return VmUnmapRam::ok;
}

uint64_t pcpu_get_vm_area(Kernel& k, uint64_t size, uint64_t align) {
    uint64_t addr = find_free_va_top(k, size, align);
    if (!addr && !k.vmalloc.purge_list.empty()) {
        purge_vmap_area_lazy(k);
        addr = find_free_va_top(k, size, align);
    }
    if (!addr) return 0;
    vm_struct& vm = k.vmalloc.busy[addr];
    vm = vm_struct{};
    vm.addr = addr;
    vm.size = size;
    vm.flags = VM_ALLOC | VM_NO_GUARD; // VM_NO_GUARD only says "no guard page" to the model
    vm.caller = "pcpu_get_vm_areas+0x0/0x1a40";
    vm.percpu = true;
    return addr;
}

void pcpu_free_vm_area(Kernel& k, uint64_t addr) {
    remove_vm_area(k, addr);
}

bool is_vmalloc_addr(const Kernel& k, uint64_t addr) {
    return addr >= k.vmalloc.start && addr < k.vmalloc.end;
}

const vm_struct* find_vm_area(const Kernel& k, uint64_t addr) {
    const auto& busy = k.vmalloc.busy;
    auto it = busy.upper_bound(addr);
    if (it == busy.begin()) return nullptr;
    --it;
    if (addr >= it->second.addr + it->second.size) return nullptr;
    return &it->second;
}

pfn_t vmalloc_to_pfn(const Kernel& k, uint64_t addr) {
    return k.kpt.lookup(addr);
}

pfn_t kernel_translate(const Kernel& k, uint64_t vaddr) {
    pfn_t p = virt_to_page(k, vaddr);
    if (p != NO_PFN) return p;
    if (k.kpt.pte.empty()) return NO_PFN;
    return k.kpt.lookup(vaddr);
}

uint64_t vmalloc_total_kb(const Kernel& k) {
    return (k.vmalloc.end - k.vmalloc.start) >> 10;
}

uint64_t vmalloc_used_pages(const Kernel& k) {
    return k.vmalloc.nr_vmalloc_pages;
}

std::string proc_vmallocinfo(const Kernel& k) {
    // The purge list is printed after the last busy area; with none, nothing is printed.
    if (k.vmalloc.busy.empty()) return "";
    PrintfTarget t = kernel_printf_target(k);
    int w = int(k.config.pointer_bytes() * 2);
    // %pK with kptr_restrict 0 hashes like %p (the reference machine shows hashed values).
    auto pk = [&](uint64_t v) {
        char b[24];
        std::snprintf(b, sizeof b, "%0*llx", w,
                      (unsigned long long)(t.no_hash_pointers ? v : hashed_pointer(v, t)));
        return std::string(b);
    };
    std::string s;
    char buf[96];
    for (const auto& [addr, vm] : k.vmalloc.busy) {
        std::snprintf(buf, sizeof buf, " %7lld", (long long)vm.size);
        s += "0x" + pk(vm.addr) + "-0x" + pk(vm.addr + vm.size) + buf;
        if (vm.vm_map_ram) {
            s += " vm_map_ram\n";
            continue;
        }
        if (!vm.caller.empty()) s += " " + vm.caller;
        uint32_t nr_pages = (vm.flags & VM_ALLOC) ? uint32_t(vm.pages.size()) : 0;
        if (nr_pages) s += " pages=" + std::to_string(nr_pages);
        if (vm.phys_addr) {
            std::snprintf(buf, sizeof buf, " phys=0x%0*llx", w, (unsigned long long)vm.phys_addr);
            s += buf;
        }
        if (vm.flags & VM_IOREMAP) s += " ioremap";
        if (vm.flags & VM_ALLOC) s += " vmalloc";
        if (vm.flags & VM_MAP) s += " vmap";
        if (vm.flags & VM_USERMAP) s += " user";
        if (vm.pages_area) s += " vpages"; // is_vmalloc_addr(v->pages)
        // show_numa_info(): CONFIG_NUMA on the x86_64 preset only; one node.
        if (k.config.arch == Arch::x86_64 && nr_pages) s += " N0=" + std::to_string(nr_pages);
        s += "\n";
    }
    for (const auto& [start, end] : k.vmalloc.purge_list) {
        std::snprintf(buf, sizeof buf, " %7lld unpurged vm_area\n", (long long)(end - start));
        s += "0x" + pk(start) + "-0x" + pk(end) + buf;
    }
    return s;
}

std::string check_vmalloc(const Kernel& k) {
    const VmallocState& v = k.vmalloc;
    uint64_t prev_end = 0, pages = 0;
    for (const auto& [addr, vm] : v.busy) {
        if (addr != vm.addr) return "area keyed at the wrong address";
        if (addr < v.start || addr + vm.size > v.end) return "area outside the vmalloc range";
        if (addr < prev_end) return "overlapping areas";
        prev_end = addr + vm.size;
        if (vm.flags & VM_ALLOC) {
            pages += vm.pages.size();
            for (size_t i = 0; i < vm.pages.size(); ++i) {
                if (k.kpt.lookup(addr + i * kPage) != vm.pages[i]) return "pte does not match";
                if (page_owner_at(k, vm.pages[i]) != PageOwner::vmalloc &&
                    page_owner_at(k, vm.pages[i]) != PageOwner::kernel_stack)
                    return "vmalloc page not owned by vmalloc";
            }
        }
        if (!(vm.flags & VM_NO_GUARD) && k.kpt.lookup(addr + vm.size - kPage) != NO_PFN)
            return "guard page is mapped";
    }
    for (const auto& [s, e] : v.purge_list)
        for (uint64_t a = s; a < e; a += kPage)
            if (k.kpt.lookup(a) != NO_PFN) return "lazily freed area still mapped";
    if (pages != v.nr_vmalloc_pages) return "nr_vmalloc_pages does not match the areas";
    for (const auto& [addr, b] : v.vmap_blocks) {
        auto it = v.busy.find(addr);
        if (it == v.busy.end() || !it->second.vm_map_ram ||
            it->second.size != uint64_t(vmap_bbmap_bits(k)) * kPage)
            return "vmap block without its area";
        if (b.free > vmap_bbmap_bits(k)) return "vmap block free count out of range";
    }
    return "";
}

} // namespace klab
