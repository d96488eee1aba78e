// The slab checker sees a damaged slab list (the handle-based list of engine/lib/list.h under
// SLUB's cpu partial and node lists): a stale count, a broken back link.
#include "helpers.h"

using namespace klab;
using namespace klab::test;

TEST_CASE("check_slab_caches: a cpu partial list's stale count and broken back link are reported") {
    Kernel k = boot_slab();
    SlabCtx cx;
    std::vector<uint64_t> objs;
    for (int i = 0; i < 64 * 3; ++i) objs.push_back(kmalloc(k, 64, GFP_KERNEL, cx));
    kfree(k, objs[0], cx);  // the first slab goes to the cpu partial list
    kfree(k, objs[64], cx); // and the second, at its head
    uint32_t id = cache_by_name(k, "kmalloc-64");
    SlabQueue& q = k.slab.caches[id].cpu_slab[0].partial;
    REQUIRE(q.count == 2);
    CHECK_SLAB(k);
    q.count = 3;
    CHECK(contains(check_slab_caches(k), "cpu partial list count 3, walked 2"));
    q.count = 2;
    CHECK_SLAB(k);
    k.slab.slabs[slab_list::next(k.slab.slabs, q.head)].prev = NO_SLAB;
    CHECK(contains(check_slab_caches(k), "broken back link"));
}
