// vmalloc, vmap and ioremap (include/linux/vmalloc.h, asm/io.h) bound to mm/vmalloc.h. The
// caller each area records for /proc/vmallocinfo is the KernelC function that called it.
#include "mm/page_alloc.h"
#include "mm/vmalloc.h"
#include "session/builtins.h"
#include "session/oops.h"

namespace klab {

namespace {

std::string caller(CallCtx& c) {
    return caller_symbol(c.st, c.th);
}

kc::BuiltinStatus do_vmalloc(CallCtx& c) {
    return ok(c, vmalloc(c.k(), c.arg(0), caller(c)));
}
kc::BuiltinStatus do_vzalloc(CallCtx& c) {
    return ok(c, vzalloc(c.k(), c.arg(0), caller(c)));
}
kc::BuiltinStatus do_vmalloc_user(CallCtx& c) {
    return ok(c, vmalloc_user(c.k(), c.arg(0), caller(c)));
}
kc::BuiltinStatus do___vmalloc(CallCtx& c) {
    return ok(c, __vmalloc_node(c.k(), c.arg(0), 1, static_cast<gfp_t>(c.arg(1)), 0, caller(c)));
}
kc::BuiltinStatus do_vmalloc_huge(CallCtx& c) {
    return ok(c, vmalloc_huge(c.k(), c.arg(0), static_cast<gfp_t>(c.arg(1)), caller(c)));
}
kc::BuiltinStatus do_vfree(CallCtx& c) {
    vfree(c.k(), c.arg(0));
    return ok(c, 0);
}
// The struct page * array of vmap()/vm_map_ram(). False: a fault reading it (c.fault set);
// a pointer that is no struct page leaves `bad` set (Linux would map garbage; the model
// refuses).
bool read_pages(CallCtx& c, uint64_t array, uint64_t count, std::vector<pfn_t>& pages, bool& bad) {
    uint32_t psize = c.k().config.pointer_bytes();
    bad = count > totalram_pages(c.k());
    for (uint64_t i = 0; i < count && !bad; ++i) {
        uint64_t ptr = 0;
        if (!c.read(array + i * psize, &ptr, psize)) return false;
        pfn_t p = page_struct_to_pfn(c.k(), ptr);
        bad = p == NO_PFN;
        pages.push_back(p);
    }
    return true;
}
kc::BuiltinStatus do_vmap(CallCtx& c) {
    std::vector<pfn_t> pages;
    bool bad = false;
    if (!read_pages(c, c.arg(0), c.arg(1), pages, bad)) return kc::BuiltinStatus::Fault;
    if (bad) return ok(c, 0);
    return ok(c, vmap(c.k(), pages, static_cast<uint32_t>(c.arg(2)), caller(c)));
}
kc::BuiltinStatus do_vm_map_ram(CallCtx& c) {
    std::vector<pfn_t> pages;
    bool bad = false;
    uint32_t count = static_cast<uint32_t>(c.arg(1));
    if (!read_pages(c, c.arg(0), count, pages, bad)) return kc::BuiltinStatus::Fault;
    if (bad) return ok(c, 0);
    return ok(c, vm_map_ram(c.k(), pages));
}
kc::BuiltinStatus do_vm_unmap_ram(CallCtx& c) {
    // A BUG() or the oops of vb_free()'s NULL lock kills current: the host ends the task.
    vm_unmap_ram(c.k(), c.arg(0), static_cast<uint32_t>(c.arg(1)));
    return ok(c, 0);
}
kc::BuiltinStatus do_vunmap(CallCtx& c) {
    vunmap(c.k(), c.arg(0));
    return ok(c, 0);
}
kc::BuiltinStatus do_ioremap(CallCtx& c) {
    return ok(c, ioremap(c.k(), c.arg(0), c.arg(1), caller(c)));
}
kc::BuiltinStatus do_iounmap(CallCtx& c) {
    iounmap(c.k(), c.arg(0));
    return ok(c, 0);
}
kc::BuiltinStatus do_vmalloc_to_page(CallCtx& c) {
    pfn_t p = vmalloc_to_pfn(c.k(), c.arg(0));
    return ok(c, p == NO_PFN || p == kIoPfn ? 0 : page_struct_address(c.k(), p));
}
kc::BuiltinStatus do_vmalloc_to_pfn(CallCtx& c) {
    pfn_t p = vmalloc_to_pfn(c.k(), c.arg(0));
    return ok(c, p == NO_PFN || p == kIoPfn ? 0 : p);
}
kc::BuiltinStatus do_is_vmalloc_addr(CallCtx& c) {
    return ok(c, is_vmalloc_addr(c.k(), c.arg(0)) ? 1 : 0);
}

} // namespace

Result<void> bind_vm(kc::Program& prog, BuiltinTable& t) {
    KLAB_TRY(bind_constant(prog, "VM_IOREMAP", "unsigned long", VM_IOREMAP));
    KLAB_TRY(bind_constant(prog, "VM_ALLOC", "unsigned long", VM_ALLOC));
    KLAB_TRY(bind_constant(prog, "VM_MAP", "unsigned long", VM_MAP));
    KLAB_TRY(bind_constant(prog, "VM_USERMAP", "unsigned long", VM_USERMAP));
    KLAB_TRY(bind_constant(prog, "VM_NO_GUARD", "unsigned long", VM_NO_GUARD));
    // _PAGE_PRESENT|RW|ACCESSED|DIRTY|GLOBAL, plus NX on x86_64 (__PAGE_KERNEL).
    bool is64 = prog.target().is64();
    KLAB_TRY(bind_constant(prog, "PAGE_KERNEL", "unsigned long",
                           is64 ? 0x8000000000000163ull : 0x163ull));
    KLAB_TRY(bind(prog, t, "void *vmalloc(unsigned long size);", do_vmalloc));
    KLAB_TRY(bind(prog, t, "void *vzalloc(unsigned long size);", do_vzalloc));
    KLAB_TRY(bind(prog, t, "void *vmalloc_user(unsigned long size);", do_vmalloc_user));
    KLAB_TRY(bind(prog, t, "void *__vmalloc(unsigned long size, gfp_t gfp_mask);", do___vmalloc));
    KLAB_TRY(bind(prog, t, "void *vmalloc_huge(unsigned long size, gfp_t gfp_mask);",
                  do_vmalloc_huge));
    KLAB_TRY(bind_constant(prog, "VM_ALLOW_HUGE_VMAP", "unsigned long", VM_ALLOW_HUGE_VMAP));
    KLAB_TRY(bind(prog, t, "void vfree(const void *addr);", do_vfree));
    KLAB_TRY(bind(prog, t,
                  "void *vmap(struct page **pages, unsigned int count, unsigned long flags, "
                  "unsigned long prot);",
                  do_vmap));
    KLAB_TRY(bind(prog, t, "void vunmap(const void *addr);", do_vunmap));
    KLAB_TRY(bind(prog, t, "void *vm_map_ram(struct page **pages, unsigned int count, int node);",
                  do_vm_map_ram));
    KLAB_TRY(bind(prog, t, "void vm_unmap_ram(const void *mem, unsigned int count);",
                  do_vm_unmap_ram));
    KLAB_TRY(bind_constant(prog, "NUMA_NO_NODE", "int", uint64_t(-1)));
    KLAB_TRY(bind(prog, t, "void *ioremap(phys_addr_t offset, unsigned long size);", do_ioremap));
    KLAB_TRY(bind(prog, t, "void iounmap(volatile void *addr);", do_iounmap));
    KLAB_TRY(bind(prog, t, "struct page *vmalloc_to_page(const void *addr);", do_vmalloc_to_page));
    KLAB_TRY(bind(prog, t, "unsigned long vmalloc_to_pfn(const void *addr);", do_vmalloc_to_pfn));
    KLAB_TRY(bind(prog, t, "bool is_vmalloc_addr(const void *x);", do_is_vmalloc_addr));
    return {};
}

} // namespace klab
