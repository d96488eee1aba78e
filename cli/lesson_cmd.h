// `klab lesson ...`: tools for lesson authors (see lessons/README.md).
#pragma once

#include <string>
#include <vector>

namespace klab::cli {

// Validates each file; prints a line per file and "N passed, N failed". 0 if all passed,
// 1 if any failed, 2 if a file cannot be read.
int lesson_check(const std::vector<std::string>& files);
// Lists the lessons built into the binary.
int lesson_list();

} // namespace klab::cli
