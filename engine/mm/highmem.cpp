// kmap/kunmap, kmap_atomic and kmap_local (see highmem.h).
#include "mm/highmem.h"

#include <cstdio>
#include <string>

#include "machine/kernel.h"
#include "mm/internal.h"
#include "mm/page_alloc.h"
#include "printk/dump_stack.h"
#include "sched/context.h"

namespace klab {

namespace {

constexpr uint64_t kPage = 4096;

bool has_highmem(const Kernel& k) {
    return !k.highmem.pkmap_count.empty();
}

void trace(Kernel& k, TraceEventType type, uint64_t addr, uint32_t slot) {
    TraceEvent e;
    e.type = type;
    e.pfn = addr;
    e.gfp = slot;
    k.trace.emit(e, k.clock.ns, k.current_cpu);
}

// Bits of the WARN_ON_ONCE sites in MemoryModel::warn_once_bits (mm/internal.h uses 0..3).
constexpr uint32_t kWarnUnmapOrder = 8;
constexpr uint32_t kWarnUnmapUser = 9;

// flush_all_zero_pkmaps(): slots whose count fell to 1 (unmapped, TLB not yet flushed) are
// freed, all with one flush.
void flush_all_zero_pkmaps(Kernel& k) {
    HighmemState& h = k.highmem;
    for (uint32_t i = 0; i < LAST_PKMAP; ++i) {
        if (h.pkmap_count[i] != 1) continue;
        h.pkmap_count[i] = 0;
        k.kpt.clear(pkmap_addr(k, i));
        h.page_address_map.erase(h.pkmap_page[i]);
        h.pkmap_page[i] = NO_PFN;
    }
    h.pkmap_flushes++;
}

// map_new_virtual(): the next free slot after last_pkmap_nr, flushing when the scan wraps.
// Returns LAST_PKMAP when every slot is in use (Linux sleeps on pkmap_map_wait).
uint32_t map_new_virtual(Kernel& k, pfn_t page) {
    HighmemState& h = k.highmem;
    uint32_t count = LAST_PKMAP;
    for (;;) {
        h.last_pkmap_nr = (h.last_pkmap_nr + 1) & (LAST_PKMAP - 1);
        if (!h.last_pkmap_nr) {
            flush_all_zero_pkmaps(k);
            count = LAST_PKMAP;
        }
        if (!h.pkmap_count[h.last_pkmap_nr]) break;
        if (--count) continue;
        return LAST_PKMAP;
    }
    uint32_t nr = h.last_pkmap_nr;
    k.kpt.set(pkmap_addr(k, nr), page);
    h.pkmap_page[nr] = page;
    h.pkmap_count[nr] = 1;
    h.page_address_map[page] = nr;
    return nr;
}

// check_hung_task(): what khungtaskd prints about a task stuck in D state. The console task
// can never be woken, so the statement ends here after the 120 s timeout.
void report_hung_kmap(Kernel& k) {
    k.clock.advance_ns(120ull * 1000000000ull);
    const task_struct& c = current(k);
    char buf[192];
    std::snprintf(buf, sizeof buf, "INFO: task %s:%d blocked for more than 120 seconds.",
                  c.comm.c_str(), c.pid);
    printk(k, LogLevel::err, buf);
    printk(k, LogLevel::err,
           std::string("      ") + print_tainted(k.tainted) + " " + kUtsRelease + " " +
               kUtsVersion);
    printk(k, LogLevel::err,
           "\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.");
    std::snprintf(buf, sizeof buf,
                  "task:%-15.15s state:D stack:0     pid:%-5d ppid:1      flags:0x00004000",
                  c.comm.c_str(), c.pid);
    printk(k, LogLevel::info, buf);
    dump_stack(k, {"__schedule", "schedule", "kmap_high"});
}

bool in_pkmap(const Kernel& k, uint64_t a) {
    return a >= pkmap_addr(k, 0) && a < pkmap_addr(k, LAST_PKMAP);
}

uint64_t fix_to_virt(uint32_t idx) {
    return kI386FixaddrTop - (uint64_t(idx) << 12);
}

} // namespace

uint64_t i386_pkmap_base(uint32_t nr_cpus) {
    constexpr uint64_t kPmd = 4ull << 20; // non-PAE PMD_SIZE
    uint64_t fixmap_low = kI386FixaddrTop - (uint64_t(FIX_KMAP_BEGIN + KM_MAX_IDX * nr_cpus) << 12);
    return ((fixmap_low - kPage) & ~(kPmd - 1)) - kPmd;
}

uint64_t pkmap_addr(const Kernel& k, uint32_t nr) {
    return k.highmem.pkmap_base + (uint64_t(nr) << 12);
}

uint64_t kmap_local_slot_addr(uint32_t cpu, uint32_t idx) {
    return fix_to_virt(FIX_KMAP_BEGIN + idx + KM_MAX_IDX * cpu);
}

void highmem_init(Kernel& k) {
    HighmemState& h = k.highmem;
    h = HighmemState{};
    if (k.config.arch == Arch::i386) {
        h.pkmap_base = i386_pkmap_base(uint32_t(k.cpus.size()));
        h.pkmap_count.assign(LAST_PKMAP, 0);
        h.pkmap_page.assign(LAST_PKMAP, NO_PFN);
    }
    KmapLocal empty;
    empty.pte.fill(NO_PFN);
    h.local.assign(k.cpus.size(), empty);
}

uint64_t page_address_hm(const Kernel& k, pfn_t page) {
    uint64_t a = page_address(k, page);
    if (a || !has_highmem(k)) return a;
    auto it = k.highmem.page_address_map.find(page);
    return it == k.highmem.page_address_map.end() ? 0 : pkmap_addr(k, it->second);
}

KmapResult kmap(Kernel& k, pfn_t page, uint64_t* addr) {
    bool high = has_highmem(k) && PageHighMem(k, page);
    might_sleep(k, "include/linux/highmem-internal.h", has_highmem(k) ? 44 : 166,
                {"__might_resched", "kmap"});
    if (!high) {
        *addr = page_address(k, page);
        return KmapResult::ok;
    }
    // kmap_high()
    HighmemState& h = k.highmem;
    auto it = h.page_address_map.find(page);
    uint32_t nr;
    if (it != h.page_address_map.end()) {
        nr = it->second;
    } else {
        nr = map_new_virtual(k, page);
        if (nr == LAST_PKMAP) {
            report_hung_kmap(k);
            return KmapResult::would_sleep_forever;
        }
    }
    h.pkmap_count[nr]++;
    *addr = pkmap_addr(k, nr);
    trace(k, TraceEventType::klab_kmap, *addr, nr);
    return KmapResult::ok;
}

KmapResult kunmap(Kernel& k, pfn_t page) {
    if (!has_highmem(k) || !PageHighMem(k, page)) return KmapResult::ok;
    // kunmap_high()
    HighmemState& h = k.highmem;
    auto it = h.page_address_map.find(page);
    if (it == h.page_address_map.end()) {
        report_vm_bug(k, "mm/highmem.c", 358, "kunmap_high");
        return KmapResult::bug;
    }
    uint32_t nr = it->second;
    if (--h.pkmap_count[nr] == 0) {
        // Cannot happen while page_address_map and the counts agree; kept for fidelity.
        report_vm_bug(k, "mm/highmem.c", 368, "kunmap_high");
        return KmapResult::bug;
    }
    trace(k, TraceEventType::klab_kunmap, pkmap_addr(k, nr), nr);
    return KmapResult::ok;
}

KmapResult kmap_local_page(Kernel& k, pfn_t page, uint64_t* addr) {
    if (!has_highmem(k) || !PageHighMem(k, page)) {
        *addr = page_address(k, page);
        return KmapResult::ok;
    }
    // __kmap_local_pfn_prot(): push a slot of this CPU's window and map it.
    KmapLocal& l = k.highmem.local[k.current_cpu];
    l.idx += 1;
    if (l.idx >= int32_t(KM_MAX_IDX)) {
        l.idx -= 1;
        report_vm_bug(k, "mm/highmem.c", 467, "__kmap_local_pfn_prot");
        return KmapResult::bug;
    }
    uint32_t idx = uint32_t(l.idx - 1);
    uint64_t vaddr = kmap_local_slot_addr(k.current_cpu, idx);
    l.pte[idx] = page;
    k.kpt.set(vaddr, page);
    *addr = vaddr;
    trace(k, TraceEventType::klab_kmap, vaddr, idx + KM_MAX_IDX * k.current_cpu);
    return KmapResult::ok;
}

KmapResult kunmap_local(Kernel& k, uint64_t vaddr) {
    if (!has_highmem(k)) return KmapResult::ok; // kunmap_flush_on_unmap() only
    uint64_t addr = vaddr & ~(kPage - 1);
    uint32_t cpu = k.current_cpu;
    uint64_t lo = kmap_local_slot_addr(uint32_t(k.cpus.size()) - 1, KM_MAX_IDX - 1);
    uint64_t hi = kmap_local_slot_addr(0, 0);
    if (addr < lo || addr > hi) {
        // A lowmem page's direct-map address: nothing to undo. A user address is a bug.
        if (!in_pkmap(k, addr) && addr < k.mm.page_offset)
            warn_once(k, kWarnUnmapUser, "mm/highmem.c", 604, "kunmap_local_indexed", 0);
        return KmapResult::ok;
    }
    KmapLocal& l = k.highmem.local[cpu];
    int32_t top = l.idx - 1;
    // Linux unmaps the most recent slot whatever address it was given, warning once if
    // that is not the address passed (an out-of-order unmap).
    if (addr != kmap_local_slot_addr(cpu, uint32_t(top < 0 ? 0 : top)) || top < 0)
        warn_once(k, kWarnUnmapOrder, "mm/highmem.c", 610, "kunmap_local_indexed", 0);
    if (top < 0) {
        // kmap_local_idx_pop() below zero.
        report_vm_bug(k, "mm/highmem.c", 479, "kunmap_local_indexed");
        return KmapResult::bug;
    }
    uint64_t top_addr = kmap_local_slot_addr(cpu, uint32_t(top));
    k.kpt.clear(top_addr);
    l.pte[uint32_t(top)] = NO_PFN;
    l.idx -= 1;
    trace(k, TraceEventType::klab_kunmap, top_addr, uint32_t(top) + KM_MAX_IDX * cpu);
    return KmapResult::ok;
}

void pagefault_disable(Kernel& k) {
    k.cpus[k.current_cpu].pagefault_disabled++;
}

void pagefault_enable(Kernel& k) {
    k.cpus[k.current_cpu].pagefault_disabled--; // Linux does not check for underflow either
}

bool pagefault_disabled(const Kernel& k) {
    return k.cpus[k.current_cpu].pagefault_disabled != 0;
}

bool faulthandler_disabled(const Kernel& k) {
    return pagefault_disabled(k) || in_atomic(k.cpus[k.current_cpu].preempt_count);
}

KmapResult kmap_atomic(Kernel& k, pfn_t page, uint64_t* addr) {
    preempt_disable(k);
    pagefault_disable(k);
    return kmap_local_page(k, page, addr);
}

KmapResult kunmap_atomic(Kernel& k, uint64_t addr) {
    KmapResult r = kunmap_local(k, addr);
    if (r != KmapResult::ok) return r;
    pagefault_enable(k);
    preempt_enable(k);
    return KmapResult::ok;
}

std::string check_highmem(const Kernel& k) {
    const HighmemState& h = k.highmem;
    for (uint32_t i = 0; i < h.pkmap_count.size(); ++i) {
        bool mapped = h.pkmap_page[i] != NO_PFN;
        if ((h.pkmap_count[i] > 0) != mapped) return "pkmap count and pte disagree";
        if (mapped) {
            if (k.kpt.lookup(pkmap_addr(k, i)) != h.pkmap_page[i]) return "pkmap pte wrong";
            auto it = h.page_address_map.find(h.pkmap_page[i]);
            if (it == h.page_address_map.end() || it->second != i)
                return "page_address_map disagrees with pkmap";
        }
    }
    for (uint32_t c = 0; c < h.local.size(); ++c) {
        const KmapLocal& l = h.local[c];
        if (l.idx < 0 || l.idx > int32_t(KM_MAX_IDX)) return "kmap_local idx out of range";
        for (uint32_t i = 0; i < KM_MAX_IDX; ++i) {
            bool used = int32_t(i) < l.idx;
            if (used != (l.pte[i] != NO_PFN)) return "kmap_local slot state wrong";
            if (has_highmem(k) && k.kpt.lookup(kmap_local_slot_addr(c, i)) != l.pte[i])
                return "kmap_local pte wrong";
        }
    }
    return "";
}

} // namespace klab
