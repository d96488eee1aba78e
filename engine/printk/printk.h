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
    // The newest record came from a printk whose text did not end in a newline, so a
    // KERN_CONT printk may still add to it (printk.c's LOG_CONT records).
    bool open = false;

    void append(uint64_t ts_ns, LogLevel level, std::string_view line);
    // Records with seq >= since (for a front end that tails the log).
    std::string dmesg(uint64_t since = 0) const;
};

// The model's own reports: each line of text becomes a record (a missing final newline is
// implied), on the kernel's clock.
void printk(Kernel& k, LogLevel level, std::string_view text);
// A printk() call from KernelC code, after its KERN_* prefixes are parsed: with cont
// (KERN_CONT) the text up to its first newline joins the newest record if that record is
// still open; text that does not end in a newline leaves its last record open.
void printk_store(Kernel& k, LogLevel level, std::string_view text, bool cont);
// "[    1.234567] " for a timestamp, as dmesg prints it.
std::string format_log_prefix(uint64_t ts_ns);

} // namespace klab
