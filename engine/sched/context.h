// The per-CPU execution context: models preempt_count (include/linux/preempt.h, with Linux's
// field layout), the irqs-disabled flag, and the handle of the task running there (`current`,
// sched/task.h).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

namespace klab {

struct Kernel;

// include/linux/preempt.h layout (6.1).
inline constexpr uint32_t PREEMPT_BITS = 8, SOFTIRQ_BITS = 8, HARDIRQ_BITS = 4, NMI_BITS = 4;
inline constexpr uint32_t PREEMPT_SHIFT = 0;
inline constexpr uint32_t SOFTIRQ_SHIFT = PREEMPT_SHIFT + PREEMPT_BITS; // 8
inline constexpr uint32_t HARDIRQ_SHIFT = SOFTIRQ_SHIFT + SOFTIRQ_BITS; // 16
inline constexpr uint32_t NMI_SHIFT = HARDIRQ_SHIFT + HARDIRQ_BITS;     // 20
inline constexpr uint32_t PREEMPT_MASK = 0x000000ffu;
inline constexpr uint32_t SOFTIRQ_MASK = 0x0000ff00u;
inline constexpr uint32_t HARDIRQ_MASK = 0x000f0000u;
inline constexpr uint32_t NMI_MASK = 0x00f00000u;
inline constexpr uint32_t PREEMPT_OFFSET = 1u << PREEMPT_SHIFT;
inline constexpr uint32_t SOFTIRQ_OFFSET = 1u << SOFTIRQ_SHIFT;
inline constexpr uint32_t SOFTIRQ_DISABLE_OFFSET = 2 * SOFTIRQ_OFFSET;
inline constexpr uint32_t HARDIRQ_OFFSET = 1u << HARDIRQ_SHIFT;
inline constexpr uint32_t NMI_OFFSET = 1u << NMI_SHIFT;
// x86 keeps PREEMPT_NEED_RESCHED inverted in bit 31 of the per-CPU word; preempt_count()
// masks it off. The model keeps the word without it.

struct CpuContext {
    uint32_t preempt_count = 0;
    bool irqs_disabled = false;
    // current->pagefault_disabled (include/linux/uaccess.h): pagefault_disable() nests.
    int32_t pagefault_disabled = 0;
    // current_task: the task running on this CPU (a handle into Kernel::tasks).
    uint32_t curr = 0;
};

// Predicates of include/linux/preempt.h on a preempt_count value.
inline bool in_nmi(uint32_t pc) {
    return pc & NMI_MASK;
}
inline bool in_hardirq(uint32_t pc) {
    return pc & HARDIRQ_MASK;
}
inline bool in_softirq(uint32_t pc) {
    return pc & SOFTIRQ_MASK;
}
inline bool in_serving_softirq(uint32_t pc) {
    return pc & SOFTIRQ_OFFSET;
}
inline bool in_interrupt(uint32_t pc) {
    return pc & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_MASK);
}
inline bool in_task(uint32_t pc) {
    return !(pc & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET));
}
inline bool in_atomic(uint32_t pc) {
    return pc != 0;
}

// Context changes on the current CPU (Kernel::current_cpu).
void preempt_disable(Kernel& k);
void preempt_enable(Kernel& k);
void local_bh_disable(Kernel& k);
void local_bh_enable(Kernel& k);
void local_irq_disable(Kernel& k);
void local_irq_enable(Kernel& k);
void irq_enter(Kernel& k);
void irq_exit(Kernel& k);
void spin_lock(Kernel& k); // only its effect on preempt_count: no lock object yet
void spin_unlock(Kernel& k);

// __might_sleep(file, line): prints the "BUG: sleeping function called from invalid
// context" report if the current CPU is in atomic context or has interrupts disabled.
// Returns true if the context was invalid (whether or not the report was rate-limited).
bool might_sleep(Kernel& k, const char* file, int line);
// The same with the call trace to print (innermost first), for callers other than the page
// allocator.
bool might_sleep(Kernel& k, const char* file, int line, std::initializer_list<const char*> frames);

} // namespace klab
