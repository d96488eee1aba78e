// SipHash-2-4 of one 64-bit or 32-bit word: models lib/siphash.c siphash_1u64/siphash_1u32,
// which lib/vsprintf.c uses to turn a pointer into the id that %p prints. The key comes from
// the machine's seed, so the same seed prints the same ids (Linux uses a random boot key).
#pragma once

#include <cstdint>

namespace klab {

struct SipKey {
    uint64_t k0 = 0, k1 = 0;
};

uint64_t siphash_1u64(uint64_t word, const SipKey& key);
uint64_t siphash_1u32(uint32_t word, const SipKey& key);
// A key derived from a seed with splitmix64 (the same seed gives the same key).
SipKey sipkey_from_seed(uint64_t seed);

} // namespace klab
