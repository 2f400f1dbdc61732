#pragma once
/// \file Request/result structs for multipart uploads, S3's part limits, and part-size planning.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "s3ml/objects.h"
#include "s3ml/result.h"

namespace s3ml {

// ---- S3's multipart limits ---------------------------------------------------

/// Part numbers run 1..kMaxPartNumber.
inline constexpr int kMaxPartNumber = 10000;
/// Every part except the last must be at least this large (5 MiB).
inline constexpr std::uint64_t kMinPartSize = 5ull * 1024 * 1024;
/// No part may be larger than this (5 GiB).
inline constexpr std::uint64_t kMaxPartSize = 5ull * 1024 * 1024 * 1024;
/// The largest object a multipart upload can build (5 TiB).
inline constexpr std::uint64_t kMaxMultipartObjectSize = 5ull * 1024 * 1024 * 1024 * 1024;

/// How an object of a known size is cut into parts.
struct PartPlan {
  std::uint64_t part_size = 0;       ///< size of every part but the last
  int part_count = 0;                ///< 1..10000 (1 for an empty object)
  std::uint64_t last_part_size = 0;  ///< 1..part_size (0 only for an empty object)
  /// Offset and size of part `part_number` (1-based).
  std::uint64_t Offset(int part_number) const { return part_size * static_cast<std::uint64_t>(part_number - 1); }
  std::uint64_t SizeOf(int part_number) const { return part_number == part_count ? last_part_size : part_size; }
};

/// Plans parts for `total_size` bytes starting from `preferred_part_size`: the preferred
/// size is used when it is within S3's limits and gives at most 10,000 parts; otherwise
/// the smallest part size (rounded up to a whole MiB) that fits 10,000 parts is chosen.
/// Errors: kInvalidArgument when preferred_part_size is below 5 MiB or above 5 GiB, or
/// total_size exceeds 5 TiB.
Result<PartPlan> PlanParts(std::uint64_t total_size, std::uint64_t preferred_part_size);

/// Errors: kInvalidArgument unless 1 <= part_number <= 10000.
Status ValidatePartNumber(int part_number);
/// Errors: kInvalidArgument for a part above 5 GiB, or a non-final part below 5 MiB.
Status ValidatePartSize(int part_number, std::uint64_t size, bool is_last);

/// The ETag S3 gives a completed multipart upload: "\"<hex md5 of the concatenated
/// binary part MD5s>-<number of parts>\"" (quotes included). `part_md5s` are the raw
/// 16-byte digests of the parts in part-number order.
std::string MultipartETag(const std::vector<std::string>& part_md5s);

/// The COMPOSITE checksum S3 gives a completed multipart upload:
/// "<base64 of the `algorithm` checksum over the concatenated raw part checksums>-<n>".
/// `part_checksums_base64` are the parts' base64 values in part-number order.
/// Errors: kInvalidArgument for kNone, no parts or a value that is not base64.
Result<std::string> CompositeChecksum(ChecksumAlgorithm algorithm,
                                      const std::vector<std::string>& part_checksums_base64);

// ---- Operations ----------------------------------------------------------------

struct CreateMultipartUploadRequest {
  std::string bucket;
  std::string key;
  std::string content_type;  ///< empty: binary/octet-stream
  std::string cache_control;
  std::string content_disposition;
  std::string content_encoding;
  Metadata metadata;
  std::string storage_class;  ///< STANDARD, STANDARD_IA, ... (empty: server default)
  std::string tagging;        ///< URL-encoded "k1=v1&k2=v2" (x-amz-tagging)
  /// x-amz-checksum-algorithm: every part must then carry this checksum, and
  /// CompleteMultipartUpload must list each part's value (composite object checksum).
  ChecksumAlgorithm checksum_algorithm = ChecksumAlgorithm::kNone;
  /// x-amz-checksum-type: "" (S3's default: COMPOSITE), "COMPOSITE", or "FULL_OBJECT"
  /// (CRC algorithms only: the object checksum is then over the bytes, verifiable on GET).
  std::string checksum_type{};
  /// Encryption of the object (for SSE-C every UploadPart needs the same key).
  ServerSideEncryption sse{};
  std::string acl{};  ///< canned ACL of the object (x-amz-acl); empty: private
};
struct CreateMultipartUploadResult {
  std::string bucket;
  std::string key;
  std::string upload_id;
  std::string checksum_algorithm{};  ///< x-amz-checksum-algorithm echoed ("CRC32C", ...)
  EncryptionInfo encryption{};
};

struct UploadPartRequest {
  std::string bucket;
  std::string key;
  std::string upload_id;
  int part_number = 0;  ///< 1..10000
  // Body: exactly one source.
  std::string_view data;           ///< borrowed; the caller keeps it alive for the call
  std::string file_path;           ///< [file_offset, file_offset + file_length) of a file
  std::uint64_t file_offset = 0;
  std::int64_t file_length = -1;   ///< -1: to the end of the file
  ReadCallback reader;             ///< seekable stream of reader_size bytes (re-read from 0 on retry)
  std::uint64_t reader_size = 0;
  bool send_content_md5 = false;   ///< compute and send Content-MD5 (S3 then rejects a corrupted part)
  std::string content_md5{};         ///< a precomputed base64 Content-MD5, sent as given
  /// Additional checksum of the part (must match the upload's algorithm, if it has one).
  ChecksumAlgorithm checksum_algorithm = ChecksumAlgorithm::kNone;
  ChecksumPlacement checksum_placement = ChecksumPlacement::kAuto;
  /// SSE-C: the upload's customer key (other kinds are set on CreateMultipartUpload).
  ServerSideEncryption sse{};
};
struct UploadPartResult {
  std::string etag;
  /// The part checksum the client sent (base64); copy it into CompletedPart.
  std::string checksum_crc32{}, checksum_crc32c{}, checksum_sha1{}, checksum_sha256{};
  EncryptionInfo encryption{};
};

struct UploadPartCopyRequest {
  std::string source_bucket;
  std::string source_key;
  std::string source_version_id;
  std::string bucket;  ///< destination
  std::string key;
  std::string upload_id;
  int part_number = 0;
  /// Bytes of the source to copy (x-amz-copy-source-range, closed ranges only);
  /// absent: the whole source object.
  std::optional<ByteRange> source_range;
  std::string copy_source_if_match;
  /// SSE-C keys: of the upload (sse) and of the source object (copy_source_sse).
  ServerSideEncryption sse{};
  ServerSideEncryption copy_source_sse{};
};
struct UploadPartCopyResult {
  std::string etag;
  Timestamp last_modified{};
  std::string copy_source_version_id;
  /// The part checksum S3 computed (uploads created with a checksum algorithm).
  std::string checksum_crc32{}, checksum_crc32c{}, checksum_sha1{}, checksum_sha256{};
};

/// One part of the completion list.
struct CompletedPart {
  int part_number = 0;
  std::string etag;
  /// Part checksums (base64) as UploadPart returned them; required for the upload's
  /// algorithm when it was created with one. Sent as <ChecksumCRC32> etc.
  std::string checksum_crc32{}, checksum_crc32c{}, checksum_sha1{}, checksum_sha256{};
};
struct CompleteMultipartUploadRequest {
  std::string bucket;
  std::string key;
  std::string upload_id;
  std::vector<CompletedPart> parts;  ///< 1..10000, strictly ascending part numbers
  /// SSE-C: the upload's customer key.
  ServerSideEncryption sse{};
  /// Conditional write of the completed object, as PutObjectRequest::if_none_match
  /// and ::if_match. A failed precondition (412, or 404 NoSuchKey for if_match) leaves
  /// the upload in place; after 409 ConditionalRequestConflict the upload is gone and
  /// must be started again.
  std::string if_none_match{};
  std::string if_match{};
};
struct CompleteMultipartUploadResult {
  std::string location;
  std::string bucket;
  std::string key;
  std::string etag;
  std::string version_id;
  /// The object checksum S3 computed: "<base64 of the checksum of the concatenated binary
  /// part checksums>-<parts>" for COMPOSITE. The client verifies it against the part
  /// checksums it sent (kIntegrity "ChecksumMismatch" when they disagree).
  std::string checksum_crc32{}, checksum_crc32c{}, checksum_sha1{}, checksum_sha256{};
  std::string checksum_type{};  ///< "COMPOSITE" (or "FULL_OBJECT")
  EncryptionInfo encryption{};
};

struct AbortMultipartUploadRequest {
  std::string bucket;
  std::string key;
  std::string upload_id;
};

struct ListPartsRequest {
  std::string bucket;
  std::string key;
  std::string upload_id;
  int max_parts = 0;           ///< 0: server default (1000)
  int part_number_marker = 0;  ///< list parts after this one
};
struct PartInfo {
  int part_number = 0;
  Timestamp last_modified{};
  std::string etag;
  std::uint64_t size = 0;
};
struct ListPartsResult {
  std::string bucket;
  std::string key;
  std::string upload_id;
  std::string storage_class;
  int part_number_marker = 0;
  int next_part_number_marker = 0;
  int max_parts = 0;
  bool is_truncated = false;
  std::vector<PartInfo> parts;
};

struct ListMultipartUploadsRequest {
  std::string bucket;
  std::string prefix;
  std::string delimiter;
  std::string key_marker;
  std::string upload_id_marker;  ///< only with key_marker
  int max_uploads = 0;           ///< 0: server default (1000)
};
struct MultipartUploadInfo {
  std::string key;
  std::string upload_id;
  Timestamp initiated{};
  std::string storage_class;
};
struct ListMultipartUploadsResult {
  std::string bucket;
  std::string prefix;
  std::string delimiter;
  std::string key_marker;
  std::string upload_id_marker;
  std::string next_key_marker;
  std::string next_upload_id_marker;
  int max_uploads = 0;
  bool is_truncated = false;
  std::vector<MultipartUploadInfo> uploads;
  std::vector<std::string> common_prefixes;
};

}  // namespace s3ml
