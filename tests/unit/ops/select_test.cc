// SelectObjectContent request building: method, sub-resource and the request XML
// (whitespace delimiters must survive as text).

#include <catch2/catch.hpp>

#include <pugixml.hpp>

#include "common/uri.h"
#include "ops/select.h"

using namespace s3ml;

namespace {

ops::Target PathTarget() { return ops::Target{ParseEndpoint("http://127.0.0.1:9000").value(), AddressingStyle::kPath}; }

pugi::xml_node Root(pugi::xml_document& doc, const std::string& xml) {
  const unsigned options = (pugi::parse_default | pugi::parse_ws_pcdata) & ~pugi::parse_eol;
  REQUIRE(doc.load_string(xml.c_str(), options));
  return doc.child("SelectObjectContentRequest");
}

}  // namespace

TEST_CASE("OpsSelect: builds POST ?select&select-type=2 with an MD5-checked XML body", "[select]") {
  SelectObjectContentRequest req;
  req.bucket = "data";
  req.key = "dir/rows.csv";
  req.sql = "SELECT * FROM S3Object";
  auto r = ops::BuildSelectObjectContent(PathTarget(), req);
  REQUIRE(r.ok());
  CHECK(r->method == "POST");
  CHECK(r->path == "/data/dir/rows.csv");
  REQUIRE(r->query.size() == 2);
  CHECK(r->query[0] == std::make_pair(std::string("select"), std::string()));
  CHECK(r->query[1] == std::make_pair(std::string("select-type"), std::string("2")));
  CHECK(r->headers.Has("Content-MD5"));

  req.sql.clear();
  auto bad = ops::BuildSelectObjectContent(PathTarget(), req);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().category() == ErrorCategory::kInvalidArgument);
}

TEST_CASE("OpsSelect: request XML carries CSV options, whitespace delimiters and the scan range", "[select]") {
  SelectObjectContentRequest req;
  req.sql = "SELECT s._1 FROM S3Object s WHERE s._2 < '5'";
  req.input.file_header_info = CsvFileHeaderInfo::kIgnore;
  req.input.field_delimiter = "\t";
  req.input.record_delimiter = "\r\n";
  req.input.compression = SelectCompression::kGzip;
  req.output.quote_fields = CsvQuoteFields::kAlways;
  req.scan_range = SelectScanRange{std::nullopt, 100};
  pugi::xml_document doc;
  auto root = Root(doc, ops::SelectRequestXml(req));
  REQUIRE(root);
  CHECK(std::string(root.child("Expression").text().get()) == req.sql);
  CHECK(std::string(root.child("ExpressionType").text().get()) == "SQL");
  auto in = root.child("InputSerialization");
  CHECK(std::string(in.child("CompressionType").text().get()) == "GZIP");
  CHECK(std::string(in.child("CSV").child("FileHeaderInfo").text().get()) == "IGNORE");
  CHECK(std::string(in.child("CSV").child("FieldDelimiter").text().get()) == "\t");
  CHECK(std::string(in.child("CSV").child("RecordDelimiter").text().get()) == "\r\n");
  CHECK(std::string(root.child("OutputSerialization").child("CSV").child("QuoteFields").text().get()) == "ALWAYS");
  CHECK_FALSE(root.child("ScanRange").child("Start"));
  CHECK(std::string(root.child("ScanRange").child("End").text().get()) == "100");

  req.input.format = SelectFormat::kJson;
  req.input.json_type = SelectJsonType::kLines;
  req.output.format = SelectFormat::kJson;
  req.scan_range.reset();
  pugi::xml_document doc2;
  auto json = Root(doc2, ops::SelectRequestXml(req));
  CHECK(std::string(json.child("InputSerialization").child("JSON").child("Type").text().get()) == "LINES");
  CHECK_FALSE(json.child("InputSerialization").child("CSV"));
  CHECK(json.child("OutputSerialization").child("JSON"));
  CHECK_FALSE(json.child("ScanRange"));
}

// ---- the response: event stream decoding (ops::SelectStreamSink) ----------------------

namespace {

namespace es = s3ml::eventstream;

struct SinkRun {
  Status status;
  std::string records;
  SelectStats stats;
};

SinkRun Feed(const std::string& stream) {
  SinkRun run;
  const ops::SelectStreamSink::RecordsFn on_records = [&run](std::string_view r) {
    run.records += r;
    return Status::Ok();
  };
  ops::SelectStreamSink sink(on_records);
  run.status = sink.Begin(200, Headers(), stream.size());
  if (run.status.ok()) run.status = sink.Write(stream.data(), stream.size());
  if (run.status.ok()) run.status = sink.Finish();
  run.stats = sink.stats();
  return run;
}

std::string Event(const char* type, const std::string& xml) { return es::EncodeEvent(type, "text/xml", xml); }

}  // namespace

TEST_CASE("SelectStreamSink: records, Progress and Stats counts, End", "[select]") {
  const std::string stream =
      es::EncodeEvent("Records", "application/octet-stream", "1,2\n") +
      Event("Progress", "<Progress><BytesScanned>2</BytesScanned><BytesProcessed>2</BytesProcessed></Progress>") +
      Event("Stats", "<Stats><BytesScanned>4</BytesScanned><BytesProcessed>5</BytesProcessed>"
                     "<BytesReturned>6</BytesReturned></Stats>") +
      es::EncodeEvent("End", "", "");
  SinkRun run = Feed(stream);
  INFO(run.status.ToString());
  REQUIRE(run.status.ok());
  CHECK(run.records == "1,2\n");
  CHECK(run.stats.bytes_scanned == 4);
  CHECK(run.stats.bytes_processed == 5);
  CHECK(run.stats.bytes_returned == 6);
  CHECK_FALSE(run.stats.evaluated_locally);
}

TEST_CASE("SelectStreamSink: a Stats or Progress count that is not a number is a protocol error naming it",
          "[select]") {
  const std::string end = es::EncodeEvent("End", "", "");
  SinkRun stats = Feed(Event("Stats", "<Stats><BytesScanned>12x</BytesScanned></Stats>") + end);
  REQUIRE_FALSE(stats.status.ok());  // not a silent 0
  CHECK(stats.status.category() == ErrorCategory::kProtocol);
  CHECK(stats.status.code() == "EventStreamError");
  CHECK_THAT(stats.status.message(),
             Catch::Contains("Stats event") && Catch::Contains("<BytesScanned>") && Catch::Contains("'12x'"));

  SinkRun progress = Feed(Event("Progress", "<Progress><BytesReturned>-1</BytesReturned></Progress>") + end);
  REQUIRE_FALSE(progress.status.ok());
  CHECK(progress.status.category() == ErrorCategory::kProtocol);
  CHECK_THAT(progress.status.message(),
             Catch::Contains("Progress event") && Catch::Contains("<BytesReturned>") && Catch::Contains("'-1'"));
}

TEST_CASE("ParseSelectStats: a payload that is not the expected XML is a protocol error", "[select]") {
  auto garbage = ops::ParseSelectStats("not xml <", "Stats");
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.status().category() == ErrorCategory::kProtocol);
  CHECK(garbage.status().code() == "EventStreamError");
  auto other = ops::ParseSelectStats("<Progress/>", "Stats");
  REQUIRE_FALSE(other.ok());
  CHECK_THAT(other.status().message(), Catch::Contains("<Progress>") && Catch::Contains("expected <Stats>"));
  auto absent = ops::ParseSelectStats("<Stats><BytesReturned>7</BytesReturned></Stats>", "Stats");
  REQUIRE(absent.ok());
  CHECK(absent->bytes_scanned == 0);
  CHECK(absent->bytes_returned == 7);
}

TEST_CASE("SelectStreamSink: a stream without End, or cut inside a message, is a protocol error", "[select]") {
  const std::string records = es::EncodeEvent("Records", "application/octet-stream", "x\n");
  SinkRun no_end = Feed(records);
  REQUIRE_FALSE(no_end.status.ok());
  CHECK(no_end.status.category() == ErrorCategory::kProtocol);
  CHECK_THAT(no_end.status.message(), Catch::Contains("without an End event"));
  SinkRun cut = Feed(records.substr(0, records.size() - 2));
  REQUIRE_FALSE(cut.status.ok());
  CHECK_THAT(cut.status.message(), Catch::Contains("inside a message"));
}
