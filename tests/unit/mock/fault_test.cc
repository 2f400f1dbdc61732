#include <catch2/catch.hpp>

#include <cerrno>
#include <thread>

#include "support/mock_requests.h"

using namespace s3ml;
using namespace s3ml::mock;
using namespace s3ml::mock::testing;

namespace {

std::unique_ptr<MockS3Server> AnonServer(std::uint64_t seed = 1) {
  MockS3Options o;
  o.allow_anonymous = true;
  o.seed = seed;
  return StartServer(o);
}

std::string RawGet(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra + "\r\n";
}

std::vector<int> Statuses(const Client& c, const std::string& path, int n) {
  std::vector<int> out;
  for (int i = 0; i < n; ++i) out.push_back(c.Get(path).status);
  return out;
}

}  // namespace

TEST_CASE("Faults: an exact nth schedule fails exactly those matching requests with 503 SlowDown") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("fff").status == 200);
  REQUIRE(c.Put(ObjPath("fff", "k"), "v").status == 200);
  FaultRule rule;
  rule.operation = "GetObject";
  rule.nth = {2, 4};
  server->AddFault(rule);
  CHECK(c.Head(ObjPath("fff", "k")).status == 200);  // other operations do not count
  auto r1 = c.Get(ObjPath("fff", "k"));
  auto r2 = c.Get(ObjPath("fff", "k"));
  CHECK(r1.status == 200);
  CHECK(r2.status == 503);
  CHECK(r2.Xml("/Error/Code") == "SlowDown");
  CHECK(r2.Xml("/Error/Resource") == "/fff/k");
  CHECK_FALSE(r2.Xml("/Error/RequestId").empty());
  CHECK(Statuses(c, ObjPath("fff", "k"), 3) == std::vector<int>{200, 503, 200});
  CHECK(server->stats().faults_injected == 2);
}

TEST_CASE("Faults: count fails the first N matches with the configured status and code") {
  auto server = StartServer();
  Client c(*server);
  FaultRule rule;
  rule.operation = "ListBuckets";
  rule.count = 2;
  rule.http_status = 500;
  rule.error_code = "InternalError";
  server->AddFault(rule);
  auto first = c.Get("/");
  CHECK(first.status == 500);
  CHECK(first.Xml("/Error/Code") == "InternalError");
  CHECK(Statuses(c, "/", 3) == std::vector<int>{500, 200, 200});
  server->ClearFaults();
  server->AddFault(FaultRule{});  // no schedule: every request
  CHECK(Statuses(c, "/", 2) == std::vector<int>{503, 503});
  server->ClearFaults();
  CHECK(c.Get("/").status == 200);
}

TEST_CASE("Faults: probability faults are deterministic for a seed and differ across seeds") {
  auto pattern = [](std::uint64_t seed) {
    auto server = AnonServer(seed);
    FaultRule rule;
    rule.operation = "ListBuckets";
    rule.probability = 0.3;
    server->AddFault(rule);
    Client c(*server);
    Request r;
    r.sign = Sign::kNone;
    std::vector<int> out;
    for (int i = 0; i < 120; ++i) out.push_back(c.Send(r).status);
    CHECK(server->stats().faults_injected ==
          static_cast<std::uint64_t>(std::count(out.begin(), out.end(), 503)));
    return out;
  };
  const auto a = pattern(42), b = pattern(42), other = pattern(43);
  CHECK(a == b);
  CHECK(a != other);
  const auto faults = std::count(a.begin(), a.end(), 503);
  CHECK(faults > 15);
  CHECK(faults < 60);
}

TEST_CASE("Faults: a connection reset reaches the client as a reset before any response byte") {
  auto server = AnonServer();
  FaultRule rule;
  rule.kind = FaultRule::Kind::kConnectionReset;
  rule.operation = "ListBuckets";
  rule.count = 1;
  server->AddFault(rule);
  auto raw = RawExchange(server->port(), RawGet("/"));
  CHECK(raw.received.empty());
  CHECK(raw.error == ECONNRESET);
  // The next request is served normally.
  auto ok = RawExchange(server->port(), RawGet("/"));
  CHECK(ok.error == 0);
  CHECK(ok.received.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(server->stats().faults_injected == 1);
}

TEST_CASE("Faults: a reset PutObject stores nothing and the httplib client reports a connection error") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("rrr").status == 200);
  FaultRule rule;
  rule.kind = FaultRule::Kind::kConnectionReset;
  rule.operation = "PutObject";
  rule.nth = {1};
  server->AddFault(rule);
  auto reset = c.Put(ObjPath("rrr", "k"), "payload");
  CHECK(reset.status == 0);
  CHECK(reset.error != httplib::Error::Success);
  CHECK(server->ObjectBody("rrr", "k").status().code() == "NoSuchKey");
  CHECK(c.Put(ObjPath("rrr", "k"), "payload").status == 200);
  CHECK(server->ObjectKeys("rrr").value() == std::vector<std::string>{"k"});
}

TEST_CASE("Faults: a truncated body sends the full Content-Length then stops after N bytes") {
  auto server = AnonServer();
  Client c(*server);
  Request mk;
  mk.sign = Sign::kNone;
  mk.method = "PUT";
  mk.path = "/ttt";
  REQUIRE(c.Send(mk).status == 200);
  Request put = mk;
  put.path = ObjPath("ttt", "big");
  put.body = std::string(100000, 'z');
  REQUIRE(c.Send(put).status == 200);
  FaultRule rule;
  rule.kind = FaultRule::Kind::kTruncateBody;
  rule.operation = "GetObject";
  rule.truncate_after = 1000;
  rule.count = 2;
  server->AddFault(rule);

  auto raw = RawExchange(server->port(), RawGet("/ttt/big"));
  auto header_end = raw.received.find("\r\n\r\n");
  REQUIRE(header_end != std::string::npos);
  CHECK(raw.received.find("Content-Length: 100000") != std::string::npos);
  CHECK(raw.received.size() - (header_end + 4) == 1000);

  Request get = mk;
  get.method = "GET";
  get.path = ObjPath("ttt", "big");
  auto cut = c.Send(get);
  CHECK(cut.error != httplib::Error::Success);  // the client notices the short body
  auto whole = c.Send(get);
  CHECK(whole.status == 200);
  CHECK(whole.body.size() == 100000);
}

TEST_CASE("Faults: latency delays matching requests only, and key_prefix narrows the match") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("lat").status == 200);
  REQUIRE(c.Put(ObjPath("lat", "slow/a"), "a").status == 200);
  REQUIRE(c.Put(ObjPath("lat", "fast/a"), "a").status == 200);
  FaultRule rule;
  rule.kind = FaultRule::Kind::kLatency;
  rule.latency = std::chrono::milliseconds(300);
  rule.key_prefix = "slow/";
  server->AddFault(rule);
  auto t0 = std::chrono::steady_clock::now();
  CHECK(c.Get(ObjPath("lat", "slow/a")).body == "a");
  auto slow = std::chrono::steady_clock::now() - t0;
  t0 = std::chrono::steady_clock::now();
  CHECK(c.Get(ObjPath("lat", "fast/a")).body == "a");
  auto fast = std::chrono::steady_clock::now() - t0;
  CHECK(slow >= std::chrono::milliseconds(300));
  CHECK(fast < std::chrono::milliseconds(300));
}

TEST_CASE("Faults: stopping the server interrupts injected latency") {
  auto server = AnonServer();
  FaultRule rule;
  rule.kind = FaultRule::Kind::kLatency;
  rule.latency = std::chrono::seconds(30);
  server->AddFault(rule);
  std::thread client([port = server->port()] { RawExchange(port, RawGet("/"), std::chrono::seconds(20)); });
  while (server->stats().faults_injected == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto t0 = std::chrono::steady_clock::now();
  server->Stop();
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
  client.join();
}
