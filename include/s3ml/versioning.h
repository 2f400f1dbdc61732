#pragma once
/// \file Request/result structs for bucket versioning and ListObjectVersions.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace s3ml {

/// A bucket's versioning state. A bucket that was never versioned reports
/// kUnversioned; once enabled it can only be suspended, never unversioned again.
enum class VersioningStatus { kUnversioned, kEnabled, kSuspended };

/// "Enabled", "Suspended" or "Unversioned".
const char* VersioningStatusName(VersioningStatus status);

struct GetBucketVersioningResult {
  VersioningStatus status = VersioningStatus::kUnversioned;
  std::string mfa_delete;  ///< "Enabled"/"Disabled", or empty when S3 does not report it
};

struct PutBucketVersioningRequest {
  std::string bucket;
  /// kEnabled or kSuspended (kUnversioned is not a state a bucket can be put into).
  VersioningStatus status = VersioningStatus::kEnabled;
};

/// One entry of ListObjectVersions: an object version or a delete marker.
struct ObjectVersionSummary {
  std::string key;
  std::string version_id;  ///< "null" for the null version
  bool is_latest = false;
  bool is_delete_marker = false;
  std::chrono::system_clock::time_point last_modified{};
  std::string etag;           ///< empty for delete markers
  std::uint64_t size = 0;     ///< 0 for delete markers
  std::string storage_class;  ///< empty for delete markers
  std::string owner_id;
};

struct ListObjectVersionsRequest {
  std::string bucket;
  std::string prefix;
  std::string delimiter;
  std::string key_marker;         ///< start after this key (or inside it, with version_id_marker)
  std::string version_id_marker;  ///< needs key_marker
  int max_keys = 0;               ///< 0: server default (1000)
};

struct ListObjectVersionsResult {
  std::string bucket;
  std::string prefix;
  std::string delimiter;
  std::string key_marker;
  std::string version_id_marker;
  /// Versions and delete markers in S3's order: keys ascending, each key's versions newest
  /// first (restored by the client when a server groups markers after versions).
  std::vector<ObjectVersionSummary> versions;
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  std::string next_key_marker;
  std::string next_version_id_marker;
  int max_keys = 0;
};

}  // namespace s3ml
