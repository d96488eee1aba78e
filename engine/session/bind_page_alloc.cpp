// The page allocator API (include/linux/gfp.h, mm.h) bound to mm/page_alloc.h, with the GFP
// flag constants. A "struct page *" in KernelC is the address of the page's struct page in
// mem_map/vmemmap, as in Linux; NULL stands for a failed allocation.
#include "mm/gfp.h"
#include "mm/highmem.h"
#include "mm/page_alloc.h"
#include "session/builtins.h"

namespace klab {

namespace {

uint64_t page_ptr(CallCtx& c, pfn_t p) {
    return p == NO_PFN ? 0 : page_struct_address(c.k(), p);
}
pfn_t page_arg(CallCtx& c, uint32_t i) {
    return page_struct_to_pfn(c.k(), c.arg(i));
}
gfp_t gfp_arg(CallCtx& c, uint32_t i) {
    return static_cast<gfp_t>(c.arg(i));
}
uint32_t order_arg(CallCtx& c, uint32_t i) {
    return static_cast<uint32_t>(c.arg(i));
}

kc::BuiltinStatus do_alloc_pages(CallCtx& c) {
    return ok(c, page_ptr(c, alloc_pages(c.k(), gfp_arg(c, 0), order_arg(c, 1))));
}
kc::BuiltinStatus do_alloc_page(CallCtx& c) {
    return ok(c, page_ptr(c, alloc_pages(c.k(), gfp_arg(c, 0), 0)));
}
kc::BuiltinStatus do_gfp(CallCtx& c) {
    return ok(c, __get_free_pages(c.k(), gfp_arg(c, 0), order_arg(c, 1)));
}
kc::BuiltinStatus do_gfp1(CallCtx& c) {
    return ok(c, __get_free_pages(c.k(), gfp_arg(c, 0), 0));
}
kc::BuiltinStatus do_zeroed(CallCtx& c) {
    return ok(c, get_zeroed_page(c.k(), gfp_arg(c, 0)));
}

kc::BuiltinStatus do_free_pages_page(CallCtx& c) {
    pfn_t p = page_arg(c, 0);
    if (c.arg(0) != 0) __free_pages(c.k(), p, order_arg(c, 1));
    return ok(c, 0);
}
kc::BuiltinStatus do_free_page_page(CallCtx& c) {
    if (c.arg(0) != 0) __free_pages(c.k(), page_arg(c, 0), 0);
    return ok(c, 0);
}
kc::BuiltinStatus do_free_pages(CallCtx& c) {
    free_pages(c.k(), c.arg(0), order_arg(c, 1));
    return ok(c, 0);
}
kc::BuiltinStatus do_free_page(CallCtx& c) {
    free_pages(c.k(), c.arg(0), 0);
    return ok(c, 0);
}
kc::BuiltinStatus do_page_address(CallCtx& c) {
    pfn_t p = page_arg(c, 0);
    return ok(c, p == NO_PFN ? 0 : page_address_hm(c.k(), p)); // pkmap'ed highmem too
}
kc::BuiltinStatus do_virt_to_page(CallCtx& c) {
    return ok(c, page_ptr(c, virt_to_page(c.k(), c.arg(0))));
}
kc::BuiltinStatus do_page_to_pfn(CallCtx& c) {
    pfn_t p = page_arg(c, 0);
    return ok(c, p == NO_PFN ? 0 : page_to_pfn(p));
}
kc::BuiltinStatus do_pfn_to_page(CallCtx& c) {
    uint64_t pfn = c.arg(0);
    return ok(c, pfn_valid(c.k(), pfn) ? page_struct_address(c.k(), pfn_to_page(pfn)) : 0);
}
kc::BuiltinStatus do_virt_to_phys(CallCtx& c) {
    return ok(c, virt_to_phys(c.k(), c.arg(0)));
}
kc::BuiltinStatus do_phys_to_virt(CallCtx& c) {
    return ok(c, phys_to_virt(c.k(), c.arg(0)));
}
kc::BuiltinStatus do_get_page(CallCtx& c) {
    if (c.arg(0)) get_page(c.k(), page_arg(c, 0));
    return ok(c, 0);
}
kc::BuiltinStatus do_page_count(CallCtx& c) {
    pfn_t p = page_arg(c, 0);
    return ok(
        c, p == NO_PFN ? 0 : static_cast<uint64_t>(static_cast<int64_t>(page_ref_count(c.k(), p))));
}
kc::BuiltinStatus do_nr_free_pages(CallCtx& c) {
    return ok(c, nr_free_pages(c.k()));
}

} // namespace

Result<void> bind_page_alloc(kc::Program& prog, BuiltinTable& t) {
    size_t n_gfp = 0;
    const GfpConstant* gfp = gfp_constants(&n_gfp);
    for (size_t i = 0; i < n_gfp; ++i) KLAB_TRY(bind_constant(prog, gfp[i].name, gfp[i].type, gfp[i].value));
    uint64_t page_size = 4096;
    KLAB_TRY(bind_constant(prog, "PAGE_SIZE", "unsigned long", page_size));
    KLAB_TRY(bind_constant(prog, "PAGE_SHIFT", "int", 12));
    KLAB_TRY(bind_constant(prog, "PAGE_MASK", "unsigned long",
                           prog.target().pointer_mask() & ~(page_size - 1)));
    KLAB_TRY(bind_constant(prog, "MAX_ORDER", "int", 11));
    KLAB_TRY(bind(prog, t, "struct page *alloc_pages(gfp_t gfp_mask, unsigned int order);",
                  do_alloc_pages));
    KLAB_TRY(bind(prog, t, "struct page *alloc_page(gfp_t gfp_mask);", do_alloc_page));
    KLAB_TRY(bind(prog, t, "unsigned long __get_free_pages(gfp_t gfp_mask, unsigned int order);",
                  do_gfp));
    KLAB_TRY(bind(prog, t, "unsigned long __get_free_page(gfp_t gfp_mask);", do_gfp1));
    KLAB_TRY(bind(prog, t, "unsigned long get_zeroed_page(gfp_t gfp_mask);", do_zeroed));
    KLAB_TRY(bind(prog, t, "void __free_pages(struct page *page, unsigned int order);",
                  do_free_pages_page));
    KLAB_TRY(bind(prog, t, "void __free_page(struct page *page);", do_free_page_page));
    KLAB_TRY(
        bind(prog, t, "void free_pages(unsigned long addr, unsigned int order);", do_free_pages));
    KLAB_TRY(bind(prog, t, "void free_page(unsigned long addr);", do_free_page));
    KLAB_TRY(bind(prog, t, "void *page_address(const struct page *page);", do_page_address));
    KLAB_TRY(bind(prog, t, "struct page *virt_to_page(const void *addr);", do_virt_to_page));
    KLAB_TRY(bind(prog, t, "unsigned long page_to_pfn(const struct page *page);", do_page_to_pfn));
    KLAB_TRY(bind(prog, t, "struct page *pfn_to_page(unsigned long pfn);", do_pfn_to_page));
    KLAB_TRY(bind(prog, t, "phys_addr_t virt_to_phys(const void *addr);", do_virt_to_phys));
    KLAB_TRY(bind(prog, t, "void *phys_to_virt(phys_addr_t addr);", do_phys_to_virt));
    KLAB_TRY(bind(prog, t, "void get_page(struct page *page);", do_get_page));
    KLAB_TRY(bind(prog, t, "int page_count(const struct page *page);", do_page_count));
    KLAB_TRY(bind(prog, t, "unsigned long nr_free_pages(void);", do_nr_free_pages));
    return {};
}

} // namespace klab
