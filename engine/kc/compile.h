// Compiling KernelC text against a Program: declarations (types, globals, functions) are added
// to the Program; top-level statements become Steps that the session runs one at a time, so
// that an oops in one statement does not stop the next (as on a console).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "kc/ast.h"
#include "kc/bytecode.h"
#include "kc/program.h"

namespace klab::kc {

struct Step {
    enum Kind : uint8_t { Run, ModuleInit, ModuleExit, ModuleLicense, ModuleInfo };
    Kind kind = Run;
    Loc loc;
    Function code;      // Run: the statement as a function of no arguments
    TypeId show = 0;    // Run: type of the value to show ($1 = ...); Void shows nothing
    std::string callee; // Run: the function a top-level call expression calls, if any
    std::string name;   // ModuleInit/Exit: function name; License/Info: the string
};

struct Unit {
    std::vector<Step> steps;
    std::vector<std::string> defined_functions;
};

// Compiles src into prog. On error prog is left unchanged (a unit is all or nothing).
Result<Unit> compile(Program& prog, const Source& src);

// Declares a kernel API function implemented by the host, from a C prototype such as
// "void *kmalloc(size_t size, gfp_t flags);". Returns its builtin id (its index).
Result<uint32_t> declare_builtin(Program& prog, std::string_view prototype);

// A named integer constant (GFP_KERNEL, PAGE_SIZE, ...) of the given C type name.
Result<void> add_constant(Program& prog, std::string_view name, std::string_view type_name,
                          uint64_t value);

// Parses one expression (for tests of the parser): its tree, fully parenthesised.
Result<std::string> parse_for_test(Program& prog, std::string_view expression);

// The names a student might have meant (for "did you mean" hints), closest first.
std::string suggest_name(const Program& prog, std::string_view wrong);

} // namespace klab::kc
