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

struct ProcFile {
    const char* path;
    std::string (*read)(const Kernel&);
};

// Every readable file, in the order `ls` would list them. New subsystems add a line here.
const ProcFile kProcFiles[] = {
    {"/proc/buddyinfo", proc_buddyinfo},
    {"/proc/meminfo", proc_meminfo},
    {"/proc/pagetypeinfo", proc_pagetypeinfo},
    {"/proc/slabinfo", proc_slabinfo},
    {"/proc/sys/vm/lowmem_reserve_ratio", proc_sys_vm_lowmem_reserve_ratio},
    {"/proc/sys/vm/min_free_kbytes", proc_sys_vm_min_free_kbytes},
    {"/proc/sys/vm/watermark_scale_factor", proc_sys_vm_watermark_scale_factor},
    {"/proc/vmallocinfo", proc_vmallocinfo},
    {"/proc/zoneinfo", proc_zoneinfo},
};

} // namespace

std::vector<std::string_view> proc_paths() {
    std::vector<std::string_view> out;
    for (const ProcFile& f : kProcFiles) out.push_back(f.path);
    return out;
}

Result<std::string> proc_read(const Kernel& k, std::string_view path) {
    // 6.1 has /proc/slabinfo only with SLAB or SLUB_DEBUG: not under SLOB.
    const bool absent = path == "/proc/slabinfo" && k.slab.allocator == SlabAllocator::slob;
    for (const ProcFile& f : kProcFiles)
        if (path == f.path && !absent) return f.read(k);
    return make_error("cat: " + std::string(path) + ": No such file or directory");
}

static Result<int64_t> parse_int(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size())
        return make_error("write error: Invalid argument");
    return v;
}

Result<void> proc_write(Kernel& k, std::string_view path, std::string_view text) {
    if (path == "/proc/sys/vm/min_free_kbytes") {
        Result<int64_t> v = parse_int(text);
        if (!v.ok()) return v.error();
        if (v.value() < 0 || v.value() > INT32_MAX)
            return make_error("write error: Invalid argument");
        // The handler keeps the value as the user's choice and recomputes the watermarks.
        k.mm.min_free_kbytes = int32_t(v.value());
        k.mm.user_min_free_kbytes = int32_t(v.value());
        setup_per_zone_wmarks(k);
        return {};
    }
    if (path == "/proc/sys/vm/watermark_scale_factor") {
        Result<int64_t> v = parse_int(text);
        if (!v.ok()) return v.error();
        if (v.value() < 1 || v.value() > 3000) // extra1 = SYSCTL_ONE, extra2 = 3000
            return make_error("write error: Invalid argument");
        k.mm.watermark_scale_factor = int32_t(v.value());
        setup_per_zone_wmarks(k);
        return {};
    }
    if (path == "/proc/sys/vm/lowmem_reserve_ratio")
        return lowmem_reserve_ratio_sysctl_handler(k, text);
    if (path == "/proc/slabinfo" && k.slab.allocator != SlabAllocator::slob) {
        // slabinfo_write(): SLAB tunes, SLUB answers -EIO.
        std::string t(text);
        while (!t.empty() && t.back() == '\n') t.pop_back();
        int err = slabinfo_write(k, t);
        if (err == -5) return make_error("write error: Input/output error");
        if (err == -12) return make_error("write error: Cannot allocate memory");
        if (err) return make_error("write error: Invalid argument");
        return {};
    }
    if (proc_read(k, path).ok())
        return make_error(std::string(path) + ": Permission denied");
    return make_error(std::string(path) + ": No such file or directory");
}

} // namespace klab
