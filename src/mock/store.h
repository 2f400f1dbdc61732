#pragma once
// The mock's in-memory S3 store: buckets and objects, thread-safe.
//
// Object bodies are immutable and shared (std::shared_ptr<const std::string>):
// a GET takes a reference under the lock and streams the body after releasing
// it, and CopyObject shares the source body instead of copying it.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/time.h"
#include "mock/bucket_settings.h"
#include "mock/s3_error.h"
#include "mock/sse.h"

namespace s3ml::mock {

/// One stored object version (immutable once stored).
struct ObjectRecord {
  std::shared_ptr<const std::string> body;
  std::string etag;  ///< quoted, e.g. "\"9e107d9d372bb6826bd81d3542a419d6\""
  SystemTime last_modified;  ///< whole seconds (HTTP dates have no fractions)
  std::string content_type = "binary/octet-stream";
  /// User metadata: lower-case names without the "x-amz-meta-" prefix, sorted.
  std::map<std::string, std::string> metadata;
  std::string storage_class = "STANDARD";
  std::map<std::string, std::string> tags;
  std::string cache_control, content_disposition, content_encoding, content_language, expires;
  /// Checksums the client supplied: algorithm (e.g. "crc32") -> base64 value.
  std::map<std::string, std::string> checksums;
  /// Part sizes of an object made by CompleteMultipartUpload, in order (empty for a
  /// single PUT): GetObject/HeadObject with partNumber serve these byte ranges.
  std::vector<std::uint64_t> part_sizes;
  /// RestoreObject state of a GLACIER/DEEP_ARCHIVE version (mock clock): the restore
  /// is ongoing until restore_ready, then readable until restore_expiry.
  std::optional<SystemTime> restore_ready;
  std::optional<SystemTime> restore_expiry;
  /// Server-side encryption the object was written with (mock/sse.h).
  SseRecord sse;
  /// x-amz-checksum-algorithm of a multipart upload (lower-case, "" for none) and the
  /// object's checksum type ("COMPOSITE", "FULL_OBJECT", "" for a single PUT).
  std::string checksum_algorithm;
  std::string checksum_type;
  /// Per-part checksums of a multipart object (algorithm -> base64), in part order.
  std::vector<std::map<std::string, std::string>> part_checksums;
  /// The object's ACL grants (mock/bucket_settings.h); empty: private (the owner's FULL_CONTROL).
  Acl acl;

  std::uint64_t size() const { return body ? body->size() : 0; }
};
using ObjectPtr = std::shared_ptr<const ObjectRecord>;

/// A bucket's versioning state (S3 never returns a bucket to kUnversioned).
enum class VersioningState { kUnversioned, kEnabled, kSuspended };

/// "Enabled", "Suspended" or "" (unversioned: GetBucketVersioning has no Status).
const char* VersioningStatusName(VersioningState s);

struct BucketInfo {
  std::string name;
  SystemTime created;
  std::string region;
  VersioningState versioning = VersioningState::kUnversioned;
  /// Encryption, tagging, ownership, ACL, public access block, CORS (mock/bucket_settings.h).
  BucketSettings settings;
};

/// One entry of a key's version list: an object version or a delete marker.
struct ObjectVersion {
  std::string version_id;  ///< "null" for the null version
  ObjectPtr object;        ///< null for a delete marker
  SystemTime last_modified;
  bool delete_marker() const { return !object; }
};

/// A version looked up by key (and maybe version id).
struct VersionRef {
  ObjectVersion version;
  bool versioned_bucket = false;  ///< the bucket is Enabled or Suspended (report x-amz-version-id)
};

/// What a DELETE did.
struct DeleteOutcome {
  std::string version_id;      ///< the marker created or the version removed ("" when unversioned)
  bool delete_marker = false;  ///< a marker was created, or the removed version was a marker
};

/// A ListObjectVersions request.
struct VersionQuery {
  std::string prefix;
  std::string delimiter;
  std::string key_marker;
  std::string version_id_marker;
  int max_keys = 1000;
};

struct VersionListEntry {
  std::string key;
  ObjectVersion version;
  bool is_latest = false;
};

struct VersionPage {
  std::vector<VersionListEntry> versions;  ///< keys ascending, each key's versions newest first
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_version_id_marker;
};

/// True for "null" and for ids of the shape the store generates (32 of [A-Za-z0-9._]).
bool IsWellFormedVersionId(const std::string& id);

/// Preconditions checked atomically with a PutObject (or the store of a
/// CompleteMultipartUpload or CopyObject).
struct PutCondition {
  bool if_none_match_star = false;      ///< fail if the key exists
  std::optional<std::string> if_match;  ///< fail unless the current ETag matches
  /// Store::ConditionalWindow::start() of the request: a delete of the key that
  /// committed since then makes the write 409 ConditionalRequestConflict.
  std::optional<std::uint64_t> since;
};

/// Preconditions checked atomically with a DeleteObject (one object of a DeleteObjects).
struct DeleteCondition {
  /// Fail unless the current version exists (404 NoSuchKey) and its ETag matches
  /// (412 PreconditionFailed); "*" asks only that it exists.
  std::optional<std::string> if_match;
  /// Store::ConditionalWindow::start() of the request: a write or delete of the
  /// key that committed since then makes the delete 409 ConditionalRequestConflict.
  std::optional<std::uint64_t> since;
};

/// A listing request (ListObjects v1 and v2 share it).
struct ListQuery {
  std::string prefix;
  std::string delimiter;
  std::string after;  ///< exclusive lower bound: start-after / continuation marker / v1 marker
  int max_keys = 1000;
};

struct ListEntry {
  std::string key;
  ObjectPtr object;
};

struct ListPage {
  std::vector<ListEntry> contents;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  /// The last key or common prefix returned (the resume marker when truncated).
  std::string last;
};

/// One uploaded part of a multipart upload (immutable once stored; a re-upload of
/// the same part number replaces it).
struct PartRecord {
  int number = 0;
  std::shared_ptr<const std::string> body;
  std::string etag;  ///< quoted hex MD5 of the part
  std::string md5;   ///< the binary MD5 (16 bytes), for the multipart ETag
  /// Checksums of the part (algorithm -> base64): supplied, or computed for the upload's algorithm.
  std::map<std::string, std::string> checksums;
  SystemTime last_modified;
  std::uint64_t size() const { return body ? body->size() : 0; }
};

/// An in-progress multipart upload: the attributes the final object gets (body,
/// etag and part sizes unset) and its parts by number.
struct UploadRecord {
  std::string key;
  std::string upload_id;
  SystemTime initiated;
  std::shared_ptr<const ObjectRecord> attributes;
  std::map<int, PartRecord> parts;
};

/// A ListMultipartUploads request (keys in byte order, a key's uploads by initiation).
struct UploadQuery {
  std::string prefix;
  std::string delimiter;
  std::string key_marker;
  std::string upload_id_marker;
  int max_uploads = 1000;
};

/// What a completed upload made, kept so that a retried CompleteMultipartUpload (an SDK
/// resends it when the first answer was lost) gets the same answer instead of NoSuchUpload.
struct CompletedUpload {
  std::string key;
  ObjectPtr object;  ///< the record CompleteMultipartUpload stored, without its body
  std::string version_id;
};

/// Completed uploads remembered per bucket (the oldest is forgotten first).
inline constexpr std::size_t kMaxCompletedUploadsPerBucket = 1000;

struct UploadSummary {
  std::string key;
  std::string upload_id;
  SystemTime initiated;
  std::string storage_class;
};

struct UploadPage {
  std::vector<UploadSummary> uploads;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};

/// Thread safety: every method may be called concurrently; one mutex guards
/// the maps, and no method holds it while doing I/O or hashing bodies.
class Store {
 public:
  /// The time span of one conditional request, from when the mock starts handling
  /// it to when it commits (store_conditional.cc). While a window is open the store
  /// remembers which keys were written or deleted after its start, so that the
  /// request can tell a concurrent conflicting change (409) from a plain failed
  /// precondition (412). Move-only; closes on destruction (the Store must outlive it).
  class ConditionalWindow {
   public:
    ConditionalWindow(ConditionalWindow&& o) noexcept : store_(o.store_), start_(o.start_) { o.store_ = nullptr; }
    ConditionalWindow& operator=(ConditionalWindow&&) = delete;
    ConditionalWindow(const ConditionalWindow&) = delete;
    ~ConditionalWindow();
    /// The store's change sequence number when the window opened.
    std::uint64_t start() const { return start_; }

   private:
    friend class Store;
    ConditionalWindow(Store* store, std::uint64_t start) : store_(store), start_(start) {}
    Store* store_;
    std::uint64_t start_;
  };
  ConditionalWindow OpenConditionalWindow();

  MaybeError CreateBucket(const std::string& name, const std::string& region, SystemTime now);
  MaybeError DeleteBucket(const std::string& name);
  Expected<BucketInfo> GetBucket(const std::string& name) const;
  /// Sorted by name.
  std::vector<BucketInfo> ListBuckets() const;

  /// Runs `change` on a copy of the bucket's settings and keeps the result unless it
  /// returns an error (answered as is). Errors: NoSuchBucket.
  MaybeError UpdateBucketSettings(const std::string& bucket, const std::function<MaybeError(BucketSettings&)>& change);
  /// Sets Enabled or Suspended. Errors: NoSuchBucket.
  MaybeError SetVersioning(const std::string& bucket, VersioningState state);

  /// Stores `object` under key unless `cond` fails (412 PreconditionFailed, or 404
  /// NoSuchKey for If-Match on a missing key). Unversioned: replaces the object.
  /// Enabled: adds a new version with a fresh id. Suspended: replaces the null version.
  /// `version_id` (optional) receives the new version's id, "" for unversioned buckets.
  /// `cond.since`: a delete of the key since then is 409 ConditionalRequestConflict.
  MaybeError PutObject(const std::string& bucket, const std::string& key, ObjectPtr object,
                       const PutCondition& cond = {}, std::string* version_id = nullptr);
  /// The current object (NoSuchKey when absent or when the latest version is a delete marker).
  Expected<ObjectPtr> GetObject(const std::string& bucket, const std::string& key) const;
  /// The latest version (empty `version_id`) or the named one. Errors: NoSuchKey (with
  /// x-amz-delete-marker when the latest is a marker), InvalidArgument (malformed id),
  /// NoSuchVersion, MethodNotAllowed (405) for a named delete marker.
  Expected<VersionRef> GetVersion(const std::string& bucket, const std::string& key,
                                  const std::string& version_id) const;
  /// Deleting a missing key succeeds (as in S3); a missing bucket is NoSuchBucket.
  MaybeError DeleteObject(const std::string& bucket, const std::string& key);
  /// S3's DELETE: without a version id, removes the object (unversioned) or adds a
  /// delete marker (versioned; suspended replaces the null version); with one, removes
  /// that version permanently (an unknown, well-formed id succeeds, as in S3).
  /// Errors: NoSuchBucket, InvalidArgument (malformed id).
  /// `now` dates a new delete marker. `cond` (conditional delete) is evaluated
  /// against the current version, whatever `version_id` names, as S3 does: 409
  /// ConditionalRequestConflict when the key changed since cond.since, else 404
  /// NoSuchKey when there is no current object, 412 PreconditionFailed on another ETag.
  Expected<DeleteOutcome> DeleteVersion(const std::string& bucket, const std::string& key,
                                        const std::string& version_id, SystemTime now,
                                        const DeleteCondition& cond = {});
  /// Replaces the tags of the latest (or the named) version; returns its version id.
  /// Errors as GetVersion.
  Expected<VersionRef> SetTags(const std::string& bucket, const std::string& key, const std::string& version_id,
                               std::map<std::string, std::string> tags);
  /// Replaces the latest (or the named) version's record with a copy `change` altered
  /// (the body stays shared). Errors as SetTags.
  Expected<VersionRef> ModifyVersion(const std::string& bucket, const std::string& key, const std::string& version_id,
                                     const std::function<void(ObjectRecord&)>& change);
  /// Lists current keys (latest version not a delete marker) in UTF-8 byte order.
  Expected<ListPage> List(const std::string& bucket, const ListQuery& q) const;
  /// Lists versions and delete markers. Errors: NoSuchBucket.
  Expected<VersionPage> ListVersions(const std::string& bucket, const VersionQuery& q) const;

  // ---- multipart uploads. Errors: NoSuchBucket; NoSuchUpload when the upload id is
  // unknown for that bucket and key (aborted, completed or never created).

  /// Starts an upload whose final object takes `attributes`; returns the upload id.
  Expected<std::string> CreateUpload(const std::string& bucket, const std::string& key,
                                     std::shared_ptr<const ObjectRecord> attributes, SystemTime now);
  /// Stores (or replaces) one part.
  MaybeError PutPart(const std::string& bucket, const std::string& key, const std::string& upload_id, PartRecord part);
  /// A snapshot of the upload (parts share their bodies; nothing is copied).
  Expected<UploadRecord> GetUpload(const std::string& bucket, const std::string& key,
                                   const std::string& upload_id) const;
  /// Discards the upload and its parts.
  MaybeError AbortUpload(const std::string& bucket, const std::string& key, const std::string& upload_id);
  /// Ends the upload and stores `object` under its key as a PUT would (versioning-aware),
  /// atomically: a concurrent abort or complete makes this NoSuchUpload. `cond` as
  /// for PutObject; a failed precondition (412/404) keeps the upload, a conflict
  /// (409) ends it (S3: "re-initiate the multipart upload").
  MaybeError CompleteUpload(const std::string& bucket, const std::string& key, const std::string& upload_id,
                            ObjectPtr object, std::string* version_id, const PutCondition& cond = {});
  /// An upload CompleteUpload ended (one of the last kMaxCompletedUploadsPerBucket of the
  /// bucket). Errors: NoSuchBucket; NoSuchUpload when not remembered for that key.
  Expected<CompletedUpload> GetCompletedUpload(const std::string& bucket, const std::string& key,
                                               const std::string& upload_id) const;
  /// In-progress uploads. Errors: NoSuchBucket.
  Expected<UploadPage> ListUploads(const std::string& bucket, const UploadQuery& q) const;

  // ---- lifecycle support (store_lifecycle.cc). The *If methods act only when the
  // version still holds `expected` (its record, or nullptr for a delete marker), so a
  // concurrent write is never undone by a decision taken on an older snapshot.

  /// Every key's versions (newest first; records shared, not copied) and every
  /// in-progress upload, with whether the bucket is versioned. Errors: NoSuchBucket.
  struct LifecycleSnapshot {
    bool versioned = false;
    std::vector<std::pair<std::string, std::vector<ObjectVersion>>> keys;
    std::vector<UploadSummary> uploads;
  };
  Expected<LifecycleSnapshot> SnapshotForLifecycle(const std::string& bucket) const;
  /// Expires the current version of key: unversioned buckets remove it, versioned
  /// ones put a delete marker (dated `now`) on top. Returns whether it acted.
  bool ExpireCurrentIf(const std::string& bucket, const std::string& key, const ObjectRecord* expected,
                       SystemTime now);
  /// Permanently removes one version. Returns whether it acted.
  bool RemoveVersionIf(const std::string& bucket, const std::string& key, const std::string& version_id,
                       const ObjectRecord* expected);
  /// Swaps one version's record for `replacement`. Returns whether it acted.
  bool ReplaceRecordIf(const std::string& bucket, const std::string& key, const std::string& version_id,
                       const ObjectRecord* expected, ObjectPtr replacement);

 private:
  struct Bucket {
    BucketInfo info;
    // Each key's versions, newest first; a key with no versions is erased.
    // std::less<std::string>: byte order.
    std::map<std::string, std::vector<ObjectVersion>> objects;
    // In-progress multipart uploads by upload id. S3 deletes a bucket that still
    // has some (they are discarded with it), so they do not block DeleteBucket.
    std::map<std::string, UploadRecord> uploads;
    // Completed uploads by id, and their ids in completion order (for the bound).
    std::map<std::string, CompletedUpload> completed;
    std::deque<std::string> completed_order;
  };
  MaybeError PutObjectLocked(Bucket& b, const std::string& key, ObjectPtr object, const PutCondition& cond,
                             std::string* version_id, std::vector<ObjectVersion>& replaced);
  std::string NewVersionIdLocked();
  // Conditional windows (store_conditional.cc): every committed write or delete of
  // a key takes the next sequence number; while a window is open, the last write
  // and delete of each changed key are kept (pruned as windows close).
  struct KeyChanges {
    std::uint64_t written = 0, deleted = 0;
  };
  void NoteChangeLocked(const std::string& bucket, const std::string& key, bool deleted);
  KeyChanges ChangesSinceLocked(const std::string& bucket, const std::string& key, std::uint64_t since) const;
  void CloseWindow(std::uint64_t start);
  /// PutCondition's checks on the current versions of a key (nullptr: none).
  MaybeError CheckPutLocked(const std::string& bucket, const std::string& key,
                            const std::vector<ObjectVersion>* versions, const PutCondition& cond) const;
  /// DeleteCondition's checks likewise.
  MaybeError CheckDeleteLocked(const std::string& bucket, const std::string& key,
                               const std::vector<ObjectVersion>* versions, const DeleteCondition& cond) const;
  /// Puts a delete marker on top of `versions` (a versioned bucket: enabled or
  /// suspended, where it replaces the "null" version, which goes to `removed`).
  /// Returns the marker's version id.
  std::string AddDeleteMarkerLocked(std::vector<ObjectVersion>& versions, VersioningState state, SystemTime now,
                                    std::vector<ObjectVersion>& removed);
  static Expected<std::size_t> FindVersionLocked(const std::vector<ObjectVersion>& versions,
                                                 const std::string& key, const std::string& version_id);

  mutable std::mutex mu_;  // guards buckets_, rng_ and the conditional-window state
  std::map<std::string, Bucket> buckets_;
  std::uint64_t rng_state_ = 0;
  std::uint64_t change_seq_ = 0;
  std::multiset<std::uint64_t> open_windows_;  // start() of each open window
  std::map<std::pair<std::string, std::string>, KeyChanges> recent_changes_;  // (bucket, key)
};

/// S3 bucket naming rules (3-63 chars, lower-case letters, digits, '.', '-', ...).
/// Returns an empty string when valid, otherwise why it is not.
std::string BucketNameProblem(const std::string& name);

/// Smallest string greater than every string starting with `prefix` ("" if none).
std::string PrefixSuccessor(std::string prefix);

/// An ETag with surrounding blanks, a weak "W/" prefix and its quotes removed
/// ("W/\"abc\"" -> "abc"). Pure function; thread-safe.
std::string StripEtag(std::string s);
/// True if the comma-separated If-Match/If-None-Match `list` names `etag` (quoted
/// or bare, maybe weak) or is "*". Pure function; thread-safe.
bool EtagListMatches(const std::string& list, const std::string& etag);

}  // namespace s3ml::mock
