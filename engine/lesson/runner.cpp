// LessonRunner (see runner.h).
#include "lib/text.h"
#include "lesson/runner.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "kc/diag.h"
#include "lesson/builtin.h"
#include "lesson/goal.h"
#include "machine/kernel.h"
#include "printk/dump_stack.h"
#include "printk/printk.h"

namespace klab {

namespace {

bool parse_int(std::string_view s, int64_t& out) {
    std::string t;
    for (char c : s)
        if (!std::isspace(static_cast<unsigned char>(c))) t += c;
    if (t.empty() || t.size() > 20) return false;
    size_t i = (t[0] == '-' || t[0] == '+') ? 1 : 0;
    int base = 10;
    if (t.size() > i + 2 && t[i] == '0' && (t[i + 1] == 'x' || t[i + 1] == 'X')) base = 16, i += 2;
    if (i >= t.size()) return false;
    for (size_t j = i; j < t.size(); j++)
        if (!(base == 16 ? std::isxdigit(static_cast<unsigned char>(t[j]))
                         : std::isdigit(static_cast<unsigned char>(t[j]))))
            return false;
    out = static_cast<int64_t>(std::strtoll(t.c_str(), nullptr, 0));
    return true;
}


} // namespace

Result<void> OwnSessionHost::boot(const MachineConfig& m) {
    auto s = Session::create(m, opt_);
    KLAB_TRY(s);
    session_ = std::make_unique<Session>(std::move(s.value()));
    return {};
}

Result<LessonRunner> LessonRunner::start(Lesson lesson, uint32_t step, SessionOptions opt) {
    auto own = std::make_unique<OwnSessionHost>(opt);
    LessonHost& host = *own;
    auto r = start_on(host, std::move(lesson), step);
    KLAB_TRY(r);
    r.value().own_ = std::move(own); // host_ keeps pointing at it: the object does not move
    return r;
}

Result<LessonRunner> LessonRunner::start_on(LessonHost& host, Lesson lesson, uint32_t step) {
    if (lesson.steps.empty()) return Error{lesson.file + ": the lesson has no steps"};
    if (step >= lesson.steps.size())
        return Error{"lesson " + lesson.id + " has " + std::to_string(lesson.steps.size()) +
                     " steps; there is no step " + std::to_string(step + 1)};
    LessonRunner r;
    r.lesson_ = std::move(lesson);
    r.host_ = &host;
    r.progress_.assign(r.lesson_.steps.size(), StepProgress{});
    KLAB_TRY(r.go_to(step));
    return r;
}

Result<void> LessonRunner::boot() {
    return host_->boot(lesson_.machine);
}

Result<void> LessonRunner::begin_step() {
    const LessonStep& st = step();
    setup_output_.clear();
    captures_.clear();
    goal_gen_ = ~0ull;
    if (!st.setup.empty()) {
        ExecResult r = host_->run(st.setup, "console", st.setup_line);
        setup_output_ = r.output;
        if (r.compile_error)
            return Error{lesson_.file + ": Step " + std::to_string(st.number) +
                         " setup does not compile:\n" + r.output};
    }
    for (const GoalCapture& c : st.captures) {
        auto v = session().evaluate(c.expr, bind_goal_helpers, captures_);
        if (!v.ok())
            return Error{lesson_.file + ":" + std::to_string(st.goal_line) + ": Step " +
                         std::to_string(st.number) + ": let " + c.name + ": " +
                         v.error().message};
        captures_.emplace_back(c.name, v.value());
    }
    start_ = session().snapshot();
    start_log_seq_ = session().kernel().log.next_seq;
    start_taint_ = session().kernel().tainted;
    step_commands_.clear();
    return {};
}

Result<void> LessonRunner::go_to(uint32_t i) {
    if (i >= lesson_.steps.size())
        return Error{"lesson " + lesson_.id + " has no step " + std::to_string(i + 1)};
    KLAB_TRY(boot());
    for (step_ = 0; step_ < i; step_++) {
        KLAB_TRY(begin_step());
        if (!step().solution.empty()) host_->run(step().solution, "console", step().solution_line);
    }
    step_ = i;
    progress_[i].commands = 0;
    progress_[i].predict = PredictRecord{};
    return begin_step();
}

ExecResult LessonRunner::exec(std::string_view text, std::string_view source) {
    ExecResult r = host_->run(text, source, 1);
    note_command(text);
    return r;
}

void LessonRunner::note_command(std::string_view text) {
    progress_[step_].commands++;
    step_commands_.emplace_back(text);
    if (goal().met) progress_[step_].met = true;
    resolve_predict();
}

std::string LessonRunner::kernel_trouble() const {
    const Kernel& k = session().kernel();
    // Newest first, down to the step's start (the panel asks every frame; the ring is long).
    const std::string* first = nullptr;
    for (auto it = k.log.records.rbegin(); it != k.log.records.rend() && it->seq >= start_log_seq_;
         ++it) {
        if (is_report_head(it->text)) first = &it->text;
    }
    if (first) return *first;
    uint32_t fresh = k.tainted & ~start_taint_;
    if (fresh) return "the kernel was tainted (" + print_tainted(k.tainted) + ")";
    return "";
}

GoalStatus LessonRunner::goal() {
    if (goal_gen_ == session().generation()) return goal_cache_;
    GoalStatus g;
    if (step().goal.empty()) {
        g.met = true;
    } else {
        auto v = session().evaluate(step().goal, bind_goal_helpers, captures_);
        if (v.ok()) {
            g.met = v.value() != 0;
        } else {
            g.error = true;
            g.message = v.error().message;
        }
    }
    goal_gen_ = session().generation();
    goal_cache_ = g;
    return g;
}

void LessonRunner::resolve_predict() {
    PredictRecord& p = progress_[step_].predict;
    if (!step().has_predict || !p.answered || p.resolved) return;
    // With a goal, the answer is checked once the student has done what the step asks.
    if (!step().goal.empty() && !goal().met) return;
    auto v = session().evaluate(step().predict.expect, bind_goal_helpers, captures_);
    if (!v.ok()) return;
    p.resolved = true;
    p.actual = v.value();
    p.correct = p.actual == p.value;
}

std::string LessonRunner::next_hint() {
    StepProgress& p = progress_[step_];
    if (p.hints_shown >= step().hints.size()) return "";
    return step().hints[p.hints_shown++];
}

Result<void> LessonRunner::predict(std::string_view answer) {
    const LessonStep& st = step();
    if (!st.has_predict) return Error{"this step asks no question"};
    StepProgress& prog = progress_[step_];
    if (prog.commands > 0)
        return Error{"predict before you act: reset the step to answer again"};
    PredictRecord p;
    p.answered = true;
    p.answer = std::string(answer);
    if (st.predict.kind == Predict::Kind::Number) {
        if (!parse_int(answer, p.value)) return Error{"the answer should be a whole number"};
    } else {
        bool found = false;
        for (size_t i = 0; i < st.predict.choices.size() && !found; i++)
            if (equal_ignore_case(st.predict.choices[i], answer)) p.value = int64_t(i), found = true;
        int64_t n = 0;
        if (!found && parse_int(answer, n) && n >= 1 && n <= int64_t(st.predict.choices.size()))
            p.value = n - 1, found = true;
        if (!found) return Error{"pick one of the choices (its text or its number)"};
        p.answer = st.predict.choices[size_t(p.value)];
    }
    prog.predict = p;
    return {};
}

void LessonRunner::reset_step() {
    host_->restore(start_);
    start_log_seq_ = session().kernel().log.next_seq;
    start_taint_ = session().kernel().tainted;
    step_commands_.clear();
    StepProgress& p = progress_[step_];
    p.commands = 0;
    p.predict = PredictRecord{};
    goal_gen_ = ~0ull;
}

Result<bool> LessonRunner::next() {
    if (step_ + 1 >= lesson_.steps.size()) return false;
    step_++;
    progress_[step_].commands = 0;
    progress_[step_].predict = PredictRecord{};
    KLAB_TRY(begin_step());
    return true;
}

std::string LessonRunner::progress_json() const {
    nlohmann::json j;
    j["version"] = 1;
    j["lesson"] = lesson_.id;
    j["step"] = step_;
    nlohmann::json steps = nlohmann::json::array();
    for (const StepProgress& p : progress_) {
        nlohmann::json s;
        s["met"] = p.met;
        s["hints"] = p.hints_shown;
        s["solution"] = p.solution_shown;
        s["commands"] = p.commands;
        if (p.predict.answered) {
            s["predict"] = {{"answer", p.predict.answer}, {"value", p.predict.value},
                            {"resolved", p.predict.resolved}, {"correct", p.predict.correct},
                            {"actual", p.predict.actual}};
        }
        steps.push_back(s);
    }
    j["steps"] = steps;
    return j.dump();
}

Result<ProgressRecord> LessonRunner::parse_progress(const Lesson& lesson, std::string_view text) {
    using nlohmann::json;
    json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return Error{"the progress record is not JSON"};
    auto uint_at = [](const json& o, const char* key, uint64_t max, uint64_t& out) {
        auto it = o.find(key);
        if (it == o.end() || !it->is_number_unsigned()) return false;
        out = it->get<uint64_t>();
        return out <= max;
    };
    auto bool_at = [](const json& o, const char* key, bool& out) {
        auto it = o.find(key);
        if (it == o.end() || !it->is_boolean()) return false;
        out = it->get<bool>();
        return true;
    };
    uint64_t version = 0, step = 0;
    if (!uint_at(j, "version", 1, version) || version != 1)
        return Error{"the progress record has an unknown version"};
    auto id = j.find("lesson");
    if (id == j.end() || !id->is_string() || id->get<std::string>() != lesson.id)
        return Error{"the progress record belongs to another lesson"};
    if (!uint_at(j, "step", lesson.steps.size() - 1, step))
        return Error{"the progress record names a step this lesson does not have"};
    auto steps = j.find("steps");
    if (steps == j.end() || !steps->is_array() || steps->size() != lesson.steps.size())
        return Error{"the progress record does not match this lesson's steps"};
    std::vector<StepProgress> prog(lesson.steps.size());
    for (size_t i = 0; i < prog.size(); i++) {
        const json& s = (*steps)[i];
        uint64_t hints = 0, commands = 0;
        if (!s.is_object() || !bool_at(s, "met", prog[i].met) ||
            !uint_at(s, "hints", lesson.steps[i].hints.size(), hints) ||
            !bool_at(s, "solution", prog[i].solution_shown) ||
            !uint_at(s, "commands", 1u << 30, commands))
            return Error{"step " + std::to_string(i + 1) + " of the progress record is damaged"};
        prog[i].hints_shown = static_cast<uint32_t>(hints);
        // The student's prediction is theirs: a reload keeps it (a page that replays the
        // step's commands resolves it again; restore_progress clears `resolved` for the step
        // it goes to). Commands belong to a live state, which a reload does not keep.
        if (auto pr = s.find("predict"); pr != s.end()) {
            PredictRecord& p = prog[i].predict;
            auto a = pr->is_object() ? pr->find("answer") : pr->end();
            auto v = pr->is_object() ? pr->find("value") : pr->end();
            if (!pr->is_object() || a == pr->end() || !a->is_string() || v == pr->end() ||
                !v->is_number_integer() || !bool_at(*pr, "resolved", p.resolved) ||
                !bool_at(*pr, "correct", p.correct))
                return Error{"step " + std::to_string(i + 1) + " of the progress record is damaged"};
            p.answered = true;
            p.answer = a->get<std::string>();
            p.value = v->get<int64_t>();
            if (auto ac = pr->find("actual"); ac != pr->end() && ac->is_number_integer())
                p.actual = ac->get<int64_t>();
        }
    }
    return ProgressRecord{static_cast<uint32_t>(step), std::move(prog)};
}

void LessonRunner::take_marks(const ProgressRecord& rec) {
    if (rec.steps.size() != progress_.size()) return;
    for (size_t i = 0; i < progress_.size(); i++) {
        progress_[i].met = rec.steps[i].met;
        progress_[i].hints_shown = rec.steps[i].hints_shown;
        progress_[i].solution_shown = rec.steps[i].solution_shown;
        progress_[i].predict = rec.steps[i].predict;
    }
    // The step shown starts afresh: the student's answer stays, to be checked again by the
    // commands (replayed by a page that kept them, or typed anew).
    progress_[step_].predict.resolved = progress_[step_].predict.correct = false;
}

Result<void> LessonRunner::restore_progress(std::string_view text) {
    auto rec = parse_progress(lesson_, text);
    KLAB_TRY(rec);
    std::vector<StepProgress> keep = progress_;
    progress_ = rec.value().steps;
    auto r = go_to(rec.value().step);
    if (!r.ok()) {
        progress_ = keep;
        return r;
    }
    take_marks(rec.value()); // go_to() started the step afresh: its prediction comes back
    return {};
}



std::vector<Lesson> builtin_lessons() {
    std::vector<Lesson> out;
    for (const BuiltinLessonFile& f : builtin_lesson_files()) {
        auto l = parse_lesson(f.text, f.path);
        if (l.ok()) out.push_back(std::move(l.value()));
    }
    return out;
}

std::string closest_lesson_id(std::string_view id, const std::vector<std::string>& ids) {
    // The compiler's "did you mean" distance (edit distance, ignoring case); a shipped id that
    // starts with the text or holds all of its dash-separated words counts as close too
    // (kmalloc-slab -> kmalloc-and-slab).
    std::string want = to_lower(id);
    if (want.empty()) return "";
    std::vector<std::string> words(1);
    for (char ch : want) {
        if (ch == '-') words.emplace_back();
        else words.back() += ch;
    }
    std::string best;
    size_t best_d = ~size_t(0);
    for (const std::string& cand : ids) {
        std::string c = to_lower(cand);
        size_t d = kc::name_distance(want, c);
        bool close = d <= std::max<size_t>(2, want.size() / 3) || c.rfind(want, 0) == 0;
        if (!close && words.size() > 1) {
            close = true;
            for (const std::string& w : words)
                if (w.empty() || c.find(w) == std::string::npos) close = false;
        }
        if (close && d < best_d) best = cand, best_d = d;
    }
    return best;
}

Result<Lesson> builtin_lesson(std::string_view id) {
    std::string known;
    std::vector<std::string> ids;
    for (Lesson& l : builtin_lessons()) {
        if (l.id == id) return std::move(l);
        known += (known.empty() ? "" : ", ") + l.id;
        ids.push_back(l.id);
    }
    std::string near = closest_lesson_id(id, ids);
    return Error{"no lesson '" + std::string(id) + "'" +
                 (near.empty() ? std::string() : ": did you mean " + near + "?") +
                 " (lessons: " + known + ")"};
}

} // namespace klab
