#pragma once
/// \file Object tagging: Put/Get/DeleteObjectTagging and the x-amz-tagging header.

#include <string>
#include <vector>

namespace s3ml {

/// One object tag. S3 allows at most 10 per object, keys of 1-128 and values of
/// 0-256 UTF-8 characters, and no "aws:" key prefix.
struct Tag {
  std::string key;
  std::string value;
  bool operator==(const Tag& o) const { return key == o.key && value == o.value; }
  bool operator!=(const Tag& o) const { return !(*this == o); }
};

/// "k1=v1&k2=v2", each part URI-encoded: the value PutObjectRequest::tagging and
/// CopyObjectRequest::tagging (the x-amz-tagging header) expect.
std::string EncodeTagging(const std::vector<Tag>& tags);

struct GetObjectTaggingRequest {
  std::string bucket;
  std::string key;
  std::string version_id;  ///< empty: the current version
};
struct GetObjectTaggingResult {
  std::vector<Tag> tags;   ///< in the order the server lists them
  std::string version_id;  ///< the version whose tags these are (empty when unversioned)
};

struct PutObjectTaggingRequest {
  std::string bucket;
  std::string key;
  std::string version_id;  ///< empty: the current version
  std::vector<Tag> tags;   ///< replaces the whole tag set (empty clears it)
};
struct PutObjectTaggingResult {
  std::string version_id;
};

struct DeleteObjectTaggingRequest {
  std::string bucket;
  std::string key;
  std::string version_id;
};
struct DeleteObjectTaggingResult {
  std::string version_id;
};

/// PutBucketTagging: replaces the bucket's whole tag set (S3 allows 50 tags per bucket).
struct PutBucketTaggingRequest {
  std::string bucket;
  std::vector<Tag> tags;
};

}  // namespace s3ml
