// SLOB (CONFIG_SLOB): models mm/slob.c of Linux 6.1: a K&R first-fit heap on single pages,
// three lists of partially free pages (free_slob_small for requests under 256 bytes,
// free_slob_medium under 1024, free_slob_large), free blocks encoded in the free memory itself
// in 2-byte SLOB_UNITs (set_slob(): units and the offset of the next free block, or -offset
// for a one-unit block), slob_page_alloc() with alignment fragments, list_rotate_to_front()
// after a hit, slob_free() with coalescing, kmalloc's size header (ARCH_KMALLOC_MINALIGN
// bytes before the object), kmalloc >= PAGE_SIZE - minalign straight from the page allocator,
// kmem_cache objects rounded to units with constructors run on every allocation, and
// __kmem_cache_shutdown() that cannot see live objects.
//
// Simplifications: SLOB has no double-free or bad-pointer check; where 6.1 would silently
// corrupt its heap (a block freed twice, a size header overwritten), the lab refuses the free
// and says so in dmesg ("slob: ... ignored", a lab message, not Linux's), so the heap stays
// walkable. A pointer that is not on a SLOB page makes 6.1 read sp->units through a NULL
// struct slab: that is modelled as the page fault it causes. SLAB_TYPESAFE_BY_RCU frees at
// once (its footer is still reserved). One node.
#include <algorithm>

#include "arch/x86/traps.h"
#include "lib/text.h"
#include "mm/page_alloc.h"
#include "slab/slub_internal.h"

namespace klab {

namespace {

constexpr uint32_t SLOB_UNIT = 2; // sizeof(slob_t): slobidx_t is s16 with 4 KiB pages
constexpr uint32_t PAGE_UNITS = 4096 / SLOB_UNIT;
constexpr uint32_t SLOB_BREAK1 = 256, SLOB_BREAK2 = 1024;

uint32_t slob_units_of(uint64_t size) {
    return uint32_t((size + SLOB_UNIT - 1) / SLOB_UNIT);
}
uint32_t minalign() {
    return 8; // max(ARCH_KMALLOC_MINALIGN, arch_slab_minalign())
}

int16_t rd16(const Kernel& k, uint64_t a) {
    int16_t v = 0;
    mem_read(k, a, &v, 2);
    return v;
}
void wr16(Kernel& k, uint64_t a, int16_t v) {
    mem_write(k, a, &v, 2);
}

// set_slob(): a free block of `size` units whose next free block is `next`.
void set_slob(Kernel& k, uint64_t s, uint32_t size, uint64_t next) {
    uint64_t base = s & ~0xfffull;
    int16_t offset = int16_t((next - base) / SLOB_UNIT);
    if (size > 1) {
        wr16(k, s, int16_t(size));
        wr16(k, s + 2, offset);
    } else {
        wr16(k, s, int16_t(-offset));
    }
}
// Clamped to the page: a block header overwritten through a stray pointer must not make the
// model write outside the page (Linux would, and crash somewhere else).
uint32_t slob_units(const Kernel& k, uint64_t s) {
    int16_t v = rd16(k, s);
    uint32_t room = uint32_t(((s & ~0xfffull) + 4096 - s) / SLOB_UNIT);
    return v > 0 ? std::min<uint32_t>(uint32_t(v), room) : 1;
}
uint64_t slob_next(const Kernel& k, uint64_t s) {
    uint64_t base = s & ~0xfffull;
    int16_t v = rd16(k, s);
    int32_t next = v < 0 ? -int32_t(v) : rd16(k, s + 2);
    return base + uint64_t(std::clamp<int32_t>(next, 0, int32_t(PAGE_UNITS))) * SLOB_UNIT;
}
bool slob_last(const Kernel& k, uint64_t s) {
    return (slob_next(k, s) & 0xfff) == 0;
}

SlabQueue& slob_list(SlabModel& m, SlabList l) {
    return l == SlabList::slob_small ? m.free_slob_small
           : l == SlabList::slob_medium ? m.free_slob_medium
                                        : m.free_slob_large;
}
SlabList list_for(uint64_t size) {
    return size < SLOB_BREAK1 ? SlabList::slob_small
           : size < SLOB_BREAK2 ? SlabList::slob_medium
                                : SlabList::slob_large;
}

void set_slob_page_free(SlabModel& m, uint32_t id, SlabList l) {
    slab_list::add(m.slabs, slob_list(m, l), id);
    m.slabs[id].list = l;
}
void clear_slob_page_free(SlabModel& m, uint32_t id) {
    SlabList l = m.slabs[id].list;
    if (l != SlabList::none) slab_list::del(m.slabs, slob_list(m, l), id);
    m.slabs[id].list = SlabList::none;
}

// slob_page_alloc(): first fit in one page; *removed when the page became full.
uint64_t slob_page_alloc(Kernel& k, uint32_t id, uint64_t size, uint32_t align,
                         uint32_t align_offset, bool* removed) {
    SlabModel& m = slabm(k);
    const uint32_t units = slob_units_of(size);
    *removed = false;
    uint64_t prev = 0, cur = m.slabs[id].freelist;
    for (uint32_t guard = 0; cur && guard <= PAGE_UNITS; ++guard, prev = cur, cur = slob_next(k, cur)) {
        uint32_t avail = slob_units(k, cur);
        uint64_t aligned = cur;
        uint32_t delta = 0;
        if (align) {
            aligned = (cur + align_offset + align - 1) / align * align - align_offset;
            delta = uint32_t((aligned - cur) / SLOB_UNIT);
        }
        if (avail >= units + delta && units <= m.slabs[id].inuse) {
            if (delta) { // split off the head so that the object is aligned
                uint64_t next = slob_next(k, cur);
                set_slob(k, aligned, avail - delta, next);
                set_slob(k, cur, delta, aligned);
                prev = cur;
                cur = aligned;
                avail = slob_units(k, cur);
            }
            uint64_t next = slob_next(k, cur);
            if (avail == units) {
                if (prev)
                    set_slob(k, prev, slob_units(k, prev), next);
                else
                    m.slabs[id].freelist = next;
            } else {
                uint64_t rest = cur + uint64_t(units) * SLOB_UNIT;
                if (prev)
                    set_slob(k, prev, slob_units(k, prev), rest);
                else
                    m.slabs[id].freelist = rest;
                set_slob(k, rest, avail - units, next);
            }
            m.slabs[id].inuse -= units; // sp->units: free units of the page
            if (!m.slabs[id].inuse) {
                clear_slob_page_free(m, id);
                m.slabs[id].freelist = 0;
                *removed = true;
            }
            return cur;
        }
        if (slob_last(k, cur)) return 0;
    }
    return 0;
}

// slob_new_pages(): pages for the heap or a big object, counted as unreclaimable slab.
uint64_t slob_new_pages(Kernel& k, gfp_t gfp, uint32_t order) {
    pfn_t p = alloc_pages(k, gfp, order);
    if (p == NO_PFN) return 0;
    slabm(k).nr_kmalloc_large_pages += 1ull << order;
    return page_address(k, p);
}

uint64_t slob_alloc(Kernel& k, uint64_t size, gfp_t gfp, uint32_t align, uint32_t align_offset) {
    SlabModel& m = slabm(k);
    const SlabList which = list_for(size);
    uint64_t b = 0;
    for (uint32_t id = slob_list(m, which).head; id != NO_SLAB; id = m.slabs[id].next) {
        if (m.slabs[id].inuse < slob_units_of(size)) continue;
        bool removed = false;
        b = slob_page_alloc(k, id, size, align, align_offset, &removed);
        if (!b) continue;
        // list_rotate_to_front(): the next search starts at this page (Knuth vol 1, 2.5).
        SlabQueue& q = slob_list(m, which);
        if (!removed) {
            while (q.head != id) {
                uint32_t h = q.head;
                slab_list::del(m.slabs, q, h);
                slab_list::add_tail(m.slabs, q, h);
            }
        }
        break;
    }
    if (!b) {
        uint64_t page = slob_new_pages(k, gfp & ~__GFP_ZERO, 0);
        if (!page) return 0;
        m.nr_kmalloc_large_pages -= 1; // a heap page: counted below instead
        m.nr_slab_unreclaimable += 1;
        uint32_t id = take_slab_id(m);
        Slab& sp = m.slabs[id];
        sp.pfn = virt_to_page(k, page);
        sp.order = 0;
        sp.cache = NO_CACHE;
        sp.inuse = PAGE_UNITS;
        sp.freelist = page;
        mark_slab_page(k, sp.pfn, id);
        set_slob(k, page, PAGE_UNITS, page + 4096);
        set_slob_page_free(m, id, which);
        bool unused;
        b = slob_page_alloc(k, id, size, align, align_offset, &unused);
    }
    if (b && (gfp & __GFP_ZERO)) mem_fill(k, b, 0, uint32_t(size));
    return b;
}

// True when [b, b + units) overlaps a free block of the page (or runs off it): freeing it
// would corrupt the heap.
bool overlaps_free(const Kernel& k, const Slab& sp, uint64_t b, uint32_t units) {
    uint64_t end = b + uint64_t(units) * SLOB_UNIT;
    if ((b & ~0xfffull) != ((end - 1) & ~0xfffull)) return true;
    if (sp.list == SlabList::none) return false; // a full page has no free block
    uint64_t cur = sp.freelist;
    for (uint32_t guard = 0; cur && guard <= PAGE_UNITS; ++guard) {
        if (cur >= end) break; // the blocks are in address order
        uint64_t cend = cur + uint64_t(slob_units(k, cur)) * SLOB_UNIT;
        if (b < cend) return true;
        if (slob_last(k, cur)) break;
        cur = slob_next(k, cur);
    }
    return false;
}

void slob_refuse(Kernel& k, uint64_t b, const char* why) {
    printk(k, LogLevel::err,
           strfmt("slob: free of %s block %#llx ignored (SLOB itself would corrupt its heap)", why,
                  (unsigned long long)b));
}

void slob_free(Kernel& k, uint64_t b, uint64_t size, SlabCtx& cx) {
    SlabModel& m = slabm(k);
    uint32_t id = slab_of_addr(k, b);
    if (id == NO_SLAB) {
        // virt_to_slab() is NULL for a page that is not SLOB's: sp->units faults.
        cx.fault_addr = ptr_bytes(k) == 8 ? 0x28 : 0x14;
        return;
    }
    uint32_t units = slob_units_of(size);
    if (!size || units > PAGE_UNITS || m.slabs[id].inuse + units > PAGE_UNITS ||
        (b & (SLOB_UNIT - 1)) || overlaps_free(k, m.slabs[id], b, units)) {
        slob_refuse(k, b, "an already free or corrupt");
        return;
    }
    Slab& sp = m.slabs[id];
    if (sp.inuse + units == PAGE_UNITS) {
        // The page is free again: straight back to the page allocator.
        clear_slob_page_free(m, id);
        pfn_t pfn = sp.pfn;
        unmark_slab_page(k, pfn);
        sp = Slab{};
        m.free_slab_ids.push_back(id);
        m.nr_slab_unreclaimable -= 1;
        __free_pages(k, pfn, 0);
        return;
    }
    if (sp.list == SlabList::none) {
        // A full page becomes partially free: on the list the freed size belongs to.
        sp.inuse = units;
        sp.freelist = b;
        set_slob(k, b, units, (b + 4096) & ~0xfffull);
        set_slob_page_free(m, id, list_for(size));
        return;
    }
    sp.inuse += units;
    if (b < sp.freelist) {
        if (b + uint64_t(units) * SLOB_UNIT == sp.freelist) {
            units += slob_units(k, sp.freelist);
            sp.freelist = slob_next(k, sp.freelist);
        }
        set_slob(k, b, units, sp.freelist);
        sp.freelist = b;
        return;
    }
    uint64_t prev = sp.freelist, next = slob_next(k, prev);
    for (uint32_t guard = 0; b > next && guard <= PAGE_UNITS; ++guard) {
        prev = next;
        next = slob_next(k, prev);
    }
    if (!slob_last(k, prev) && b + uint64_t(units) * SLOB_UNIT == next) {
        units += slob_units(k, next);
        set_slob(k, b, units, slob_next(k, next));
    } else {
        set_slob(k, b, units, next);
    }
    if (prev + uint64_t(slob_units(k, prev)) * SLOB_UNIT == b) {
        units = slob_units(k, b) + slob_units(k, prev);
        set_slob(k, prev, units, slob_next(k, b));
    } else {
        set_slob(k, prev, slob_units(k, prev), b);
    }
}

uint32_t get_order(uint64_t size) {
    uint32_t order = 0;
    while ((4096ull << order) < size && order < 40) ++order;
    return order;
}

// A big object's pages back to the page allocator.
void slob_free_pages(Kernel& k, uint64_t obj) {
    pfn_t pfn = virt_to_page(k, obj);
    const page& pg = k.mm.mem_map[pfn];
    uint32_t order = (pg.flags & PG_head) ? pg.order : 0;
    uint64_t& n = slabm(k).nr_kmalloc_large_pages;
    n -= std::min<uint64_t>(n, 1ull << order);
    __free_pages(k, pfn, order);
}

} // namespace

void mark_slab_page(Kernel& k, pfn_t pfn, uint32_t id) {
    page& pg = k.mm.mem_map[pfn];
    pg.lru_next = id;
    pg.lru_prev = kSlabMark;
    pg.guest_written = 0; // what the heap keeps in it is the allocator's from here on
    pg.flags |= PG_slab;
    set_page_owner(k, pfn, PageOwner::slab);
}

void unmark_slab_page(Kernel& k, pfn_t pfn) {
    page& pg = k.mm.mem_map[pfn];
    pg.lru_next = NO_PFN;
    pg.lru_prev = NO_PFN;
    pg.flags &= ~PG_slab;
}

bool slob_open(Kernel& k, uint32_t cache) {
    kmem_cache& c = slabm(k).caches[cache];
    uint32_t size = c.object_size;
    if (c.flags & SLAB_TYPESAFE_BY_RCU) size += ptr_bytes(k) == 8 ? 24 : 12; // struct slob_rcu
    c.size = slob_units_of(size) * SLOB_UNIT;
    c.objects = 0;
    c.order = 0;
    return true;
}

uint64_t slob_cache_alloc(Kernel& k, uint32_t cache, gfp_t gfp, SlabCtx& cx) {
    slab_pre_alloc_hook(k, gfp);
    const kmem_cache& c = slabm(k).caches[cache];
    const uint32_t size = c.size, align = c.align;
    const uint64_t ctor = c.ctor;
    uint64_t b;
    if (size < 4096) {
        b = slob_alloc(k, size, gfp, align, 0);
    } else {
        uint32_t order = get_order(size);
        b = slob_new_pages(k, gfp | (order ? __GFP_COMP : 0), order);
    }
    if (b && ctor && cx.hooks && !task_dying(k)) {
        cx.hooks->run_ctor(k, ctor, b); // a constructor that dies kills current
    }
    if (b) slabm(k).caches[cache].alloc_count++;
    return b;
}

void slob_cache_free(Kernel& k, uint32_t cache, uint64_t obj, SlabCtx& cx) {
    kmem_cache& c = slabm(k).caches[cache];
    c.free_count++;
    if (c.size < 4096)
        slob_free(k, obj, c.size, cx);
    else if (slab_of_addr(k, obj) == NO_SLAB && virt_addr_valid(k, obj))
        slob_free_pages(k, obj);
}

uint64_t slob_kmalloc(Kernel& k, uint64_t size, gfp_t gfp, uint32_t* bytes_alloc) {
    slab_pre_alloc_hook(k, gfp);
    const uint32_t ma = minalign();
    if (size < 4096 - ma) {
        uint32_t align = ma;
        if (size && !(size & (size - 1))) align = std::max<uint32_t>(ma, uint32_t(size));
        if (!size) return ZERO_SIZE_PTR;
        uint64_t m = slob_alloc(k, size + ma, gfp, align, ma);
        if (!m) return 0;
        uint32_t hdr = uint32_t(size);
        mem_write(k, m, &hdr, 4);
        *bytes_alloc = uint32_t(size + ma);
        return m + ma;
    }
    uint32_t order = get_order(size);
    *bytes_alloc = order < 20 ? 4096u << order : 0;
    if (order) gfp |= __GFP_COMP;
    return slob_new_pages(k, gfp, order);
}

void slob_kfree(Kernel& k, uint64_t block, SlabCtx& cx) {
    uint32_t id = slab_of_addr(k, block);
    if (id != NO_SLAB) {
        uint32_t hdr = 0;
        mem_read(k, block - minalign(), &hdr, 4);
        if (hdr >= 4096) { // the header is gone: freed before, or not kmalloc's pointer
            slob_refuse(k, block, "an already free or not kmalloc'ed");
            return;
        }
        slob_free(k, block - minalign(), hdr + minalign(), cx);
        return;
    }
    slob_free_pages(k, block);
}

uint64_t slob_ksize(const Kernel& k, uint64_t block) {
    if (slab_of_addr(k, block) != NO_SLAB) {
        uint32_t hdr = 0;
        mem_read(k, block - minalign(), &hdr, 4);
        return uint64_t(slob_units_of(hdr)) * SLOB_UNIT;
    }
    pfn_t pfn = virt_to_page(k, block);
    const page& pg = k.mm.mem_map[pfn];
    return 4096ull << ((pg.flags & PG_head) ? pg.order : 0);
}

std::vector<std::pair<uint64_t, uint32_t>> slob_free_blocks(const Kernel& k, uint32_t id) {
    std::vector<std::pair<uint64_t, uint32_t>> out;
    const Slab& sp = slabm(k).slabs[id];
    if (sp.list == SlabList::none) return out;
    uint64_t cur = sp.freelist;
    for (uint32_t guard = 0; cur && guard <= PAGE_UNITS; ++guard) {
        out.push_back({cur, slob_units(k, cur)});
        if (slob_last(k, cur)) break;
        uint64_t next = slob_next(k, cur);
        if (next <= cur) break;
        cur = next;
    }
    return out;
}

} // namespace klab
