#pragma once
// s3://bucket/key URIs as the CLI accepts them.

#include <string>

#include "s3ml/result.h"

namespace s3ml::cli {

/// A parsed "s3://bucket[/key]". The key may be empty (a bucket) or end in '/'
/// (a prefix); it is taken verbatim (no percent-decoding, like the aws CLI).
struct S3Uri {
  std::string bucket;
  std::string key;
  /// "s3://bucket/key" ("s3://bucket" when the key is empty).
  std::string ToString() const;
};

/// True when `text` is meant as an S3 URI (starts with "s3:"), so that a
/// malformed one such as "s3:/b/k" is reported instead of being taken as a local path.
bool LooksLikeS3Uri(const std::string& text);

/// Parses "s3://bucket[/key]" strictly: the scheme, a valid bucket name and a
/// valid key (if any). Errors are InvalidArgument: "invalid S3 URI 'x': <why>".
Result<S3Uri> ParseS3Uri(const std::string& text);

/// The aws CLI's reading of the S3 path of a recursive command (`rm --recursive`,
/// `cp --recursive`, `rb --force`): a directory. A key gains a trailing '/', so
/// s3://b/dir covers dir/a and dir/sub/b but neither the object "dir" nor "dirX/z";
/// a bucket stays the whole bucket. (`ls --recursive` lists a literal prefix, as
/// `aws s3 ls` does, and does not use this.)
S3Uri AsDirectory(S3Uri uri);

}  // namespace s3ml::cli
