#pragma once
// How the CLI reads s3:// paths; the URIs themselves are parsed by s3ml::ParseS3Uri.

#include <string>

#include "s3ml/uri.h"

namespace s3ml::cli {

/// True when `text` is meant as an S3 URI (starts with "s3:"), so that a
/// malformed one such as "s3:/b/k" is reported instead of being taken as a local path.
bool LooksLikeS3Uri(const std::string& text);

/// The aws CLI's reading of the S3 path of a recursive command (`rm --recursive`,
/// `cp --recursive`, `rb --force`): a directory. A key gains a trailing '/', so
/// s3://b/dir covers dir/a and dir/sub/b but neither the object "dir" nor "dirX/z";
/// a bucket stays the whole bucket. (`ls --recursive` lists a literal prefix, as
/// `aws s3 ls` does, and does not use this.)
S3Uri AsDirectory(S3Uri uri);

}  // namespace s3ml::cli
