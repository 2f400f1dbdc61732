#pragma once
/// \file Client: one method per S3 operation.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "s3ml/express.h"
#include "s3ml/lifecycle.h"
#include "s3ml/multipart.h"
#include "s3ml/objects.h"
#include "s3ml/options.h"
#include "s3ml/result.h"
#include "s3ml/select.h"
#include "s3ml/sse.h"
#include "s3ml/tagging.h"
#include "s3ml/versioning.h"

namespace s3ml {

class Client;

/// The entries Paginator::All() collects from each page of a listing.
template <class Page>
struct PageItem;
template <>
struct PageItem<ListObjectsV2Result> {
  using type = ObjectSummary;
};
template <>
struct PageItem<ListObjectVersionsResult> {
  using type = ObjectVersionSummary;  ///< versions and delete markers
};
template <>
struct PageItem<ListPartsResult> {
  using type = PartInfo;
};
template <>
struct PageItem<ListMultipartUploadsResult> {
  using type = MultipartUploadInfo;
};

template <class Request, class Page>
class Paginator;
/// ListObjectsV2 pages (continuation token).
using ListObjectsV2Paginator = Paginator<ListObjectsV2Request, ListObjectsV2Result>;
/// ListObjectVersions pages (key and version-id markers).
using ListObjectVersionsPaginator = Paginator<ListObjectVersionsRequest, ListObjectVersionsResult>;
/// ListParts pages (part-number marker).
using ListPartsPaginator = Paginator<ListPartsRequest, ListPartsResult>;
/// ListMultipartUploads pages (key and upload-id markers).
using ListMultipartUploadsPaginator = Paginator<ListMultipartUploadsRequest, ListMultipartUploadsResult>;

/// The S3 client.
///
/// Thread safety: safe to share across threads; copies share one connection
/// pool, credential cache and retry quota.
/// Errors: every call returns Result/Status with the operation and resource
/// named; transient failures are retried per ClientOptions::retry first.
class Client {
 public:
  /// Validates the options, resolves credentials lazily (on first request).
  static Result<Client> Create(ClientOptions options);

  const ClientOptions& options() const;

  /// A copy of this client (sharing its connections, credentials and retry quota)
  /// whose every request, paginator, transfer and dataset reader stops when `token`
  /// is cancelled: requests in flight are aborted within about 100 ms, retry back-off
  /// ends, and the call fails with ErrorCategory::kCancelled. Cheap (no I/O).
  Client WithCancellation(CancellationToken token) const;
  /// The token this copy's requests honour (ClientOptions::cancel unless replaced).
  const CancellationToken& cancellation() const noexcept { return cancel_; }

  // Buckets
  Result<ListBucketsResult> ListBuckets() const;
  Result<CreateBucketResult> CreateBucket(const CreateBucketRequest& req) const;
  Status DeleteBucket(const std::string& bucket) const;
  Result<HeadBucketResult> HeadBucket(const std::string& bucket) const;
  /// The bucket's region ("us-east-1" when S3 reports an empty LocationConstraint).
  Result<std::string> GetBucketLocation(const std::string& bucket) const;

  // Objects
  Result<PutObjectResult> PutObject(const PutObjectRequest& req) const;
  /// Body into memory (preallocated from Content-Length).
  Result<GetObjectResult> GetObject(const GetObjectRequest& req) const;
  /// Body into a file (written to a temporary beside it, renamed on success).
  Result<GetObjectResult> GetObjectToFile(const GetObjectRequest& req, const std::string& path) const;
  /// Body streamed to a callback. On retry the callback sees the body again from
  /// the start only if nothing was delivered yet; otherwise the call fails.
  Result<GetObjectResult> GetObject(const GetObjectRequest& req, const DataCallback& on_data) const;
  /// Body streamed to a callback with each chunk's offset; retried in full after a
  /// failure midway (the body is delivered again from offset 0), with the retry loop's
  /// usual attempts and backoff.
  Result<GetObjectResult> GetObjectAt(const GetObjectRequest& req, const OffsetDataCallback& on_data) const;
  Result<ObjectMetadata> HeadObject(const HeadObjectRequest& req) const;
  Result<DeleteObjectResult> DeleteObject(const DeleteObjectRequest& req) const;
  Result<DeleteObjectsResult> DeleteObjects(const DeleteObjectsRequest& req) const;
  Result<CopyObjectResult> CopyObject(const CopyObjectRequest& req) const;

  // Listing
  Result<ListObjectsV2Result> ListObjectsV2(const ListObjectsV2Request& req) const;
  ListObjectsV2Paginator ListObjectsV2Pages(ListObjectsV2Request req) const;

  // Presigning (no I/O)
  /// A presigned URL for method GET or PUT (or HEAD/DELETE), valid for `expires` (1 s .. 7 days).
  Result<std::string> Presign(const std::string& method, const std::string& bucket, const std::string& key,
                              std::chrono::seconds expires) const;
  /// A signed browser POST form (S3's POST Object; boto3's generate_presigned_post):
  /// the URL and form fields with a SigV4-signed policy holding the bucket and key
  /// conditions, the signing fields and `req.conditions`, expiring after `req.expires`.
  /// No I/O beyond resolving credentials. Errors: kInvalidArgument (bucket, key,
  /// expiry, a condition with no field or min > max, a directory bucket: S3 Express
  /// takes no POST uploads); credential errors.
  Result<PresignedPost> PresignPost(const PresignPostRequest& req) const;

  // ---- Multipart uploads (s3ml/multipart.h; src/client/multipart.cc) ----------------
  // Part numbers, part sizes and the parts list are validated before any I/O
  // (kInvalidArgument naming the operation and the part). Each call is one request
  // through the retry loop.

  /// Starts a multipart upload; the result carries the upload id.
  Result<CreateMultipartUploadResult> CreateMultipartUpload(const CreateMultipartUploadRequest& req) const;
  /// Uploads one part (from memory, a file range or a seekable reader).
  Result<UploadPartResult> UploadPart(const UploadPartRequest& req) const;
  /// Copies (a range of) an existing object as one part.
  Result<UploadPartCopyResult> UploadPartCopy(const UploadPartCopyRequest& req) const;
  /// Completes the upload; an <Error> in a 200 answer is returned as an error.
  Result<CompleteMultipartUploadResult> CompleteMultipartUpload(const CompleteMultipartUploadRequest& req) const;
  /// Aborts the upload and discards its parts. When a retry finds the upload gone
  /// (NoSuchUpload after an attempt whose answer was lost, e.g. a connection reset
  /// after S3 had aborted it), the abort succeeded: OK. NoSuchUpload on the first
  /// attempt is an error.
  Status AbortMultipartUpload(const AbortMultipartUploadRequest& req) const;
  /// One page of an upload's parts (continue with part_number_marker = next_part_number_marker).
  Result<ListPartsResult> ListParts(const ListPartsRequest& req) const;
  /// One page of a bucket's in-progress uploads (continue with the next key/upload-id markers).
  Result<ListMultipartUploadsResult> ListMultipartUploads(const ListMultipartUploadsRequest& req) const;
  /// A lazy paginator over every page of ListParts (`req.max_parts` parts per page).
  ListPartsPaginator ListPartsPages(ListPartsRequest req) const;
  /// A lazy paginator over every page of ListMultipartUploads (`req.max_uploads` per page).
  ListMultipartUploadsPaginator ListMultipartUploadsPages(ListMultipartUploadsRequest req) const;
  // ---- end of multipart uploads ------------------------------------------------------

  // ---- Versioning and tagging (s3ml/versioning.h, s3ml/tagging.h; src/client/versioning.cc)
  /// The bucket's versioning state (kUnversioned for a bucket never versioned).
  Result<GetBucketVersioningResult> GetBucketVersioning(const std::string& bucket) const;
  /// Enables or suspends versioning. Errors: kInvalidArgument for kUnversioned.
  Status PutBucketVersioning(const PutBucketVersioningRequest& req) const;
  /// One page of versions and delete markers (continue with the next key/version-id markers).
  Result<ListObjectVersionsResult> ListObjectVersions(const ListObjectVersionsRequest& req) const;
  /// A lazy paginator over every page of ListObjectVersions.
  ListObjectVersionsPaginator ListObjectVersionsPages(ListObjectVersionsRequest req) const;
  /// The tag set of the current (or the given) version.
  Result<GetObjectTaggingResult> GetObjectTagging(const GetObjectTaggingRequest& req) const;
  /// Replaces the tag set of the current (or the given) version.
  Result<PutObjectTaggingResult> PutObjectTagging(const PutObjectTaggingRequest& req) const;
  /// Removes every tag of the current (or the given) version.
  Result<DeleteObjectTaggingResult> DeleteObjectTagging(const DeleteObjectTaggingRequest& req) const;
  // ---- end of versioning and tagging ---------------------------------------------------

  // ---- Bucket settings (s3ml/sse.h, s3ml/tagging.h; src/client/bucket_config.cc) --------
  /// The bucket's default encryption (SSE-S3 for a bucket never configured).
  /// Errors: NoSuchBucket; ServerSideEncryptionConfigurationNotFoundError (404) from
  /// servers that model buckets without one.
  Result<BucketEncryption> GetBucketEncryption(const std::string& bucket) const;
  /// Sets the encryption S3 applies to new objects written without SSE headers.
  /// Errors: kInvalidArgument for an empty algorithm or a key id with "AES256"
  /// (before anything is sent); the server's MalformedXML / InvalidArgument otherwise.
  Status PutBucketEncryption(const PutBucketEncryptionRequest& req) const;
  /// Returns the bucket to S3's base level of encryption (SSE-S3).
  Status DeleteBucketEncryption(const std::string& bucket) const;
  /// The bucket's tags. Errors: NoSuchTagSet (404, kService) when it has none.
  Result<std::vector<Tag>> GetBucketTagging(const std::string& bucket) const;
  /// Replaces the bucket's tag set. Errors: kInvalidArgument for an empty key (before
  /// anything is sent); the server's InvalidTag / MalformedXML otherwise.
  Status PutBucketTagging(const PutBucketTaggingRequest& req) const;
  /// Removes every tag of the bucket (succeeds when it has none).
  Status DeleteBucketTagging(const std::string& bucket) const;
  // ---- end of bucket settings -------------------------------------------------------------

  // ---- Lifecycle and archive restores (s3ml/lifecycle.h; src/client/lifecycle.cc) ----
  /// The bucket's lifecycle rules. Errors: NoSuchLifecycleConfiguration (404, kService)
  /// when the bucket has none, NoSuchBucket.
  Result<GetBucketLifecycleConfigurationResult> GetBucketLifecycleConfiguration(const std::string& bucket) const;
  /// Replaces the bucket's lifecycle configuration (sent with Content-MD5). Errors:
  /// kInvalidArgument from ValidateLifecycleRules before anything is sent; the server's
  /// MalformedXML / InvalidArgument / InvalidRequest otherwise.
  Result<PutBucketLifecycleConfigurationResult> PutBucketLifecycleConfiguration(
      const PutBucketLifecycleConfigurationRequest& req) const;
  /// Removes the bucket's lifecycle configuration (succeeds when there is none).
  Status DeleteBucketLifecycleConfiguration(const std::string& bucket) const;
  /// Starts (202) or extends (200) a restore of a GLACIER / DEEP_ARCHIVE object.
  /// Errors: RestoreAlreadyInProgress (409), InvalidObjectState (403) for an object
  /// that is not archived, NoSuchKey.
  Result<RestoreObjectResult> RestoreObject(const RestoreObjectRequest& req) const;
  // ---- end of lifecycle ------------------------------------------------------------------

  // ---- S3 Select (src/client/select.cc) -------------------------------------------------
  /// Runs `req.sql` over one object and hands the serialized output records to
  /// `on_records` as they arrive (whole records, possibly several per call); a non-OK
  /// return from the callback aborts the request and is returned.
  /// Falls back to a local evaluation (streamed GetObject + the same engine, same
  /// records) when the server answers 501 NotImplemented, 405 MethodNotAllowed or an
  /// AccessDenied that mentions Select, unless `req.disable_local_fallback`; runs locally
  /// right away when `req.force_local`. `stats` (optional) receives the Stats event.
  /// Errors: the S3 code of a rejected query (HTTP 400, kService) or of a
  /// RequestLevelError event; kProtocol for a corrupt stream or one without End.
  /// Not retried once records have been delivered. Thread safety: as every Client method.
  Status SelectObjectContent(const SelectObjectContentRequest& req,
                             const std::function<Status(std::string_view records)>& on_records,
                             SelectStats* stats = nullptr) const;

  // ---- S3 Express One Zone (s3ml/express.h; src/client/express.cc) -------------------
  /// Creates a session on a directory bucket (GET /?session, signed with the client's
  /// own credentials, service "s3express"). The client calls this itself, caching one
  /// ReadWrite session per bucket, for every zonal request to a directory bucket; call
  /// it directly only to hand session credentials elsewhere (they last 5 minutes).
  /// Errors: kInvalidArgument for a bucket that is not a directory bucket; the S3 error
  /// (NoSuchBucket, AccessDenied, ...) otherwise.
  Result<CreateSessionResult> CreateSession(const CreateSessionRequest& req) const;
  // ---- end of S3 Express One Zone ------------------------------------------------------

  struct Impl;

 private:
  Client(std::shared_ptr<Impl> impl, CancellationToken cancel) : impl_(std::move(impl)), cancel_(std::move(cancel)) {}
  std::shared_ptr<Impl> impl_;
  CancellationToken cancel_;
};

/// Walks every page of a listing lazily: one request per NextPage(), each continuing
/// from the markers (or continuation token) of the page before. Instantiated for
/// ListObjectsV2, ListObjectVersions, ListParts and ListMultipartUploads (the aliases
/// above; made by Client::*Pages()).
/// Thread safety: one consumer. Keeps the Client's shared state alive.
template <class Request, class Page>
class Paginator {
 public:
  using Item = typename PageItem<Page>::type;

  /// True until the last page has been returned (or an error occurred).
  bool HasMorePages() const { return !done_; }
  /// Fetches the next page. After the last page, returns an empty page with is_truncated=false.
  /// Errors: the request's error, or kProtocol when the server repeats its markers (the
  /// listing would never end).
  Result<Page> NextPage();
  /// Convenience: every entry of all remaining pages (for small listings).
  Result<std::vector<Item>> All();

 private:
  friend class Client;
  Paginator(Client client, Request req) : client_(std::move(client)), req_(std::move(req)) {}
  Client client_;
  Request req_;
  bool done_ = false;
};

// Defined in the library (src/client/paginator.cc) for exactly these listings.
extern template class Paginator<ListObjectsV2Request, ListObjectsV2Result>;
extern template class Paginator<ListObjectVersionsRequest, ListObjectVersionsResult>;
extern template class Paginator<ListPartsRequest, ListPartsResult>;
extern template class Paginator<ListMultipartUploadsRequest, ListMultipartUploadsResult>;

/// Client-side validation shared by the client and the CLI.
Status ValidateBucketName(const std::string& bucket);
Status ValidateObjectKey(const std::string& key);

}  // namespace s3ml
