// The lessons shipped with the lab (lessons/*.md), compiled into the binary by
// cmake/EmbedLessons.cmake so the CLI and the wasm bundle need no files.
#pragma once

#include <string_view>
#include <vector>

namespace klab {

struct BuiltinLessonFile {
    const char* path;      // "lessons/01-pages-and-zones.md"
    std::string_view text; // the file's bytes
};

const std::vector<BuiltinLessonFile>& builtin_lesson_files();

} // namespace klab
