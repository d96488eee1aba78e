// Machine presets and their parameters (engine/core/config.h).
#include <doctest/doctest.h>

#include "core/config.h"
#include "core/version.h"

using namespace klab;

TEST_CASE("presets follow the textbook i386 machine and a modern x86_64 one") {
    MachineConfig i = MachineConfig::preset(Arch::i386);
    CHECK(i.mem_bytes == (1ull << 30));
    CHECK(i.hz() == 100);
    CHECK(i.page_offset() == 0xC0000000ull);
    CHECK(i.pointer_bytes() == 4);
    CHECK(i.nr_cpus == 2);

    MachineConfig x = MachineConfig::preset(Arch::x86_64);
    CHECK(x.hz() == 250);
    CHECK(x.page_offset() == 0xffff888000000000ull);
    CHECK(x.mem_bytes > (4ull << 30)); // so that ZONE_NORMAL is populated
    CHECK(x.nr_pages() == x.mem_bytes / 4096);
    CHECK(x.validate().ok());
}

TEST_CASE("validate rejects machines the lab does not model") {
    MachineConfig c = MachineConfig::preset(Arch::x86_64);
    c.mem_bytes = 32ull << 20;
    REQUIRE_FALSE(c.validate().ok());
    CHECK(c.validate().error().message.find("64 MiB .. 16 GiB") != std::string::npos);
    c.mem_bytes = 17ull << 30;
    CHECK_FALSE(c.validate().ok());
    c.mem_bytes = 1ull << 30;
    c.nr_cpus = 0;
    CHECK_FALSE(c.validate().ok());
    c.nr_cpus = 65;
    CHECK_FALSE(c.validate().ok());
    c.nr_cpus = 64;
    CHECK(c.validate().ok());
}

TEST_CASE("memory sizes parse with binary suffixes and print back") {
    CHECK(parse_mem_size("1G").value() == (1ull << 30));
    CHECK(parse_mem_size("512M").value() == (512ull << 20));
    CHECK(parse_mem_size("512MiB").value() == (512ull << 20));
    CHECK(parse_mem_size("65536K").value() == (64ull << 20));
    CHECK(parse_mem_size("4096").value() == 4096);
    CHECK_FALSE(parse_mem_size("").ok());
    CHECK_FALSE(parse_mem_size("12X").ok());
    CHECK_FALSE(parse_mem_size("G").ok());
    CHECK_FALSE(parse_mem_size("99999999999999999999G").ok());
    CHECK(format_mem_size(6ull << 30) == "6 GiB");
    CHECK(format_mem_size(96ull << 20) == "96 MiB");
}

TEST_CASE("preset and allocator names round-trip") {
    CHECK(parse_arch("i386").value() == Arch::i386);
    CHECK(parse_arch("x86_64").value() == Arch::x86_64);
    CHECK_FALSE(parse_arch("arm64").ok());
    for (auto a : {SlabAllocator::slub, SlabAllocator::slab, SlabAllocator::slob})
        CHECK(parse_allocator(allocator_name(a)).value() == a);
    CHECK(std::string(kLinuxRelease).rfind("6.1", 0) == 0);
}
