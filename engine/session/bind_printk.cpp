// printk and the kernel's snprintf family as builtins: models kernel/printk/printk.c's
// handling of the KERN_<level> prefix (and KERN_CONT) on top of lib/vsprintf.c.
#include "lib/vsprintf.h"
#include "mm/gfp.h"
#include "printk/pointer.h"
#include "printk/printk.h"
#include "session/builtins.h"
#include "session/oops.h"

namespace klab {

namespace {

class CallArgs : public PrintfArgs {
public:
    CallArgs(CallCtx& c, uint32_t first) : c_(c), i_(first) {}
    uint64_t next() override { return c_.arg(i_++); }
    bool string_at(uint64_t addr, uint32_t max, std::string& out) override {
        return c_.string(addr, out, max);
    }
    bool read_at(uint64_t addr, uint32_t n, uint64_t& out) override {
        out = 0;
        return c_.read(addr, &out, n);
    }
    std::string symbol(uint64_t addr, bool with_offset) override {
        return symbolize(c_.st, addr, with_offset);
    }
    std::string gfp_names(uint32_t gfp) override { return klab::gfp_names(gfp); }

private:
    CallCtx& c_;
    uint32_t i_;
};

constexpr LogLevel kDefaultLevel = LogLevel::warning; // MESSAGE_LOGLEVEL_DEFAULT

// Formats args[fmt_index...]; false if the format string itself faults.
bool format(CallCtx& c, uint32_t fmt_index, std::string& out) {
    std::string fmt;
    if (!c.string(c.arg(fmt_index), fmt, 1024)) return false;
    CallArgs args(c, fmt_index + 1);
    out = kvsprintf(fmt, args, kernel_printf_target(c.k()));
    return true;
}

kc::BuiltinStatus do_printk(CallCtx& c) {
    std::string text;
    if (!format(c, 0, text)) return kc::BuiltinStatus::Fault;
    size_t printed = text.size();
    LogLevel level = kDefaultLevel;
    bool cont = false;
    // KERN_SOH followed by a level digit or 'c' (KERN_CONT); may repeat.
    while (text.size() >= 2 && text[0] == '\001') {
        char l = text[1];
        if (l >= '0' && l <= '7')
            level = static_cast<LogLevel>(l - '0');
        else if (l == 'c')
            cont = true;
        text.erase(0, 2);
    }
    printk_store(c.k(), level, text, cont);
    return ok(c, printed);
}

kc::BuiltinStatus write_formatted(CallCtx& c, uint64_t buf, uint64_t size, uint32_t fmt_index) {
    std::string text;
    if (!format(c, fmt_index, text)) return kc::BuiltinStatus::Fault;
    if (size > 0) {
        uint64_t n = std::min<uint64_t>(text.size(), size - 1);
        if (!c.write(buf, text.data(), static_cast<uint32_t>(n))) return kc::BuiltinStatus::Fault;
        char z = 0;
        if (!c.write(buf + n, &z, 1)) return kc::BuiltinStatus::Fault;
    }
    return ok(c, text.size());
}

kc::BuiltinStatus do_snprintf(CallCtx& c) {
    return write_formatted(c, c.arg(0), c.arg(1), 2);
}
kc::BuiltinStatus do_scnprintf(CallCtx& c) {
    auto s = write_formatted(c, c.arg(0), c.arg(1), 2);
    if (s == kc::BuiltinStatus::Ok && c.arg(1) > 0) c.ret = std::min<uint64_t>(c.ret, c.arg(1) - 1);
    if (s == kc::BuiltinStatus::Ok && c.arg(1) == 0) c.ret = 0;
    return s;
}
kc::BuiltinStatus do_sprintf(CallCtx& c) {
    return write_formatted(c, c.arg(0), UINT32_MAX, 1);
}

kc::BuiltinStatus do_dump_stack(CallCtx& c) {
    print_call_trace_report(c.st, c.th, "dump_stack_lvl");
    return ok(c, 0);
}

} // namespace

Result<void> bind_printk(kc::Program& prog, BuiltinTable& table) {
    KLAB_TRY(bind(prog, table, "int printk(const char *fmt, ...);", do_printk));
    KLAB_TRY(bind(prog, table, "int snprintf(char *buf, size_t size, const char *fmt, ...);",
                  do_snprintf));
    KLAB_TRY(bind(prog, table, "int scnprintf(char *buf, size_t size, const char *fmt, ...);",
                  do_scnprintf));
    KLAB_TRY(bind(prog, table, "int sprintf(char *buf, const char *fmt, ...);", do_sprintf));
    KLAB_TRY(bind(prog, table, "void dump_stack(void);", do_dump_stack));
    return {};
}

} // namespace klab
