// The vmalloc, highmem and per-CPU API as students reach it from the console.
#include <doctest/doctest.h>

#include "fixture.h"

using namespace klab;
using klab::test::contains;

namespace {

Session boot(Arch arch) { return klab::test::boot_session(MachineConfig::preset(arch)); }

} // namespace

TEST_CASE("console: vfree with bottom halves disabled is deferred until task context") {
    Session s = boot(Arch::x86_64);
    s.exec("char *p; char *keep; p = vmalloc(100); keep = vmalloc(3 * PAGE_SIZE);");
    s.exec("local_bh_disable(); vfree(p);");
    CHECK(contains(s.proc_text("/proc/vmallocinfo"), " pages=1 vmalloc"));
    s.exec("local_bh_enable();");
    CHECK(contains(s.proc_text("/proc/vmallocinfo"), "unpurged vm_area"));
    CHECK_FALSE(contains(s.proc_text("/proc/vmallocinfo"), " pages=1 vmalloc"));
}

TEST_CASE("console: vmalloc'ed memory is usable through its pointer, the caller is recorded") {
    Session s = boot(Arch::x86_64);
    s.exec("int *v; int fill(void) { int i; v = vmalloc(8 * PAGE_SIZE); "
           "for (i = 0; i < 8 * 1024; i++) v[i] = i; return v[8191]; }");
    ExecResult r = s.exec("fill();");
    CHECK(contains(r.output, "= 8191"));
    CHECK(contains(s.proc_text("/proc/vmallocinfo"), "   36864 fill+0x"));
    CHECK(contains(s.proc_text("/proc/meminfo"), "VmallocUsed:          32 kB"));
}

TEST_CASE("console: per-CPU variables and alloc_percpu on i386") {
    Session s = boot(Arch::i386);
    s.exec("DEFINE_PER_CPU(long, hits); int *d;");
    s.exec("per_cpu(hits, 1) = 5; get_cpu_var(hits) += 2; put_cpu_var(hits);");
    ExecResult r = s.exec("per_cpu(hits, 0) * 100 + per_cpu(hits, 1);");
    CHECK(contains(r.output, "= 205"));
    r = s.exec(
        "d = alloc_percpu(int); *per_cpu_ptr(d, 1) = 3; *per_cpu_ptr(d, 0) + *per_cpu_ptr(d, 1);");
    CHECK(contains(r.output, "= 3"));
    r = s.exec("preempt_count();");
    CHECK(contains(r.output, "= 0"));
    r = s.exec("this_cpu_ptr(d);");
    CHECK(contains(r.output, "BUG: using smp_processor_id() in preemptible [00000000] code: "
                             "klab-sh/1000"));
    CHECK(contains(s.proc_text("/proc/meminfo"), "Percpu:              192 kB"));
}

TEST_CASE("console: pagefault_disabled() inside kmap_atomic, and a fault there still oopses") {
    Session s = boot(Arch::i386);
    s.exec("struct page *pg; char *va; pg = alloc_page(GFP_HIGHUSER);");
    ExecResult r = s.exec("pagefault_disabled() * 10 + in_atomic();");
    CHECK(contains(r.output, "= 0"));
    s.exec("va = kmap_atomic(pg);");
    r = s.exec("pagefault_disabled() * 10 + in_atomic();");
    CHECK(contains(r.output, "= 11"));
    r = s.exec("faulthandler_disabled();");
    CHECK(contains(r.output, "= 1"));
    // No fixup for a plain load: the oops Linux prints whatever pagefault_disabled says.
    r = s.exec("*(int *)0x10;");
    CHECK(contains(r.output, "BUG: kernel NULL pointer dereference, address: 00000010"));
    s.exec("kunmap_atomic(va);");
    r = s.exec("pagefault_disabled() * 10 + in_atomic();");
    CHECK(contains(r.output, "= 0"));
    s.exec("va = kmap_local_page(pg);");
    r = s.exec("pagefault_disabled();");
    CHECK(contains(r.output, "= 0")); // kmap_local only disables migration in 6.1
}
