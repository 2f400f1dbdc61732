#pragma once
// MockS3Server internals shared by the operation files (server.cc, server_<area>.cc):
// the Impl object, the Reply/Call types the operations exchange, and small helpers.

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
inline constexpr int kMaxListKeys = 1000;
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
/// 400 KeyTooLongError when `key` exceeds kMaxKeyBytes; nullopt otherwise.
MaybeError CheckKeyLength(const std::string& key);

struct RangeDecision {
  enum Kind { kWhole, kPartial, kUnsatisfiable } kind = kWhole;
  std::uint64_t first = 0, last = 0;
};

SystemTime WholeSeconds(SystemTime t);
bool ParseUint(const std::string& s, std::uint64_t& out);
std::pair<int, std::string> EvaluateConditions(const Headers& h, const ObjectRecord& obj, const std::string& prefix);
RangeDecision ResolveRange(const std::string& header, std::uint64_t size);
bool IsValidStorageClass(const std::string& s);
bool IsValidTagText(const std::string& s);
Expected<std::map<std::string, std::string>> ValidateTags(const std::vector<std::pair<std::string, std::string>>& pairs);
Expected<std::map<std::string, std::string>> ParseTagging(const std::string& header);
Expected<std::map<std::string, std::string>> ParseTaggingXml(const std::string& payload);
Expected<std::string> VersionParam(const RoutedRequest& r);
S3Error WithMethod(S3Error e, const std::string& method);
MaybeError FillAttributesFromHeaders(const Headers& h, ObjectRecord& obj);
Headers ParseRawHeaders(const std::string& head);
std::string EncodeIf(bool url, const std::string& s);

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

  // Operations.
  Expected<Reply> ListBuckets(Call& c);
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
  Expected<Reply> ListObjects(Call& c, bool v2);
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

  void AddOwner(pugi::xml_node parent) const {
    auto owner = parent.append_child("Owner");
    AddText(owner, "ID", owner_id);
    AddText(owner, "DisplayName", "s3ml-mock");
  }
};

}  // namespace s3ml::mock
