// /proc files of the modelled subsystems, rendered byte for byte in Linux 6.1's formats
// (mm/vmstat.c, fs/proc/meminfo.c, kernel/sysctl.c). Each renderer is a pure function of the
// kernel; proc_read() dispatches by path for the console's `cat`.
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

// The paths proc_read() knows, sorted (for `ls`-like listings and tab completion).
std::vector<std::string_view> proc_paths();
// The file's text, or an error naming the path ("No such file or directory" as cat says it).
Result<std::string> proc_read(const Kernel& k, std::string_view path);
// Writing a sysctl (echo 4096 > /proc/sys/vm/min_free_kbytes): re-runs the watermark setup as
// the sysctl handlers do. Errors are cat/echo-style messages (invalid number, read-only file).
Result<void> proc_write(Kernel& k, std::string_view path, std::string_view text);

} // namespace klab
