// Physical page contents and kernel virtual addresses: models the direct map
// (arch/x86/include/asm/page.h __va/__pa, virt_to_page) and what a load or store through it
// sees. Contents are stored sparsely, one 4 KiB buffer per page that was ever written, shared
// copy-on-write between snapshots. Simplifications: no page tables (the direct map is a
// fixed offset; vmalloc/pkmap/fixmap addresses use the page table of mm/vmalloc.h), no
// DEBUG_PAGEALLOC (free pages stay readable).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "mm/mmzone.h"

namespace klab {

struct Kernel;

struct PageContents {
    using Frame = std::array<uint8_t, 4096>;
    std::unordered_map<pfn_t, std::shared_ptr<Frame>> frames;

    // Never-written frames read as zero (firmware cleared RAM in the model).
    uint8_t read_byte(pfn_t pfn, uint32_t off) const;
    void read(pfn_t pfn, uint32_t off, uint8_t* out, uint32_t len) const;
    void write(pfn_t pfn, uint32_t off, const uint8_t* in, uint32_t len);
    void zero(pfn_t pfn, uint32_t nr_pages); // __GFP_ZERO / clear_page
};

// Why a kernel-mode access faulted; the caller (the KernelC VM) turns it into an oops.
enum class FaultKind : uint8_t {
    none,
    null_deref,   // address below PAGE_SIZE: "BUG: kernel NULL pointer dereference"
    not_present,  // an address nothing maps: "BUG: unable to handle page fault"
    user_address, // a user-space address touched without copy_from_user (x86 SMAP)
};

struct MemFault {
    FaultKind kind = FaultKind::none;
    uint64_t address = 0; // the first faulting byte
    bool write = false;
    explicit operator bool() const { return kind != FaultKind::none; }
};

// Loads and stores at kernel virtual addresses, as the CPU would do them in kernel mode.
// A faulting access changes nothing and returns the fault (nothing is logged here).
MemFault kernel_read(const Kernel& k, uint64_t vaddr, void* out, uint32_t len);
MemFault kernel_write(Kernel& k, uint64_t vaddr, const void* in, uint32_t len);
// A store by KernelC code (the VM or a string builtin on its behalf): kernel_write, and the
// frames it wrote are marked page::guest_written.
MemFault guest_write(Kernel& k, uint64_t vaddr, const void* in, uint32_t len);
// Print the first lines of the x86 page-fault oops for a fault (arch/x86/mm/fault.c
// page_fault_oops(): "BUG: kernel NULL pointer dereference, address: ...", "#PF: ...").
// Killing the task is left to the caller (no tasks yet).
void report_kernel_fault(Kernel& k, const MemFault& f);

} // namespace klab
