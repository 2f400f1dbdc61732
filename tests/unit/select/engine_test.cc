#include <catch2/catch.hpp>

#include "select_test_util.h"

using namespace s3ml::select;
using namespace s3ml::select::testing;

namespace {
std::string Rows(int n) {
  std::string s;
  for (int i = 1; i <= n; ++i) s += std::to_string(i) + ",row" + std::to_string(i) + "\n";
  return s;
}
}  // namespace

TEST_CASE("SelectEngine: GZIP input fed one byte at a time", "[select][engine]") {
  const std::string plain = Rows(200);
  auto in = CsvIn();
  in.compression = Compression::kGzip;
  auto o = RunQuery("SELECT _2 FROM S3Object WHERE _1 > 198", Gzip(plain), in, CsvOut(), {}, 1);
  REQUIRE(o.status.ok());
  CHECK(o.text == "row199\nrow200\n");
  CHECK(o.stats.bytes_scanned == Gzip(plain).size());
  CHECK(o.stats.bytes_processed == plain.size());
  CHECK(o.stats.bytes_returned == o.text.size());
}

TEST_CASE("SelectEngine: GZIP with concatenated members and JSON input", "[select][engine]") {
  auto in = JsonIn(JsonType::kLines);
  in.compression = Compression::kGzip;
  std::string data = Gzip("{\"a\":1}\n") + Gzip("{\"a\":2}\n");
  CHECK(Sel("SELECT SUM(s.a) FROM S3Object s", data, in, CsvOut(), 3) == "3\n");
}

TEST_CASE("SelectEngine: truncated or corrupt GZIP fails with TruncatedInput", "[select][engine]") {
  auto in = CsvIn();
  in.compression = Compression::kGzip;
  std::string gz = Gzip(Rows(50));
  CHECK(Sel("SELECT * FROM S3Object", gz.substr(0, gz.size() / 2), in) == "ERROR TruncatedInput");
  CHECK(Sel("SELECT * FROM S3Object", "not gzip at all", in) == "ERROR TruncatedInput");
  CHECK(Sel("SELECT * FROM S3Object", "", in) == "ERROR TruncatedInput");
}

TEST_CASE("SelectEngine: ScanRange processes records that start inside the range", "[select][engine]") {
  const std::string data = "a,1\nbb,2\nccc,3\ndddd,4\n";  // records at 0, 4, 9, 15
  auto run = [&](uint64_t s, uint64_t e, size_t chunk) {
    return RunQuery("SELECT _1 FROM S3Object", data, CsvIn(), CsvOut(), ScanRange{s, e}, chunk);
  };
  for (size_t chunk : {1, 4, 100}) {
    INFO("chunk " << chunk);
    CHECK(run(0, 0, chunk).text == "a\n");
    CHECK(run(1, 4, chunk).text == "bb\n");          // starts at 4: in; "a" starts before 1
    CHECK(run(1, 9, chunk).text == "bb\nccc\n");
    CHECK(run(5, 100, chunk).text == "ccc\ndddd\n");
    CHECK(run(16, 100, chunk).text == "");
  }
  auto o = run(4, 9, 100);
  CHECK(o.stats.bytes_processed == 11);  // "bb,2\n" + "ccc,3\n"
  // With headers, the header line is still read even when the range starts later.
  auto hdr = RunQuery("SELECT b FROM S3Object", "a,b\n1,2\n3,4\n", CsvIn(FileHeaderInfo::kUse), CsvOut(), ScanRange{5, 9});
  CHECK(hdr.text == "4\n");
  auto lines = RunQuery("SELECT s.a FROM S3Object s", "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n", JsonIn(JsonType::kLines),
                        CsvOut(), ScanRange{1, 8});
  CHECK(lines.text == "2\n");
}

TEST_CASE("SelectEngine: ScanRange resolution and unsupported inputs", "[select][engine]") {
  ScanRange last;
  last.end = 10;
  auto r = last.Resolve(100);
  REQUIRE(r.ok());
  CHECK(*r->start == 90);
  CHECK(*r->end == 99);
  ScanRange open;
  open.start = 5;
  CHECK(*open.Resolve(50)->end == 49);
  open.start = 80;
  CHECK(RunQuery("SELECT * FROM S3Object", "a\nb\n", CsvIn(), CsvOut(), open.Resolve(4).value()).text == "");
  CHECK(ScanRange{7, 3}.Resolve(50).status().code() == "InvalidScanRange");
  CHECK(RunQuery("SELECT * FROM S3Object", "a\n", CsvIn(), CsvOut(), ScanRange{7, 3}).status.code() == "InvalidScanRange");
  auto gz = CsvIn();
  gz.compression = Compression::kGzip;
  CHECK(RunQuery("SELECT * FROM S3Object", "", gz, CsvOut(), ScanRange{0, 3}).status.code() == "UnsupportedScanRangeInput");
  CHECK(RunQuery("SELECT * FROM S3Object", "", JsonIn(JsonType::kDocument), CsvOut(), ScanRange{0, 3}).status.code() ==
        "UnsupportedScanRangeInput");
  CHECK(RunQuery("SELECT * FROM S3Object", "", CsvIn(), CsvOut(), last).status.code() == "InvalidRequestParameter");
}

TEST_CASE("SelectEngine: LIMIT stops early and done() tells the caller to stop reading", "[select][engine]") {
  auto q = Query::Parse("SELECT _1 FROM S3Object WHERE _1 > 1 LIMIT 2").value();
  std::string out;
  auto run = SelectEngine::Start(q, CsvIn(), CsvOut(), {}, [&](std::string_view r) {
    out.append(r);
    return s3ml::Status::Ok();
  }).value();
  const std::string data = Rows(10);
  size_t fed = 0;
  while (fed < data.size() && !run->done()) {
    REQUIRE(run->Feed(data.data() + fed, 1).ok());
    ++fed;
  }
  REQUIRE(run->Finish().ok());
  CHECK(out == "2\n3\n");
  CHECK(fed < data.size() / 2);
  CHECK(Sel("SELECT * FROM S3Object LIMIT 0", "a\n") == "");
  CHECK(Sel("SELECT COUNT(*) FROM S3Object LIMIT 5", Rows(9)) == "9\n");
}

TEST_CASE("SelectEngine: output is emitted in chunks and callback errors abort the run", "[select][engine]") {
  auto o = RunQuery("SELECT * FROM S3Object", Rows(1000), CsvIn(), CsvOut(), {}, 4096, /*out_chunk=*/1024);
  REQUIRE(o.status.ok());
  CHECK(o.text == Rows(1000));
  CHECK(o.callbacks > 5);
  auto q = Query::Parse("SELECT * FROM S3Object").value();
  auto run = SelectEngine::Start(q, CsvIn(), CsvOut(), {}, [](std::string_view) {
    return s3ml::Status(s3ml::ErrorCategory::kCancelled, "client went away");
  }, 1).value();
  auto st = run->Feed("a\nb\n", 4);
  CHECK(st.category() == s3ml::ErrorCategory::kCancelled);
  CHECK(run->Finish().category() == s3ml::ErrorCategory::kCancelled);  // sticky
}

TEST_CASE("SelectEngine: a data error mid-stream is sticky and keeps earlier output", "[select][engine]") {
  auto q = Query::Parse("SELECT CAST(_1 AS INT) FROM S3Object").value();
  std::string out;
  auto run = SelectEngine::Start(q, CsvIn(), CsvOut(), {}, [&](std::string_view r) {
    out.append(r);
    return s3ml::Status::Ok();
  }, 1).value();
  CHECK(run->Feed("1\n2\nx\n3\n", 8).code() == "CastFailed");
  CHECK(out == "1\n2\n");
  CHECK(run->Feed("4\n", 2).code() == "CastFailed");
  CHECK(run->Finish().code() == "CastFailed");
  CHECK(run->done());
}

TEST_CASE("SelectEngine: Start validates serialization options", "[select][engine]") {
  auto in = CsvIn();
  in.csv.field_delimiter = "";
  CHECK(RunQuery("SELECT * FROM S3Object", "", in).status.code() == "InvalidRequestParameter");
  in.csv.field_delimiter = "\n";
  CHECK(RunQuery("SELECT * FROM S3Object", "", in).status.code() == "InvalidRequestParameter");
  auto out = CsvOut();
  out.record_delimiter = "abc";
  CHECK(RunQuery("SELECT * FROM S3Object", "", CsvIn(), out).status.code() == "InvalidRequestParameter");
  CHECK(RunQuery("SELECT * FROM S3Object[*].a", "", CsvIn()).status.code() == "UnsupportedSyntax");
  auto q = Query::Parse("SELECT * FROM S3Object").value();
  CHECK(SelectEngine::Start(q, CsvIn(), CsvOut(), {}, nullptr).status().code() == "InvalidRequestParameter");
}

TEST_CASE("SelectEngine: JSON output RecordDelimiter and CSV-to-JSON keys", "[select][engine]") {
  auto out = JsonOut();
  out.record_delimiter = ",";
  CHECK(Sel("SELECT _1, _2 AS b, 7 FROM S3Object", "x,y\nz,w\n", CsvIn(), out) ==
        "{\"_1\":\"x\",\"b\":\"y\",\"_3\":7},{\"_1\":\"z\",\"b\":\"w\",\"_3\":7},");
}

TEST_CASE("SelectEngine: Feed after Finish is refused", "[select][engine]") {
  auto q = Query::Parse("SELECT * FROM S3Object").value();
  auto run = SelectEngine::Start(q, CsvIn(), CsvOut(), {}, [](std::string_view) { return s3ml::Status::Ok(); }).value();
  REQUIRE(run->Finish().ok());
  CHECK_FALSE(run->Feed("a\n", 2).ok());
}

TEST_CASE("SelectEngine: Execute runs a whole object and returns records and stats", "[select][engine]") {
  auto q = Query::Parse("SELECT _2 FROM S3Object WHERE _1 = 3").value();
  auto out = SelectEngine::Execute(q, CsvIn(), CsvOut(), {}, Rows(5));
  REQUIRE(out.ok());
  CHECK(out->records == "row3\n");
  CHECK(out->stats.bytes_returned == 5);
  CHECK(out->stats.bytes_scanned == Rows(5).size());
  auto bad = SelectEngine::Execute(Query::Parse("SELECT CAST(_2 AS INT) FROM S3Object").value(), CsvIn(), CsvOut(), {}, Rows(2));
  CHECK(bad.status().code() == "CastFailed");
}

TEST_CASE("SelectEngine: request enum strings map to options or S3 error codes", "[select][engine]") {
  CHECK(ParseFileHeaderInfo("use").value() == FileHeaderInfo::kUse);
  CHECK(ParseFileHeaderInfo("IGNORE").value() == FileHeaderInfo::kIgnore);
  CHECK(ParseFileHeaderInfo("NONE").value() == FileHeaderInfo::kNone);
  CHECK(ParseFileHeaderInfo("yes").status().code() == "InvalidFileHeaderInfo");
  CHECK(ParseJsonType("LINES").value() == JsonType::kLines);
  CHECK(ParseJsonType("Document").value() == JsonType::kDocument);
  CHECK(ParseJsonType("ROWS").status().code() == "InvalidJsonType");
  CHECK(ParseQuoteFields("ALWAYS").value() == QuoteFields::kAlways);
  CHECK(ParseQuoteFields("ASNEEDED").value() == QuoteFields::kAsNeeded);
  CHECK(ParseQuoteFields("NEVER").status().code() == "InvalidQuoteFields");
  CHECK(ParseCompression("GZIP").value() == Compression::kGzip);
  CHECK(ParseCompression("").value() == Compression::kNone);
  CHECK(ParseCompression("BZIP2").status().code() == "InvalidCompressionFormat");
}

TEST_CASE("SelectEngine: records after the ScanRange or LIMIT are not parsed, however the object is chunked",
          "[select][engine]") {
  // The record at byte 40 has a quoted record delimiter (an error without
  // AllowQuotedRecordDelimiter), and the last JSON value is cut off: whole-object runs
  // used to fail on them while chunked runs, which stop once done(), succeeded.
  const std::string csv = "id,name\n1,alice\n2,bob\n3,carol\n4,dave\n\"5\n\",eve\n";
  ScanRange range;
  range.start = 8;
  range.end = 16;
  for (size_t chunk : {size_t(3), size_t(-1)}) {
    INFO("chunk " << chunk);
    auto in_range = RunQuery("SELECT s._2 FROM S3Object s", csv, CsvIn(FileHeaderInfo::kUse), CsvOut(), range, chunk);
    REQUIRE(in_range.status.ok());
    CHECK(in_range.text == "alice\nbob\n");
    auto limited = RunQuery("SELECT s._2 FROM S3Object s LIMIT 2", csv, CsvIn(FileHeaderInfo::kUse), CsvOut(), {}, chunk);
    REQUIRE(limited.status.ok());
    CHECK(limited.text == "alice\nbob\n");
    const std::string json = "{\"a\":1}\n{\"a\":2}\n{\"a\":";
    for (JsonType type : {JsonType::kLines, JsonType::kDocument}) {
      auto j = RunQuery("SELECT s.a FROM S3Object s LIMIT 2", json, JsonIn(type), CsvOut(), {}, chunk);
      REQUIRE(j.status.ok());
      CHECK(j.text == "1\n2\n");
    }
  }
  // Without the range or LIMIT the bad record still fails the run.
  CHECK(RunQuery("SELECT s._2 FROM S3Object s", csv, CsvIn(FileHeaderInfo::kUse)).status.code() ==
        "CSVEscapingRecordDelimiter");
}
