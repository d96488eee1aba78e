// Kernel log ring and dmesg rendering (see printk.h).
#include "printk/printk.h"

#include <cstdio>

#include "machine/kernel.h"

namespace klab {

void KernelLog::append(uint64_t ts_ns, LogLevel level, std::string_view line) {
    if (records.size() == kLogCapacity) records.pop_front();
    records.push_back(LogRecord{next_seq++, ts_ns, level, std::string(line)});
}

std::string format_log_prefix(uint64_t ts_ns) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "[%5llu.%06llu] ",
                  static_cast<unsigned long long>(ts_ns / 1000000000ull),
                  static_cast<unsigned long long>(ts_ns % 1000000000ull / 1000ull));
    return buf;
}

std::string KernelLog::dmesg(uint64_t since) const {
    std::string out;
    for (const LogRecord& r : records) {
        if (r.seq < since) continue;
        out += format_log_prefix(r.ts_ns);
        out += r.text;
        out += '\n';
    }
    return out;
}

void printk(Kernel& k, LogLevel level, std::string_view text) {
    // Each printk takes a little virtual time, so that a report's lines are ordered and
    // distinct in dmesg the way they are on a real console.
    while (!text.empty()) {
        size_t nl = text.find('\n');
        k.log.append(k.clock.ns, level, text.substr(0, nl));
        k.clock.advance_ns(1000);
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    k.log.open = false;
}

void printk_store(Kernel& k, LogLevel level, std::string_view text, bool cont) {
    bool leave_open = !text.empty() && text.back() != '\n';
    if (cont && k.log.open && !k.log.records.empty()) {
        size_t nl = text.find('\n');
        k.log.records.back().text += text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    }
    printk(k, level, text);
    k.log.open = leave_open;
}

} // namespace klab
