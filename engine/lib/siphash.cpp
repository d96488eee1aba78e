// SipHash-2-4 (Aumasson and Bernstein's published algorithm) for single words.
#include "lib/siphash.h"

namespace klab {

namespace {

inline uint64_t rotl(uint64_t x, int b) {
    return (x << b) | (x >> (64 - b));
}

struct State {
    uint64_t v0, v1, v2, v3;
    void round() {
        v0 += v1;
        v1 = rotl(v1, 13);
        v1 ^= v0;
        v0 = rotl(v0, 32);
        v2 += v3;
        v3 = rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = rotl(v1, 17);
        v1 ^= v2;
        v2 = rotl(v2, 32);
    }
};

// Hashes one 8-byte message block followed by the length block, as SipHash pads messages.
uint64_t sip_words(uint64_t first, bool has_first, uint64_t last, const SipKey& key) {
    State s{key.k0 ^ 0x736f6d6570736575ull, key.k1 ^ 0x646f72616e646f6dull,
            key.k0 ^ 0x6c7967656e657261ull, key.k1 ^ 0x7465646279746573ull};
    auto compress = [&](uint64_t m) {
        s.v3 ^= m;
        s.round();
        s.round();
        s.v0 ^= m;
    };
    if (has_first) compress(first);
    compress(last);
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; i++) s.round();
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

} // namespace

uint64_t siphash_1u64(uint64_t word, const SipKey& key) {
    return sip_words(word, true, uint64_t{8} << 56, key);
}

uint64_t siphash_1u32(uint32_t word, const SipKey& key) {
    return sip_words(0, false, (uint64_t{4} << 56) | word, key);
}

SipKey sipkey_from_seed(uint64_t seed) {
    auto next = [&seed]() {
        uint64_t z = (seed += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    };
    SipKey k;
    k.k0 = next();
    k.k1 = next();
    return k;
}

} // namespace klab
