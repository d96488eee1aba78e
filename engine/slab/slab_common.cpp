// Cache management and the kmalloc family: models mm/slab_common.c (kmem_cache_create,
// find_mergeable, kmem_cache_destroy, kmalloc_slab, kmalloc caches, __kmalloc_large_node,
// kfree, __ksize, krealloc, kfree_sensitive) and kmem_cache_open()/kmem_cache_flags() of
// mm/slub.c (6.1). Every call emits its kmem:* trace event after the page-allocator events it
// caused, which name it as their parent. The object paths go to the allocator booted
// (slab_alloc()/slab_free()/kmem_cache_shutdown() below): SLUB (slub.cpp) or classic SLAB
// (slab_classic.cpp, whose kmem_cache_init() is slab_boot_classic(): kmalloc caches from 32
// bytes with ARCH_KMALLOC_FLAGS = SLAB_HWCACHE_ALIGN, no kmem_cache_node cache, no slub_debug,
// find_mergeable()'s extra alignment test). Simplifications: the boot caches are a
// representative subset of what a Debian 6.1 kernel creates (object sizes approximate,
// flags as in the Linux call sites); no sysfs aliases.
#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "arch/x86/traps.h"
#include "mm/page_alloc.h"
#include "lib/text.h"
#include "printk/dump_stack.h"
#include "slab/slub_internal.h"

namespace klab {

namespace {

constexpr uint64_t kKernelCtor = 1; // a constructor inside the kernel (no KernelC to run)


uint64_t next_random(SlabModel& m) {
    // splitmix64 over the machine's seed: get_random_long() for s->random.
    uint64_t z = (m.rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint32_t ilog2(uint32_t v) {
    return 31 - uint32_t(__builtin_clz(v | 1));
}

// --- slub_debug= -------------------------------------------------------------------------

slab_flags_t debug_letters(std::string_view s, bool* any) {
    slab_flags_t f = 0;
    *any = false;
    for (char c : s) {
        *any = true;
        switch (c | 0x20) {
        case '-': f = 0; break;
        case 'f': f |= SLAB_CONSISTENCY_CHECKS; break;
        case 'z': f |= SLAB_RED_ZONE; break;
        case 'p': f |= SLAB_POISON; break;
        case 'u': f |= SLAB_STORE_USER; break;
        case 't': f |= SLAB_TRACE; break;
        case 'a': f |= SLAB_FAILSLAB; break;
        default: break; // 'o' and unknown letters: ignored by the model
        }
    }
    return f;
}

constexpr slab_flags_t DEBUG_DEFAULT_FLAGS =
    SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER;

// setup_slub_debug(): "slub_debug", "slub_debug=FZ", "slub_debug=FZPU,kmalloc-128,dentry;P"
std::vector<SlubDebugRule> parse_slub_debug(std::string_view arg, bool bare) {
    std::vector<SlubDebugRule> rules;
    if (bare || arg.empty()) {
        rules.push_back({DEBUG_DEFAULT_FLAGS, {}});
        return rules;
    }
    size_t pos = 0;
    while (pos <= arg.size()) {
        size_t semi = arg.find(';', pos);
        std::string_view block = arg.substr(pos, semi == std::string_view::npos ? arg.npos : semi - pos);
        pos = semi == std::string_view::npos ? arg.size() + 1 : semi + 1;
        if (block.empty()) continue;
        size_t comma = block.find(',');
        bool any = false;
        SlubDebugRule r;
        if (comma == 0) {
            r.flags = DEBUG_DEFAULT_FLAGS;
        } else {
            r.flags = debug_letters(block.substr(0, comma), &any);
        }
        if (comma != std::string_view::npos) {
            std::string_view list = block.substr(comma + 1);
            size_t p = 0;
            while (p <= list.size()) {
                size_t c = list.find(',', p);
                std::string_view name = list.substr(p, c == std::string_view::npos ? list.npos : c - p);
                if (!name.empty()) r.caches.emplace_back(name);
                if (c == std::string_view::npos) break;
                p = c + 1;
            }
        }
        rules.push_back(r);
    }
    return rules;
}

bool name_matches(const std::string& name, const std::string& pat) {
    size_t star = pat.find('*');
    if (star != std::string::npos) return name.compare(0, star, pat, 0, star) == 0;
    return name == pat;
}

// kmem_cache_flags(): the slub_debug flags for a cache being created.
slab_flags_t kmem_cache_flags(const SlabModel& m, slab_flags_t flags, const std::string& name) {
    if (flags & SLAB_NO_USER_FLAGS) return flags;
    slab_flags_t global = 0;
    for (const SlubDebugRule& r : m.slub_debug) {
        if (r.caches.empty()) {
            global = r.flags;
            continue;
        }
        for (const std::string& pat : r.caches)
            if (name_matches(name, pat)) return flags | r.flags;
    }
    if (flags & SLAB_NOLEAKTRACE) global &= ~SLAB_STORE_USER;
    return flags | global;
}

// --- command line ------------------------------------------------------------------------

struct Word {
    std::string key, value;
    bool has_value = false;
};
std::vector<Word> cmdline_words(const std::string& cmdline) {
    std::vector<Word> out;
    size_t p = 0;
    while (p < cmdline.size()) {
        while (p < cmdline.size() && cmdline[p] == ' ') ++p;
        size_t e = cmdline.find(' ', p);
        if (e == std::string::npos) e = cmdline.size();
        if (e > p) {
            std::string w = cmdline.substr(p, e - p);
            Word word;
            size_t eq = w.find('=');
            word.key = w.substr(0, eq);
            if (eq != std::string::npos) {
                word.has_value = true;
                word.value = w.substr(eq + 1);
            }
            out.push_back(word);
        }
        p = e;
    }
    return out;
}

uint32_t parse_uint(const std::string& s) {
    uint32_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') break;
        v = v * 10 + uint32_t(c - '0');
        if (v > 1000000) break;
    }
    return v;
}

// --- creating caches -----------------------------------------------------------------------

uint32_t new_cache_id(SlabModel& m) {
    m.caches.emplace_back();
    return uint32_t(m.caches.size() - 1);
}

// kmem_cache_open(): layout, order, min_partial, cpu_partial. False if no order fits.
bool kmem_cache_open(Kernel& k, kmem_cache& s) {
    SlabGeometry g = calculate_sizes(k, s.object_size, s.align, s.flags, s.ctor != 0);
    if (!g.ok) return false;
    s.flags = g.flags;
    s.size = g.size;
    s.inuse = g.inuse;
    s.offset = g.offset;
    s.red_left_pad = g.red_left_pad;
    s.order = g.order;
    s.objects = g.objects;
    uint32_t min = 0;
    while ((4096ull << min) < s.size) ++min;
    s.min_order = min;
    s.allocflags = 0;
    if (s.order) s.allocflags |= __GFP_COMP;
    if (s.flags & SLAB_CACHE_DMA) s.allocflags |= GFP_DMA;
    if (s.flags & SLAB_CACHE_DMA32) s.allocflags |= GFP_DMA32;
    if (s.flags & SLAB_RECLAIM_ACCOUNT) s.allocflags |= __GFP_RECLAIMABLE;
    // set_min_partial(s, ilog2(s->size) / 2)
    s.min_partial = std::clamp<uint32_t>(ilog2(s.size) / 2, 5, 10);
    // set_cpu_partial()
    uint32_t nr_objects;
    if (kmem_cache_debug(s))
        nr_objects = 0;
    else if (s.size >= 4096)
        nr_objects = 6;
    else if (s.size >= 1024)
        nr_objects = 24;
    else if (s.size >= 256)
        nr_objects = 52;
    else
        nr_objects = 120;
    s.cpu_partial = nr_objects;
    s.cpu_partial_slabs = (nr_objects * 2 + s.objects - 1) / s.objects;
    s.cpu_slab.assign(k.cpus.size(), kmem_cache_cpu{});
    s.random = next_random(slabm(k));
    return true;
}

// A static struct kmem_cache in the kernel image's data (boot_kmem_cache / boot_kmem_cache_node
// of SLUB's kmem_cache_init(), kmem_cache_boot of SLAB and SLOB).
uint64_t static_cache_struct(const Kernel& k, uint32_t id) {
    const uint64_t data = ptr_bytes(k) == 8 ? 0xffffffff82a00000ull : k.mm.page_offset + 0x01a00000ull;
    return data + uint64_t(id) * 0x100;
}

// A cache's struct kmem_cache and kmem_cache_node. Until the kmem_cache cache exists they are
// static; from then on every cache takes its struct from kmem_cache (kmem_cache_zalloc() in
// create_cache() and create_kmalloc_cache()) and, under SLUB, its node struct from
// kmem_cache_node, so booting leaves one kmem_cache object per cache and slab pages in use.
void alloc_cache_structs(Kernel& k, uint32_t id, SlabCtx& cx) {
    SlabModel& m = slabm(k);
    uint64_t addr, node = 0;
    if (m.kmem_cache_id == NO_CACHE) {
        addr = static_cache_struct(k, id);
    } else {
        addr = slab_alloc(k, m.kmem_cache_id, GFP_KERNEL | __GFP_ZERO, 0, cx);
        // Classic SLAB has no kmem_cache_node cache: init_cache_node() kmallocs the node.
        if (m.kmem_cache_node_id != NO_CACHE)
            node = slab_alloc(k, m.kmem_cache_node_id, GFP_KERNEL | __GFP_ZERO, 0, cx);
    }
    m.caches[id].address = addr;
    m.caches[id].node_address = node;
    if (addr) m.cache_index[addr] = id;
}

// SLUB's kmem_cache_init() after its two create_boot_cache() calls: kmem_cache_node's own node
// struct (early_kmem_cache_node_alloc()), kmem_cache's node struct, then bootstrap() copies
// each static struct into an object of kmem_cache and flushes the copy's CPU slab.
void slub_bootstrap(Kernel& k, uint32_t cache_id, uint32_t node_id, SlabCtx& cx) {
    SlabModel& m = slabm(k);
    for (uint32_t id : {node_id, cache_id})
        m.caches[id].node_address = slab_alloc(k, node_id, GFP_NOWAIT | __GFP_ZERO, 0, cx);
    for (uint32_t id : {cache_id, node_id}) {
        uint64_t addr = slab_alloc(k, cache_id, GFP_NOWAIT | __GFP_ZERO, 0, cx);
        m.cache_index.erase(m.caches[id].address);
        m.caches[id].address = addr;
        m.cache_index[addr] = id;
        flush_all(k, id);
    }
}

uint32_t create_cache(Kernel& k, const std::string& name, uint32_t object_size, uint32_t align,
                      slab_flags_t flags, uint32_t useroffset, uint32_t usersize, uint64_t ctor,
                      SlabCtx& cx) {
    SlabModel& m = slabm(k);
    uint32_t id = new_cache_id(m);
    kmem_cache& s = m.caches[id];
    s.name = name;
    s.object_size = object_size;
    s.align = align;
    s.ctor = ctor;
    s.useroffset = useroffset;
    s.usersize = usersize;
    if (m.allocator == SlabAllocator::slob) {
        s.flags = flags;
        alloc_cache_structs(k, id, cx);
        slob_open(k, id);
        m.caches[id].refcount = 1;
        m.slab_caches.push_back(id);
        return id;
    }
    if (m.allocator == SlabAllocator::slab) {
        // SLAB's kmem_cache_flags() adds nothing (no slub_debug); the struct comes first, then
        // __kmem_cache_create() sets up the geometry, the node and the array caches.
        s.flags = flags;
        alloc_cache_structs(k, id, cx);
        if (!slab_classic_open(k, id, cx)) {
            slab_classic_release(k, id, cx);
            uint64_t addr = m.caches[id].address;
            m.cache_index.erase(addr);
            uint32_t sid = addr ? slab_of_addr(k, addr) : NO_SLAB;
            if (sid != NO_SLAB) slab_free(k, m.kmem_cache_id, sid, addr, cx);
            m.caches[id].alive = false;
            m.caches[id].address = 0;
            return NO_CACHE;
        }
        m.caches[id].refcount = 1;
        m.slab_caches.push_back(id);
        return id;
    }
    s.flags = kmem_cache_flags(m, flags, name);
    if (!kmem_cache_open(k, s)) {
        m.caches.pop_back();
        return NO_CACHE;
    }
    s.refcount = 1;
    m.slab_caches.push_back(id);
    alloc_cache_structs(k, id, cx);
    return id;
}

// create_kmalloc_cache() / create_boot_cache()
uint32_t create_boot_cache(Kernel& k, const std::string& name, uint32_t size, slab_flags_t flags,
                           uint32_t usersize, SlabCtx& cx) {
    uint32_t align = ptr_bytes(k) == 8 ? 8 : 8; // ARCH_KMALLOC_MINALIGN
    if ((size & (size - 1)) == 0) align = std::max(align, size);
    align = calculate_alignment(flags, align, size, ptr_bytes(k));
    return create_cache(k, name, size, align, flags, 0, usersize, 0, cx);
}

bool slab_unmergeable(const SlabModel& m, const kmem_cache& s) {
    return m.slab_nomerge || (s.flags & (SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER |
                                         SLAB_TRACE | SLAB_TYPESAFE_BY_RCU |
                                         SLAB_NOLEAKTRACE | SLAB_FAILSLAB)) ||
           s.ctor || s.usersize || s.refcount < 0 || !s.alive;
}

// find_mergeable(): the oldest compatible cache.
uint32_t find_mergeable(Kernel& k, uint32_t size, uint32_t align, slab_flags_t flags,
                        const std::string& name, uint64_t ctor) {
    const SlabModel& m = slabm(k);
    const uint32_t pb = ptr_bytes(k);
    if (m.slab_nomerge || ctor || m.allocator == SlabAllocator::slob) return NO_CACHE;
    size = (size + pb - 1) / pb * pb;
    align = calculate_alignment(flags, align, size, pb);
    size = (size + align - 1) / align * align;
    if (m.allocator != SlabAllocator::slab) flags = kmem_cache_flags(m, flags, name);
    const slab_flags_t never = SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE |
                               SLAB_TYPESAFE_BY_RCU | SLAB_NOLEAKTRACE | SLAB_FAILSLAB;
    const slab_flags_t same = SLAB_RECLAIM_ACCOUNT | SLAB_CACHE_DMA | SLAB_CACHE_DMA32 |
                              SLAB_ACCOUNT;
    if (flags & never) return NO_CACHE;
    for (uint32_t id : m.slab_caches) { // list_for_each_entry_reverse: oldest first
        const kmem_cache& s = m.caches[id];
        if (slab_unmergeable(m, s)) continue;
        if (size > s.size) continue;
        if ((flags & same) != (s.flags & same)) continue;
        if ((s.size & ~(align - 1)) != s.size) continue;
        if (s.size - size >= pb) continue;
        if (m.allocator == SlabAllocator::slab && align && (align > s.align || s.align % align))
            continue;
        return id;
    }
    return NO_CACHE;
}

void emit(Kernel& k, uint64_t id, TraceEventType type, uint64_t caller, uint64_t ptr,
          uint32_t req, uint32_t alloc, gfp_t gfp, uint32_t cache) {
    TraceEvent e;
    e.id = id;
    e.type = type;
    e.pfn = ptr;
    e.call_site = caller;
    e.bytes_req = req;
    e.bytes_alloc = alloc;
    e.gfp = gfp;
    if (type == TraceEventType::kmem_cache_free) e.bytes_alloc = cache; // name= field
    k.trace.emit(e, k.clock.ns, k.current_cpu);
}

uint64_t kmalloc_large(Kernel& k, uint64_t size, gfp_t gfp, SlabCtx& cx) {
    if (gfp & (__GFP_DMA32 | __GFP_HIGHMEM)) gfp = kmalloc_fix_flags(k, gfp, cx);
    uint32_t order = 0;
    while ((4096ull << order) < size && order < 64) ++order;
    if (order >= MAX_ORDER && cx.hooks) {
        // The page allocator's WARN names the path that led to it.
        k.dump_stack_callers = {"__kmalloc_large_node", cx.api ? cx.api : "__kmalloc"};
        for (std::string& f : cx.hooks->caller_frames()) k.dump_stack_callers.push_back(f);
    }
    pfn_t p = alloc_pages(k, gfp | __GFP_COMP, order);
    k.dump_stack_callers.clear();
    if (p == NO_PFN) return 0;
    slabm(k).nr_kmalloc_large_pages += 1ull << order;
    return page_address(k, p);
}

// virt_to_folio() of an address nothing maps: the struct page read faults.
void bad_virt_to_folio(Kernel& k, uint64_t obj, SlabCtx& cx) {
    uint64_t pfn = (obj - k.mm.page_offset) >> 12;
    uint64_t a = k.mm.struct_page_base + pfn * k.mm.struct_page_size;
    if (ptr_bytes(k) == 4) a &= 0xffffffffu;
    cx.fault_addr = a ? a : 1;
}

// free_large_kmalloc(): a non-slab page given to kfree().
void free_large_kmalloc(Kernel& k, uint64_t obj, SlabCtx& cx) {
    pfn_t pfn = virt_to_page(k, obj);
    const page& pg = k.mm.mem_map[pfn];
    pfn_t head = pfn;
    if (pg.flags & PG_tail) {
        while (head > 0 && !(k.mm.mem_map[head].flags & PG_head)) --head;
    }
    uint32_t order = (k.mm.mem_map[head].flags & PG_head) ? k.mm.mem_map[head].order : 0;
    if (order == 0) {
        SlabModel& m = slabm(k);
        if (!(m.warn_once_bits & 1)) {
            m.warn_once_bits |= 1;
            warn_slab(k, cx, "mm/slab_common.c", 904, "free_large_kmalloc", "");
            printk(k, LogLevel::warning, "object pointer: " + slab_ptr(k, obj));
        }
    }
    uint64_t& n = slabm(k).nr_kmalloc_large_pages;
    n -= std::min<uint64_t>(n, 1ull << order);
    __free_pages(k, head, order);
}

} // namespace

void warn_slab(Kernel& k, SlabCtx& cx, const char* file, int line, const char* func,
               const std::string& msg) {
    set_slab_stack_callers(k, cx, {func});
    warn_report(k, file, line, func, {func}, msg);
    k.dump_stack_callers.clear();
}

gfp_t kmalloc_fix_flags(Kernel& k, gfp_t gfp, SlabCtx& cx) {
    gfp_t invalid = gfp & (__GFP_DMA32 | __GFP_HIGHMEM); // GFP_SLAB_BUG_MASK
    gfp_t fixed = gfp & ~invalid;
    printk(k, LogLevel::warning,
           strfmt("Unexpected gfp: %#x (%s). Fixing up to gfp: %#x (%s). Fix your code!", invalid,
               gfp_names(invalid).c_str(), fixed, gfp_names(fixed).c_str()));
    slab_dump_stack(k, cx, {"kmalloc_fix_flags"});
    return fixed;
}

// ============================================================================ backends
// The object paths of the allocator booted: SLUB (slub.cpp) or classic SLAB (slab_classic.cpp).

// slab_alloc_node() of mm/slub.c and slab_alloc() of mm/slab.c share their hooks: might_alloc()
// before (slab_pre_alloc_hook) and, once an object was found, the statistics and __GFP_ZERO
// (slab_post_alloc_hook; init_on_alloc is off in Debian). SLOB has its own path.
uint64_t slab_alloc(Kernel& k, uint32_t cache, gfp_t gfp, uint32_t orig_size, SlabCtx& cx) {
    if (is_slob(k)) return slob_cache_alloc(k, cache, gfp, cx);
    slab_pre_alloc_hook(k, gfp);
    uint64_t obj = is_slab_classic(k) ? slab_classic_alloc(k, cache, gfp, cx)
                                      : slub_alloc(k, cache, gfp, orig_size, cx);
    if (!obj) return 0;
    kmem_cache& s = slabm(k).caches[cache];
    s.alloc_count++;
    if (gfp & __GFP_ZERO) mem_fill(k, obj, 0, s.object_size);
    return obj;
}

void slab_free(Kernel& k, uint32_t cache, uint32_t slab_id, uint64_t obj, SlabCtx& cx) {
    if (is_slab_classic(k)) return slab_classic_free(k, cache, slab_id, obj, cx);
    if (is_slob(k)) return slob_cache_free(k, cache, obj, cx);
    slub_free(k, cache, slab_id, obj, cx);
}

int kmem_cache_shutdown(Kernel& k, uint32_t cache, SlabCtx& cx) {
    if (is_slab_classic(k)) return slab_classic_shrink(k, cache, cx);
    if (is_slob(k)) return 0; // "No way to check for remaining objects"

    return slub_shutdown(k, cache, cx);
}

int kmem_cache_shrink_id(Kernel& k, uint32_t cache) {
    SlabCtx cx;
    if (is_slab_classic(k)) return slab_classic_shrink(k, cache, cx);
    if (is_slob(k)) return 0;
    return slub_shrink(k, cache);
}

namespace {

// An API entry. The outermost one (not a call the slab layer makes itself, such as SLAB's
// kmalloc of an off-slab index array) first runs SLAB's reap work that fell due.
struct ApiScope {
    Kernel& k;
    ApiScope(Kernel& kernel, SlabCtx& cx, const char* api) : k(kernel) {
        if (!cx.api) cx.api = api;
        if (k.slab.api_depth++ == 0 && is_slab_classic(k)) slab_classic_reap_due(k);
    }
    ~ApiScope() { --k.slab.api_depth; }
    ApiScope(const ApiScope&) = delete;
    ApiScope& operator=(const ApiScope&) = delete;
};

} // namespace

// ============================================================================ boot

bool slub_debug_cmdline_enabled(const std::string& cmdline) {
    if (cmdline.find("slub_debug") == std::string::npos) return false;
    bool on = false;
    for (const Word& w : cmdline_words(cmdline)) {
        if (w.key != "slub_debug") continue;
        on = false;
        for (const SlubDebugRule& r : parse_slub_debug(w.value, !w.has_value))
            if (r.flags || !r.caches.empty()) on = true;
    }
    return on;
}

namespace {

struct BootCache {
    const char* name;
    uint32_t size64, size32;
    uint32_t align; // 0, or L1_CACHE_BYTES for task_struct
    slab_flags_t flags;
    bool usercopy;
    bool ctor;
};

// After the kmalloc caches, in the order start_kernel() creates them (radix_tree_init,
// pid_idr_init, anon_vma_init, cred_init, fork_init, proc_caches_init, vfs_caches_init).
const BootCache kBootCaches[] = {
    {"radix_tree_node", 576, 296, 0, SLAB_PANIC | SLAB_RECLAIM_ACCOUNT, false, true},
    {"pid", 112, 64, 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT, false, false},
    {"anon_vma", 88, 48, 0, SLAB_TYPESAFE_BY_RCU | SLAB_PANIC | SLAB_ACCOUNT, false, true},
    {"anon_vma_chain", 64, 32, 0, SLAB_PANIC | SLAB_ACCOUNT, false, false},
    {"cred_jar", 176, 108, 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT, false, false},
    {"task_struct", 6016, 3264, 64, SLAB_PANIC | SLAB_ACCOUNT, true, false},
    {"sighand_cache", 2088, 1308, 0,
     SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_TYPESAFE_BY_RCU | SLAB_ACCOUNT, false, true},
    {"signal_cache", 1136, 696, 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT, false, false},
    {"files_cache", 704, 384, 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT, false, false},
    {"fs_cache", 56, 40, 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT, false, false},
    {"mm_struct", 1048, 640, 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT, true, false},
    {"vm_area_struct", 200, 112, 0, SLAB_PANIC | SLAB_ACCOUNT, false, false},
    {"names_cache", 4096, 4096, 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC, true, false},
    {"dentry", 192, 136, 0, SLAB_RECLAIM_ACCOUNT | SLAB_PANIC | SLAB_MEM_SPREAD | SLAB_ACCOUNT,
     true, false},
    {"inode_cache", 608, 368, 0,
     SLAB_RECLAIM_ACCOUNT | SLAB_PANIC | SLAB_MEM_SPREAD | SLAB_ACCOUNT, false, true},
    {"buffer_head", 104, 64, 0, SLAB_RECLAIM_ACCOUNT | SLAB_PANIC | SLAB_MEM_SPREAD, false,
     false},
};

const char* const kKmallocPrefix[NR_KMALLOC_TYPES] = {"kmalloc-", "kmalloc-cg-", "kmalloc-rcl-",
                                                       "dma-kmalloc-"};

std::string kmalloc_short(uint32_t idx) {
    if (idx == 1) return "96";
    if (idx == 2) return "192";
    uint32_t size = 1u << idx;
    return size >= 1024 ? std::to_string(size >> 10) + "k" : std::to_string(size);
}
uint32_t kmalloc_size(uint32_t idx) {
    return idx == 1 ? 96 : idx == 2 ? 192 : 1u << idx;
}

void new_kmalloc_cache(Kernel& k, uint32_t idx, kmalloc_cache_type type, SlabCtx& cx) {
    slab_flags_t flags = SLAB_KMALLOC;
    if (slabm(k).allocator == SlabAllocator::slab) flags |= SLAB_HWCACHE_ALIGN; // ARCH_KMALLOC_FLAGS
    if (type == KMALLOC_RECLAIM) flags |= SLAB_RECLAIM_ACCOUNT;
    if (type == KMALLOC_CGROUP) flags |= SLAB_ACCOUNT;
    if (type == KMALLOC_DMA) flags |= SLAB_CACHE_DMA;
    uint32_t size = kmalloc_size(idx);
    uint32_t id = create_boot_cache(k, kKmallocPrefix[type] + kmalloc_short(idx), size, flags,
                                    size, cx);
    SlabModel& m = slabm(k);
    m.kmalloc_caches[type][idx] = id;
    if (type == KMALLOC_NORMAL) m.caches[id].refcount = -1; // MEMCG_KMEM: never merged into
}

// The caches later subsystems create during start_kernel() (kBootCaches).
void create_boot_caches(Kernel& k, SlabCtx& cx) {
    SlabModel& m = slabm(k);
    const uint32_t pb = ptr_bytes(k);
    for (const BootCache& b : kBootCaches) {
        uint32_t size = pb == 8 ? b.size64 : b.size32;
        uint64_t ctor = b.ctor ? kKernelCtor : 0;
        uint32_t alias = b.usercopy ? NO_CACHE : find_mergeable(k, size, b.align, b.flags, b.name, ctor);
        if (alias != NO_CACHE) {
            kmem_cache& s = m.caches[alias];
            s.refcount++;
            s.object_size = std::max(s.object_size, size);
            s.inuse = std::max(s.inuse, (size + pb - 1) / pb * pb);
            continue;
        }
        uint32_t align = calculate_alignment(b.flags, b.align, size, pb);
        create_cache(k, b.name, size, align, b.flags, 0, b.usercopy ? size : 0, ctor, cx);
    }
}

// kmem_cache_init() of mm/slob.c: only the static kmem_cache (not on slab_caches); no kmalloc
// caches; the later boot caches, never merged (SLOB has no __kmem_cache_alias()).
void slab_boot_slob(Kernel& k) {
    SlabModel& m = slabm(k);
    SlabCtx cx;
    m.slub_debug.clear();
    bool was_tracing = k.trace.enabled;
    k.trace.enabled = false;
    const uint32_t pb = ptr_bytes(k);
    uint32_t cache_id = create_cache(k, "kmem_cache", pb == 8 ? 64 : 44, 8, SLAB_PANIC, 0, 0, 0, cx);
    m.slab_caches.clear();
    m.kmem_cache_id = cache_id;
    m.kmem_cache_node_id = NO_CACHE;
    m.caches[cache_id].refcount = -1;
    m.up = true;
    create_boot_caches(k, cx);
    m.boot_done = true;
    k.trace.enabled = was_tracing;
}

// kmem_cache_init() of mm/slab.c: the static kmem_cache cache, the kmalloc cache that holds
// struct kmem_cache_node (kmalloc-128 on x86_64, kmalloc-64 on i386), then the other kmalloc
// caches from 32 bytes up; the later boot caches; kmem_cache_init_late()'s tunables come with
// each cache (slab_classic_open()). Pointers are hashed: SLAB has no slub_debug.
void slab_boot_classic(Kernel& k) {
    SlabModel& m = slabm(k);
    SlabCtx cx;
    const uint32_t pb = ptr_bytes(k);
    m.slub_debug.clear();
    // slab_max_order: 1 above 32 MiB of RAM unless slab_max_order= says otherwise.
    m.slab_max_order = k.config.mem_bytes > (32ull << 20) ? 1 : 0;
    for (const Word& w : cmdline_words(k.config.cmdline))
        if (w.key == "slab_max_order" && w.has_value)
            m.slab_max_order = std::min(parse_uint(w.value), MAX_ORDER - 1);
    bool was_tracing = k.trace.enabled;
    k.trace.enabled = false;
    // offsetof(struct kmem_cache, node) + nr_node_ids * sizeof(struct kmem_cache_node *)
    uint32_t kc_size = pb == 8 ? 136 : 100;
    uint32_t cache_id = create_boot_cache(k, "kmem_cache", kc_size, SLAB_HWCACHE_ALIGN, 0, cx);
    m.kmem_cache_id = cache_id;
    m.kmem_cache_node_id = NO_CACHE;
    m.caches[cache_id].refcount = -1;
    // INDEX_NODE: made by create_kmalloc_cache() directly, so it keeps refcount 1 and, unlike
    // the other kmalloc-N caches under MEMCG_KMEM, can take aliases.
    const uint32_t index_node = kmalloc_index(pb == 8 ? 120 : 64);
    new_kmalloc_cache(k, index_node, KMALLOC_NORMAL, cx);
    m.caches[m.kmalloc_caches[KMALLOC_NORMAL][index_node]].refcount = 1;
    const uint32_t low = 5; // KMALLOC_SHIFT_LOW: KMALLOC_MIN_SIZE is 32 with SLAB
    for (uint32_t t = 0; t < NR_KMALLOC_TYPES; ++t) {
        for (uint32_t i = low; i <= KMALLOC_SHIFT_HIGH; ++i) {
            if (m.kmalloc_caches[t][i] == NO_CACHE) new_kmalloc_cache(k, i, kmalloc_cache_type(t), cx);
            if (i == 6 && m.kmalloc_caches[t][1] == NO_CACHE) new_kmalloc_cache(k, 1, kmalloc_cache_type(t), cx);
            if (i == 7 && m.kmalloc_caches[t][2] == NO_CACHE) new_kmalloc_cache(k, 2, kmalloc_cache_type(t), cx);
        }
    }
    m.up = true;
    create_boot_caches(k, cx);
    slab_classic_init_late(k);
    m.boot_done = true;
    // cpucache_init(): each CPU's reap work first runs about a second later.
    m.next_reap_ac.assign(k.cpus.size(), k.clock.jiffies() + k.clock.hz);
    k.trace.enabled = was_tracing;
}

} // namespace

void slab_boot(Kernel& k) {
    SlabModel& m = slabm(k);
    m = SlabModel{};
    m.allocator = k.config.allocator;
    m.rng = k.config.seed ^ 0x736c7562ull;
    for (auto& row : m.kmalloc_caches)
        for (uint32_t& c : row) c = NO_CACHE;
    for (const Word& w : cmdline_words(k.config.cmdline)) {
        if (w.key == "slab_nomerge") m.slab_nomerge = true;
        if (w.key == "slab_merge") m.slab_nomerge = false;
        if (w.key == "slub_min_order" && w.has_value) m.slub_min_order = parse_uint(w.value);
        if (w.key == "slub_max_order" && w.has_value)
            m.slub_max_order = std::min(parse_uint(w.value), MAX_ORDER - 1);
        if (w.key == "slub_min_objects" && w.has_value) m.slub_min_objects = parse_uint(w.value);
        if (w.key == "slub_debug") m.slub_debug = parse_slub_debug(w.value, !w.has_value);
    }
    if (m.allocator == SlabAllocator::slab) {
        slab_boot_classic(k);
        return;
    }
    if (m.allocator == SlabAllocator::slob) {
        slab_boot_slob(k);
        return;
    }
    if (m.slub_min_order > MAX_ORDER - 1) m.slub_min_order = MAX_ORDER - 1;
    if (m.slub_max_order < m.slub_min_order) m.slub_max_order = m.slub_min_order;
    SlabCtx cx;
    const uint32_t pb = ptr_bytes(k);
    bool was_tracing = k.trace.enabled;
    k.trace.enabled = false;
    if (slub_debug_cmdline_enabled(k.config.cmdline) &&
        (" " + k.config.cmdline + " ").find(" no_hash_pointers ") == std::string::npos) {
        static const char* kNotice[] = {
            "**********************************************************",
            "**   NOTICE NOTICE NOTICE NOTICE NOTICE NOTICE NOTICE   **",
            "**                                                      **",
            "** This system shows unhashed kernel memory addresses   **",
            "** via the console, logs, and other interfaces. This    **",
            "** might reduce the security of your system.            **",
            "**                                                      **",
            "** If you see this message and you are not debugging    **",
            "** the kernel, report this immediately to your system   **",
            "** administrator!                                       **",
            "**                                                      **",
            "**   NOTICE NOTICE NOTICE NOTICE NOTICE NOTICE NOTICE   **",
            "**********************************************************"};
        for (const char* l : kNotice) printk(k, LogLevel::warning, l);
    }
    // kmem_cache_init(): the two bootstrap caches, then their own structs as objects.
    // offsetof(struct kmem_cache, node) + nr_node_ids pointers: 224 on Debian's 6.1 amd64
    // (/sys/kernel/slab/kmem_cache/object_size).
    uint32_t kc_size = pb == 8 ? 224 : 124;
    uint32_t kcn_size = pb == 8 ? 64 : 36;
    uint32_t node_id = create_boot_cache(k, "kmem_cache_node", kcn_size, SLAB_HWCACHE_ALIGN, 0, cx);
    uint32_t cache_id = create_boot_cache(k, "kmem_cache", kc_size, SLAB_HWCACHE_ALIGN, 0, cx);
    m.slab_caches.clear(); // bootstrap() adds kmem_cache first, then kmem_cache_node
    m.slab_caches.push_back(cache_id);
    m.slab_caches.push_back(node_id);
    slub_bootstrap(k, cache_id, node_id, cx);
    m.kmem_cache_id = cache_id;
    m.kmem_cache_node_id = node_id;
    m.caches[cache_id].refcount = -1; // create_boot_cache(): exempt from merging
    m.caches[node_id].refcount = -1;
    char buf[128];
    std::snprintf(buf, sizeof buf, "SLUB: HWalign=64, Order=%u-%u, MinObjects=%u, CPUs=%u, Nodes=1",
                  m.slub_min_order, m.slub_max_order, m.slub_min_objects, k.config.nr_cpus);
    printk(k, LogLevel::info, buf);
    // create_kmalloc_caches(): per type 8..8k, 96 after 64 and 192 after 128.
    for (uint32_t t = 0; t < NR_KMALLOC_TYPES; ++t) {
        for (uint32_t i = KMALLOC_SHIFT_LOW; i <= KMALLOC_SHIFT_HIGH; ++i) {
            new_kmalloc_cache(k, i, kmalloc_cache_type(t), cx);
            if (i == 6) new_kmalloc_cache(k, 1, kmalloc_cache_type(t), cx);
            if (i == 7) new_kmalloc_cache(k, 2, kmalloc_cache_type(t), cx);
        }
    }
    m.up = true;
    create_boot_caches(k, cx);
    m.boot_done = true;
    k.trace.enabled = was_tracing;
}

// ============================================================================ caches

uint32_t cache_by_address(const Kernel& k, uint64_t cachep) {
    const SlabModel& m = slabm(k);
    auto it = m.cache_index.find(cachep);
    return it == m.cache_index.end() ? NO_CACHE : it->second;
}

uint32_t cache_by_name(const Kernel& k, const std::string& name) {
    const SlabModel& m = slabm(k);
    for (auto it = m.slab_caches.rbegin(); it != m.slab_caches.rend(); ++it)
        if (m.caches[*it].name == name && m.caches[*it].alive) return *it;
    return NO_CACHE;
}

uint64_t kmem_cache_create(Kernel& k, const std::string& name, uint32_t size, uint32_t align,
                           slab_flags_t flags, uint64_t ctor, SlabCtx& cx) {
    ApiScope scope(k, cx, "kmem_cache_create");
    SlabModel& m = slabm(k);
    const uint32_t pb = ptr_bytes(k);
    int err = 0;
    const uint32_t pc = k.cpus[k.current_cpu].preempt_count;
    // kmem_cache_sanity_check() (CONFIG_DEBUG_VM, as the rest of the model). No lower bound:
    // a cache of 1..7 bytes gets 8-byte objects (calculate_sizes() / calculate_alignment()).
    // Simplification: size 0, which 6.1 lets through to a division by zero in
    // calculate_order() (a divide error oops), is refused here like a failed check.
    if (name.empty() || in_interrupt(pc) || size == 0 || size > KMALLOC_MAX_SIZE) {
        printk(k, LogLevel::err, "kmem_cache_create(" + (name.empty() ? std::string("(null)") : name) +
                                     ") integrity check failed");
        err = -22;
    } else if (name.find(' ') != std::string::npos) {
        // WARN_ON(strchr(name, ' ')): a space confuses /proc/slabinfo's parsers; the cache is
        // still made.
        warn_slab(k, cx, "mm/slab_common.c", 97, "kmem_cache_create_usercopy", "");
    }
    // SLAB_FLAGS_PERMITTED (mm/slab.h): anything else is refused with -EINVAL.
    const slab_flags_t core = SLAB_HWCACHE_ALIGN | SLAB_CACHE_DMA | SLAB_CACHE_DMA32 | SLAB_PANIC |
                              SLAB_TYPESAFE_BY_RCU | SLAB_DEBUG_OBJECTS; // SLAB_CORE_FLAGS
    const slab_flags_t permitted = core | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE |
                                   SLAB_CONSISTENCY_CHECKS | SLAB_MEM_SPREAD | SLAB_NOLEAKTRACE |
                                   SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT | SLAB_NO_USER_FLAGS;
    if (!err && (flags & ~permitted)) err = -22;
    uint32_t id = NO_CACHE;
    if (!err) {
        // CACHE_CREATE_MASK: what the built allocator keeps of them, silently. SLUB is built with
        // SLUB_DEBUG (the debug flags stay); classic SLAB without DEBUG_SLAB drops SLAB_RED_ZONE,
        // SLAB_POISON and SLAB_STORE_USER (so such a cache can still merge); SLOB keeps little.
        slab_flags_t create_mask = core;
        if (m.allocator == SlabAllocator::slub)
            create_mask |= SLAB_DEBUG_FLAGS | SLAB_NOLEAKTRACE | SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT |
                           SLAB_NO_USER_FLAGS;
        else if (m.allocator == SlabAllocator::slab)
            create_mask |= SLAB_MEM_SPREAD | SLAB_NOLEAKTRACE | SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT;
        else
            create_mask |= SLAB_NOLEAKTRACE;
        flags &= create_mask;
        uint32_t alias = find_mergeable(k, size, align, flags, name, ctor);
        if (alias != NO_CACHE) {
            // __kmem_cache_alias()
            kmem_cache& s = m.caches[alias];
            s.refcount++;
            s.object_size = std::max(s.object_size, size);
            s.inuse = std::max(s.inuse, (size + pb - 1) / pb * pb);
            return s.address;
        }
        uint32_t a = calculate_alignment(flags, align, size, pb);
        id = create_cache(k, name, size, a, flags, 0, 0, ctor, cx);
        if (id == NO_CACHE) err = is_slab_classic(k) ? -7 : -38; // -E2BIG / -ENOSYS: no order fits
    }
    if (err) {
        if (flags & SLAB_PANIC) {
            // panic("%s: Failed to create slab '%s'. Error %d\n", ...): a NULL name prints as
            // %s does it (the model's name is "" then).
            set_slab_stack_callers(k, cx, {"panic", "kmem_cache_create_usercopy"});
            panic(k, strfmt("kmem_cache_create_usercopy: Failed to create slab '%s'. Error %d\n",
                            name.empty() ? "(null)" : name.c_str(), err),
                  {"panic", "kmem_cache_create_usercopy"});
            k.dump_stack_callers.clear();
        } else {
            printk(k, LogLevel::warning,
                   strfmt("kmem_cache_create_usercopy(%s) failed with error %d", name.c_str(), err));
            slab_dump_stack(k, cx, {"kmem_cache_create_usercopy"});
        }
        return 0;
    }
    return m.caches[id].address;
}

void kmem_cache_destroy(Kernel& k, uint64_t cachep, SlabCtx& cx) {
    ApiScope scope(k, cx, "kmem_cache_destroy");
    uint32_t id = cache_by_address(k, cachep);
    if (id == NO_CACHE) return;
    SlabModel& m = slabm(k);
    if (--m.caches[id].refcount > 0) return;
    if (kmem_cache_shutdown(k, id, cx) != 0) {
        warn_slab(k, cx, "mm/slab_common.c", 493, "kmem_cache_destroy",
                  "kmem_cache_destroy " + m.caches[id].name +
                      ": Slab cache still has objects when called from " +
                      (cx.hooks ? cx.hooks->symbol(cx.caller) : std::string("0x0")));
        return;
    }
    m.slab_caches.erase(std::find(m.slab_caches.begin(), m.slab_caches.end(), id));
    if (is_slab_classic(k)) slab_classic_release(k, id, cx); // its node and shared array
    uint64_t addr = m.caches[id].address;
    m.caches[id].alive = false;
    m.cache_index.erase(addr);
    // slab_kmem_cache_release(): the struct goes back to the kmem_cache cache (its node too).
    uint64_t node = m.caches[id].node_address;
    if (node) {
        uint32_t sid = slab_of_addr(k, node);
        if (sid != NO_SLAB) slab_free(k, m.kmem_cache_node_id, sid, node, cx);
    }
    if (addr) {
        uint32_t sid = slab_of_addr(k, addr);
        if (sid != NO_SLAB) slab_free(k, m.kmem_cache_id, sid, addr, cx);
    }
    m.caches[id].address = 0;
    m.caches[id].node_address = 0;
}

int kmem_cache_shrink(Kernel& k, uint64_t cachep, SlabCtx& cx) {
    ApiScope scope(k, cx, "kmem_cache_shrink");
    uint32_t id = cache_by_address(k, cachep);
    if (id == NO_CACHE) return 0;
    if (is_slab_classic(k)) return slab_classic_shrink(k, id, cx);
    if (is_slob(k)) return 0;
    return kmem_cache_shrink_id(k, id);
}

uint32_t cache_from_obj(Kernel& k, uint32_t cache, uint64_t obj, SlabCtx& cx) {
    uint32_t sid = slab_of_addr(k, obj);
    if (sid == NO_SLAB) {
        SlabModel& m = slabm(k);
        if (!(m.warn_once_bits & 2)) {
            m.warn_once_bits |= 2;
            warn_slab(k, cx, "mm/slab.h", 630, "kmem_cache_free",
                      "virt_to_cache: Object is not a Slab page!");
        }
        return NO_CACHE;
    }
    uint32_t real = k.slab.slabs[sid].cache;
    if (real != cache) {
        warn_slab(k, cx, "mm/slab.h", 665, "kmem_cache_free",
                  "cache_from_obj: Wrong slab cache. " + k.slab.caches[cache].name +
                      " but object is from " + k.slab.caches[real].name);
    }
    return real;
}

// ============================================================================ objects

uint64_t kmem_cache_alloc(Kernel& k, uint64_t cachep, gfp_t gfp, SlabCtx& cx) {
    ApiScope scope(k, cx, "kmem_cache_alloc");
    uint32_t id = cache_by_address(k, cachep);
    if (id == NO_CACHE) return 0;
    uint64_t tid = k.trace.open();
    uint64_t obj = slab_alloc(k, id, gfp, k.slab.caches[id].object_size, cx);
    const kmem_cache& s = k.slab.caches[id];
    emit(k, tid, TraceEventType::kmem_cache_alloc, cx.caller, obj, s.object_size, s.size, gfp, id);
    k.trace.close();
    return obj;
}

void kmem_cache_free(Kernel& k, uint64_t cachep, uint64_t obj, SlabCtx& cx) {
    ApiScope scope(k, cx, "kmem_cache_free");
    uint32_t id = cache_by_address(k, cachep);
    if (id == NO_CACHE || !obj) return;
    if (is_slob(k)) { // SLOB trusts the cache it is given (no cache_from_obj())
        uint64_t tid = k.trace.open();
        emit(k, tid, TraceEventType::kmem_cache_free, cx.caller, obj, 0, 0, 0, id);
        slob_cache_free(k, id, obj, cx);
        k.trace.close();
        return;
    }
    uint32_t real = cache_from_obj(k, id, obj, cx);
    if (real == NO_CACHE) return;
    uint64_t tid = k.trace.open();
    emit(k, tid, TraceEventType::kmem_cache_free, cx.caller, obj, 0, 0, 0, real);
    slab_free(k, real, slab_of_addr(k, obj), obj, cx);
    k.trace.close();
}

uint32_t kmalloc_index(uint64_t size) {
    if (!size) return 0;
    static const uint8_t size_index[24] = {3, 4, 5, 5, 6, 6, 6, 6, 1, 1, 1, 1,
                                           7, 7, 7, 7, 2, 2, 2, 2, 2, 2, 2, 2};
    if (size <= 192) return size_index[(size - 1) / 8];
    return 64 - uint32_t(__builtin_clzll(size - 1)); // fls(size - 1)
}

uint32_t kmalloc_slab(const Kernel& k, uint64_t size, gfp_t gfp) {
    if (!size || size > KMALLOC_MAX_CACHE_SIZE) return NO_CACHE;
    uint32_t type = KMALLOC_NORMAL;
    if (gfp & (__GFP_DMA | __GFP_RECLAIMABLE | __GFP_ACCOUNT)) {
        if (gfp & __GFP_DMA)
            type = KMALLOC_DMA;
        else if (gfp & __GFP_RECLAIMABLE)
            type = KMALLOC_RECLAIM;
        else
            type = KMALLOC_CGROUP;
    }
    uint32_t idx = kmalloc_index(size);
    if (k.slab.allocator == SlabAllocator::slab && idx < 5 && idx > 2) idx = 5; // KMALLOC_MIN_SIZE 32
    return k.slab.kmalloc_caches[type][idx];
}

uint64_t kmalloc(Kernel& k, uint64_t size, gfp_t gfp, SlabCtx& cx) {
    ApiScope scope(k, cx, "__kmalloc");
    uint64_t tid = k.trace.open();
    uint64_t ret;
    uint32_t bytes_alloc;
    uint32_t cache = NO_CACHE;
    if (is_slob(k)) {
        bytes_alloc = 0;
        if (size > (4096ull << (MAX_ORDER - 1)) && cx.hooks) { // the page allocator WARNs
            k.dump_stack_callers = {"slob_new_pages", cx.api ? cx.api : "__kmalloc"};
            for (std::string& f : cx.hooks->caller_frames()) k.dump_stack_callers.push_back(f);
        }
        ret = slob_kmalloc(k, size, gfp, &bytes_alloc);
        k.dump_stack_callers.clear();
    } else if (size > KMALLOC_MAX_CACHE_SIZE) {
        ret = kmalloc_large(k, size, gfp, cx);
        uint32_t order = 0;
        while ((4096ull << order) < size && order < 40) ++order;
        bytes_alloc = order < 32 - 12 ? uint32_t(4096ull << order) : 0;
    } else if (size == 0) {
        ret = ZERO_SIZE_PTR;
        bytes_alloc = 0;
    } else {
        cache = kmalloc_slab(k, size, gfp);
        ret = slab_alloc(k, cache, gfp, uint32_t(size), cx);
        bytes_alloc = k.slab.caches[cache].size;
    }
    // __GFP_ZERO for large allocations comes from the page allocator. kmalloc(0) returns
    // before the tracepoint.
    if (size) emit(k, tid, TraceEventType::kmalloc, cx.caller, ret, uint32_t(std::min<uint64_t>(size, UINT32_MAX)),
         bytes_alloc, gfp, cache);
    k.trace.close();
    return ret;
}

void kfree(Kernel& k, uint64_t obj, SlabCtx& cx) {
    ApiScope scope(k, cx, "kfree");
    uint64_t tid = k.trace.open();
    emit(k, tid, TraceEventType::kfree, cx.caller, obj, 0, 0, 0, NO_CACHE);
    if (obj <= ZERO_SIZE_PTR) {
        k.trace.close();
        return;
    }
    uint32_t sid = slab_of_addr(k, obj);
    if (is_slob(k) && (sid != NO_SLAB || virt_addr_valid(k, obj))) {
        slob_kfree(k, obj, cx);
    } else if (sid != NO_SLAB) {
        slab_free(k, k.slab.slabs[sid].cache, sid, obj, cx);
    } else if (!virt_addr_valid(k, obj)) {
        bad_virt_to_folio(k, obj, cx);
    } else {
        free_large_kmalloc(k, obj, cx);
    }
    k.trace.close();
}

uint64_t ksize(Kernel& k, uint64_t obj, SlabCtx& cx) {
    if (!cx.api) cx.api = "__ksize";
    if (obj <= ZERO_SIZE_PTR) return 0; // ZERO_OR_NULL_PTR()
    if (is_slob(k)) {
        if (slab_of_addr(k, obj) == NO_SLAB && !virt_addr_valid(k, obj)) {
            bad_virt_to_folio(k, obj, cx);
            return 0;
        }
        return slob_ksize(k, obj);
    }
    uint32_t sid = slab_of_addr(k, obj);
    if (sid != NO_SLAB) {
        // slab_ksize(): object_size with debug red zones/poison, else the whole slot.
        const kmem_cache& s = k.slab.caches[k.slab.slabs[sid].cache];
        if (is_slab_classic(k)) return s.object_size; // slab_ksize() without SLUB
        if (s.flags & (SLAB_RED_ZONE | SLAB_POISON)) return s.object_size;
        if (s.flags & (SLAB_TYPESAFE_BY_RCU | SLAB_STORE_USER)) return s.inuse;
        return s.size;
    }
    if (!virt_addr_valid(k, obj)) {
        bad_virt_to_folio(k, obj, cx);
        return 0;
    }
    pfn_t pfn = virt_to_page(k, obj);
    const page& pg = k.mm.mem_map[pfn];
    uint32_t order = (pg.flags & PG_head) ? pg.order : 0;
    uint64_t bytes = 4096ull << order;
    if (bytes <= KMALLOC_MAX_CACHE_SIZE || obj != page_address(k, pfn)) {
        warn_slab(k, cx, "mm/slab_common.c", bytes <= KMALLOC_MAX_CACHE_SIZE ? 1014 : 1016,
                  "__ksize", "");
        return 0;
    }
    return bytes;
}

void kfree_sensitive(Kernel& k, uint64_t obj, SlabCtx& cx) {
    uint64_t ks = ksize(k, obj, cx);
    if (cx.fault_addr) return;
    if (ks) mem_fill(k, obj, 0, uint32_t(ks)); // memzero_explicit()
    kfree(k, obj, cx);
}

uint64_t krealloc(Kernel& k, uint64_t p, uint64_t new_size, gfp_t gfp, SlabCtx& cx) {
    if (!new_size) {
        kfree(k, p, cx);
        return ZERO_SIZE_PTR;
    }
    uint64_t ks = 0;
    if (p > ZERO_SIZE_PTR) {
        ks = ksize(k, p, cx);
        if (cx.fault_addr) return 0;
    }
    // __do_krealloc(): keep the object if it is big enough.
    if (ks >= new_size && p > ZERO_SIZE_PTR) {
        if ((gfp & __GFP_ZERO) && ks > new_size) mem_fill(k, p + new_size, 0, uint32_t(ks - new_size));
        return p;
    }
    uint64_t ret = kmalloc(k, new_size, gfp & ~__GFP_ZERO, cx);
    if (ret && (gfp & __GFP_ZERO)) mem_fill(k, ret, 0, uint32_t(std::min<uint64_t>(new_size, 1u << 22)));
    if (ret && p > ZERO_SIZE_PTR) {
        std::vector<uint8_t> buf(ks);
        mem_read(k, p, buf.data(), uint32_t(ks));
        mem_write(k, ret, buf.data(), uint32_t(ks));
        kfree(k, p, cx);
    }
    return ret;
}

uint64_t kmalloc_array(Kernel& k, uint64_t n, uint64_t size, gfp_t gfp, SlabCtx& cx) {
    uint64_t bytes;
    uint64_t limit = ptr_bytes(k) == 8 ? UINT64_MAX : UINT32_MAX;
    if (__builtin_mul_overflow(n, size, &bytes) || bytes > limit) return 0;
    return kmalloc(k, bytes, gfp, cx);
}

// ============================================================================ accounting

uint64_t slab_reclaimable_pages(const Kernel& k) {
    return k.slab.nr_slab_reclaimable;
}

uint64_t slab_unreclaimable_pages(const Kernel& k) {
    return k.slab.nr_slab_unreclaimable + k.slab.nr_kmalloc_large_pages;
}

} // namespace klab
