// A minimal host for KernelC tests: a few mapped pages and two builtins, out(v) which records
// values, and sleep_once() which blocks the first time it is called.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "kc/compile.h"
#include "kc/vm.h"

namespace kctest {

using namespace klab::kc;

struct TestHost : Host {
    std::map<uint64_t, std::vector<uint8_t>> pages; // page address -> 4096 bytes
    std::vector<int64_t> out;
    int sleeps = 0;

    void map(uint64_t page) { pages[page & ~0xfffull].assign(4096, 0); }
    bool access(uint64_t addr, uint8_t* buf, uint32_t n, bool write, Fault& f) {
        for (uint32_t i = 0; i < n; i++) {
            auto it = pages.find((addr + i) & ~0xfffull);
            if (it == pages.end()) {
                f = Fault{addr + i, write ? Access::Write : Access::Read, false};
                return false;
            }
            uint8_t& b = it->second[(addr + i) & 0xfff];
            if (write)
                b = buf[i];
            else
                buf[i] = b;
        }
        return true;
    }
    bool read(uint64_t a, void* d, uint32_t n, Fault& f) override {
        return access(a, static_cast<uint8_t*>(d), n, false, f);
    }
    bool write(uint64_t a, const void* s, uint32_t n, Fault& f) override {
        return access(a, const_cast<uint8_t*>(static_cast<const uint8_t*>(s)), n, true, f);
    }
    BuiltinStatus call(uint32_t id, const uint64_t* args, uint32_t, Thread&, uint64_t& ret,
                       Fault&) override {
        if (id == 0) {
            out.push_back(static_cast<int64_t>(args[0]));
            ret = args[0];
            return BuiltinStatus::Ok;
        }
        if (id == 1) {
            ret = 7;
            return sleeps++ == 0 ? BuiltinStatus::Block : BuiltinStatus::Ok;
        }
        return BuiltinStatus::Kill;
    }
};

struct Runner {
    Program prog;
    TestHost host;
    std::vector<Exit> exits;
    std::vector<uint64_t> values;
    std::string error;
    uint64_t budget = 5'000'000;

    explicit Runner(Target t = Target::x86_64()) : prog(t) {
        (void)declare_builtin(prog, "long out(long v);");
        (void)declare_builtin(prog, "long sleep_once(void);");
        (void)add_constant(prog, "PAGE_SIZE", "unsigned long", 4096);
        host.map(0x10000);
        host.map(0x11000);
    }

    // Compiles and runs text; returns false (and sets error) on a compile error.
    bool run(const std::string& text) {
        auto u = compile(prog, Source{"test.c", text});
        if (!u.ok()) {
            error = u.error().message;
            return false;
        }
        for (auto& s : u.value().steps) {
            if (s.kind != Step::Run) continue;
            Thread th =
                make_thread(prog, s.code, prog.target().stack_base, prog.target().thread_size);
            Exit e = klab::kc::run(prog, th, host, budget);
            exits.push_back(e);
            values.push_back(th.result);
        }
        return true;
    }
    // The value of a single expression statement.
    int64_t eval(const std::string& expr) {
        values.clear();
        exits.clear();
        if (!run(expr + ";")) return INT64_MIN;
        return values.empty() ? INT64_MIN : static_cast<int64_t>(values.back());
    }
};

} // namespace kctest
