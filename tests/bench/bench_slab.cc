// Slab benchmark (not a timed test): kmalloc+kfree pairs per second for sizes <= 256 bytes
// with trace events recorded (the CPU-slab fast path, as a driver's alloc/free loop hits it),
// a churn pattern that crosses slabs (CPU partial and node partial lists, new slabs), and
// kmem_cache_alloc/free; median of several runs. `bench_slab slab` runs it on a machine booted
// with classic SLAB (array caches instead of the CPU slab).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "machine/kernel.h"
#include "slab/check.h"
#include "slab/slab.h"

using namespace klab;

namespace {

template <typename Fn>
double median_rate(int runs, uint64_t pairs, Fn fn) {
    std::vector<double> rates;
    for (int r = 0; r < runs; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        fn(pairs);
        auto t1 = std::chrono::steady_clock::now();
        rates.push_back(double(pairs) / std::chrono::duration<double>(t1 - t0).count());
    }
    std::sort(rates.begin(), rates.end());
    return rates[rates.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    MachineConfig config = MachineConfig::preset(Arch::x86_64);
    if (argc > 1) {
        Result<SlabAllocator> a = parse_allocator(argv[1]);
        if (!a.ok()) return 2;
        config.allocator = a.value();
    }
    std::printf("allocator: %s\n", allocator_name(config.allocator));
    Result<Kernel> r = Kernel::boot(config);
    if (!r.ok()) return 1;
    Kernel k = std::move(r).value();
    SlabCtx cx;
    cx.caller = 0xffffffffc0000100ull;
    const uint64_t sizes[] = {8, 32, 64, 100, 128, 192, 256};
    double fast = median_rate(5, 2'000'000, [&](uint64_t n) {
        for (uint64_t i = 0; i < n; ++i) {
            uint64_t p = kmalloc(k, sizes[i % 7], GFP_KERNEL, cx);
            kfree(k, p, cx);
        }
    });
    std::printf("kmalloc+kfree (8..256 bytes, fast path, events on): %.2f M pairs/s\n", fast / 1e6);
    std::vector<uint64_t> live(4096);
    double churn = median_rate(5, 1'000'000, [&](uint64_t n) {
        uint64_t x = 7;
        for (uint64_t i = 0; i < n; ++i) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            uint64_t& slot = live[(x >> 33) % live.size()];
            if (slot) kfree(k, slot, cx);
            slot = kmalloc(k, 1 + (x >> 20) % 256, GFP_KERNEL, cx);
        }
    });
    std::printf("kmalloc+kfree churn over 4096 live objects (1..256 bytes): %.2f M pairs/s\n",
                churn / 1e6);
    uint64_t c = kmem_cache_create(k, "bench", 72, 0, SLAB_HWCACHE_ALIGN, 0, cx);
    double cache = median_rate(5, 2'000'000, [&](uint64_t n) {
        for (uint64_t i = 0; i < n; ++i) kmem_cache_free(k, c, kmem_cache_alloc(k, c, GFP_KERNEL, cx), cx);
    });
    std::printf("kmem_cache_alloc+free (72 bytes): %.2f M pairs/s\n", cache / 1e6);
    std::printf("trace events written: %llu\n", (unsigned long long)k.trace.written);
    std::string err = check_slab_caches(k);
    std::printf("checker: %s\n", err.empty() ? "ok" : err.c_str());
    return err.empty() ? 0 : 1;
}
