// runtime/util/status.hpp — errors as values inside runtime/ (G4).
//
// status is ok or (errc, message); result<T> is a T or a non-ok status. Both
// are [[nodiscard]]: a caller must look at them. runtime/ code never throws
// through an actor handler; decoders and parsers return these instead.
//
// Invariant: a result<T> holds exactly one of a value and a non-ok status.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "runtime/util/errc.hpp"

namespace skald {

class [[nodiscard]] status {
public:
  status() noexcept = default;
  status(errc code, std::string message) : code_(code), message_(std::move(message)) {}

  static status ok_status() noexcept { return {}; }

  bool ok() const noexcept { return code_ == errc::none; }
  explicit operator bool() const noexcept { return ok(); }
  errc code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }

  /// "invalid_argument: <message>"
  std::string to_string() const;

private:
  errc code_ = errc::none;
  std::string message_;
};

inline status make_status(errc code, std::string message) {
  return status{code, std::move(message)};
}

/// Marks a deliberately ignored status; greppable.
inline void status_ignored(const status&, const char* /*why*/) noexcept {}

template <class T>
class [[nodiscard]] result {
public:
  result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  result(status st) : status_(std::move(st)) {   // NOLINT(google-explicit-constructor)
    if (status_.ok())
      status_ = status{errc::internal, "result constructed from an ok status"};
  }

  bool ok() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

  const status& error() const noexcept { return status_; }

private:
  std::optional<T> value_;
  status status_;
};

} // namespace skald
