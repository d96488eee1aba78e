// /proc files of the modelled subsystems, rendered byte for byte in Linux 6.1's formats
// (mm/vmstat.c, fs/proc/meminfo.c, kernel/sysctl.c, kernel/module/procfs.c, fs/proc/version.c).
// Each renderer is a pure function of the kernel, each write handler a function of the kernel
// and the text written; one table (proc.cpp) names every file with its handlers, and
// proc_read()/proc_write() and Tab completion go through it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace klab {

struct Kernel;

std::string proc_buddyinfo(const Kernel& k);
std::string proc_pagetypeinfo(const Kernel& k);
std::string proc_zoneinfo(const Kernel& k);
std::string proc_meminfo(const Kernel& k);
std::string proc_slabinfo(const Kernel& k);
std::string proc_sys_vm_min_free_kbytes(const Kernel& k);
std::string proc_sys_vm_lowmem_reserve_ratio(const Kernel& k);
std::string proc_sys_vm_watermark_scale_factor(const Kernel& k);
std::string proc_cmdline(const Kernel& k);
std::string proc_modules(const Kernel& k);
std::string proc_version(const Kernel& k);
// utsname()->version as /proc/version and `uname -v` print it ("#1 SMP").
std::string uts_version();

// Write handlers (the sysctl handlers of mm/page_alloc.c, slabinfo_write()). Errors are
// echo-style messages ("write error: Invalid argument").
Result<void> min_free_kbytes_sysctl_handler(Kernel& k, std::string_view text);
Result<void> watermark_scale_factor_sysctl_handler(Kernel& k, std::string_view text);
Result<void> proc_slabinfo_write(Kernel& k, std::string_view text);

// One file under /proc.
struct ProcFile {
    std::string_view path;
    std::string (*read)(const Kernel&);
    Result<void> (*write)(Kernel&, std::string_view text) = nullptr; // null: read-only
    bool (*present)(const Kernel&) = nullptr; // null: every kernel has it
};
// The file at `path` in this kernel, or null.
const ProcFile* proc_file(const Kernel& k, std::string_view path);

// The paths of the table, sorted (for `ls`-like listings and tab completion).
std::vector<std::string_view> proc_paths();
// The file's text, or an error naming the path ("No such file or directory" as cat says it).
Result<std::string> proc_read(const Kernel& k, std::string_view path);
// Writing a sysctl (echo 4096 > /proc/sys/vm/min_free_kbytes): re-runs the watermark setup as
// the sysctl handlers do. Errors are cat/echo-style messages (invalid number, read-only file).
Result<void> proc_write(Kernel& k, std::string_view path, std::string_view text);

} // namespace klab
