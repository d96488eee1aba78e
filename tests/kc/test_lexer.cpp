// Lexer and preprocessor tests.
#include <doctest/doctest.h>

#include "kc/lexer.h"
#include "kc/preprocess.h"

using namespace klab::kc;

static std::vector<Token> toks(const std::string& s) {
    auto r = lex(Source{"t.c", s});
    REQUIRE(r.ok());
    return r.value();
}

TEST_CASE("integer literals in every base with suffixes") {
    auto t = toks("42 0x2a 052 0b101010 42u 42UL 42ll 0xffffffffffffffff");
    CHECK(t[0].value == 42);
    CHECK(t[1].value == 42);
    CHECK(t[2].value == 42);
    CHECK(t[3].value == 42);
    CHECK((t[4].flags & kIntUnsigned));
    CHECK((t[5].flags & kIntLong));
    CHECK((t[6].flags & kIntLongLong));
    CHECK(t[7].value == ~0ull);
}

TEST_CASE("char and string escapes") {
    auto t = toks(R"('a' '\n' '\x41' '\0' '\377' "a\tb\101\"")");
    CHECK(t[0].value == 'a');
    CHECK(t[1].value == '\n');
    CHECK(t[2].value == 0x41);
    CHECK(t[3].value == 0);
    CHECK(static_cast<int64_t>(t[4].value) == -1); // char is signed on x86
    CHECK(t[5].text == "a\tbA\"");
}

TEST_CASE("punctuators take the longest match and comments vanish") {
    auto t = toks("a<<=b->c/*x*/ ... // tail\n++");
    std::vector<std::string> want = {"a", "<<=", "b", "->", "c", "...", "++"};
    REQUIRE(t.size() == want.size() + 1);
    for (size_t i = 0; i < want.size(); i++) CHECK(t[i].text == want[i]);
    CHECK(t[6].loc.line == 2);
}

TEST_CASE("lexical errors are compiler-style with a caret") {
    auto r = lex(Source{"mod.c", "int x = 1;\nint y = 08;\n"});
    REQUIRE(!r.ok());
    CHECK(r.error().message ==
          "mod.c:2:9: error: invalid digit '8' in octal constant\n  int y = 08;\n          ^\n");
    CHECK(!lex(Source{"m.c", "\"open"}).ok());
    CHECK(!lex(Source{"m.c", "/* open"}).ok());
    CHECK(!lex(Source{"m.c", "a @ b"}).ok());
    CHECK(!lex(Source{"m.c", "99999999999999999999999"}).ok());
}

static std::string expand(const std::string& s, MacroTable& m) {
    Source src{"t.c", s};
    auto r = lex(src);
    REQUIRE(r.ok());
    auto p = preprocess(src, r.value(), m);
    if (!p.ok()) return "ERROR " + p.error().message;
    std::string out;
    for (auto& t : p.value())
        if (t.kind != Tok::End) out += (out.empty() ? "" : " ") + spell(t);
    return out;
}

TEST_CASE("macros: object-like, function-like, variadic with ##__VA_ARGS__, #") {
    MacroTable m;
    CHECK(expand("#include <linux/module.h>\n#define PREF \"[X] \"\nPREF \"hi\"", m) ==
          "\"[X] \" \"hi\"");
    CHECK(expand("#define SQ(x) ((x) * (x))\nSQ(a + 1)", m) == "( ( a + 1 ) * ( a + 1 ) )");
    CHECK(expand("#define P(fmt, ...) printk(fmt, ##__VA_ARGS__)\nP(\"a\") P(\"b\", 1, 2)", m) ==
          "printk ( \"a\" ) printk ( \"b\" , 1 , 2 )");
    CHECK(expand("#define S(x) #x\nS(a + b)", m) == "\"a + b\"");
    CHECK(expand("#define CAT(a, b) a ## b\nCAT(foo, bar)", m) == "foobar");
    // A macro is not expanded inside its own expansion.
    CHECK(expand("#define f f + 1\nf", m) == "f + 1");
    // The table persists: PREF is still defined.
    CHECK(expand("PREF", m) == "\"[X] \"");
    CHECK(expand("#ifdef PREF\nyes\n#else\nno\n#endif", m) == "yes");
    CHECK(expand("#if 0\nno\n#endif\nok", m) == "ok");
}

TEST_CASE("runaway macros are errors, not hangs") {
    MacroTable m;
    std::string s =
        "#define a b b b b b b b b\n#define b c c c c c c c c\n#define c d d d d d d d d\n"
        "#define d e e e e e e e e\n#define e f f f f f f f f\n#define f g g g g g g g g\n"
        "#define g h h h h h h h h\na";
    CHECK(expand(s, m).rfind("ERROR", 0) == 0);
    CHECK(expand("#define g(x) g(x) g(x)\ng(1)", m).find("g") != std::string::npos);
    CHECK(expand("#if FOO > 1\n#endif", m).rfind("ERROR", 0) == 0);
    CHECK(expand("#ifdef X\n", m).rfind("ERROR", 0) == 0);
}
