// The slab invariant checker (see check.h).
#include "slab/check.h"

#include <cstdarg>
#include <cstdio>
#include <set>

#include "slab/slub_internal.h"

namespace klab {

namespace {

struct Errors {
    std::string out;
    int n = 0;
    void add(const char* f, ...) __attribute__((format(printf, 2, 3))) {
        if (++n > 20) return;
        char buf[256];
        va_list ap;
        va_start(ap, f);
        std::vsnprintf(buf, sizeof buf, f, ap);
        va_end(ap);
        out += buf;
        out += '\n';
    }
};

// KernelC code stored into the slab's pages (page::guest_written): the free pointers, index
// bytes or SLOB blocks inside them are what the student's code left there, as in Linux, and
// are not the model's invariants to judge. The model's own bookkeeping is still checked.
bool guest_wrote(const Kernel& k, pfn_t pfn, uint32_t order) {
    for (pfn_t i = 0; i < (1u << order); ++i)
        if (k.mm.mem_map[pfn + i].guest_written) return true;
    return false;
}

// Walk a freelist; every entry must be a valid object of the slab not seen before.
uint32_t walk(const Kernel& k, const kmem_cache& s, const Slab& slab, uint64_t head,
              std::set<uint64_t>& seen, Errors& e, const char* what) {
    uint32_t n = 0;
    for (uint64_t p = head; p; p = get_freepointer(k, s, p)) {
        if (!check_valid_pointer(k, s, slab, p)) {
            e.add("%s: %s entry %#llx is not an object of slab pfn %#x", s.name.c_str(), what,
                  (unsigned long long)p, slab.pfn);
            break;
        }
        if (!seen.insert(p).second) {
            e.add("%s: object %#llx is free twice (%s)", s.name.c_str(), (unsigned long long)p, what);
            break;
        }
        if (++n > slab.objects) break;
    }
    return n;
}

void check_queue(const SlabModel& m, const SlabQueue& q, SlabList want, uint32_t cache,
                 Errors& e, const char* what) {
    static const kmem_cache kSlob = [] {
        kmem_cache c;
        c.name = "slob";
        return c;
    }();
    const kmem_cache& owner = cache == NO_CACHE ? kSlob : m.caches[cache];
    uint32_t n = 0, prev = NO_SLAB;
    for (uint32_t id = q.head; id != NO_SLAB; id = m.slabs[id].next) {
        const Slab& s = m.slabs[id];
        if (s.list != want || s.cache != cache)
            e.add("%s: slab %u on the %s list says list %d cache %u", owner.name.c_str(),
                  id, what, int(s.list), s.cache);
        if (s.prev != prev) e.add("%s: broken back link at slab %u", what, id);
        prev = id;
        if (++n > m.slabs.size()) break;
    }
    if (n != q.count) e.add("%s: %s list count %u, walked %u", owner.name.c_str(), what, q.count, n);
    if (q.tail != prev) e.add("%s: %s list tail mismatch", owner.name.c_str(), what);
}

} // namespace

// Classic SLAB: list per active count, the free index array, the array caches, the node
// counters (free_objects, free_slabs, total_slabs) and the model's per-object states.
void check_classic(const Kernel& k, Errors& e) {
    const SlabModel& m = k.slab;
    std::vector<bool> is_free_id(m.slabs.size(), false);
    for (uint32_t id : m.free_slab_ids) is_free_id[id] = true;
    std::vector<uint64_t> free_objs(m.caches.size()), free_slabs(m.caches.size());
    std::set<uint64_t> in_arrays;
    for (uint32_t c = 0; c < m.caches.size(); ++c) {
        const kmem_cache& s = m.caches[c];
        if (!s.alive) continue;
        auto note = [&](const array_cache& ac, const char* what) {
            if (ac.avail > ac.limit || ac.entry.size() != ac.limit)
                e.add("%s: %s array avail %u limit %u", s.name.c_str(), what, ac.avail, ac.limit);
            for (uint32_t i = 0; i < ac.avail && i < ac.entry.size(); ++i) {
                uint64_t p = ac.entry[i];
                uint32_t id = slab_of_addr(k, p);
                if (id == NO_SLAB || m.slabs[id].cache != c)
                    e.add("%s: %s array holds %#llx, not an object of this cache", s.name.c_str(),
                          what, (unsigned long long)p);
                if (!in_arrays.insert(p).second)
                    e.add("%s: %#llx is in array caches twice", s.name.c_str(), (unsigned long long)p);
            }
        };
        for (const array_cache& ac : s.cpu_cache) note(ac, "cpu");
        if (s.node.has_shared) note(s.node.shared, "shared");
        if (s.cpu_cache.size() != k.cpus.size())
            e.add("%s: %zu cpu arrays", s.name.c_str(), s.cpu_cache.size());
        check_queue(m, s.node.slabs_full, SlabList::slabs_full, c, e, "slabs_full");
        check_queue(m, s.node.slabs_partial, SlabList::slabs_partial, c, e, "slabs_partial");
        check_queue(m, s.node.slabs_free, SlabList::slabs_free, c, e, "slabs_free");
    }
    for (uint32_t id = 0; id < m.slabs.size(); ++id) {
        if (is_free_id[id]) continue;
        const Slab& slab = m.slabs[id];
        const kmem_cache& s = m.caches[slab.cache];
        SlabList want = slab.inuse == 0 ? SlabList::slabs_free
                        : slab.inuse == slab.objects ? SlabList::slabs_full
                                                     : SlabList::slabs_partial;
        if (slab.list != want)
            e.add("%s: slab %u with %u/%u active is on list %d", s.name.c_str(), id, slab.inuse,
                  slab.objects, int(slab.list));
        if (slab.objects != s.objects || slab.free_idx.size() != s.objects ||
            slab.obj_state.size() != s.objects)
            e.add("%s: slab %u has %u objects", s.name.c_str(), id, slab.objects);
        if (slab.colour_off > s.colour * s.colour_off)
            e.add("%s: slab %u colour offset %u", s.name.c_str(), id, slab.colour_off);
        std::vector<uint8_t> seen(slab.objects, 0);
        for (uint32_t i = slab.inuse; i < slab.objects && i < slab.free_idx.size(); ++i) {
            uint32_t idx = slab.free_idx[i];
            if (idx >= slab.objects || seen[idx]++) {
                e.add("%s: slab %u bad free index %u at %u", s.name.c_str(), id, idx, i);
                continue;
            }
            if (slab.obj_state[idx] != 2)
                e.add("%s: slab %u object %u free on slab but state %u", s.name.c_str(), id, idx,
                      slab.obj_state[idx]);
            if (slab.freelist && !guest_wrote(k, slab.pfn, slab.order)) {
                uint8_t b = 0;
                mem_read(k, slab.freelist + i, &b, 1);
                if (b != uint8_t(idx))
                    e.add("%s: slab %u freelist byte %u is %u, not %u", s.name.c_str(), id, i, b, idx);
            }
        }
        if (s.mgmt == SlabMgmt::objfreelist && slab.inuse < slab.objects && !slab.freelist)
            e.add("%s: objfreelist slab %u with free objects has no freelist", s.name.c_str(), id);
        for (uint32_t idx = 0; idx < slab.objects && idx < slab.obj_state.size(); ++idx) {
            bool in_array = in_arrays.count(slab_classic_obj(k, slab, idx)) != 0;
            if ((slab.obj_state[idx] == 1) != in_array)
                e.add("%s: slab %u object %u state %u but in_array=%d", s.name.c_str(), id, idx,
                      slab.obj_state[idx], in_array);
        }
        free_objs[slab.cache] += slab.objects - slab.inuse;
        if (slab.inuse == 0) free_slabs[slab.cache]++;
    }
    for (uint32_t c = 0; c < m.caches.size(); ++c) {
        const kmem_cache& s = m.caches[c];
        if (!s.alive) continue;
        if (s.node.free_objects != free_objs[c] || s.node.free_slabs != free_slabs[c])
            e.add("%s: node free_objects %llu free_slabs %llu, slabs say %llu/%llu", s.name.c_str(),
                  (unsigned long long)s.node.free_objects, (unsigned long long)s.node.free_slabs,
                  (unsigned long long)free_objs[c], (unsigned long long)free_slabs[c]);
        if (s.node.nr_slabs != uint64_t(s.node.slabs_full.count) + s.node.slabs_partial.count +
                                   s.node.slabs_free.count)
            e.add("%s: total_slabs %llu does not match the lists", s.name.c_str(),
                  (unsigned long long)s.node.nr_slabs);
    }
}

// SLOB: each heap page's free blocks (read from simulated memory) lie inside the page in
// address order without overlapping, add up to sp->units, and the page is on one of the
// three lists exactly when it has free units; the meminfo counter matches the pages.
void check_slob(const Kernel& k, Errors& e) {
    const SlabModel& m = k.slab;
    std::vector<bool> is_free_id(m.slabs.size(), false);
    for (uint32_t id : m.free_slab_ids) is_free_id[id] = true;
    uint64_t pages = 0;
    for (uint32_t id = 0; id < m.slabs.size(); ++id) {
        if (is_free_id[id]) continue;
        const Slab& sp = m.slabs[id];
        ++pages;
        if (sp.cache != NO_CACHE) e.add("slob page %u has cache %u", id, sp.cache);
        const page& pg = k.mm.mem_map[sp.pfn];
        if (pg.lru_prev != kSlabMark || pg.lru_next != id || !(pg.flags & PG_slab))
            e.add("slob page %u (pfn %#x) is not marked", id, sp.pfn);
        if (sp.inuse >= 2048) e.add("slob page %u has %u free units", id, sp.inuse);
        bool listed = sp.list == SlabList::slob_small || sp.list == SlabList::slob_medium ||
                      sp.list == SlabList::slob_large;
        if (listed != (sp.inuse > 0)) e.add("slob page %u with %u free units on list %d", id, sp.inuse, int(sp.list));
        if (guest_wrote(k, sp.pfn, 0)) continue;
        uint64_t base = k.mm.page_offset + (uint64_t(sp.pfn) << 12), end = 0;
        uint32_t units = 0;
        for (const auto& [addr, n] : slob_free_blocks(k, id)) {
            if (addr < base || addr + 2ull * n > base + 4096 || addr < end)
                e.add("slob page %u: free block %#llx (%u units) out of order or outside", id,
                      (unsigned long long)addr, n);
            end = addr + 2ull * n;
            units += n;
        }
        if (listed && units != sp.inuse)
            e.add("slob page %u: free blocks hold %u units, sp->units is %u", id, units, sp.inuse);
    }
    check_queue(m, m.free_slob_small, SlabList::slob_small, NO_CACHE, e, "free_slob_small");
    check_queue(m, m.free_slob_medium, SlabList::slob_medium, NO_CACHE, e, "free_slob_medium");
    check_queue(m, m.free_slob_large, SlabList::slob_large, NO_CACHE, e, "free_slob_large");
    if (m.nr_slab_unreclaimable != pages || m.nr_slab_reclaimable)
        e.add("slob page counter %llu, pages %llu", (unsigned long long)m.nr_slab_unreclaimable,
              (unsigned long long)pages);
}

std::string check_slab_caches(const Kernel& k) {
    const SlabModel& m = k.slab;
    Errors e;
    if (m.allocator == SlabAllocator::slob) {
        check_slob(k, e);
        if (e.n > 20) e.out += "... " + std::to_string(e.n - 20) + " more\n";
        return e.out;
    }
    if (m.allocator == SlabAllocator::slab) check_classic(k, e);
    std::vector<uint64_t> nr_slabs(m.caches.size()), nr_objs(m.caches.size());
    std::vector<bool> is_free_id(m.slabs.size(), false);
    for (uint32_t id : m.free_slab_ids) is_free_id[id] = true;
    uint64_t rec = 0, unrec = 0;
    for (uint32_t id = 0; id < m.slabs.size(); ++id) {
        if (is_free_id[id]) continue;
        const Slab& slab = m.slabs[id];
        if (slab.cache >= m.caches.size()) {
            e.add("slab %u: no cache", id);
            continue;
        }
        const kmem_cache& s = m.caches[slab.cache];
        nr_slabs[slab.cache]++;
        nr_objs[slab.cache] += slab.objects;
        ((s.flags & SLAB_RECLAIM_ACCOUNT) ? rec : unrec) += 1ull << slab.order;
        for (pfn_t i = 0; i < (1u << slab.order); ++i) {
            const page& pg = k.mm.mem_map[slab.pfn + i];
            if (pg.lru_prev != kSlabMark || pg.lru_next != id)
                e.add("%s: page %#x of slab %u is not marked", s.name.c_str(), slab.pfn + i, id);
        }
        const page& head = k.mm.mem_map[slab.pfn];
        if (!(head.flags & PG_slab) || head.owner != PageOwner::slab)
            e.add("%s: slab %u head page %#x lacks PG_slab/owner", s.name.c_str(), id, slab.pfn);
        if (m.allocator == SlabAllocator::slab) continue; // check_classic() did the rest
        if (slab.objects != uint32_t((4096ull << slab.order) / s.size))
            e.add("%s: slab %u has %u objects", s.name.c_str(), id, slab.objects);
        bool disabled = slab.frozen && slab.list == SlabList::none; // consistency check failed
        bool cpu_owned = slab.list == SlabList::cpu_slab || slab.list == SlabList::cpu_partial;
        if (slab.frozen != cpu_owned && !disabled)
            e.add("%s: slab %u frozen=%d on list %d", s.name.c_str(), id, slab.frozen, int(slab.list));
        if (slab.list == SlabList::cpu_slab && s.cpu_slab[slab.cpu].slab != id)
            e.add("%s: slab %u thinks it is cpu %u's slab", s.name.c_str(), id, slab.cpu);
        if (guest_wrote(k, slab.pfn, slab.order)) continue; // its free pointers are the student's
        std::set<uint64_t> seen;
        uint32_t nfree = walk(k, s, slab, slab.freelist, seen, e, "slab freelist");
        if (slab.inuse + nfree != slab.objects)
            e.add("%s: slab %u inuse %u + free %u != objects %u", s.name.c_str(), id, slab.inuse,
                  nfree, slab.objects);
        if (slab.list == SlabList::cpu_slab)
            walk(k, s, slab, s.cpu_slab[slab.cpu].freelist, seen, e, "cpu freelist");
        if (slab.list == SlabList::none && !disabled && nfree != 0)
            e.add("%s: slab %u on no list has %u free objects", s.name.c_str(), id, nfree);
        if (slab.list == SlabList::node_full && nfree != 0)
            e.add("%s: full-list slab %u has free objects", s.name.c_str(), id);
    }
    for (uint32_t c = 0; c < m.caches.size(); ++c) {
        const kmem_cache& s = m.caches[c];
        if (!s.alive) continue;
        if (s.node.nr_slabs != nr_slabs[c] || s.node.total_objects != nr_objs[c])
            e.add("%s: node counts %llu slabs/%llu objs, found %llu/%llu", s.name.c_str(),
                  (unsigned long long)s.node.nr_slabs, (unsigned long long)s.node.total_objects,
                  (unsigned long long)nr_slabs[c], (unsigned long long)nr_objs[c]);
        if (m.allocator == SlabAllocator::slab) continue;
        check_queue(m, s.node.partial, SlabList::node_partial, c, e, "node partial");
        check_queue(m, s.node.full, SlabList::node_full, c, e, "node full");
        for (uint32_t cpu = 0; cpu < s.cpu_slab.size(); ++cpu) {
            const kmem_cache_cpu& cc = s.cpu_slab[cpu];
            check_queue(m, cc.partial, SlabList::cpu_partial, c, e, "cpu partial");
            if (cc.slab != NO_SLAB && (m.slabs[cc.slab].cache != c || m.slabs[cc.slab].list != SlabList::cpu_slab))
                e.add("%s: cpu %u slab %u is not this cache's cpu slab", s.name.c_str(), cpu, cc.slab);
            if (cc.slab == NO_SLAB && cc.freelist)
                e.add("%s: cpu %u has a freelist but no slab", s.name.c_str(), cpu);
        }
    }
    if (rec != m.nr_slab_reclaimable || unrec != m.nr_slab_unreclaimable)
        e.add("slab page counters %llu/%llu, slabs hold %llu/%llu",
              (unsigned long long)m.nr_slab_reclaimable, (unsigned long long)m.nr_slab_unreclaimable,
              (unsigned long long)rec, (unsigned long long)unrec);
    if (e.n > 20) e.out += "... " + std::to_string(e.n - 20) + " more\n";
    return e.out;
}

} // namespace klab
