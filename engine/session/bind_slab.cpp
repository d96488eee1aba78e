// The slab API (include/linux/slab.h) bound to slab/slab.h: kmalloc and friends, kvmalloc/kvfree
// (mm/util.c, falling back to mm/vmalloc.h), the kmem_cache_* calls and the SLAB_* flags. A "struct kmem_cache *" is the address of the
// cache's struct kmem_cache (an object of the kmem_cache cache), opaque to KernelC.
// Constructors are KernelC functions, run on every object of a new slab as a nested call on
// a stack of their own; a BUG() inside the slab layer or a constructor that dies kills the
// calling task after the report.
#include <algorithm>
#include <cstdio>

#include "kc/vm.h"
#include "session/builtins.h"
#include "session/host.h"
#include "session/oops.h"
#include "slab/slab.h"
#include "mm/vmalloc.h"
#include "slab/slab_query.h"
#include "arch/x86/traps.h"

namespace klab {

namespace {

constexpr uint64_t kCtorBudget = 10'000'000;
// Console statements have no function of their own: their call sites are given addresses
// just below the module text and print as console_stmt+off.
constexpr uint64_t kConsoleText = 0x1000;

// The slab layer's view of the calling KernelC task.
class KcSlabHooks : public SlabHooks {
public:
    explicit KcSlabHooks(CallCtx& c) : c_(c) {}

    bool run_ctor(Kernel&, uint64_t fn, uint64_t obj) override {
        SessionState& st = c_.st;
        uint32_t idx;
        if (!st.prog.function_at(fn, idx)) return true; // not KernelC: nothing to run
        const kc::Target& t = st.prog.target();
        kc::Thread th = kc::make_call(st.prog, idx, {obj}, t.stack_base, t.thread_size);
        KernelHost host(st, c_.host.table());
        kc::run(st.prog, th, host, kCtorBudget);
        host.account(th);
        bool lived = th.exit == kc::Exit::Done;
        if (!lived) {
            report_death(st, host, th);
            make_task_dead(st.kernel); // the calling task dies with its constructor
        }
        host.forget_frames();
        return lived;
    }

    std::string symbol(uint64_t addr) override {
        std::string s = addr ? symbolize(c_.st, addr, true) : "";
        if (!s.empty()) return s;
        char buf[48];
        uint64_t text = c_.st.prog.text_base();
        if (addr >= text - kConsoleText && addr < text) {
            // %pS: symbol+offset/size, the size being the console statement's code.
            uint32_t size = 0;
            for (const kc::Frame& fr : c_.th.frames)
                if (fr.func == kc::kEntryFunc) size = code_size(kc::frame_function(c_.st.prog, c_.th, fr));
            std::snprintf(buf, sizeof buf, "console_stmt+0x%llx/0x%x",
                          (unsigned long long)(addr - (text - kConsoleText)), size);
            return buf;
        }
        std::snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)addr);
        return buf;
    }

    std::vector<std::string> caller_frames() override {
        std::vector<std::string> out;
        const kc::Program& prog = c_.st.prog;
        for (auto it = c_.th.frames.rbegin(); it != c_.th.frames.rend(); ++it) {
            if (it->func == kc::kEntryFunc) {
                if (c_.th.entry.name != "<kernel>") // a console statement, not a trampoline
                    out.push_back(symbol(c_.st.prog.text_base() - kConsoleText +
                                         std::min<uint64_t>(it->pc * 4, kConsoleText - 1)));
                continue;
            }
            std::string s = symbolize(c_.st, prog.function_address(it->func) + it->pc * 4, true);
            if (!s.empty()) out.push_back(s);
        }
        return out;
    }

    // _RET_IP_: the return address in the innermost KernelC function (0 at the console).
    uint64_t caller() const {
        if (c_.th.frames.empty()) return 0;
        const kc::Frame& fr = c_.th.frames.back();
        if (fr.func == kc::kEntryFunc)
            return c_.st.prog.text_base() - kConsoleText + std::min<uint64_t>(fr.pc * 4, kConsoleText - 1);
        return c_.st.prog.function_address(fr.func) + fr.pc * 4;
    }

private:
    CallCtx& c_;
};

// Runs one slab call with a context, then turns a BUG or a fault into the task's death.
template <typename Fn>
kc::BuiltinStatus with_ctx(CallCtx& c, Fn fn) {
    KcSlabHooks hooks(c);
    SlabCtx cx;
    cx.caller = hooks.caller();
    cx.hooks = &hooks;
    uint64_t v = fn(cx);
    if (cx.fault_addr) {
        c.fault.addr = cx.fault_addr;
        c.fault.access = kc::Access::Read;
        return kc::BuiltinStatus::Fault;
    }
    return ok(c, v); // a BUG() made current die: the host ends the task
}

gfp_t gfp_arg(CallCtx& c, uint32_t i) {
    return static_cast<gfp_t>(c.arg(i));
}

kc::BuiltinStatus do_kmalloc(CallCtx& c) {
    return with_ctx(c, [&](SlabCtx& cx) { return kmalloc(c.k(), c.arg(0), gfp_arg(c, 1), cx); });
}
kc::BuiltinStatus do_kzalloc(CallCtx& c) {
    return with_ctx(c, [&](SlabCtx& cx) {
        return kmalloc(c.k(), c.arg(0), gfp_arg(c, 1) | __GFP_ZERO, cx);
    });
}
kc::BuiltinStatus do_kmalloc_array(CallCtx& c) {
    return with_ctx(c, [&](SlabCtx& cx) {
        return kmalloc_array(c.k(), c.arg(0), c.arg(1), gfp_arg(c, 2), cx);
    });
}
kc::BuiltinStatus do_kcalloc(CallCtx& c) {
    return with_ctx(c, [&](SlabCtx& cx) {
        return kmalloc_array(c.k(), c.arg(0), c.arg(1), gfp_arg(c, 2) | __GFP_ZERO, cx);
    });
}
kc::BuiltinStatus do_krealloc(CallCtx& c) {
    return with_ctx(c, [&](SlabCtx& cx) {
        return krealloc(c.k(), c.arg(0), c.arg(1), gfp_arg(c, 2), cx);
    });
}
kc::BuiltinStatus do_kfree(CallCtx& c) {
    return with_ctx(c, [&](SlabCtx& cx) {
        kfree(c.k(), c.arg(0), cx);
        return uint64_t(0);
    });
}
kc::BuiltinStatus do_kfree_sensitive(CallCtx& c) {
    return with_ctx(c, [&](SlabCtx& cx) {
        kfree_sensitive(c.k(), c.arg(0), cx);
        return uint64_t(0);
    });
}
kc::BuiltinStatus do_ksize(CallCtx& c) {
    return with_ctx(c, [&](SlabCtx& cx) { return ksize(c.k(), c.arg(0), cx); });
}

kc::BuiltinStatus do_cache_create(CallCtx& c) {
    std::string name;
    if (c.arg(0) && !c.string(c.arg(0), name, 256)) return kc::BuiltinStatus::Fault;
    return with_ctx(c, [&](SlabCtx& cx) {
        return kmem_cache_create(c.k(), name, uint32_t(c.arg(1)), uint32_t(c.arg(2)),
                                 slab_flags_t(c.arg(3)), c.arg(4), cx);
    });
}

// A struct kmem_cache * that is no live cache: Linux would read garbage through it; the lab
// reports the read of its first field as a page fault.
bool bad_cache(CallCtx& c, uint64_t cachep) {
    if (cache_by_address(c.k(), cachep) != NO_CACHE) return false;
    c.fault.addr = cachep;
    c.fault.access = kc::Access::Read;
    return true;
}

kc::BuiltinStatus do_cache_alloc(CallCtx& c) {
    if (bad_cache(c, c.arg(0))) return kc::BuiltinStatus::Fault;
    return with_ctx(c, [&](SlabCtx& cx) {
        return kmem_cache_alloc(c.k(), c.arg(0), gfp_arg(c, 1), cx);
    });
}
kc::BuiltinStatus do_cache_zalloc(CallCtx& c) {
    if (bad_cache(c, c.arg(0))) return kc::BuiltinStatus::Fault;
    return with_ctx(c, [&](SlabCtx& cx) {
        return kmem_cache_alloc(c.k(), c.arg(0), gfp_arg(c, 1) | __GFP_ZERO, cx);
    });
}
kc::BuiltinStatus do_cache_free(CallCtx& c) {
    if (bad_cache(c, c.arg(0))) return kc::BuiltinStatus::Fault;
    return with_ctx(c, [&](SlabCtx& cx) {
        kmem_cache_free(c.k(), c.arg(0), c.arg(1), cx);
        return uint64_t(0);
    });
}
kc::BuiltinStatus do_cache_destroy(CallCtx& c) {
    if (!c.arg(0)) return ok(c, 0);
    if (bad_cache(c, c.arg(0))) return kc::BuiltinStatus::Fault;
    return with_ctx(c, [&](SlabCtx& cx) {
        kmem_cache_destroy(c.k(), c.arg(0), cx);
        return uint64_t(0);
    });
}
kc::BuiltinStatus do_cache_shrink(CallCtx& c) {
    if (bad_cache(c, c.arg(0))) return kc::BuiltinStatus::Fault;
    return with_ctx(c, [&](SlabCtx& cx) {
        return uint64_t(int64_t(kmem_cache_shrink(c.k(), c.arg(0), cx)));
    });
}

// kvmalloc (mm/util.c kvmalloc_node): kmalloc first, quietly and without retrying hard when
// the request is above a page, then vmalloc for blocking requests above a page
// (kvmalloc_vmalloc: the INT_MAX warning, huge mappings). kvfree frees either kind.
kc::BuiltinStatus kvmalloc_call(CallCtx& c, uint64_t size, gfp_t flags) {
    const uint64_t page = c.k().config.page_size();
    gfp_t kflags = flags;
    if (size > page) {
        kflags |= __GFP_NOWARN;
        if (!(kflags & __GFP_RETRY_MAYFAIL)) kflags |= __GFP_NORETRY;
        kflags &= ~__GFP_NOFAIL;
    }
    kc::BuiltinStatus st = with_ctx(c, [&](SlabCtx& cx) { return kmalloc(c.k(), size, kflags, cx); });
    if (st != kc::BuiltinStatus::Ok || c.ret || size <= page) return st;
    if (!(flags & __GFP_DIRECT_RECLAIM)) return ok(c, 0); // vmalloc may sleep
    return ok(c, kvmalloc_vmalloc(c.k(), size, flags, caller_symbol(c.st, c.th)));
}
kc::BuiltinStatus do_kvmalloc(CallCtx& c) {
    return kvmalloc_call(c, c.arg(0), gfp_arg(c, 1));
}
kc::BuiltinStatus do_kvzalloc(CallCtx& c) {
    return kvmalloc_call(c, c.arg(0), gfp_arg(c, 1) | __GFP_ZERO);
}
// kvmalloc_array()/kvcalloc(): n * size, or NULL when the product overflows size_t.
kc::BuiltinStatus kvmalloc_array_call(CallCtx& c, gfp_t extra) {
    const uint64_t n = c.arg(0), size = c.arg(1);
    const uint64_t max = c.k().config.pointer_bytes() == 4 ? 0xffffffffull : ~0ull;
    if (size && n > max / size) return ok(c, 0);
    return kvmalloc_call(c, n * size, gfp_arg(c, 2) | extra);
}
kc::BuiltinStatus do_kvmalloc_array(CallCtx& c) { return kvmalloc_array_call(c, 0); }
kc::BuiltinStatus do_kvcalloc(CallCtx& c) { return kvmalloc_array_call(c, __GFP_ZERO); }
kc::BuiltinStatus do_kvfree(CallCtx& c) {
    if (is_vmalloc_addr(c.k(), c.arg(0))) {
        vfree(c.k(), c.arg(0));
        return ok(c, 0);
    }
    return do_kfree(c);
}

struct Flag {
    const char* name;
    slab_flags_t value;
};
const Flag kFlags[] = {
    {"SLAB_CONSISTENCY_CHECKS", SLAB_CONSISTENCY_CHECKS},
    {"SLAB_RED_ZONE", SLAB_RED_ZONE},
    {"SLAB_POISON", SLAB_POISON},
    {"SLAB_HWCACHE_ALIGN", SLAB_HWCACHE_ALIGN},
    {"SLAB_CACHE_DMA", SLAB_CACHE_DMA},
    {"SLAB_CACHE_DMA32", SLAB_CACHE_DMA32},
    {"SLAB_STORE_USER", SLAB_STORE_USER},
    {"SLAB_RECLAIM_ACCOUNT", SLAB_RECLAIM_ACCOUNT},
    {"SLAB_PANIC", SLAB_PANIC},
    {"SLAB_TYPESAFE_BY_RCU", SLAB_TYPESAFE_BY_RCU},
    {"SLAB_MEM_SPREAD", SLAB_MEM_SPREAD},
    {"SLAB_TRACE", SLAB_TRACE},
    {"SLAB_NOLEAKTRACE", SLAB_NOLEAKTRACE},
    {"SLAB_ACCOUNT", SLAB_ACCOUNT},
};

} // namespace

Result<void> bind_slab(kc::Program& prog, BuiltinTable& t) {
    for (const Flag& f : kFlags) KLAB_TRY(bind_constant(prog, f.name, "slab_flags_t", f.value));
    KLAB_TRY(bind_constant(prog, "KMALLOC_MAX_CACHE_SIZE", "unsigned long", KMALLOC_MAX_CACHE_SIZE));
    KLAB_TRY(bind_constant(prog, "KMALLOC_MAX_SIZE", "unsigned long", KMALLOC_MAX_SIZE));
    KLAB_TRY(bind(prog, t, "void *kmalloc(size_t size, gfp_t flags);", do_kmalloc));
    KLAB_TRY(bind(prog, t, "void *kzalloc(size_t size, gfp_t flags);", do_kzalloc));
    KLAB_TRY(bind(prog, t, "void *kvmalloc(size_t size, gfp_t flags);", do_kvmalloc));
    KLAB_TRY(bind(prog, t, "void *kvzalloc(size_t size, gfp_t flags);", do_kvzalloc));
    KLAB_TRY(bind(prog, t, "void *kvmalloc_array(size_t n, size_t size, gfp_t flags);",
                  do_kvmalloc_array));
    KLAB_TRY(bind(prog, t, "void *kvcalloc(size_t n, size_t size, gfp_t flags);", do_kvcalloc));
    KLAB_TRY(bind(prog, t, "void kvfree(const void *addr);", do_kvfree));
    KLAB_TRY(bind(prog, t, "void *kmalloc_array(size_t n, size_t size, gfp_t flags);",
                  do_kmalloc_array));
    KLAB_TRY(bind(prog, t, "void *kcalloc(size_t n, size_t size, gfp_t flags);", do_kcalloc));
    KLAB_TRY(bind(prog, t, "void *krealloc(const void *p, size_t new_size, gfp_t flags);",
                  do_krealloc));
    KLAB_TRY(bind(prog, t, "void kfree(const void *objp);", do_kfree));
    KLAB_TRY(bind(prog, t, "void kfree_sensitive(const void *objp);", do_kfree_sensitive));
    KLAB_TRY(bind(prog, t, "size_t ksize(const void *objp);", do_ksize));
    KLAB_TRY(bind(prog, t,
                  "struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, "
                  "unsigned int align, slab_flags_t flags, void (*ctor)(void *));",
                  do_cache_create));
    KLAB_TRY(bind(prog, t, "void *kmem_cache_alloc(struct kmem_cache *cachep, gfp_t flags);",
                  do_cache_alloc));
    KLAB_TRY(bind(prog, t, "void *kmem_cache_zalloc(struct kmem_cache *cachep, gfp_t flags);",
                  do_cache_zalloc));
    KLAB_TRY(bind(prog, t, "void kmem_cache_free(struct kmem_cache *cachep, void *objp);",
                  do_cache_free));
    KLAB_TRY(bind(prog, t, "void kmem_cache_destroy(struct kmem_cache *s);", do_cache_destroy));
    KLAB_TRY(bind(prog, t, "int kmem_cache_shrink(struct kmem_cache *cachep);", do_cache_shrink));
    // slab_count() and cache_objects() for lesson goals are bound with the goal helpers
    // (lesson/goal.cpp, answered from slab_query.h in lesson/slab_hook.cpp).
    return {};
}

} // namespace klab
