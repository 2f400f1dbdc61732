// SelectObjectContent end to end: client <-> in-process mock over the event stream,
// and the client's local fallback (force_local, and a server answering 501).

#include <zlib.h>

#include <catch2/catch.hpp>

#include <string>

#include "support/test_support.h"
#include "select/event_stream.h"
#include "transport/http_client.h"

using namespace s3ml;
using namespace s3ml::test;

namespace {

const char* kPeopleCsv =
    "name,age,city\n"
    "alice,34,paris\n"
    "bob,27,berlin\n"
    "carol,41,\"new york, ny\"\n"
    "dave,19,rome\n";

const char* kPeopleJsonLines =
    "{\"name\":\"alice\",\"age\":34}\n"
    "{\"name\":\"bob\",\"age\":27}\n"
    "{\"name\":\"carol\",\"age\":41}\n";

std::string Gzip(const std::string& data) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(&out[0]);
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

struct Fixture {
  std::unique_ptr<mock::MockS3Server> server = StartMock();
  RecordingSleeper sleeper;
  Client client = ClientWithSleeper(Options(), &sleeper);
  std::string bucket = "select";

  Fixture() { REQUIRE(client.CreateBucket(CreateBucketRequest{bucket, ""}).ok()); }
  ClientOptions Options() const {
    ClientOptions o = MockOptions(*server);
    o.retry.max_attempts = 2;
    return o;
  }
  SelectObjectContentRequest Csv(const std::string& key, const std::string& sql) const {
    SelectObjectContentRequest r;
    r.bucket = bucket;
    r.key = key;
    r.sql = sql;
    r.input.file_header_info = CsvFileHeaderInfo::kUse;
    return r;
  }
  std::uint64_t SelectRequests() const {
    auto s = server->stats();
    auto it = s.requests_by_operation.find("SelectObjectContent");
    return it == s.requests_by_operation.end() ? 0 : it->second;
  }
};

struct Collected {
  Status status;
  std::string records;
  int calls = 0;
  SelectStats stats;
};

Collected Run(const Client& c, const SelectObjectContentRequest& req) {
  Collected out;
  out.status = c.SelectObjectContent(
      req,
      [&](std::string_view r) {
        out.records.append(r.data(), r.size());
        ++out.calls;
        return Status::Ok();
      },
      &out.stats);
  return out;
}

/// Answers every request with HTTP 200 and a canned body, in 7-byte writes.
class CannedHttp final : public HttpClient {
 public:
  explicit CannedHttp(std::string body) : body_(std::move(body)) {}
  Result<HttpResponse> Send(const HttpRequest&, ResponseSink* sink) override {
    HttpResponse resp;
    resp.status = 200;
    if (!sink) return resp;
    S3ML_RETURN_IF_ERROR(sink->Begin(200, resp.headers, body_.size()));
    for (size_t off = 0; off < body_.size(); off += 7)
      S3ML_RETURN_IF_ERROR(sink->Write(body_.data() + off, std::min<size_t>(7, body_.size() - off)));
    S3ML_RETURN_IF_ERROR(sink->Finish());
    return resp;
  }

 private:
  std::string body_;
};

Collected RunCanned(const std::string& body) {
  ClientOptions o = ClientOptions::ForEndpoint("http://127.0.0.1:1");
  o.credentials = Credentials{"AKID", "SECRET", "", std::nullopt, ""};
  o.retry.max_attempts = 1;
  ClientDependencies deps;
  deps.http = std::make_shared<CannedHttp>(body);
  auto c = Client::Impl::Create(o, deps);
  REQUIRE(c.ok());
  SelectObjectContentRequest r;
  r.bucket = "canned";
  r.key = "k.csv";
  r.sql = "SELECT * FROM S3Object";
  r.disable_local_fallback = true;
  return Run(*c, r);
}

}  // namespace

TEST_CASE("Select: event streams that end early, without End or with a bad CRC are protocol errors",
          "[select]") {
  namespace es = s3ml::eventstream;
  const std::string records = es::EncodeEvent("Records", "application/octet-stream", "1,2\n");
  const std::string stats = es::EncodeEvent("Stats", "text/xml", "<Stats><BytesScanned>4</BytesScanned></Stats>");
  const std::string end = es::EncodeEvent("End", "", "");

  auto ok = RunCanned(records + stats + end);
  INFO(ok.status.ToString());
  REQUIRE(ok.status.ok());
  CHECK(ok.records == "1,2\n");
  CHECK(ok.stats.bytes_scanned == 4);

  auto no_end = RunCanned(records + stats);
  REQUIRE_FALSE(no_end.status.ok());
  CHECK(no_end.status.category() == ErrorCategory::kProtocol);
  CHECK_THAT(no_end.status.message(), Catch::Contains("without an End event"));
  CHECK(no_end.records == "1,2\n");  // delivered as they arrived

  auto cut = RunCanned(records + stats.substr(0, stats.size() - 3));
  REQUIRE_FALSE(cut.status.ok());
  CHECK(cut.status.category() == ErrorCategory::kProtocol);
  CHECK_THAT(cut.status.message(), Catch::Contains("inside a message"));

  std::string corrupt = records + end;
  corrupt[records.size() - 6] ^= 1;
  auto bad = RunCanned(corrupt);
  REQUIRE_FALSE(bad.status.ok());
  CHECK(bad.status.category() == ErrorCategory::kProtocol);
  CHECK_THAT(bad.status.message(), Catch::Contains("CRC"));
  CHECK(bad.records.empty());
}

TEST_CASE("Select: server-side CSV query with header returns the matching records and stats", "[select]") {
  Fixture f;
  Put(f.client, f.bucket, "people.csv", kPeopleCsv);
  auto got = Run(f.client, f.Csv("people.csv", "SELECT s.name, s.city FROM S3Object s WHERE CAST(s.age AS INT) > 30"));
  INFO(got.status.ToString());
  REQUIRE(got.status.ok());
  CHECK(got.records == "alice,paris\ncarol,\"new york, ny\"\n");
  CHECK_FALSE(got.stats.evaluated_locally);
  CHECK(got.stats.bytes_scanned == std::string(kPeopleCsv).size());
  CHECK(got.stats.bytes_returned == got.records.size());
  CHECK(f.SelectRequests() == 1);
}

TEST_CASE("Select: server-side JSON LINES input with JSON output", "[select]") {
  Fixture f;
  Put(f.client, f.bucket, "people.jsonl", kPeopleJsonLines);
  SelectObjectContentRequest r;
  r.bucket = f.bucket;
  r.key = "people.jsonl";
  r.sql = "SELECT s.name FROM S3Object s WHERE s.age < 40";
  r.input.format = SelectFormat::kJson;
  r.input.json_type = SelectJsonType::kLines;
  r.output.format = SelectFormat::kJson;
  auto got = Run(f.client, r);
  INFO(got.status.ToString());
  REQUIRE(got.status.ok());
  CHECK(got.records == "{\"name\":\"alice\"}\n{\"name\":\"bob\"}\n");
}

TEST_CASE("Select: server-side GZIP CSV input with an aggregate", "[select]") {
  Fixture f;
  const std::string gz = Gzip(kPeopleCsv);
  Put(f.client, f.bucket, "people.csv.gz", gz);
  auto req = f.Csv("people.csv.gz", "SELECT COUNT(*) FROM S3Object s WHERE s.city LIKE '%e%'");
  req.input.compression = SelectCompression::kGzip;
  auto got = Run(f.client, req);
  INFO(got.status.ToString());
  REQUIRE(got.status.ok());
  CHECK(got.records == "3\n");
  CHECK(got.stats.bytes_scanned == gz.size());
  CHECK(got.stats.bytes_processed == std::string(kPeopleCsv).size());
}

TEST_CASE("Select: a malformed query gets the S3 parse error code and HTTP 400", "[select]") {
  Fixture f;
  Put(f.client, f.bucket, "people.csv", kPeopleCsv);
  auto got = Run(f.client, f.Csv("people.csv", "SELECT FROM WHERE"));
  REQUIRE_FALSE(got.status.ok());
  CHECK(got.status.category() == ErrorCategory::kService);
  CHECK(got.status.http_status() == 400);
  CHECK(got.status.code().rfind("Parse", 0) == 0);
  CHECK(got.status.operation() == "SelectObjectContent");
  CHECK(got.records.empty());
}

TEST_CASE("Select: a missing object is NoSuchKey", "[select]") {
  Fixture f;
  auto got = Run(f.client, f.Csv("absent.csv", "SELECT * FROM S3Object"));
  REQUIRE_FALSE(got.status.ok());
  CHECK(got.status.code() == "NoSuchKey");
}

TEST_CASE("Select: an error after records were streamed arrives as a RequestLevelError with its code",
          "[select]") {
  Fixture f;
  std::string data;
  for (int i = 0; i < 12000; ++i) data += std::to_string(i) + ",padding-padding\n";
  data += "not-a-number,x\n";
  Put(f.client, f.bucket, "cast.csv", data);
  auto req = f.Csv("cast.csv", "SELECT s._1, s._2 FROM S3Object s WHERE CAST(s._1 AS INT) >= 0");
  req.input.file_header_info = CsvFileHeaderInfo::kNone;
  auto got = Run(f.client, req);
  REQUIRE_FALSE(got.status.ok());
  CHECK(got.status.code() == "CastFailed");
  CHECK(got.status.message().find("RequestLevelError") != std::string::npos);
  CHECK_FALSE(got.records.empty());  // the records before the bad row were delivered
  CHECK(f.SelectRequests() == 1);    // and the request was not replayed
}

TEST_CASE("Select: force_local gives the same records as the server without calling Select", "[select]") {
  Fixture f;
  Put(f.client, f.bucket, "people.csv", kPeopleCsv);
  auto req = f.Csv("people.csv", "SELECT UPPER(s.name) FROM S3Object s WHERE s.city <> 'rome' LIMIT 2");
  auto server = Run(f.client, req);
  REQUIRE(server.status.ok());
  req.force_local = true;
  auto local = Run(f.client, req);
  INFO(local.status.ToString());
  REQUIRE(local.status.ok());
  CHECK(local.records == server.records);
  CHECK(local.records == "ALICE\nBOB\n");
  CHECK(local.stats.evaluated_locally);
  CHECK(f.SelectRequests() == 1);  // only the server-side run
}

TEST_CASE("Select: a server answering 501 NotImplemented falls back to local evaluation with identical records",
          "[select]") {
  Fixture f;
  Put(f.client, f.bucket, "people.csv", kPeopleCsv);
  auto req = f.Csv("people.csv", "SELECT s.name, s.age FROM S3Object s WHERE CAST(s.age AS INT) BETWEEN 20 AND 40");
  req.scan_range = SelectScanRange{0, 1000};
  auto server = Run(f.client, req);
  REQUIRE(server.status.ok());
  REQUIRE(server.records == "alice,34\nbob,27\n");

  mock::FaultRule rule;
  rule.kind = mock::FaultRule::Kind::kHttpError;
  rule.operation = "SelectObjectContent";
  rule.http_status = 501;
  rule.error_code = "NotImplemented";
  rule.probability = 1.0;
  f.server->AddFault(rule);
  auto fallback = Run(f.client, req);
  INFO(fallback.status.ToString());
  REQUIRE(fallback.status.ok());
  CHECK(fallback.records == server.records);
  CHECK(fallback.stats.evaluated_locally);

  req.disable_local_fallback = true;
  auto refused = Run(f.client, req);
  REQUIRE_FALSE(refused.status.ok());
  CHECK(refused.status.code() == "NotImplemented");
}

TEST_CASE("Select: a truncated event stream without End is an error, not a short success", "[select]") {
  Fixture f;
  Put(f.client, f.bucket, "people.csv", kPeopleCsv);
  mock::FaultRule rule;
  rule.kind = mock::FaultRule::Kind::kTruncateBody;
  rule.operation = "SelectObjectContent";
  rule.truncate_after = 40;
  rule.probability = 1.0;
  f.server->AddFault(rule);
  auto got = Run(f.client, f.Csv("people.csv", "SELECT * FROM S3Object s"));
  REQUIRE_FALSE(got.status.ok());
  INFO(got.status.ToString());
  CHECK((got.status.category() == ErrorCategory::kNetwork || got.status.category() == ErrorCategory::kProtocol));
}
