#pragma once
/// \file TransferManager: parallel multipart uploads and parallel ranged downloads.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "s3ml/buffer.h"
#include "s3ml/cancel.h"
#include "s3ml/client.h"
#include "s3ml/multipart.h"
#include "s3ml/objects.h"
#include "s3ml/result.h"

namespace s3ml {

/// Progress: bytes transferred so far and the total (0 when unknown, e.g. a stream).
/// Called from worker threads after each part (possibly concurrently from different
/// workers, so values may arrive slightly out of order); never while s3ml holds a lock.
using ProgressCallback = std::function<void(std::uint64_t bytes_done, std::uint64_t bytes_total)>;

/// A forward-only source of unknown length: copy up to n bytes into out and return the
/// count; 0 means the end of the stream. Return an error to fail (and abort) the upload.
using StreamReader = std::function<Result<std::size_t>(char* out, std::size_t n)>;

/// Knobs of a TransferManager. Validated at the start of each transfer.
struct TransferOptions {
  /// Preferred part size (5 MiB .. 5 GiB). Raised automatically when an object would
  /// otherwise need more than 10,000 parts.
  std::uint64_t part_size = 8ull * 1024 * 1024;
  /// Worker threads per transfer (1..64).
  int concurrency = 8;
  /// Uploads below this size go as one PutObject; downloads always use ranged GETs.
  std::uint64_t multipart_threshold = 16ull * 1024 * 1024;
  /// Bytes of part data held in memory at once, reserved before each part request is
  /// issued. 0: part_size * concurrency. Must be >= the part size in use.
  std::uint64_t memory_budget = 0;
  /// Optional progress callback.
  ProgressCallback progress;
  /// Cancels transfers from another thread (or from the progress callback): requests
  /// in flight are aborted within about 100 ms, no new one starts, the upload is aborted
  /// or the temporary file removed, the workers are joined, and the call fails with
  /// ErrorCategory::kCancelled. The client's own token (Client::WithCancellation)
  /// cancels the transfer too.
  CancellationToken cancel;
  /// Check each part's ETag against its MD5 and the completed upload's ETag against
  /// "<md5 of the part md5s>-<n>" (skipped for parts whose ETag is not an MD5, e.g. SSE-KMS).
  bool verify_etag = true;
  /// Additional checksum for every part (and single PutObject): the upload is created
  /// with this algorithm, each part carries its checksum, and CompleteMultipartUpload
  /// lists them; the client verifies the composite checksum S3 answers with.
  ChecksumAlgorithm checksum_algorithm = ChecksumAlgorithm::kNone;
  /// Downloads: check the assembled bytes against the checksum S3 stores for the object
  /// (a HEAD with checksum mode learns it; ranges carry none). CRC-32/CRC-32C ranges are
  /// combined without a second pass; a SHA part that did not arrive as one range is read
  /// back. A mismatch fails with kIntegrity, code "ChecksumMismatch". Objects stored
  /// without an additional checksum cannot be checked this way.
  bool verify_checksums = true;
};

/// What is set on an uploaded object.
struct UploadAttributes {
  std::string content_type;
  std::string cache_control;
  std::string content_disposition;
  std::string content_encoding;
  Metadata metadata;
  std::string storage_class;
  std::string tagging;  ///< URL-encoded "k1=v1&k2=v2"
  /// Server-side encryption; an SSE-C key is also sent with every part.
  ServerSideEncryption sse{};
  /// Conditional write (PutObject, or CompleteMultipartUpload for a multipart upload):
  /// "*" in if_none_match uploads only if the key has no current object; if_match
  /// only if the current object's ETag matches. A failed condition fails the upload
  /// (a multipart upload is aborted) with 412 PreconditionFailed.
  std::string if_none_match{};
  std::string if_match{};
};

struct TransferUploadResult {
  std::string etag;
  std::string version_id;
  std::uint64_t size = 0;
  int parts = 0;  ///< 0: sent as a single PutObject
};

struct TransferDownloadResult {
  std::string etag;
  std::uint64_t size = 0;
  int requests = 0;  ///< ranged GETs issued (not the HEADs that learn the checksum)
  Buffer body;       ///< DownloadToBuffer only
};

/// Moves whole objects with parallel part requests.
///
/// Uploads at or above multipart_threshold use CreateMultipartUpload, parallel
/// UploadPart and CompleteMultipartUpload; if anything fails or the transfer is
/// cancelled, the upload is aborted (AbortMultipartUpload) so no parts are left
/// behind. Downloads issue a first ranged GET, then the remaining ranges in parallel
/// with If-Match on the first response's ETag, so an object replaced mid-download is
/// an error (kIntegrity), never a mixed result; a failed file download leaves no file.
///
/// Threads: each call runs its own fixed pool of `concurrency` workers and joins them
/// before returning. Per-part retries come from the Client's retry loop.
/// Thread safety: the manager is immutable; calls may run concurrently from several
/// threads (they share the options' progress callback and cancellation token).
class TransferManager {
 public:
  /// The manager's requests honour both `options.cancel` and `client`'s own token.
  TransferManager(Client client, TransferOptions options = {});

  /// The options; `cancel` is the combined token (cancelled with either of the two).
  const TransferOptions& options() const { return options_; }

  /// Uploads a local file. Errors: kIo when the file can't be read; kInvalidArgument for
  /// bad options; the failing request's error otherwise (after aborting the upload).
  Result<TransferUploadResult> UploadFile(const std::string& bucket, const std::string& key,
                                          const std::string& path, const UploadAttributes& attrs = {}) const;
  /// Uploads bytes the caller keeps alive for the call (no copy is made).
  Result<TransferUploadResult> UploadBuffer(const std::string& bucket, const std::string& key, std::string_view data,
                                            const UploadAttributes& attrs = {}) const;
  /// Uploads a stream of unknown length, read part by part on the calling thread. A
  /// stream that ends within the first part goes as one PutObject. Errors also when the
  /// stream needs more than 10,000 parts of the configured part size.
  Result<TransferUploadResult> UploadStream(const std::string& bucket, const std::string& key,
                                            const StreamReader& reader, const UploadAttributes& attrs = {}) const;

  /// Downloads into `path` (a temporary beside it, renamed on success; removed on failure).
  Result<TransferDownloadResult> DownloadFile(const std::string& bucket, const std::string& key,
                                              const std::string& path) const;
  /// Downloads into memory (TransferDownloadResult::body).
  Result<TransferDownloadResult> DownloadToBuffer(const std::string& bucket, const std::string& key) const;

 private:
  Client client_;
  TransferOptions options_;
};

}  // namespace s3ml
