// The kernel log: models kernel/printk/printk.c as far as dmesg shows it (a record per line,
// a level, a timestamp from the virtual clock). Simplifications: the ring holds the newest
// kLogCapacity records rather than a byte-sized buffer; no console levels, no /dev/kmsg.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace klab {

struct Kernel;

// KERN_EMERG .. KERN_DEBUG, as the numbers inside "<n>".
enum class LogLevel : uint8_t { emerg, alert, crit, err, warning, notice, info, debug };

struct LogRecord {
    uint64_t seq = 0;   // 0, 1, 2 ... in the order printed
    uint64_t ts_ns = 0; // virtual time of the printk
    LogLevel level = LogLevel::info;
    std::string text; // one line, without the newline
};

struct KernelLog {
    static constexpr uint32_t kLogCapacity = 8192;
    std::deque<LogRecord> records;
    uint64_t next_seq = 0;

    void append(uint64_t ts_ns, LogLevel level, std::string_view line);
    // Records with seq >= since (for a front end that tails the log).
    std::string dmesg(uint64_t since = 0) const;
};

// printk(KERN_x "...") on the kernel's clock. Text may hold several lines; each becomes a
// record, as with pr_cont-free printks in Linux.
void printk(Kernel& k, LogLevel level, std::string_view text);
// "[    1.234567] " for a timestamp, as dmesg prints it.
std::string format_log_prefix(uint64_t ts_ns);

} // namespace klab
