// Retries under injected faults (in-process mock only): 503 schedules, connection
// resets, truncated bodies, exhausted retries.

#include <unistd.h>

#include <catch2/catch.hpp>

#include "support/test_support.h"

using namespace s3ml;
using namespace s3ml::test;

namespace {

mock::FaultRule Rule(mock::FaultRule::Kind kind, const char* op, std::vector<int> nth = {}, int count = 0) {
  mock::FaultRule r;
  r.kind = kind;
  r.operation = op;
  r.nth = std::move(nth);
  r.count = count;
  return r;
}

struct Fixture {
  std::unique_ptr<mock::MockS3Server> server = StartMock();
  RecordingSleeper sleeper;
  Client client = ClientWithSleeper(Options(), &sleeper);
  std::string bucket = "faults";

  Fixture() { REQUIRE(client.CreateBucket(CreateBucketRequest{bucket, ""}).ok()); }
  ClientOptions Options() const {
    ClientOptions o = MockOptions(*server);
    o.retry.max_attempts = 3;
    o.retry.jitter_seed = 42;
    return o;
  }
  std::uint64_t Requests() const { return server->stats().requests; }
  Result<GetObjectResult> Get(const std::string& key) const {
    GetObjectRequest g;
    g.bucket = bucket;
    g.key = key;
    return client.GetObject(g);
  }
};

}  // namespace

TEST_CASE("Retries: a GET failing twice with 503 SlowDown then succeeding returns the right bytes after 3 requests",
          "[faults]") {
  Fixture f;
  std::string data = RandomBytes(64 * 1024, 11);
  Put(f.client, f.bucket, "obj", data);
  f.server->AddFault(Rule(mock::FaultRule::Kind::kHttpError, "GetObject", {1, 2}));
  std::uint64_t before = f.Requests();
  auto got = f.Get("obj");
  INFO(got.status().ToString());
  REQUIRE(got.ok());
  CHECK(got->body == data);
  CHECK(got->attempts == 3);  // reported, so callers can count the retries a success needed
  CHECK(f.Requests() - before == 3);
  CHECK(f.server->stats().faults_injected == 2);
  CHECK(f.sleeper.delays().size() == 2);  // two backoffs, no real sleeping
}

TEST_CASE("Retries: a PUT retried after a connection reset stores exactly one object with the right bytes",
          "[faults]") {
  Fixture f;
  std::string data = RandomBytes(100 * 1024, 12);
  f.server->AddFault(Rule(mock::FaultRule::Kind::kConnectionReset, "PutObject", {1}));
  std::uint64_t before = f.Requests();
  PutObjectRequest p;
  p.bucket = f.bucket;
  p.key = "put-after-reset";
  p.data = data;
  auto put = f.client.PutObject(p);
  INFO(put.status().ToString());
  REQUIRE(put.ok());
  CHECK(f.Requests() - before == 2);
  ListObjectsV2Request l;
  l.bucket = f.bucket;
  auto list = f.client.ListObjectsV2(l);
  REQUIRE(list.ok());
  REQUIRE(list->contents.size() == 1);
  CHECK(list->contents[0].key == "put-after-reset");
  CHECK(list->contents[0].size == data.size());
  auto got = f.Get("put-after-reset");
  REQUIRE(got.ok());
  CHECK(got->body == data);
}

TEST_CASE("Retries: a truncated GET body is retried and the full object returned", "[faults]") {
  Fixture f;
  std::string data = RandomBytes(200 * 1024, 13);
  Put(f.client, f.bucket, "cut", data);
  auto rule = Rule(mock::FaultRule::Kind::kTruncateBody, "GetObject", {1});
  rule.truncate_after = 1000;
  f.server->AddFault(rule);
  std::uint64_t before = f.Requests();
  auto got = f.Get("cut");
  INFO(got.status().ToString());
  REQUIRE(got.ok());
  CHECK(got->body.size() == data.size());
  CHECK(got->body == data);
  CHECK(f.Requests() - before == 2);
}

TEST_CASE("Retries: a body truncated on every attempt is an error, never silent", "[faults]") {
  Fixture f;
  std::string data = RandomBytes(50 * 1024, 14);
  Put(f.client, f.bucket, "always-cut", data);
  auto rule = Rule(mock::FaultRule::Kind::kTruncateBody, "GetObject", {}, 1000);
  rule.truncate_after = 10;
  f.server->AddFault(rule);
  auto got = f.Get("always-cut");
  REQUIRE_FALSE(got.ok());
  const Status& s = got.status();
  CHECK(s.category() == ErrorCategory::kNetwork);
  CHECK(s.attempts() == 3);
  CHECK_THAT(s.ToString(), Catch::StartsWith("GetObject s3://faults/always-cut: ") &&
                               Catch::Contains("gave up after 3 attempts"));
  // To a file: no partial file is left behind.
  std::string path = std::string(S3ML_BINARY_DIR) + "/it-cut-" + std::to_string(::getpid()) + ".bin";
  GetObjectRequest g;
  g.bucket = f.bucket;
  g.key = "always-cut";
  CHECK_FALSE(f.client.GetObjectToFile(g, path).ok());
  CHECK(::access(path.c_str(), F_OK) != 0);
}

TEST_CASE("Retries: a callback download cut after delivering bytes fails instead of delivering them twice",
          "[faults]") {
  Fixture f;
  std::string data = RandomBytes(80 * 1024, 15);
  Put(f.client, f.bucket, "stream", data);
  auto rule = Rule(mock::FaultRule::Kind::kTruncateBody, "GetObject", {1});
  rule.truncate_after = 4096;
  f.server->AddFault(rule);
  std::string received;
  GetObjectRequest g;
  g.bucket = f.bucket;
  g.key = "stream";
  const std::uint64_t before = f.Requests();
  auto got = f.client.GetObject(g, [&](const char* p, std::size_t n) {
    received.append(p, n);
    return Status::Ok();
  });
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == "RetryAfterPartialDelivery");
  CHECK(f.Requests() - before == 1);  // no second request whose answer would only be refused
  CHECK(got.status().attempts() == 1);
  CHECK_THAT(got.status().ToString(), Catch::StartsWith("GetObject s3://faults/stream: ") &&
                                          Catch::Contains("would receive those bytes twice"));
  CHECK(received.size() <= 4096);
  CHECK(received == data.substr(0, received.size()));  // what arrived is a clean prefix, no duplicates

  // A failure before any byte was delivered is retried normally.
  f.server->AddFault(Rule(mock::FaultRule::Kind::kHttpError, "GetObject", {2}));
  received.clear();
  auto ok = f.client.GetObject(g, [&](const char* p, std::size_t n) {
    received.append(p, n);
    return Status::Ok();
  });
  INFO(ok.status().ToString());
  REQUIRE(ok.ok());
  CHECK(received == data);
}

TEST_CASE("Retries: exhausted retries name the operation, resource, code and attempts", "[faults]") {
  Fixture f;
  Put(f.client, f.bucket, "busy", "x");
  f.server->AddFault(Rule(mock::FaultRule::Kind::kHttpError, "GetObject", {}, 1000));
  std::uint64_t before = f.Requests();
  auto got = f.Get("busy");
  REQUIRE_FALSE(got.ok());
  const Status& s = got.status();
  CHECK(s.code() == "SlowDown");
  CHECK(s.http_status() == 503);
  CHECK(s.attempts() == 3);
  CHECK(f.Requests() - before == 3);
  std::string msg = s.ToString();
  CHECK_THAT(msg, Catch::StartsWith("GetObject s3://faults/busy: SlowDown (HTTP 503") &&
                      Catch::EndsWith("gave up after 3 attempts"));
  CHECK(f.sleeper.delays().size() == 2);
}

TEST_CASE("Retries: a non-retryable error is not retried", "[faults]") {
  Fixture f;
  std::uint64_t before = f.Requests();
  auto got = f.Get("absent");
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == "NoSuchKey");
  CHECK(f.Requests() - before == 1);
  CHECK(f.sleeper.delays().empty());
}

TEST_CASE("Retries: CopyObject, ListObjectsV2 and DeleteObjects recover from 500 InternalError", "[faults]") {
  Fixture f;
  Put(f.client, f.bucket, "src", "copy me");
  for (const char* op : {"CopyObject", "ListObjectsV2", "DeleteObjects"}) {
    auto rule = Rule(mock::FaultRule::Kind::kHttpError, op, {1});
    rule.http_status = 500;
    rule.error_code = "InternalError";
    f.server->AddFault(rule);
  }
  CopyObjectRequest cp;
  cp.source_bucket = f.bucket;
  cp.source_key = "src";
  cp.bucket = f.bucket;
  cp.key = "dst";
  auto copied = f.client.CopyObject(cp);
  INFO(copied.status().ToString());
  REQUIRE(copied.ok());
  ListObjectsV2Request l;
  l.bucket = f.bucket;
  auto list = f.client.ListObjectsV2(l);
  REQUIRE(list.ok());
  CHECK(list->contents.size() == 2);
  DeleteObjectsRequest d;
  d.bucket = f.bucket;
  d.objects = {{"src", ""}, {"dst", ""}};
  auto del = f.client.DeleteObjects(d);
  INFO(del.status().ToString());
  REQUIRE(del.ok());
  CHECK(del->deleted.size() == 2);
}

TEST_CASE("Retries: added latency is tolerated and does not trigger retries", "[faults]") {
  Fixture f;
  Put(f.client, f.bucket, "slow", "patience");
  auto rule = Rule(mock::FaultRule::Kind::kLatency, "GetObject", {1});
  rule.latency = std::chrono::milliseconds(300);
  f.server->AddFault(rule);
  std::uint64_t before = f.Requests();
  auto got = f.Get("slow");
  REQUIRE(got.ok());
  CHECK(got->body == "patience");
  CHECK(f.Requests() - before == 1);
}

TEST_CASE("Addressing: virtual-hosted requests (bucket.localhost) reach the mock and round trip", "[addressing]") {
  auto server = StartMock();
  ClientOptions o = MockOptions(*server);
  o.endpoint_url = "http://localhost:" + std::to_string(server->port());
  o.addressing = AddressingStyle::kVirtualHosted;
  auto c = Client::Create(o);
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  auto created = c->CreateBucket(CreateBucketRequest{"vhost-bucket", ""});
  INFO(created.status().ToString());
  REQUIRE(created.ok());
  for (const std::string& key : {std::string("a b/c+d=e"), std::string("trailing/"), std::string("x//y")}) {
    INFO(key);
    Put(*c, "vhost-bucket", key, "vhost " + key);
    GetObjectRequest g;
    g.bucket = "vhost-bucket";
    g.key = key;
    auto got = c->GetObject(g);
    INFO(got.status().ToString());
    REQUIRE(got.ok());
    CHECK(got->body == "vhost " + key);
  }
  ListObjectsV2Request l;
  l.bucket = "vhost-bucket";
  auto list = c->ListObjectsV2(l);
  REQUIRE(list.ok());
  CHECK(list->contents.size() == 3);
  // The same objects are visible path-style: both addressings name the same bucket.
  auto path_client = Client::Create(MockOptions(*server));
  REQUIRE(path_client.ok());
  GetObjectRequest g;
  g.bucket = "vhost-bucket";
  g.key = "x//y";
  auto got = path_client->GetObject(g);
  REQUIRE(got.ok());
  CHECK(got->body == "vhost x//y");
}
