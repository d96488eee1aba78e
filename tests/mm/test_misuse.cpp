// Random use and misuse of the API: whatever a student does, the allocator stays consistent
// (the checker runs after every call) and the lab does not crash.
#include "helpers.h"

#include <vector>

#include "mm/page_alloc.h"
#include "sched/context.h"

using namespace klab;
using namespace klab::test;

TEST_CASE("random calls, including bad ones, keep every invariant") {
    for (uint64_t start : {0x9e3779b97f4a7c15ull, 12345ull, 0xdeadbeefull})
        for (Arch arch : {Arch::x86_64, Arch::i386}) {
            CAPTURE(arch_name(arch));
            CAPTURE(start);
            Kernel k = boot(arch, 96ull << 20);
            std::vector<std::pair<pfn_t, uint32_t>> held;
            uint64_t seed = start;
            auto rnd = [&seed](uint64_t n) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                return seed % n;
            };
            const gfp_t masks[] = {GFP_KERNEL,
                                   GFP_ATOMIC,
                                   GFP_NOWAIT,
                                   GFP_HIGHUSER_MOVABLE,
                                   GFP_DMA,
                                   GFP_DMA32,
                                   GFP_KERNEL | __GFP_COMP,
                                   GFP_USER | __GFP_ZERO,
                                   GFP_KERNEL | __GFP_DMA | __GFP_HIGHMEM,
                                   GFP_KERNEL | __GFP_RECLAIMABLE};
            int locks = 0;
            for (int i = 0; i < 3000; ++i) {
                uint64_t op = rnd(100);
                if (op < 45) {
                    uint32_t order = rnd(10) == 0 ? uint32_t(rnd(14)) : uint32_t(rnd(6));
                    pfn_t p = alloc_pages(k, masks[rnd(10)] | __GFP_NOWARN, order);
                    if (p != NO_PFN) held.push_back({p, order});
                } else if (op < 80 && !held.empty()) {
                    size_t j = rnd(held.size());
                    uint32_t order = rnd(8) == 0 ? uint32_t(rnd(11)) : held[j].second;
                    __free_pages(k, held[j].first, order);
                    if (order == held[j].second) held.erase(held.begin() + long(j));
                } else if (op < 85) {
                    __free_pages(k, pfn_t(rnd(k.mm.max_pfn + 100)), uint32_t(rnd(4)));
                } else if (op < 88 && !held.empty()) {
                    get_page(k, held[rnd(held.size())].first);
                } else if (op < 91) {
                    free_pages(k, k.mm.page_offset + rnd(uint64_t(k.mm.max_pfn) << 12), 0);
                } else if (op < 94) {
                    k.current_cpu = uint32_t(rnd(k.cpus.size()));
                } else if (op < 97) {
                    if (locks && rnd(2)) {
                        spin_unlock(k);
                        --locks;
                    } else {
                        spin_lock(k);
                        ++locks;
                    }
                } else {
                    drain_all_pages(k);
                }
                std::string err = check_page_alloc(k);
                if (!err.empty()) {
                    FAIL("after step " << i << " (op " << op << "):\n" << err);
                    break;
                }
            }
            // The run exercised the allocator and its reports.
            CHECK(k.trace.written > 1000);
            CHECK(contains(dmesg(k), "kernel BUG at"));
            CHECK(contains(dmesg(k), "BUG: sleeping function called from invalid context"));
        }
}
