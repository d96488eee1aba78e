// kmap, kmap_atomic and kmap_local_page (include/linux/highmem.h) bound to mm/highmem.h. A BUG
// in them ends the statement after the report; a kmap() that would wait forever for a pkmap
// slot ends it after the hung-task report. pagefault_disable() and friends
// (include/linux/uaccess.h) are bound here because kmap_atomic() is their main user.
#include "mm/highmem.h"
#include "mm/page_alloc.h"
#include "session/builtins.h"

namespace klab {

namespace {

// A BUG() killed current (the host ends the task); a kmap() that would wait forever for a
// pkmap slot ends the statement after the hung-task report.
kc::BuiltinStatus finish(CallCtx& c, KmapResult r, uint64_t v) {
    if (r == KmapResult::would_sleep_forever) return kc::BuiltinStatus::Kill;
    return ok(c, v);
}
pfn_t page_of(CallCtx& c) {
    return page_struct_to_pfn(c.k(), c.arg(0));
}

// A pointer that is not a struct page is dereferenced by Linux: the model reports the fault
// at the address it was given.
kc::BuiltinStatus bad_page_ptr(CallCtx& c) {
    c.fault.addr = c.arg(0);
    c.fault.access = kc::Access::Read;
    c.fault.protection = false;
    return kc::BuiltinStatus::Fault;
}

kc::BuiltinStatus do_kmap(CallCtx& c) {
    pfn_t p = page_of(c);
    if (p == NO_PFN) return bad_page_ptr(c);
    uint64_t a = 0;
    KmapResult r = kmap(c.k(), p, &a);
    return finish(c, r, a);
}
kc::BuiltinStatus do_kunmap(CallCtx& c) {
    pfn_t p = page_of(c);
    if (p == NO_PFN) return bad_page_ptr(c);
    return finish(c, kunmap(c.k(), p), 0);
}
kc::BuiltinStatus do_kmap_atomic(CallCtx& c) {
    pfn_t p = page_of(c);
    if (p == NO_PFN) return bad_page_ptr(c);
    uint64_t a = 0;
    KmapResult r = kmap_atomic(c.k(), p, &a);
    return finish(c, r, a);
}
kc::BuiltinStatus do_kunmap_atomic(CallCtx& c) {
    return finish(c, kunmap_atomic(c.k(), c.arg(0)), 0);
}
kc::BuiltinStatus do_kmap_local_page(CallCtx& c) {
    pfn_t p = page_of(c);
    if (p == NO_PFN) return bad_page_ptr(c);
    uint64_t a = 0;
    KmapResult r = kmap_local_page(c.k(), p, &a);
    return finish(c, r, a);
}
kc::BuiltinStatus do_kunmap_local(CallCtx& c) {
    return finish(c, kunmap_local(c.k(), c.arg(0)), 0);
}
kc::BuiltinStatus do_pagefault_disable(CallCtx& c) {
    pagefault_disable(c.k());
    return ok(c, 0);
}
kc::BuiltinStatus do_pagefault_enable(CallCtx& c) {
    pagefault_enable(c.k());
    return ok(c, 0);
}
kc::BuiltinStatus do_pagefault_disabled(CallCtx& c) {
    return ok(c, pagefault_disabled(c.k()) ? 1 : 0);
}
kc::BuiltinStatus do_faulthandler_disabled(CallCtx& c) {
    return ok(c, faulthandler_disabled(c.k()) ? 1 : 0);
}
kc::BuiltinStatus do_page_high_mem(CallCtx& c) {
    pfn_t p = page_of(c);
    return ok(c, p != NO_PFN && PageHighMem(c.k(), p) ? 1 : 0);
}

} // namespace

Result<void> bind_highmem(kc::Program& prog, BuiltinTable& t) {
    KLAB_TRY(bind(prog, t, "void *kmap(struct page *page);", do_kmap));
    KLAB_TRY(bind(prog, t, "void kunmap(struct page *page);", do_kunmap));
    KLAB_TRY(bind(prog, t, "void *kmap_atomic(struct page *page);", do_kmap_atomic));
    KLAB_TRY(bind(prog, t, "void kunmap_atomic(const void *addr);", do_kunmap_atomic));
    KLAB_TRY(bind(prog, t, "void *kmap_local_page(struct page *page);", do_kmap_local_page));
    KLAB_TRY(bind(prog, t, "void kunmap_local(const void *addr);", do_kunmap_local));
    // include/linux/uaccess.h: kmap_atomic() uses them; modules may too.
    KLAB_TRY(bind(prog, t, "void pagefault_disable(void);", do_pagefault_disable));
    KLAB_TRY(bind(prog, t, "void pagefault_enable(void);", do_pagefault_enable));
    KLAB_TRY(bind(prog, t, "int pagefault_disabled(void);", do_pagefault_disabled));
    KLAB_TRY(bind(prog, t, "int faulthandler_disabled(void);", do_faulthandler_disabled));
    KLAB_TRY(bind(prog, t, "int PageHighMem(const struct page *page);", do_page_high_mem));
    return {};
}

} // namespace klab
