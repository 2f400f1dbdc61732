#pragma once
// The mock's lifecycle engine, free of HTTP and of the store so it can be unit
// tested: parse/validate a <LifecycleConfiguration> the way S3 does, render it
// back, decide which actions are due for a bucket snapshot at a given time, and
// the archive/restore timing rules.
//
// Time rules (S3's, documented in docs/lifecycle.md):
// - "Days" actions are due at the first midnight UTC strictly after
//   creation + Days (S3 rounds to the next day's midnight), e.g. an object made
//   2014-01-15 10:30 with Days=3 expires 2014-01-19 00:00 UTC.
// - "Date" actions are due at that date (which must be a midnight UTC).
// - Noncurrent actions count from the moment the version became noncurrent (the
//   Last-Modified of its successor), rounded the same way.
// - A restore completes after a tier delay (RestoreDelay) and the restored copy
//   stays readable until the first midnight UTC after completion + Days.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/time.h"
#include "mock/s3_error.h"
#include "s3ml/lifecycle.h"

namespace s3ml::mock {

inline constexpr std::size_t kMaxLifecycleRules = 1000;
inline constexpr std::size_t kMaxLifecycleRuleIdLength = 255;

/// A bucket's stored configuration.
struct LifecycleConfiguration {
  std::vector<LifecycleRule> rules;
};

/// Parses and validates a PutBucketLifecycleConfiguration body. Errors as S3:
/// MalformedXML (bad XML, wrong root, missing Status/Filter, unknown enum values,
/// mutually exclusive elements together, no rules), InvalidArgument (Days <= 0,
/// Date not at midnight, ID > 255 chars or duplicated, > 1000 rules, transition
/// minimums), InvalidRequest (tag/size filter with AbortIncompleteMultipartUpload
/// or ExpiredObjectDeleteMarker, a rule without an action).
Expected<LifecycleConfiguration> ParseLifecycleXml(const std::string& payload);

/// The GetBucketLifecycleConfiguration body.
std::string LifecycleXml(const LifecycleConfiguration& config);

/// The first midnight UTC strictly after `t + days`.
SystemTime MidnightAfter(SystemTime t, int days);
/// True when `t` is exactly 00:00:00 UTC.
bool IsMidnightUtc(SystemTime t);

/// What a filter sees of an object version (delete markers: no size, no tags).
struct LifecycleSubject {
  std::string key;
  std::uint64_t size = 0;
  const std::map<std::string, std::string>* tags = nullptr;  ///< null: none (delete marker)
  bool delete_marker = false;
};
bool FilterMatches(const LifecycleFilter& f, const LifecycleSubject& s);

/// The x-amz-expiration a current object gets: the earliest expiry among enabled
/// rules with an Expiration Days/Date that match it; nullopt when none.
std::optional<ObjectExpiration> ExpirationFor(const LifecycleConfiguration& config, const LifecycleSubject& s,
                                              SystemTime created);

/// One version of a key in a bucket snapshot, newest first.
struct SnapshotVersion {
  std::string version_id;
  bool delete_marker = false;
  SystemTime last_modified;
  std::uint64_t size = 0;
  std::map<std::string, std::string> tags;
  std::string storage_class = "STANDARD";
  const void* identity = nullptr;  ///< the stored record, for compare-and-swap when acting
};
struct SnapshotKey {
  std::string key;
  std::vector<SnapshotVersion> versions;  ///< newest first
};
struct SnapshotUpload {
  std::string key;
  std::string upload_id;
  SystemTime initiated;
};
struct BucketSnapshot {
  bool versioned = false;  ///< Enabled or Suspended
  std::vector<SnapshotKey> keys;
  std::vector<SnapshotUpload> uploads;
};

/// A due lifecycle action.
struct LifecycleAction {
  enum class Kind {
    kExpireCurrent,      ///< current version expires (delete, or delete marker when versioned)
    kDeleteVersion,      ///< permanently remove version_id (noncurrent version or expired delete marker)
    kTransition,         ///< change version_id's storage class to storage_class
    kAbortUpload,        ///< abort upload_id
  };
  Kind kind = Kind::kExpireCurrent;
  std::string key;
  std::string version_id;
  std::string storage_class;
  std::string upload_id;
  std::string rule_id;
  const void* identity = nullptr;
};

/// Every action due at `now` for `bucket` under `config` (enabled rules only).
/// Expiration wins over transition for the same version; a version transitions
/// only to a colder class than it has; several due transitions pick the coldest.
std::vector<LifecycleAction> EvaluateLifecycle(const LifecycleConfiguration& config, const BucketSnapshot& bucket,
                                               SystemTime now);

/// GLACIER and DEEP_ARCHIVE: GET needs a completed RestoreObject first.
bool IsArchiveStorageClass(const std::string& storage_class);
/// Colder classes rank higher (STANDARD 0 ... DEEP_ARCHIVE 6); unknown: -1.
int StorageClassRank(const std::string& storage_class);

/// How long a restore takes on the mock clock: GLACIER Expedited 5 min, Standard
/// 4 h, Bulk 12 h; DEEP_ARCHIVE Standard 12 h, Bulk 48 h (Expedited is refused).
std::chrono::seconds RestoreDelay(const std::string& storage_class, const std::string& tier);

/// A parsed RestoreRequest body.
struct RestoreRequestBody {
  int days = 0;
  std::string tier = "Standard";
};
/// Errors: MalformedXML (bad XML, missing/invalid Days, unknown Tier).
Expected<RestoreRequestBody> ParseRestoreRequestXml(const std::string& payload);

}  // namespace s3ml::mock
