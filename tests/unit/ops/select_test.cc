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
