// The KernelC bytecode: a stack machine over 64-bit values. Every value on the stack is kept
// normalised to its C type (sign- or zero-extended from the type's width), so that int
// arithmetic wraps at 32 bits and i386 pointers stay 32-bit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kc/diag.h"
#include "kc/types.h"

namespace klab::kc {

enum class Op : uint8_t {
    Nop,
    Const,     // push imm
    Local,     // push slot[a]
    SetLocal,  // slot[a] = pop
    TeeLocal,  // slot[a] = top
    FrameAddr, // push frame address + imm (locals kept in kernel-stack memory)
    Load,      // pop addr; push value of width x (sign-extended if y)
    Store,     // pop value, pop addr; store x bytes; push value
    Pop,
    Dup,
    Swap,
    Add,
    Sub,
    Mul,
    DivS,
    DivU,
    RemS,
    RemU,
    And,
    Or,
    Xor,
    Shl,
    ShrS,
    ShrU, // x = mask for the shift count (31 or 63), as the x86 shift does
    Eq,
    Ne,
    LtS,
    LtU,
    LeS,
    LeU,
    GtS,
    GtU,
    GeS,
    GeU,
    Neg,
    Not,
    LNot,
    Ext, // normalise top to x = ExtKind
    Jmp,
    Jz,
    Jnz,         // a = target pc; Jz/Jnz pop the condition
    Call,        // a = function index, x = argument count
    CallPtr,     // pop function address, then x arguments
    CallBuiltin, // a = builtin id, x = argument count
    Ret,         // return pop
    RetVoid,
    Zero, // pop addr; zero imm bytes
    Copy, // pop src, pop dst; copy imm bytes; push dst
};

enum ExtKind : uint8_t { kExtS8, kExtU8, kExtS16, kExtU16, kExtS32, kExtU32, kExtBool };

struct Insn {
    Op op = Op::Nop;
    uint8_t x = 0;
    uint16_t y = 0;
    int32_t a = 0;
    uint64_t imm = 0;
};

struct Function {
    std::string name;
    TypeId type = 0;
    bool defined = false;
    Loc loc; // where it was declared, for "undefined reference" errors
    std::vector<Insn> code;
    std::vector<uint32_t> lines; // source line of each instruction, for oops call traces
    uint32_t nparams = 0;
    uint32_t nslots = 0;      // register slots, parameters first
    uint32_t max_depth = 0;   // upper bound of the operand stack
    uint32_t frame_bytes = 0; // locals kept in memory (arrays, structs, &-taken scalars)
};

const char* op_name(Op op);

} // namespace klab::kc
