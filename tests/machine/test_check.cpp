// check_kernel(): the table of invariant checkers. Each checker must accept every fresh machine
// and catch a corruption of its own subsystem; a session in check mode reports a broken
// invariant after the command, and does not blame the model for memory the student's code
// overwrote (a use-after-free write into a free object is Linux's corruption, not the lab's).
#include <doctest/doctest.h>

#include <functional>
#include <map>

#include "machine/check.h"
#include "machine/kernel.h"
#include "session/session.h"

using namespace klab;

namespace {

MachineConfig small(Arch a, SlabAllocator alloc = SlabAllocator::slub) {
    MachineConfig c = MachineConfig::preset(a);
    c.mem_bytes = 256ull << 20;
    c.allocator = alloc;
    return c;
}

// One corruption per subsystem: the checker named must catch it. i386 where the subsystem
// only exists there (high memory).
const std::map<std::string, std::pair<Arch, std::function<void(Kernel&)>>>& corruptions() {
    static const std::map<std::string, std::pair<Arch, std::function<void(Kernel&)>>> m = {
        {"page_alloc", {Arch::x86_64, [](Kernel& k) { k.mm.zones.back().free_area[0].nr_free++; }}},
        {"slab", {Arch::x86_64, [](Kernel& k) { k.slab.nr_slab_unreclaimable++; }}},
        {"vmalloc", {Arch::x86_64, [](Kernel& k) { k.vmalloc.nr_vmalloc_pages++; }}},
        {"percpu", {Arch::x86_64, [](Kernel& k) { k.percpu.nr_populated++; }}},
        {"highmem", {Arch::i386, [](Kernel& k) { k.highmem.pkmap_count[7] = 2; }}},
        {"kstack", {Arch::x86_64, [](Kernel& k) { k.stacks.nr_kernel_stack_kb += 16; }}},
        {"tasks", {Arch::x86_64, [](Kernel& k) { k.tasks.pids.used.push_back(1); }}},
    };
    return m;
}

} // namespace

TEST_CASE("check_kernel accepts every freshly booted machine") {
    for (Arch a : {Arch::x86_64, Arch::i386})
        for (SlabAllocator s : {SlabAllocator::slub, SlabAllocator::slab, SlabAllocator::slob}) {
            auto k = Kernel::boot(small(a, s));
            REQUIRE(k.ok());
            CHECK(check_kernel(k.value()) == "");
        }
}

TEST_CASE("every registered checker catches a corruption of its subsystem") {
    for (const InvariantChecker& c : invariant_checkers()) {
        CAPTURE(c.subsystem);
        auto it = corruptions().find(c.subsystem);
        REQUIRE_MESSAGE(it != corruptions().end(), "add a corruption for the new checker here");
        auto k = Kernel::boot(small(it->second.first));
        REQUIRE(k.ok());
        it->second.second(k.value());
        std::string got = check_kernel(k.value());
        CHECK(got.rfind(std::string(c.subsystem) + ": ", 0) == 0);
    }
}

TEST_CASE("a session in check mode reports a broken invariant after the command") {
    SessionOptions opt;
    opt.check_invariants = true;
    auto s = Session::create(small(Arch::x86_64), opt);
    REQUIRE(s.ok());
    ExecResult ok = s.value().exec("p = kmalloc(100, GFP_KERNEL);");
    CHECK_FALSE(ok.invariant_broken);
    Session::Snapshot snap = s.value().snapshot();
    snap.state.kernel.vmalloc.nr_vmalloc_pages += 3;
    s.value().restore(snap);
    ExecResult bad = s.value().exec("kfree(p);");
    CHECK(bad.invariant_broken);
    CHECK(bad.error);
    CHECK(bad.output.find("vmalloc: ") != std::string::npos);
}

TEST_CASE("check mode does not blame the model for a use-after-free write") {
    // The student overwrites the free pointers of freed objects, as a buggy driver would;
    // the next allocations follow the garbage in Linux too. Nothing here is a model bug.
    const char* script = "p = kmalloc(64, GFP_KERNEL);\nq = kmalloc(64, GFP_KERNEL);\n"
                         "kfree(p);\nkfree(q);\nmemset(q, 0x41, 64);\nmemset(p, 0x41, 64);\n";
    for (SlabAllocator a : {SlabAllocator::slub, SlabAllocator::slab, SlabAllocator::slob})
        for (Arch arch : {Arch::x86_64, Arch::i386}) {
            CAPTURE(int(a));
            SessionOptions opt;
            opt.check_invariants = true;
            auto s = Session::create(small(arch, a), opt);
            REQUIRE(s.ok());
            ExecResult r = s.value().exec(script);
            CHECK_FALSE(r.invariant_broken);
            CHECK(r.output.find("klab: the model broke") == std::string::npos);
        }
}
