// Machine configuration: the presets a student can boot (i386 "textbook" and x86_64) and the
// parameters they may change (RAM, CPUs, slab allocator, kernel command line, PRNG seed).
// Models the handful of Kconfig/boot facts the lab needs; everything else is fixed per preset.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace klab {

enum class Arch : uint8_t { i386, x86_64 };
enum class SlabAllocator : uint8_t { slub, slab, slob };

struct MachineConfig {
    Arch arch = Arch::x86_64;
    uint64_t mem_bytes = 6ull << 30;
    uint32_t nr_cpus = 2;
    SlabAllocator allocator = SlabAllocator::slub;
    std::string cmdline; // kernel boot options, e.g. "slab_nomerge slub_debug=FZP"
    uint64_t seed = 1;   // the one PRNG inside the kernel

    // Fixed per architecture (the lab models no PAE and no 5-level paging).
    uint32_t page_shift() const { return 12; }
    uint64_t page_size() const { return 1ull << page_shift(); }
    uint32_t hz() const { return arch == Arch::i386 ? 100 : 250; }
    uint32_t pointer_bytes() const { return arch == Arch::i386 ? 4 : 8; }
    // i386: PAGE_OFFSET (3G/1G split). x86_64: the direct map base without KASLR.
    uint64_t page_offset() const {
        return arch == Arch::i386 ? 0xC0000000ull : 0xffff888000000000ull;
    }
    uint64_t nr_pages() const { return mem_bytes >> page_shift(); }

    static MachineConfig preset(Arch arch);
    // Rejects values outside what the lab models (64 MiB .. 16 GiB, 1 .. 64 CPUs).
    Result<void> validate() const;
};

inline constexpr uint64_t kMinMemBytes = 64ull << 20;
inline constexpr uint64_t kMaxMemBytes = 16ull << 30;
inline constexpr uint32_t kMaxCpus = 64;

const char* arch_name(Arch arch);
const char* allocator_name(SlabAllocator a);
Result<Arch> parse_arch(std::string_view s);
Result<SlabAllocator> parse_allocator(std::string_view s);
// "1G", "512M", "65536K", "1073741824" (suffixes are binary: K = 1024).
Result<uint64_t> parse_mem_size(std::string_view s);
// "1 GiB", "512 MiB", "6 GiB": how the front end and the CLI print a RAM size.
std::string format_mem_size(uint64_t bytes);

} // namespace klab
