// Client::SelectObjectContent: server-side Select over the event stream (decoded by
// ops::SelectStreamSink), with a local fallback that streams the object through the
// same engine the mock serves Select with.

#include <algorithm>
#include <cctype>

#include "client/client_impl.h"
#include "ops/select.h"
#include "s3ml/client.h"
#include "select/select.h"

namespace s3ml {

namespace {

namespace sel = s3ml::select;

constexpr const char* kOp = "SelectObjectContent";

using RecordsFn = ops::SelectStreamSink::RecordsFn;

Status Context(const Status& st, const std::string& resource) {
  if (st.ok() || !st.operation().empty()) return st;
  return st.WithContext(kOp, resource);
}

bool MentionsSelect(const std::string& s) {
  std::string lower(s);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find("select") != std::string::npos;
}

/// The server does not offer Select (or forbids it): run locally instead.
bool ServerRefusesSelect(const Status& st) {
  if (st.category() != ErrorCategory::kService) return false;
  if (st.http_status() == 501 || st.code() == "NotImplemented") return true;
  if (st.http_status() == 405 || st.code() == "MethodNotAllowed") return true;
  return st.code() == "AccessDenied" && MentionsSelect(st.message());
}

sel::InputSerialization ToEngine(const SelectInputSerialization& in) {
  sel::InputSerialization e;
  e.format = in.format == SelectFormat::kJson ? sel::Format::kJson : sel::Format::kCsv;
  e.compression = in.compression == SelectCompression::kGzip ? sel::Compression::kGzip : sel::Compression::kNone;
  e.csv.file_header_info = in.file_header_info == CsvFileHeaderInfo::kUse      ? sel::FileHeaderInfo::kUse
                           : in.file_header_info == CsvFileHeaderInfo::kIgnore ? sel::FileHeaderInfo::kIgnore
                                                                               : sel::FileHeaderInfo::kNone;
  e.csv.field_delimiter = in.field_delimiter;
  e.csv.record_delimiter = in.record_delimiter;
  e.csv.quote_character = in.quote_character;
  e.csv.quote_escape_character = in.quote_escape_character;
  e.csv.comments = in.comments;
  e.csv.allow_quoted_record_delimiter = in.allow_quoted_record_delimiter;
  e.json_type = in.json_type == SelectJsonType::kLines ? sel::JsonType::kLines : sel::JsonType::kDocument;
  return e;
}

sel::OutputSerialization ToEngine(const SelectOutputSerialization& out) {
  sel::OutputSerialization e;
  e.format = out.format == SelectFormat::kJson ? sel::Format::kJson : sel::Format::kCsv;
  e.quote_fields = out.quote_fields == CsvQuoteFields::kAlways ? sel::QuoteFields::kAlways : sel::QuoteFields::kAsNeeded;
  e.field_delimiter = out.field_delimiter;
  e.record_delimiter = out.record_delimiter;
  e.quote_character = out.quote_character;
  e.quote_escape_character = out.quote_escape_character;
  return e;
}

}  // namespace

Status Client::SelectObjectContent(const SelectObjectContentRequest& req, const RecordsFn& on_records,
                                   SelectStats* stats) const {
  const std::string res = ops::ResourceName(req.bucket, req.key);
  S3ML_RETURN_IF_ERROR(Context(ValidateBucketName(req.bucket), res));
  S3ML_RETURN_IF_ERROR(Context(ValidateObjectKey(req.key), res));
  if (!on_records) return Context(Status::InvalidArgument("SelectObjectContent needs a records callback"), res);

  if (!req.force_local) {
    auto http = ops::BuildSelectObjectContent(impl_->target, req);
    if (!http.ok()) return Context(http.status(), res);
    ops::SelectStreamSink sink(on_records);
    ops::ResponseTraits traits;
    traits.operation = kOp;
    traits.not_found_code = "NoSuchKey";
    auto resp = impl_->Execute(cancel_, std::move(*http), &sink, traits, res);
    if (resp.ok()) {
      // The sink's Finish() already refused a stream without End; this guards transports
      // that skip Finish for empty bodies.
      if (!sink.saw_end()) return Context(ops::SelectStreamWithoutEnd(), res);
      if (stats) *stats = sink.stats();
      return Status::Ok();
    }
    if (sink.delivered() || req.disable_local_fallback || !ServerRefusesSelect(resp.status())) return resp.status();
  }

  // ---- local evaluation -------------------------------------------------------------
  auto query = sel::Query::Parse(req.sql);
  if (!query.ok()) return Context(query.status(), res);
  const sel::InputSerialization input = ToEngine(req.input);
  const sel::OutputSerialization output = ToEngine(req.output);

  GetObjectRequest get;
  get.bucket = req.bucket;
  get.key = req.key;
  sel::ScanRange range;
  if (req.scan_range && (req.scan_range->start || req.scan_range->end)) {
    HeadObjectRequest head;
    head.bucket = req.bucket;
    head.key = req.key;
    auto meta = HeadObject(head);
    if (!meta.ok()) return meta.status();
    sel::ScanRange wanted;
    wanted.start = req.scan_range->start;
    wanted.end = req.scan_range->end;
    auto resolved = wanted.Resolve(meta->content_length);
    if (!resolved.ok()) return Context(resolved.status(), res);
    range = *resolved;
    get.if_match = meta->etag;  // the offsets were resolved against this version
  }

  auto run = sel::SelectEngine::Start(*query, input, output, range,
                                      [&on_records](std::string_view records) { return on_records(records); });
  if (!run.ok()) return Context(run.status(), res);
  sel::SelectRun& r = **run;

  // Stop the download once the run can produce nothing more (LIMIT reached, past the range).
  const Status stop_early = Status(ErrorCategory::kCancelled, "select run complete").WithCode("S3mlSelectDone");
  Status run_error;
  auto got = GetObject(get, [&](const char* data, std::size_t n) -> Status {
    if (r.done()) return stop_early;
    Status st = r.Feed(data, n);
    if (!st.ok()) {
      run_error = st;
      return st;
    }
    return r.done() ? stop_early : Status::Ok();
  });
  if (!run_error.ok()) return Context(run_error, res);
  if (!got.ok() && got.status().code() != "S3mlSelectDone") return got.status();
  S3ML_RETURN_IF_ERROR(Context(r.Finish(), res));
  if (stats) {
    const sel::Stats s = r.stats();
    stats->bytes_scanned = s.bytes_scanned;
    stats->bytes_processed = s.bytes_processed;
    stats->bytes_returned = s.bytes_returned;
    stats->evaluated_locally = true;
  }
  return Status::Ok();
}

}  // namespace s3ml
