// Read-only slab views (see slab_query.h).
#include "slab/slab_query.h"

#include <algorithm>
#include <cstdio>

#include "slab/slub_internal.h"

namespace klab {

SlabCacheInfo slab_cache_info(const Kernel& k, uint32_t cache) {
    const SlabModel& m = k.slab;
    const kmem_cache& s = m.caches[cache];
    SlabCacheInfo i;
    i.id = cache;
    i.name = s.name;
    i.address = s.address;
    i.object_size = s.object_size;
    i.size = s.size;
    i.align = s.align;
    i.offset = s.offset;
    i.objects_per_slab = s.objects;
    i.order = s.order;
    i.flags = s.flags;
    i.refcount = s.refcount;
    i.min_partial = s.min_partial;
    i.cpu_partial = s.cpu_partial;
    i.num_objs = s.node.total_objects;
    i.num_slabs = s.node.nr_slabs;
    if (m.allocator == SlabAllocator::slab) {
        uint64_t in_arrays = 0;
        for (const array_cache& ac : s.cpu_cache) in_arrays += ac.avail;
        if (s.node.has_shared) in_arrays += s.node.shared.avail;
        i.active_objs = i.num_objs - s.node.free_objects;
        i.allocated_objs = i.active_objs - std::min(i.active_objs, in_arrays);
        i.node_partial_slabs = s.node.slabs_partial.count;
        i.full_slabs = s.node.slabs_full.count;
        i.free_slabs = s.node.slabs_free.count;
        i.bytes = i.num_slabs * (4096ull << s.order);
        return i;
    }
    uint64_t partial_free = 0;
    for (uint32_t id = s.node.partial.head; id != NO_SLAB; id = m.slabs[id].next)
        partial_free += m.slabs[id].objects - m.slabs[id].inuse;
    i.active_objs = i.num_objs - partial_free;
    i.node_partial_slabs = s.node.partial.count;
    i.full_slabs = s.node.full.count;
    for (const SlabView& v : cache_slabs(k, cache)) {
        if (v.list == SlabList::cpu_slab) i.cpu_slabs++;
        if (v.list == SlabList::cpu_partial) i.cpu_partial_slabs++;
        if (v.list == SlabList::none) i.full_slabs++;
        i.bytes += 4096ull << v.order;
        for (const SlabObjectView& o : slab_objects(k, v.id))
            if (o.state == SlabObjectState::allocated) i.allocated_objs++;
    }
    return i;
}

std::vector<SlabCacheInfo> slab_cache_infos(const Kernel& k) {
    std::vector<SlabCacheInfo> out;
    for (auto it = k.slab.slab_caches.rbegin(); it != k.slab.slab_caches.rend(); ++it)
        out.push_back(slab_cache_info(k, *it));
    return out;
}

// One slab as the views see it; cpu and frozen are SLUB's and stay 0 under SLAB.
static SlabView slab_view_of(const Kernel& k, uint32_t id, const Slab& s) {
    SlabView v;
    v.id = id;
    v.pfn = s.pfn;
    v.address = slab_address(k, s);
    v.order = s.order;
    v.objects = s.objects;
    v.inuse = s.inuse;
    v.list = s.list;
    v.cpu = s.cpu;
    v.frozen = s.frozen;
    v.colour_off = s.colour_off;
    return v;
}

std::vector<SlabView> cache_slabs(const Kernel& k, uint32_t cache) {
    const SlabModel& m = k.slab;
    std::vector<SlabView> out;
    if (cache >= m.caches.size()) return out;
    std::vector<bool> free_id(m.slabs.size(), false);
    for (uint32_t id : m.free_slab_ids) free_id[id] = true;
    static const SlabList kOrder[] = {SlabList::cpu_slab,      SlabList::cpu_partial,
                                      SlabList::node_partial,  SlabList::node_full,
                                      SlabList::slabs_partial, SlabList::slabs_full,
                                      SlabList::slabs_free,    SlabList::none};
    for (SlabList want : kOrder) {
        for (uint32_t id = 0; id < m.slabs.size(); ++id) {
            const Slab& s = m.slabs[id];
            if (free_id[id] || s.cache != cache || s.list != want) continue;
            out.push_back(slab_view_of(k, id, s));
        }
    }
    return out;
}

std::vector<SlabObjectView> slab_objects(const Kernel& k, uint32_t slab_id) {
    std::vector<SlabObjectView> out;
    const SlabModel& m = k.slab;
    if (slab_id >= m.slabs.size() || m.slabs[slab_id].cache == NO_CACHE) return out;
    const Slab& slab = m.slabs[slab_id];
    const kmem_cache& s = m.caches[slab.cache];
    if (m.allocator == SlabAllocator::slab) {
        out.resize(slab.objects);
        for (uint32_t i = 0; i < slab.objects; ++i) {
            out[i].address = slab_classic_obj(k, slab, i);
            uint8_t st = i < slab.obj_state.size() ? slab.obj_state[i] : 0;
            out[i].state = st == 2   ? SlabObjectState::free_on_slab
                           : st == 1 ? SlabObjectState::free_on_cpu
                                     : SlabObjectState::allocated;
        }
        return out;
    }
    uint64_t base = fixup_red_left(s, slab_address(k, slab));
    out.resize(slab.objects);
    for (uint32_t i = 0; i < slab.objects; ++i) out[i].address = base + uint64_t(i) * s.size;
    auto mark = [&](uint64_t head, SlabObjectState st) {
        uint32_t n = 0;
        for (uint64_t p = head; p && n <= slab.objects; p = get_freepointer(k, s, p), ++n) {
            if (!check_valid_pointer(k, s, slab, p)) break;
            out[(p - base) / s.size].state = st;
        }
    };
    mark(slab.freelist, SlabObjectState::free_on_slab);
    if (slab.list == SlabList::cpu_slab) mark(s.cpu_slab[slab.cpu].freelist, SlabObjectState::free_on_cpu);
    return out;
}

uint32_t slab_of(const Kernel& k, uint64_t addr) {
    return slab_of_addr(k, addr);
}

SlabFreelists slab_freelists(const Kernel& k, uint32_t slab_id) {
    SlabFreelists out;
    const SlabModel& m = k.slab;
    if (k.config.allocator != SlabAllocator::slub) return out; // SLAB/SLOB keep no chains
    if (slab_id >= m.slabs.size() || m.slabs[slab_id].cache == NO_CACHE) return out;
    const Slab& slab = m.slabs[slab_id];
    const kmem_cache& s = m.caches[slab.cache];
    auto walk = [&](uint64_t head, std::vector<uint64_t>& chain) {
        for (uint64_t p = head; p; p = get_freepointer(k, s, p)) {
            if (!check_valid_pointer(k, s, slab, p) || chain.size() > slab.objects) {
                out.corrupted = true;
                return;
            }
            chain.push_back(p);
        }
    };
    walk(slab.freelist, out.slab);
    if (slab.list == SlabList::cpu_slab && slab.cpu < s.cpu_slab.size())
        walk(s.cpu_slab[slab.cpu].freelist, out.cpu);
    return out;
}

std::vector<uint64_t> cache_objects(const Kernel& k, const std::string& name) {
    std::vector<uint64_t> out;
    uint32_t c = cache_by_name(k, name);
    if (c == NO_CACHE) return out;
    for (const SlabView& v : cache_slabs(k, c))
        for (const SlabObjectView& o : slab_objects(k, v.id))
            if (o.state == SlabObjectState::allocated) out.push_back(o.address);
    std::sort(out.begin(), out.end());
    return out;
}

uint64_t slab_count(const Kernel& k, const std::string& name) {
    uint32_t c = cache_by_name(k, name);
    return c == NO_CACHE ? 0 : k.slab.caches[c].node.nr_slabs;
}

std::string slabtop_text(const Kernel& k, uint32_t max_lines) {
    // procps 4's slabtop reads /proc/slabinfo, which SLOB kernels do not have.
    if (k.slab.allocator == SlabAllocator::slob) return "slabtop: Unable to create slabinfo structure\n";
    std::vector<SlabCacheInfo> all = slab_cache_infos(k);
    uint64_t objs = 0, active = 0, slabs = 0, active_slabs = 0, size = 0, active_size = 0;
    uint32_t caches = 0, active_caches = 0;
    for (const SlabCacheInfo& i : all) {
        ++caches;
        if (i.active_objs) ++active_caches;
        objs += i.num_objs;
        active += i.active_objs;
        slabs += i.num_slabs;
        if (i.active_objs) active_slabs += i.num_slabs;
        size += i.num_objs * i.size;
        active_size += i.active_objs * i.size;
    }
    auto pct = [](uint64_t a, uint64_t b) { return b ? 100.0 * double(a) / double(b) : 0.0; };
    char buf[256];
    std::string s;
    std::snprintf(buf, sizeof buf, " Active / Total Objects (%% used)    : %llu / %llu (%.1f%%)\n",
                  (unsigned long long)active, (unsigned long long)objs, pct(active, objs));
    s += buf;
    std::snprintf(buf, sizeof buf, " Active / Total Slabs (%% used)      : %llu / %llu (%.1f%%)\n",
                  (unsigned long long)active_slabs, (unsigned long long)slabs, pct(active_slabs, slabs));
    s += buf;
    std::snprintf(buf, sizeof buf, " Active / Total Caches (%% used)     : %u / %u (%.1f%%)\n",
                  active_caches, caches, pct(active_caches, caches));
    s += buf;
    std::snprintf(buf, sizeof buf, " Active / Total Size (%% used)       : %.2fK / %.2fK (%.1f%%)\n",
                  double(active_size) / 1024.0, double(size) / 1024.0, pct(active_size, size));
    s += buf;
    double min_obj = 0, max_obj = 0;
    for (const SlabCacheInfo& i : all) {
        double kb = double(i.size) / 1024.0;
        if (min_obj == 0 || kb < min_obj) min_obj = kb;
        if (kb > max_obj) max_obj = kb;
    }
    std::snprintf(buf, sizeof buf, " Minimum / Average / Maximum Object : %.2fK / %.2fK / %.2fK\n",
                  min_obj, objs ? double(size) / double(objs) / 1024.0 : 0.0, max_obj);
    s += buf;
    s += "\n  OBJS ACTIVE  USE OBJ SIZE  SLABS OBJ/SLAB CACHE SIZE NAME                   \n";
    std::stable_sort(all.begin(), all.end(),
                     [](const SlabCacheInfo& a, const SlabCacheInfo& b) { return a.num_objs > b.num_objs; });
    uint32_t n = 0;
    for (const SlabCacheInfo& i : all) {
        if (n++ >= max_lines) break;
        std::snprintf(buf, sizeof buf, "%6llu %6llu %3.0f%% %7.2fK %6llu %8u %9lluK %-23s\n",
                      (unsigned long long)i.num_objs, (unsigned long long)i.active_objs,
                      pct(i.active_objs, i.num_objs), double(i.size) / 1024.0,
                      (unsigned long long)i.num_slabs, i.objects_per_slab,
                      (unsigned long long)(i.num_slabs * (4ull << i.order)), i.name.c_str());
        s += buf;
    }
    return s;
}

// ---- classic SLAB

SlabAllocator slab_allocator(const Kernel& k) {
    return k.slab.allocator;
}

namespace {

SlabArrayCacheView array_view(const array_cache& ac) {
    SlabArrayCacheView v;
    v.avail = ac.avail;
    v.limit = ac.limit;
    v.batchcount = ac.batchcount;
    v.touched = ac.touched;
    v.entry.assign(ac.entry.begin(), ac.entry.begin() + std::min<size_t>(ac.avail, ac.entry.size()));
    return v;
}

std::vector<SlabView> list_view(const Kernel& k, const SlabQueue& q) {
    std::vector<SlabView> out;
    const SlabModel& m = k.slab;
    for (uint32_t id = q.head; id != NO_SLAB && out.size() <= m.slabs.size(); id = m.slabs[id].next) {
        const Slab& s = m.slabs[id];
        out.push_back(slab_view_of(k, id, s));
    }
    return out;
}

} // namespace

SlabClassicView slab_classic_view(const Kernel& k, uint32_t cache) {
    SlabClassicView v;
    const SlabModel& m = k.slab;
    if (m.allocator != SlabAllocator::slab || cache >= m.caches.size() || !m.caches[cache].alive)
        return v;
    const kmem_cache& s = m.caches[cache];
    v.valid = true;
    v.limit = s.limit;
    v.batchcount = s.batchcount;
    v.shared = s.shared;
    v.colour = s.colour;
    v.colour_off = s.colour_off;
    v.colour_next = s.node.colour_next;
    v.mgmt = s.mgmt;
    v.freelist_size = s.freelist_size;
    v.total_slabs = s.node.nr_slabs;
    v.free_slabs = s.node.free_slabs;
    v.free_objects = s.node.free_objects;
    v.free_limit = s.node.free_limit;
    for (const array_cache& ac : s.cpu_cache) v.cpu.push_back(array_view(ac));
    v.has_shared = s.node.has_shared;
    if (v.has_shared) v.shared_array = array_view(s.node.shared);
    v.slabs_full = list_view(k, s.node.slabs_full);
    v.slabs_partial = list_view(k, s.node.slabs_partial);
    v.slabs_free = list_view(k, s.node.slabs_free);
    return v;
}

std::vector<uint32_t> slab_free_indices(const Kernel& k, uint32_t slab_id) {
    std::vector<uint32_t> out;
    const SlabModel& m = k.slab;
    if (m.allocator != SlabAllocator::slab || slab_id >= m.slabs.size()) return out;
    const Slab& slab = m.slabs[slab_id];
    for (uint32_t i = slab.inuse; i < slab.free_idx.size(); ++i) out.push_back(slab.free_idx[i]);
    return out;
}

// ---- SLOB

std::vector<SlobPageView> slob_pages(const Kernel& k) {
    std::vector<SlobPageView> out;
    const SlabModel& m = k.slab;
    if (m.allocator != SlabAllocator::slob) return out;
    auto add = [&](uint32_t id) {
        const Slab& sp = m.slabs[id];
        SlobPageView v;
        v.id = id;
        v.pfn = sp.pfn;
        v.address = slab_address(k, sp);
        v.free_units = sp.list == SlabList::none ? 0 : sp.inuse;
        v.list = sp.list;
        for (const auto& [a, n] : slob_free_blocks(k, id)) v.free_blocks.push_back({a, n});
        out.push_back(std::move(v));
    };
    for (const SlabQueue* q : {&m.free_slob_small, &m.free_slob_medium, &m.free_slob_large})
        for (uint32_t id = q->head; id != NO_SLAB; id = m.slabs[id].next) add(id);
    std::vector<bool> is_free_id(m.slabs.size(), false);
    for (uint32_t id : m.free_slab_ids) is_free_id[id] = true;
    for (uint32_t id = 0; id < m.slabs.size(); ++id)
        if (!is_free_id[id] && m.slabs[id].list == SlabList::none) add(id);
    return out;
}

} // namespace klab
