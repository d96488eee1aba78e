// Small string helpers shared by the model's reports and the lesson engine.
#pragma once

#include <string>
#include <string_view>

namespace klab {

// printf into a std::string (reports build their lines with it; longer output is cut at 511).
std::string strfmt(const char* f, ...) __attribute__((format(printf, 1, 2)));

// ASCII case-insensitive equality ("Normal" == "normal").
bool equal_ignore_case(std::string_view a, std::string_view b);
// ASCII lower case ("SUnreclaim" -> "sunreclaim").
std::string to_lower(std::string_view s);

} // namespace klab
