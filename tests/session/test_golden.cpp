// Golden outputs of the scripts in tests/golden/ (see its README), and their trace hashes:
// the same file is checked by the native and the wasm builds of this test, so equal hashes
// mean the two platforms produced the same trace, kernel log and console output.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

#include "golden_runner.h"

namespace fs = std::filesystem;

TEST_CASE("golden scripts") {
    fs::path dir = fs::path(KLAB_TEST_DATA_DIR) / "golden";
    bool update = std::getenv("KLAB_UPDATE_GOLDEN") != nullptr;
    std::map<std::string, std::string> hashes;
    std::istringstream known(golden::read_file((dir / "trace_hashes.txt").string()));
    for (std::string name, hash; known >> name >> hash;) hashes[name] = hash;
    std::map<std::string, std::string> fresh;
    int n = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
        if (e.path().extension() != ".kc") continue;
        n++;
        std::string name = e.path().filename().string();
        CAPTURE(name);
        uint64_t hash = 0;
        std::string got = golden::run_script(golden::read_file(e.path().string()), name, &hash);
        fresh[name] = std::to_string(hash);
        fs::path expected = e.path();
        expected.replace_extension(".out");
        if (update) {
            std::ofstream(expected, std::ios::binary) << got;
            continue;
        }
        REQUIRE(fs::exists(expected));
        CHECK(got == golden::read_file(expected.string()));
        CHECK(hashes[name] == fresh[name]);
    }
    if (update) {
        std::ofstream out(dir / "trace_hashes.txt", std::ios::binary);
        for (const auto& [name, hash] : fresh) out << name << " " << hash << "\n";
    }
    CHECK(n >= 5);
}
