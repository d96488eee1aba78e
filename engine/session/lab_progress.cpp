// The lab controller's progress records (lab_controller.h): one JSON record per lesson, kept
// through the page's hooks (localStorage) or in memory, and the export/import file that holds
// them all.
#include <nlohmann/json.hpp>

#include "lesson/builtin.h"
#include "session/lab_controller.h"

namespace klab {

std::string LabController::progress_key(std::string_view id) {
    return "klab.progress." + std::string(id);
}

std::string LabController::saved_progress(std::string_view id) const {
    std::string key = progress_key(id);
    if (hooks_.load) return hooks_.load(key);
    auto it = memory_store_.find(key);
    return it == memory_store_.end() ? std::string() : it->second;
}

void LabController::store(const std::string& key, const std::string& value) {
    if (hooks_.save)
        hooks_.save(key, value);
    else
        memory_store_[key] = value;
}

std::string LabController::export_progress() const {
    nlohmann::json lessons = nlohmann::json::object();
    for (const Lesson& l : builtin_lessons()) {
        std::string saved = saved_progress(l.id);
        if (saved.empty()) continue;
        nlohmann::json j = nlohmann::json::parse(saved, nullptr, false);
        if (!j.is_discarded() && LessonRunner::parse_progress(l, saved).ok()) lessons[l.id] = j;
    }
    nlohmann::json out = {{"format", "klab-progress"}, {"version", 1}, {"lessons", lessons}};
    return out.dump(2) + "\n";
}

namespace {

// Why a file is not a progress file we can read ("" when it is).
std::string progress_file_problem(const nlohmann::json& j) {
    if (j.is_discarded() || !j.is_object()) return "the file is not JSON";
    if (j.value("format", std::string()) != "klab-progress" || !j.contains("lessons") ||
        !j["lessons"].is_object())
        return "the file is not a Kernel Lab progress file";
    if (!j["version"].is_number_unsigned() || j["version"].get<uint64_t>() != 1)
        return "the progress file has an unknown version";
    return "";
}

} // namespace

std::string LabController::import_progress(std::string_view text) {
    using nlohmann::json;
    json j = json::parse(text.begin(), text.end(), nullptr, false);
    if (std::string why = progress_file_problem(j); !why.empty()) {
        std::string msg = "Progress was not imported: " + why + ".";
        tell(LessonEvent::Kind::notice, msg);
        return msg;
    }
    uint32_t imported = 0;
    std::string ignored;
    for (auto& [id, rec] : j["lessons"].items()) {
        auto l = builtin_lesson(id);
        std::string record = rec.dump();
        std::string bad;
        if (!l.ok())
            bad = "no such lesson";
        else if (auto p = LessonRunner::parse_progress(l.value(), record); !p.ok())
            bad = p.error().message;
        if (!bad.empty()) {
            ignored += (ignored.empty() ? "" : "; ") + id.substr(0, 64) + " (" + bad + ")";
            continue;
        }
        store(progress_key(id), record);
        imported++;
        // The open lesson follows its imported record.
        if (lesson_ && lesson_->lesson().id == id) {
            in_lesson_op_ = true;
            (void)lesson_->restore_progress(record);
            in_lesson_op_ = false;
            tell(LessonEvent::Kind::step_changed);
        }
    }
    std::string msg = "Imported progress for " + std::to_string(imported) +
                      (imported == 1 ? " lesson." : " lessons.");
    if (!ignored.empty()) msg += " Ignored: " + ignored + ".";
    tell(LessonEvent::Kind::notice, msg);
    tell(LessonEvent::Kind::progress);
    if (hooks_.lesson_changed) hooks_.lesson_changed();
    return msg;
}

} // namespace klab
