#pragma once
/// \file Bucket lifecycle configuration (Get/Put/DeleteBucketLifecycleConfiguration),
/// RestoreObject for archived objects, and the parsed x-amz-expiration /
/// x-amz-restore response headers.
///
/// Plain value types: safe to copy and to share read-only across threads.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "s3ml/result.h"
#include "s3ml/tagging.h"

namespace s3ml {

using Timestamp = std::chrono::system_clock::time_point;

/// A rule's <Status>.
enum class LifecycleStatus { kEnabled, kDisabled };

/// "Enabled" or "Disabled".
inline const char* LifecycleStatusName(LifecycleStatus status) {
  return status == LifecycleStatus::kEnabled ? "Enabled" : "Disabled";
}

/// Which objects a rule applies to. Every set condition must hold (S3's <And>);
/// an empty filter applies to every object in the bucket. On the wire a filter
/// with one condition is written as that element, with more as <And>.
struct LifecycleFilter {
  std::string prefix;                                     ///< key prefix ("" = any)
  std::vector<Tag> tags;                                  ///< every tag must be on the object
  std::optional<std::uint64_t> object_size_greater_than;  ///< bytes, exclusive
  std::optional<std::uint64_t> object_size_less_than;     ///< bytes, exclusive
  /// Number of conditions set (prefix counts when non-empty).
  int ConditionCount() const {
    return (prefix.empty() ? 0 : 1) + static_cast<int>(tags.size()) + (object_size_greater_than ? 1 : 0) +
           (object_size_less_than ? 1 : 0);
  }
};

/// <Expiration>: exactly one of days, date or expired_object_delete_marker.
struct LifecycleExpiration {
  std::optional<int> days;    ///< > 0: expire this many days after creation (rounded to next midnight UTC)
  std::optional<Timestamp> date;  ///< midnight UTC: expire on this date
  /// true: remove a delete marker that has no noncurrent versions left (versioned buckets).
  std::optional<bool> expired_object_delete_marker;
};

/// <Transition>: move current versions to `storage_class` after days or on date.
struct LifecycleTransition {
  std::optional<int> days;        ///< >= 0
  std::optional<Timestamp> date;  ///< midnight UTC
  std::string storage_class;      ///< GLACIER, DEEP_ARCHIVE, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR
};

/// <NoncurrentVersionExpiration>.
struct NoncurrentVersionExpiration {
  int noncurrent_days = 0;  ///< > 0: days after the version became noncurrent
  /// Keep this many newest noncurrent versions regardless of age (1-100).
  std::optional<int> newer_noncurrent_versions;
};

/// <NoncurrentVersionTransition>.
struct NoncurrentVersionTransition {
  int noncurrent_days = 0;  ///< >= 0
  std::string storage_class;
  std::optional<int> newer_noncurrent_versions;
};

/// One <Rule>.
struct LifecycleRule {
  std::string id;  ///< optional, at most 255 characters, unique in the configuration
  LifecycleStatus status = LifecycleStatus::kEnabled;
  LifecycleFilter filter;
  /// Write filter.prefix as the deprecated rule-level <Prefix> instead of <Filter>
  /// (set by the parser when the server used that form; tags/sizes need <Filter>).
  bool legacy_prefix = false;
  std::optional<LifecycleExpiration> expiration;
  std::vector<LifecycleTransition> transitions;
  std::optional<NoncurrentVersionExpiration> noncurrent_version_expiration;
  std::vector<NoncurrentVersionTransition> noncurrent_version_transitions;
  /// <AbortIncompleteMultipartUpload><DaysAfterInitiation> (> 0).
  std::optional<int> abort_incomplete_multipart_upload_days;
};

/// Checks a rule set the way S3 does before sending it (1-1000 rules, unique ids of
/// at most 255 characters, at least one action per rule, Days > 0 / Date at
/// midnight UTC, exactly one of Days/Date/ExpiredObjectDeleteMarker, tag and size
/// filters valid, no tag filter with ExpiredObjectDeleteMarker, storage classes known).
/// Returns kInvalidArgument naming the rule (by index and id) and the problem.
Status ValidateLifecycleRules(const std::vector<LifecycleRule>& rules);

struct GetBucketLifecycleConfigurationResult {
  std::vector<LifecycleRule> rules;
  /// x-amz-transition-default-minimum-object-size, when the server reports it.
  std::string transition_default_minimum_object_size;
};

struct PutBucketLifecycleConfigurationRequest {
  std::string bucket;
  std::vector<LifecycleRule> rules;  ///< replaces the whole configuration
  /// Optional x-amz-transition-default-minimum-object-size ("all_storage_classes_128K"
  /// or "varies_by_storage_class"); empty: not sent.
  std::string transition_default_minimum_object_size;
};
struct PutBucketLifecycleConfigurationResult {
  std::string transition_default_minimum_object_size;
};

/// Retrieval tier for RestoreObject.
enum class RestoreTier { kStandard, kBulk, kExpedited };
/// "Standard", "Bulk" or "Expedited".
inline const char* RestoreTierName(RestoreTier tier) {
  return tier == RestoreTier::kBulk ? "Bulk" : tier == RestoreTier::kExpedited ? "Expedited" : "Standard";
}

/// RestoreObject (POST ?restore) for a GLACIER or DEEP_ARCHIVE object.
struct RestoreObjectRequest {
  std::string bucket;
  std::string key;
  std::string version_id;  ///< empty: the current version
  int days = 1;            ///< how long the restored copy stays readable (>= 1)
  RestoreTier tier = RestoreTier::kStandard;
};
struct RestoreObjectResult {
  /// 202: a restore started; 200: the object was already restored (its expiry was
  /// extended). A restore already in progress is an error (409 RestoreAlreadyInProgress).
  int http_status = 0;
  bool already_restored() const { return http_status == 200; }
};

/// Parsed x-amz-expiration: `expiry-date="Fri, 23 Dec 2012 00:00:00 GMT", rule-id="r1"`.
struct ObjectExpiration {
  Timestamp expiry_date{};
  std::string rule_id;
};
/// Parses an x-amz-expiration value. Errors: kProtocol for a malformed value.
Result<ObjectExpiration> ParseExpirationHeader(std::string_view value);

/// Parsed x-amz-restore: `ongoing-request="true"` or
/// `ongoing-request="false", expiry-date="Fri, 23 Dec 2012 00:00:00 GMT"`.
struct ObjectRestoreStatus {
  bool ongoing = false;
  std::optional<Timestamp> expiry_date;  ///< set once the restore completed
};
/// Parses an x-amz-restore value. Errors: kProtocol for a malformed value.
Result<ObjectRestoreStatus> ParseRestoreHeader(std::string_view value);

}  // namespace s3ml
