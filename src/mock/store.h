#pragma once
// The mock's in-memory S3 store: buckets and objects, thread-safe.
//
// Object bodies are immutable and shared (std::shared_ptr<const std::string>):
// a GET takes a reference under the lock and streams the body after releasing
// it, and CopyObject shares the source body instead of copying it.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/time.h"
#include "mock/s3_error.h"

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

  std::uint64_t size() const { return body ? body->size() : 0; }
};
using ObjectPtr = std::shared_ptr<const ObjectRecord>;

struct BucketInfo {
  std::string name;
  SystemTime created;
  std::string region;
};

/// Preconditions checked atomically with a PutObject.
struct PutCondition {
  bool if_none_match_star = false;      ///< fail if the key exists
  std::optional<std::string> if_match;  ///< fail unless the current ETag matches
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

/// Thread safety: every method may be called concurrently; one mutex guards
/// the maps, and no method holds it while doing I/O or hashing bodies.
class Store {
 public:
  MaybeError CreateBucket(const std::string& name, const std::string& region, SystemTime now);
  MaybeError DeleteBucket(const std::string& name);
  Expected<BucketInfo> GetBucket(const std::string& name) const;
  /// Sorted by name.
  std::vector<BucketInfo> ListBuckets() const;

  /// Stores `object` under key, replacing any existing object, unless `cond` fails
  /// (412 PreconditionFailed, or 404 NoSuchKey for If-Match on a missing key).
  MaybeError PutObject(const std::string& bucket, const std::string& key, ObjectPtr object,
                       const PutCondition& cond = {});
  Expected<ObjectPtr> GetObject(const std::string& bucket, const std::string& key) const;
  /// Deleting a missing key succeeds (as in S3); a missing bucket is NoSuchBucket.
  MaybeError DeleteObject(const std::string& bucket, const std::string& key);
  /// Lists keys in UTF-8 byte order.
  Expected<ListPage> List(const std::string& bucket, const ListQuery& q) const;

 private:
  struct Bucket {
    BucketInfo info;
    std::map<std::string, ObjectPtr> objects;  // std::less<std::string>: byte order
  };
  mutable std::mutex mu_;  // guards buckets_
  std::map<std::string, Bucket> buckets_;
};

/// S3 bucket naming rules (3-63 chars, lower-case letters, digits, '.', '-', ...).
/// Returns an empty string when valid, otherwise why it is not.
std::string BucketNameProblem(const std::string& name);

/// Smallest string greater than every string starting with `prefix` ("" if none).
std::string PrefixSuccessor(std::string prefix);

}  // namespace s3ml::mock
