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
  };
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
  /// Removes every fault rule.
  void ClearFaults();
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
