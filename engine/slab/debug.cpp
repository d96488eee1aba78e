// SLUB debugging (slub_debug=F,Z,P,U): models init_object(), check_object(),
// check_bytes_and_report(), check_pad_bytes(), check_slab(), on_freelist(),
// alloc_debug_processing(), free_debug_processing(), set_track()/print_tracking(),
// print_trailer(), slab_bug()/slab_fix()/slab_err()/object_err() and list_slab_objects() of
// mm/slub.c (6.1), with their report lines. Simplifications: a track's stack (stack depot)
// is the call site alone; page flags in "flags=%pGp" hold only the flag bits the model keeps,
// with the node/zone/last_cpupid fields in their bits (mm/page_flags.h).
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "arch/x86/traps.h"
#include "mm/page_alloc.h"
#include "mm/page_flags.h"
#include "lib/text.h"
#include "printk/dump_stack.h"
#include "printk/pointer.h"
#include "slab/slub_internal.h"

namespace klab {

namespace {


void err(Kernel& k, const std::string& s) {
    printk(k, LogLevel::err, s);
}

std::string symbol_of(SlabCtx& cx, uint64_t addr) {
    if (cx.hooks) return cx.hooks->symbol(addr);
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)addr);
    return buf;
}

// struct track field offsets: addr, handle, cpu, pid, [pad], when.
struct TrackLayout {
    uint32_t addr, handle, cpu, pid, when;
};
TrackLayout track_layout(const Kernel& k) {
    if (ptr_bytes(k) == 8) return {0, 8, 12, 16, 24};
    return {0, 4, 8, 12, 16};
}

uint64_t track_addr(const Kernel& k, const kmem_cache& s, uint64_t obj, bool alloc) {
    return obj + get_info_end(s, ptr_bytes(k)) + (alloc ? 0 : track_size(k));
}

void init_object(Kernel& k, const kmem_cache& s, uint64_t obj, uint8_t val) {
    if (s.flags & SLAB_RED_ZONE) mem_fill(k, obj - s.red_left_pad, val, s.red_left_pad);
    if (s.flags & __OBJECT_POISON) {
        mem_fill(k, obj, POISON_FREE, s.object_size - 1);
        uint8_t end = POISON_END;
        mem_write(k, obj + s.object_size - 1, &end, 1);
    }
    if (s.flags & SLAB_RED_ZONE) mem_fill(k, obj + s.object_size, val, s.inuse - s.object_size);
}

// print_hex_dump(KERN_ERR, text, DUMP_PREFIX_ADDRESS, 16, 1, addr, len, true)
void print_section(Kernel& k, const char* text, uint64_t addr, uint32_t len,
                   LogLevel level = LogLevel::err) {
    std::vector<uint8_t> b(len);
    mem_read(k, addr, b.data(), len);
    for (uint32_t i = 0; i < len; i += 16) {
        uint32_t n = std::min<uint32_t>(16, len - i);
        std::string line;
        for (uint32_t j = 0; j < n; ++j) line += strfmt(j ? " %02x" : "%02x", b[i + j]);
        line.resize(49, ' '); // ascii_column = rowsize * 2 + rowsize / groupsize + 1
        for (uint32_t j = 0; j < n; ++j) {
            uint8_t c = b[i + j];
            line += (c >= 0x20 && c < 0x7f) ? char(c) : '.';
        }
        printk(k, level, std::string(text) + slab_ptr(k, addr + i).substr(2) + ": " + line);
    }
}

void print_track(Kernel& k, const kmem_cache& s, uint64_t obj, bool alloc, SlabCtx& cx) {
    TrackLayout l = track_layout(k);
    uint64_t t = track_addr(k, s, obj, alloc);
    uint64_t addr = read_word(k, t + l.addr);
    if (!addr) return;
    uint32_t cpu = 0, pid = 0, handle = 0;
    mem_read(k, t + l.cpu, &cpu, 4);
    mem_read(k, t + l.pid, &pid, 4);
    mem_read(k, t + l.handle, &handle, 4);
    uint64_t when = read_word(k, t + l.when);
    uint64_t now = k.clock.jiffies();
    if (ptr_bytes(k) == 4) now &= 0xffffffffu;
    uint64_t age = (now - when) & (ptr_bytes(k) == 4 ? 0xffffffffull : ~0ull);
    err(k, strfmt("%s in %s age=%llu cpu=%u pid=%d", alloc ? "Allocated" : "Freed",
               symbol_of(cx, addr).c_str(), (unsigned long long)age, cpu, int32_t(pid)));
    if (handle) {
        std::string line(1, ' '); // stack_depot_print(): the saved stack
        line += symbol_of(cx, addr);
        err(k, line);
    }
    else
        err(k, "object allocation/free stack trace missing");
}

void print_tracking(Kernel& k, const kmem_cache& s, uint64_t obj, SlabCtx& cx) {
    if (!(s.flags & SLAB_STORE_USER)) return;
    print_track(k, s, obj, true, cx);
    print_track(k, s, obj, false, cx);
}

// %pGp of the slab's head page: the whole flags word with node, zone and last_cpupid.
std::string page_flags_string(const Kernel& k, const Slab& slab) {
    const page& pg = k.mm.mem_map[slab.pfn];
    return format_page_flags(k, pg, pg.zone);
}

void print_slab_info(Kernel& k, const Slab& slab) {
    err(k, "Slab " + slab_ptr(k, page_struct_address(k, slab.pfn)) +
               strfmt(" objects=%u used=%u fp=", slab.objects, slab.inuse) +
               slab_ptr(k, slab.freelist) + " flags=" + page_flags_string(k, slab));
}

void print_trailer(Kernel& k, const kmem_cache& s, const Slab& slab, uint64_t p, SlabCtx& cx,
                   const char* where) {
    const uint32_t pb = ptr_bytes(k);
    uint64_t addr = slab_address(k, slab);
    print_tracking(k, s, p, cx);
    print_slab_info(k, slab);
    err(k, "Object " + slab_ptr(k, p) + strfmt(" @offset=%llu fp=", (unsigned long long)(p - addr)) +
               slab_ptr(k, get_freepointer(k, s, p)));
    err(k, "\n"); // the format ends in "\n\n": an empty record
    if (s.flags & SLAB_RED_ZONE)
        print_section(k, "Redzone  ", p - s.red_left_pad, s.red_left_pad);
    else if (p > addr + 16)
        print_section(k, "Bytes b4 ", p - 16, 16);
    print_section(k, "Object   ", p, std::min<uint32_t>(s.object_size, 4096));
    if (s.flags & SLAB_RED_ZONE)
        print_section(k, "Redzone  ", p + s.object_size, s.inuse - s.object_size);
    uint32_t off = get_info_end(s, pb);
    if (s.flags & SLAB_STORE_USER) off += 2 * track_size(k);
    if ((s.flags & SLAB_STORE_USER) && (s.flags & SLAB_KMALLOC)) off += 4;
    uint32_t size_from_object = s.size - s.red_left_pad;
    if (off != size_from_object) print_section(k, "Padding  ", p + off, size_from_object - off);
    slab_dump_stack(k, cx, {where});
}

void object_err(Kernel& k, uint32_t cache, uint32_t slab_id, uint64_t obj, const char* reason,
                SlabCtx& cx, const char* where) {
    const kmem_cache& s = k.slab.caches[cache];
    const Slab& slab = k.slab.slabs[slab_id];
    slab_bug_banner(k, s, reason);
    if (!obj || !check_valid_pointer(k, s, slab, obj)) {
        print_slab_info(k, slab);
        err(k, "Invalid pointer " + slab_ptr(k, obj));
    } else {
        print_trailer(k, s, slab, obj, cx, where);
    }
    add_taint(k, TAINT_BAD_PAGE);
}

void slab_err(Kernel& k, uint32_t cache, uint32_t slab_id, const std::string& text, SlabCtx& cx,
              const char* where) {
    const kmem_cache& s = k.slab.caches[cache];
    slab_bug_banner(k, s, text);
    print_slab_info(k, k.slab.slabs[slab_id]);
    slab_dump_stack(k, cx, {where});
    add_taint(k, TAINT_BAD_PAGE);
}

// memchr_inv() over simulated memory: the first byte that is not val, or 0.
uint64_t first_mismatch(const Kernel& k, uint64_t start, uint8_t val, uint32_t bytes,
                        uint64_t* end_out) {
    std::vector<uint8_t> b(bytes);
    mem_read(k, start, b.data(), bytes);
    uint32_t i = 0;
    while (i < bytes && b[i] == val) ++i;
    if (i == bytes) return 0;
    uint32_t e = bytes;
    while (e > i && b[e - 1] == val) --e;
    *end_out = start + e;
    return start + i;
}

bool check_bytes_and_report(Kernel& k, uint32_t cache, uint32_t slab_id, uint64_t obj,
                            const char* what, uint64_t start, uint8_t value, uint32_t bytes,
                            SlabCtx& cx, const char* where) {
    uint64_t end = 0;
    uint64_t fault = first_mismatch(k, start, value, bytes, &end);
    if (!fault) return true;
    const kmem_cache& s = k.slab.caches[cache];
    const Slab& slab = k.slab.slabs[slab_id];
    uint8_t got = 0;
    mem_read(k, fault, &got, 1);
    slab_bug_banner(k, s, std::string(what) + " overwritten");
    err(k, slab_ptr(k, fault) + "-" + slab_ptr(k, end - 1) +
               strfmt(" @offset=%llu. First byte 0x%x instead of 0x%x",
                   (unsigned long long)(fault - slab_address(k, slab)), got, value));
    print_trailer(k, s, slab, obj, cx, where);
    add_taint(k, TAINT_BAD_PAGE);
    // restore_bytes()
    slab_fix(k, s, std::string("Restoring ") + what + " " + slab_ptr(k, fault) + "-" +
                       slab_ptr(k, end - 1) + strfmt("=0x%x", value));
    mem_fill(k, fault, value, uint32_t(end - fault));
    return false;
}

bool check_pad_bytes(Kernel& k, uint32_t cache, uint32_t slab_id, uint64_t p, SlabCtx& cx,
                     const char* where) {
    const kmem_cache& s = k.slab.caches[cache];
    uint32_t off = get_info_end(s, ptr_bytes(k));
    if (s.flags & SLAB_STORE_USER) {
        off += 2 * track_size(k);
        if (s.flags & SLAB_KMALLOC) off += 4;
    }
    uint32_t size_from_object = s.size - s.red_left_pad;
    if (size_from_object == off) return true;
    return check_bytes_and_report(k, cache, slab_id, p, "Object padding", p + off, POISON_INUSE,
                                  size_from_object - off, cx, where);
}

bool check_object(Kernel& k, uint32_t cache, uint32_t slab_id, uint64_t obj, uint8_t val,
                  SlabCtx& cx, const char* where) {
    const kmem_cache s = k.slab.caches[cache]; // a copy: reports may not move it, but be safe
    uint64_t endobject = obj + s.object_size;
    if (s.flags & SLAB_RED_ZONE) {
        if (!check_bytes_and_report(k, cache, slab_id, obj, "Left Redzone", obj - s.red_left_pad,
                                    val, s.red_left_pad, cx, where))
            return false;
        if (!check_bytes_and_report(k, cache, slab_id, obj, "Right Redzone", endobject, val,
                                    s.inuse - s.object_size, cx, where))
            return false;
    } else if ((s.flags & SLAB_POISON) && s.object_size < s.inuse) {
        check_bytes_and_report(k, cache, slab_id, obj, "Alignment padding", endobject,
                               POISON_INUSE, s.inuse - s.object_size, cx, where);
    }
    if (s.flags & SLAB_POISON) {
        if (val != SLUB_RED_ACTIVE && (s.flags & __OBJECT_POISON) &&
            (!check_bytes_and_report(k, cache, slab_id, obj, "Poison", obj, POISON_FREE,
                                     s.object_size - 1, cx, where) ||
             !check_bytes_and_report(k, cache, slab_id, obj, "End Poison", endobject - 1,
                                     POISON_END, 1, cx, where)))
            return false;
        check_pad_bytes(k, cache, slab_id, obj, cx, where);
    }
    if (s.offset < s.inuse && val == SLUB_RED_ACTIVE) return true; // fp overlaps the object
    const Slab& slab = k.slab.slabs[slab_id];
    if (!check_valid_pointer(k, s, slab, get_freepointer(k, s, obj))) {
        object_err(k, cache, slab_id, obj, "Freepointer corrupt", cx, where);
        set_freepointer(k, s, obj, 0);
        return false;
    }
    return true;
}

bool check_slab(Kernel& k, uint32_t cache, uint32_t slab_id, SlabCtx& cx, const char* where) {
    const kmem_cache& s = k.slab.caches[cache];
    Slab& slab = k.slab.slabs[slab_id];
    uint32_t maxobj = uint32_t((4096ull << slab.order) / s.size);
    if (slab.objects > maxobj) {
        slab_err(k, cache, slab_id, strfmt("objects %u > max %u", slab.objects, maxobj), cx, where);
        return false;
    }
    if (slab.inuse > slab.objects) {
        slab_err(k, cache, slab_id, strfmt("inuse %u > max %u", slab.inuse, slab.objects), cx, where);
        return false;
    }
    if (slab.frozen) {
        slab_err(k, cache, slab_id, "Slab disabled since SLUB metadata consistency check failed",
                 cx, where);
        return false;
    }
    // slab_pad_check(): the bytes after the last object stay POISON_INUSE.
    if (s.flags & SLAB_POISON) {
        uint64_t start = slab_address(k, slab);
        uint32_t length = uint32_t(slab_bytes(slab));
        uint32_t remainder = length % s.size;
        if (remainder) {
            uint64_t pad = start + length - remainder, end = 0;
            uint64_t fault = first_mismatch(k, pad, POISON_INUSE, remainder, &end);
            if (fault) {
                slab_err(k, cache, slab_id,
                         "Padding overwritten. " + slab_ptr(k, fault) + "-" +
                             slab_ptr(k, end - 1) +
                             strfmt(" @offset=%llu", (unsigned long long)(fault - start)),
                         cx, where);
                print_section(k, "Padding ", pad, remainder);
                slab_fix(k, s, "Restoring slab padding " + slab_ptr(k, fault) + "-" +
                                   slab_ptr(k, end - 1) + strfmt("=0x%x", POISON_INUSE));
                mem_fill(k, fault, POISON_INUSE, uint32_t(end - fault));
            }
        }
    }
    return true;
}

// on_freelist(): true if search is on the slab's freelist (repairs a corrupt chain).
bool on_freelist(Kernel& k, uint32_t cache, uint32_t slab_id, uint64_t search, SlabCtx& cx,
                 const char* where) {
    const kmem_cache& s = k.slab.caches[cache];
    Slab& slab = k.slab.slabs[slab_id];
    uint32_t nr = 0;
    uint64_t fp = slab.freelist, object = 0;
    while (fp && nr <= slab.objects) {
        if (fp == search) return true;
        if (!check_valid_pointer(k, s, slab, fp)) {
            if (object) {
                object_err(k, cache, slab_id, object, "Freechain corrupt", cx, where);
                set_freepointer(k, s, object, 0);
            } else {
                slab_err(k, cache, slab_id, "Freepointer corrupt", cx, where);
                slab.freelist = 0;
                slab.inuse = slab.objects;
                slab_fix(k, s, "Freelist cleared");
                return false;
            }
            break;
        }
        object = fp;
        fp = get_freepointer(k, s, object);
        ++nr;
    }
    if (slab.inuse != slab.objects - nr) {
        slab_err(k, cache, slab_id,
                 strfmt("Wrong object count. Counter is %d but counted were %d", slab.inuse,
                     slab.objects - nr),
                 cx, where);
        k.slab.slabs[slab_id].inuse = slab.objects - nr;
        slab_fix(k, s, "Object count adjusted");
    }
    return search == 0;
}

// trace(): slub_debug=T logs every alloc and free of the cache.
void trace(Kernel& k, const kmem_cache& s, const Slab& slab, uint64_t obj, bool alloc,
           SlabCtx& cx) {
    if (!(s.flags & SLAB_TRACE)) return;
    printk(k, LogLevel::info,
           "TRACE " + s.name + (alloc ? " alloc " : " free ") + slab_ptr(k, obj) +
               strfmt(" inuse=%u fp=", slab.inuse) + slab_ptr(k, slab.freelist));
    if (!alloc) print_section(k, "Object ", obj, s.object_size, LogLevel::info);
    slab_dump_stack(k, cx, {});
}

} // namespace

std::string slab_ptr(const Kernel& k, uint64_t p) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%0*llx", int(ptr_bytes(k) * 2),
                  (unsigned long long)printk_pointer_id(k, p));
    return buf;
}

void slab_bug_banner(Kernel& k, const kmem_cache& s, const std::string& reason) {
    err(k, "=============================================================================");
    // "BUG %s (%s): %pV\n": a reason that ends in its own newline leaves an empty line.
    err(k, "BUG " + s.name + " (" + print_tainted(k.tainted) + "): " + reason + "\n");
    err(k, "-----------------------------------------------------------------------------");
    err(k, "\n");
}

void slab_fix(Kernel& k, const kmem_cache& s, const std::string& what) {
    err(k, "FIX " + s.name + ": " + what);
}

void set_slab_stack_callers(Kernel& k, SlabCtx& cx, std::initializer_list<const char*> frames) {
    k.dump_stack_callers.clear();
    bool dup = cx.api && frames.size() && std::strcmp(*(frames.end() - 1), cx.api) == 0;
    if (cx.api && !dup) k.dump_stack_callers.push_back(cx.api);
    if (cx.hooks)
        for (std::string& f : cx.hooks->caller_frames()) k.dump_stack_callers.push_back(f);
}

void slab_dump_stack(Kernel& k, SlabCtx& cx, std::initializer_list<const char*> frames) {
    set_slab_stack_callers(k, cx, frames);
    dump_stack(k, frames);
    k.dump_stack_callers.clear();
}

TrapFrames slab_bug_frames(const SlabCtx& cx, std::initializer_list<const char*> frames) {
    TrapFrames out(frames.begin(), frames.end());
    if (cx.api && (out.empty() || out.back() != cx.api)) out.push_back(cx.api);
    return out;
}

void slub_bug_at(Kernel& k, int line, const char* func, SlabCtx& cx) {
    if (func)
        BUG(k, "mm/slub.c", line, slab_bug_frames(cx, {func}));
    else
        BUG(k, "mm/slub.c", line, slab_bug_frames(cx, {}));
}

void setup_slab_debug(Kernel& k, const kmem_cache& s, const Slab& slab) {
    if (!(s.flags & SLAB_POISON)) return;
    mem_fill(k, slab_address(k, slab), POISON_INUSE, uint32_t(slab_bytes(slab)));
}

void setup_object_debug(Kernel& k, const kmem_cache& s, uint64_t obj) {
    if (!(s.flags & (SLAB_STORE_USER | SLAB_RED_ZONE | __OBJECT_POISON))) return;
    init_object(k, s, obj, SLUB_RED_INACTIVE);
    if (s.flags & SLAB_STORE_USER) mem_fill(k, track_addr(k, s, obj, true), 0, 2 * track_size(k));
}

void set_track(Kernel& k, const kmem_cache& s, uint64_t obj, bool alloc, uint64_t addr) {
    TrackLayout l = track_layout(k);
    uint64_t t = track_addr(k, s, obj, alloc);
    write_word(k, t + l.addr, addr);
    uint32_t handle = 1, cpu = k.current_cpu;
    int32_t pid = current(k).pid;
    mem_write(k, t + l.handle, &handle, 4);
    mem_write(k, t + l.cpu, &cpu, 4);
    mem_write(k, t + l.pid, &pid, 4);
    write_word(k, t + l.when, k.clock.jiffies());
}

bool alloc_debug_processing(Kernel& k, uint32_t cache, uint32_t slab_id, uint64_t obj,
                            uint32_t orig_size, SlabCtx& cx) {
    const char* where = "alloc_debug_processing";
    kmem_cache& s = k.slab.caches[cache];
    bool ok = true;
    if (s.flags & SLAB_CONSISTENCY_CHECKS) {
        if (!check_slab(k, cache, slab_id, cx, where)) {
            ok = false;
        } else if (!check_valid_pointer(k, s, k.slab.slabs[slab_id], obj)) {
            object_err(k, cache, slab_id, obj, "Freelist Pointer check fails", cx, where);
            ok = false;
        } else if (!check_object(k, cache, slab_id, obj, SLUB_RED_INACTIVE, cx, where)) {
            ok = false;
        }
    }
    kmem_cache& s2 = k.slab.caches[cache];
    if (ok) {
        trace(k, s2, k.slab.slabs[slab_id], obj, true, cx);
        if ((s2.flags & SLAB_STORE_USER) && (s2.flags & SLAB_KMALLOC))
            mem_write(k, track_addr(k, s2, obj, true) + 2 * track_size(k), &orig_size, 4);
        init_object(k, s2, obj, SLUB_RED_ACTIVE);
        return true;
    }
    slab_fix(k, s2, "Marking all objects used");
    Slab& slab = k.slab.slabs[slab_id];
    slab.inuse = slab.objects;
    slab.freelist = 0;
    slab.frozen = true; // consistency-failed slab: never used again
    return false;
}

bool free_debug_processing(Kernel& k, uint32_t cache, uint32_t slab_id, uint64_t obj,
                           SlabCtx& cx) {
    const char* where = "free_debug_processing";
    bool ok = false;
    do {
        kmem_cache& s = k.slab.caches[cache];
        if ((s.flags & SLAB_CONSISTENCY_CHECKS) && !check_slab(k, cache, slab_id, cx, where)) break;
        if (k.slab.slabs[slab_id].inuse < 1) {
            slab_err(k, cache, slab_id,
                     strfmt("Slab has %d allocated objects but %d are to be freed\n",
                         k.slab.slabs[slab_id].inuse, 1),
                     cx, where);
            break;
        }
        if (s.flags & SLAB_CONSISTENCY_CHECKS) {
            if (!check_valid_pointer(k, s, k.slab.slabs[slab_id], obj)) {
                slab_err(k, cache, slab_id, "Invalid object pointer " + slab_ptr(k, obj), cx, where);
                break;
            }
            if (on_freelist(k, cache, slab_id, obj, cx, where)) {
                object_err(k, cache, slab_id, obj, "Object already free", cx, where);
                break;
            }
            if (!check_object(k, cache, slab_id, obj, SLUB_RED_ACTIVE, cx, where)) break;
        }
        kmem_cache& s2 = k.slab.caches[cache];
        if (s2.flags & SLAB_STORE_USER) set_track(k, s2, obj, false, cx.caller);
        trace(k, s2, k.slab.slabs[slab_id], obj, false, cx);
        init_object(k, s2, obj, SLUB_RED_INACTIVE);
        ok = true;
    } while (false);
    if (!ok) slab_fix(k, k.slab.caches[cache], "Object at " + slab_ptr(k, obj) + " not freed");
    return ok;
}

void list_slab_objects(Kernel& k, uint32_t cache, uint32_t slab_id, SlabCtx& cx) {
    const kmem_cache& s = k.slab.caches[cache];
    slab_err(k, cache, slab_id,
             "Objects remaining in " + s.name + " on __kmem_cache_shutdown()", cx,
             "__kmem_cache_shutdown");
    const Slab& slab = k.slab.slabs[slab_id];
    std::vector<bool> is_free(slab.objects, false);
    uint64_t addr = slab_address(k, slab);
    uint32_t n = 0;
    for (uint64_t p = slab.freelist; p && n <= slab.objects; p = get_freepointer(k, s, p), ++n) {
        if (!check_valid_pointer(k, s, slab, p)) break;
        is_free[(p - s.red_left_pad - addr) / s.size] = true;
    }
    for (uint32_t i = 0; i < slab.objects; ++i) {
        if (is_free[i]) continue;
        uint64_t p = fixup_red_left(s, addr + uint64_t(i) * s.size);
        err(k, "Object " + slab_ptr(k, p) +
                   strfmt(" @offset=%llu", (unsigned long long)(p - addr)));
        print_tracking(k, s, p, cx);
    }
}

} // namespace klab
