// A KernelC program as a value: the types, macros, functions, globals and builtins declared so
// far, plus the module's data and read-only data segments. The session keeps one Program per
// machine; console inputs add to it; a snapshot copies it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kc/bytecode.h"
#include "kc/preprocess.h"
#include "kc/types.h"

namespace klab::kc {

struct Global {
    TypeId type = 0;
    uint64_t addr = 0;
};

struct Constant {
    TypeId type = 0;
    uint64_t value = 0;
};

struct Builtin {
    std::string name;
    TypeId type = 0; // a function type
};

// Where the module's pieces live in the simulated kernel address space (see Target).
struct Layout {
    static constexpr uint64_t kTextOffset = 0;
    static constexpr uint64_t kRodataOffset = 0x400000;
    static constexpr uint64_t kDataOffset = 0x800000;
    static constexpr uint64_t kSegmentMax = 0x400000; // 4 MiB per segment
    static constexpr uint64_t kFuncStride = 0x100;    // fake size of one function's text
};

struct Program {
    explicit Program(Target t = Target{}) : types(t) {}

    TypeTable types;
    MacroTable macros;
    std::vector<Function> functions;
    std::map<std::string, uint32_t> function_index;
    std::map<std::string, Global> globals;
    std::map<std::string, Constant> constants;
    std::map<std::string, TypeId> typedefs;
    std::map<std::string, TypeId> tags; // struct/union/enum tags
    std::vector<Builtin> builtins;
    std::map<std::string, uint32_t> builtin_index;
    std::vector<uint8_t> data;   // globals (read-write)
    std::vector<uint8_t> rodata; // string literals (a write faults, as on Linux)
    uint32_t unit_counter = 0;
    uint64_t percpu_used = 0; // bytes of DEFINE_PER_CPU data placed so far

    const Target& target() const { return types.target(); }
    uint64_t text_base() const { return target().module_base + Layout::kTextOffset; }
    uint64_t rodata_base() const { return target().module_base + Layout::kRodataOffset; }
    uint64_t data_base() const { return target().module_base + Layout::kDataOffset; }
    uint64_t function_address(uint32_t index) const {
        return text_base() + index * Layout::kFuncStride;
    }
    // The function whose text contains addr (for calls through pointers and symbolising).
    bool function_at(uint64_t addr, uint32_t& index) const;
};

} // namespace klab::kc
