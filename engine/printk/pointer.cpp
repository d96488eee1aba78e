// %p ids for the model's reports (see pointer.h).
#include "printk/pointer.h"

#include <string>

#include "machine/kernel.h"

namespace klab {

PrintfTarget kernel_printf_target(const Kernel& k) {
    PrintfTarget t;
    t.long_bytes = k.config.pointer_bytes();
    t.pointer_bytes = k.config.pointer_bytes();
    t.phys_addr_bytes = k.config.pointer_bytes(); // no PAE on the i386 preset
    t.ptr_key = sipkey_from_seed(k.config.seed);
    // The boot option as a whole word of the command line (early_param in lib/vsprintf.c).
    std::string cmd = " " + k.config.cmdline + " ";
    // kmem_cache_init() turns hashing off when slub_debug is enabled.
    t.no_hash_pointers = cmd.find(" no_hash_pointers ") != std::string::npos ||
                         slub_debug_cmdline_enabled(k.config.cmdline);
    return t;
}

uint64_t printk_pointer_id(const Kernel& k, uint64_t ptr) {
    PrintfTarget t = kernel_printf_target(k);
    uint64_t err_start = t.pointer_bytes == 8 ? uint64_t(-4095) : uint64_t(uint32_t(-4095));
    if (ptr == 0 || ptr >= err_start || t.no_hash_pointers) return ptr;
    return hashed_pointer(ptr, t);
}

} // namespace klab
