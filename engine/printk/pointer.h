// What %p prints for a kernel pointer in the model's own reports (dump_page(), trace output):
// lib/vsprintf.c ptr_to_id() with the machine's key, or the raw value when the command line
// has no_hash_pointers -- the same ids KernelC's printk("%p") prints (lib/vsprintf.h).
#pragma once

#include <cstdint>

#include "lib/vsprintf.h"

namespace klab {

struct Kernel;

// The printf target of the machine (pointer width, hashing key, no_hash_pointers).
PrintfTarget kernel_printf_target(const Kernel& k);
// The value %p prints for ptr (NULL and error pointers print as themselves).
uint64_t printk_pointer_id(const Kernel& k, uint64_t ptr);

} // namespace klab
