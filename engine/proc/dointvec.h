// The write side of proc_dointvec_minmax() (kernel/sysctl.c __do_proc_dointvec,
// proc_get_long, do_proc_dointvec_conv) for an int array sysctl without bounds: what a write
// at offset 0 stores. Pure parsing, no kernel state; the sysctl handlers call it first, as
// theirs call proc_dointvec_minmax().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace klab {

// Parse whitespace-separated integers (strtoul base 0: 10, 0x1f, 017; a leading '-') into
// vals[0..n) in order, stopping at the first malformed one or one outside int; values not
// reached keep their old contents. Returns how many were stored. Linux's handler goes on
// with what was stored even when the parse failed (lowmem_reserve_ratio ignores the error).
size_t proc_dointvec_write(std::string_view text, int32_t* vals, size_t n);

} // namespace klab
