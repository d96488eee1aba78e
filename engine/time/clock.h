// Virtual time: models include/linux/jiffies.h (INITIAL_JIFFIES, HZ) and the monotonic clock
// printk timestamps use. Simplification: time only moves when the model advances it; there is
// no timer interrupt yet, so jiffies is derived from the nanosecond clock.
#pragma once

#include <cstdint>

namespace klab {

struct Clock {
    uint64_t ns = 0;         // nanoseconds since boot (local_clock() in printk)
    uint32_t hz = 250;       // CONFIG_HZ of the preset
    bool long_is_32 = false; // i386: unsigned long is 32 bits, so jiffies wraps

    // (unsigned long)(unsigned int)(-300*HZ): the counter wraps five minutes after boot on
    // 32-bit kernels; on 64-bit it simply starts at 2^32 - 300*HZ.
    uint64_t initial_jiffies() const {
        return static_cast<uint32_t>(-300 * static_cast<int32_t>(hz));
    }
    uint64_t jiffies() const {
        uint64_t j = initial_jiffies() + ns * hz / 1000000000ull;
        return long_is_32 ? static_cast<uint32_t>(j) : j;
    }
    void advance_ns(uint64_t d) { ns += d; }
};

} // namespace klab
