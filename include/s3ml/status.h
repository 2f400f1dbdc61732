#pragma once
/// \file Status: the error value every fallible s3ml call returns.

#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>

namespace s3ml {

/// Broad class of an error; `Status::code()` carries the precise S3 error code.
enum class ErrorCategory {
  kOk = 0,
  kInvalidArgument,  ///< the caller passed something s3ml refuses before any I/O
  kCredentials,      ///< no credentials could be found or loaded
  kNetwork,          ///< connect failure, reset, partial body: transient
  kTimeout,          ///< connect timeout or stall timeout: transient
  kService,          ///< the server answered with an S3 error (code() says which)
  kProtocol,         ///< the server answered something unparseable (garbage XML, bad stream)
  kIntegrity,        ///< data corruption: checksum/length mismatch, corrupt or truncated data
                     ///< (e.g. code "CorruptShard"), object changed during a read
  kIo,               ///< local file I/O
  kCancelled,        ///< the caller cancelled the operation
  kInternal,         ///< a bug in s3ml
};

/// Returns a stable name for a category ("Network", "Service", ...).
const char* CategoryName(ErrorCategory c) noexcept;

/// An error (or success) with all the context a user needs to act on it.
///
/// A default-constructed Status is OK. Errors carry a category, the S3 error code
/// (e.g. "NoSuchKey", or a transport code such as "ConnectionReset"), the HTTP
/// status, a message, the request id, and — added once, where the operation is
/// known — the operation name, the resource and the number of attempts made.
///
/// Thread safety: a Status is an immutable-after-construction value; copies are cheap.
class Status {
 public:
  Status() = default;
  Status(ErrorCategory category, std::string message);

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string message) {
    return Status(ErrorCategory::kInvalidArgument, std::move(message));
  }
  /// kCancelled with code "Cancelled": a CancellationToken stopped the call.
  static Status Cancelled(std::string message = "the operation was cancelled");

  bool ok() const noexcept { return state_ == nullptr; }
  explicit operator bool() const noexcept { return ok(); }

  // The string accessors return a copy on a temporary Status (`f().status().code()`),
  // so a reference taken from one can never outlive the state it points into.
  ErrorCategory category() const noexcept;
  const std::string& code() const& noexcept;
  std::string code() &&;
  int http_status() const noexcept;
  const std::string& message() const& noexcept;
  std::string message() &&;
  const std::string& request_id() const& noexcept;
  std::string request_id() &&;
  const std::string& host_id() const& noexcept;
  std::string host_id() &&;
  const std::string& operation() const& noexcept;
  std::string operation() &&;
  const std::string& resource() const& noexcept;
  std::string resource() &&;
  int attempts() const noexcept;

  /// True for errors a retry may cure (network, timeouts, 5xx, throttling codes).
  bool IsTransient() const noexcept;

  // Builders: each returns a modified copy (Status is a value).
  Status WithCode(std::string code) const;
  Status WithHttpStatus(int http_status) const;
  Status WithRequestId(std::string request_id, std::string host_id = {}) const;
  Status WithContext(std::string operation, std::string resource) const;
  Status WithAttempts(int attempts) const;
  Status WithMessage(std::string message) const;

  /// "GetObject s3://train/shard-7.tar: SlowDown (HTTP 503, request id 4F2…): msg, gave up after 5 attempts"
  std::string ToString() const;

 private:
  struct State {
    ErrorCategory category = ErrorCategory::kInternal;
    std::string code, message, request_id, host_id, operation, resource;
    int http_status = 0;
    int attempts = 0;
  };
  Status(std::shared_ptr<const State> s) : state_(std::move(s)) {}
  State Copy() const;
  std::shared_ptr<const State> state_;
};

std::ostream& operator<<(std::ostream& os, const Status& s);

/// Exception thrown by `Result<T>::value()` for callers who prefer exceptions.
class Error : public std::runtime_error {
 public:
  explicit Error(Status status);
  const Status& status() const noexcept { return status_; }

 private:
  Status status_;
};

}  // namespace s3ml

/// Propagates a non-OK Status from an expression returning Status.
#define S3ML_RETURN_IF_ERROR(expr)            \
  do {                                        \
    ::s3ml::Status _s3ml_st = (expr);         \
    if (!_s3ml_st.ok()) return _s3ml_st;      \
  } while (0)
