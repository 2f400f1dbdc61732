// x-s3ml-fault instructions and fault plans (docs/reliability.md, "Fault conformance").
#include <catch2/catch.hpp>

#include <cerrno>
#include <chrono>

#include "common/crypto.h"
#include "common/time.h"
#include "support/mock_requests.h"

using namespace s3ml;
using namespace s3ml::mock;
using namespace s3ml::mock::testing;

namespace {

std::string AnonGet(const std::string& target, const std::string& fault) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nx-s3ml-fault: " + fault + "\r\n\r\n";
}

std::unique_ptr<MockS3Server> AnonServer() {
  MockS3Options o;
  o.allow_anonymous = true;
  return StartServer(o);
}

std::string Body(const std::string& raw) {
  auto p = raw.find("\r\n\r\n");
  return p == std::string::npos ? std::string() : raw.substr(p + 4);
}

// A request whose x-s3ml-fault header is added after signing: not covered by the signature.
Request UnsignedFault(std::string method, std::string path, std::string fault, std::string body = {}) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = std::move(body);
  r.after_sign = [fault](HttpRequest& signed_request) { signed_request.headers.Set("x-s3ml-fault", fault); };
  return r;
}

}  // namespace

TEST_CASE("ParseFaultInstruction: every documented form parses to its kind and parameters") {
  auto p = [](const std::string& s) {
    auto r = ParseFaultInstruction(s);
    INFO(s << ": " << (r.ok() ? std::string("ok") : r.status().ToString()));
    REQUIRE(r.ok());
    return *r;
  };
  CHECK(p("return-503").kind == FaultRule::Kind::kHttpError);
  CHECK(p("return-503").error_code == "SlowDown");
  CHECK(p("return-500").error_code == "InternalError");
  CHECK(p("return-404-NoSuchKey").http_status == 404);
  CHECK(p("return-404-NoSuchKey").error_code == "NoSuchKey");
  auto after = p("return-503-after-256K");
  CHECK(after.kind == FaultRule::Kind::kErrorAfterBytes);
  CHECK(after.after_bytes == 256 * 1024);
  CHECK(p("return-500-InternalError-after-2M").after_bytes == 2u * 1024 * 1024);
  CHECK(p("reset").kind == FaultRule::Kind::kConnectionReset);
  CHECK(p("reset-after-1M").kind == FaultRule::Kind::kResetAfterBytes);
  CHECK(p("reset-after-1M").after_bytes == 1024u * 1024);
  auto stall = p("stall-for-10s-after-64K");
  CHECK(stall.kind == FaultRule::Kind::kStall);
  CHECK(stall.latency == std::chrono::seconds(10));
  CHECK(stall.after_bytes == 64 * 1024);
  CHECK(p("stall-for-250ms").after_bytes == 0);
  CHECK(p("corrupt-body-after-100").after_bytes == 100);
  CHECK(p("corrupt-body").kind == FaultRule::Kind::kCorruptBody);
  CHECK(p("200-with-error").kind == FaultRule::Kind::kErrorInOkBody);
  CHECK(p("200-with-error").error_code == "InternalError");
  CHECK(p("200-with-error-SlowDown").error_code == "SlowDown");
  CHECK(p("skew-clock-20m").clock_skew == std::chrono::minutes(20));
  CHECK(p("change-object-after-8K").kind == FaultRule::Kind::kChangeObject);
  CHECK(p("slowdown-for-3-requests").repeat == 3);
  CHECK(p("truncate-after-1K").truncate_after == 1024);
  CHECK(p("delay-2s").latency == std::chrono::seconds(2));
}

TEST_CASE("ParseFaultInstruction: a malformed or unknown instruction is kInvalidArgument naming it") {
  for (const char* bad : {"", "return", "return-200", "return-5033", "return-503-", "reset-after-", "reset-after-1X",
                          "reset-after-2000G", "stall-for-10", "stall-for-11m", "skew-clock-5ms", "slowdown-for-0-requests",
                          "slowdown-for-3", "explode", "corrupt-body-before-3", "200-with-error-", "return-503-Slow Down"}) {
    auto r = ParseFaultInstruction(bad);
    INFO(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().category() == ErrorCategory::kInvalidArgument);
    CHECK(r.status().message().find("'" + std::string(bad) + "'") != std::string::npos);
  }
}

TEST_CASE("x-s3ml-fault: return-503 answers SlowDown naming the instruction, signed or added after signing") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("hdr").status == 200);
  REQUIRE(c.Put(ObjPath("hdr", "k"), "value").status == 200);
  auto signed_fault = c.Get(ObjPath("hdr", "k"), {{"x-s3ml-fault", "return-503"}});
  CHECK(signed_fault.status == 503);
  CHECK(signed_fault.Xml("/Error/Code") == "SlowDown");
  CHECK(signed_fault.Xml("/Error/Message").find("return-503") != std::string::npos);
  auto unsigned_fault = c.Send(UnsignedFault("GET", ObjPath("hdr", "k"), "return-500-InternalError"));
  CHECK(unsigned_fault.status == 500);
  CHECK(unsigned_fault.Xml("/Error/Code") == "InternalError");
  CHECK(c.Get(ObjPath("hdr", "k")).body == "value");  // per request: the next one is clean
  CHECK(server->stats().faults_injected == 2);
}

TEST_CASE("x-s3ml-fault: an unknown instruction is 400 InvalidArgument naming it, and the operation does not run") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("bad").status == 200);
  auto r = c.Send(UnsignedFault("PUT", ObjPath("bad", "k"), "return-503-after-lots", "data"));
  CHECK(r.status == 400);
  CHECK(r.Xml("/Error/Code") == "InvalidArgument");
  CHECK(r.Xml("/Error/ArgumentName") == "x-s3ml-fault");
  CHECK(r.Xml("/Error/ArgumentValue") == "return-503-after-lots");
  CHECK(r.Xml("/Error/Message").find("'return-503-after-lots'") != std::string::npos);
  CHECK_FALSE(server->ObjectBody("bad", "k").ok());
}

TEST_CASE("x-s3ml-fault: a failing PUT stores nothing; reset-after on a PUT stores it and loses the answer") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("wrt").status == 200);
  CHECK(c.Send(UnsignedFault("PUT", ObjPath("wrt", "a"), "return-503-after-1K", std::string(4096, 'a'))).status == 503);
  CHECK_FALSE(server->ObjectBody("wrt", "a").ok());
  CHECK(c.Send(UnsignedFault("PUT", ObjPath("wrt", "b"), "200-with-error", "bbb")).status == 200);
  CHECK_FALSE(server->ObjectBody("wrt", "b").ok());
  auto lost = c.Send(UnsignedFault("PUT", ObjPath("wrt", "c"), "reset-after-1M", "ccc"));
  CHECK(lost.status == 0);  // connection reset, no answer
  CHECK(server->ObjectBody("wrt", "c").value() == "ccc");
}

TEST_CASE("x-s3ml-fault: return-503-after-N sends 200, the full Content-Length and N bytes, then closes") {
  auto server = AnonServer();
  Client c(*server);
  const std::string data(1 << 20, 'x');
  REQUIRE(c.CreateBucket("aft").status == 200);
  REQUIRE(c.Put(ObjPath("aft", "big"), data).status == 200);
  auto raw = RawExchange(server->port(), AnonGet("/aft/big", "return-503-after-256K"));
  CHECK(raw.received.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(raw.received.find("Content-Length: 1048576") != std::string::npos);
  CHECK(Body(raw.received).size() == 256 * 1024);
  // A read no longer than N: the error answer instead.
  auto small = RawExchange(server->port(), AnonGet("/aft/big", "return-503-after-2M"));
  CHECK(small.received.rfind("HTTP/1.1 503", 0) == 0);
}

TEST_CASE("x-s3ml-fault: reset-after-N resets after exactly N body bytes") {
  auto server = AnonServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("rst").status == 200);
  REQUIRE(c.Put(ObjPath("rst", "big"), std::string(300000, 'r')).status == 200);
  auto raw = RawExchange(server->port(), AnonGet("/rst/big", "reset-after-64K"));
  CHECK(raw.error == ECONNRESET);
  CHECK(raw.received.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(Body(raw.received).size() <= 64 * 1024);  // a reset may discard bytes in flight
  auto none = RawExchange(server->port(), AnonGet("/rst/big", "reset-after-1M"));
  CHECK(none.error == ECONNRESET);
  CHECK(none.received.empty());
}

TEST_CASE("x-s3ml-fault: corrupt-body-after-N inverts 16 bytes at N, length unchanged") {
  auto server = AnonServer();
  Client c(*server);
  std::string data(4096, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  REQUIRE(c.CreateBucket("cor").status == 200);
  REQUIRE(c.Put(ObjPath("cor", "k"), data).status == 200);
  auto raw = RawExchange(server->port(), AnonGet("/cor/k", "corrupt-body-after-1000"));
  const std::string body = Body(raw.received);
  REQUIRE(body.size() == data.size());
  for (std::size_t i = 0; i < data.size(); ++i) {
    const bool flipped = i >= 1000 && i < 1016;
    CHECK(body[i] == (flipped ? static_cast<char>(~data[i]) : data[i]));
  }
  // A request body is corrupted as received: the signed payload hash no longer matches.
  auto put = c.Put(ObjPath("cor", "k2"), data, {{"x-s3ml-fault", "corrupt-body-after-10"}});
  CHECK(put.status == 400);
  CHECK(put.Xml("/Error/Code") == "XAmzContentSHA256Mismatch");
  CHECK_FALSE(server->ObjectBody("cor", "k2").ok());
}

TEST_CASE("x-s3ml-fault: 200-with-error answers HTTP 200 with an S3 Error document") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("okk").status == 200);
  auto r = c.Send(UnsignedFault("PUT", ObjPath("okk", "k"), "200-with-error-SlowDown", "x"));
  CHECK(r.status == 200);
  CHECK(r.Xml("/Error/Code") == "SlowDown");
}

TEST_CASE("x-s3ml-fault: skew-clock refuses a request signed with real time and stamps a skewed Date") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("skw").status == 200);
  auto r = c.Send(UnsignedFault("GET", "/skw", "skew-clock-20m"));
  CHECK(r.status == 403);
  CHECK(r.Xml("/Error/Code") == "RequestTimeTooSkewed");
  auto date = ParseHttpDate(r.Header("Date"));
  REQUIRE(date.ok());
  CHECK(*date - SystemClock().Now() > std::chrono::minutes(19));
  // A client that corrected its clock from that Date passes.
  Request corrected = UnsignedFault("GET", "/skw", "skew-clock-20m");
  corrected.time = *date;
  auto ok = c.Send(corrected);
  CHECK(ok.status == 200);
}

TEST_CASE("x-s3ml-fault: change-object-after-N replaces the object once N bytes were served") {
  auto server = AnonServer();
  Client c(*server);
  const std::string data(100000, 'o');
  REQUIRE(c.CreateBucket("chg").status == 200);
  REQUIRE(c.Put(ObjPath("chg", "k"), data).status == 200);
  const std::string etag = c.Head(ObjPath("chg", "k")).Header("ETag");
  auto raw = RawExchange(server->port(), AnonGet("/chg/k", "change-object-after-10K"));
  CHECK(Body(raw.received) == data);  // the response in flight keeps the old bytes
  auto stored = server->ObjectBody("chg", "k");
  REQUIRE(stored.ok());
  CHECK(stored->size() == data.size());
  CHECK(*stored != data);
  CHECK(c.Head(ObjPath("chg", "k")).Header("ETag") != etag);
  CHECK(c.Get(ObjPath("chg", "k"), {{"If-Match", etag}}).status == 412);
}

TEST_CASE("x-s3ml-fault: slowdown-for-N-requests refuses N requests carrying it, then lets one through") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("slw").status == 200);
  std::vector<int> statuses;
  for (int i = 0; i < 6; ++i) statuses.push_back(c.Send(UnsignedFault("GET", "/slw", "slowdown-for-2-requests")).status);
  CHECK(statuses == std::vector<int>{503, 503, 200, 503, 503, 200});
}

TEST_CASE("x-s3ml-fault: stall-for-D-after-N pauses the body and then completes it") {
  auto server = AnonServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("stl").status == 200);
  REQUIRE(c.Put(ObjPath("stl", "k"), std::string(200000, 's')).status == 200);
  const auto start = std::chrono::steady_clock::now();
  auto raw = RawExchange(server->port(), AnonGet("/stl/k", "stall-for-300ms-after-64K"));
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(300));
  CHECK(Body(raw.received).size() == 200000);
}

TEST_CASE("Fault plans: instructions are consumed once, in order, per operation, and reported") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("pln").status == 200);
  REQUIRE(c.Put(ObjPath("pln", "k"), "v").status == 200);
  FaultPlan plan;
  plan.instructions["GetObject"] = {"return-503", "return-500-InternalError"};
  plan.instructions["*"] = {"slowdown-for-2-requests"};
  auto id = server->CreateFaultPlan(plan);
  REQUIRE(id.ok());
  auto get = [&] { return c.Get(ObjPath("pln", "k"), {{"x-s3ml-fault-plan", *id}}).status; };
  auto head = [&] { return c.Head(ObjPath("pln", "k"), {{"x-s3ml-fault-plan", *id}}).status; };
  CHECK(get() == 503);
  CHECK(head() == 503);  // "*" for operations without a list of their own
  CHECK(get() == 500);
  auto status = server->GetFaultPlan(*id);
  REQUIRE(status.ok());
  REQUIRE(status->fired.size() == 3);
  CHECK(status->fired[0].instruction == "return-503");
  CHECK(status->fired[1].operation == "HeadObject");
  CHECK(status->fired[1].instruction == "slowdown-for-2-requests");
  CHECK(status->remaining.at("*") == std::vector<std::string>{"slowdown-for-2-requests"});
  CHECK_FALSE(status->completed());
  CHECK(get() == 503);  // GetObject's list is done: the "*" list
  CHECK(get() == 200);
  CHECK(head() == 200);
  CHECK(server->GetFaultPlan(*id)->completed());
  CHECK(server->DeleteFaultPlan(*id));
  CHECK_FALSE(server->DeleteFaultPlan(*id));
  auto gone = c.Get(ObjPath("pln", "k"), {{"x-s3ml-fault-plan", *id}});
  CHECK(gone.status == 400);
  CHECK(gone.Xml("/Error/ArgumentName") == "x-s3ml-fault-plan");
  CHECK(server->GetFaultPlan(*id).status().code() == "NoSuchFaultPlan");
}

TEST_CASE("Fault plans: a malformed instruction or operation is refused at creation, naming it") {
  auto server = StartServer();
  FaultPlan bad;
  bad.instructions["GetObject"] = {"return-503", "explode-now"};
  auto r = server->CreateFaultPlan(bad);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("'explode-now'") != std::string::npos);
  FaultPlan bad_op;
  bad_op.instructions["GetObjects"] = {"return-503"};
  auto r2 = server->CreateFaultPlan(bad_op);
  REQUIRE_FALSE(r2.ok());
  CHECK(r2.status().message().find("'GetObjects'") != std::string::npos);
}

TEST_CASE("Fault plans: skew-clock leaves the plan's later requests checked at the skewed time") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("psk").status == 200);
  FaultPlan plan;
  plan.instructions["ListObjectsV2"] = {"skew-clock-20m"};
  auto id = server->CreateFaultPlan(plan);
  REQUIRE(id.ok());
  Request list;
  list.path = "/psk";
  list.query = {{"list-type", "2"}};
  list.headers = {{"x-s3ml-fault-plan", *id}};
  auto first = c.Send(list);
  CHECK(first.Xml("/Error/Code") == "RequestTimeTooSkewed");
  CHECK(c.Send(list).status == 403);  // still signed with real time: still skewed
  list.time = SystemClock().Now() + std::chrono::minutes(20);
  CHECK(c.Send(list).status == 200);
  CHECK(server->GetFaultPlan(*id)->clock_skew == std::chrono::minutes(20));
}

TEST_CASE("Admin API: unsigned, wrongly signed or other-key requests are 403 AccessDenied") {
  auto server = AnonServer();  // even a server that accepts anonymous S3 requests
  Client c(*server);
  Request unsigned_post;
  unsigned_post.method = "POST";
  unsigned_post.path = "/_s3ml/fault-plans";
  unsigned_post.body = R"({"instructions": {"GetObject": ["return-503"]}})";
  unsigned_post.sign = Sign::kNone;
  auto r = c.Send(unsigned_post);
  CHECK(r.status == 403);
  CHECK(r.Xml("/Error/Code") == "AccessDenied");
  Client stranger(*server, Credentials{"AKIASTRANGER", "other-secret", "", std::nullopt, "test"});
  Request signed_post = unsigned_post;
  signed_post.sign = Sign::kHeader;
  CHECK(stranger.Send(signed_post).status == 403);
  Request tampered = signed_post;
  tampered.after_sign = [](HttpRequest& req) { req.path = "/_s3ml/clock"; };
  CHECK(c.Send(tampered).status == 403);
}

TEST_CASE("Admin API: create, inspect and delete a plan, and advance the clock, as JSON") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("adm").status == 200);
  Request post;
  post.method = "POST";
  post.path = "/_s3ml/fault-plans";
  post.body = R"({"instructions": {"GetObject": ["return-503"]}})";
  auto created = c.Send(post);
  REQUIRE(created.status == 200);
  const auto id_pos = created.body.find("\"id\": \"");
  REQUIRE(id_pos != std::string::npos);
  const std::string id = created.body.substr(id_pos + 7, created.body.find('"', id_pos + 7) - id_pos - 7);
  CHECK(c.Get("/adm/none", {{"x-s3ml-fault-plan", id}}).status == 503);
  auto status = c.Get("/_s3ml/fault-plans/" + id);
  CHECK(status.status == 200);
  CHECK(status.body.find("\"completed\": true") != std::string::npos);
  CHECK(status.body.find("\"instruction\": \"return-503\"") != std::string::npos);
  Request del;
  del.method = "DELETE";
  del.path = "/_s3ml/fault-plans/" + id;
  CHECK(c.Send(del).status == 204);
  CHECK(c.Get("/_s3ml/fault-plans/" + id).status == 404);

  Request bad = post;
  bad.body = R"({"instructions": {"GetObject": ["return-999"]}})";
  auto refused = c.Send(bad);
  CHECK(refused.status == 400);
  CHECK(refused.Xml("/Error/Message").find("'return-999'") != std::string::npos);

  const auto before = server->Now();
  Request clock;
  clock.method = "POST";
  clock.path = "/_s3ml/clock";
  clock.body = R"({"advance_seconds": 86400})";
  CHECK(c.Send(clock).status == 200);
  CHECK(server->Now() - before >= std::chrono::hours(24));
  clock.body = R"({"advance_seconds": -5})";
  CHECK(c.Send(clock).status == 400);
}
