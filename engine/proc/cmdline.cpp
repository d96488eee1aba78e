// /proc/cmdline (fs/proc/cmdline.c cmdline_proc_show()): saved_command_line and a newline.
// The model's command line is the options the machine was booted with (--cmdline, a lesson's
// `cmdline:`), without the BOOT_IMAGE= and root= a boot loader would put in front.
#include "machine/kernel.h"
#include "proc/proc.h"

namespace klab {

std::string proc_cmdline(const Kernel& k) {
    return k.config.cmdline + "\n";
}

} // namespace klab
