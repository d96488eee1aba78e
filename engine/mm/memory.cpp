// Sparse page contents and kernel-mode loads/stores on the direct map (see memory.h).
#include "mm/memory.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "machine/kernel.h"
#include "mm/page_alloc.h"
#include "mm/vmalloc.h"

namespace klab {

uint8_t PageContents::read_byte(pfn_t pfn, uint32_t off) const {
    auto it = frames.find(pfn);
    return it == frames.end() ? 0 : (*it->second)[off];
}

void PageContents::read(pfn_t pfn, uint32_t off, uint8_t* out, uint32_t len) const {
    auto it = frames.find(pfn);
    if (it == frames.end())
        std::memset(out, 0, len);
    else
        std::memcpy(out, it->second->data() + off, len);
}

void PageContents::write(pfn_t pfn, uint32_t off, const uint8_t* in, uint32_t len) {
    std::shared_ptr<Frame>& f = frames[pfn];
    if (!f)
        f = std::make_shared<Frame>(Frame{});
    else if (f.use_count() > 1)
        f = std::make_shared<Frame>(*f); // copy-on-write after a snapshot
    std::memcpy(f->data() + off, in, len);
}

void PageContents::zero(pfn_t pfn, uint32_t nr_pages) {
    if (frames.empty()) return;
    for (uint32_t i = 0; i < nr_pages; ++i) frames.erase(pfn + i);
}

namespace {

MemFault classify(const Kernel& k, uint64_t addr, bool write) {
    MemFault f;
    f.address = addr;
    f.write = write;
    if (addr < k.config.page_size())
        f.kind = FaultKind::null_deref;
    else if (addr < k.mm.page_offset && k.config.arch == Arch::i386)
        f.kind = FaultKind::user_address;
    else if (k.config.arch == Arch::x86_64 && addr < 0x0000800000000000ull)
        f.kind = FaultKind::user_address;
    else
        f.kind = FaultKind::not_present;
    return f;
}

// Walk [vaddr, vaddr+len) page by page; fn(pfn, offset, chunk, done) for each piece.
template <typename Fn>
MemFault for_each_chunk(const Kernel& k, uint64_t vaddr, uint32_t len, bool write, Fn fn) {
    // Check the whole range first so that a faulting access changes nothing.
    for (uint64_t a = vaddr; a < vaddr + len; a = (a | 0xfff) + 1)
        if (kernel_translate(k, a) == NO_PFN) return classify(k, a, write);
    uint32_t done = 0;
    while (done < len) {
        uint64_t a = vaddr + done;
        uint32_t off = uint32_t(a & 0xfff);
        uint32_t chunk = std::min<uint32_t>(len - done, 4096 - off);
        fn(kernel_translate(k, a), off, chunk, done);
        done += chunk;
    }
    return {};
}

} // namespace

MemFault kernel_read(const Kernel& k, uint64_t vaddr, void* out, uint32_t len) {
    auto* dst = static_cast<uint8_t*>(out);
    return for_each_chunk(k, vaddr, len, false, [&](pfn_t p, uint32_t off, uint32_t n, uint32_t d) {
        if (p == kIoPfn)
            std::memset(dst + d, 0, n); // device memory behind ioremap: nothing modelled
        else
            k.mm.contents.read(p, off, dst + d, n);
    });
}

namespace {

// The store itself; `guest` marks the frames written (a store by KernelC code).
MemFault write_frames(Kernel& k, uint64_t vaddr, const void* in, uint32_t len, bool guest) {
    const auto* src = static_cast<const uint8_t*>(in);
    return for_each_chunk(k, vaddr, len, true, [&](pfn_t p, uint32_t off, uint32_t n, uint32_t d) {
        if (p == kIoPfn) return; // device memory behind ioremap ignores writes
        k.mm.contents.write(p, off, src + d, n);
        if (guest && p < k.mm.mem_map.size()) k.mm.mem_map[p].guest_written = 1;
    });
}

} // namespace

MemFault kernel_write(Kernel& k, uint64_t vaddr, const void* in, uint32_t len) {
    return write_frames(k, vaddr, in, len, false);
}

MemFault guest_write(Kernel& k, uint64_t vaddr, const void* in, uint32_t len) {
    return write_frames(k, vaddr, in, len, true);
}

void report_kernel_fault(Kernel& k, const MemFault& f) {
    char buf[160];
    int w = int(k.config.pointer_bytes() * 2);
    if (f.kind == FaultKind::null_deref)
        std::snprintf(buf, sizeof buf, "BUG: kernel NULL pointer dereference, address: %0*llx", w,
                      (unsigned long long)f.address);
    else
        std::snprintf(buf, sizeof buf, "BUG: unable to handle page fault for address: %0*llx", w,
                      (unsigned long long)f.address);
    printk(k, LogLevel::alert, buf);
    std::snprintf(buf, sizeof buf, "#PF: supervisor %s access in kernel mode",
                  f.write ? "write" : "read");
    printk(k, LogLevel::alert, buf);
    // error_code bits: P (1) is clear for not-present; W (2) for writes. SMAP faults on user
    // addresses are protection violations of a present page in Linux, but the model has no
    // user page tables yet, so every fault is reported as not-present.
    std::snprintf(buf, sizeof buf, "#PF: error_code(0x%04x) - not-present page", f.write ? 2 : 0);
    printk(k, LogLevel::alert, buf);
}

} // namespace klab
