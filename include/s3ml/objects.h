#pragma once
/// \file Request/result structs for bucket and object operations.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "s3ml/buffer.h"
#include "s3ml/lifecycle.h"
#include "s3ml/result.h"
#include "s3ml/sse.h"

namespace s3ml {

using Timestamp = std::chrono::system_clock::time_point;
/// User metadata (x-amz-meta-*), names lower-cased without the prefix.
using Metadata = std::map<std::string, std::string>;

/// Called with each chunk of a streamed body; return an error to abort.
using DataCallback = std::function<Status(const char* data, std::size_t n)>;
/// Called with each chunk of a streamed body and the chunk's offset from the body's
/// start. When a transfer fails midway, the request is retried like any other and the
/// body is delivered again from offset 0: a callback that stores by offset (into
/// memory, or with pwrite) needs nothing else to survive a cut-off body.
using OffsetDataCallback = std::function<Status(std::uint64_t offset, const char* data, std::size_t n)>;
/// Seekable body source: copy up to n bytes at offset into out; return bytes copied.
using ReadCallback = std::function<Result<std::size_t>(std::uint64_t offset, char* out, std::size_t n)>;

// ---- Buckets ---------------------------------------------------------------

struct BucketInfo {
  std::string name;
  Timestamp creation_date{};
};
struct ListBucketsResult {
  std::vector<BucketInfo> buckets;
  std::string owner_id;
  std::string owner_display_name;
};

struct CreateBucketRequest {
  std::string bucket;
  std::string location_constraint;  ///< empty: us-east-1 (no body)
};
struct CreateBucketResult {
  std::string location;
};

struct HeadBucketResult {
  std::string region;  ///< x-amz-bucket-region
};

// ---- Objects ---------------------------------------------------------------

/// A byte range. Exactly one form: [first, last], [first, end) open-ended, or the last `suffix` bytes.
struct ByteRange {
  std::optional<std::uint64_t> first;
  std::optional<std::uint64_t> last;
  std::optional<std::uint64_t> suffix_length;
  static ByteRange Closed(std::uint64_t first, std::uint64_t last) { return {first, last, std::nullopt}; }
  static ByteRange From(std::uint64_t first) { return {first, std::nullopt, std::nullopt}; }
  static ByteRange Suffix(std::uint64_t n) { return {std::nullopt, std::nullopt, n}; }
  /// "bytes=0-99", "bytes=100-", "bytes=-500"
  std::string ToHeader() const;
};

/// Additional object checksum (x-amz-checksum-*). kNone sends none.
enum class ChecksumAlgorithm { kNone, kCrc32, kCrc32c, kSha1, kSha256 };

/// Where a request's additional checksum travels (docs/integrity-and-encryption.md).
enum class ChecksumPlacement {
  kAuto,     ///< header for in-memory bodies; aws-chunked trailer for file/stream bodies (no pre-pass)
  kHeader,   ///< x-amz-checksum-<alg> header, computed in a pass over the body before sending
  kTrailer,  ///< Content-Encoding: aws-chunked with an x-amz-checksum-<alg> trailer computed while sending
};

struct PutObjectRequest {
  std::string bucket;
  std::string key;
  // Body: exactly one of these (all empty = zero-length object).
  std::string_view data;       ///< borrowed; the caller keeps it alive for the call
  std::string file_path;       ///< upload the whole file
  ReadCallback reader;         ///< seekable stream of reader_size bytes (re-read from 0 on retry)
  std::uint64_t reader_size = 0;

  std::string content_type;    ///< empty: binary/octet-stream
  std::string cache_control;
  std::string content_disposition;
  std::string content_encoding;
  Metadata metadata;
  std::string storage_class;   ///< STANDARD, STANDARD_IA, GLACIER, ... (empty: server default)
  std::string tagging;         ///< URL-encoded "k1=v1&k2=v2" (x-amz-tagging)
  bool send_content_md5 = false;  ///< compute and send Content-MD5 (memory bodies)
  /// Conditional write: "*" stores the object only if the key has no current object
  /// (create-only); otherwise S3 answers 412 PreconditionFailed. A conditional write
  /// is not retried once it may have reached the server (a repeat would fail its own
  /// precondition): an ambiguous failure is returned for the caller to settle.
  std::string if_none_match;
  /// Conditional write: store the object only if the current object's ETag matches
  /// (compare-and-swap); otherwise 412 PreconditionFailed, or 404 NoSuchKey when the
  /// key has no current object. 409 ConditionalRequestConflict: a concurrent request
  /// deleted the key while this one was in progress (fetch the ETag again and retry).
  std::string if_match{};
  /// Compute this checksum over the body and send it as x-amz-checksum-<alg>
  /// (the server rejects the upload with BadDigest when it does not match).
  ChecksumAlgorithm checksum_algorithm = ChecksumAlgorithm::kNone;
  /// Header or aws-chunked trailer (trailers are never used with
  /// ChecksumCalculation::kWhenRequired or PayloadSigning::kSigned).
  ChecksumPlacement checksum_placement = ChecksumPlacement::kAuto;
  /// A precomputed base64 Content-MD5, sent as given (wins over send_content_md5).
  std::string content_md5{};
  /// Server-side encryption (s3ml/sse.h).
  ServerSideEncryption sse{};
  /// Canned ACL (x-amz-acl): "private", "public-read", "bucket-owner-full-control", ...
  /// Empty: none sent (the object is private). A bucket with Object Ownership
  /// BucketOwnerEnforced (S3's default) refuses any but the owner's full control with
  /// AccessControlListNotSupported.
  std::string acl{};
};
struct PutObjectResult {
  std::string etag;
  std::string version_id;
  std::string expiration;                          ///< x-amz-expiration (raw)
  std::optional<ObjectExpiration> expiration_info;  ///< x-amz-expiration parsed
  EncryptionInfo encryption{};  ///< the SSE headers the server reported
  /// The checksum the client sent (base64), cross-checked against the server's echo.
  std::string checksum_crc32{}, checksum_crc32c{}, checksum_sha1{}, checksum_sha256{};
};

struct GetObjectRequest {
  std::string bucket;
  std::string key;
  std::optional<ByteRange> range;
  std::string version_id;
  int part_number = 0;  ///< 0: whole object
  std::string if_match;
  std::string if_none_match;
  std::optional<Timestamp> if_modified_since;
  std::optional<Timestamp> if_unmodified_since;
  /// Send x-amz-checksum-mode: ENABLED; a full-object GET whose response carries
  /// a checksum is verified over the received body (mismatch: kIntegrity error).
  bool checksum_mode = false;
  /// SSE-C: the object's customer key (other kinds are not sent on GET).
  ServerSideEncryption sse{};
};

/// What HeadObject and GetObject report about an object.
struct ObjectMetadata {
  std::uint64_t content_length = 0;   ///< bytes in this response (range length for ranged GETs)
  std::uint64_t object_size = 0;      ///< full object size (from Content-Range when ranged)
  std::string content_type;
  std::string content_range;
  std::string content_encoding;
  std::string cache_control;
  std::string content_disposition;
  std::string etag;
  Timestamp last_modified{};
  std::string version_id;
  std::string storage_class;          ///< empty means STANDARD
  Metadata metadata;
  bool delete_marker = false;
  int parts_count = 0;
  std::string expiration;             ///< x-amz-expiration
  std::string restore;                ///< x-amz-restore
  /// x-amz-expiration parsed (the lifecycle rule that will expire the object and when);
  /// unset when absent or malformed (the raw value stays in `expiration`).
  std::optional<ObjectExpiration> expiration_info;
  /// x-amz-restore parsed (archived objects): ongoing, or restored until expiry_date.
  std::optional<ObjectRestoreStatus> restore_status;
  int tag_count = 0;                  ///< x-amz-tagging-count (0 when absent)
  // Base64 checksums the server returned (with checksum mode on); empty if absent.
  std::string checksum_crc32;         ///< x-amz-checksum-crc32
  std::string checksum_crc32c;        ///< x-amz-checksum-crc32c
  std::string checksum_sha1;          ///< x-amz-checksum-sha1
  std::string checksum_sha256;        ///< x-amz-checksum-sha256
  /// x-amz-checksum-type: "COMPOSITE" for a multipart object's "<base64>-<parts>" value
  /// (a checksum of the part checksums, not of the bytes), "FULL_OBJECT", or "".
  std::string checksum_type{};
  EncryptionInfo encryption{};          ///< SSE headers of the object
};

struct GetObjectResult {
  ObjectMetadata info;
  Buffer body;  ///< empty when the body went to a file or callback
  /// Requests sent for this result by the retry loop (1: it succeeded first time), so
  /// callers can report the retries a successful GET needed.
  int attempts = 1;
};

struct HeadObjectRequest {
  std::string bucket;
  std::string key;
  std::string version_id;
  int part_number = 0;
  std::string if_match;
  std::string if_none_match;
  std::optional<Timestamp> if_modified_since;
  std::optional<Timestamp> if_unmodified_since;
  /// Send x-amz-checksum-mode: ENABLED (the checksums are reported, nothing is verified).
  bool checksum_mode = false;
  /// SSE-C: the object's customer key.
  ServerSideEncryption sse{};
};

struct DeleteObjectRequest {
  std::string bucket;
  std::string key;
  std::string version_id;
  /// Conditional delete: delete only if the current object's ETag matches ("*": only
  /// if a current object exists); otherwise 412 PreconditionFailed, or 404 NoSuchKey
  /// when there is no current object. 409 ConditionalRequestConflict: the key was
  /// written or deleted by a concurrent request while this one was in progress.
  /// Not retried once it may have reached the server.
  std::string if_match{};
};
struct DeleteObjectResult {
  bool delete_marker = false;
  std::string version_id;
};

struct ObjectIdentifier {
  std::string key;
  std::string version_id;
  /// Conditional delete of this object (the <ETag> element): as DeleteObjectRequest::if_match;
  /// a failed condition is this object's entry in DeleteObjectsResult::errors.
  std::string etag{};
};
struct DeleteObjectsRequest {
  std::string bucket;
  std::vector<ObjectIdentifier> objects;  ///< 1..1000
  bool quiet = false;
};
struct DeletedObject {
  std::string key;
  std::string version_id;
  bool delete_marker = false;
  std::string delete_marker_version_id;
};
struct DeleteError {
  std::string key;
  std::string version_id;
  std::string code;
  std::string message;
};
struct DeleteObjectsResult {
  std::vector<DeletedObject> deleted;
  std::vector<DeleteError> errors;
};

enum class MetadataDirective { kCopy, kReplace };

struct CopyObjectRequest {
  std::string source_bucket;
  std::string source_key;
  std::string source_version_id;
  std::string bucket;  ///< destination
  std::string key;
  MetadataDirective metadata_directive = MetadataDirective::kCopy;
  Metadata metadata;          ///< used with kReplace
  std::string content_type;   ///< used with kReplace
  std::string storage_class;
  std::string tagging;        ///< with a non-empty value the tagging directive is REPLACE
  std::string copy_source_if_match;
  std::string copy_source_if_none_match;
  /// Conditional write of the destination, as PutObjectRequest::if_none_match ("*":
  /// only if the destination key has no current object) and ::if_match.
  std::string if_none_match{};
  std::string if_match{};
  /// Encryption of the destination object.
  ServerSideEncryption sse{};
  /// SSE-C key of the source object (x-amz-copy-source-server-side-encryption-customer-*).
  ServerSideEncryption copy_source_sse{};
  std::string acl{};  ///< canned ACL of the copy (x-amz-acl); empty: private
};
struct CopyObjectResult {
  std::string etag;
  Timestamp last_modified{};
  std::string version_id;
  std::string copy_source_version_id;
  EncryptionInfo encryption{};
};

// ---- Listing ---------------------------------------------------------------

struct ObjectSummary {
  std::string key;
  Timestamp last_modified{};
  std::string etag;
  std::uint64_t size = 0;
  std::string storage_class;
  std::string owner_id;
};

struct ListObjectsV2Request {
  std::string bucket;
  std::string prefix;
  std::string delimiter;
  std::string start_after;
  std::string continuation_token;
  int max_keys = 0;  ///< 0: server default (1000)
  bool fetch_owner = false;
};
struct ListObjectsV2Result {
  std::string bucket;
  std::string prefix;
  std::string delimiter;
  std::vector<ObjectSummary> contents;
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  std::string next_continuation_token;
  int key_count = 0;
  int max_keys = 0;
};


// ---- Browser POST uploads (presigned POST forms) ------------------------------

/// One condition of a POST policy (PresignPostRequest::conditions): what S3 checks
/// each form field against when the form is posted.
struct PostPolicyCondition {
  enum class Kind {
    kEquals,              ///< ["eq", "$field", value]
    kStartsWith,          ///< ["starts-with", "$field", prefix] ("" allows any value)
    kContentLengthRange,  ///< ["content-length-range", min, max] (the file's size in bytes)
  };
  Kind kind = Kind::kEquals;
  std::string field;  ///< form field name without '$' (kEquals, kStartsWith); "bucket" names the bucket
  std::string value;  ///< the value or prefix
  std::uint64_t min_length = 0, max_length = 0;  ///< kContentLengthRange

  static PostPolicyCondition Equals(std::string field, std::string value);
  static PostPolicyCondition StartsWith(std::string field, std::string prefix);
  static PostPolicyCondition ContentLengthRange(std::uint64_t min_length, std::uint64_t max_length);
};

/// What Client::PresignPost signs: the same inputs as boto3's generate_presigned_post.
struct PresignPostRequest {
  std::string bucket;
  /// The object key. A key ending in "${filename}" becomes a starts-with condition on
  /// the part before it (S3 substitutes the uploaded file's name); any other key an
  /// exact condition.
  std::string key;
  /// Extra form fields to send (acl, Content-Type, success_action_status,
  /// x-amz-meta-*, ...). As in boto3, a field is not made a condition by being listed
  /// here: S3 refuses a form field that no condition covers, so add one for each.
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<PostPolicyCondition> conditions;
  std::chrono::seconds expires{3600};  ///< 1 s .. 7 days
};

/// A browser POST form: post `fields` (in this order) and then the file, as
/// multipart/form-data, to `url`.
struct PresignedPost {
  std::string url;
  std::vector<std::pair<std::string, std::string>> fields;  ///< key, the extra fields, the signing fields, policy, x-amz-signature
  std::string policy;  ///< the policy document (JSON) that `fields` carries base64-encoded
};

}  // namespace s3ml
