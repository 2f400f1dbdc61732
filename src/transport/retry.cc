#include "transport/retry.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "common/logging.h"

namespace s3ml {

Status ClassifyByHttpStatus(const HttpResponse& resp) {
  if (resp.status >= 200 && resp.status < 300) return Status::Ok();
  return Status(ErrorCategory::kService, "the server answered HTTP " + std::to_string(resp.status))
      .WithHttpStatus(resp.status)
      .WithRequestId(resp.headers.Get("x-amz-request-id"), resp.headers.Get("x-amz-id-2"));
}

bool NeverReachedServer(const Status& error) {
  if (error.category() != ErrorCategory::kNetwork && error.category() != ErrorCategory::kTimeout) return false;
  const std::string& c = error.code();
  return c == transport_code::kConnectionRefused || c == transport_code::kConnectFailed ||
         c == transport_code::kResolveFailed || c == transport_code::kConnectTimeout ||
         c == transport_code::kTlsHandshakeFailed;
}

bool MayHaveTakenEffect(const Status& error) {
  if (error.category() != ErrorCategory::kNetwork && error.category() != ErrorCategory::kTimeout) return false;
  return !NeverReachedServer(error);
}

// ---------------------------------------------------------------------------

bool RetryPolicy::IsRetryable(const Status& error) const {
  if (error.ok()) return false;
  // A rejected certificate stays rejected; retrying only delays the clear error.
  if (error.code() == transport_code::kTlsVerifyFailed) return false;
  return error.IsTransient();
}

RetryVerdict RetryPolicy::Decide(const Status& error, int attempts_made, bool idempotent) const {
  if (!IsRetryable(error)) return RetryVerdict::kNotRetryable;
  if (!idempotent && MayHaveTakenEffect(error)) return RetryVerdict::kNotIdempotent;
  if (attempts_made >= max_attempts_) return RetryVerdict::kAttemptsExhausted;
  return RetryVerdict::kRetry;
}

// ---------------------------------------------------------------------------

namespace {
std::uint64_t SeedOrRandom(std::uint64_t seed) {
  if (seed != 0) return seed;
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}
}  // namespace

BackoffPolicy::BackoffPolicy(std::chrono::milliseconds base, std::chrono::milliseconds cap, std::uint64_t seed)
    : base_(std::max(base, std::chrono::milliseconds(0))),
      cap_(std::max(cap, std::chrono::milliseconds(0))),
      rng_(SeedOrRandom(seed)) {}

std::chrono::milliseconds BackoffPolicy::Ceiling(int retry) const {
  // base * 2^retry without overflow: stop doubling once the cap is reached.
  std::int64_t ceiling = base_.count();
  for (int i = 0; i < retry && ceiling < cap_.count(); ++i) ceiling *= 2;
  return std::chrono::milliseconds(std::min<std::int64_t>(ceiling, cap_.count()));
}

std::chrono::milliseconds BackoffPolicy::Delay(int retry) {
  const std::int64_t hi = Ceiling(retry).count();
  if (hi <= 0) return std::chrono::milliseconds(0);
  std::uniform_int_distribution<std::int64_t> dist(0, hi);
  std::lock_guard<std::mutex> lock(mu_);
  return std::chrono::milliseconds(dist(rng_));
}

// ---------------------------------------------------------------------------

RetryQuota::RetryQuota(int capacity, int retry_cost, int timeout_retry_cost, int no_retry_increment)
    : capacity_(std::max(capacity, 0)),
      retry_cost_(std::max(retry_cost, 0)),
      timeout_retry_cost_(std::max(timeout_retry_cost, 0)),
      no_retry_increment_(std::max(no_retry_increment, 0)),
      tokens_(capacity_) {}

std::optional<int> RetryQuota::Acquire(const Status& error) {
  const int cost = error.category() == ErrorCategory::kTimeout ? timeout_retry_cost_ : retry_cost_;
  std::lock_guard<std::mutex> lock(mu_);
  if (tokens_ < cost) return std::nullopt;
  tokens_ -= cost;
  return cost;
}

void RetryQuota::Release(int last_acquired) {
  const int refund = last_acquired > 0 ? last_acquired : no_retry_increment_;
  std::lock_guard<std::mutex> lock(mu_);
  tokens_ = std::min(capacity_, tokens_ + refund);
}

int RetryQuota::available() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tokens_;
}

// ---------------------------------------------------------------------------

RetryingExecutor::RetryingExecutor(std::shared_ptr<HttpClient> client, RetryOptions options, Clock& clock,
                                   Sleeper& sleeper)
    : client_(std::move(client)),
      options_(options),
      clock_(clock),
      sleeper_(sleeper),
      policy_(options.max_attempts),
      backoff_(options.base_delay, options.max_backoff, options.jitter_seed),
      quota_(options.retry_quota_capacity, options.retry_cost, options.timeout_retry_cost,
             options.no_retry_increment) {}

namespace {

std::string AppendNote(const std::string& message, const std::string& note) {
  return message.empty() ? note : message + "; " + note;
}

std::string Describe(const RequestContext& ctx) {
  std::string s = ctx.operation.empty() ? std::string("request") : ctx.operation;
  if (!ctx.resource.empty()) s += " " + ctx.resource;
  return s;
}

}  // namespace

Result<HttpResponse> RetryingExecutor::Execute(const HttpRequest& unsigned_request, ResponseSink* sink,
                                               const RequestContext& ctx, const SignFn& sign,
                                               const ClassifyFn& classify) {
  auto finish = [&](const Status& error, int attempts) -> Status {
    Status s = error;
    if (!ctx.operation.empty() || !ctx.resource.empty()) s = s.WithContext(ctx.operation, ctx.resource);
    return s.WithAttempts(attempts);
  };
  if (!client_) return finish(Status(ErrorCategory::kInternal, "RetryingExecutor has no HttpClient"), 0);

  int attempts = 0;       // every attempt sent, for the report
  int budget_used = 0;    // attempts counted against max_attempts (the skew retry is free)
  int retries = 0;        // backoff exponent
  int last_acquired = 0;  // quota tokens taken by the latest retry
  bool skew_corrected = false;

  const CancellationToken& cancel = unsigned_request.cancel;
  for (;;) {
    if (cancel.cancelled()) return finish(Status::Cancelled(), attempts);
    ++attempts;
    ++budget_used;
    HttpRequest req = unsigned_request;  // fresh copy: signing adds headers
    if (!ctx.idempotent) req.fresh_connection = true;  // see HttpRequest::fresh_connection
    if (sign) {
      const SystemTime now = clock_.Now() + clock_offset();
      Status s = sign(req, now);
      if (!s.ok()) return finish(s, attempts);
    }
    S3ML_LOG(kDebug, Describe(ctx) << ": attempt " << attempts << " " << req.method << " " << req.host << req.path);

    Result<HttpResponse> r = client_->Send(req, sink);
    Status error;
    if (!r.ok() && cancel.cancelled()) return finish(Status::Cancelled(), attempts);  // whatever the abort looked like
    if (r.ok()) {
      error = classify ? classify(*r) : ClassifyByHttpStatus(*r);
      if (error.ok()) {
        quota_.Release(last_acquired);
        if (attempts > 1) S3ML_LOG(kInfo, Describe(ctx) << ": succeeded on attempt " << attempts);
        r->attempts = attempts;
        return r;
      }
    } else {
      error = r.status();
    }

    // Clock skew: learn the server's time from its Date header and go again at once.
    // A HEAD answer has no body, so its 403 names no code: any 403 whose Date is more
    // than kSkewSuspect away from the time the request was signed with counts as
    // skew too (as in the AWS SDKs).
    if (!skew_corrected && r.ok() && (error.code() == "RequestTimeTooSkewed" || r->status == 403)) {
      const std::string* date = r->headers.Find("Date");
      std::optional<SystemTime> server_now;
      if (date != nullptr) {
        Result<SystemTime> parsed = ParseHttpDate(*date);
        if (parsed.ok()) server_now = *parsed;
      }
      constexpr std::chrono::minutes kSkewSuspect{4};
      if (server_now && error.code() != "RequestTimeTooSkewed") {
        const auto signed_at = clock_.Now() + clock_offset();
        const auto off = *server_now > signed_at ? *server_now - signed_at : signed_at - *server_now;
        if (off <= kSkewSuspect) server_now.reset();  // a 403 for another reason
      }
      if (server_now) {
        auto offset = std::chrono::duration_cast<std::chrono::milliseconds>(*server_now - clock_.Now());
        offset_ms_.store(offset.count(), std::memory_order_relaxed);
        skew_corrected = true;
        --budget_used;
        S3ML_LOG(kInfo, Describe(ctx) << ": RequestTimeTooSkewed; local clock is off by " << -offset.count()
                                      << " ms from the server's Date, re-signing with the corrected time");
        continue;
      }
    }

    switch (policy_.Decide(error, budget_used, ctx.idempotent)) {
      case RetryVerdict::kNotRetryable:
      case RetryVerdict::kAttemptsExhausted:
        return finish(error, attempts);
      case RetryVerdict::kNotIdempotent:
        return finish(error.WithMessage(AppendNote(
                          error.message(), "not retried: the request is not idempotent and may have reached the server")),
                      attempts);
      case RetryVerdict::kRetry:
        break;
    }
    if (sink != nullptr) {  // a sink that cannot take the body again: do not send for nothing
      Status can = sink->CanRestart();
      if (!can.ok())
        return finish(can.WithMessage(AppendNote(can.message(), "the attempt failed: " + error.ToString())), attempts);
    }
    std::optional<int> cost = quota_.Acquire(error);
    if (!cost) {
      S3ML_LOG(kWarn, Describe(ctx) << ": retry quota exhausted, not retrying " << error.ToString());
      return finish(error.WithMessage(AppendNote(error.message(), "not retried: retry quota exhausted")), attempts);
    }
    last_acquired = *cost;
    const std::chrono::milliseconds delay = backoff_.Delay(retries++);
    S3ML_LOG(kInfo, Describe(ctx) << ": attempt " << attempts << " of " << policy_.max_attempts() << " failed ("
                                  << error.ToString() << "); retrying in " << delay.count() << " ms");
    if (!sleeper_.SleepUnlessCancelled(delay, cancel)) return finish(Status::Cancelled(), attempts);
  }
}

}  // namespace s3ml
