#pragma once
/// \file The one retry loop (RetryingExecutor) and its small policy objects.
///
/// Standard-mode retries in the manner of the AWS SDKs: a bounded number of
/// attempts, exponential backoff with full jitter and a cap, a retry quota
/// (token bucket) shared by every request of one executor, an idempotency
/// verdict per request, clock-skew correction, and a fresh signature on every attempt.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include "common/http_types.h"
#include "common/time.h"
#include "s3ml/result.h"
#include "s3ml/retry.h"
#include "transport/http_client.h"

namespace s3ml {

/// What the retry loop needs to know about a request beyond its bytes.
struct RequestContext {
  std::string operation;  ///< "GetObject": prefixes the final error
  std::string resource;   ///< "s3://bucket/key": follows the operation in the final error
  /// False for requests that must not run twice (ops::IsIdempotent decides). Such a
  /// request is retried only after failures that prove it did not take effect
  /// (MayHaveTakenEffect is false: never reached the server, or an error answer).
  bool idempotent = true;
};

/// Signs a request in place for the given time. Called on a fresh copy of the
/// unsigned request for EVERY attempt (each attempt is re-signed).
using SignFn = std::function<Status(HttpRequest& req, SystemTime now)>;
/// Turns a response into OK or an error Status (S3 code, HTTP status, request id).
/// Supplied by the ops layer, which parses S3's XML errors (incl. a 200 carrying <Error>).
using ClassifyFn = std::function<Status(const HttpResponse& resp)>;

/// The fallback classifier: status < 300 is OK, anything else a kService error
/// carrying the HTTP status (and x-amz-request-id), without an S3 code.
Status ClassifyByHttpStatus(const HttpResponse& resp);

/// True when `error` proves the request never reached the server (connection
/// refused, connect failure or timeout, DNS failure, TLS handshake failure), so
/// even a non-idempotent request may be sent again.
bool NeverReachedServer(const Status& error);

/// True when a failed attempt may still have taken effect on the server: a transport
/// failure after the request may have been sent (reset, empty reply, cut-off body,
/// stall). False for failures that never reached it and for error answers (S3
/// rejected the request). A non-idempotent request is retried only when this is false.
bool MayHaveTakenEffect(const Status& error);

/// Why the retry loop stops or goes on after a failed attempt.
enum class RetryVerdict {
  kRetry,              ///< transient error, attempts left
  kNotRetryable,       ///< the error is not transient (4xx, TLS verification, local I/O ...)
  kAttemptsExhausted,  ///< transient, but max_attempts were made
  kNotIdempotent,      ///< transient, but the request may have reached the server and must not repeat
};

/// When to stop. Retryable = Status::IsTransient() (network errors, timeouts,
/// 500/502/503/504/429, SlowDown, RequestTimeout, InternalError, throttling codes)
/// except a TLS certificate rejection, which no retry cures.
/// Thread safety: immutable; safe to share.
class RetryPolicy {
 public:
  /// `max_attempts` counts the first attempt; values below 1 mean 1.
  explicit RetryPolicy(int max_attempts) : max_attempts_(max_attempts < 1 ? 1 : max_attempts) {}
  int max_attempts() const noexcept { return max_attempts_; }
  bool IsRetryable(const Status& error) const;
  /// `attempts_made` counts attempts so far (>= 1).
  RetryVerdict Decide(const Status& error, int attempts_made, bool idempotent) const;

 private:
  int max_attempts_;
};

/// How long to wait: exponential backoff with FULL jitter,
/// delay = uniform(0, min(cap, base * 2^retry)).
/// Thread safety: Delay() is safe to call concurrently (the RNG is under a mutex).
class BackoffPolicy {
 public:
  /// `seed` 0 draws a random seed; any other value makes the delays reproducible.
  BackoffPolicy(std::chrono::milliseconds base, std::chrono::milliseconds cap, std::uint64_t seed);
  /// The upper bound of the delay before retry number `retry` (0 = first retry).
  std::chrono::milliseconds Ceiling(int retry) const;
  /// A delay drawn uniformly from [0, Ceiling(retry)].
  std::chrono::milliseconds Delay(int retry);

 private:
  std::chrono::milliseconds base_, cap_;
  std::mutex mu_;  // guards rng_
  std::mt19937_64 rng_;
};

/// Retry quota: a token bucket so that an outage does not multiply load. A retry
/// costs `retry_cost` tokens (`timeout_retry_cost` after a timeout); when the
/// bucket cannot pay, no more retries happen. A success on the first try puts
/// back `no_retry_increment`; a success after retries puts back what its last
/// retry took. The bucket never exceeds its capacity.
/// Thread safety: all methods are safe to call concurrently.
class RetryQuota {
 public:
  RetryQuota(int capacity, int retry_cost, int timeout_retry_cost, int no_retry_increment);
  /// Takes the cost of a retry after `error`; the tokens taken, or nullopt when exhausted.
  std::optional<int> Acquire(const Status& error);
  /// Records a success; `last_acquired` = tokens its last retry took (0: first try).
  void Release(int last_acquired);
  int available() const;

 private:
  const int capacity_, retry_cost_, timeout_retry_cost_, no_retry_increment_;
  mutable std::mutex mu_;  // guards tokens_
  int tokens_;
};

/// The one retry loop: signs, sends, classifies and retries one request.
///
/// Each attempt: copy the unsigned request, sign it with `clock.Now()` plus the
/// learned clock offset, send it (the body is re-read from offset 0; a sink gets
/// Begin again, so it restarts or refuses), classify the response. On a retryable
/// error: check the policy, the idempotency verdict and the quota, sleep a jittered
/// backoff on the injected Sleeper, go again. `RequestTimeTooSkewed` with a Date
/// header sets the clock offset (shared by all later requests) and retries once at
/// once, outside the attempt budget and the quota. The final error carries the
/// operation, resource and attempts: "GetObject s3://b/k: SlowDown (HTTP 503,
/// request id X): ..., gave up after 3 attempts".
///
/// Thread safety: Execute may be called concurrently; the quota, the backoff RNG
/// and the clock offset are shared and synchronised. The client, clock and sleeper
/// must be thread-safe and outlive the executor.
class RetryingExecutor {
 public:
  RetryingExecutor(std::shared_ptr<HttpClient> client, RetryOptions options, Clock& clock, Sleeper& sleeper);

  /// Runs the loop. `sign` may be empty (anonymous requests); `classify` empty
  /// means ClassifyByHttpStatus. Returns the successful response, or the last
  /// error with context and attempt count.
  Result<HttpResponse> Execute(const HttpRequest& unsigned_request, ResponseSink* sink, const RequestContext& ctx,
                               const SignFn& sign, const ClassifyFn& classify);

  /// Server time minus local time as learned from RequestTimeTooSkewed (0 until then).
  std::chrono::milliseconds clock_offset() const noexcept {
    return std::chrono::milliseconds(offset_ms_.load(std::memory_order_relaxed));
  }
  /// Tokens left in the retry quota.
  int quota_available() const { return quota_.available(); }
  const RetryOptions& options() const noexcept { return options_; }
  HttpClient& client() const noexcept { return *client_; }

 private:
  std::shared_ptr<HttpClient> client_;
  RetryOptions options_;
  Clock& clock_;
  Sleeper& sleeper_;
  RetryPolicy policy_;
  BackoffPolicy backoff_;
  RetryQuota quota_;
  std::atomic<std::int64_t> offset_ms_{0};
};

}  // namespace s3ml
