// S3 Express One Zone: the client against the in-process mock. Directory buckets,
// CreateSession, session-signed data requests, one session shared by many requests
// and threads, refresh after the session's 5 minutes, the ExpiredToken retry, and
// the mock refusing what S3 Express refuses.

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "auth/signer.h"
#include "client/client_impl.h"
#include "common/uri.h"
#include "s3ml/express.h"
#include "support/test_support.h"
#include "transport/curl_http_client.h"

using namespace s3ml;
using namespace s3ml::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kBucket = "train--use1-az4--x-s3";

// The real clock plus an offset the test moves together with the mock's clock.
class OffsetClock final : public Clock {
 public:
  SystemTime Now() override { return SystemClock().Now() + std::chrono::seconds(offset_.load()); }
  void Advance(std::chrono::seconds d) { offset_ += d.count(); }

 private:
  std::atomic<std::int64_t> offset_{0};
};

std::uint64_t OpCount(const mock::MockS3Server& s, const std::string& op) {
  auto stats = s.stats();
  auto it = stats.requests_by_operation.find(op);
  return it == stats.requests_by_operation.end() ? 0 : it->second;
}

void CreateDirectoryBucket(const Client& c, const std::string& name = kBucket) {
  CreateBucketRequest req;
  req.bucket = name;
  auto r = c.CreateBucket(req);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
}

std::string GetBody(const Client& c, const std::string& bucket, const std::string& key) {
  GetObjectRequest g;
  g.bucket = bucket;
  g.key = key;
  auto r = c.GetObject(g);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::string(r->body.view());
}

// Parses a URL the way a browser or curl would send it.
HttpRequest ParseUrl(const std::string& u) {
  HttpRequest r;
  const auto path_start = u.find('/', u.find("://") + 3);
  auto ep = ParseEndpoint(u.substr(0, path_start));
  REQUIRE(ep.ok());
  r.scheme = ep->scheme;
  r.host = ep->host;
  r.port = ep->port;
  std::string pathq = u.substr(path_start);
  r.path = pathq.substr(0, pathq.find('?'));
  std::string query = u.substr(u.find('?') + 1);
  std::size_t pos = 0;
  while (pos <= query.size()) {
    std::size_t amp = query.find('&', pos);
    if (amp == std::string::npos) amp = query.size();
    std::string kv = query.substr(pos, amp - pos);
    auto eq = kv.find('=');
    r.query.emplace_back(UriDecode(kv.substr(0, eq)).value(), UriDecode(kv.substr(eq + 1)).value());
    pos = amp + 1;
  }
  return r;
}

}  // namespace

TEST_CASE("Express: put, get, list and delete on a directory bucket share one CreateSession", "[express]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  CreateDirectoryBucket(c);
  CHECK(OpCount(*server, "CreateSession") == 0);  // CreateBucket uses the account's own credentials

  for (int i = 0; i < 10; ++i) Put(c, kBucket, "shard-" + std::to_string(i), "payload " + std::to_string(i));
  for (int i = 0; i < 10; ++i) CHECK(GetBody(c, kBucket, "shard-" + std::to_string(i)) == "payload " + std::to_string(i));
  ListObjectsV2Request l;
  l.bucket = kBucket;
  auto listing = c.ListObjectsV2(l);
  REQUIRE(listing.ok());
  CHECK(listing->contents.size() == 10);
  HeadObjectRequest h;
  h.bucket = kBucket;
  h.key = "shard-3";
  CHECK(c.HeadObject(h).ok());
  CHECK(c.HeadBucket(kBucket).ok());
  DeleteObjectRequest d;
  d.bucket = kBucket;
  d.key = "shard-0";
  CHECK(c.DeleteObject(d).ok());

  CHECK(OpCount(*server, "CreateSession") == 1);
  CHECK(OpCount(*server, "PutObject") == 10);
  CHECK(server->stats().auth_failures == 0);
}

TEST_CASE("Express: 8 threads of one client make exactly one CreateSession", "[express]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  CreateDirectoryBucket(c);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        PutObjectRequest p;
        p.bucket = kBucket;
        p.key = "t" + std::to_string(t) + "/" + std::to_string(i);
        p.data = "x";
        if (!c.PutObject(p).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures.load() == 0);
  CHECK(OpCount(*server, "CreateSession") == 1);
  CHECK(OpCount(*server, "PutObject") == 40);
}

TEST_CASE("Express: a session is refreshed when the client's and the mock's clocks pass its 5 minutes",
          "[express]") {
  auto server = StartMock();
  OffsetClock clock;
  Client c = MakeClient(MockOptions(*server), &clock);
  CreateDirectoryBucket(c);
  Put(c, kBucket, "k", "v1");
  CHECK(OpCount(*server, "CreateSession") == 1);

  clock.Advance(3min);  // 2 minutes left: still used
  server->AdvanceTime(3min);
  Put(c, kBucket, "k", "v2");
  CHECK(OpCount(*server, "CreateSession") == 1);

  clock.Advance(1min + 30s);  // 30 s left: refreshed ahead of expiry
  server->AdvanceTime(1min + 30s);
  CHECK(GetBody(c, kBucket, "k") == "v2");
  CHECK(OpCount(*server, "CreateSession") == 2);

  clock.Advance(6min);  // well past the second session too
  server->AdvanceTime(6min);
  CHECK(GetBody(c, kBucket, "k") == "v2");
  CHECK(OpCount(*server, "CreateSession") == 3);
  CHECK(server->stats().auth_failures == 0);  // never sent an expired session
}

TEST_CASE("Express: an ExpiredToken answer drops the cached session and the request succeeds with a new one",
          "[express]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));  // real clock: the client believes its session is fresh
  CreateDirectoryBucket(c);
  Put(c, kBucket, "k", "before");
  server->AdvanceTime(6min);  // only the server's clock moves: its session has expired
  CHECK(GetBody(c, kBucket, "k") == "before");
  CHECK(OpCount(*server, "GetObject") == 2);  // the rejected attempt and the retry
  CHECK(OpCount(*server, "CreateSession") == 2);
  CHECK(server->stats().auth_failures == 1);
  Put(c, kBucket, "k", "after");  // the new session is cached
  CHECK(OpCount(*server, "CreateSession") == 2);
}

TEST_CASE("Express: the mock answers InvalidToken for a session token it never issued", "[express]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  CreateDirectoryBucket(c);
  auto http = CurlHttpClient::Create();
  REQUIRE(http.ok());
  HttpRequest req = ParseUrl(server->endpoint_url() + "/" + kBucket + "/k?x=1");
  req.query.clear();
  SigV4Signer signer("s3express", SessionTokenKind::kS3ExpressSession);
  Credentials fake{"ASIAFAKESESSION", "fake-secret", "fake-token", std::nullopt, "test"};
  REQUIRE(signer.SignHeaders(req, fake, server->options().region, SystemClock().Now()).ok());
  auto resp = (*http)->Send(req, nullptr);
  REQUIRE(resp.ok());
  CHECK(resp->status == 400);
  CHECK_THAT(std::string(resp->body.view()), Catch::Contains("<Code>InvalidToken</Code>"));
}

TEST_CASE("Express: zonal requests signed with the account's keys instead of a session are refused",
          "[express]") {
  auto server = StartMock();
  ClientOptions o = MockOptions(*server);
  o.disable_s3_express_session_auth = true;
  Client c = MakeClient(o);
  CreateDirectoryBucket(c);  // bucket-level: allowed with the account's keys
  CHECK(c.HeadBucket(kBucket).ok());  // S3 Express allows IAM-signed HeadBucket
  PutObjectRequest p;
  p.bucket = kBucket;
  p.key = "k";
  p.data = "v";
  auto put = c.PutObject(p);
  REQUIRE_FALSE(put.ok());
  CHECK(put.status().code() == "AccessDenied");
  CHECK(put.status().http_status() == 403);
  CHECK_THAT(put.status().message(), Catch::Contains("CreateSession"));
  CHECK(OpCount(*server, "CreateSession") == 0);
}

TEST_CASE("Express: session credentials without the x-amz-s3session-token header are refused", "[express]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  CreateDirectoryBucket(c);
  CreateSessionRequest cs;
  cs.bucket = kBucket;
  auto session = c.CreateSession(cs);
  INFO(session.status().ToString());
  REQUIRE(session.ok());
  CHECK(session->credentials.access_key_id.rfind("ASIA", 0) == 0);
  CHECK_FALSE(session->credentials.session_token.empty());
  REQUIRE(session->credentials.expiration.has_value());
  const auto left = *session->credentials.expiration - server->Now();
  CHECK(left <= 300s);
  CHECK(left > 290s);

  // A client that treats them as ordinary STS credentials sends x-amz-security-token.
  ClientOptions o = MockOptions(*server);
  o.credentials = session->credentials;
  o.disable_s3_express_session_auth = true;
  Client sts_style = MakeClient(o);
  PutObjectRequest p;
  p.bucket = kBucket;
  p.key = "k";
  p.data = "v";
  auto put = sts_style.PutObject(p);
  REQUIRE_FALSE(put.ok());
  CHECK(put.status().code() == "AccessDenied");
  CHECK_THAT(put.status().message(), Catch::Contains("x-amz-s3session-token"));
}

TEST_CASE("Express: a session is scoped to its bucket", "[express]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  CreateDirectoryBucket(c, "one--use1-az4--x-s3");
  CreateDirectoryBucket(c, "two--use1-az4--x-s3");
  CreateSessionRequest cs;
  cs.bucket = "one--use1-az4--x-s3";
  auto session = c.CreateSession(cs);
  REQUIRE(session.ok());

  auto http = CurlHttpClient::Create();
  REQUIRE(http.ok());
  HttpRequest req = ParseUrl(server->endpoint_url() + "/two--use1-az4--x-s3/k?x=1");
  req.query.clear();
  SigV4Signer signer("s3express", SessionTokenKind::kS3ExpressSession);
  REQUIRE(signer.SignHeaders(req, session->credentials, server->options().region, SystemClock().Now()).ok());
  auto resp = (*http)->Send(req, nullptr);
  REQUIRE(resp.ok());
  CHECK(resp->status == 403);
  CHECK_THAT(std::string(resp->body.view()), Catch::Contains("AccessDenied") && Catch::Contains("one--use1-az4--x-s3"));

  // The same request to its own bucket is fine (404: no such key).
  HttpRequest own = ParseUrl(server->endpoint_url() + "/one--use1-az4--x-s3/k?x=1");
  own.query.clear();
  REQUIRE(signer.SignHeaders(own, session->credentials, server->options().region, SystemClock().Now()).ok());
  auto ok = (*http)->Send(own, nullptr);
  REQUIRE(ok.ok());
  CHECK(ok->status == 404);
}

TEST_CASE("Express: a ReadOnly session may read but not write", "[express]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  CreateDirectoryBucket(c);
  Put(c, kBucket, "k", "readable");
  CreateSessionRequest cs;
  cs.bucket = kBucket;
  cs.mode = SessionMode::kReadOnly;
  auto session = c.CreateSession(cs);
  REQUIRE(session.ok());
  auto http = CurlHttpClient::Create();
  REQUIRE(http.ok());
  SigV4Signer signer("s3express", SessionTokenKind::kS3ExpressSession);

  HttpRequest get = ParseUrl(server->endpoint_url() + "/" + kBucket + "/k?x=1");
  get.query.clear();
  REQUIRE(signer.SignHeaders(get, session->credentials, server->options().region, SystemClock().Now()).ok());
  auto got = (*http)->Send(get, nullptr);
  REQUIRE(got.ok());
  CHECK(got->status == 200);
  CHECK(got->body == "readable");

  HttpRequest put = ParseUrl(server->endpoint_url() + "/" + kBucket + "/k?x=1");
  put.query.clear();
  put.method = "PUT";
  put.body = MemoryBody("overwrite");
  REQUIRE(signer.SignHeaders(put, session->credentials, server->options().region, SystemClock().Now()).ok());
  auto denied = (*http)->Send(put, nullptr);
  REQUIRE(denied.ok());
  CHECK(denied->status == 403);
  CHECK_THAT(std::string(denied->body.view()), Catch::Contains("ReadWrite"));
  CHECK(GetBody(c, kBucket, "k") == "readable");
}

TEST_CASE("Express: presigned GET of a directory bucket carries the session token and works", "[express]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  CreateDirectoryBucket(c);
  Put(c, kBucket, "shared file", "presigned express");
  auto url = c.Presign("GET", kBucket, "shared file", 300s);
  INFO(url.status().ToString());
  REQUIRE(url.ok());
  CHECK_THAT(*url, Catch::Contains("X-Amz-S3session-Token=") && Catch::Contains("%2Fs3express%2F") &&
                       !Catch::Contains("X-Amz-Security-Token"));
  auto http = CurlHttpClient::Create();
  REQUIRE(http.ok());
  auto resp = (*http)->Send(ParseUrl(*url), nullptr);
  REQUIRE(resp.ok());
  CHECK(resp->status == 200);
  CHECK(resp->body == "presigned express");

  server->AdvanceTime(6min);  // the session behind the URL expires with it
  auto late = (*http)->Send(ParseUrl(*url), nullptr);
  REQUIRE(late.ok());
  CHECK(late->status == 400);
  CHECK_THAT(std::string(late->body.view()), Catch::Contains("ExpiredToken"));
}

TEST_CASE("Express: directory buckets refuse versioning (NotImplemented)", "[express]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  CreateDirectoryBucket(c);
  PutBucketVersioningRequest v;
  v.bucket = kBucket;
  v.status = VersioningStatus::kEnabled;
  Status st = c.PutBucketVersioning(v);
  REQUIRE_FALSE(st.ok());
  CHECK(st.code() == "NotImplemented");
  CHECK(st.http_status() == 501);
}

TEST_CASE("Express: malformed directory bucket names fail before any request", "[express]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  for (const char* bad : {"nozone--x-s3", "dots.in--use1-az4--x-s3", "Upper--use1-az4--x-s3"}) {
    CreateBucketRequest req;
    req.bucket = bad;
    auto r = c.CreateBucket(req);
    INFO(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().category() == ErrorCategory::kInvalidArgument);
  }
  CHECK(server->stats().requests == 0);
  CreateSessionRequest cs;
  cs.bucket = "general-purpose-bucket";
  auto s = c.CreateSession(cs);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().category() == ErrorCategory::kInvalidArgument);
}

TEST_CASE("Express: CreateSession on a missing directory bucket reports NoSuchBucket", "[express]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  CreateSessionRequest cs;
  cs.bucket = "absent--use1-az4--x-s3";
  auto s = c.CreateSession(cs);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == "NoSuchBucket");
  // A data request to it surfaces the same error through the session cache.
  PutObjectRequest p;
  p.bucket = cs.bucket;
  p.key = "k";
  p.data = "v";
  auto put = c.PutObject(p);
  REQUIRE_FALSE(put.ok());
  CHECK(put.status().code() == "NoSuchBucket");
  CHECK(put.status().operation() == "CreateSession");
}

TEST_CASE("Express: on AWS, directory buckets use the zonal and s3express-control endpoints", "[express]") {
  ClientOptions o;
  o.region = "us-west-2";
  o.credentials = Credentials{"AKIDEXAMPLE", "secret", "", std::nullopt, "test"};
  o.disable_imds = true;
  o.disable_s3_express_session_auth = true;  // presign with the account keys: no request needed
  Client c = MakeClient(o);
  auto url = c.Presign("GET", "data--usw2-az1--x-s3", "a/b.tar", 60s);
  REQUIRE(url.ok());
  CHECK_THAT(*url, Catch::StartsWith("https://data--usw2-az1--x-s3.s3express-usw2-az1.us-west-2.amazonaws.com/a/b.tar?"));
  CHECK_THAT(*url, Catch::Contains("%2Fus-west-2%2Fs3express%2Faws4_request"));
  // A general-purpose bucket is untouched.
  auto plain = c.Presign("GET", "plain-bucket", "k", 60s);
  REQUIRE(plain.ok());
  CHECK_THAT(*plain, Catch::StartsWith("https://plain-bucket.s3.us-west-2.amazonaws.com/k?"));
}

TEST_CASE("Express: multipart uploads and CopyObject on a directory bucket run through the session", "[express]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  CreateDirectoryBucket(c);
  CreateMultipartUploadRequest create;
  create.bucket = kBucket;
  create.key = "big.bin";
  auto upload = c.CreateMultipartUpload(create);
  INFO(upload.status().ToString());
  REQUIRE(upload.ok());
  const std::string part1 = RandomBytes(5 << 20, 1), part2 = RandomBytes(1000, 2);
  CompleteMultipartUploadRequest complete;
  complete.bucket = kBucket;
  complete.key = "big.bin";
  complete.upload_id = upload->upload_id;
  int n = 0;
  for (const std::string* data : {&part1, &part2}) {
    UploadPartRequest up;
    up.bucket = kBucket;
    up.key = "big.bin";
    up.upload_id = upload->upload_id;
    up.part_number = ++n;
    up.data = *data;
    auto part = c.UploadPart(up);
    INFO(part.status().ToString());
    REQUIRE(part.ok());
    CompletedPart done;
    done.part_number = n;
    done.etag = part->etag;
    complete.parts.push_back(done);
  }
  auto finished = c.CompleteMultipartUpload(complete);
  INFO(finished.status().ToString());
  REQUIRE(finished.ok());
  CHECK(GetBody(c, kBucket, "big.bin") == part1 + part2);

  CopyObjectRequest copy;
  copy.source_bucket = kBucket;
  copy.source_key = "big.bin";
  copy.bucket = kBucket;
  copy.key = "copy.bin";
  auto copied = c.CopyObject(copy);
  INFO(copied.status().ToString());
  REQUIRE(copied.ok());
  CHECK(GetBody(c, kBucket, "copy.bin").size() == part1.size() + part2.size());
  CHECK(OpCount(*server, "CreateSession") == 1);
  CHECK(server->stats().auth_failures == 0);
}
