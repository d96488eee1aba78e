// Machine presets and the parsing of their parameters (see config.h).
#include "core/config.h"

#include <charconv>

namespace klab {

MachineConfig MachineConfig::preset(Arch arch) {
    MachineConfig c;
    c.arch = arch;
    // i386: the textbook machine of the seeds, 1 GiB so that HighMem exists above 896 MiB.
    // x86_64: 6 GiB so that ZONE_NORMAL (above 4 GiB) is populated.
    c.mem_bytes = arch == Arch::i386 ? (1ull << 30) : (6ull << 30);
    c.nr_cpus = 2;
    return c;
}

Result<void> MachineConfig::validate() const {
    if (mem_bytes < kMinMemBytes || mem_bytes > kMaxMemBytes)
        return make_error("memory size " + format_mem_size(mem_bytes) +
                          " is outside the modelled range 64 MiB .. 16 GiB");
    if (mem_bytes % page_size() != 0)
        return make_error("memory size must be a whole number of pages");
    if (nr_cpus < 1 || nr_cpus > kMaxCpus)
        return make_error("CPU count " + std::to_string(nr_cpus) + " is outside 1 .. 64");
    return {};
}

const char* arch_name(Arch arch) {
    return arch == Arch::i386 ? "i386" : "x86_64";
}

const char* allocator_name(SlabAllocator a) {
    switch (a) {
    case SlabAllocator::slub: return "slub";
    case SlabAllocator::slab: return "slab";
    case SlabAllocator::slob: return "slob";
    }
    return "?";
}

Result<Arch> parse_arch(std::string_view s) {
    if (s == "i386" || s == "x86_32" || s == "i686") return Arch::i386;
    if (s == "x86_64" || s == "amd64") return Arch::x86_64;
    return make_error("unknown preset '" + std::string(s) + "' (expected i386 or x86_64)");
}

Result<SlabAllocator> parse_allocator(std::string_view s) {
    if (s == "slub") return SlabAllocator::slub;
    if (s == "slab") return SlabAllocator::slab;
    if (s == "slob") return SlabAllocator::slob;
    return make_error("unknown slab allocator '" + std::string(s) +
                      "' (expected slub, slab or slob)");
}

Result<uint64_t> parse_mem_size(std::string_view s) {
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || end == s.data())
        return make_error("bad memory size '" + std::string(s) + "'");
    std::string_view suffix(end, s.data() + s.size() - end);
    if (suffix == "iB" || suffix == "B") suffix = {};
    unsigned shift = 0;
    if (!suffix.empty()) {
        switch (suffix[0]) {
        case 'k':
        case 'K': shift = 10; break;
        case 'm':
        case 'M': shift = 20; break;
        case 'g':
        case 'G': shift = 30; break;
        default: return make_error("bad memory size suffix in '" + std::string(s) + "'");
        }
        std::string_view rest = suffix.substr(1);
        if (!(rest.empty() || rest == "iB" || rest == "B" || rest == "b"))
            return make_error("bad memory size suffix in '" + std::string(s) + "'");
    }
    if (shift && n > (UINT64_MAX >> shift)) return make_error("memory size too large");
    return n << shift;
}

std::string format_mem_size(uint64_t bytes) {
    if (bytes % (1ull << 30) == 0) return std::to_string(bytes >> 30) + " GiB";
    if (bytes % (1ull << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
    if (bytes % (1ull << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
    return std::to_string(bytes) + " B";
}

} // namespace klab
