// Internal to the KernelC compiler: one object per compiled unit, shared by the parser and
// code generator files (parse_*.cpp, gen_*.cpp, compiler.cpp). Not part of the kc API.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "kc/ast.h"
#include "kc/compile.h"
#include "kc/lexer.h"
#include "kc/program.h"

namespace klab::kc {

// Nesting limits: deeper input is an error, never a host stack overflow.
inline constexpr int kMaxNesting = 200;

void compact(Function& f);

struct Decl {
    std::string name;
    Loc loc;
    TypeId type = 0;
    std::vector<std::string> param_names;
};

struct DeclSpec {
    TypeId type = 0;
    bool is_typedef = false;
    bool is_static = false;
    bool is_extern = false;
    bool is_percpu = false; // __attribute__((section(".data..percpu"))): DEFINE_PER_CPU
    Loc loc;
};

// Where a variable lives: a register slot of the frame, kernel-stack memory of the frame, or a
// fixed address (globals, static locals).
struct Var {
    enum Kind : uint8_t { Reg, Frame, Fixed } kind = Reg;
    TypeId type = 0;
    uint32_t slot = 0;   // Reg
    uint64_t offset = 0; // Frame: offset in the frame; Fixed: address
};

struct LValue {
    enum Kind : uint8_t { Reg, Mem } kind = Mem; // Mem: the address is on the stack
    TypeId type = 0;
    uint32_t slot = 0;
};

class Compiler {
public:
    Compiler(Program& prog, const Source& src, std::vector<Token> toks)
        : p_(prog), t_(prog.types), src_(src), toks_(std::move(toks)) {}

    Result<Unit> unit();
    Result<uint32_t> builtin_prototype();
    Result<ExprPtr> expression_only();

    // --- tokens (parse_util) ---
    const Token& tok() const { return toks_[pos_]; }
    const Token& peek(size_t k = 1) const { return toks_[std::min(pos_ + k, toks_.size() - 1)]; }
    bool at(const char* p) const { return tok().is(p); }
    bool accept(const char* p);
    Result<void> expect(const char* p, const char* what = nullptr);
    Error err(Loc l, const std::string& msg, const std::string& hint = {}) const;
    Error err_here(const std::string& msg) const { return err(tok().loc, msg); }
    Error unknown_name(Loc l, const std::string& name, const std::string& what) const;

    // --- types and declarations (parse_decl) ---
    bool starts_type() const;
    Result<DeclSpec> decl_specs();
    Result<Decl> declarator(TypeId base, bool abstract_ok);
    Result<TypeId> type_name();
    Result<TypeId> record_spec(bool is_union);
    Result<TypeId> enum_spec();
    Result<void> skip_attributes();
    Result<TypeId> typeof_spec();

    // --- expressions (parse_expr) ---
    Result<ExprPtr> expr();
    Result<ExprPtr> assign_expr();
    Result<ExprPtr> cond_expr();
    Result<ExprPtr> binary_expr(int min_prec);
    Result<ExprPtr> unary_expr();
    Result<ExprPtr> postfix_expr();
    Result<ExprPtr> primary_expr();
    Result<ExprPtr> initializer();

    // --- constant folding (const_eval) ---
    bool const_eval(const Expr& e, int64_t& out);
    Result<int64_t> const_expr();

    // --- code generation of expressions (gen_expr, gen_ops) ---
    Result<TypeId> rvalue(Expr& e); // value, arrays/functions decayed
    Result<TypeId> gen(Expr& e, bool decay);
    Result<LValue> lvalue(Expr& e);
    Result<TypeId> type_of(Expr& e, bool decay); // type without emitting code
    void load(const LValue& lv);
    void store(const LValue& lv);
    Result<void> convert(TypeId from, TypeId to, Loc loc, bool explicit_cast,
                         const Expr* src = nullptr);
    void normalize(TypeId t);
    TypeId promote(TypeId t) const;
    TypeId common_type(TypeId a, TypeId b) const;
    Result<TypeId> gen_binary(Expr& e);
    Result<TypeId> gen_assign(Expr& e);
    Result<TypeId> gen_incdec(Expr& e);
    Result<TypeId> gen_call(Expr& e);
    Result<TypeId> gen_args(Expr& e, TypeId fn_type, const std::string& fname);
    Result<TypeId> gen_member(Expr& e, bool want_addr);
    Result<TypeId> gen_cond(Expr& e);
    // Initialises the object whose address is on the stack (and pops it).
    Result<void> init_memory(TypeId type, Expr& init, uint32_t depth);
    bool is_null_constant(const Expr& e);
    Result<void> page_for_address(TypeId from, TypeId to, Loc loc, const std::string& fname);
    bool lookup_var(const std::string& name, Var& out) const;
    void patch_ext(uint32_t at, TypeId from, TypeId to);
    bool needs_ext(TypeId from, TypeId to) const;
    TypeId size_type() const;
    TypeId ptrdiff_type() const;
    Result<void> check_complete_pointee(TypeId ptr, Loc loc);

    // --- statements (gen_stmt) ---
    Result<void> statement(int depth = 0);
    Result<void> block(int depth);
    void discard_value(Expr& e);
    Result<void> local_declaration();
    Result<void> if_stmt(int depth);
    Result<void> while_stmt(int depth);
    Result<void> do_stmt(int depth);
    Result<void> for_stmt(int depth);
    Result<void> switch_stmt(int depth);
    Result<void> return_stmt();
    Result<void> cond_jump(Expr& e, bool jump_if, std::vector<uint32_t>& patches);

    // --- top level (compiler) ---
    Result<void> top_level_item();
    Result<void> function_definition(const Decl& d, bool is_static);
    Result<void> global_declaration(const DeclSpec& spec, Decl d);
    Result<void> module_macro();
    Result<void> top_level_statement();
    Result<uint32_t> declare_function(const Decl& d);
    void scan_address_taken(size_t body_begin);
    void reset_function_state();
    Result<void> resolve_gotos();

    // --- emission ---
    uint32_t emit(Op op, int32_t a = 0, uint64_t imm = 0, uint8_t x = 0, uint16_t y = 0);
    uint32_t here() const { return static_cast<uint32_t>(fn_->code.size()); }
    void patch(uint32_t at, uint32_t target) { fn_->code[at].a = static_cast<int32_t>(target); }
    void patch_all(const std::vector<uint32_t>& at, uint32_t target) {
        for (uint32_t i : at) patch(i, target);
    }
    uint32_t new_slot() { return fn_->nslots++; }
    uint64_t new_frame_bytes(TypeId t);
    Result<uint64_t> new_global(TypeId t, Loc loc);
    Result<uint64_t> new_percpu_global(TypeId t, Loc loc);
    uint64_t intern_string(const std::string& bytes);

private:
    friend struct FunctionScope;
    Program& p_;
    TypeTable& t_;
    const Source& src_;
    std::vector<Token> toks_;
    size_t pos_ = 0;
    Unit unit_;

    // The function being compiled (a defined function or a top-level statement).
    Function* fn_ = nullptr;
    bool top_level_stmt_ = false;
    TypeId ret_type_ = 0;
    std::vector<std::map<std::string, Var>> scopes_;
    std::set<std::string> address_taken_;
    std::vector<std::vector<uint32_t>*> breaks_, continues_;
    std::map<std::string, uint32_t> labels_;
    std::vector<std::pair<std::string, Loc>> goto_names_;
    std::vector<uint32_t> goto_sites_;
    struct SwitchCtx {
        std::vector<std::pair<int64_t, uint32_t>> cases;
        int64_t default_pc = -1;
        TypeId type = 0;
    };
    std::vector<SwitchCtx*> switches_;
    uint32_t depth_ = 0; // modelled operand stack depth while emitting
    int expr_depth_ = 0;
    bool percpu_attr_ = false;  // a section(".data..percpu") attribute was just skipped
    std::set<uint32_t> called_; // functions this unit calls (checked for a definition)
    std::map<uint32_t, Loc> called_at_;

    friend class ExprDepthGuard;
};

} // namespace klab::kc
