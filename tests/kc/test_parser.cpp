// Parser tests: precedence, associativity, declarators, and syntax errors with carets.
#include <doctest/doctest.h>

#include "kc/compile.h"

using namespace klab::kc;

static std::string parse(const std::string& e) {
    Program p;
    (void)compile(p, Source{"t.c", "typedef unsigned long ulong_t; struct s { int a; };"});
    auto r = parse_for_test(p, e);
    return r.ok() ? r.value() : "ERROR " + r.error().message;
}

TEST_CASE("C precedence and associativity") {
    CHECK(parse("a + b * c") == "(a + (b * c))");
    CHECK(parse("a - b - c") == "((a - b) - c)");
    CHECK(parse("a = b = c") == "(a = (b = c))");
    CHECK(parse("a << 1 + 2") == "(a << (1 + 2))");
    CHECK(parse("a & b == c") == "(a & (b == c))");
    CHECK(parse("a || b && c | d ^ e & f") == "(a || (b && (c | (d ^ (e & f)))))");
    CHECK(parse("a ? b : c ? d : e") == "(a ? b : (c ? d : e))");
    CHECK(parse("x += y, z") == "((x += y), z)");
    CHECK(parse("-a++") == "(-(a++))");
    CHECK(parse("*p->q[1]") == "(*((p->q)[1]))");
    CHECK(parse("&s.a") == "(&(s.a))");
    CHECK(parse("!~x") == "(!(~x))");
    CHECK(parse("(ulong_t)p + 1") == "(((unsigned long)p) + 1)");
    CHECK(parse("(a)+1") == "(a + 1)");
    CHECK(parse("sizeof(struct s) * 2") == "(sizeof(struct s) * 2)");
    CHECK(parse("sizeof x + 1") == "(sizeof x + 1)");
    CHECK(parse("f(a, b)(c)") == "f(a, b)(c)");
    CHECK(parse("(int (*)(int))p") == "((int (*)(int))p)");
    CHECK(parse("a < b > c <= d") == "(((a < b) > c) <= d)");
}

static std::string compile_error(const std::string& text) {
    Program p;
    auto r = compile(p, Source{"mod.c", text});
    return r.ok() ? "OK" : r.error().message;
}

TEST_CASE("syntax errors point at the right place") {
    CHECK(compile_error("int f(void) {\n    int x = 1\n    return x;\n}") ==
          "mod.c:2:14: error: expected ';' after declaration\n      int x = 1\n               ^\n");
    CHECK(compile_error("int f(void) { return (1 + ; }")
              .find("mod.c:1:27: error: expected an expression before ';'") == 0);
    CHECK(compile_error("int f(void) { if 1) return 0; }").find("expected '(' after 'if'") !=
          std::string::npos);
    CHECK(compile_error("int f(void) { break; }")
              .find("'break' statement not in loop or switch statement") != std::string::npos);
    CHECK(
        compile_error("int f(void) { goto nowhere; }").find("use of undeclared label 'nowhere'") !=
        std::string::npos);
    CHECK(compile_error("int f(void) {").find("expected '}' at end of input") != std::string::npos);
}

TEST_CASE("deep nesting is an error, not a crash") {
    std::string deep(5000, '(');
    CHECK(compile_error("x = " + deep + "1;").find("nested too deeply") != std::string::npos);
    std::string blocks = "void f(void) " + std::string(3000, '{') + std::string(3000, '}');
    CHECK(compile_error(blocks).find("nested too deeply") != std::string::npos);
    std::string chain = "x = 1";
    for (int i = 0; i < 5000; i++) chain += " + 1";
    CHECK(compile_error(chain + ";").find("expression too complex") != std::string::npos);
    std::string structs;
    for (int i = 0; i < 3000; i++) structs += "struct s" + std::to_string(i) + " { ";
    CHECK(compile_error(structs).find("nested too deeply") != std::string::npos);
    std::string unary = "x = " + std::string(5000, '-') + "1;";
    CHECK(compile_error(unary).find("nested too deeply") != std::string::npos);
}

TEST_CASE("a failed unit changes nothing") {
    Program p;
    REQUIRE(compile(p, Source{"a.c", "int g = 1;"}).ok());
    auto before = p.globals.size();
    CHECK(!compile(p, Source{"b.c", "int h = 2; int f(void) { return nope; }"}).ok());
    CHECK(p.globals.size() == before);
    CHECK(!p.globals.count("h"));
}
