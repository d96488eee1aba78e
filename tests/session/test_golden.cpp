// Golden outputs of the scripts in tests/golden/ (see its README).
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

#include "golden_runner.h"

namespace fs = std::filesystem;

TEST_CASE("golden scripts") {
    fs::path dir = fs::path(KLAB_TEST_DATA_DIR) / "golden";
    bool update = std::getenv("KLAB_UPDATE_GOLDEN") != nullptr;
    int n = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
        if (e.path().extension() != ".kc") continue;
        n++;
        std::string name = e.path().filename().string();
        CAPTURE(name);
        std::string got = golden::run_script(golden::read_file(e.path().string()), name);
        fs::path expected = e.path();
        expected.replace_extension(".out");
        if (update) {
            std::ofstream(expected, std::ios::binary) << got;
            continue;
        }
        REQUIRE(fs::exists(expected));
        CHECK(got == golden::read_file(expected.string()));
    }
    CHECK(n >= 5);
}
