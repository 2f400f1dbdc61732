// The retry loop against a scripted fake HttpClient, a fake clock and a recording sleeper.
#include <catch2/catch.hpp>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/time.h"
#include "s3ml/logging.h"
#include "transport/curl_http_client.h"
#include "transport/retry.h"

using namespace s3ml;
using namespace std::chrono_literals;

namespace {

class FakeClock : public Clock {
 public:
  explicit FakeClock(SystemTime start) : ms_(std::chrono::duration_cast<std::chrono::milliseconds>(start.time_since_epoch()).count()) {}
  SystemTime Now() override { return SystemTime(std::chrono::milliseconds(ms_.load())); }
  void Advance(std::chrono::milliseconds d) { ms_ += d.count(); }

 private:
  std::atomic<std::int64_t> ms_;
};

// Records every requested delay and advances the fake clock by it (no real sleeping).
class RecordingSleeper : public Sleeper {
 public:
  explicit RecordingSleeper(FakeClock& clock) : clock_(clock) {}
  void Sleep(std::chrono::milliseconds d) override {
    std::lock_guard<std::mutex> lock(mu_);
    delays.push_back(d);
    clock_.Advance(d);
  }
  std::vector<std::chrono::milliseconds> delays;

 private:
  FakeClock& clock_;
  std::mutex mu_;
};

// One scripted outcome: a response (optionally cut short by `error` after `partial` bytes
// went to the sink) or a transport error.
struct Step {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  Status error;         // non-OK: Send fails with it
  std::string partial;  // with `error`: bytes delivered to the sink before failing
};

Step Ok(std::string body) { return Step{200, std::move(body), {}, {}, {}}; }
Step S3Error(int status, const std::string& code, const std::string& request_id = "REQ") {
  return Step{status, "<Error><Code>" + code + "</Code></Error>", {{"x-test-code", code}, {"x-amz-request-id", request_id}}, {}, {}};
}
Step NetError(const char* code, ErrorCategory cat = ErrorCategory::kNetwork) {
  Step s;
  s.error = Status(cat, std::string("simulated ") + code + " 127.0.0.1:9").WithCode(code);
  return s;
}

class ScriptedClient : public HttpClient {
 public:
  explicit ScriptedClient(std::vector<Step> steps) : steps_(steps.begin(), steps.end()) {}
  Result<HttpResponse> Send(const HttpRequest& req, ResponseSink* sink) override {
    Step step;
    {
      std::lock_guard<std::mutex> lock(mu_);
      sent.push_back(req);
      if (steps_.empty()) return Status(ErrorCategory::kInternal, "script exhausted");
      step = steps_.front();
      steps_.pop_front();
    }
    HttpResponse resp;
    resp.status = step.status;
    for (auto& [k, v] : step.headers) resp.headers.Add(k, v);
    if (!step.error.ok()) {
      if (sink && !step.partial.empty()) {
        S3ML_RETURN_IF_ERROR(sink->Begin(200, resp.headers, step.partial.size() * 2));
        S3ML_RETURN_IF_ERROR(sink->Write(step.partial.data(), step.partial.size()));
      }
      return step.error;
    }
    if (sink && step.status < 300) {
      S3ML_RETURN_IF_ERROR(sink->Begin(step.status, resp.headers, step.body.size()));
      S3ML_RETURN_IF_ERROR(sink->Write(step.body.data(), step.body.size()));
      S3ML_RETURN_IF_ERROR(sink->Finish());
    } else {
      resp.body.append(step.body);
    }
    return resp;
  }
  std::vector<HttpRequest> sent;

 private:
  std::mutex mu_;
  std::deque<Step> steps_;
};

// Stands in for the ops layer's classifier: the fake puts the S3 code in a header.
Status Classify(const HttpResponse& r) {
  if (r.status < 300) return Status::Ok();
  return Status(ErrorCategory::kService, "simulated S3 error")
      .WithCode(r.headers.Get("x-test-code"))
      .WithHttpStatus(r.status)
      .WithRequestId(r.headers.Get("x-amz-request-id"));
}

class MemorySink : public ResponseSink {
 public:
  Status Begin(int, const Headers&, std::optional<std::uint64_t>) override {
    ++begins;
    if (refuse_restart && begins > 1) return Status(ErrorCategory::kIo, "this sink cannot restart");
    data.clear();
    return Status::Ok();
  }
  Status Write(const char* p, std::size_t n) override {
    data.append(p, n);
    return Status::Ok();
  }
  Status Finish() override {
    ++finishes;
    return Status::Ok();
  }
  std::string data;
  int begins = 0, finishes = 0;
  bool refuse_restart = false;
};

HttpRequest MakeRequest() {
  HttpRequest r;
  r.method = "GET";
  r.host = "127.0.0.1";
  r.port = 9;
  r.path = "/b/k";
  return r;
}

const SystemTime kStart = *ParseHttpDate("Fri, 24 May 2013 00:00:00 GMT");

struct Harness {
  explicit Harness(std::vector<Step> steps, RetryOptions opts = {}) : clock(kStart), sleeper(clock) {
    if (opts.jitter_seed == 0) opts.jitter_seed = 7;
    client = std::make_shared<ScriptedClient>(std::move(steps));
    exec = std::make_unique<RetryingExecutor>(client, opts, clock, sleeper);
  }
  Result<HttpResponse> Run(ResponseSink* sink = nullptr, bool idempotent = true) {
    RequestContext ctx{"GetObject", "s3://b/k", idempotent};
    return exec->Execute(MakeRequest(), sink, ctx, sign, Classify);
  }
  FakeClock clock;
  RecordingSleeper sleeper;
  std::shared_ptr<ScriptedClient> client;
  std::unique_ptr<RetryingExecutor> exec;
  std::vector<SystemTime> sign_times;
  SignFn sign = [this](HttpRequest& req, SystemTime now) {
    sign_times.push_back(now);
    req.headers.Set("Authorization", "sig-" + std::to_string(sign_times.size()) + "-" + FormatAmzDate(now));
    return Status::Ok();
  };
};

}  // namespace

TEST_CASE("RetryLoop: stops after policy exhausted on 503 and reports 3 attempts") {
  Harness h({S3Error(503, "SlowDown", "R1"), S3Error(503, "SlowDown", "R2"), S3Error(503, "SlowDown", "R3"), Ok("never")});
  auto r = h.Run();
  REQUIRE_FALSE(r.ok());
  const Status& s = r.status();
  CHECK(s.attempts() == 3);
  CHECK(s.code() == "SlowDown");
  CHECK(s.http_status() == 503);
  CHECK(s.operation() == "GetObject");
  CHECK(s.resource() == "s3://b/k");
  CHECK_THAT(s.ToString(), Catch::StartsWith("GetObject s3://b/k: SlowDown (HTTP 503, request id R3)"));
  CHECK_THAT(s.ToString(), Catch::EndsWith("gave up after 3 attempts"));
  CHECK(h.client->sent.size() == 3);
  CHECK(h.sleeper.delays.size() == 2);
}

TEST_CASE("RetryLoop: success after two failures returns the right body") {
  Harness h({S3Error(500, "InternalError"), NetError("ConnectionReset"), Ok("the right body")});
  auto r = h.Run();
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->body == "the right body");
  CHECK(h.client->sent.size() == 3);
  CHECK(h.sleeper.delays.size() == 2);
}

TEST_CASE("RetryLoop: a sink restarts on every attempt and ends with only the final body") {
  Step cut = NetError("PartialBody");
  cut.partial = "stale-bytes";
  Harness h({cut, Ok("fresh body")});
  MemorySink sink;
  auto r = h.Run(&sink);
  REQUIRE(r.ok());
  CHECK(sink.begins == 2);
  CHECK(sink.finishes == 1);
  CHECK(sink.data == "fresh body");
  CHECK(r->body.empty());
}

TEST_CASE("RetryLoop: a sink that refuses a restart ends the loop with the sink's error") {
  Step cut = NetError("ConnectionReset");
  cut.partial = "half";
  Harness h({cut, Ok("full")});
  MemorySink sink;
  sink.refuse_restart = true;
  auto r = h.Run(&sink);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().category() == ErrorCategory::kIo);
  CHECK_THAT(r.status().message(), Catch::Contains("cannot restart"));
  CHECK(r.status().attempts() == 2);
  CHECK(h.client->sent.size() == 2);
}

TEST_CASE("RetryLoop: backoff delays stay within full-jitter bounds and the cap") {
  RetryOptions o;
  o.max_attempts = 8;
  o.base_delay = 100ms;
  o.max_backoff = 500ms;
  o.jitter_seed = 42;
  std::vector<Step> steps(8, S3Error(503, "SlowDown"));
  Harness h(steps, o);
  auto r = h.Run();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().attempts() == 8);
  REQUIRE(h.sleeper.delays.size() == 7);
  bool some_below_ceiling = false;
  for (std::size_t i = 0; i < h.sleeper.delays.size(); ++i) {
    const auto ceiling = std::min<std::int64_t>(500, 100LL << i);
    CHECK(h.sleeper.delays[i].count() >= 0);
    CHECK(h.sleeper.delays[i].count() <= ceiling);
    if (h.sleeper.delays[i].count() < ceiling) some_below_ceiling = true;
  }
  CHECK(some_below_ceiling);

  // The same seed gives the same delays (tests can rely on them); another seed does not.
  Harness same(steps, o);
  (void)same.Run();
  CHECK(same.sleeper.delays == h.sleeper.delays);
  o.jitter_seed = 43;
  Harness other(steps, o);
  (void)other.Run();
  CHECK(other.sleeper.delays != h.sleeper.delays);
}

TEST_CASE("BackoffPolicy: ceiling doubles up to the cap without overflow and draws are uniform below it") {
  BackoffPolicy b(100ms, 20000ms, 1);
  CHECK(b.Ceiling(0) == 100ms);
  CHECK(b.Ceiling(1) == 200ms);
  CHECK(b.Ceiling(2) == 400ms);
  CHECK(b.Ceiling(8) == 20000ms);
  CHECK(b.Ceiling(1000) == 20000ms);
  // Full jitter (not "equal jitter"): the mean of uniform(0, 400) is 200 and small values occur.
  double sum = 0;
  std::int64_t lo = 1 << 30, hi = 0;
  for (int i = 0; i < 2000; ++i) {
    auto d = b.Delay(2).count();
    sum += static_cast<double>(d);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  CHECK(sum / 2000 > 180);
  CHECK(sum / 2000 < 220);
  CHECK(lo < 20);
  CHECK(hi > 380);
  CHECK(hi <= 400);
}

TEST_CASE("RetryLoop: an exhausted retry quota stops retries and the error says so") {
  RetryOptions o;
  o.max_attempts = 10;
  o.retry_quota_capacity = 10;  // two retries at cost 5
  std::vector<Step> steps(10, S3Error(503, "SlowDown"));
  Harness h(steps, o);
  auto r = h.Run();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().attempts() == 3);
  CHECK_THAT(r.status().ToString(), Catch::Contains("retry quota exhausted"));
  CHECK(h.exec->quota_available() == 0);
  CHECK(h.sleeper.delays.size() == 2);
}

TEST_CASE("RetryQuota: timeouts cost more, first-try successes refund one, retried successes refund their cost") {
  RetryQuota q(20, 5, 10, 1);
  Status timeout = Status(ErrorCategory::kTimeout, "stall").WithCode("StallTimeout");
  Status reset = Status(ErrorCategory::kNetwork, "reset").WithCode("ConnectionReset");
  CHECK(q.Acquire(timeout) == 10);
  CHECK(q.available() == 10);
  CHECK(q.Acquire(reset) == 5);
  CHECK(q.Acquire(reset) == 5);
  CHECK(q.available() == 0);
  CHECK_FALSE(q.Acquire(reset).has_value());
  q.Release(0);
  CHECK(q.available() == 1);
  q.Release(5);
  CHECK(q.available() == 6);
  for (int i = 0; i < 100; ++i) q.Release(10);
  CHECK(q.available() == 20);  // never above capacity
}

TEST_CASE("RetryLoop: 4xx errors are not retried") {
  Harness h({S3Error(404, "NoSuchKey"), Ok("never")});
  auto r = h.Run();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == "NoSuchKey");
  CHECK(r.status().attempts() == 1);
  CHECK_THAT(r.status().ToString(), !Catch::Contains("gave up"));
  CHECK(h.client->sent.size() == 1);
  CHECK(h.sleeper.delays.empty());
  CHECK(h.exec->quota_available() == 500);  // no retry taken; the refund is capped
}

TEST_CASE("RetryLoop: a TLS certificate rejection is not retried") {
  Harness h({NetError("TlsVerifyFailed"), Ok("never")});
  auto r = h.Run();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == "TlsVerifyFailed");
  CHECK(h.client->sent.size() == 1);
}

TEST_CASE("RetryLoop: a non-idempotent request is not retried after a connection reset") {
  Harness h({NetError("ConnectionReset"), Ok("never")});
  auto r = h.Run(nullptr, /*idempotent=*/false);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == "ConnectionReset");
  CHECK(r.status().attempts() == 1);
  CHECK_THAT(r.status().message(), Catch::Contains("not idempotent"));
  CHECK(h.client->sent.size() == 1);
}

TEST_CASE("RetryLoop: a non-idempotent request is retried when the connection was refused") {
  Harness h({NetError("ConnectionRefused"), NetError("ConnectTimeout", ErrorCategory::kTimeout), Ok("done")});
  auto r = h.Run(nullptr, /*idempotent=*/false);
  REQUIRE(r.ok());
  CHECK(r->body == "done");
  CHECK(h.client->sent.size() == 3);
}

TEST_CASE("RetryPolicy: verdicts for retryable, fatal, exhausted and non-idempotent errors") {
  RetryPolicy p(3);
  Status slow = Status(ErrorCategory::kService, "").WithCode("SlowDown").WithHttpStatus(503);
  Status denied = Status(ErrorCategory::kService, "").WithCode("AccessDenied").WithHttpStatus(403);
  Status throttled = Status(ErrorCategory::kService, "").WithHttpStatus(429);
  Status refused = Status(ErrorCategory::kNetwork, "").WithCode("ConnectionRefused");
  CHECK(p.Decide(slow, 1, true) == RetryVerdict::kRetry);
  CHECK(p.Decide(throttled, 2, true) == RetryVerdict::kRetry);
  CHECK(p.Decide(slow, 3, true) == RetryVerdict::kAttemptsExhausted);
  CHECK(p.Decide(denied, 1, true) == RetryVerdict::kNotRetryable);
  // An error answer means S3 rejected the request: even a non-idempotent one may go again.
  CHECK(p.Decide(slow, 1, false) == RetryVerdict::kRetry);
  CHECK(p.Decide(Status(ErrorCategory::kNetwork, "").WithCode("ConnectionReset"), 1, false) ==
        RetryVerdict::kNotIdempotent);
  CHECK(p.Decide(refused, 1, false) == RetryVerdict::kRetry);
  CHECK(RetryPolicy(0).max_attempts() == 1);
}

TEST_CASE("RetryLoop: every attempt is re-signed with the advancing clock") {
  Harness h({S3Error(503, "SlowDown"), S3Error(503, "SlowDown"), Ok("x")});
  HttpRequest unsigned_req = MakeRequest();
  RequestContext ctx{"GetObject", "s3://b/k", true};
  auto r = h.exec->Execute(unsigned_req, nullptr, ctx, h.sign, Classify);
  REQUIRE(r.ok());
  CHECK_FALSE(unsigned_req.headers.Has("Authorization"));  // the caller's request is never touched
  REQUIRE(h.sign_times.size() == 3);
  REQUIRE(h.client->sent.size() == 3);
  CHECK(h.sign_times[0] == kStart);
  for (std::size_t i = 1; i < 3; ++i) {
    // The sleeper advanced the clock by exactly the backoff before the next signature.
    CHECK(h.sign_times[i] - h.sign_times[i - 1] == h.sleeper.delays[i - 1]);
  }
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& hdrs = h.client->sent[i].headers;
    CHECK(hdrs.size() == 1);  // a fresh copy each time: signatures never accumulate
    CHECK(hdrs.Get("Authorization") == "sig-" + std::to_string(i + 1) + "-" + FormatAmzDate(h.sign_times[i]));
  }
}

TEST_CASE("RetryLoop: a signing failure is returned without sending anything") {
  Harness h({Ok("never")});
  h.sign = [](HttpRequest&, SystemTime) { return Status(ErrorCategory::kCredentials, "no credentials found"); };
  auto r = h.Run();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().category() == ErrorCategory::kCredentials);
  CHECK(h.client->sent.empty());
}

TEST_CASE("RetryLoop: RequestTimeTooSkewed corrects the clock offset from Date and retries once") {
  const SystemTime server_time = kStart + 20min;
  Step skewed = S3Error(403, "RequestTimeTooSkewed");
  skewed.headers.emplace_back("Date", FormatHttpDate(server_time));
  Harness h({skewed, Ok("after skew"), Ok("second request")});
  auto r = h.Run();
  REQUIRE(r.ok());
  CHECK(r->body == "after skew");
  REQUIRE(h.sign_times.size() == 2);
  CHECK(h.sign_times[0] == kStart);
  CHECK(h.sign_times[1] == server_time);  // re-signed at the server's time
  CHECK(h.sleeper.delays.empty());        // immediately
  CHECK(h.exec->clock_offset() == 20min);
  CHECK(h.exec->quota_available() == 500);  // the quota paid nothing
  // Later requests sign with the corrected time from the start.
  auto r2 = h.Run();
  REQUIRE(r2.ok());
  CHECK(h.sign_times.back() == server_time);
}

TEST_CASE("RetryLoop: RequestTimeTooSkewed is corrected only once per request") {
  Step skewed = S3Error(403, "RequestTimeTooSkewed");
  skewed.headers.emplace_back("Date", FormatHttpDate(kStart + 1h));
  Harness h({skewed, skewed, Ok("never")});
  auto r = h.Run();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == "RequestTimeTooSkewed");
  CHECK(r.status().attempts() == 2);
  CHECK(h.client->sent.size() == 2);
}

TEST_CASE("RetryLoop: a HEAD's bodiless 403 with a Date 20 minutes off is corrected as skew and retried") {
  const SystemTime server_time = kStart + 20min;
  Step skewed{403, "", {{"Date", FormatHttpDate(server_time)}}, {}, {}};
  Harness h({skewed, Ok("after skew")});
  auto r = h.Run();
  REQUIRE(r.ok());
  REQUIRE(h.sign_times.size() == 2);
  CHECK(h.sign_times[1] == server_time);
  CHECK(h.exec->clock_offset() == 20min);
}

TEST_CASE("RetryLoop: a 403 whose Date agrees with the local clock is not taken for skew") {
  Step denied{403, "", {{"Date", FormatHttpDate(kStart + 1min)}}, {}, {}};
  Harness h({denied, Ok("never")});
  auto r = h.Run();
  REQUIRE_FALSE(r.ok());
  CHECK(h.client->sent.size() == 1);
  CHECK(h.exec->clock_offset() == 0ms);
}

TEST_CASE("RetryLoop: RequestTimeTooSkewed without a Date header is not retried") {
  Harness h({S3Error(403, "RequestTimeTooSkewed"), Ok("never")});
  auto r = h.Run();
  REQUIRE_FALSE(r.ok());
  CHECK(h.client->sent.size() == 1);
  CHECK(h.exec->clock_offset() == 0ms);
}

TEST_CASE("RetryLoop: one executor shared by threads keeps a consistent quota") {
  RetryOptions o;
  o.max_attempts = 2;
  // Every request fails once then succeeds (per thread: 503, 200, 503, 200 ...): 4 threads x 20 requests.
  struct PairedClient : HttpClient {
    std::mutex mu;
    std::map<std::thread::id, int> calls;
    std::atomic<int> sends{0};
    Result<HttpResponse> Send(const HttpRequest&, ResponseSink*) override {
      ++sends;
      int n;
      {
        std::lock_guard<std::mutex> lock(mu);
        n = calls[std::this_thread::get_id()]++;
      }
      HttpResponse resp;
      resp.status = n % 2 == 0 ? 503 : 200;
      if (resp.status == 503) resp.headers.Add("x-test-code", "SlowDown");
      return resp;
    }
  };
  auto client = std::make_shared<PairedClient>();
  FakeClock clock(kStart);
  RecordingSleeper sleeper(clock);
  RetryingExecutor exec(client, o, clock, sleeper);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        auto r = exec.Execute(MakeRequest(), nullptr, RequestContext{"GetObject", "s3://b/k", true}, nullptr, Classify);
        if (r.ok()) ++ok;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(ok == 80);
  CHECK(client->sends == 160);
  // Each request took 5 and gave 5 back after its retried success.
  CHECK(exec.quota_available() == 500);
}

TEST_CASE("RetryLoop: each retry is logged with the error and the delay") {
  std::mutex mu;
  std::vector<std::string> lines;
  SetLogSink([&](LogLevel, std::string_view line) {
    std::lock_guard<std::mutex> lock(mu);
    lines.emplace_back(line);
  });
  SetLogLevel(LogLevel::kInfo);
  Harness h({S3Error(503, "SlowDown", "R9"), Ok("x")});
  auto r = h.Run();
  SetLogSink(nullptr);
  SetLogLevel(LogLevel::kWarn);
  REQUIRE(r.ok());
  std::lock_guard<std::mutex> lock(mu);
  bool found = false;
  for (const auto& l : lines)
    if (l.find("GetObject s3://b/k: attempt 1 of 3 failed") != std::string::npos &&
        l.find("SlowDown") != std::string::npos &&
        l.find("retrying in " + std::to_string(h.sleeper.delays.at(0).count()) + " ms") != std::string::npos)
      found = true;
  CHECK(found);
}

TEST_CASE("RetryLoop: retries a DNS failure to max_attempts and reports the resolve failure, not a setup error") {
  auto curl = CurlHttpClient::Create({});
  REQUIRE(curl.ok());
  FakeClock clock(SystemTime(std::chrono::hours(24 * 365 * 50)));
  RecordingSleeper sleeper(clock);
  RetryOptions ro;
  ro.max_attempts = 4;
  RetryingExecutor exec(*curl, ro, clock, sleeper);
  HttpRequest req;
  req.host = "nosuchhost.invalid";
  req.port = 9000;
  RequestContext ctx;
  ctx.operation = "ListBuckets";
  auto r = exec.Execute(req, nullptr, ctx, {}, {});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == "ResolveFailed");
  CHECK(r.status().attempts() == 4);
  CHECK(sleeper.delays.size() == 3);
  CHECK_THAT(r.status().ToString(), Catch::Contains("could not resolve nosuchhost.invalid:9000") &&
                                        Catch::Contains("gave up after 4 attempts"));
}

TEST_CASE("RetryLoop: a cancelled token stops before the first attempt and during the back-off sleep") {
  FakeClock clock(SystemTime(std::chrono::hours(24 * 365 * 50)));
  SECTION("cancelled before the call: nothing is sent") {
    auto client = std::make_shared<ScriptedClient>(std::vector<Step>{Ok("x")});
    RecordingSleeper sleeper(clock);
    RetryingExecutor exec(client, RetryOptions{}, clock, sleeper);
    HttpRequest req;
    req.host = "h";
    req.cancel.Cancel();
    auto r = exec.Execute(req, nullptr, RequestContext{"GetObject", "s3://b/k", true}, {}, {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().category() == ErrorCategory::kCancelled);
    CHECK(client->sent.empty());
  }
  SECTION("cancelled while sleeping before a retry: the real sleeper wakes at once") {
    auto client = std::make_shared<ScriptedClient>(std::vector<Step>{S3Error(503, "SlowDown"), Ok("x")});
    RetryOptions ro;
    ro.max_attempts = 3;
    ro.base_delay = 20s;  // the back-off would sleep up to 20 s
    ro.max_backoff = 20s;
    ro.jitter_seed = 7;
    REQUIRE(BackoffPolicy(ro.base_delay, ro.max_backoff, ro.jitter_seed).Delay(0) > 1s);  // the seed's first draw
    RetryingExecutor exec(client, ro, clock, RealSleeper());
    HttpRequest req;
    req.host = "h";
    std::thread canceller([t = req.cancel] {
      std::this_thread::sleep_for(200ms);
      t.Cancel();
    });
    auto t0 = std::chrono::steady_clock::now();
    auto r = exec.Execute(req, nullptr, RequestContext{"GetObject", "s3://b/k", true}, {}, {});
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    canceller.join();
    CHECK(client->sent.size() == 1);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().category() == ErrorCategory::kCancelled);
    CHECK(r.status().attempts() == 1);
    CHECK(took < 1.0);
  }
}

TEST_CASE("RetryLoop: a sink that says it cannot restart ends the loop before a second request is sent") {
  class OneShotSink final : public MemorySink {
   public:
    Status CanRestart() const override {
      return data.empty() ? Status::Ok() : Status(ErrorCategory::kIntegrity, "bytes already delivered");
    }
  };
  Step cut = NetError("ConnectionReset");
  cut.partial = "half";
  Harness h({cut, Ok("full")});
  OneShotSink sink;
  auto r = h.Run(&sink);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().category() == ErrorCategory::kIntegrity);
  CHECK_THAT(r.status().message(), Catch::Contains("bytes already delivered") &&
                                       Catch::Contains("the attempt failed: ") && Catch::Contains("ConnectionReset"));
  CHECK(r.status().attempts() == 1);
  CHECK(h.client->sent.size() == 1);  // before: a second request whose answer the sink then refused
  CHECK(h.sleeper.delays.empty());
}
