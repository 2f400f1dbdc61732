#pragma once
/// \file Checkpoints and model artifacts: streaming writer/reader over multipart upload
/// and ranged GETs, user metadata (step, epoch, metrics) in x-amz-meta-*, and a
/// versioning-aware "model registry" (list, latest, best-by-metric, load a version,
/// roll back) over a versioned bucket.
///
/// Every save of one key ("models/resnet/ckpt") in a versioned bucket is a version; its
/// metadata says what it is. The writer streams through TransferManager::UploadStream
/// (same part logic, byte budget, ETag checks and abort-on-failure); the reader issues
/// ranged GETs pinned to one version (and If-Match its ETag) with read-ahead.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "s3ml/client.h"
#include "s3ml/objects.h"
#include "s3ml/result.h"

namespace s3ml {

/// S3's limit on user metadata: the UTF-8 bytes of every name plus every value (without
/// the "x-amz-meta-" prefix) must not exceed 2 KB.
inline constexpr std::size_t kMaxUserMetadataBytes = 2048;

/// One stored artifact (one object version).
struct ArtifactInfo {
  std::string bucket;
  std::string key;
  std::string version_id;  ///< empty when the bucket is unversioned ("null" for the null version)
  std::string etag;
  std::uint64_t size = 0;
  /// Unset (epoch) in what ArtifactWriter::Commit returns (no extra request is made);
  /// filled by the lookup functions and ArtifactReader.
  Timestamp last_modified{};
  Metadata metadata;  ///< x-amz-meta-*, names lower-cased without the prefix
  std::string content_type;
  bool is_latest = false;  ///< the current version of the key when it was looked up
};

/// Checks user metadata before any I/O: names non-empty and made of letters, digits,
/// '-', '_' and '.'; values printable ASCII (no control characters, which HTTP headers
/// cannot carry); total bytes <= kMaxUserMetadataBytes.
/// Errors: kInvalidArgument naming the offending entry or the 2 KB limit and the total.
Status ValidateArtifactMetadata(const Metadata& metadata);

/// Options of ArtifactWriter::Open.
struct ArtifactWriteOptions {
  /// Multipart part size (5 MiB .. 5 GiB). An artifact shorter than one part at Commit
  /// is sent as one PutObject.
  std::uint64_t part_size = 16ull * 1024 * 1024;
  /// Parts uploaded in parallel (1..64).
  int concurrency = 4;
  /// Upper bound on the part data the writer holds in memory at once (the part being
  /// filled plus the parts in flight). 0: part_size * concurrency. Must be >= part_size.
  std::uint64_t memory_budget = 0;
  /// Stored as x-amz-meta-* on the artifact (validated by ValidateArtifactMetadata).
  Metadata metadata;
  /// Content-Type; empty: binary/octet-stream.
  std::string content_type;
  /// Compare each part's ETag with its MD5 and the completed ETag with the parts' MD5s.
  bool verify_etag = true;
  /// Additional checksum (x-amz-checksum-*) on every part or the single PutObject; the
  /// server rejects a part whose bytes do not match (TransferOptions::checksum_algorithm).
  /// CRC-32C by default (SSE4.2 hardware: a small fraction of the upload's CPU), so that
  /// every ArtifactReader can check what it reads against it (verify_checksums);
  /// kNone stores none.
  ChecksumAlgorithm checksum = ChecksumAlgorithm::kCrc32c;
  /// Called with the total bytes uploaded so far after each part, from the upload
  /// worker threads: possibly concurrently from different workers, so values may
  /// arrive slightly out of order (keep the maximum) and the callback must be
  /// thread-safe; never while s3ml holds a lock.
  std::function<void(std::uint64_t bytes_uploaded)> progress;
};

/// Counters of an ArtifactWriter.
struct ArtifactWriterStats {
  std::uint64_t bytes_written = 0;       ///< accepted by Write so far
  std::uint64_t bytes_uploaded = 0;      ///< acknowledged by the server so far
  int parts_uploaded = 0;                ///< multipart parts acknowledged
  std::uint64_t memory_in_use = 0;       ///< part buffers held now
  std::uint64_t memory_high_water = 0;   ///< most part-buffer bytes ever held at once
  std::uint64_t memory_budget = 0;       ///< the effective budget
};

/// A streaming artifact writer: Write() appends; full parts are uploaded in the
/// background, several in parallel, while the caller keeps writing. Memory stays within
/// the budget: Write blocks while every part buffer is in flight. Commit() sends the
/// rest and completes the upload (or sends a single PutObject when the whole artifact
/// is shorter than one part). Abort(), or destroying the writer without a successful
/// Commit, aborts the multipart upload so no parts are left behind (and nothing is
/// stored). If any part fails (after the client's retries), the upload is aborted,
/// a later Write fails (at most about one part later: the failure is seen between parts)
/// and Commit returns that error (naming the part, the upload and the key).
///
/// Threads: one background thread per writer (the upload driver) plus up to
/// `concurrency` part workers, all joined by Commit/Abort/the destructor.
/// Thread safety: single producer — call Write/Commit/Abort from one thread at a time.
/// stats() and bytes_written() may be called from any thread.
class ArtifactWriter {
 public:
  /// Validates bucket, key, options and metadata (kInvalidArgument) and starts the
  /// upload driver. No request is sent until the first part is full or Commit().
  static Result<std::unique_ptr<ArtifactWriter>> Open(Client client, std::string bucket, std::string key,
                                                       ArtifactWriteOptions options = {});
  /// Aborts unless committed (blocks until the upload driver has finished).
  ~ArtifactWriter();
  ArtifactWriter(const ArtifactWriter&) = delete;
  ArtifactWriter& operator=(const ArtifactWriter&) = delete;

  /// Appends n bytes (copied; the caller may reuse `data` once this returns). Blocks
  /// while the memory budget is full. Errors: the upload's first failure (the upload
  /// has then been aborted), or kInvalidArgument after Commit/Abort.
  Status Write(const void* data, std::size_t n);
  /// Uploads what is left, completes the upload and returns the stored artifact.
  /// Errors: the first failure (the upload is aborted: nothing is stored).
  /// Calling it twice returns kInvalidArgument the second time.
  Result<ArtifactInfo> Commit();
  /// Abandons the artifact: aborts the multipart upload (if one was started) and
  /// waits for the workers. Idempotent; a no-op after Commit. Returns the abort's own
  /// failure when AbortMultipartUpload failed (the upload may then be left behind).
  Status Abort();

  std::uint64_t bytes_written() const;
  ArtifactWriterStats stats() const;
  const std::string& bucket() const;
  const std::string& key() const;

  struct Impl;

 private:
  explicit ArtifactWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Options of ArtifactReader::Open.
struct ArtifactReadOptions {
  /// Bytes per ranged GET (>= 64 KiB).
  std::uint64_t part_size = 8ull * 1024 * 1024;
  /// Ranges fetched in parallel ahead of the read position (1..64). Memory held is at
  /// most part_size * read_ahead (the range being read counts as one of them).
  int read_ahead = 4;
  /// Check the artifact's bytes against the checksum S3 stores for it (Open's HEAD asks
  /// for it with checksum mode; ranges carry none). Each fetched range is folded in as
  /// it arrives, in any order; once every byte has been fetched at least once, the Read
  /// in progress — and every later one — fails with kIntegrity, code
  /// "ChecksumMismatch", if they do not match. CRC-32/CRC-32C in any range size; a
  /// SHA-1/SHA-256 part only when it arrives as one range (part_size equal to the
  /// writer's, as ArtifactWriter's defaults are). Artifacts written without a checksum
  /// (ArtifactWriteOptions::checksum) cannot be checked.
  bool verify_checksums = true;
};

/// A streaming, seekable artifact reader. Open() sends one HeadObject and pins the
/// version it saw: every ranged GET carries that version id (when the bucket is
/// versioned) and If-Match its ETag, so an artifact overwritten mid-read is an error
/// (kIntegrity), never a mix of two versions. Reads are served from a window of
/// `read_ahead` ranges fetched in parallel; a Seek outside the window drops it.
///
/// Threads: up to `read_ahead` fetch threads, joined by the destructor.
/// Thread safety: single consumer — Read/Seek from one thread at a time.
class ArtifactReader {
 public:
  /// HEADs the artifact (the given version, or the current one).
  /// Errors: the HeadObject error (e.g. NoSuchKey, NoSuchVersion); kInvalidArgument
  /// for bad options.
  static Result<std::unique_ptr<ArtifactReader>> Open(Client client, std::string bucket, std::string key,
                                                      std::string version_id = {}, ArtifactReadOptions options = {});
  ~ArtifactReader();
  ArtifactReader(const ArtifactReader&) = delete;
  ArtifactReader& operator=(const ArtifactReader&) = delete;

  /// Copies up to n bytes at the current position into out and advances; returns 0 at
  /// the end. Returns fewer than n only at the end. Errors: the range request's error;
  /// kIntegrity when the artifact changed since Open.
  Result<std::size_t> Read(void* out, std::size_t n);
  /// Moves the read position (0..size()). Errors: kInvalidArgument beyond size().
  Status Seek(std::uint64_t offset);
  std::uint64_t size() const;
  std::uint64_t tell() const;
  /// What Open() saw (version id, ETag, size, metadata, last modified).
  const ArtifactInfo& info() const;
  /// Ranged GETs issued so far.
  int requests() const;
  /// Most range-buffer bytes ever held at once.
  std::uint64_t memory_high_water() const;

  struct Impl;

 private:
  explicit ArtifactReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ---- Model registry over a versioned bucket ---------------------------------------

/// Every version of exactly `key` (not keys it prefixes), newest first, each with its
/// metadata (one HeadObject per version, up to 8 at a time). Delete markers are left
/// out. On an unversioned bucket: the one object, with version_id "null" or empty.
/// Errors: the listing's or a HEAD's error; an empty list when the key has no versions.
Result<std::vector<ArtifactInfo>> ListArtifactVersions(const Client& client, const std::string& bucket,
                                                       const std::string& key);
/// The current version (one HeadObject). Errors: NoSuchKey (kService) when the key does
/// not exist or its latest version is a delete marker.
Result<ArtifactInfo> LatestArtifact(const Client& client, const std::string& bucket, const std::string& key);
/// One given version with its metadata; is_latest is set by comparing with the current
/// version (a second HeadObject). Errors: NoSuchVersion / NoSuchKey.
Result<ArtifactInfo> ArtifactVersion(const Client& client, const std::string& bucket, const std::string& key,
                                     const std::string& version_id);
/// The version whose metadata field `metric` (parsed as a decimal number) is highest
/// (higher_is_better) or lowest; ties go to the newer version. Versions without the
/// field or with a non-numeric value are skipped.
/// Errors: kInvalidArgument for an empty metric; kService with code "NoSuchKey" when
/// no version carries a numeric `metric`.
Result<ArtifactInfo> BestArtifact(const Client& client, const std::string& bucket, const std::string& key,
                                  const std::string& metric, bool higher_is_better);
/// Makes `version_id` the latest again by copying it onto the key (CopyObject with the
/// source version id, metadata copied): a new version with the old bytes and metadata;
/// history is kept. Returns the new latest version. Only single-request copies
/// (artifacts up to 5 GiB): larger ones return kInvalidArgument (multipart copy is not
/// implemented here).
Result<ArtifactInfo> RollbackArtifact(const Client& client, const std::string& bucket, const std::string& key,
                                      const std::string& version_id);

}  // namespace s3ml
