// S3 Express One Zone in the auth layer: the signer's session-token placement and
// service name, the session cache (refresh ahead of expiry, single flight, eviction),
// and the directory-bucket name helpers.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "auth/express_session.h"
#include "auth/signer.h"
#include "common/crypto.h"
#include "common/logging.h"
#include "s3ml/express.h"
#include "support/fake_clock.h"

using namespace s3ml;
using namespace std::chrono_literals;
using s3ml::test::FakeClock;

namespace {

Credentials SessionCreds(const std::string& id, SystemTime expires) {
  Credentials c;
  c.access_key_id = "ASIA" + id;
  c.secret_access_key = "secret-" + id;
  c.session_token = "token-" + id;
  c.expiration = expires;
  return c;
}

HttpRequest GetRequest() {
  HttpRequest r;
  r.method = "GET";
  r.scheme = "https";
  r.host = "data--usw2-az1--x-s3.s3express-usw2-az1.us-west-2.amazonaws.com";
  r.path = "/shard-0.tar";
  return r;
}

std::string HeaderValue(const HttpRequest& r, const char* name) {
  const std::string* v = r.headers.Find(name);
  return v ? *v : std::string();
}

}  // namespace

TEST_CASE("ExpressSigner: session token goes in x-amz-s3session-token, is signed, and scope names s3express",
          "[auth][express]") {
  SigV4Signer signer("s3express", SessionTokenKind::kS3ExpressSession);
  HttpRequest req = GetRequest();
  req.headers.Set("x-amz-security-token", "stale-sts-token");  // from an earlier attempt: must go
  const SystemTime now = std::chrono::system_clock::from_time_t(1700000000);
  Credentials creds = SessionCreds("ONE", now + 5min);
  REQUIRE(signer.SignHeaders(req, creds, "us-west-2", now).ok());

  CHECK(HeaderValue(req, "x-amz-s3session-token") == "token-ONE");
  CHECK_FALSE(req.headers.Has("x-amz-security-token"));
  const std::string auth = HeaderValue(req, "Authorization");
  CHECK_THAT(auth, Catch::Contains("Credential=ASIAONE/20231114/us-west-2/s3express/aws4_request"));
  CHECK_THAT(auth, Catch::Contains("x-amz-s3session-token"));

  // Recompute with the primitives (as a server does): the signature covers the token.
  auto signed_headers = SigV4Signer::HeadersToSign(req.headers);
  const std::string canonical = SigV4Signer::CanonicalRequest(req.method, req.path, "", req.headers, signed_headers,
                                                              kEmptySha256Hex);
  const std::string scope = SigV4Signer::Scope("20231114", "us-west-2", "s3express");
  const std::string sts = SigV4Signer::StringToSign(FormatAmzDate(now), scope, canonical);
  const std::string expected = signer.Signature("secret-ONE", "20231114", "us-west-2", "s3express", sts);
  CHECK_THAT(auth, Catch::EndsWith("Signature=" + expected));

  HttpRequest other = GetRequest();
  Credentials forged = creds;
  forged.session_token = "token-TWO";
  REQUIRE(signer.SignHeaders(other, forged, "us-west-2", now).ok());
  CHECK(HeaderValue(other, "Authorization") != auth);
}

TEST_CASE("ExpressSigner: a plain signer drops a leftover s3session token and uses x-amz-security-token",
          "[auth][express]") {
  SigV4Signer signer;  // s3, STS tokens
  HttpRequest req = GetRequest();
  req.headers.Set("x-amz-s3session-token", "leftover");
  Credentials creds = SessionCreds("STS", SystemTime{});
  REQUIRE(signer.SignHeaders(req, creds, "us-west-2", std::chrono::system_clock::from_time_t(1700000000)).ok());
  CHECK_FALSE(req.headers.Has("x-amz-s3session-token"));
  CHECK(HeaderValue(req, "x-amz-security-token") == "token-STS");
  CHECK_THAT(HeaderValue(req, "Authorization"), Catch::Contains("/us-west-2/s3/aws4_request"));
}

TEST_CASE("ExpressSigner: presigned URLs carry X-Amz-S3session-Token, never X-Amz-Security-Token",
          "[auth][express]") {
  SigV4Signer signer("s3express", SessionTokenKind::kS3ExpressSession);
  HttpRequest req = GetRequest();
  const SystemTime now = std::chrono::system_clock::from_time_t(1700000000);
  REQUIRE(signer.Presign(req, SessionCreds("P", now + 5min), "us-west-2", now, 300s).ok());
  const std::string url = req.Url();
  CHECK_THAT(url, Catch::Contains("X-Amz-S3session-Token=token-P"));
  CHECK_THAT(url, !Catch::Contains("X-Amz-Security-Token"));
  CHECK_THAT(url, Catch::Contains("%2Fs3express%2Faws4_request"));
  // Re-presigning replaces the token parameter instead of adding a second one.
  REQUIRE(signer.Presign(req, SessionCreds("Q", now + 5min), "us-west-2", now, 300s).ok());
  CHECK_THAT(req.Url(), Catch::Contains("X-Amz-S3session-Token=token-Q") && !Catch::Contains("token-P"));
}

TEST_CASE("ExpressSessionCache: reuses a session, refreshes it in the last minute, and recreates after expiry",
          "[auth][express]") {
  FakeClock clock;
  int calls = 0;
  bool fail = false;
  ExpressSessionCache cache(
      [&](const std::string& bucket, const std::string& mode) -> Result<Credentials> {
        ++calls;
        CHECK(bucket == "b--usw2-az1--x-s3");
        CHECK(mode == "ReadWrite");
        if (fail) return Status(ErrorCategory::kService, "CreateSession failed (test)");
        return SessionCreds(std::to_string(calls), clock.Now() + 300s);
      },
      clock);

  auto first = cache.Get("b--usw2-az1--x-s3", "ReadWrite");
  REQUIRE(first.ok());
  CHECK(first->session_token == "token-1");
  clock.Advance(200s);  // 100 s left: still outside the refresh window
  CHECK(cache.Get("b--usw2-az1--x-s3", "ReadWrite")->session_token == "token-1");
  CHECK(calls == 1);

  clock.Advance(50s);  // 50 s left: refresh ahead of expiry
  CHECK(cache.Get("b--usw2-az1--x-s3", "ReadWrite")->session_token == "token-2");
  CHECK(calls == 2);
  CHECK(cache.creations() == 2);

  // A refresh that fails inside the window falls back to the still-valid session...
  clock.Advance(250s);  // 50 s left of session 2
  fail = true;
  auto kept = cache.Get("b--usw2-az1--x-s3", "ReadWrite");
  REQUIRE(kept.ok());
  CHECK(kept->session_token == "token-2");
  // ...but once it has expired the error comes through.
  clock.Advance(60s);
  auto expired = cache.Get("b--usw2-az1--x-s3", "ReadWrite");
  REQUIRE_FALSE(expired.ok());
  CHECK_THAT(expired.status().message(), Catch::Contains("CreateSession failed"));
  fail = false;
  CHECK(cache.Get("b--usw2-az1--x-s3", "ReadWrite")->session_token == "token-5");
}

TEST_CASE("ExpressSessionCache: sessions without Expiration last 5 minutes; keys are (bucket, mode)",
          "[auth][express]") {
  FakeClock clock;
  int calls = 0;
  ExpressSessionCache cache(
      [&](const std::string&, const std::string& mode) -> Result<Credentials> {
        Credentials c = SessionCreds(mode + std::to_string(++calls), SystemTime{});
        c.expiration.reset();
        return c;
      },
      clock);
  CHECK(cache.Get("a--usw2-az1--x-s3", "ReadWrite")->session_token == "token-ReadWrite1");
  CHECK(cache.Get("a--usw2-az1--x-s3", "ReadOnly")->session_token == "token-ReadOnly2");
  CHECK(cache.Get("a--usw2-az1--x-s3", "ReadWrite")->session_token == "token-ReadWrite1");
  CHECK(cache.size() == 2);
  clock.Advance(239s);
  CHECK(cache.Get("a--usw2-az1--x-s3", "ReadWrite")->session_token == "token-ReadWrite1");
  clock.Advance(2s);  // 59 s left of the assumed 300
  CHECK(cache.Get("a--usw2-az1--x-s3", "ReadWrite")->session_token == "token-ReadWrite3");
}

TEST_CASE("ExpressSessionCache: 16 threads asking at once share one CreateSession (single flight)",
          "[auth][express]") {
  FakeClock clock;
  std::atomic<int> calls{0};
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  ExpressSessionCache cache(
      [&](const std::string&, const std::string&) -> Result<Credentials> {
        ++calls;
        std::unique_lock<std::mutex> lock(mu);
        // Hold the flight open until every thread has had the chance to pile up behind it.
        cv.wait_for(lock, 2s, [&] { return release; });
        return SessionCreds("SHARED", clock.Now() + 300s);
      },
      clock);

  constexpr int kThreads = 16;
  std::atomic<int> started{0};
  std::vector<std::string> tokens(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      ++started;
      auto r = cache.Get("b--use1-az4--x-s3", "ReadWrite");
      tokens[i] = r.ok() ? r->session_token : r.status().ToString();
    });
  }
  while (started.load() < kThreads) std::this_thread::yield();
  std::this_thread::sleep_for(50ms);  // let the threads reach the cache
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  for (auto& t : threads) t.join();
  CHECK(calls.load() == 1);
  CHECK(cache.creations() == 1);
  for (const auto& t : tokens) CHECK(t == "token-SHARED");
}

TEST_CASE("ExpressSessionCache: waiters share a failed CreateSession's error instead of each retrying",
          "[auth][express]") {
  FakeClock clock;
  std::atomic<int> calls{0};
  ExpressSessionCache cache(
      [&](const std::string&, const std::string&) -> Result<Credentials> {
        ++calls;
        std::this_thread::sleep_for(100ms);
        return Status(ErrorCategory::kService, "AccessDenied (test)");
      },
      clock);
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      if (!cache.Get("b--use1-az4--x-s3", "ReadWrite").ok()) ++errors;
    });
  for (auto& t : threads) t.join();
  CHECK(errors.load() == 8);
  CHECK(calls.load() >= 1);
  CHECK(calls.load() < 8);  // the threads that arrived during the flight did not start their own
}

TEST_CASE("ExpressSessionCache: keeps at most max_entries buckets, evicting the least recently used",
          "[auth][express]") {
  FakeClock clock;
  std::vector<std::string> created;
  ExpressSessionCache::Options opts;
  opts.max_entries = 3;
  ExpressSessionCache cache(
      [&](const std::string& bucket, const std::string&) -> Result<Credentials> {
        created.push_back(bucket);
        return SessionCreds(bucket, clock.Now() + 300s);
      },
      clock, opts);
  for (const char* b : {"b0--z1--x-s3", "b1--z1--x-s3", "b2--z1--x-s3"}) REQUIRE(cache.Get(b, "ReadWrite").ok());
  REQUIRE(cache.Get("b0--z1--x-s3", "ReadWrite").ok());  // b0 most recent; b1 is now the oldest
  REQUIRE(cache.Get("b3--z1--x-s3", "ReadWrite").ok());  // evicts b1
  CHECK(cache.size() == 3);
  REQUIRE(cache.Get("b0--z1--x-s3", "ReadWrite").ok());
  REQUIRE(cache.Get("b2--z1--x-s3", "ReadWrite").ok());
  CHECK(created.size() == 4);  // b0, b2, b3 still cached
  REQUIRE(cache.Get("b1--z1--x-s3", "ReadWrite").ok());
  CHECK(created.size() == 5);
  CHECK(created.back() == "b1--z1--x-s3");
  CHECK(cache.size() == 3);
}

TEST_CASE("ExpressSessionCache: Invalidate drops only the session it names", "[auth][express]") {
  FakeClock clock;
  int calls = 0;
  ExpressSessionCache cache(
      [&](const std::string&, const std::string&) -> Result<Credentials> {
        return SessionCreds(std::to_string(++calls), clock.Now() + 300s);
      },
      clock);
  REQUIRE(cache.Get("b--z--x-s3", "ReadWrite")->session_token == "token-1");
  cache.Invalidate("b--z--x-s3", "ReadWrite", "token-old");  // already replaced elsewhere: keep
  CHECK(cache.Get("b--z--x-s3", "ReadWrite")->session_token == "token-1");
  cache.Invalidate("b--z--x-s3", "ReadWrite", "token-1");
  CHECK(cache.Get("b--z--x-s3", "ReadWrite")->session_token == "token-2");
  cache.Invalidate("b--z--x-s3", "ReadWrite");
  CHECK(cache.Get("b--z--x-s3", "ReadWrite")->session_token == "token-3");
  cache.Invalidate("never--z--x-s3", "ReadWrite");  // unknown key: no effect, no error
  CHECK(calls == 3);
}

TEST_CASE("DirectoryBucket: names are recognised by the --x-s3 suffix and the zone id is extracted",
          "[auth][express]") {
  CHECK(IsDirectoryBucket("train--usw2-az1--x-s3"));
  CHECK_FALSE(IsDirectoryBucket("train"));
  CHECK_FALSE(IsDirectoryBucket("--x-s3"));
  CHECK_FALSE(IsDirectoryBucket("train--x-s3-logs"));
  CHECK(DirectoryBucketZoneId("train--usw2-az1--x-s3") == "usw2-az1");
  CHECK(DirectoryBucketZoneId("a--b--use1-az4--x-s3") == "use1-az4");
  CHECK(DirectoryBucketZoneId("lz--usw2-lax1-az1--x-s3") == "usw2-lax1-az1");
  CHECK(DirectoryBucketZoneId("nozone--x-s3").empty());
  CHECK(DirectoryBucketZoneId("bad--US-AZ1--x-s3").empty());
  CHECK(DirectoryBucketZoneId("plain-bucket").empty());
  CHECK(std::string(SessionModeName(SessionMode::kReadOnly)) == "ReadOnly");
  CHECK(std::string(SessionModeName(SessionMode::kReadWrite)) == "ReadWrite");
}

TEST_CASE("ExpressSigner: session tokens in headers and presigned URLs are redacted from log lines",
          "[auth][express]") {
  const std::string header_line = detail::Redact("x-amz-s3session-token: SESSIONSECRET123");
  CHECK_THAT(header_line, !Catch::Contains("SESSIONSECRET123"));
  const std::string url_line =
      detail::Redact("GET https://b.s3express-usw2-az1.us-west-2.amazonaws.com/k?X-Amz-S3session-Token=SESSIONSECRET123&x=1");
  CHECK_THAT(url_line, !Catch::Contains("SESSIONSECRET123"));
  CHECK_THAT(url_line, Catch::Contains("x=1"));
}
