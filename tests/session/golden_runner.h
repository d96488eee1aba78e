// Runs a golden script the way `klab run` does (piece by piece, options from a first line
// "// klab: --preset i386 --seed 3 --allocator slab") and returns everything it printed, in order.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "session/console.h"
#include "session/session.h"

namespace golden {

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline klab::MachineConfig config_for(const std::string& text) {
    klab::MachineConfig c = klab::MachineConfig::preset(klab::Arch::x86_64);
    if (text.rfind("// klab:", 0) != 0) return c;
    std::istringstream opts(text.substr(8, text.find('\n') - 8));
    std::string o, v;
    while (opts >> o >> v) {
        if (o == "--preset") c = klab::MachineConfig::preset(klab::parse_arch(v).value());
        if (o == "--seed") c.seed = std::stoull(v);
        if (o == "--mem") c.mem_bytes = klab::parse_mem_size(v).value();
        if (o == "--cpus") c.nr_cpus = uint32_t(std::stoul(v));
        if (o == "--allocator") c.allocator = klab::parse_allocator(v).value();
        if (o == "--cmdline") c.cmdline += (c.cmdline.empty() ? "" : " ") + v; // one word each
    }
    return c;
}

inline std::string run_script(const std::string& text, const std::string& name,
                              uint64_t* hash = nullptr) {
    klab::SessionOptions opt;
    opt.check_invariants = true; // a broken invariant prints a line, so the golden fails
    auto s = klab::Session::create(config_for(text), opt);
    if (!s.ok()) return "BOOT FAILED: " + s.error().message;
    std::string out;
    for (const klab::InputPiece& p : klab::split_input(text))
        out += s.value().exec(p.text, name, p.first_line).output;
    if (hash) *hash = s.value().trace_hash();
    return out;
}

} // namespace golden
