#pragma once
// S3Error: an S3 error response (status, code, message and the extra XML
// elements S3 adds for some codes), and Expected<T>, the mock's value-or-error.

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace s3ml::mock {

/// One S3 error answer. `details` become extra child elements of <Error>
/// (e.g. BucketName, Key, StringToSign); `headers` are extra response headers.
struct S3Error {
  int http_status = 500;
  std::string code;
  std::string message;
  std::vector<std::pair<std::string, std::string>> details;
  std::vector<std::pair<std::string, std::string>> headers;

  S3Error() = default;
  S3Error(int status, std::string c, std::string m)
      : http_status(status), code(std::move(c)), message(std::move(m)) {}
  S3Error& With(std::string name, std::string value) {
    details.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  S3Error& WithHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

/// A value or an S3Error.
template <class T>
class Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Expected(S3Error error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const S3Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, S3Error> v_;
};

/// Expected<void>: an optional error.
using MaybeError = std::optional<S3Error>;

// Common S3 errors, with S3's wording.
S3Error NoSuchBucket(const std::string& bucket);
S3Error NoSuchKey(const std::string& key);
S3Error InvalidArgument(std::string message, std::string name = {}, std::string value = {});
S3Error InvalidRequest(std::string message);
S3Error MalformedXml();
S3Error NotImplemented(const std::string& what);
S3Error AccessDenied(std::string message = "Access Denied");
S3Error PreconditionFailed(const std::string& condition);
S3Error NoSuchUpload(const std::string& upload_id);

}  // namespace s3ml::mock
