// High memory mappings: models mm/highmem.c (kmap_high's pkmap slots, flush_all_zero_pkmaps,
// kunmap_high; __kmap_local_pfn_prot/kunmap_local_indexed with per-CPU fixmap slots) and
// include/linux/highmem-internal.h (kmap, kmap_atomic, kmap_local_page and their unmaps, for
// HIGHMEM on i386 and without it on x86_64). Simplifications: one pkmap colour; the kmap_local
// slot stack is kept per CPU, which is per task while each CPU runs one placeholder task; a
// kmap() that would wait for a free pkmap slot cannot be woken on the single-threaded
// console (the caller reports it as a hung task). kmap_atomic() disables preemption and page
// faults (current->pagefault_disabled, include/linux/uaccess.h), kunmap_atomic() enables them
// in the reverse order, as 6.1 does; kmap_local_page() only disables migration in 6.1, which
// the model does not track (one placeholder task per CPU never migrates). A fault taken with
// page faults disabled gives the same oops as any other kernel fault in the model: Linux
// handles faults (demand paging of user memory) that the model never handles, and the
// exception-table fixups of copy_from_user()/__get_user() are not modelled.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <vector>

#include "mm/mmzone.h"

namespace klab {

struct Kernel;

inline constexpr uint32_t LAST_PKMAP = 1024; // no PAE
inline constexpr uint32_t KM_MAX_IDX = 16;   // kmap_local slots per CPU (no DEBUG_KMAP_LOCAL)
// enum fixed_addresses on the modelled i386 config: FIX_HOLE, FIX_DBGP_BASE,
// FIX_EARLYCON_MEM_BASE, FIX_APIC_BASE, FIX_IO_APIC_BASE_0 .. +MAX_IO_APICS(64)-1.
inline constexpr uint32_t FIX_KMAP_BEGIN = 68;

struct KmapLocal {
    int32_t idx = 0;                     // current->kmap_ctrl.idx
    std::array<pfn_t, KM_MAX_IDX> pte{}; // the frame in each slot (NO_PFN = pte_none)
};

struct HighmemState {
    std::vector<int32_t> pkmap_count;           // LAST_PKMAP entries on i386, empty without HIGHMEM
    std::vector<pfn_t> pkmap_page;              // the frame each pkmap pte maps (NO_PFN = none)
    std::map<pfn_t, uint32_t> page_address_map; // page_address_htable: page -> pkmap slot
    uint32_t last_pkmap_nr = 0;
    uint64_t pkmap_flushes = 0;   // flush_all_zero_pkmaps() runs (one TLB flush each)
    uint64_t pkmap_base = 0;      // PKMAP_BASE
    std::vector<KmapLocal> local; // per CPU
};

void highmem_init(Kernel& k);

// PKMAP_BASE: the 4 MiB pkmap window sits in the last whole PMD below the fixmap, whose
// kmap_local part grows with the CPU count (Linux also leaves room for the LDT and the
// cpu_entry_area there, which the model does not lay out). 2 CPUs: 0xff800000, as in the
// classic i386 boot banner "pkmap : 0xff800000 - 0xffc00000".
uint64_t i386_pkmap_base(uint32_t nr_cpus);
// Addresses of the pkmap and kmap_local windows (i386).
uint64_t pkmap_addr(const Kernel& k, uint32_t nr);
uint64_t kmap_local_slot_addr(uint32_t cpu, uint32_t idx);

// page_address() including pkmap'ed highmem pages (0 for an unmapped highmem page).
uint64_t page_address_hm(const Kernel& k, pfn_t page);

// What a call did: bug means a BUG() reported through arch/x86/traps.h and killed current;
// would_sleep_forever, that the task would wait in D state for a pkmap slot forever.
enum class KmapResult : uint8_t { ok, bug, would_sleep_forever };

// kmap(): may sleep. Lowmem pages (every page on x86_64) return their direct-map address.
KmapResult kmap(Kernel& k, pfn_t page, uint64_t* addr);
KmapResult kunmap(Kernel& k, pfn_t page);
// kmap_atomic(): preempt_disable + a kmap_local slot. kmap_local_page(): the slot only.
KmapResult kmap_atomic(Kernel& k, pfn_t page, uint64_t* addr);
KmapResult kunmap_atomic(Kernel& k, uint64_t addr);
KmapResult kmap_local_page(Kernel& k, pfn_t page, uint64_t* addr);
KmapResult kunmap_local(Kernel& k, uint64_t addr);

// pagefault_disable()/pagefault_enable()/pagefault_disabled() of the current task, and
// faulthandler_disabled() = pagefault_disabled() || in_atomic().
void pagefault_disable(Kernel& k);
void pagefault_enable(Kernel& k);
bool pagefault_disabled(const Kernel& k);
bool faulthandler_disabled(const Kernel& k);

// Invariants: each pkmap slot's count agrees with its pte and page_address_map; kmap_local
// slots above idx are empty. "" or the first broken rule.
std::string check_highmem(const Kernel& k);

} // namespace klab
