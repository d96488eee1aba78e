// Kernel stack allocation and accounting (see kstack.h).
#include "mm/kstack.h"

#include <vector>

#include "machine/kernel.h"
#include "mm/memory.h"
#include "mm/page_alloc.h"
#include "mm/vmalloc.h"

namespace klab {

namespace {

constexpr gfp_t kThreadinfoGfp = GFP_KERNEL_ACCOUNT | __GFP_ZERO;

bool vmap_stack(const Kernel& k) {
    return k.config.arch == Arch::x86_64;
}

void init_stack(Kernel& k, uint64_t base) {
    std::vector<uint8_t> zero(thread_size(k), 0);
    kernel_write(k, base, zero.data(), uint32_t(zero.size()));
    uint32_t magic = STACK_END_MAGIC;
    kernel_write(k, base, &magic, 4);
}

} // namespace

uint32_t thread_size(const Kernel& k) {
    return k.config.arch == Arch::x86_64 ? 16384 : 8192;
}

void kstack_init(Kernel& k) {
    k.stacks = StackState{};
    k.stacks.cached.assign(k.cpus.size(), {});
}

uint64_t alloc_thread_stack(Kernel& k, const std::string& caller) {
    KernelStack s;
    if (vmap_stack(k)) {
        s.vmap = true;
        auto& cache = k.stacks.cached[k.current_cpu];
        for (uint64_t& slot : cache) {
            if (!slot) continue;
            s.base = slot;
            slot = 0;
            break;
        }
        if (!s.base) {
            s.base = __vmalloc_node(k, thread_size(k), thread_size(k),
                                    kThreadinfoGfp & ~__GFP_ACCOUNT, 0, caller);
            if (!s.base) return 0;
            auto it = k.vmalloc.busy.find(s.base);
            it->second.kernel_stack = true;
            for (pfn_t p : it->second.pages) set_page_owner(k, p, PageOwner::kernel_stack);
        }
    } else {
        s.pfn = alloc_pages(k, kThreadinfoGfp, 1);
        if (s.pfn == NO_PFN) return 0;
        set_page_owner(k, s.pfn, PageOwner::kernel_stack);
        s.base = page_address(k, s.pfn);
    }
    init_stack(k, s.base);
    k.stacks.live[s.base] = s;
    k.stacks.nr_kernel_stack_kb += thread_size(k) / 1024; // account_kernel_stack(tsk, 1)
    return s.base;
}

bool free_thread_stack(Kernel& k, uint64_t base) {
    auto it = k.stacks.live.find(base);
    if (it == k.stacks.live.end()) return false;
    KernelStack s = it->second;
    k.stacks.live.erase(it);
    k.stacks.nr_kernel_stack_kb -= thread_size(k) / 1024;
    if (s.vmap) {
        for (uint64_t& slot : k.stacks.cached[k.current_cpu]) {
            if (slot) continue;
            slot = s.base; // try_release_thread_stack_to_cache()
            return true;
        }
        vfree(k, s.base);
    } else {
        __free_pages(k, s.pfn, 1);
    }
    return true;
}

uint64_t console_stack_base(const Kernel& k) {
    if (k.config.arch == Arch::x86_64) return k.vmalloc.start;
    uint64_t ts = thread_size(k);
    return (k.percpu.base_addr - ts) & ~(ts - 1); // THREAD_SIZE-aligned, in the image
}

uint64_t kernel_stack_kb(const Kernel& k) {
    return k.stacks.nr_kernel_stack_kb;
}

std::string check_kstack(const Kernel& k) {
    if (k.stacks.nr_kernel_stack_kb != k.stacks.live.size() * thread_size(k) / 1024)
        return "NR_KERNEL_STACK_KB does not match the live stacks";
    for (const auto& cache : k.stacks.cached)
        for (uint64_t a : cache) {
            if (!a) continue;
            if (k.stacks.live.count(a)) return "a cached stack is also live";
            const vm_struct* vm = find_vm_area(k, a);
            if (!vm || vm->addr != a || !vm->kernel_stack)
                return "cached stack is not a stack area";
        }
    for (const auto& [base, s] : k.stacks.live) {
        uint32_t magic = 0;
        if (kernel_read(k, base, &magic, 4)) return "live stack not mapped";
        (void)magic; // an overflow may have overwritten it: that is the student's bug, not ours
    }
    return "";
}

} // namespace klab
