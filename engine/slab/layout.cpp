// Object layout and slab order: models calculate_alignment() (mm/slab_common.c),
// calculate_sizes(), calculate_order(), calc_slab_order() and set_min_partial() /
// set_cpu_partial() (mm/slub.c, 6.1). Pure arithmetic: the tests compare it with the geometry
// real 6.1 machines print in /proc/slabinfo.
#include "slab/slub_internal.h"

namespace klab {

namespace {

uint32_t align_up(uint32_t v, uint32_t a) {
    return (v + a - 1) / a * a;
}
uint32_t get_order(uint64_t size) {
    uint32_t order = 0;
    while ((4096ull << order) < size) ++order;
    return order;
}
uint32_t order_objects(uint32_t order, uint32_t size) {
    return uint32_t((4096ull << order) / size);
}
uint32_t fls(uint32_t x) {
    return x ? 32 - uint32_t(__builtin_clz(x)) : 0;
}

// calc_slab_order(): the smallest order whose leftover is at most 1/fract of the slab.
uint32_t calc_slab_order(uint32_t size, uint32_t min_objects, uint32_t min_order,
                         uint32_t max_order, uint32_t fract_leftover) {
    if (order_objects(min_order, size) > MAX_OBJS_PER_PAGE)
        return get_order(uint64_t(size) * MAX_OBJS_PER_PAGE) - 1;
    uint32_t order = std::max(min_order, get_order(uint64_t(min_objects) * size));
    for (; order <= max_order; ++order) {
        uint32_t slab_size = 4096u << order;
        if (slab_size % size <= slab_size / fract_leftover) break;
    }
    return order;
}

} // namespace

uint32_t slub_min_objects_for(uint32_t nr_cpus) {
    return 4 * (fls(nr_cpus) + 1);
}

int calculate_order(uint32_t size, uint32_t min_objects, uint32_t min_order, uint32_t max_order) {
    uint32_t max_objects = order_objects(max_order, size);
    min_objects = std::min(min_objects, max_objects);
    while (min_objects > 1) {
        for (uint32_t fraction = 16; fraction >= 4; fraction /= 2) {
            uint32_t order = calc_slab_order(size, min_objects, min_order, max_order, fraction);
            if (order <= max_order) return int(order);
        }
        --min_objects;
    }
    uint32_t order = calc_slab_order(size, 1, min_order, max_order, 1);
    if (order <= max_order) return int(order);
    order = calc_slab_order(size, 1, min_order, MAX_ORDER, 1);
    if (order < MAX_ORDER) return int(order);
    return -1; // -ENOSYS
}

uint32_t calculate_alignment(slab_flags_t flags, uint32_t align, uint32_t size, uint32_t pb) {
    if (flags & SLAB_HWCACHE_ALIGN) {
        uint32_t ralign = 64; // cache_line_size() on both presets
        while (size <= ralign / 2) ralign /= 2;
        align = std::max(align, ralign);
    }
    // arch_slab_minalign() = ARCH_SLAB_MINALIGN = __alignof__(unsigned long long): 8 on i386
    // too (gcc and clang -m32 report the type's preferred alignment), so a 12-byte object is
    // 16 bytes apart on both presets.
    align = std::max(align, ARCH_SLAB_MINALIGN);
    return align_up(align, pb); // ALIGN(align, sizeof(void *))
}

uint32_t track_size(const Kernel& k) {
    // struct track with STACKDEPOT: addr, handle, cpu, pid, when.
    return ptr_bytes(k) == 8 ? 32 : 20;
}

uint32_t get_info_end(const kmem_cache& s, uint32_t pb) {
    return s.offset >= s.inuse ? s.inuse + pb : s.inuse;
}

SlabGeometry calculate_sizes(const Kernel& k, uint32_t object_size, uint32_t align,
                             slab_flags_t flags, bool has_ctor) {
    const uint32_t pb = ptr_bytes(k);
    const SlabModel& m = slabm(k);
    SlabGeometry g;
    g.flags = flags;
    g.align = align;
    uint32_t size = align_up(object_size, pb);
    if ((flags & SLAB_POISON) && !(flags & SLAB_TYPESAFE_BY_RCU) && !has_ctor)
        g.flags |= __OBJECT_POISON;
    else
        g.flags &= ~__OBJECT_POISON;
    if ((flags & SLAB_RED_ZONE) && size == object_size) size += pb;
    g.inuse = size;
    if ((flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON)) ||
        ((flags & SLAB_RED_ZONE) && object_size < pb) || has_ctor) {
        g.offset = size;
        size += pb;
    } else {
        g.offset = object_size / 2 / pb * pb; // ALIGN_DOWN(object_size / 2, sizeof(void *))
    }
    if (flags & SLAB_STORE_USER) {
        size += 2 * track_size(k);
        if (flags & SLAB_KMALLOC) size += 4;
    }
    if (flags & SLAB_RED_ZONE) {
        size += pb;
        g.red_left_pad = align_up(pb, g.align);
        size += g.red_left_pad;
    }
    size = align_up(size, g.align);
    g.size = size;
    int order = calculate_order(size,
                                m.slub_min_objects ? m.slub_min_objects
                                                   : slub_min_objects_for(k.config.nr_cpus),
                                m.slub_min_order, m.slub_max_order);
    if (order < 0) return g;
    g.order = uint32_t(order);
    g.objects = order_objects(g.order, size);
    g.ok = g.objects != 0;
    return g;
}

} // namespace klab
