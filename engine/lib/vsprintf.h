// The kernel's printf: models lib/vsprintf.c as printk and snprintf use it. Integer
// conversions with flags/width/precision and the hh/h/l/ll/z/t qualifiers (sized by the
// target: long is 32-bit on i386), %c %s %%, and the pointer extensions the lab needs: %p
// (hashed id), %px (raw), %pK (hashed: kptr_restrict=0), %pa (phys_addr_t by reference),
// %pGg (gfp flags), %pS/%ps (symbol). Simplifications: other %p extensions print the hashed
// id; no floating point (the kernel has none either).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lib/siphash.h"

namespace klab {

struct PrintfTarget {
    uint32_t long_bytes = 8;
    uint32_t pointer_bytes = 8;
    uint32_t phys_addr_bytes = 8;
    SipKey ptr_key;
    bool no_hash_pointers = false; // the no_hash_pointers boot option: %p prints raw
};

// Where the arguments come from: the KernelC call's argument list and simulated memory.
class PrintfArgs {
public:
    virtual ~PrintfArgs() = default;
    // The next variadic argument (0 when the caller passed too few, as garbage would be).
    virtual uint64_t next() = 0;
    // The NUL-terminated string at addr, at most max bytes; false if it faults.
    virtual bool string_at(uint64_t addr, uint32_t max, std::string& out) = 0;
    // n bytes (little-endian) at addr; false if it faults.
    virtual bool read_at(uint64_t addr, uint32_t n, uint64_t& out) = 0;
    // "name+0x1c/0x100 [module]" for a code address, or "" if unknown.
    virtual std::string symbol(uint64_t addr, bool with_offset) = 0;
    // %pGg names for a gfp mask.
    virtual std::string gfp_names(uint32_t gfp) = 0;
};

std::string kvsprintf(std::string_view fmt, PrintfArgs& args, const PrintfTarget& t);

// The id %p prints for a pointer on this target (NULL and error pointers print raw).
uint64_t hashed_pointer(uint64_t ptr, const PrintfTarget& t);

} // namespace klab
