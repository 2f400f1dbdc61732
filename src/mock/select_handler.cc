// Maps the SelectObjectContentRequest XML onto the engine's structs and frames the
// engine's output as S3 does: Records events of at most one engine chunk each.

#include "mock/select_handler.h"

#include <pugixml.hpp>

#include <cstdlib>
#include <optional>

#include "select/event_stream.h"
#include "select/select.h"

namespace s3ml::mock {

namespace {

namespace sel = s3ml::select;
namespace es = s3ml::eventstream;

S3Error FromStatus(const Status& st) {
  const int http = st.http_status() >= 400 ? st.http_status() : 400;
  return S3Error(http, st.code().empty() ? "InvalidRequest" : st.code(), st.message());
}

// Child element text, matched by local name (requests may carry a namespace prefix-free xmlns).
pugi::xml_node Child(pugi::xml_node n, const char* name) { return n.child(name); }

std::optional<std::string> Text(pugi::xml_node n, const char* name) {
  pugi::xml_node c = Child(n, name);
  if (!c) return std::nullopt;
  return std::string(c.text().get());
}

Expected<char> OneChar(pugi::xml_node n, const char* name, char def) {
  auto t = Text(n, name);
  if (!t) return def;
  if (t->size() != 1)
    return S3Error(400, "InvalidRequestParameter", std::string(name) + " must be exactly one character")
        .With("ParameterName", name);
  return (*t)[0];
}

Expected<bool> Bool(pugi::xml_node n, const char* name) {
  auto t = Text(n, name);
  if (!t || *t == "false" || *t == "FALSE" || *t == "False") return false;
  if (*t == "true" || *t == "TRUE" || *t == "True") return true;
  return S3Error(400, "MalformedXML", std::string(name) + " must be true or false, got '" + *t + "'");
}

Expected<std::optional<uint64_t>> Offset(pugi::xml_node n, const char* name) {
  auto t = Text(n, name);
  if (!t) return std::optional<uint64_t>();
  char* end = nullptr;
  if (t->empty() || (*t)[0] == '-' || (*t)[0] == '+') return S3Error(400, "InvalidScanRange", std::string("ScanRange ") + name + " must be a non-negative integer");
  const unsigned long long v = std::strtoull(t->c_str(), &end, 10);
  if (*end != '\0') return S3Error(400, "InvalidScanRange", std::string("ScanRange ") + name + " must be a non-negative integer");
  return std::optional<uint64_t>(v);
}

template <class T>
Expected<T> Lift(Result<T> r) {
  if (!r.ok()) return FromStatus(r.status());
  return std::move(*r);
}

struct ParsedRequest {
  std::string expression;
  sel::InputSerialization input;
  sel::OutputSerialization output;
  sel::ScanRange range;
  bool progress = false;
};

Expected<ParsedRequest> ParseRequest(const std::string& xml) {
  pugi::xml_document doc;
  // Delimiters are often pure whitespace ("\n", "\t", "\r\n"): keep whitespace-only text
  // and do not normalise line ends, or a RecordDelimiter would read as empty.
  const unsigned options = (pugi::parse_default | pugi::parse_ws_pcdata) & ~pugi::parse_eol;
  if (!doc.load_buffer(xml.data(), xml.size(), options) || !doc.child("SelectObjectContentRequest"))
    return MalformedXml();
  pugi::xml_node root = doc.child("SelectObjectContentRequest");
  ParsedRequest p;
  auto expr = Text(root, "Expression");
  if (!expr || expr->empty())
    return S3Error(400, "MissingRequiredParameter", "SelectObjectContentRequest is missing required parameter: Expression");
  p.expression = *expr;
  auto type = Text(root, "ExpressionType");
  if (!type)
    return S3Error(400, "MissingRequiredParameter",
                   "SelectObjectContentRequest is missing required parameter: ExpressionType");
  if (*type != "SQL") return S3Error(400, "InvalidExpressionType", "The ExpressionType '" + *type + "' is invalid. Only SQL expressions are supported.");
  {
    auto prog = Bool(Child(root, "RequestProgress"), "Enabled");
    if (!prog.ok()) return prog.error();
    p.progress = *prog;
  }

  pugi::xml_node in = Child(root, "InputSerialization");
  if (!in) return S3Error(400, "MissingRequiredParameter", "SelectObjectContentRequest is missing required parameter: InputSerialization");
  if (auto c = Text(in, "CompressionType"); c && !c->empty()) {
    auto comp = Lift(sel::ParseCompression(*c));
    if (!comp.ok()) return comp.error();
    p.input.compression = *comp;
  }
  const int formats = (Child(in, "CSV") ? 1 : 0) + (Child(in, "JSON") ? 1 : 0) + (Child(in, "Parquet") ? 1 : 0);
  if (formats != 1)
    return S3Error(400, "InvalidRequest", "InputSerialization must name exactly one of CSV, JSON or Parquet");
  if (Child(in, "Parquet")) return NotImplemented("Parquet input for SelectObjectContent");
  if (pugi::xml_node csv = Child(in, "CSV")) {
    p.input.format = sel::Format::kCsv;
    auto& c = p.input.csv;
    if (auto v = Text(csv, "FileHeaderInfo")) {
      auto h = Lift(sel::ParseFileHeaderInfo(*v));
      if (!h.ok()) return h.error();
      c.file_header_info = *h;
    }
    if (auto v = Text(csv, "FieldDelimiter")) c.field_delimiter = *v;
    if (auto v = Text(csv, "RecordDelimiter")) c.record_delimiter = *v;
    if (auto v = Text(csv, "Comments")) c.comments = *v;
    auto q = OneChar(csv, "QuoteCharacter", c.quote_character);
    if (!q.ok()) return q.error();
    c.quote_character = *q;
    auto qe = OneChar(csv, "QuoteEscapeCharacter", c.quote_escape_character);
    if (!qe.ok()) return qe.error();
    c.quote_escape_character = *qe;
    auto aq = Bool(csv, "AllowQuotedRecordDelimiter");
    if (!aq.ok()) return aq.error();
    c.allow_quoted_record_delimiter = *aq;
  } else {
    p.input.format = sel::Format::kJson;
    if (auto v = Text(Child(in, "JSON"), "Type")) {
      auto t = Lift(sel::ParseJsonType(*v));
      if (!t.ok()) return t.error();
      p.input.json_type = *t;
    }
  }

  pugi::xml_node out = Child(root, "OutputSerialization");
  if (!out) return S3Error(400, "MissingRequiredParameter", "SelectObjectContentRequest is missing required parameter: OutputSerialization");
  if ((Child(out, "CSV") ? 1 : 0) + (Child(out, "JSON") ? 1 : 0) != 1)
    return S3Error(400, "InvalidRequest", "OutputSerialization must name exactly one of CSV or JSON");
  if (pugi::xml_node csv = Child(out, "CSV")) {
    p.output.format = sel::Format::kCsv;
    if (auto v = Text(csv, "QuoteFields")) {
      auto qf = Lift(sel::ParseQuoteFields(*v));
      if (!qf.ok()) return qf.error();
      p.output.quote_fields = *qf;
    }
    if (auto v = Text(csv, "FieldDelimiter")) p.output.field_delimiter = *v;
    if (auto v = Text(csv, "RecordDelimiter")) p.output.record_delimiter = *v;
    auto q = OneChar(csv, "QuoteCharacter", p.output.quote_character);
    if (!q.ok()) return q.error();
    p.output.quote_character = *q;
    auto qe = OneChar(csv, "QuoteEscapeCharacter", p.output.quote_escape_character);
    if (!qe.ok()) return qe.error();
    p.output.quote_escape_character = *qe;
  } else {
    p.output.format = sel::Format::kJson;
    if (auto v = Text(Child(out, "JSON"), "RecordDelimiter")) p.output.record_delimiter = *v;
  }

  if (pugi::xml_node sr = Child(root, "ScanRange")) {
    auto s = Offset(sr, "Start");
    if (!s.ok()) return s.error();
    auto e = Offset(sr, "End");
    if (!e.ok()) return e.error();
    p.range.start = *s;
    p.range.end = *e;
  }
  return p;
}

std::string StatsXml(const char* root, const sel::Stats& s) {
  return std::string("<") + root + " xmlns=\"\"><BytesScanned>" + std::to_string(s.bytes_scanned) +
         "</BytesScanned><BytesProcessed>" + std::to_string(s.bytes_processed) + "</BytesProcessed><BytesReturned>" +
         std::to_string(s.bytes_returned) + "</BytesReturned></" + root + ">";
}

}  // namespace

Expected<std::string> HandleSelectObjectContent(const std::string& request_xml, std::string_view object) {
  auto req = ParseRequest(request_xml);
  if (!req.ok()) return req.error();
  auto query = Lift(sel::Query::Parse(req->expression));
  if (!query.ok()) return query.error();
  sel::ScanRange range;
  if (!req->range.empty()) {
    auto resolved = Lift(req->range.Resolve(object.size()));
    if (!resolved.ok()) return resolved.error();
    range = *resolved;
  }

  std::string body;
  bool streamed = false;
  auto run = Lift(sel::SelectEngine::Start(*query, req->input, req->output, range, [&](std::string_view records) {
    body += es::EncodeEvent("Records", "application/octet-stream", records);
    streamed = true;
    return Status::Ok();
  }));
  if (!run.ok()) return run.error();
  sel::SelectRun& r = **run;

  // Feed in slices so that LIMIT / ScanRange can stop early, as a streaming server would.
  constexpr size_t kSlice = 256 * 1024;
  Status st;
  for (size_t off = 0; off < object.size() && st.ok() && !r.done(); off += kSlice) {
    const size_t n = std::min(kSlice, object.size() - off);
    st = r.Feed(object.data() + off, n);
  }
  if (st.ok()) st = r.Finish();
  if (!st.ok()) {
    if (!streamed) return FromStatus(st);
    body += es::EncodeError(st.code().empty() ? "InternalError" : st.code(), st.message());
    return body;
  }
  const sel::Stats stats = r.stats();
  if (req->progress) body += es::EncodeEvent("Progress", "text/xml", StatsXml("Progress", stats));
  body += es::EncodeEvent("Stats", "text/xml", StatsXml("Stats", stats));
  body += es::EncodeEvent("End", "", "");
  return body;
}

}  // namespace s3ml::mock
