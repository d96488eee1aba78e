// KernelC benchmarks (see CMakeLists.txt). Wall-clock time is fine here: this is a
// measurement tool, not engine code. Targets from issue 4: >= 50 M VM instructions/s
// natively, >= 25 M in wasm, and a 500-line module compiled in < 10 ms.
#include <chrono>
#include <cstdio>
#include <string>

#include "kc/compile.h"
#include "kc/vm.h"

using namespace klab::kc;

namespace {

// No kernel: the benchmark loops touch only VM registers and the VM's own memory.
struct NullHost : Host {
    bool read(uint64_t a, void*, uint32_t, Fault& f) override {
        f.addr = a;
        return false;
    }
    bool write(uint64_t a, const void*, uint32_t, Fault& f) override {
        f.addr = a;
        return false;
    }
    BuiltinStatus call(uint32_t, const uint64_t*, uint32_t, Thread&, uint64_t& r, Fault&) override {
        r = 0;
        return BuiltinStatus::Ok;
    }
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void bench_loop(const char* what, const char* code) {
    Program prog(Target::x86_64());
    auto u = compile(prog, Source{"bench.c", code});
    if (!u.ok()) {
        std::printf("%s: compile error\n%s", what, u.error().message.c_str());
        return;
    }
    NullHost host;
    uint32_t f = prog.function_index.at("bench");
    double best = 0;
    uint64_t steps = 0, result = 0;
    for (int rep = 0; rep < 5; rep++) {
        Thread th = make_call(prog, f, {}, prog.target().stack_base, prog.target().thread_size);
        auto t0 = std::chrono::steady_clock::now();
        Exit e = run(prog, th, host, 2'000'000'000ull);
        double s = seconds_since(t0);
        if (e != Exit::Done) std::printf("%s: did not finish\n", what);
        steps = th.steps;
        result = th.result;
        best = std::max(best, static_cast<double>(th.steps) / s);
    }
    std::printf("%-34s %6.1f M instr/s  (%llu instructions, result %llu)\n", what, best / 1e6,
                static_cast<unsigned long long>(steps), static_cast<unsigned long long>(result));
}

// A module of about 500 lines: structs, helpers with loops, switch and goto cleanup.
std::string module_500() {
    std::string s =
        "#include <linux/module.h>\nstruct item { int id; long value; char name[16]; };\n";
    for (int i = 0; s.size() < 500 * 30 || i < 30; i++) {
        std::string n = std::to_string(i);
        s += "static long helper_" + n +
             "(struct item *it, int count)\n{\n"
             "    long sum = 0;\n    int i;\n"
             "    for (i = 0; i < count; i++) {\n"
             "        switch (i % 3) {\n"
             "        case 0: sum += it[i].value * " +
             n +
             "; break;\n"
             "        case 1: sum -= it[i].id; break;\n"
             "        default: sum ^= (long)i << 2;\n        }\n    }\n"
             "    if (sum < 0)\n        goto out;\n"
             "    sum = sum / 2 + (count > 4 ? count : -count);\nout:\n    return sum;\n}\n\n";
    }
    return s;
}

void bench_compile() {
    std::string text = module_500();
    int lines = 0;
    for (char c : text) lines += c == '\n';
    double best = 1e9;
    for (int rep = 0; rep < 20; rep++) {
        Program prog(Target::x86_64());
        auto t0 = std::chrono::steady_clock::now();
        auto u = compile(prog, Source{"module.c", text});
        double s = seconds_since(t0);
        if (!u.ok()) {
            std::printf("compile error\n%s", u.error().message.c_str());
            return;
        }
        best = std::min(best, s);
    }
    std::printf("%-34s %6.2f ms (%d lines)\n", "compile generated module", best * 1e3, lines);
}

} // namespace

int main() {
    bench_loop(
        "int loop: for (...) s += i",
        "long bench(void) { long s = 0; int i; for (i = 0; i < 20000000; i++) s += i; return s; }");
    bench_loop("int loop with array in memory",
               "long bench(void) { int a[64]; long s = 0; int i; for (i = 0; i < 5000000; i++) { "
               "a[i & 63] = i; s += a[(i + 1) & 63]; } return s; }");
    bench_loop("recursive calls: fib(27)", "long fib(int n) { return n < 2 ? n : fib(n - 1) + "
                                           "fib(n - 2); } long bench(void) { return fib(27); }");
    bench_compile();
    return 0;
}
