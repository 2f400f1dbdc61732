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

namespace s3ml::ops {

Result<SelectStats> ParseSelectStats(std::string_view payload, const char* root) {
  const std::string what = std::string("the Select ") + root + " event";
  pugi::xml_document doc;
  auto node = ParseXmlDocument(payload, what, root, 0, doc);
  if (!node.ok()) return node.status().WithCode("EventStreamError");
  SelectStats out;
  for (auto [name, field] : {std::pair{"BytesScanned", &out.bytes_scanned},
                             std::pair{"BytesProcessed", &out.bytes_processed},
                             std::pair{"BytesReturned", &out.bytes_returned}}) {
    auto v = ChildUint(*node, name, 0, what);
    if (!v.ok()) return v.status().WithCode("EventStreamError");
    *field = *v;
  }
  return out;
}

Status SelectStreamWithoutEnd() {
  return ProtocolError({}, "the Select event stream ended without an End event").WithCode("EventStreamError");
}

Status SelectStreamSink::CanRestart() const {
  if (!abort_.ok()) return abort_;
  if (delivered_)
    return Status(ErrorCategory::kIntegrity,
                  "the Select event stream was interrupted after records were delivered; not retried");
  return Status::Ok();
}

Status SelectStreamSink::Begin(int, const Headers&, std::optional<std::uint64_t>) {
  S3ML_RETURN_IF_ERROR(CanRestart());
  decoder_ = eventstream::Decoder();
  saw_end_ = false;
  stats_ = SelectStats();
  return Status::Ok();
}

Status SelectStreamSink::Write(const char* data, std::size_t n) {
  S3ML_RETURN_IF_ERROR(decoder_.Feed(data, n));
  eventstream::Message m;
  while (decoder_.Next(m)) S3ML_RETURN_IF_ERROR(Handle(m));
  return Status::Ok();
}

Status SelectStreamSink::Finish() {
  if (!decoder_.at_boundary())
    return ProtocolError({}, "the Select event stream ended inside a message (" +
                                 std::to_string(decoder_.pending_bytes()) + " bytes pending)")
        .WithCode("EventStreamError");
  if (!saw_end_) return SelectStreamWithoutEnd();
  return Status::Ok();
}

Status SelectStreamSink::Handle(const eventstream::Message& m) {
  const std::string type = m.Header(":message-type");
  if (type == "error") {
    const std::string code = m.Header(":error-code");
    abort_ = Status(ErrorCategory::kService, "RequestLevelError: " + m.Header(":error-message"))
                 .WithCode(code.empty() ? "InternalError" : code)
                 .WithHttpStatus(200);
    return abort_;
  }
  if (type != "event") return Status::Ok();  // exceptions / unknown kinds: ignored as the SDKs do
  const std::string event = m.Header(":event-type");
  if (saw_end_)
    return ProtocolError({}, "the Select event stream has a '" + event + "' event after End")
        .WithCode("EventStreamError");
  if (event == "Records") {
    if (m.payload.empty()) return Status::Ok();
    delivered_ = true;
    Status st = on_records_(m.payload);
    if (!st.ok()) abort_ = st;
    return st;
  }
  if (event == "Stats" || event == "Progress") {
    // Progress carries the counts so far; the Stats event before End has the totals.
    S3ML_ASSIGN_OR_RETURN(stats_, ParseSelectStats(m.payload, event == "Stats" ? "Stats" : "Progress"));
    return Status::Ok();
  }
  if (event == "End") saw_end_ = true;
  return Status::Ok();  // Cont
}

}  // namespace s3ml::ops
