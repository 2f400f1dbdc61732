#pragma once
// MockS3Server internals shared by the operation files: the Impl object, the
// Reply/Call types the operations exchange, and the request-argument helpers.
//
//   server.cc             Start/Stop, the HTTP pipeline (Impl::Handle), the dispatch
//                         table (kOperations) and response rendering
//   server_args.cc        request-argument helpers shared by the areas (below)
//   server_buckets.cc     ListBuckets, CreateBucket, DeleteBucket, HeadBucket, GetBucketLocation
//   server_objects.cc     Put/Get/Head/Delete/CopyObject, DeleteObjects, ListObjects(V2),
//                         SelectObjectContent
//   server_versioning.cc  bucket versioning, ListObjectVersions, object tagging
//   server_multipart.cc   multipart uploads
//   server_lifecycle.cc   lifecycle, storage classes and restores
//   server_express.cc     S3 Express One Zone
//   server_admin.cc       the /_s3ml/ admin API

#include "s3ml/mock/server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "common/crypto.h"
#include "common/http_types.h"
#include "common/time.h"
#include "common/uri.h"
#include "mock/checksums.h"
#include "mock/express_sessions.h"
#include "mock/faults.h"
#include "mock/http_server.h"
#include "mock/part_checksums.h"
#include "mock/lifecycle.h"
#include "mock/router.h"
#include "mock/s3_error.h"
#include "mock/select_handler.h"
#include "mock/sse.h"
#include "mock/store.h"
#include "mock/verifier.h"
#include "mock/xml.h"


namespace s3ml::mock {

inline constexpr std::uint64_t kMaxKeyBytes = 1024;
inline constexpr std::size_t kMaxMetadataBytes = 2048;
inline constexpr int kMaxListKeys = 1000;     ///< max-keys is capped here, as in S3
inline constexpr int kMaxListUploads = 1000;  ///< max-uploads is capped here, as in S3
inline constexpr int kMaxPartNumber = 10000;
inline constexpr std::size_t kMaxDeleteObjects = 1000;
inline constexpr const char* kTokenPrefix = "s3ml1:";

/// What an operation answers. Bodies are either a small string (XML) or a
/// slice of a stored object's shared body, streamed without copying.
struct Reply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type;
  std::string body;
  ObjectPtr object;  ///< non-null: stream object->body[offset, offset+length)
  std::uint64_t offset = 0, length = 0;

  void Header(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
  void Xml(std::string xml) {
    content_type = "application/xml";
    body = std::move(xml);
  }
};

/// How Render faults a response body (x-s3ml-fault instructions, plans and rules).
struct BodyFault {
  enum Kind {
    kCut,      ///< close the connection once `after` bytes were sent (nothing when the body is not longer)
    kReset,    ///< TCP reset once `after` bytes were sent (before the response when the body is not longer)
    kStall,    ///< pause `stall` once `after` bytes were sent (before the response when the body is not longer)
    kCorrupt,  ///< invert FaultRule::kCorruptBytes bytes from offset `after` (nothing when the body is not longer)
    kChange,   ///< call on_reached once `after` bytes were sent (after the whole body when it is not longer)
  };
  Kind kind = kCut;
  std::uint64_t after = 0;
  std::chrono::milliseconds stall{0};
  std::function<void()> on_reached;
};

/// One request as the operations see it.
struct Call {
  const RoutedRequest& r;
  const Headers& headers;
  const std::string& method;
  std::string payload;  ///< decoded body
  std::vector<std::pair<std::string, std::string>> trailers;
  SystemTime now;
  /// Store::ConditionalWindow::start() for a conditional write or delete (server_conditional.cc).
  std::optional<std::uint64_t> window_start;
};

/// The source named by x-amz-copy-source, looked up (CopyObject, UploadPartCopy).
struct CopySource {
  std::string bucket, key;
  std::string version_id;    ///< "" for the latest version
  bool has_version = false;  ///< the header named a versionId
  VersionRef found;          ///< the source version
};

/// 403 InvalidObjectState (with StorageClass) for a GLACIER/DEEP_ARCHIVE object
/// without a completed, unexpired restore as of `now` (what GET and copies of it
/// answer); nullopt when the object is readable.
MaybeError ArchiveStateError(const ObjectRecord& obj, SystemTime now);
/// No Authorization header and no presigned query parameters (server_acl.cc).
bool IsUnsignedRequest(const Headers& h, const RoutedRequest& r);
/// 400 KeyTooLongError when `key` exceeds kMaxKeyBytes; nullopt otherwise.
MaybeError CheckKeyLength(const std::string& key);

// ---- request arguments (server_args.cc) -------------------------------------

/// A single byte range resolved against an object size.
struct RangeDecision {
  enum Kind { kWhole, kPartial, kUnsatisfiable } kind = kWhole;
  std::uint64_t first = 0, last = 0;
};

/// `t` truncated to whole seconds (S3's Last-Modified resolution).
SystemTime WholeSeconds(SystemTime t);
/// Decimal digits only, at most 19 of them (no sign, no spaces).
bool ParseUint(const std::string& s, std::uint64_t& out);
/// RFC 7232 evaluation order (If-Match, If-Unmodified-Since, If-None-Match,
/// If-Modified-Since). `prefix` selects GET's headers ("") or CopyObject's
/// ("x-amz-copy-source-"). Returns 304 or 412 with the failed condition, or 0.
std::pair<int, std::string> EvaluateConditions(const Headers& h, const ObjectRecord& obj, const std::string& prefix);
/// S3 semantics: one "bytes=" range; anything else (several ranges, bad syntax) is
/// ignored and the whole object is returned.
RangeDecision ResolveRange(const std::string& header, std::uint64_t size);
bool IsValidStorageClass(const std::string& s);
/// 400 InvalidStorageClass naming the class requested.
S3Error InvalidStorageClass(const std::string& requested);
/// A new object's x-amz-storage-class (STANDARD when absent) and x-amz-tagging
/// (PutObject, CreateMultipartUpload). Errors: InvalidStorageClass, InvalidTag, BadRequest.
MaybeError ReadStorageClassAndTags(const Headers& h, ObjectRecord& obj);
/// Letters, digits, spaces and + - = . _ : / @ (S3's tag alphabet).
bool IsValidTagText(const std::string& s);
/// S3's tag rules, shared by the x-amz-tagging header and the Tagging XML body.
/// `max_tags`: 10 for objects (more is 400 BadRequest), 50 for buckets.
Expected<std::map<std::string, std::string>> ValidateTags(const std::vector<std::pair<std::string, std::string>>& pairs,
                                                          std::size_t max_tags = 10);
/// The x-amz-tagging header ("k1=v1&k2=v2", URL-encoded).
Expected<std::map<std::string, std::string>> ParseTagging(const std::string& header);
/// A <Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging> body.
Expected<std::map<std::string, std::string>> ParseTaggingXml(const std::string& payload, std::size_t max_tags = 10);
/// The versionId query parameter: absent -> "", present but empty -> error.
Expected<std::string> VersionParam(const RoutedRequest& r);
/// The partNumber query parameter: an integer in 1..kMaxPartNumber.
Expected<int> PartNumberParam(const RoutedRequest& r);
/// A non-negative integer query parameter (max-keys, max-parts, max-uploads,
/// part-number-marker): `def` when absent, capped at `cap`. Errors: InvalidArgument.
Expected<int> IntParam(const RoutedRequest& r, const std::string& name, int def, int cap);
/// S3 names the method in a MethodNotAllowed for a delete marker.
S3Error WithMethod(S3Error e, const std::string& method);
/// Reads the object attributes a PUT (or a REPLACE copy) sets from request headers.
MaybeError FillAttributesFromHeaders(const Headers& h, ObjectRecord& obj);
/// Requests S3 refuses without an integrity header (DeleteObjects, lifecycle
/// configurations): 400 InvalidRequest "Missing required header for this request:
/// <missing>" without Content-MD5 or an x-amz-checksum-* header or trailer, then
/// the check of the ones given against the payload.
MaybeError RequireIntegrityHeader(const Call& c, const std::string& missing);
/// Header lines of a raw request head ("METHOD target HTTP/1.1\r\nName: value\r\n...\r\n\r\n").
Headers ParseRawHeaders(const std::string& head);
/// `s` URL-encoded when the listing asked for encoding-type=url.
std::string EncodeIf(bool url, const std::string& s);

/// The listings whose query parameters ParseListArgs reads.
enum class Listing { kObjectsV1, kObjectsV2, kVersions, kUploads };

/// A listing's query parameters, parsed and validated once for every listing
/// (ParseListArgs). The markers a listing does not take stay empty.
struct ListArgs {
  std::string prefix;
  std::string delimiter;
  bool url = false;  ///< encoding-type=url: keys, prefixes and key markers are answered URL-encoded
  int max_keys = kMaxListKeys;  ///< max-keys (max-uploads for kUploads), capped as S3 caps it
  /// ListObjects: marker; ListObjectVersions and ListMultipartUploads: key-marker.
  std::string marker;
  /// ListObjectVersions: version-id-marker; ListMultipartUploads: upload-id-marker
  /// (cleared when there is no key-marker: S3 ignores it then).
  std::string id_marker;
  bool has_token = false;  ///< ListObjectsV2 sent a continuation-token
  std::string token;       ///< ListObjectsV2's continuation-token, as received
  bool has_start_after = false;
  std::string start_after;  ///< ListObjectsV2's start-after
  /// ListObjects(V2): the key the page starts after (marker, the token's key or start-after).
  std::string after;

  /// The store's queries for ListObjects(V2), ListObjectVersions, ListMultipartUploads.
  ListQuery ObjectsQuery() const { return ListQuery{prefix, delimiter, after, max_keys}; }
  VersionQuery VersionsQuery() const { return VersionQuery{prefix, delimiter, marker, id_marker, max_keys}; }
  UploadQuery UploadsQuery() const { return UploadQuery{prefix, delimiter, marker, id_marker, max_keys}; }
};

/// Parses prefix, delimiter, encoding-type, max-keys (max-uploads) and the markers of
/// `listing`, checking them in that order. Errors: InvalidArgument, with S3's wording,
/// for an encoding-type other than "url", a max-keys that is not a non-negative 32-bit
/// integer, a continuation-token this server did not issue, a version-id-marker
/// without a key-marker or not a version id.
Expected<ListArgs> ParseListArgs(const RoutedRequest& r, Listing listing);
/// One <CommonPrefixes><Prefix/></CommonPrefixes> under `root` for each of `prefixes`.
void AddCommonPrefixes(pugi::xml_node root, const std::vector<std::string>& prefixes, bool url);
/// One <ChecksumAlgorithm> under `node` for each checksum `obj` stores.
void AddChecksumAlgorithms(pugi::xml_node node, const ObjectRecord& obj);

struct MockS3Server::Impl {
  explicit Impl(MockS3Options o)
      : options(std::move(o)),
        verifier(VerifierConfig{options.access_key, options.secret_key, options.region, options.verify_signatures,
                                options.allow_anonymous}),
        faults(options.seed),
        owner_id(HexEncode(Sha256("s3ml-mock-owner:" + options.access_key))),
        admin_verifier(VerifierConfig{options.access_key, options.secret_key, options.region, true, false}) {
    std::string h = ToLower(options.host);
    base_domains = {h, "localhost", h + ".nip.io", h + ".sslip.io"};
    for (const auto& d : options.virtual_host_domains) base_domains.push_back(ToLower(d));
    verifier.SetSessionLookup([this](const std::string& access_key) -> std::optional<std::string> {
      auto s = express.Find(access_key);  // S3 Express sessions (server_express.cc)
      return s ? std::optional<std::string>(s->secret_key) : std::nullopt;
    });
  }

  MockS3Options options;
  Store store;
  Verifier verifier;
  FaultInjector faults;
  const std::string owner_id;
  std::vector<std::string> base_domains;

  std::unique_ptr<ConnectionServer> http;
  std::thread listener;
  int port = 0;

  std::mutex stop_mu;  // serialises Stop()
  bool stopped = false;
  std::mutex sleep_mu;  // with sleep_cv: interruptible injected latency
  std::condition_variable sleep_cv;

  // The mock clock: real time + clock_offset_s (see MockS3Server::AdvanceTime).
  std::atomic<std::int64_t> clock_offset_s{0};
  SystemTime Now() const { return SystemClock().Now() + std::chrono::seconds(clock_offset_s.load()); }

  std::atomic<std::uint64_t> request_counter{0};
  mutable std::mutex stats_mu;  // guards stats
  MockStats stats;

  void Handle(const httplib::Request& req, httplib::Response& res);
  /// Runs the handler kOperations (server.cc) names for c.r.operation: 405
  /// MethodNotAllowed for none, 501 NotImplemented for an operation without one.
  Expected<Reply> Dispatch(Call& c);
  /// `fault` (may be null) cuts, resets, stalls or corrupts the body; the Date header is
  /// stamped `date_skew` ahead of the real clock (skew-clock faults).
  void Render(const Reply& reply, httplib::Response& res, bool head, const BodyFault* fault,
              const std::string& request_id, std::chrono::seconds date_skew = std::chrono::seconds(0));
  void RenderError(const S3Error& e, const std::string& resource, httplib::Response& res, bool head,
                   const std::string& request_id, std::chrono::seconds date_skew = std::chrono::seconds(0));
  /// The admin API under /_s3ml/ (server_admin.cc): fault plans and the mock clock,
  /// for requests signed with the server's own credentials only.
  void HandleAdmin(httplib::Request& req, const Headers& headers, httplib::Response& res,
                   const std::string& request_id);
  /// change-object faults: overwrites bucket/key (if still the object it was) with
  /// content of the same size (every byte inverted) and a new ETag.
  void ChangeObject(const std::string& bucket, const std::string& key);
  /// Moves the mock clock forward and runs lifecycle rules (MockS3Server::AdvanceTime).
  void AdvanceClock(std::chrono::seconds by) {
    if (by.count() > 0) clock_offset_s += by.count();
    RunLifecycle(Now());
  }
  /// Signature checks for the admin API: always on, the server's own keys only.
  Verifier admin_verifier;
  void CountOperation(const std::string& op, bool auth_failure, bool fault) {
    std::lock_guard<std::mutex> lock(stats_mu);
    if (!op.empty()) ++stats.requests_by_operation[op];
    if (auth_failure) ++stats.auth_failures;
    if (fault) ++stats.faults_injected;
  }
  bool SleepFor(std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> lock(sleep_mu);
    return !sleep_cv.wait_for(lock, d, [&] { return http->stopping(); });
  }

  // Operations: server_buckets.cc, server_objects.cc, server_versioning.cc,
  // server_multipart.cc.
  Expected<Reply> ListBuckets(Call& c);
  /// A directory bucket's name (`<base>--<zone-id>--x-s3`) creates a directory bucket.
  Expected<Reply> CreateBucket(Call& c);
  Expected<Reply> DeleteBucket(Call& c);
  Expected<Reply> HeadBucket(Call& c);
  Expected<Reply> GetBucketLocation(Call& c);
  Expected<Reply> PutObject(Call& c);
  Expected<Reply> GetObject(Call& c);
  Expected<Reply> DeleteObject(Call& c);
  Expected<Reply> DeleteObjects(Call& c);
  Expected<Reply> CopyObject(Call& c);
  /// Parses and validates x-amz-copy-source, runs `before_lookup` (if set; its error is
  /// answered), looks the source up and checks its SSE-C key, the
  /// x-amz-copy-source-if-* conditions and that an archived source is restored.
  Expected<CopySource> ResolveCopySource(Call& c, const std::function<MaybeError()>& before_lookup = {});
  /// ListObjects and ListObjectsV2 (c.r.operation tells which).
  Expected<Reply> ListObjects(Call& c);
  /// The engine and framing live in mock/select_handler.cc.
  Expected<Reply> SelectObjectContent(Call& c);
  Expected<Reply> GetBucketVersioning(Call& c);
  Expected<Reply> PutBucketVersioning(Call& c);
  Expected<Reply> ListObjectVersions(Call& c);
  Expected<Reply> GetObjectTagging(Call& c);
  Expected<Reply> PutObjectTagging(Call& c);
  Expected<Reply> DeleteObjectTagging(Call& c);
  Expected<Reply> CreateMultipartUpload(Call& c);
  Expected<Reply> UploadPart(Call& c);
  Expected<Reply> UploadPartCopy(Call& c);
  Expected<Reply> CompleteMultipartUpload(Call& c);
  Expected<Reply> AbortMultipartUpload(Call& c);
  Expected<Reply> ListParts(Call& c);
  Expected<Reply> ListMultipartUploads(Call& c);

  // Lifecycle, storage classes and restores (server_lifecycle.cc).
  Expected<Reply> GetBucketLifecycleConfiguration(Call& c);
  Expected<Reply> PutBucketLifecycleConfiguration(Call& c);
  Expected<Reply> DeleteBucketLifecycleConfiguration(Call& c);
  Expected<Reply> RestoreObject(Call& c);

  // ACLs, public access, bucket settings, Object Lock (server_acl.cc, server_lock.cc)
  // server_acl.cc: ACLs and anonymous access.
  Expected<Reply> GetBucketAcl(Call& c);
  Expected<Reply> PutBucketAcl(Call& c);
  Expected<Reply> GetObjectAcl(Call& c);
  Expected<Reply> PutObjectAcl(Call& c);
  /// Whether an unsigned request may run: an ACL grants AllUsers what its operation
  /// needs (and Object Ownership and Block Public Access let ACLs count), or it is a
  /// CORS preflight.
  bool AnonymousAllowed(const RoutedRequest& r);
  /// 400 AccessControlListNotSupported for an ACL beyond the owner's FULL_CONTROL when
  /// the bucket's ACLs are disabled; 403 AccessDenied for a public ACL under BlockPublicAcls.
  MaybeError CheckAclAllowed(const BucketSettings& s, const Acl& acl) const;
  /// A write's x-amz-acl / x-amz-grant-* headers (PutObject, CopyObject,
  /// CreateMultipartUpload) into `acl` (cleared: private without them).
  MaybeError ApplyRequestAcl(Call& c, Acl& acl);
  /// CreateBucket's x-amz-object-ownership and ACL headers. Errors: InvalidArgument,
  /// InvalidBucketAclWithObjectOwnership, AccessDenied (a public ACL: Block Public Access is on).
  Expected<BucketSettings> CreateBucketSettings(Call& c);
  // server_bucket_config.cc: default encryption, bucket tagging, Object Ownership,
  // Block Public Access, CORS.
  Expected<Reply> GetBucketEncryption(Call& c);
  Expected<Reply> PutBucketEncryption(Call& c);
  Expected<Reply> DeleteBucketEncryption(Call& c);
  Expected<Reply> GetBucketTagging(Call& c);
  Expected<Reply> PutBucketTagging(Call& c);
  Expected<Reply> DeleteBucketTagging(Call& c);
  Expected<Reply> GetBucketOwnershipControls(Call& c);
  Expected<Reply> PutBucketOwnershipControls(Call& c);
  Expected<Reply> DeleteBucketOwnershipControls(Call& c);
  Expected<Reply> GetPublicAccessBlock(Call& c);
  Expected<Reply> PutPublicAccessBlock(Call& c);
  Expected<Reply> DeletePublicAccessBlock(Call& c);
  Expected<Reply> GetBucketCors(Call& c);
  Expected<Reply> PutBucketCors(Call& c);
  Expected<Reply> DeleteBucketCors(Call& c);
  /// The CORS preflight (OPTIONS on a bucket or object).
  Expected<Reply> OptionsObject(Call& c);
  /// A write without SSE headers gets the bucket's default encryption.
  MaybeError ApplyDefaultEncryption(const std::string& bucket, SseRecord& sse);
  /// The Access-Control-* headers for a cross-origin request (Origin header) that a
  /// CORS rule of its bucket allows.
  void AddCorsHeaders(const RoutedRequest& r, const Headers& h, const std::string& method,
                      std::vector<std::pair<std::string, std::string>>& out);

  // conditional writes, checksums, GetObjectAttributes
  /// Whether the request is a conditional write or delete, whose window opens when
  /// the mock starts handling it (server_conditional.cc).
  static bool IsConditionalRequest(const RoutedRequest& r, const Headers& headers);
  /// If-Match / If-None-Match of a PutObject, CopyObject or CompleteMultipartUpload
  /// (with c.window_start). Errors: 501 NotImplemented for If-None-Match other than "*".
  static Expected<PutCondition> WriteConditions(const Call& c);
  /// If-Match of a DeleteObject (with c.window_start).
  static DeleteCondition DeleteConditions(const Call& c);

  // browser POST uploads, S3 Express append/rename, ListDirectoryBuckets
  /// POST /bucket with a multipart/form-data body (server_post.cc).
  Expected<Reply> PostObject(Call& c);

  /// Applies every bucket's lifecycle rules and completes/expires restores as of `now`.
  void RunLifecycle(SystemTime now);
  /// GET/HEAD/PUT hook: adds x-amz-expiration / x-amz-restore for `obj` of bucket/key
  /// and, for a GET (not HEAD) of an unrestored archived object, returns the
  /// InvalidObjectState error to answer instead.
  /// x-amz-expiration only for the current version (`current`).
  MaybeError ObjectLifecycleHeaders(const std::string& bucket, const std::string& key, const ObjectRecord& obj,
                                    bool current, bool is_get, SystemTime now, Reply& reply);
  /// Forgets a deleted bucket's lifecycle configuration.
  void ForgetLifecycle(const std::string& bucket);
  /// The bucket's configuration, or null.
  std::shared_ptr<const LifecycleConfiguration> LifecycleOf(const std::string& bucket);
  std::mutex lifecycle_mu;  // guards lifecycle_configs
  std::map<std::string, std::shared_ptr<const LifecycleConfiguration>> lifecycle_configs;

  // S3 Express One Zone (server_express.cc).
  ExpressSessions express;
  Expected<Reply> CreateSession(Call& c);
  Expected<Reply> CreateDirectoryBucket(Call& c);
  /// Directory-bucket rules applied after signature verification: session credentials,
  /// token, expiry (mock clock `now`), bucket scope, mode; unsupported operations.
  MaybeError CheckExpress(const RoutedRequest& r, const AuthInfo& auth, const Headers& headers, SystemTime now);

  /// <`who`><ID/></`who`>: the mock's one account (Owner, Initiator). No DisplayName:
  /// S3 stopped returning it in late 2025.
  void AddOwner(pugi::xml_node parent, const char* who = "Owner") const {
    auto owner = parent.append_child(who);
    AddText(owner, "ID", owner_id);
  }
};

}  // namespace s3ml::mock
