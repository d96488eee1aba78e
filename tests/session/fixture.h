// Shared set-up for the session tests: a booted Session (any machine, with an optional step
// budget) and a substring check for console output.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <utility>

#include "session/session.h"

namespace klab::test {

// budget 0: the session's default.
inline Session boot_session(const MachineConfig& c, uint64_t budget = 0) {
    SessionOptions o;
    if (budget) o.budget = budget;
    auto s = Session::create(c, o);
    REQUIRE(s.ok());
    return std::move(s.value());
}

inline bool contains(const std::string& s, const std::string& sub) {
    return s.find(sub) != std::string::npos;
}

} // namespace klab::test
