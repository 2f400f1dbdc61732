#pragma once
/// \file Result<T>: a value or a Status.

#include <cassert>
#include <optional>
#include <type_traits>
#include <utility>

#include "s3ml/status.h"

namespace s3ml {

/// Holds either a T or a non-OK Status. `value()` throws `s3ml::Error` when it
/// holds an error; `*` and `->` assume the caller has checked `ok()`.
///
/// On a temporary Result (`client.GetObject(g).value()`), `value()`, `*` and
/// `status()` return by value (moved out), never a reference into the temporary, so
/// `for (const auto& o : client.ListObjectsV2(r).value().contents)` and
/// `const auto& v = f().value();` are safe: the range and the reference bind to a
/// materialized value whose lifetime is extended to theirs.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = Status(ErrorCategory::kInternal, "Result constructed from OK status without a value");
  }

  bool ok() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }
  /// OK when a value is held.
  const Status& status() const& noexcept { return status_; }
  Status status() && noexcept { return std::move(status_); }

  T& value() & {
    if (!ok()) throw Error(status_);
    return *value_;
  }
  const T& value() const& {
    if (!ok()) throw Error(status_);
    return *value_;
  }
  T value() && {
    if (!ok()) throw Error(status_);
    return std::move(*value_);
  }
  T value_or(T other) const& { return ok() ? *value_ : std::move(other); }
  T value_or(T other) && { return ok() ? std::move(*value_) : std::move(other); }

  T& operator*() & { assert(ok()); return *value_; }
  const T& operator*() const& { assert(ok()); return *value_; }
  T operator*() && { assert(ok()); return std::move(*value_); }
  T* operator->() { assert(ok()); return &*value_; }
  const T* operator->() const { assert(ok()); return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace s3ml

#define S3ML_CONCAT_INNER(a, b) a##b
#define S3ML_CONCAT(a, b) S3ML_CONCAT_INNER(a, b)
/// `S3ML_ASSIGN_OR_RETURN(auto x, Expr())`: unwraps a Result or returns its Status.
#define S3ML_ASSIGN_OR_RETURN(lhs, expr) \
  S3ML_ASSIGN_OR_RETURN_IMPL(S3ML_CONCAT(_s3ml_r_, __LINE__), lhs, expr)
#define S3ML_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(*tmp)
