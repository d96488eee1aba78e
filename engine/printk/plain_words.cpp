// The plain-words table (plain_words.h). Patterns match a report's head line; '*' stands for
// any text. The first match wins, so specific lines come before their family's fallback. An
// empty sentence marks a line that continues the report before it ("Oops: ..."): no second
// sentence for the same report. Each sentence is the lab's own summary of what Linux's check
// in that place found (file:line as the model prints them, 6.1).
#include "printk/plain_words.h"

#include <utility>

namespace klab {

namespace {

struct Entry {
    const char* pattern;
    const char* plain;
};

constexpr Entry kTable[] = {
    // Double frees and bad frees of slab objects.
    {"kernel BUG at mm/slub.c:419!",
     "This is SLUB's double-free check: the object being freed is already the first free object of its "
     "slab, so the same pointer was freed twice."},
    {"kernel BUG at mm/slab.c:2527!",
     "This is classic SLAB's double-free check: the object is already on its slab's free list, so it was "
     "freed twice."},
    {"kernel BUG at mm/slab.c:2708!",
     "The pointer freed is not the start of an object of this cache (a pointer into an object, or from "
     "another cache)."},
    {"WARNING: CPU: * at mm/slab.c:597 ___cache_free",
     "This is classic SLAB's double-free check: the object is already the last one this CPU freed."},
    {"WARNING: CPU: * at mm/slab.c:2559 cache_grow_begin",
     "__GFP_ZERO on a cache with a constructor: zeroing the object would undo what the constructor set up."},
    {"WARNING: CPU: * at mm/slab_common.c:904 free_large_kmalloc",
     "kfree() of memory that neither a slab nor a large kmalloc owns (pages from alloc_pages or "
     "__get_free_pages go back with free_pages)."},
    {"WARNING: CPU: * at mm/slab_common.c:493 kmem_cache_destroy",
     "kmem_cache_destroy() of a cache whose objects are not all freed: free every object first."},
    {"WARNING: CPU: * at mm/slab.h:630 kmem_cache_free",
     "kmem_cache_free() of memory that is not a slab object at all."},
    {"WARNING: CPU: * at mm/slab.h:665 kmem_cache_free",
     "kmem_cache_free() with the wrong cache: the object belongs to another cache."},
    {"WARNING: CPU: * at mm/slab_common.c:101? __ksize",
     "ksize() of a pointer that kmalloc did not return."},
    // slub_debug's reports: "BUG <cache> (<taint>): <what it found>".
    {"BUG * (*): Right Redzone overwritten",
     "Bytes just past the end of the object were written (a buffer overflow): slub_debug's red zone "
     "after the object changed."},
    {"BUG * (*): Left Redzone overwritten",
     "Bytes just before the object were written (a buffer underflow): the red zone before it changed."},
    {"BUG * (*): Poison overwritten",
     "A freed object was written to after kfree() (use after free): its 0x6b poison bytes changed."},
    {"BUG * (*): Alignment padding overwritten",
     "The padding after the object was written: a write past the object's end."},
    {"BUG * (*): Padding overwritten*",
     "The unused bytes at the end of the slab were written: a write past the last object."},
    {"BUG * (*): Free* corrupt",
     "The free-list pointer kept inside a free object was overwritten (a write to freed memory, or an "
     "overflow from the object before it)."},
    {"BUG * (*): Freelist Pointer check fails",
     "The free-list pointer kept inside a free object was overwritten (a write to freed memory, or an "
     "overflow from the object before it)."},
    {"BUG * (*): Object already free",
     "The object was freed twice: slub_debug found it on its slab's free list already."},
    {"BUG * (*): Invalid object pointer *",
     "The pointer freed is not the start of an object of this cache's slab."},
    {"BUG * (*): Objects remaining in * on __kmem_cache_shutdown()",
     "The cache was destroyed while some of its objects were still allocated (a leak): free them first."},
    {"BUG * (*): *",
     "slub_debug found a slab's memory or bookkeeping in a state it should never be in (an overflow, a "
     "use after free or a double free)."},
    // Pages.
    {"kernel BUG at include/linux/mm.h:780!",
     "The page's reference count was already zero: the pages were freed twice, or the pointer never came "
     "from alloc_pages()."},
    {"kernel BUG at mm/page_alloc.c:5757!",
     "free_pages() takes an address in the direct map (what __get_free_pages() returned); this is not "
     "one (a struct page pointer, a vmalloc address or a stray value)."},
    {"kernel BUG at mm/page_alloc.c:1459!",
     "The pages were freed with another order than they were allocated with, or from a page inside the "
     "block."},
    {"kernel BUG at include/linux/gfp.h:136!",
     "The GFP flags ask for two zones at once (such as __GFP_DMA with __GFP_HIGHMEM)."},
    {"BUG: Bad page state: * messages suppressed", ""},
    {"BUG: Bad page state in process *",
     "A page being freed or handed out had a state that should be impossible (flags or counts left "
     "over): often pages freed twice or with the wrong order."},
    {"WARNING: CPU: * at mm/page_alloc.c:5634 __alloc_pages",
     "An allocation of order 11 or more: the buddy allocator's largest block is order 10 (1024 pages), so "
     "the call returns NULL."},
    {"WARNING: CPU: * at mm/page_alloc.c:3891 rmqueue",
     "__GFP_NOFAIL with an order above 1: an allocation that may never fail should be small."},
    {"WARNING: CPU: * at mm/page_alloc.c:5367 __alloc_pages_slowpath",
     "__GFP_NOFAIL without leave to sleep: an allocation that may never fail must be allowed to wait."},
    {"WARNING: CPU: * at mm/page_alloc.c:5383 __alloc_pages_slowpath",
     "__GFP_NOFAIL for an order above 3: an allocation that may never fail should not be that big."},
    {"*: page allocation failure: order:*",
     "The page allocator found no free block of that order it was allowed to use with these GFP flags, "
     "and returned NULL."},
    // vmalloc, vm_map_ram, kmap.
    {"*: vmalloc error: size *",
     "vmalloc found no room in the vmalloc address range or not enough free pages, and returned NULL."},
    {"WARNING: CPU: * at mm/vmalloc.c:3227 __vmalloc_node_range", "vmalloc() of 0 bytes: it returns NULL."},
    {"WARNING: CPU: * at mm/vmalloc.c:2129 vb_alloc", "vm_map_ram() of no pages: it returns NULL."},
    {"WARNING: CPU: * at mm/vmalloc.c:2752 __vunmap",
     "vfree() of an address that is not page aligned, so no vmalloc area can start there."},
    {"WARNING: CPU: * at mm/vmalloc.c:2758 __vunmap",
     "vfree() of an address where no vmalloc area starts (freed already, or not from vmalloc)."},
    {"kernel BUG at mm/vmalloc.c:2281!", "vm_unmap_ram() of a NULL address."},
    {"kernel BUG at mm/vmalloc.c:228?!",
     "vm_unmap_ram() of an address outside the vmalloc range, or not page aligned: it only undoes "
     "vm_map_ram()."},
    {"kernel BUG at mm/vmalloc.c:2295!",
     "vm_unmap_ram() found no vm_map_ram() mapping at that address (never mapped, or unmapped already)."},
    {"kernel BUG at mm/vmalloc.c:2200!",
     "The small vm_map_ram() mapping was unmapped twice."},
    {"kernel BUG at mm/highmem.c:358!",
     "kunmap() of a page that is not mapped (never kmapped, or kunmapped already)."},
    {"kernel BUG at mm/highmem.c:368!", "kunmap() more times than kmap() for this page."},
    {"kernel BUG at mm/highmem.c:467!",
     "Too many kmap_local_page()/kmap_atomic() mappings at once on this CPU: unmap each before mapping "
     "many more."},
    {"kernel BUG at mm/highmem.c:479!",
     "kunmap_local()/kunmap_atomic() with nothing mapped: more unmaps than maps."},
    {"WARNING: CPU: * at mm/highmem.c:604 kunmap_local_indexed",
     "kunmap_local() of a user-space address, which kmap_local never returns."},
    {"WARNING: CPU: * at mm/highmem.c:610 kunmap_local_indexed",
     "kunmap_local() out of order: local mappings must be undone newest first."},
    {"WARNING: CPU: * at mm/percpu.c:1758 pcpu_alloc",
     "alloc_percpu() of 0 bytes or more than a unit, or with an alignment that is not a power of two up "
     "to a page."},
    // Context, preemption, stacks.
    {"BUG: sleeping function called from invalid context at *",
     "A call that may sleep (a GFP_KERNEL allocation, vmalloc ...) was made in atomic context: with a "
     "spinlock held, preemption or interrupts off, or in an interrupt."},
    {"BUG: using * in preemptible *",
     "A per-CPU value was used with preemption on: the task could move to another CPU in between; use "
     "get_cpu()/put_cpu() or this_cpu_*()."},
    {"WARNING: CPU: * at kernel/sched/core.c:5750 preempt_count_sub",
     "preempt_enable() more times than preempt_disable(): the preemption count went below zero."},
    {"BUG: TASK stack guard page was hit at *",
     "The kernel stack overflowed into its guard page: a call chain too deep, or local variables too "
     "big, for the fixed-size kernel stack."},
    {"watchdog: BUG: soft lockup - CPU#* stuck for *",
     "The CPU ran kernel code for over 20 seconds without letting anything else run (a loop that never "
     "sleeps or yields)."},
    // Bad pointers.
    {"BUG: kernel NULL pointer dereference, address: *",
     "The code read or wrote through a NULL pointer (or a small offset from one)."},
    {"BUG: unable to handle page fault for address: *",
     "The code touched a kernel address with nothing mapped there (freed vmalloc memory, an unmapped "
     "kmap, a stray pointer)."},
    {"general protection fault*",
     "The CPU refused an access to an impossible (non-canonical) address: a garbage pointer, often freed "
     "or poisoned memory read as a pointer."},
    {"Oops: *", ""},
    // Panics: the machine stops.
    {"Kernel panic - not syncing: corrupted stack end detected inside scheduler",
     "The end marker of the task's kernel stack was overwritten: the stack overflowed, and Linux stops "
     "the whole machine rather than run on corrupted memory."},
    {"Kernel panic - not syncing: Fatal exception in interrupt",
     "The oops happened in interrupt context, where there is no task to kill, so Linux stops the whole "
     "machine."},
    {"Kernel panic - not syncing: kmem_cache_create*",
     "A cache created with SLAB_PANIC could not be created, and Linux cannot go on without it."},
    {"Kernel panic - not syncing: *", "Linux found it cannot safely go on and stopped the whole machine."},
    // Families without a line of their own above.
    {"kernel BUG at *",
     "A BUG_ON() check in Linux's code failed: the code found a state it considers impossible and "
     "killed the task."},
    {"WARNING: CPU: *",
     "A WARN_ON() check fired: Linux noticed something wrong, reported it and carried on."},
    {"BUG: *", "Linux found a state it considers a bug and stopped the task."},
};

// '*' matches any text (also none), '?' one character; everything else itself.
bool glob(std::string_view p, std::string_view s) {
    size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
    while (si < s.size()) {
        if (pi < p.size() && (p[pi] == '?' || p[pi] == s[si])) {
            ++pi, ++si;
        } else if (pi < p.size() && p[pi] == '*') {
            star = pi++;
            mark = si;
        } else if (star != std::string_view::npos) {
            pi = star + 1;
            si = ++mark;
        } else {
            return false;
        }
    }
    while (pi < p.size() && p[pi] == '*') ++pi;
    return pi == p.size();
}

} // namespace

std::string_view plain_words(std::string_view head_line) {
    for (const Entry& e : kTable)
        if (glob(e.pattern, head_line)) return e.plain;
    return {};
}

std::string_view printk_text(std::string_view line) {
    if (line.empty() || line[0] != '[') return {};
    size_t close = line.find("] ");
    if (close == std::string_view::npos) return {};
    return line.substr(close + 2);
}

PlainReport first_plain_report(std::string_view output) {
    size_t pos = 0;
    while (pos < output.size()) {
        size_t nl = output.find('\n', pos);
        if (nl == std::string_view::npos) nl = output.size();
        std::string_view text = printk_text(output.substr(pos, nl - pos));
        if (std::string_view plain = plain_words(text); !plain.empty()) return {std::string(text), plain};
        pos = nl + 1;
    }
    return {};
}

} // namespace klab
