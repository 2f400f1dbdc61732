#pragma once
/// \file MockS3Server: an in-process S3 server on 127.0.0.1 for tests.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "s3ml/result.h"

namespace s3ml::mock {

/// One fault-injection rule. A request matches when its operation (AWS name,
/// e.g. "GetObject", or "*") and key prefix match. Matching requests are
/// faulted either by an exact schedule (the Nth, N+1th ... matching requests,
/// 1-based, via `nth`), for the first `count` matches, or with `probability`
/// from a seeded generator — deterministic for a given seed and request order.
/// A rule with none of nth/count/probability set faults every matching request.
/// Faults apply after routing and signature verification and before the
/// operation runs (a reset or error PUT stores nothing), except kTruncateBody,
/// which cuts the response of the executed operation. When several rules match,
/// each advances its own counter and the first that fires (in AddFault order) wins.
struct FaultRule {
  enum class Kind {
    kHttpError,        ///< answer http_status with an S3 error body (error_code)
    kConnectionReset,  ///< close the connection (RST) before any response byte
    kTruncateBody,     ///< send headers with the full Content-Length, then cut after truncate_after bytes
    kLatency,          ///< delay the response by `latency`, then answer normally
    /// Reads (GET, HEAD, SelectObjectContent): the operation runs; a response body
    /// longer than `after_bytes` is cut (connection closed) after that many bytes,
    /// a shorter one is replaced by the http_status/error_code answer. Other
    /// requests: the http_status/error_code answer, and the operation does not run.
    kErrorAfterBytes,
    /// The operation runs; the response stops after `after_bytes` body bytes with a
    /// TCP reset. When the body is not longer (e.g. a PUT's empty body), not one
    /// response byte is sent: the request took effect but its answer is lost.
    kResetAfterBytes,
    /// The operation runs; the response pauses for `latency` after `after_bytes` body
    /// bytes (before the response when the body is not longer), then completes.
    kStall,
    /// Inverts up to kCorruptBytes bytes from offset `after_bytes` of the request body
    /// when the request has one (before its payload hash and checksums are checked),
    /// else of the response body. Content-Length is unchanged.
    kCorruptBody,
    /// HTTP 200 whose body is an S3 <Error> document with error_code (as S3 answers
    /// CopyObject, UploadPartCopy and CompleteMultipartUpload); the operation does not run.
    kErrorInOkBody,
    /// The request's signature is checked, and the response's Date is stamped, with
    /// the server's clock moved forward by `clock_skew` (a client signing with its own
    /// clock is refused RequestTimeTooSkewed and must correct from the Date header).
    kSkewClock,
    /// The operation runs; once `after_bytes` response body bytes were sent (at the
    /// end of a shorter body), the object at the request's key is overwritten with new
    /// content of the same size and a new ETag. The response continues with the old bytes.
    kChangeObject,
    /// 503 SlowDown before the operation runs. Through x-s3ml-fault and fault plans,
    /// `repeat` requests in a row are refused (see docs/reliability.md).
    kSlowDown,
  };
  /// Bytes kCorruptBody inverts.
  static constexpr std::uint64_t kCorruptBytes = 16;
  Kind kind = Kind::kHttpError;
  std::string operation = "*";
  std::string key_prefix;           ///< empty: any key
  int http_status = 503;
  std::string error_code = "SlowDown";
  std::uint64_t truncate_after = 0;
  std::chrono::milliseconds latency{0};
  std::vector<int> nth;             ///< exact schedule (1-based indices among matching requests)
  int count = 0;                    ///< fault the first `count` matching requests
  double probability = 0.0;         ///< otherwise, fault each match with this probability
  std::uint64_t after_bytes = 0;    ///< kErrorAfterBytes, kResetAfterBytes, kStall, kCorruptBody, kChangeObject
  std::chrono::seconds clock_skew{0};  ///< kSkewClock: how far ahead the server's clock is
  int repeat = 1;                   ///< kSlowDown: consecutive requests refused (instructions and plans)
};

/// Parses one fault instruction, the value of a request's `x-s3ml-fault` header or
/// an entry of a fault plan: "return-503", "return-<status>[-<Code>][-after-<size>]",
/// "reset", "reset-after-<size>", "truncate-after-<size>", "delay-<duration>",
/// "stall-for-<duration>[-after-<size>]", "corrupt-body[-after-<size>]",
/// "200-with-error[-<Code>]", "skew-clock-<duration>", "change-object[-after-<size>]",
/// "slowdown-for-<n>-requests". Sizes: digits with an optional K, M or G suffix
/// (KiB, MiB, GiB); durations: digits with ms, s, m or h. The rule's operation is "*"
/// and it has no schedule (it fires on the request it is applied to).
/// Errors: kInvalidArgument naming the instruction and what is wrong with it.
Result<FaultRule> ParseFaultInstruction(const std::string& instruction);

/// A fault plan: per operation (AWS name, or "*" for any operation without a list of
/// its own), instructions consumed one per request, in order, by the requests that
/// carry `x-s3ml-fault-plan: <id>` (in the manner of storage-testbench's retry tests).
struct FaultPlan {
  std::map<std::string, std::vector<std::string>> instructions;
};

/// What a fault plan has done so far.
struct FaultPlanStatus {
  struct Fired {
    std::string operation;    ///< the request's operation
    std::string instruction;  ///< as written in the plan
    std::string request_id;   ///< x-amz-request-id of the faulted request
  };
  std::string id;
  FaultPlan plan;                                             ///< as created
  std::vector<Fired> fired;                                   ///< in the order they fired
  std::map<std::string, std::vector<std::string>> remaining;  ///< instructions not consumed yet
  std::chrono::seconds clock_skew{0};  ///< left by a skew-clock instruction for the plan's later requests
  bool completed() const { return remaining.empty(); }
};

struct MockS3Options {
  std::string host = "127.0.0.1";
  int port = 0;  ///< 0: any free port (see MockS3Server::port())
  std::string access_key = "AKIAMOCKS3EXAMPLE";
  std::string secret_key = "mock-secret-key";
  std::string region = "us-east-1";
  bool verify_signatures = true;  ///< false: accept unsigned/any-signed requests
  bool allow_anonymous = false;   ///< accept requests without any signature
  std::uint64_t seed = 1;         ///< fault-injection RNG seed
  /// Connection threads kept ready (each serves one request at a time; idle
  /// keep-alive connections and clients still sending a request head hold no
  /// thread). Not a connection limit: when all are busy another thread is
  /// started, up to max(threads, 1024); the extra ones exit after 5 s idle.
  /// Requests beyond that wait for a thread.
  int threads = 16;
  /// Extra base domains for virtual-hosted addressing. Always recognised: `host`,
  /// "localhost", "<host>.nip.io", "<host>.sslip.io". A request whose Host header
  /// is "<bucket>.<base domain>" addresses <bucket>; any other Host is path-style.
  std::vector<std::string> virtual_host_domains;
};

/// Counters, for tests that assert what reached the server.
struct MockStats {
  std::uint64_t requests = 0;
  std::uint64_t faults_injected = 0;
  /// Requests by AWS operation name ("PutObject", ...), counted once routed.
  std::map<std::string, std::uint64_t> requests_by_operation;
  /// Requests refused by signature verification.
  std::uint64_t auth_failures = 0;
};

/// An S3-compatible HTTP/1.1 server over cpp-httplib, storing objects in memory.
///
/// Thread safety: all methods are safe to call from any thread while serving.
/// Lifetime: Start() returns once the port is bound and accepting; the
/// destructor stops the server and joins every thread.
class MockS3Server {
 public:
  /// Binds options.host:options.port (0 = any free port) and serves on a
  /// background thread pool. Errors: kInvalidArgument for bad options, kIo when
  /// the address cannot be bound.
  static Result<std::unique_ptr<MockS3Server>> Start(MockS3Options options = {});
  ~MockS3Server();
  MockS3Server(const MockS3Server&) = delete;
  MockS3Server& operator=(const MockS3Server&) = delete;

  /// "http://127.0.0.1:<port>"
  std::string endpoint_url() const;
  int port() const;
  const MockS3Options& options() const;

  /// Adds a fault rule (see FaultRule); applies to requests that arrive afterwards.
  void AddFault(FaultRule rule);
  /// Removes every fault rule (fault plans stay; see DeleteFaultPlan).
  void ClearFaults();

  /// Creates a fault plan and returns its id, for the `x-s3ml-fault-plan` header.
  /// Errors: kInvalidArgument naming a malformed instruction or operation, or when
  /// the plan or the server's plans exceed their limits (docs/reliability.md).
  Result<std::string> CreateFaultPlan(const FaultPlan& plan);
  /// Which instructions of plan `id` fired and which remain. Errors: kInvalidArgument
  /// with code NoSuchFaultPlan.
  Result<FaultPlanStatus> GetFaultPlan(const std::string& id) const;
  /// Removes plan `id`; false when there is no such plan. Requests that still name
  /// it are refused (400 InvalidArgument).
  bool DeleteFaultPlan(const std::string& id);
  /// A snapshot of the counters.
  MockStats stats() const;

  /// The stored bytes of bucket/key (a copy), for tests that check what the
  /// server holds without going through a client. Errors: kService with code
  /// NoSuchBucket or NoSuchKey.
  Result<std::string> ObjectBody(const std::string& bucket, const std::string& key) const;
  /// Every key in `bucket`, in listing (UTF-8 byte) order. Errors: NoSuchBucket.
  Result<std::vector<std::string>> ObjectKeys(const std::string& bucket) const;

  /// Moves the mock's clock forward (lifecycle rules, restores, Last-Modified and
  /// session expiry all use it). Rules are evaluated on every advance: objects
  /// expire, storage classes transition, noncurrent versions are removed, stale
  /// multipart uploads are aborted and restores complete, as of the new time.
  /// Negative durations are ignored (the clock never goes back). Signature
  /// verification and the HTTP Date header keep using the real clock, so clients
  /// signing with real time are not refused as skewed after an advance.
  /// Thread safety: safe to call while serving.
  void AdvanceTime(std::chrono::seconds by);
  /// The mock's current time (system clock + all advances).
  std::chrono::system_clock::time_point Now() const;

  /// Stops serving and joins threads (idempotent; the destructor calls it).
  void Stop();

  struct Impl;

 private:
  explicit MockS3Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace s3ml::mock
