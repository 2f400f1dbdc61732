#include "ops/select.h"

#include <pugixml.hpp>

#include "common/crypto.h"
#include "ops/xml.h"

namespace s3ml::ops {

namespace {

constexpr const char* kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

void Add(pugi::xml_node parent, const char* name, const std::string& text) {
  parent.append_child(name).text().set(text.c_str());
}

const char* HeaderInfoName(CsvFileHeaderInfo h) {
  switch (h) {
    case CsvFileHeaderInfo::kUse: return "USE";
    case CsvFileHeaderInfo::kIgnore: return "IGNORE";
    case CsvFileHeaderInfo::kNone: break;
  }
  return "NONE";
}

}  // namespace

std::string SelectRequestXml(const SelectObjectContentRequest& req) {
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("SelectObjectContentRequest");
  root.append_attribute("xmlns") = kS3Namespace;
  Add(root, "Expression", req.sql);
  Add(root, "ExpressionType", "SQL");

  const SelectInputSerialization& in = req.input;
  pugi::xml_node is = root.append_child("InputSerialization");
  Add(is, "CompressionType", in.compression == SelectCompression::kGzip ? "GZIP" : "NONE");
  if (in.format == SelectFormat::kCsv) {
    pugi::xml_node csv = is.append_child("CSV");
    Add(csv, "FileHeaderInfo", HeaderInfoName(in.file_header_info));
    Add(csv, "Comments", in.comments);
    Add(csv, "QuoteEscapeCharacter", std::string(1, in.quote_escape_character));
    Add(csv, "RecordDelimiter", in.record_delimiter);
    Add(csv, "FieldDelimiter", in.field_delimiter);
    Add(csv, "QuoteCharacter", std::string(1, in.quote_character));
    Add(csv, "AllowQuotedRecordDelimiter", in.allow_quoted_record_delimiter ? "TRUE" : "FALSE");
  } else {
    pugi::xml_node json = is.append_child("JSON");
    Add(json, "Type", in.json_type == SelectJsonType::kLines ? "LINES" : "DOCUMENT");
  }

  const SelectOutputSerialization& out = req.output;
  pugi::xml_node os = root.append_child("OutputSerialization");
  if (out.format == SelectFormat::kCsv) {
    pugi::xml_node csv = os.append_child("CSV");
    Add(csv, "QuoteFields", out.quote_fields == CsvQuoteFields::kAlways ? "ALWAYS" : "ASNEEDED");
    Add(csv, "QuoteEscapeCharacter", std::string(1, out.quote_escape_character));
    Add(csv, "RecordDelimiter", out.record_delimiter);
    Add(csv, "FieldDelimiter", out.field_delimiter);
    Add(csv, "QuoteCharacter", std::string(1, out.quote_character));
  } else {
    Add(os.append_child("JSON"), "RecordDelimiter", out.record_delimiter);
  }
  Add(root.append_child("RequestProgress"), "Enabled", "FALSE");
  if (req.scan_range && (req.scan_range->start || req.scan_range->end)) {
    pugi::xml_node sr = root.append_child("ScanRange");
    if (req.scan_range->start) Add(sr, "Start", std::to_string(*req.scan_range->start));
    if (req.scan_range->end) Add(sr, "End", std::to_string(*req.scan_range->end));
  }
  return SerializeXml(doc);
}

Result<HttpRequest> BuildSelectObjectContent(const Target& t, const SelectObjectContentRequest& req) {
  if (req.sql.empty()) return Status::InvalidArgument("SelectObjectContent: the SQL expression is empty");
  if (req.input.quote_character == '\0' || req.output.quote_character == '\0')
    return Status::InvalidArgument("SelectObjectContent: a quote character must not be NUL");
  HttpRequest r = NewRequest(t, "POST", req.bucket, req.key);
  r.query.emplace_back("select", "");
  r.query.emplace_back("select-type", "2");
  std::string xml = SelectRequestXml(req);
  r.headers.Set("Content-Type", "application/xml");
  r.headers.Set("Content-MD5", Base64Encode(Md5(xml)));
  r.body = MemoryBody(std::move(xml));
  return r;
}

}  // namespace s3ml::ops
