#pragma once
/// \file S3 URIs ("s3://bucket/key"): the one parser used by the CLI, dataset sources
/// and the Python binding (`s3ml.parse_s3_uri`).

#include <string>
#include <string_view>

#include "s3ml/result.h"

namespace s3ml {

/// A parsed "s3://bucket[/key]". The key is everything after the first '/' that
/// follows the bucket, verbatim (no percent-decoding, like the aws CLI): it may be
/// empty (the whole bucket), end in '/' (a prefix) or contain "//".
///
/// Thread safety: a value type.
struct S3Uri {
  std::string bucket;
  std::string key;

  /// "s3://bucket/key", or "s3://bucket" when the key is empty. Parses back to the same value.
  std::string ToString() const;

  friend bool operator==(const S3Uri& a, const S3Uri& b) { return a.bucket == b.bucket && a.key == b.key; }
  friend bool operator!=(const S3Uri& a, const S3Uri& b) { return !(a == b); }
};

/// How much of the bucket name and key ParseS3Uri checks beyond the URI's shape.
enum class S3UriCheck {
  /// The naming rules the Client enforces before any request (ValidateBucketName:
  /// 3 to 63 characters, no reserved prefixes or suffixes, not an IP address...;
  /// ValidateObjectKey: at most 1024 bytes of valid UTF-8). A URI that parses is
  /// one the Client will send.
  kNames,
  /// The shape only: a bucket made of lowercase letters, digits, '.' and '-' of any
  /// length, and any key. For text parsed without a client at hand (dataset
  /// manifests); the Client checks the names when a request uses them.
  kShape,
};

/// Parses "s3://bucket[/key]". Rules, in the order they are checked:
///  - the text starts with the lowercase scheme "s3://" (not "S3://", "s3:/", "http://"
///    or a bare "bucket/key");
///  - the bucket (up to the first '/' or the end) is not empty;
///  - no byte is a control character (0x00-0x1F, 0x7F): a stray newline, tab or NUL
///    in a URI is a mistake, and S3 keys with such bytes can't be listed portably;
///  - the bucket has only lowercase letters, digits, '.' and '-';
///  - with S3UriCheck::kNames (the default), the bucket and a non-empty key follow
///    the Client's naming rules (see S3UriCheck).
/// "s3://bucket" and "s3://bucket/" both give the empty key.
///
/// Errors: kInvalidArgument, "invalid S3 URI '<text>': <what was wrong>" (control
/// characters in <text> are shown as \xNN). Pure function; no I/O.
[[nodiscard]] Result<S3Uri> ParseS3Uri(std::string_view text, S3UriCheck check = S3UriCheck::kNames);

}  // namespace s3ml
