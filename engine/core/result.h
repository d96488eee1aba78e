// Result<T>: infrastructure errors without exceptions (Emscripten builds without them).
// Errors inside the simulated kernel are Linux-shaped (NULL, -errno, dmesg reports) and do
// not use this type; Result is for the lab's own plumbing: bad options, unreadable lessons.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "core/assert.h"

namespace klab {

struct Error {
    std::string message;
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error e) : v_(std::move(e)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        KLAB_ASSERT(ok());
        return std::get<0>(v_);
    }
    const T& value() const& {
        KLAB_ASSERT(ok());
        return std::get<0>(v_);
    }
    T&& value() && {
        KLAB_ASSERT(ok());
        return std::get<0>(std::move(v_));
    }
    const Error& error() const {
        KLAB_ASSERT(!ok());
        return std::get<1>(v_);
    }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error e) : err_(std::move(e)), ok_(false) {}
    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const {
        KLAB_ASSERT(!ok_);
        return err_;
    }

private:
    Error err_;
    bool ok_ = true;
};

inline Error make_error(std::string message) {
    return Error{std::move(message)};
}

} // namespace klab

// TRY(expr): evaluate a Result; on error return the error from the enclosing function.
#define KLAB_TRY(expr)                                                                             \
    do {                                                                                           \
        auto&& klab_try_r_ = (expr);                                                               \
        if (!klab_try_r_.ok()) return klab_try_r_.error();                                         \
    } while (0)
