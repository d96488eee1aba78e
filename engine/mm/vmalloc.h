// vmalloc, vmap and ioremap areas and the kernel page table behind them: models mm/vmalloc.c
// (__get_vm_area_node, __vmalloc_node_range, __vunmap, the lazy purge of freed areas,
// /proc/vmallocinfo) and the x86 layouts of arch/x86/include/asm/pgtable_64_types.h and
// pgtable_32_areas.h. Simplifications: the kernel page table is a map from page-aligned
// virtual address to page frame, covering only what is outside the direct map (vmalloc,
// pkmap and fixmap addresses); free virtual space is searched by walking the busy and lazily
// freed areas in address order (Linux keeps an augmented rb-tree, with the same lowest-fit
// result); the vm_struct and a pages[] array of up to a page come from no allocator (Linux
// kmallocs them); a larger array is vmalloc'ed as in Linux, with the area's caller, and the
// area prints " vpages" (above 512 pages on x86_64, 1024 on i386: 8- and 4-byte pointers);
// huge mappings for VM_ALLOW_HUGE_VMAP (vmalloc_huge, kvmalloc; below); one node.
// vm_map_ram()/vm_unmap_ram(): up to VMAP_MAX_ALLOC pages come from per-CPU vmap blocks
// (VMAP_BLOCK_SIZE areas, bump-allocated in power-of-two page runs, freed when every page
// was given back: vb->dirty), larger counts get a vmap_area of their own; neither has a guard
// page and /proc/vmallocinfo prints them as "vm_map_ram". VMAP_BBMAP_BITS uses NR_CPUS = the
// machine's CPU count (see mm/percpu.h), so a block is 4 MiB on a 2-CPU preset (Debian's
// x86_64 NR_CPUS 8192 would give 1 MiB). Simplification: the purge of dirty vmap blocks
// (purge_fragmented_blocks, _vm_unmap_aliases) is not modelled; vm_unmap_ram of a large
// count at an address inside another kind of area is refused with the BUG Linux gives for no
// area at all (Linux would free that area's vmap_area under it).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "mm/gfp.h"
#include "mm/mmzone.h"

namespace klab {

struct Kernel;

// include/linux/vmalloc.h flags (6.1).
inline constexpr uint32_t VM_IOREMAP = 0x1;
inline constexpr uint32_t VM_ALLOC = 0x2;
inline constexpr uint32_t VM_MAP = 0x4;
inline constexpr uint32_t VM_USERMAP = 0x8;
inline constexpr uint32_t VM_NO_GUARD = 0x40;
inline constexpr uint32_t VM_ALLOW_HUGE_VMAP = 0x400;

// i386 (non-PAE, 3G/1G): FIXADDR_TOP 0xfffff000 (arch/x86/mm/pgtable_32.c). PKMAP_BASE is
// i386_pkmap_base() in mm/highmem.h.
inline constexpr uint64_t kI386FixaddrTop = 0xfffff000ull;
// A pte that maps device memory (ioremap of a non-RAM address): reads zero, ignores writes.
inline constexpr pfn_t kIoPfn = 0xfffffffeu;

// The page table entries the kernel set up outside the direct map (init_mm's vmalloc, pkmap
// and fixmap ranges), one per 4 KiB page.
struct KernelPageTable {
    std::map<uint64_t, pfn_t> pte; // page-aligned virtual address -> frame
    void set(uint64_t vaddr, pfn_t pfn) { pte[vaddr & ~0xfffull] = pfn; }
    void clear(uint64_t vaddr) { pte.erase(vaddr & ~0xfffull); }
    pfn_t lookup(uint64_t vaddr) const {
        auto it = pte.find(vaddr & ~0xfffull);
        return it == pte.end() ? NO_PFN : it->second;
    }
};

// A busy vmap_area with its vm_struct (Linux keeps them apart; the model needs no split).
struct vm_struct {
    uint64_t addr = 0;
    uint64_t size = 0; // includes the guard page unless VM_NO_GUARD
    uint32_t flags = 0;
    std::vector<pfn_t> pages;  // VM_ALLOC/VM_MAP: the frames, in virtual order
    uint32_t page_order = 0;   // vm->page_order: 9 for a PMD-mapped vmalloc_huge area
    uint64_t phys_addr = 0;    // VM_IOREMAP
    uint64_t pages_area = 0;   // the vmalloc'ed pages[] array (" vpages"), 0 if kmalloc'ed
    std::string caller;        // "%pS" of the caller, e.g. "my_init+0x1c/0x80 [mod]"
    bool kernel_stack = false; // allocated by alloc_thread_stack_node (VMAP_STACK)
    bool percpu = false;       // a percpu chunk's area (pcpu_get_vm_areas): pages are percpu's
    bool vm_map_ram = false;   // a vmap_area without vm_struct: a vmap block or a large vm_map_ram
    uint64_t mapped_bytes() const { return (flags & VM_NO_GUARD) ? size : size - 4096; }
};

// A vmap block (struct vmap_block) and its owner's queue.
struct VmapBlock {
    uint32_t free = 0, dirty = 0; // pages not yet handed out / handed back
    uint32_t cpu = 0;             // whose vmap_block_queue it is on
};

struct VmallocState {
    uint64_t start = 0, end = 0;             // VMALLOC_START, VMALLOC_END (exclusive)
    std::map<uint64_t, vm_struct> busy;      // by address (vmap_area_root / vmap_area_list)
    std::map<uint64_t, uint64_t> purge_list; // freed, not yet purged: start -> end
    uint64_t vmap_lazy_nr = 0;               // pages in purge_list (vmap_lazy_nr)
    uint64_t nr_vmalloc_pages = 0;           // vmalloc_nr_pages(): VmallocUsed
    std::vector<uint64_t> deferred;          // vfree() from interrupt context (vfree_deferred)
    uint64_t nr_purges = 0;                  // how often the lazy list was purged
    std::vector<std::pair<uint64_t, uint64_t>> reserved; // never handed out (see vmalloc.cpp)
    std::map<uint64_t, VmapBlock> vmap_blocks;            // by address (the vmap_blocks xarray)
    std::vector<std::vector<uint64_t>> vbq;               // per CPU: blocks with free pages
};

// Reserve [start, end) in the layout for the preset; called by Kernel::boot.
void vmalloc_init(Kernel& k);

// mm/vmalloc.c entry points. Each returns the area's address, or 0 with Linux's report.
// `caller` is what /proc/vmallocinfo prints after the size.
uint64_t __vmalloc_node(Kernel& k, uint64_t size, uint64_t align, gfp_t gfp, uint32_t vm_flags,
                        const std::string& caller);
uint64_t vmalloc(Kernel& k, uint64_t size, const std::string& caller);
uint64_t vzalloc(Kernel& k, uint64_t size, const std::string& caller);
uint64_t vmalloc_user(Kernel& k, uint64_t size, const std::string& caller);
// vmalloc_huge(): VM_ALLOW_HUGE_VMAP. On x86_64 (HAVE_ARCH_HUGE_VMALLOC) a size of at least
// PMD_SIZE is rounded up to 2 MiB, aligned to 2 MiB and backed by order-9 blocks mapped with
// PMDs; if those cannot be had, a quiet retry with small pages, as 6.1 does. i386 has no
// huge vmalloc. Simplification: Linux split_page()s the blocks and frees small pages; the
// model keeps and frees the order-9 blocks whole.
uint64_t vmalloc_huge(Kernel& k, uint64_t size, gfp_t gfp, const std::string& caller);
// kvmalloc_node()'s vmalloc fallback (mm/util.c), for a blocking request kmalloc could not
// serve: sizes above INT_MAX fail with a WARN_ON_ONCE unless __GFP_NOWARN; the rest is
// __vmalloc_node_range() with VM_ALLOW_HUGE_VMAP (so 4 MiB + 1 is a 6 MiB PMD-mapped area
// on x86_64).
uint64_t kvmalloc_vmalloc(Kernel& k, uint64_t size, gfp_t gfp, const std::string& caller);
// vfree()/vunmap(): the area that contains addr is freed whole (find_vm_area() works by
// containment); an address that is not page-aligned or in no area gets 6.1's WARN.
void vfree(Kernel& k, uint64_t addr);
// Run the vfree()s that interrupt context deferred (the vfree_deferred work item).
void vfree_deferred_work(Kernel& k);
uint64_t vmap(Kernel& k, const std::vector<pfn_t>& pages, uint32_t flags,
              const std::string& caller);
void vunmap(Kernel& k, uint64_t addr);
// ioremap(): VM_IOREMAP area mapping phys (page-aligned down) .. phys+size. The model maps
// only RAM frames' contents; device memory reads as zero and ignores writes.
uint64_t ioremap(Kernel& k, uint64_t phys, uint64_t size, const std::string& caller);
void iounmap(Kernel& k, uint64_t addr);

// VMAP_MAX_ALLOC (BITS_PER_LONG) and VMAP_BBMAP_BITS (pages per vmap block) of the preset.
uint32_t vmap_max_alloc(const Kernel& k);
uint32_t vmap_bbmap_bits(const Kernel& k);
// vm_map_ram(pages, count, node): the address, or 0. vm_unmap_ram(): false after Linux's
// report (BUG, or the oops of vb_free on an address that is no vmap block: *fault_addr is
// then the faulting address and the caller reports the page fault).
uint64_t vm_map_ram(Kernel& k, const std::vector<pfn_t>& pages);
// What happened (for tests): bug and oops have reported through arch/x86/traps.h and killed
// current.
enum class VmUnmapRam : uint8_t { ok, bug, oops };
VmUnmapRam vm_unmap_ram(Kernel& k, uint64_t addr, uint32_t count);

// pcpu_get_vm_areas() for one group: a VM_ALLOC area of `size` bytes (no guard page, no pages
// of its own: percpu maps them), the highest free range below VMALLOC_END aligned to `align`.
// 0 if the space is exhausted. pcpu_free_vm_area() unmaps it and frees its range lazily.
uint64_t pcpu_get_vm_area(Kernel& k, uint64_t size, uint64_t align);
void pcpu_free_vm_area(Kernel& k, uint64_t addr);

// purge_vmap_area_lazy(): drop every lazily freed area (one TLB flush in Linux).
void purge_vmap_area_lazy(Kernel& k);
uint64_t lazy_max_pages(const Kernel& k);

bool is_vmalloc_addr(const Kernel& k, uint64_t addr);
// find_vm_area(): the busy area that contains addr (guard page included), or nullptr.
const vm_struct* find_vm_area(const Kernel& k, uint64_t addr);
// vmalloc_to_page(): the frame mapped at addr, NO_PFN if none.
pfn_t vmalloc_to_pfn(const Kernel& k, uint64_t addr);

// Translation of a kernel virtual address (direct map first, then the kernel page table);
// NO_PFN if nothing maps it.
pfn_t kernel_translate(const Kernel& k, uint64_t vaddr);

// /proc/vmallocinfo and the meminfo counters (kB where Linux prints kB).
std::string proc_vmallocinfo(const Kernel& k);
uint64_t vmalloc_total_kb(const Kernel& k);
uint64_t vmalloc_used_pages(const Kernel& k);

// Invariants: every busy area is inside [start, end), areas do not overlap, every mapped page
// has a pte to a frame owned by that area and the guard page has none, nr_vmalloc_pages
// matches. Returns "" or the first broken rule.
std::string check_vmalloc(const Kernel& k);

} // namespace klab
