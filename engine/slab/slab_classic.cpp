// Classic SLAB (CONFIG_SLAB): models mm/slab.c of Linux 6.1 for one NUMA node, with
// CONFIG_DEBUG_SLAB off as in Debian's config: __kmem_cache_create() (set_objfreelist_slab_cache,
// set_off_slab_cache, set_on_slab_cache, calculate_slab_order, cache_estimate with one-byte
// freelist indices), enable_cpucache()/do_tune_cpucache() tunables, setup_kmem_cache_node() with
// the shared array and free_limit, cache_grow_begin()/cache_grow_end() with colouring,
// alloc_slabmgmt() and cache_init_objs(), ____cache_alloc()/cache_alloc_refill()/alloc_block(),
// ___cache_free()/cache_flusharray()/free_block(), drain_cpu_caches(), drain_freelist(),
// __kmem_cache_shrink(), cache_reap(), get_slabinfo() (in proc/slabinfo.cpp) and
// slabinfo_write().
//
// Simplifications:
// - SLAB_FREELIST_RANDOM is off (objects are handed out in index order), as for SLUB.
// - The freelist index array is written into simulated memory where 6.1 puts it (end of slab,
//   a kmalloc object, or a free object), but the model allocates from its own copy
//   (Slab::free_idx), so a stray write into a free object cannot derail the allocator.
// - Double frees: 6.1 without DEBUG_SLAB only catches a free of the object on top of the CPU
//   array (the SLAB_FREELIST_HARDENED WARN in __free_one(), modelled); any other double free
//   would silently corrupt the slab. The lab instead stops it as DEBUG_SLAB's slab_put_obj()
//   check does ("slab: double free detected in cache ..." and kernel BUG at mm/slab.c:2527),
//   and a pointer that is not an object start gets DEBUG_SLAB's BUG_ON at mm/slab.c:2708.
// - The per-CPU array caches are not taken from the per-CPU allocator. Every cache's struct
//   but kmem_cache's own (kmem_cache_boot stays static, as in 6.1) is an object of kmem_cache;
//   its kmem_cache_node and shared array are kmalloc'ed, the boot caches' at the end of boot
//   (slab_classic_init_late()), later caches' when they are made, as 6.1 does.
// - cache_reap() has no timer: a slab call that finds a CPU's 2*HZ reap period elapsed runs
//   that CPU's reap first (jiffies only moves with the model's clock). No alien caches, no
//   pfmemalloc slabs, SLAB_TYPESAFE_BY_RCU slabs are freed at once.
#include <algorithm>
#include <cstdio>

#include "arch/x86/traps.h"
#include "lib/text.h"
#include "mm/page_alloc.h"
#include "mm/percpu.h"
#include "printk/dump_stack.h"
#include "slab/slub_internal.h"

namespace klab {

namespace {

constexpr uint32_t kCacheLine = 64;       // cache_line_size() on both presets
constexpr uint32_t SLAB_OBJ_MAX_NUM = 255; // freelist_idx_t is one byte (FREELIST_BYTE_INDEX)
constexpr uint32_t SLAB_OBJ_MIN_SIZE = 16;
constexpr uint32_t BATCHREFILL_LIMIT = 16;
constexpr uint32_t KMALLOC_MAX_ORDER = 10;
constexpr uint32_t kBadFood = 0xbaadf00du; // the shared array's batchcount

enum : uint8_t { OBJ_ALLOCATED = 0, OBJ_IN_ARRAY = 1, OBJ_FREE_ON_SLAB = 2 };

uint32_t align_up(uint32_t v, uint32_t a) {
    return (v + a - 1) / a * a;
}

bool time_after(const Kernel& k, uint64_t a, uint64_t b) {
    if (k.clock.long_is_32) return int32_t(uint32_t(b) - uint32_t(a)) < 0;
    return int64_t(b - a) < 0;
}

// cache_estimate(): objects and leftover bytes of an order; on-slab management costs one
// index byte per object.
uint32_t cache_estimate(uint32_t order, uint32_t size, SlabMgmt mgmt, uint32_t* left) {
    uint32_t slab_size = 4096u << order;
    uint32_t per = mgmt == SlabMgmt::on_slab ? size + 1 : size;
    *left = slab_size % per;
    return slab_size / per;
}

// calculate_slab_order(): the first acceptable order; sets s.order/s.objects (0 objects: none).
uint32_t calculate_slab_order(const Kernel& k, kmem_cache& s, uint32_t size, SlabMgmt mgmt) {
    const SlabModel& m = slabm(k);
    uint32_t left_over = 0;
    s.objects = 0;
    for (uint32_t order = 0; order <= KMALLOC_MAX_ORDER; ++order) {
        uint32_t remainder;
        uint32_t num = cache_estimate(order, size, mgmt, &remainder);
        if (!num) continue;
        if (num > SLAB_OBJ_MAX_NUM) break;
        if (mgmt == SlabMgmt::off_slab) {
            // The index array comes from a kmalloc cache that must itself be on-slab and
            // no bigger than half an object.
            uint32_t fc = kmalloc_slab(k, num, 0);
            if (fc == NO_CACHE) continue;
            if (m.caches[fc].mgmt == SlabMgmt::off_slab) continue;
            if (m.caches[fc].size > s.size / 2) continue;
        }
        s.objects = num;
        s.order = order;
        left_over = remainder;
        if (s.flags & SLAB_RECLAIM_ACCOUNT) break;
        if (order >= m.slab_max_order) break;
        if (uint64_t(left_over) * 8 <= (4096ull << order)) break;
    }
    return left_over;
}

array_cache make_array(uint32_t limit, uint32_t batch) {
    array_cache ac;
    ac.limit = limit;
    ac.batchcount = batch;
    ac.entry.assign(limit, 0);
    return ac;
}

SlabQueue& list_of(kmem_cache_node& n, SlabList l) {
    switch (l) {
    case SlabList::slabs_full: return n.slabs_full;
    case SlabList::slabs_free: return n.slabs_free;
    default: return n.slabs_partial;
    }
}

void list_del_slab(SlabModel& m, kmem_cache_node& n, uint32_t id) {
    SlabList l = m.slabs[id].list;
    if (l == SlabList::slabs_full || l == SlabList::slabs_partial || l == SlabList::slabs_free)
        slab_list::del(m.slabs, list_of(n, l), id);
    m.slabs[id].list = SlabList::none;
}

void list_add_slab(SlabModel& m, kmem_cache_node& n, uint32_t id, SlabList l, bool tail) {
    if (tail)
        slab_list::add_tail(m.slabs, list_of(n, l), id);
    else
        slab_list::add(m.slabs, list_of(n, l), id);
    m.slabs[id].list = l;
}

// set_free_obj(): the model's copy and the bytes in simulated memory.
void set_free_obj(Kernel& k, Slab& slab, uint32_t idx, uint32_t val) {
    slab.free_idx[idx] = uint16_t(val);
    if (slab.freelist) {
        uint8_t b = uint8_t(val);
        mem_write(k, slab.freelist + idx, &b, 1);
    }
}

// slab_get_obj() / slab_put_obj()
uint64_t slab_get_obj(Kernel& k, const kmem_cache& s, Slab& slab) {
    uint32_t idx = slab.free_idx[slab.inuse];
    slab.inuse++;
    slab.obj_state[idx] = OBJ_IN_ARRAY;
    return slab_address(k, slab) + slab.colour_off + uint64_t(s.size) * idx;
}

void slab_put_obj(Kernel& k, const kmem_cache& s, Slab& slab, uint64_t obj) {
    uint32_t objnr = uint32_t((obj - slab_address(k, slab) - slab.colour_off) / s.size);
    slab.inuse--;
    if (!slab.freelist) slab.freelist = obj; // OBJFREELIST_SLAB: this object holds the array
    slab.obj_state[objnr] = OBJ_FREE_ON_SLAB;
    set_free_obj(k, slab, slab.inuse, objnr);
}

// fixup_slab_list(): full slabs to the head of slabs_full, others to the head of slabs_partial.
void fixup_slab_list(SlabModel& m, kmem_cache& s, uint32_t id) {
    list_del_slab(m, s.node, id);
    Slab& slab = m.slabs[id];
    if (slab.inuse == slab.objects) {
        list_add_slab(m, s.node, id, SlabList::slabs_full, false);
        if (s.mgmt == SlabMgmt::objfreelist) slab.freelist = 0;
    } else {
        list_add_slab(m, s.node, id, SlabList::slabs_partial, false);
    }
}

// slab_destroy(): pages back to the buddy allocator, then an off-slab index array to kmalloc.
void slab_destroy(Kernel& k, uint32_t cache, uint32_t id, SlabCtx& cx) {
    SlabModel& m = slabm(k);
    uint64_t freelist = m.slabs[id].freelist;
    kmem_cache& s = m.caches[cache];
    s.node.nr_slabs--;
    s.node.total_objects -= m.slabs[id].objects;
    release_slab_pages(k, s, id);
    if (m.caches[cache].mgmt == SlabMgmt::off_slab && freelist) kfree(k, freelist, cx);
}

void slabs_destroy(Kernel& k, uint32_t cache, const std::vector<uint32_t>& list, SlabCtx& cx) {
    for (uint32_t id : list) slab_destroy(k, cache, id, cx);
}

// free_block(): objects back to their slabs; empty slabs beyond free_limit go to `list`.
void free_block(Kernel& k, uint32_t cache, const uint64_t* objs, uint32_t nr,
                std::vector<uint32_t>& list) {
    SlabModel& m = slabm(k);
    kmem_cache& s = m.caches[cache];
    kmem_cache_node& n = s.node;
    n.free_objects += nr;
    for (uint32_t i = 0; i < nr; ++i) {
        uint32_t id = slab_of_addr(k, objs[i]);
        list_del_slab(m, n, id);
        slab_put_obj(k, s, m.slabs[id], objs[i]);
        if (m.slabs[id].inuse == 0) {
            list_add_slab(m, n, id, SlabList::slabs_free, false);
            n.free_slabs++;
        } else {
            // To the tail: the other objects get the most time to be freed too.
            list_add_slab(m, n, id, SlabList::slabs_partial, true);
        }
    }
    while (n.free_objects > n.free_limit && n.slabs_free.count) {
        n.free_objects -= s.objects;
        uint32_t id = n.slabs_free.tail;
        list_del_slab(m, n, id);
        list.push_back(id);
        n.free_slabs--;
    }
}

// drain_array_locked(): all of an array (free_all) or a fifth of its limit.
void drain_array_locked(Kernel& k, uint32_t cache, array_cache& ac, bool free_all,
                        std::vector<uint32_t>& list) {
    if (!ac.avail) return;
    uint32_t tofree = free_all ? ac.avail : (ac.limit + 4) / 5;
    if (tofree > ac.avail) tofree = (ac.avail + 1) / 2;
    std::vector<uint64_t> objs(ac.entry.begin(), ac.entry.begin() + tofree);
    free_block(k, cache, objs.data(), tofree, list);
    std::move(ac.entry.begin() + tofree, ac.entry.begin() + ac.avail, ac.entry.begin());
    ac.avail -= tofree;
}

// drain_freelist(): up to tofree slabs from the tail of slabs_free.
uint32_t drain_freelist(Kernel& k, uint32_t cache, uint32_t tofree, SlabCtx& cx) {
    SlabModel& m = slabm(k);
    uint32_t nr = 0;
    while (nr < tofree && m.caches[cache].node.slabs_free.count) {
        kmem_cache& s = m.caches[cache];
        uint32_t id = s.node.slabs_free.tail;
        list_del_slab(m, s.node, id);
        s.node.free_slabs--;
        s.node.free_objects -= s.objects;
        slab_destroy(k, cache, id, cx);
        ++nr;
    }
    return nr;
}

// transfer_objects(): up to max entries from the top of `from` to `to`.
uint32_t transfer_objects(array_cache& to, array_cache& from, uint32_t max) {
    uint32_t nr = std::min({from.avail, max, to.limit - to.avail});
    if (!nr) return 0;
    std::copy(from.entry.begin() + (from.avail - nr), from.entry.begin() + from.avail,
              to.entry.begin() + to.avail);
    from.avail -= nr;
    to.avail += nr;
    return nr;
}

// cache_grow_begin(): a new slab with its colour and freelist; NO_SLAB if no memory.
uint32_t cache_grow_begin(Kernel& k, uint32_t cache, gfp_t flags, SlabCtx& cx) {
    SlabModel& m = slabm(k);
    if (flags & (__GFP_DMA32 | __GFP_HIGHMEM)) flags = kmalloc_fix_flags(k, flags, cx);
    if (m.caches[cache].ctor && (flags & __GFP_ZERO) && !(m.warn_once_bits & kWarnSlabCtorZero)) {
        m.warn_once_bits |= kWarnSlabCtorZero;
        set_slab_stack_callers(k, cx, {"cache_grow_begin"});
        warn_report(k, "mm/slab.c", 2559, "cache_grow_begin", {"cache_grow_begin"});
        k.dump_stack_callers.clear();
    }
    gfp_t local = flags & (GFP_CONSTRAINT_MASK | GFP_RECLAIM_MASK);
    // kmem_getpages()
    pfn_t p = alloc_pages(k, local | m.caches[cache].allocflags, m.caches[cache].order);
    if (p == NO_PFN) return NO_SLAB;
    uint32_t id = take_slab_id(m);
    kmem_cache& s = m.caches[cache];
    {
        Slab& slab = m.slabs[id];
        slab.pfn = p;
        slab.order = uint8_t(s.order);
        slab.cache = cache;
        slab.objects = s.objects;
        slab.inuse = 0;
    }
    attach_slab_pages(k, s, id, p, s.order);
    // Colour: colour_next moves first, then gives this slab's offset.
    kmem_cache_node& n = s.node;
    n.colour_next++;
    if (n.colour_next >= s.colour) n.colour_next = 0;
    uint32_t offset = n.colour_next;
    if (offset >= s.colour) offset = 0;
    offset *= s.colour_off;
    // alloc_slabmgmt()
    uint64_t addr = slab_address(k, m.slabs[id]);
    uint64_t freelist = 0;
    if (s.mgmt == SlabMgmt::off_slab) {
        uint32_t fsize = s.freelist_size;
        freelist = kmalloc(k, fsize, local & ~(__GFP_HARDWALL | __GFP_THISNODE), cx);
        if (!freelist) {
            release_slab_pages(k, m.caches[cache], id);
            return NO_SLAB;
        }
    } else if (s.mgmt == SlabMgmt::on_slab) {
        freelist = addr + (4096ull << s.order) - s.freelist_size;
    }
    kmem_cache& s2 = m.caches[cache];
    Slab& slab = m.slabs[id];
    slab.colour_off = offset;
    slab.freelist = freelist;
    slab.free_idx.assign(s2.objects, 0);
    slab.obj_state.assign(s2.objects, OBJ_FREE_ON_SLAB);
    // cache_init_objs(): an OBJFREELIST slab keeps its array in the last object.
    if (s2.mgmt == SlabMgmt::objfreelist) slab.freelist = slab_classic_obj(k, slab, s2.objects - 1);
    const uint64_t ctor = s2.ctor;
    const uint32_t num = s2.objects;
    for (uint32_t i = 0; i < num; ++i) {
        if (ctor && cx.hooks && !task_dying(k)) {
            uint64_t obj = slab_classic_obj(k, m.slabs[id], i);
            cx.hooks->run_ctor(k, ctor, obj); // a constructor that dies kills current
        }
        set_free_obj(k, m.slabs[id], i, i);
    }
    return id;
}

// cache_grow_end(): the new slab joins the node's lists.
void cache_grow_end(Kernel& k, uint32_t cache, uint32_t id) {
    if (id == NO_SLAB) return;
    SlabModel& m = slabm(k);
    kmem_cache& s = m.caches[cache];
    s.node.nr_slabs++;
    s.node.total_objects += s.objects;
    Slab& slab = m.slabs[id];
    if (!slab.inuse) {
        list_add_slab(m, s.node, id, SlabList::slabs_free, true);
        s.node.free_slabs++;
    } else {
        fixup_slab_list(m, s, id);
    }
    s.node.free_objects += s.objects - m.slabs[id].inuse;
}

// get_first_slab(): a partial slab, else a free one.
uint32_t get_first_slab(SlabModel& m, kmem_cache_node& n) {
    if (n.slabs_partial.head != NO_SLAB) return n.slabs_partial.head;
    n.free_touched = 1;
    uint32_t id = n.slabs_free.head;
    if (id != NO_SLAB) n.free_slabs--;
    (void)m;
    return id;
}

// alloc_block(): up to batch objects from one slab into the array; returns what is left of
// the batch (-1 when it ran out exactly as the C loop does).
int32_t alloc_block(Kernel& k, const kmem_cache& s, array_cache& ac, Slab& slab, int32_t batch) {
    while (slab.inuse < s.objects) {
        if (!(batch--)) break;
        ac.entry[ac.avail++] = slab_get_obj(k, s, slab);
    }
    return batch;
}

uint64_t cache_alloc_refill(Kernel& k, uint32_t cache, gfp_t flags, SlabCtx& cx) {
    SlabModel& m = slabm(k);
    const uint32_t cpu = k.current_cpu;
    {
        kmem_cache& s = m.caches[cache];
        array_cache& ac = s.cpu_cache[cpu];
        kmem_cache_node& n = s.node;
        int32_t batch = int32_t(ac.batchcount);
        if (!ac.touched && batch > int32_t(BATCHREFILL_LIMIT)) batch = BATCHREFILL_LIMIT;
        bool direct = !n.free_objects && (!n.has_shared || !n.shared.avail);
        if (!direct) {
            if (n.has_shared && transfer_objects(ac, n.shared, uint32_t(batch))) {
                n.shared.touched = 1;
            } else {
                while (batch > 0) {
                    uint32_t id = get_first_slab(m, n);
                    if (id == NO_SLAB) break;
                    batch = alloc_block(k, s, ac, m.slabs[id], batch);
                    fixup_slab_list(m, s, id);
                }
                n.free_objects -= ac.avail;
            }
        }
        if (!ac.avail) {
            uint32_t id = cache_grow_begin(k, cache, flags, cx);
            kmem_cache& s2 = m.caches[cache];
            array_cache& ac2 = s2.cpu_cache[cpu];
            if (!ac2.avail && id != NO_SLAB) alloc_block(k, s2, ac2, m.slabs[id], batch);
            cache_grow_end(k, cache, id);
            if (!ac2.avail) return 0;
        }
    }
    array_cache& ac = m.caches[cache].cpu_cache[cpu];
    ac.touched = 1;
    return ac.entry[--ac.avail];
}

void cache_flusharray(Kernel& k, uint32_t cache, SlabCtx& cx) {
    SlabModel& m = slabm(k);
    kmem_cache& s = m.caches[cache];
    array_cache& ac = s.cpu_cache[k.current_cpu];
    uint32_t batch = ac.batchcount;
    std::vector<uint32_t> list;
    bool done = false;
    if (s.node.has_shared) {
        array_cache& sh = s.node.shared;
        uint32_t max = sh.limit - sh.avail;
        if (max) {
            batch = std::min(batch, max);
            std::copy(ac.entry.begin(), ac.entry.begin() + batch, sh.entry.begin() + sh.avail);
            sh.avail += batch;
            done = true;
        }
    }
    if (!done) free_block(k, cache, ac.entry.data(), batch, list);
    array_cache& ac2 = m.caches[cache].cpu_cache[k.current_cpu];
    std::move(ac2.entry.begin() + batch, ac2.entry.begin() + ac2.avail, ac2.entry.begin());
    ac2.avail -= batch;
    slabs_destroy(k, cache, list, cx);
}

// Frees every object of an array cache (do_drain(), and the old arrays of do_tune_cpucache()).
void drain_whole(Kernel& k, uint32_t cache, array_cache& ac, SlabCtx& cx) {
    std::vector<uint32_t> list;
    std::vector<uint64_t> objs(ac.entry.begin(), ac.entry.begin() + ac.avail);
    ac.avail = 0;
    free_block(k, cache, objs.data(), uint32_t(objs.size()), list);
    slabs_destroy(k, cache, list, cx);
}

// init_cache_node(): the node struct (kmalloc'ed for caches made after boot) and free_limit.
bool init_cache_node(Kernel& k, uint32_t cache, SlabCtx& cx) {
    SlabModel& m = slabm(k);
    const uint32_t ncpu = uint32_t(k.cpus.size());
    if (m.caches[cache].node.up) {
        kmem_cache& s = m.caches[cache];
        s.node.free_limit = (1 + ncpu) * s.batchcount + s.objects;
        return true;
    }
    uint64_t addr = 0;
    if (m.boot_done) {
        addr = kmalloc(k, ptr_bytes(k) == 8 ? 120 : 64, GFP_KERNEL, cx); // sizeof(kmem_cache_node)
        if (!addr) return false;
    }
    kmem_cache& s = m.caches[cache];
    s.node_address = addr;
    s.node.up = true;
    s.node.next_reap = k.clock.jiffies() + 4 * k.clock.hz + s.address % (4 * k.clock.hz);
    s.node.free_limit = (1 + ncpu) * s.batchcount + s.objects;
    return true;
}

// do_tune_cpucache(): new per-CPU arrays (the old ones drained), then the node and its shared
// array. 0 or -ENOMEM.
int do_tune_cpucache(Kernel& k, uint32_t cache, uint32_t limit, uint32_t batch, uint32_t shared,
                     SlabCtx& cx) {
    SlabModel& m = slabm(k);
    // alloc_kmem_cache_cpus(): each CPU's array (a 16-byte header, then a pointer per entry)
    // comes from __alloc_percpu(), which refuses more than PCPU_MIN_UNIT_SIZE with its WARN. The
    // model keeps the arrays outside the per-CPU allocator, but asks it about such a size, so a
    // limit above 4094 (x86_64) or 8188 (i386) fails as in 6.1.
    const uint64_t bytes = 16 + uint64_t(ptr_bytes(k)) * limit;
    if (bytes > PCPU_MIN_UNIT_SIZE) {
        k.dump_stack_callers = {"do_tune_cpucache", "slabinfo_write", "proc_reg_write", "vfs_write", "ksys_write"};
        for (std::string& f : syscall_entry_frames(k)) k.dump_stack_callers.push_back(std::move(f));
        uint64_t p = __alloc_percpu(k, bytes, ptr_bytes(k)); // refused: the WARN, then 0
        k.dump_stack_callers.clear();
        if (p) free_percpu(k, p);
        return -12;
    }
    std::vector<array_cache> prev = std::move(m.caches[cache].cpu_cache);
    {
        kmem_cache& s = m.caches[cache];
        s.cpu_cache.assign(k.cpus.size(), make_array(limit, batch));
        s.batchcount = batch;
        s.limit = limit;
        s.shared = shared;
    }
    for (array_cache& ac : prev) drain_whole(k, cache, ac, cx);
    // setup_kmem_cache_node(force_change)
    array_cache fresh;
    bool have_fresh = false;
    if (shared) {
        fresh = make_array(shared * batch, kBadFood);
        if (m.boot_done) {
            fresh.address = kmalloc(k, 16 + uint64_t(ptr_bytes(k)) * shared * batch, GFP_KERNEL, cx);
            if (!fresh.address) return -12;
        }
        have_fresh = true;
    }
    if (!init_cache_node(k, cache, cx)) {
        if (fresh.address) kfree(k, fresh.address, cx);
        return -12;
    }
    kmem_cache_node& n = m.caches[cache].node;
    uint64_t old_addr = 0;
    if (n.has_shared) {
        std::vector<uint32_t> list;
        array_cache old = std::move(n.shared);
        n.has_shared = false;
        std::vector<uint64_t> objs(old.entry.begin(), old.entry.begin() + old.avail);
        free_block(k, cache, objs.data(), uint32_t(objs.size()), list);
        slabs_destroy(k, cache, list, cx);
        old_addr = old.address;
    }
    kmem_cache_node& n2 = m.caches[cache].node;
    n2.shared = have_fresh ? std::move(fresh) : array_cache{};
    n2.has_shared = have_fresh;
    if (old_addr) kfree(k, old_addr, cx);
    return 0;
}

} // namespace

uint64_t slab_classic_obj(const Kernel& k, const Slab& slab, uint32_t idx) {
    const kmem_cache& s = slabm(k).caches[slab.cache];
    return slab_address(k, slab) + slab.colour_off + uint64_t(s.size) * idx;
}

SlabTunables slab_default_tunables(uint32_t size, uint32_t nr_cpus) {
    SlabTunables t;
    if (size > 131072)
        t.limit = 1;
    else if (size > 4096)
        t.limit = 8;
    else if (size > 1024)
        t.limit = 24;
    else if (size > 256)
        t.limit = 54;
    else
        t.limit = 120;
    t.shared = (size <= 4096 && nr_cpus > 1) ? 8 : 0;
    t.batchcount = (t.limit + 1) / 2;
    return t;
}

bool slab_classic_open(Kernel& k, uint32_t cache, SlabCtx& cx) {
    SlabModel& m = slabm(k);
    kmem_cache& s = m.caches[cache];
    const uint32_t pb = ptr_bytes(k);
    slab_flags_t flags = s.flags;
    uint32_t size = align_up(s.object_size, pb);
    uint32_t ralign = pb;
    if (flags & SLAB_RED_ZONE) {
        ralign = 8; // REDZONE_ALIGN
        size = align_up(size, 8);
    }
    if (ralign < s.align) ralign = s.align;
    if (ralign > 8) flags &= ~(SLAB_RED_ZONE | SLAB_STORE_USER); // debug needs word alignment
    s.align = ralign;
    s.colour_off = std::max(kCacheLine, s.align);
    size = align_up(size, s.align);
    if (size < SLAB_OBJ_MIN_SIZE) size = align_up(SLAB_OBJ_MIN_SIZE, s.align);
    s.size = size; // calculate_slab_order() compares index caches with it
    uint32_t left;
    bool ok = false;
    if (!s.ctor && !(flags & SLAB_TYPESAFE_BY_RCU)) {
        left = calculate_slab_order(k, s, size, SlabMgmt::objfreelist);
        if (s.objects && s.objects <= s.object_size) {
            s.mgmt = SlabMgmt::objfreelist;
            ok = true;
        }
    }
    if (!ok && !(flags & SLAB_NOLEAKTRACE)) {
        left = calculate_slab_order(k, s, size, SlabMgmt::off_slab);
        if (s.objects && left < s.objects) {
            s.mgmt = SlabMgmt::off_slab;
            ok = true;
        }
    }
    if (!ok) {
        left = calculate_slab_order(k, s, size, SlabMgmt::on_slab);
        if (!s.objects) return false; // -E2BIG
        s.mgmt = SlabMgmt::on_slab;
    }
    s.colour = left / s.colour_off;
    s.freelist_size = s.objects; // one byte per object
    s.flags = flags;
    s.allocflags = __GFP_COMP;
    if (flags & SLAB_CACHE_DMA) s.allocflags |= GFP_DMA;
    if (flags & SLAB_CACHE_DMA32) s.allocflags |= GFP_DMA32;
    if (flags & SLAB_RECLAIM_ACCOUNT) s.allocflags |= __GFP_RECLAIMABLE;
    s.min_order = s.order;
    // enable_cpucache() (setup_cpu_cache() at slab_state FULL; the boot caches get the same
    // tunables from kmem_cache_init_late()).
    SlabTunables t = slab_default_tunables(s.size, uint32_t(k.cpus.size()));
    int err = do_tune_cpucache(k, cache, t.limit, t.batchcount, t.shared, cx);
    if (err) {
        printk(k, LogLevel::err,
               strfmt("enable_cpucache failed for %s, error %d", m.caches[cache].name.c_str(), -err));
        return false;
    }
    return true;
}

void slab_classic_release(Kernel& k, uint32_t cache, SlabCtx& cx) {
    SlabModel& m = slabm(k);
    kmem_cache& s = m.caches[cache];
    uint64_t shared = s.node.has_shared ? s.node.shared.address : 0;
    uint64_t node = s.node_address;
    s.node.has_shared = false;
    s.node.shared = array_cache{};
    s.node_address = 0;
    s.cpu_cache.clear();
    if (shared) kfree(k, shared, cx);
    if (node) kfree(k, node, cx);
}

// ____cache_alloc(): the CPU's array first, then a refill.
uint64_t slab_classic_alloc(Kernel& k, uint32_t cache, gfp_t gfp, SlabCtx& cx) {
    SlabModel& m = slabm(k);
    array_cache& ac = m.caches[cache].cpu_cache[k.current_cpu];
    uint64_t obj;
    if (ac.avail) {
        ac.touched = 1;
        obj = ac.entry[--ac.avail];
    } else {
        obj = cache_alloc_refill(k, cache, gfp, cx);
    }
    if (!obj) return 0;
    uint32_t id = slab_of_addr(k, obj);
    const Slab& slab = m.slabs[id];
    m.slabs[id].obj_state[(obj - slab_address(k, slab) - slab.colour_off) / m.caches[cache].size] =
        OBJ_ALLOCATED;
    return obj;
}

// ___cache_free(), with the checks described in the header.
void slab_classic_free(Kernel& k, uint32_t cache, uint32_t id, uint64_t obj, SlabCtx& cx) {
    SlabModel& m = slabm(k);
    kmem_cache& s = m.caches[cache];
    Slab& slab = m.slabs[id];
    uint64_t base = slab_address(k, slab) + slab.colour_off;
    uint64_t off = obj - base;
    if (obj < base || off % s.size || off / s.size >= slab.objects) {
        BUG(k, "mm/slab.c", 2708, slab_bug_frames(cx, {"cache_free_debugcheck", "___cache_free"}));
        return;
    }
    uint32_t objnr = uint32_t(off / s.size);
    array_cache& ac = s.cpu_cache[k.current_cpu];
    // __free_one()'s SLAB_FREELIST_HARDENED check: the same object twice in a row.
    if (ac.avail > 0 && ac.entry[ac.avail - 1] == obj) {
        if (!(m.warn_once_bits & 8)) {
            m.warn_once_bits |= 8;
            set_slab_stack_callers(k, cx, {"___cache_free"});
            warn_report(k, "mm/slab.c", 597, "___cache_free", {"___cache_free"});
            k.dump_stack_callers.clear();
        }
        return;
    }
    if (slab.obj_state[objnr] != OBJ_ALLOCATED) {
        char ptr[32];
        std::snprintf(ptr, sizeof ptr, ptr_bytes(k) == 8 ? "%016llx" : "%08llx",
                      (unsigned long long)obj);
        printk(k, LogLevel::err,
               strfmt("slab: double free detected in cache '%s', objp %s", s.name.c_str(), ptr));
        BUG(k, "mm/slab.c", 2527, slab_bug_frames(cx, {"slab_put_obj", "free_block", "___cache_free"}));
        return;
    }
    s.free_count++;
    slab.obj_state[objnr] = OBJ_IN_ARRAY;
    if (ac.avail >= ac.limit) cache_flusharray(k, cache, cx);
    array_cache& ac2 = m.caches[cache].cpu_cache[k.current_cpu];
    ac2.entry[ac2.avail++] = obj;
}

void drain_cpu_caches(Kernel& k, uint32_t cache, SlabCtx& cx) {
    SlabModel& m = slabm(k);
    for (uint32_t cpu = 0; cpu < m.caches[cache].cpu_cache.size(); ++cpu)
        drain_whole(k, cache, m.caches[cache].cpu_cache[cpu], cx);
    if (m.caches[cache].node.has_shared) {
        std::vector<uint32_t> list;
        drain_array_locked(k, cache, m.caches[cache].node.shared, true, list);
        slabs_destroy(k, cache, list, cx);
    }
}

int slab_classic_shrink(Kernel& k, uint32_t cache, SlabCtx& cx) {
    drain_cpu_caches(k, cache, cx);
    drain_freelist(k, cache, UINT32_MAX, cx);
    const kmem_cache_node& n = slabm(k).caches[cache].node;
    return (n.slabs_full.count || n.slabs_partial.count) ? 1 : 0;
}

void cache_reap(Kernel& k, uint32_t cpu) {
    SlabModel& m = slabm(k);
    if (m.allocator != SlabAllocator::slab) return;
    SlabCtx cx;
    const uint32_t saved = k.current_cpu;
    k.current_cpu = cpu;
    ++m.api_depth; // its own kfree()s of off-slab index arrays must not start another reap
    const uint64_t now = k.clock.jiffies();
    std::vector<uint32_t> order(m.slab_caches.rbegin(), m.slab_caches.rend());
    for (uint32_t cache : order) {
        if (!m.caches[cache].alive) continue;
        // drain_array() on this CPU's array: only if it was not used since the last reap.
        array_cache& ac = m.caches[cache].cpu_cache[cpu];
        if (ac.avail) {
            if (ac.touched) {
                ac.touched = 0;
            } else {
                std::vector<uint32_t> list;
                drain_array_locked(k, cache, ac, false, list);
                slabs_destroy(k, cache, list, cx);
            }
        }
        kmem_cache_node& n = m.caches[cache].node;
        if (time_after(k, n.next_reap, now)) continue;
        n.next_reap = now + 4 * k.clock.hz;
        if (n.has_shared && n.shared.avail) {
            if (n.shared.touched) {
                n.shared.touched = 0;
            } else {
                std::vector<uint32_t> list;
                drain_array_locked(k, cache, n.shared, false, list);
                slabs_destroy(k, cache, list, cx);
            }
        }
        kmem_cache_node& n2 = m.caches[cache].node;
        if (n2.free_touched) {
            n2.free_touched = 0;
        } else {
            const kmem_cache& s = m.caches[cache];
            drain_freelist(k, cache, (n2.free_limit + 5 * s.objects - 1) / (5 * s.objects), cx);
        }
    }
    --m.api_depth;
    k.current_cpu = saved;
}

// The end of kmem_cache_init() and kmem_cache_init_late() for what the model left static while
// the kmalloc caches did not exist yet: each boot cache's struct kmem_cache_node becomes a
// kmalloc object (init_list() and setup_cpu_cache()), and each shared array is kmalloc'ed by
// enable_cpucache(). Simplification: Linux kmallocs most nodes while creating the caches and
// only the first two at the end; the model does all of them here, in creation order.
void slab_classic_init_late(Kernel& k) {
    SlabModel& m = slabm(k);
    SlabCtx cx;
    const uint32_t pb = ptr_bytes(k);
    for (uint32_t id : m.slab_caches) {
        if (m.caches[id].node_address) continue;
        uint64_t node = kmalloc(k, pb == 8 ? 120 : 64, GFP_NOWAIT, cx); // sizeof(kmem_cache_node)
        m.caches[id].node_address = node;
    }
    for (uint32_t id : m.slab_caches) {
        const kmem_cache& s = m.caches[id];
        if (!s.node.has_shared || s.node.shared.address) continue;
        uint64_t bytes = 16 + uint64_t(pb) * s.shared * s.batchcount; // alloc_arraycache()
        uint64_t addr = kmalloc(k, bytes, GFP_KERNEL, cx);
        m.caches[id].node.shared.address = addr;
    }
}

void slab_classic_reap_due(Kernel& k) {
    SlabModel& m = slabm(k);
    const uint64_t now = k.clock.jiffies();
    const uint32_t period = 2 * k.clock.hz; // REAPTIMEOUT_AC
    for (uint32_t cpu = 0; cpu < m.next_reap_ac.size(); ++cpu) {
        for (int runs = 0; !time_after(k, m.next_reap_ac[cpu], now); ++runs) {
            if (runs == 8) { // a long sleep: the remaining runs would find nothing left to do
                m.next_reap_ac[cpu] = now + period;
                break;
            }
            cache_reap(k, cpu);
            m.next_reap_ac[cpu] += period;
        }
    }
}

int slabinfo_write(Kernel& k, const std::string& text) {
    SlabModel& m = slabm(k);
    if (m.allocator != SlabAllocator::slab) return -5; // -EIO: SLUB has no tunables
    if (text.size() > 128) return -22; // MAX_SLABINFO_WRITE
    size_t sp = text.find(' ');
    if (sp == std::string::npos) return -22;
    std::string name = text.substr(0, sp);
    int limit, batch, shared;
    if (std::sscanf(text.c_str() + sp + 1, " %d %d %d", &limit, &batch, &shared) != 3) return -22;
    for (auto it = m.slab_caches.rbegin(); it != m.slab_caches.rend(); ++it) {
        if (m.caches[*it].name != name) continue;
        // Out-of-range values are accepted and ignored, as 6.1 does.
        if (limit < 1 || batch < 1 || batch > limit || shared < 0) return 0;
        SlabCtx cx;
        ++m.api_depth; // no reap while the arrays are being replaced
        int err = do_tune_cpucache(k, *it, uint32_t(limit), uint32_t(batch), uint32_t(shared), cx);
        --m.api_depth;
        return err;
    }
    return -22;
}

} // namespace klab
