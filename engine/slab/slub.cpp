// SLUB's object paths: models slab_alloc_node()/___slab_alloc(), do_slab_free()/__slab_free(),
// new_slab()/allocate_slab(), get_partial_node(), put_cpu_partial(), deactivate_slab(),
// __unfreeze_partials(), flush_all(), __kmem_cache_shrink() and __kmem_cache_shutdown() of
// mm/slub.c (6.1). The free pointers live in the objects (simulated memory), encoded as
// SLAB_FREELIST_HARDENED does. Simplifications: see slab.h (no freelist randomisation, no
// cmpxchg, one node).
#include <algorithm>
#include <cstring>

#include "arch/x86/traps.h"
#include "mm/page_alloc.h"
#include "sched/context.h"
#include "slab/slub_internal.h"

namespace klab {

// ---------------------------------------------------------------- memory and free pointers

void mem_read(const Kernel& k, uint64_t addr, void* out, uint32_t len) {
    auto* dst = static_cast<uint8_t*>(out);
    uint32_t done = 0;
    while (done < len) {
        uint64_t a = addr + done;
        uint32_t off = uint32_t(a & 0xfff);
        uint32_t n = std::min<uint32_t>(len - done, 4096 - off);
        k.mm.contents.read(pfn_t((a - k.mm.page_offset) >> 12), off, dst + done, n);
        done += n;
    }
}

void mem_write(Kernel& k, uint64_t addr, const void* in, uint32_t len) {
    const auto* src = static_cast<const uint8_t*>(in);
    uint32_t done = 0;
    while (done < len) {
        uint64_t a = addr + done;
        uint32_t off = uint32_t(a & 0xfff);
        uint32_t n = std::min<uint32_t>(len - done, 4096 - off);
        k.mm.contents.write(pfn_t((a - k.mm.page_offset) >> 12), off, src + done, n);
        done += n;
    }
}

void mem_fill(Kernel& k, uint64_t addr, uint8_t val, uint32_t len) {
    uint8_t buf[4096];
    std::memset(buf, val, sizeof buf);
    uint32_t done = 0;
    while (done < len) {
        uint64_t a = addr + done;
        uint32_t off = uint32_t(a & 0xfff);
        uint32_t n = std::min<uint32_t>(len - done, 4096 - off);
        pfn_t pfn = pfn_t((a - k.mm.page_offset) >> 12);
        if (val == 0 && n == 4096)
            k.mm.contents.zero(pfn, 1);
        else
            k.mm.contents.write(pfn, off, buf, n);
        done += n;
    }
}

uint64_t read_word(const Kernel& k, uint64_t addr) {
    uint64_t v = 0;
    k.mm.contents.read(pfn_t((addr - k.mm.page_offset) >> 12), uint32_t(addr & 0xfff),
                       reinterpret_cast<uint8_t*>(&v), ptr_bytes(k));
    return v;
}

void write_word(Kernel& k, uint64_t addr, uint64_t v) {
    k.mm.contents.write(pfn_t((addr - k.mm.page_offset) >> 12), uint32_t(addr & 0xfff),
                        reinterpret_cast<const uint8_t*>(&v), ptr_bytes(k));
}

uint64_t freelist_ptr(const Kernel& k, const kmem_cache& s, uint64_t ptr, uint64_t ptr_addr) {
    if (ptr_bytes(k) == 8) return ptr ^ s.random ^ __builtin_bswap64(ptr_addr);
    return uint32_t(ptr ^ s.random ^ __builtin_bswap32(uint32_t(ptr_addr)));
}

bool set_freepointer(Kernel& k, const kmem_cache& s, uint64_t obj, uint64_t fp) {
    if (obj == fp) return false; // BUG_ON(object == fp): naive double-free detection
    uint64_t a = obj + s.offset;
    write_word(k, a, freelist_ptr(k, s, fp, a));
    return true;
}

uint64_t fixup_red_left(const kmem_cache& s, uint64_t p) {
    return (s.flags & SLAB_RED_ZONE) ? p + s.red_left_pad : p;
}

bool check_valid_pointer(const Kernel& k, const kmem_cache& s, const Slab& slab, uint64_t obj) {
    if (!obj) return true;
    uint64_t base = slab_address(k, slab);
    uint64_t o = (s.flags & SLAB_RED_ZONE) ? obj - s.red_left_pad : obj;
    if (o < base || o >= base + uint64_t(slab.objects) * s.size || (o - base) % s.size) return false;
    return true;
}

// ---------------------------------------------------------------- lists

namespace {

void add_partial(Kernel& k, kmem_cache& s, uint32_t id, bool tail) {
    SlabModel& m = slabm(k);
    if (tail)
        slab_list::add_tail(m.slabs, s.node.partial, id);
    else
        slab_list::add(m.slabs, s.node.partial, id);
    m.slabs[id].list = SlabList::node_partial;
}
void remove_partial(Kernel& k, kmem_cache& s, uint32_t id) {
    SlabModel& m = slabm(k);
    slab_list::del(m.slabs, s.node.partial, id);
    m.slabs[id].list = SlabList::none;
}
// Only SLAB_STORE_USER caches keep full slabs on a list (add_full()).
void add_full(Kernel& k, kmem_cache& s, uint32_t id) {
    SlabModel& m = slabm(k);
    if (!(s.flags & SLAB_STORE_USER)) {
        m.slabs[id].list = SlabList::none;
        return;
    }
    slab_list::add(m.slabs, s.node.full, id);
    m.slabs[id].list = SlabList::node_full;
}
void remove_full(Kernel& k, kmem_cache& s, uint32_t id) {
    SlabModel& m = slabm(k);
    if (m.slabs[id].list == SlabList::node_full) slab_list::del(m.slabs, s.node.full, id);
    m.slabs[id].list = SlabList::none;
}

} // namespace

// ---------------------------------------------------------------- slabs

void account_slab(Kernel& k, const kmem_cache& s, uint32_t order, int sign) {
    SlabModel& m = slabm(k);
    uint64_t& c = (s.flags & SLAB_RECLAIM_ACCOUNT) ? m.nr_slab_reclaimable
                                                    : m.nr_slab_unreclaimable;
    if (sign > 0)
        c += 1ull << order;
    else
        c -= 1ull << order;
}

uint32_t take_slab_id(SlabModel& m) {
    if (!m.free_slab_ids.empty()) {
        uint32_t id = m.free_slab_ids.back();
        m.free_slab_ids.pop_back();
        m.slabs[id] = Slab{};
        return id;
    }
    m.slabs.push_back(Slab{});
    return uint32_t(m.slabs.size() - 1);
}

namespace {

// alloc_slab_page(), inlined into allocate_slab(): a failure report's trace names the slab
// path (new_slab() is inlined into ___slab_alloc()) and then the API and its caller.
pfn_t alloc_slab_page(Kernel& k, gfp_t gfp, uint32_t order, SlabCtx& cx) {
    set_slab_stack_callers(k, cx, {});
    k.dump_stack_callers.insert(k.dump_stack_callers.begin(), {"allocate_slab", "___slab_alloc"});
    pfn_t p = alloc_pages(k, gfp, order);
    k.dump_stack_callers.clear();
    return p;
}

} // namespace

// allocate_slab(): pages from the buddy allocator, objects set up and linked in address order.
uint32_t new_slab(Kernel& k, uint32_t cache, gfp_t gfp, SlabCtx& cx) {
    SlabModel& m = slabm(k);
    if (gfp & (__GFP_DMA32 | __GFP_HIGHMEM)) gfp = kmalloc_fix_flags(k, gfp, cx);
    // A constructor's work would be wiped by __GFP_ZERO: WARN_ON_ONCE in new_slab().
    if (m.caches[cache].ctor && (gfp & __GFP_ZERO) && !(m.warn_once_bits & kWarnSlubCtorZero)) {
        m.warn_once_bits |= kWarnSlubCtorZero;
        // new_slab() is inlined: the WARN names ___slab_alloc (checked on 6.1.0-57-amd64).
        warn_slab(k, cx, "mm/slub.c", 2001, "___slab_alloc", "");
    }
    // Zone and zeroing come from the cache only; __GFP_ATOMIC stays (GFP_RECLAIM_MASK).
    gfp_t flags = (gfp & (GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK)) | m.caches[cache].allocflags;
    uint32_t order = m.caches[cache].order;
    gfp_t alloc_gfp = (flags | __GFP_NOWARN | __GFP_NORETRY) & ~__GFP_NOFAIL;
    if ((alloc_gfp & __GFP_DIRECT_RECLAIM) && order > m.caches[cache].min_order)
        alloc_gfp = (alloc_gfp | __GFP_NOMEMALLOC) & ~__GFP_RECLAIM;
    pfn_t p = alloc_slab_page(k, alloc_gfp, order, cx);
    if (p == NO_PFN) {
        order = m.caches[cache].min_order;
        gfp_t min_gfp = flags;
        if (order) min_gfp |= __GFP_COMP;
        else min_gfp &= ~__GFP_COMP;
        p = alloc_slab_page(k, min_gfp, order, cx);
        if (p == NO_PFN) return NO_SLAB;
    }
    uint32_t id = take_slab_id(m);
    kmem_cache& s = m.caches[cache];
    Slab& slab = m.slabs[id];
    slab.pfn = p;
    slab.order = uint8_t(order);
    slab.cache = cache;
    slab.objects = uint32_t((4096ull << order) / s.size);
    slab.inuse = 0;
    attach_slab_pages(k, s, id, p, order);

    setup_slab_debug(k, s, slab);
    uint64_t start = fixup_red_left(s, slab_address(k, slab));
    for (uint32_t i = 0; i < slab.objects; ++i) {
        uint64_t obj = start + uint64_t(i) * s.size;
        setup_object_debug(k, s, obj);
        if (s.ctor && cx.hooks && !task_dying(k)) {
            cx.hooks->run_ctor(k, s.ctor, obj); // a constructor that dies kills current
        }
    }
    // Re-fetch: a constructor may have created caches or slabs (vector reallocation).
    kmem_cache& s2 = m.caches[cache];
    for (uint32_t i = 0; i < m.slabs[id].objects; ++i) {
        uint64_t obj = start + uint64_t(i) * s2.size;
        uint64_t next = i + 1 < m.slabs[id].objects ? obj + s2.size : 0;
        set_freepointer(k, s2, obj, next);
    }
    m.slabs[id].freelist = start;
    return id;
}

void discard_slab(Kernel& k, uint32_t id) {
    SlabModel& m = slabm(k);
    Slab& slab = m.slabs[id];
    kmem_cache& s = m.caches[slab.cache];
    s.node.nr_slabs--;
    s.node.total_objects -= slab.objects;
    release_slab_pages(k, s, id);
}

void attach_slab_pages(Kernel& k, const kmem_cache& s, uint32_t id, pfn_t p, uint32_t order) {
    for (pfn_t i = 0; i < (1u << order); ++i) {
        page& pg = k.mm.mem_map[p + i];
        pg.lru_next = id;
        pg.lru_prev = kSlabMark;
        pg.guest_written = 0; // what the slab keeps in it is the allocator's from here on
    }
    k.mm.mem_map[p].flags |= PG_slab; // __folio_set_slab()
    set_page_owner(k, p, PageOwner::slab);
    account_slab(k, s, order, +1);
}

void release_slab_pages(Kernel& k, const kmem_cache& s, uint32_t id) {
    SlabModel& m = slabm(k);
    Slab& slab = m.slabs[id];
    for (pfn_t i = 0; i < (1u << slab.order); ++i) {
        page& pg = k.mm.mem_map[slab.pfn + i];
        pg.lru_next = NO_PFN;
        pg.lru_prev = NO_PFN;
    }
    k.mm.mem_map[slab.pfn].flags &= ~PG_slab;
    account_slab(k, s, slab.order, -1);
    pfn_t p = slab.pfn;
    uint32_t order = slab.order;
    slab = Slab{};
    m.free_slab_ids.push_back(id);
    __free_pages(k, p, order);
}

void slab_pre_alloc_hook(Kernel& k, gfp_t gfp) {
    // might_alloc(): a blocking mask in atomic context is a bug, even when the object comes
    // from a per-CPU cache without touching the page allocator.
    const CpuContext& ctx = k.cpus[k.current_cpu];
    if ((ctx.preempt_count || ctx.irqs_disabled) && gfpflags_allow_blocking(gfp) && slabm(k).up)
        might_sleep(k, "include/linux/sched/mm.h", 274);
}

// ---------------------------------------------------------------- cpu partial / deactivate

namespace {

// __unfreeze_partials(): the CPU's partial slabs go back to the node (empty ones beyond
// min_partial are freed).
void unfreeze_partials(Kernel& k, uint32_t cache, uint32_t cpu) {
    SlabModel& m = slabm(k);
    std::vector<uint32_t> discard;
    while (m.caches[cache].cpu_slab[cpu].partial.head != NO_SLAB) {
        kmem_cache& s = m.caches[cache];
        uint32_t id = s.cpu_slab[cpu].partial.head;
        slab_list::del(m.slabs, s.cpu_slab[cpu].partial, id);
        Slab& slab = m.slabs[id];
        slab.frozen = false;
        slab.list = SlabList::none;
        if (slab.inuse == 0 && s.node.partial.count >= s.min_partial)
            discard.push_back(id);
        else
            add_partial(k, s, id, true);
    }
    for (uint32_t id : discard) discard_slab(k, id);
}

void put_cpu_partial(Kernel& k, uint32_t cache, uint32_t id, bool drain) {
    SlabModel& m = slabm(k);
    kmem_cache& s = m.caches[cache];
    uint32_t cpu = k.current_cpu;
    if (drain && s.cpu_slab[cpu].partial.count >= s.cpu_partial_slabs) unfreeze_partials(k, cache, cpu);
    kmem_cache& s2 = m.caches[cache];
    slab_list::add(m.slabs, s2.cpu_slab[cpu].partial, id);
    Slab& slab = m.slabs[id];
    slab.frozen = true;
    slab.cpu = uint8_t(cpu);
    slab.list = SlabList::cpu_partial;
}

// deactivate_slab(): the CPU gives its slab back, its cpu freelist spliced onto the slab's.
void deactivate_slab(Kernel& k, uint32_t cache, uint32_t id, uint64_t freelist) {
    SlabModel& m = slabm(k);
    kmem_cache& s = m.caches[cache];
    Slab& slab = m.slabs[id];
    bool tail = slab.freelist != 0;
    // Stage one: count the cpu freelist and find its tail.
    uint32_t free_delta = 0;
    uint64_t last = 0;
    for (uint64_t p = freelist; p && free_delta <= slab.objects; p = get_freepointer(k, s, p)) {
        if (!check_valid_pointer(k, s, slab, p)) break; // freelist_corrupted(): cut here
        last = p;
        ++free_delta;
    }
    if (last) {
        set_freepointer(k, s, last, slab.freelist);
        slab.freelist = freelist;
    }
    slab.inuse -= std::min(free_delta, slab.inuse);
    slab.frozen = false;
    slab.list = SlabList::none;
    if (slab.inuse == 0 && s.node.partial.count >= s.min_partial)
        discard_slab(k, id);
    else if (slab.freelist)
        add_partial(k, s, id, tail);
}

void flush_cpu(Kernel& k, uint32_t cache, uint32_t cpu) {
    SlabModel& m = slabm(k);
    kmem_cache_cpu& c = m.caches[cache].cpu_slab[cpu];
    if (c.slab != NO_SLAB) {
        uint32_t id = c.slab;
        uint64_t fl = c.freelist;
        c.slab = NO_SLAB;
        c.freelist = 0;
        deactivate_slab(k, cache, id, fl);
    }
    unfreeze_partials(k, cache, cpu);
}

// acquire_slab(): freeze a node partial slab; the first one gives its whole freelist.
uint64_t acquire_slab(Kernel& k, kmem_cache& s, uint32_t id, bool mode) {
    SlabModel& m = slabm(k);
    Slab& slab = m.slabs[id];
    uint64_t freelist = slab.freelist;
    remove_partial(k, s, id);
    if (mode) {
        slab.inuse = slab.objects;
        slab.freelist = 0;
    }
    slab.frozen = true;
    return freelist;
}

uint64_t alloc_single_from_partial(Kernel& k, uint32_t cache, uint32_t id, uint32_t orig_size,
                                   SlabCtx& cx) {
    SlabModel& m = slabm(k);
    kmem_cache& s = m.caches[cache];
    Slab& slab = m.slabs[id];
    uint64_t obj = slab.freelist;
    slab.freelist = get_freepointer(k, s, obj);
    slab.inuse++;
    if (!alloc_debug_processing(k, cache, id, obj, orig_size, cx)) {
        if (m.slabs[id].list == SlabList::node_partial) remove_partial(k, m.caches[cache], id);
        return 0;
    }
    if (m.slabs[id].inuse == m.slabs[id].objects) {
        remove_partial(k, m.caches[cache], id);
        add_full(k, m.caches[cache], id);
    }
    return obj;
}

// get_partial_node(): returns the object (debug caches) or the freelist of the slab that
// becomes the cpu slab (*slab_out); more slabs go to the cpu partial list.
uint64_t get_partial_node(Kernel& k, uint32_t cache, uint32_t orig_size, uint32_t* slab_out,
                          SlabCtx& cx) {
    SlabModel& m = slabm(k);
    uint64_t object = 0;
    uint32_t partial_slabs = 0;
    uint32_t id = m.caches[cache].node.partial.head;
    while (id != NO_SLAB) {
        uint32_t next = m.slabs[id].next;
        kmem_cache& s = m.caches[cache];
        if (kmem_cache_debug(s)) {
            object = alloc_single_from_partial(k, cache, id, orig_size, cx);
            if (object) break;
            id = next;
            continue;
        }
        uint64_t t = acquire_slab(k, s, id, object == 0);
        if (!object) {
            *slab_out = id;
            object = t;
        } else {
            put_cpu_partial(k, cache, id, false);
            ++partial_slabs;
        }
        if (partial_slabs > m.caches[cache].cpu_partial_slabs / 2) break;
        id = next;
    }
    return object;
}

void slab_out_of_memory(Kernel& k, const kmem_cache& s, gfp_t gfp) {
    if (gfp & __GFP_NOWARN) return;
    char buf[200];
    std::snprintf(buf, sizeof buf, "SLUB: Unable to allocate memory on node -1, gfp=%#x(%s)", gfp,
                  gfp_names(gfp).c_str());
    printk(k, LogLevel::warning, buf);
    std::snprintf(buf, sizeof buf,
                  "  cache: %s, object size: %u, buffer size: %u, default order: %u, min order: %u",
                  s.name.c_str(), s.object_size, s.size, s.order, s.min_order);
    printk(k, LogLevel::warning, buf);
    uint32_t object_order = 0; // get_order(s->object_size)
    while ((4096ull << object_order) < s.object_size) ++object_order;
    if (s.min_order > object_order)
        printk(k, LogLevel::warning,
               "  " + s.name + " debugging increased min order, use slub_debug=O to disable.");
    uint64_t nr_free = 0;
    for (uint32_t id = s.node.partial.head; id != NO_SLAB; id = k.slab.slabs[id].next)
        nr_free += k.slab.slabs[id].objects - k.slab.slabs[id].inuse;
    std::snprintf(buf, sizeof buf, "  node 0: slabs: %llu, objs: %llu, free: %llu",
                  (unsigned long long)s.node.nr_slabs, (unsigned long long)s.node.total_objects,
                  (unsigned long long)nr_free);
    printk(k, LogLevel::warning, buf);
}

// ___slab_alloc(): the slow path.
uint64_t slab_alloc_slow(Kernel& k, uint32_t cache, gfp_t gfp, uint32_t orig_size, SlabCtx& cx) {
    SlabModel& m = slabm(k);
    const uint32_t cpu = k.current_cpu;
    uint64_t freelist = 0;
    uint32_t id = m.caches[cache].cpu_slab[cpu].slab;
    for (;;) {
        kmem_cache& s = m.caches[cache];
        kmem_cache_cpu& c = s.cpu_slab[cpu];
        if (id != NO_SLAB) {
            // get_freelist(): take the slab's freelist; the slab stays frozen only if it had one.
            Slab& slab = m.slabs[id];
            freelist = slab.freelist;
            slab.freelist = 0;
            slab.inuse = slab.objects;
            if (freelist) {
                slab.frozen = true;
                slab.list = SlabList::cpu_slab;
                slab.cpu = uint8_t(cpu);
                c.slab = id;
                c.freelist = get_freepointer(k, s, freelist);
                return freelist;
            }
            slab.frozen = false;
            slab.list = SlabList::none; // full and on no list
            c.slab = NO_SLAB;
            c.freelist = 0;
        }
        // new_slab: the CPU's partial list first.
        if (c.partial.head != NO_SLAB) {
            id = c.partial.head;
            slab_list::del(m.slabs, c.partial, id);
            continue;
        }
        break;
    }
    // new_objects: the node's partial list, then a fresh slab.
    uint32_t got = NO_SLAB;
    freelist = get_partial_node(k, cache, orig_size, &got, cx);
    if (freelist) {
        kmem_cache& s = m.caches[cache];
        if (kmem_cache_debug(s)) {
            if (s.flags & SLAB_STORE_USER) set_track(k, s, freelist, true, cx.caller);
            return freelist;
        }
        Slab& slab = m.slabs[got];
        slab.list = SlabList::cpu_slab;
        slab.cpu = uint8_t(cpu);
        s.cpu_slab[cpu].slab = got;
        s.cpu_slab[cpu].freelist = get_freepointer(k, s, freelist);
        return freelist;
    }
    for (;;) {
        uint32_t nid = new_slab(k, cache, gfp, cx);
        kmem_cache& s = m.caches[cache];
        if (nid == NO_SLAB) {
            slab_out_of_memory(k, s, gfp);
            return 0;
        }
        Slab& slab = m.slabs[nid];
        if (kmem_cache_debug(s)) {
            // alloc_single_from_new_slab()
            uint64_t obj = slab.freelist;
            slab.freelist = get_freepointer(k, s, obj);
            slab.inuse = 1;
            if (!alloc_debug_processing(k, cache, nid, obj, orig_size, cx)) continue;
            kmem_cache& s2 = m.caches[cache];
            if (m.slabs[nid].inuse == m.slabs[nid].objects)
                add_full(k, s2, nid);
            else
                add_partial(k, s2, nid, false);
            s2.node.nr_slabs++;
            s2.node.total_objects += m.slabs[nid].objects;
            if (s2.flags & SLAB_STORE_USER) set_track(k, s2, obj, true, cx.caller);
            return obj;
        }
        freelist = slab.freelist;
        slab.freelist = 0;
        slab.inuse = slab.objects;
        slab.frozen = true;
        slab.list = SlabList::cpu_slab;
        slab.cpu = uint8_t(cpu);
        s.node.nr_slabs++;
        s.node.total_objects += slab.objects;
        s.cpu_slab[cpu].slab = nid;
        s.cpu_slab[cpu].freelist = get_freepointer(k, s, freelist);
        return freelist;
    }
}

} // namespace

void flush_all(Kernel& k, uint32_t cache) {
    for (uint32_t cpu = 0; cpu < k.cpus.size(); ++cpu) flush_cpu(k, cache, cpu);
}

// ---------------------------------------------------------------- alloc and free

uint64_t slub_alloc(Kernel& k, uint32_t cache, gfp_t gfp, uint32_t orig_size, SlabCtx& cx) {
    kmem_cache& s = slabm(k).caches[cache];
    kmem_cache_cpu& c = s.cpu_slab[k.current_cpu];
    uint64_t obj = c.freelist;
    if (obj && c.slab != NO_SLAB)
        c.freelist = get_freepointer(k, s, obj); // the lockless fast path
    else
        obj = slab_alloc_slow(k, cache, gfp, orig_size, cx);
    return obj;
}

void slub_free(Kernel& k, uint32_t cache, uint32_t id, uint64_t obj, SlabCtx& cx) {
    SlabModel& m = slabm(k);
    kmem_cache& s = m.caches[cache];
    kmem_cache_cpu& c = s.cpu_slab[k.current_cpu];
    s.free_count++;
    if (id == c.slab) {
        // do_slab_free() fast path.
        if (!set_freepointer(k, s, obj, c.freelist)) {
            slub_bug_at(k, 419, nullptr, cx); // do_slab_free() is inlined into the API
            return;
        }
        c.freelist = obj;
        return;
    }
    if (kmem_cache_debug(s)) {
        // free_to_partial_list()
        if (!free_debug_processing(k, cache, id, obj, cx)) return;
        kmem_cache& s2 = m.caches[cache];
        Slab& slab = m.slabs[id];
        uint64_t prior = slab.freelist;
        slab.inuse--;
        set_freepointer(k, s2, obj, prior);
        slab.freelist = obj;
        bool slab_free = slab.inuse == 0 && s2.node.partial.count >= s2.min_partial;
        if (!prior) {
            remove_full(k, s2, id);
            if (!slab_free) add_partial(k, s2, id, true);
        } else if (slab_free) {
            remove_partial(k, s2, id);
        }
        if (slab_free) discard_slab(k, id);
        return;
    }
    // __slab_free()
    Slab& slab = m.slabs[id];
    uint64_t prior = slab.freelist;
    if (!set_freepointer(k, s, obj, prior)) {
        slub_bug_at(k, 419, "__slab_free", cx);
        return;
    }
    slab.freelist = obj;
    slab.inuse--;
    bool was_frozen = slab.frozen;
    if (was_frozen) return;
    if (!prior) {
        // A full slab gets a free object: it goes to this CPU's partial list.
        put_cpu_partial(k, cache, id, true);
        return;
    }
    kmem_cache& s2 = m.caches[cache];
    if (slab.inuse == 0 && s2.node.partial.count >= s2.min_partial) {
        remove_partial(k, s2, id);
        discard_slab(k, id);
    }
}

// ---------------------------------------------------------------- shrink and shutdown

int slub_shrink(Kernel& k, uint32_t cache) {
    SlabModel& m = slabm(k);
    flush_all(k, cache);
    kmem_cache& s = m.caches[cache];
    // Discard empty slabs; rebuild the partial list with the fullest slabs first.
    std::vector<uint32_t> keep, empty;
    for (uint32_t id = s.node.partial.head; id != NO_SLAB; id = m.slabs[id].next)
        (m.slabs[id].inuse == 0 ? empty : keep).push_back(id);
    for (uint32_t id : keep) remove_partial(k, s, id);
    for (uint32_t id : empty) remove_partial(k, s, id);
    std::stable_sort(keep.begin(), keep.end(), [&](uint32_t a, uint32_t b) {
        return m.slabs[a].objects - m.slabs[a].inuse < m.slabs[b].objects - m.slabs[b].inuse;
    });
    for (uint32_t id : keep) add_partial(k, s, id, true);
    for (uint32_t id : empty) discard_slab(k, id);
    return m.caches[cache].node.nr_slabs ? 1 : 0;
}

int slub_shutdown(Kernel& k, uint32_t cache, SlabCtx& cx) {
    SlabModel& m = slabm(k);
    flush_all(k, cache);
    // free_partial(): empty slabs go; slabs with objects are reported.
    std::vector<uint32_t> ids;
    for (uint32_t id = m.caches[cache].node.partial.head; id != NO_SLAB; id = m.slabs[id].next)
        ids.push_back(id);
    for (uint32_t id : ids) {
        if (m.slabs[id].inuse == 0) {
            remove_partial(k, m.caches[cache], id);
            discard_slab(k, id);
        } else {
            list_slab_objects(k, cache, id, cx);
        }
    }
    const kmem_cache& s = m.caches[cache];
    return (s.node.partial.count || s.node.nr_slabs) ? 1 : 0;
}

} // namespace klab
