// Linux's words, then plain words (engine/printk/plain_words.h): every report the golden
// scripts print has the lab's sentence, a double free says so, and the sentence never replaces
// the report's own lines.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "printk/dump_stack.h"
#include "printk/plain_words.h"
#include "session/session.h"

using namespace klab;
namespace fs = std::filesystem;

namespace {

Session boot(Arch a = Arch::x86_64) {
    auto s = Session::create(MachineConfig::preset(a));
    REQUIRE(s.ok());
    return std::move(s.value());
}

std::string read(const fs::path& p) {
    std::ifstream f(p);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

} // namespace

TEST_CASE("plain words: every report head in the golden outputs has a sentence") {
    size_t heads = 0;
    for (const auto& e : fs::directory_iterator(fs::path(KLAB_TEST_DATA_DIR) / "golden")) {
        if (e.path().extension() != ".out") continue;
        std::istringstream in(read(e.path()));
        for (std::string line; std::getline(in, line);) {
            std::string_view text = printk_text(line);
            bool head = is_report_head(text) || text.find("page allocation failure: order:") != std::string::npos ||
                        text.find(": vmalloc error: size ") != std::string::npos ||
                        text.rfind("watchdog: BUG: soft lockup", 0) == 0;
            if (!head || text.rfind("Oops: ", 0) == 0) continue;
            ++heads;
            CHECK_MESSAGE(!plain_words(text).empty(), e.path().filename().string() << ": " << text);
        }
    }
    CHECK(heads > 20);
}

TEST_CASE("plain words: a specific line wins over its family, continuations get none") {
    CHECK(plain_words("kernel BUG at mm/slub.c:419!").find("double-free") != std::string_view::npos);
    CHECK(plain_words("kernel BUG at mm/slub.c:999!").find("BUG_ON()") != std::string_view::npos);
    CHECK(plain_words("WARNING: CPU: 1 PID: 1000 at mm/page_alloc.c:5634 __alloc_pages").find("order 11") !=
          std::string_view::npos);
    CHECK(plain_words("BUG kmalloc-128 (Not tainted): Poison overwritten").find("use after free") !=
          std::string_view::npos);
    CHECK(plain_words("Oops: 0002 [#1] PREEMPT SMP NOPTI").empty());
    CHECK(plain_words("Node 0, zone   Normal      0").empty());
    CHECK(printk_text("[    0.000013] BUG: x") == "BUG: x");
    CHECK(printk_text("Killed").empty());
}

TEST_CASE("plain words: a double free prints Linux's report unchanged, and the sentence names it") {
    Session s = boot();
    ExecResult r = s.exec("p = kmalloc(100, GFP_KERNEL); kfree(p); kfree(p);");
    CHECK(r.output.find("kernel BUG at mm/slub.c:419!") != std::string::npos);
    CHECK(r.output.find("double") == std::string::npos); // Linux's words only, in the output itself
    PlainReport pr = first_plain_report(r.output);
    CHECK(pr.head == "kernel BUG at mm/slub.c:419!");
    CHECK(pr.plain.find("freed twice") != std::string_view::npos);
}

TEST_CASE("a struct page * passed to free_pages() suggests __free_pages(), not a cast") {
    Session s = boot();
    s.exec("big = alloc_pages(GFP_KERNEL, 4);");
    ExecResult r = s.exec("free_pages(big, 4);");
    CHECK(r.compile_error);
    CHECK(r.output.find("__free_pages()") != std::string::npos);
    CHECK(r.output.find("add a cast") == std::string::npos);
    r = s.exec("unsigned long x = big;");
    CHECK(r.output.find("add a cast") != std::string::npos); // an assignment keeps the C wording
}
