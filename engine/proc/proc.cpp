// proc_read()/proc_write() dispatch and the vm sysctls (kernel/sysctl.c, mm/page_alloc.c
// min_free_kbytes_sysctl_handler(), lowmem_reserve_ratio_sysctl_handler(),
// watermark_scale_factor_sysctl_handler()), and slabinfo_write() for /proc/slabinfo (absent
// under SLOB, as in 6.1 without SLAB or SLUB_DEBUG).
#include "proc/proc.h"

#include <charconv>
#include <cstdio>

#include "machine/kernel.h"
#include "mm/internal.h"
#include "mm/vmalloc.h"

namespace klab {

std::string proc_sys_vm_min_free_kbytes(const Kernel& k) {
    return std::to_string(k.mm.min_free_kbytes) + "\n";
}

std::string proc_sys_vm_watermark_scale_factor(const Kernel& k) {
    return std::to_string(k.mm.watermark_scale_factor) + "\n";
}

std::string proc_sys_vm_lowmem_reserve_ratio(const Kernel& k) {
    // proc_dointvec_minmax prints the MAX_NR_ZONES values separated by tabs.
    std::string s;
    for (size_t i = 0; i < k.mm.zones.size(); ++i) {
        if (i) s += '\t';
        s += std::to_string(k.mm.lowmem_reserve_ratio[i]);
    }
    return s + "\n";
}

namespace {

// 6.1 has /proc/slabinfo only with SLAB or SLUB_DEBUG: not under SLOB.
bool has_slabinfo(const Kernel& k) {
    return k.slab.allocator != SlabAllocator::slob;
}

// Every file, in the order `ls` would list them: its path, how it reads, how a write is
// handled (null: read-only), and whether this kernel has it (null: always). A new file is a
// row here plus its renderer (and handler); `cat`, the filters, `echo >` and Tab completion
// all go through this table.
const ProcFile kProcFiles[] = {
    {"/proc/buddyinfo", proc_buddyinfo},
    {"/proc/cmdline", proc_cmdline},
    {"/proc/meminfo", proc_meminfo},
    {"/proc/modules", proc_modules},
    {"/proc/pagetypeinfo", proc_pagetypeinfo},
    {"/proc/slabinfo", proc_slabinfo, proc_slabinfo_write, has_slabinfo},
    {"/proc/sys/vm/lowmem_reserve_ratio", proc_sys_vm_lowmem_reserve_ratio,
     lowmem_reserve_ratio_sysctl_handler},
    {"/proc/sys/vm/min_free_kbytes", proc_sys_vm_min_free_kbytes, min_free_kbytes_sysctl_handler},
    {"/proc/sys/vm/watermark_scale_factor", proc_sys_vm_watermark_scale_factor,
     watermark_scale_factor_sysctl_handler},
    {"/proc/version", proc_version},
    {"/proc/vmallocinfo", proc_vmallocinfo},
    {"/proc/zoneinfo", proc_zoneinfo},
};

} // namespace

const ProcFile* proc_file(const Kernel& k, std::string_view path) {
    for (const ProcFile& f : kProcFiles)
        if (path == f.path) return !f.present || f.present(k) ? &f : nullptr;
    return nullptr;
}

std::vector<std::string_view> proc_paths() {
    std::vector<std::string_view> out;
    for (const ProcFile& f : kProcFiles) out.push_back(f.path);
    return out;
}

Result<std::string> proc_read(const Kernel& k, std::string_view path) {
    if (const ProcFile* f = proc_file(k, path)) return f->read(k);
    return make_error("cat: " + std::string(path) + ": No such file or directory");
}

Result<void> proc_write(Kernel& k, std::string_view path, std::string_view text) {
    const ProcFile* f = proc_file(k, path);
    if (!f) return make_error(std::string(path) + ": No such file or directory");
    if (!f->write) return make_error(std::string(path) + ": Permission denied");
    return f->write(k, text);
}

static Result<int64_t> parse_int(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size())
        return make_error("write error: Invalid argument");
    return v;
}

// The handler keeps the value as the user's choice and recomputes the watermarks.
Result<void> min_free_kbytes_sysctl_handler(Kernel& k, std::string_view text) {
    Result<int64_t> v = parse_int(text);
    if (!v.ok()) return v.error();
    if (v.value() < 0 || v.value() > INT32_MAX) return make_error("write error: Invalid argument");
    k.mm.min_free_kbytes = int32_t(v.value());
    k.mm.user_min_free_kbytes = int32_t(v.value());
    setup_per_zone_wmarks(k);
    return {};
}

Result<void> watermark_scale_factor_sysctl_handler(Kernel& k, std::string_view text) {
    Result<int64_t> v = parse_int(text);
    if (!v.ok()) return v.error();
    if (v.value() < 1 || v.value() > 3000) // extra1 = SYSCTL_ONE, extra2 = 3000
        return make_error("write error: Invalid argument");
    k.mm.watermark_scale_factor = int32_t(v.value());
    setup_per_zone_wmarks(k);
    return {};
}

// slabinfo_write(): SLAB tunes, SLUB answers -EIO.
Result<void> proc_slabinfo_write(Kernel& k, std::string_view text) {
    std::string t(text);
    while (!t.empty() && t.back() == '\n') t.pop_back();
    int err = slabinfo_write(k, t);
    if (err == -5) return make_error("write error: Input/output error");
    if (err == -12) return make_error("write error: Cannot allocate memory");
    if (err) return make_error("write error: Invalid argument");
    return {};
}

} // namespace klab
