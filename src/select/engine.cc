// SelectRun: wires decompression -> record reader -> FROM path -> WHERE -> projection or
// aggregation -> output writer, honouring ScanRange and LIMIT.
#include <algorithm>
#include <cctype>

#include "select/ast.h"
#include "select/eval.h"
#include "select/io.h"
#include "select/select.h"

namespace s3ml::select {

Result<ScanRange> ScanRange::Resolve(uint64_t object_size) const {
  ScanRange r;
  if (!start && !end) return r;
  if (!start) {  // the last `end` bytes
    r.start = *end >= object_size ? 0 : object_size - *end;
    r.end = object_size ? object_size - 1 : 0;
  } else {
    r.start = start;
    // Open-ended: to the last byte (a start past the end simply matches no record).
    r.end = end ? *end : std::max<uint64_t>(*start, object_size ? object_size - 1 : 0);
  }
  if (start && end && *start > *end)
    return Status::InvalidArgument("ScanRange start " + std::to_string(*start) + " is after end " + std::to_string(*end))
        .WithCode("InvalidScanRange")
        .WithHttpStatus(400);
  return r;
}

Result<Query> Query::Parse(std::string_view sql) {
  S3ML_ASSIGN_OR_RETURN(auto plan, ParseSql(sql));
  return Query(std::move(plan));
}

bool Query::is_aggregate() const { return plan_->aggregate_count > 0; }
const std::string& Query::sql() const { return plan_->sql; }

namespace {

Status BadParam(const std::string& what) {
  return Status::InvalidArgument(what).WithCode("InvalidRequestParameter").WithHttpStatus(400);
}

class Run final : public SelectRun {
 public:
  Run(const Query& q, const InputSerialization& in, const OutputSerialization& out, const ScanRange& range,
      OutputCallback cb, size_t chunk)
      : query_(q), plan_(q.plan()), in_(in), writer_(out), range_(range), cb_(std::move(cb)), chunk_(chunk),
        eval_(plan_), csv_(in.csv), json_(in.json_type) {
    if (in.compression == Compression::kGzip) inflater_ = std::make_unique<Inflater>();
    if (plan_.limit && *plan_.limit == 0) MarkDone();
    header_pending_ = in.format == Format::kCsv && in.csv.file_header_info != FileHeaderInfo::kNone;
  }

  Status Feed(const char* data, size_t n) override {
    if (!failed_.ok()) return failed_;
    if (finished_) return Fail(Status(ErrorCategory::kInvalidArgument, "Feed after Finish").WithCode("InternalError"));
    if (done_) return Status::Ok();
    if (range_.empty()) stats_.bytes_scanned += n;
    return Fail(Decompress(std::string_view(data, n)));
  }

  Status Finish() override {
    if (!failed_.ok()) return failed_;
    if (finished_) return Status::Ok();
    finished_ = true;
    if (!done_) {
      if (inflater_) S3ML_RETURN_IF_ERROR(Fail(inflater_->Finish()));
      S3ML_RETURN_IF_ERROR(Fail(Process({}, true)));
    }
    if (query_.is_aggregate() && !(plan_.limit && *plan_.limit == 0)) {
      std::vector<Value> vals;
      for (auto& item : plan_.items) {
        auto v = eval_.EvalFinal(*item.expr);
        if (!v.ok()) return Fail(v.status());
        vals.push_back(std::move(*v));
      }
      S3ML_RETURN_IF_ERROR(Fail(Project(vals)));
    }
    return Fail(Flush(true));
  }

  bool done() const override { return done_ || finished_ || !failed_.ok(); }
  Stats stats() const override { return stats_; }

 private:
  // No further input can change the output: the readers stop at the current record,
  // so what follows it (however the object was chunked) is never parsed and cannot
  // fail the run.
  void MarkDone() {
    done_ = true;
    csv_.Stop();
    json_.Stop();
  }

  Status Fail(Status st) {
    if (!st.ok() && failed_.ok()) failed_ = st;
    return st;
  }

  Status Decompress(std::string_view data) {
    if (!inflater_) return Process(data, false);
    return inflater_->Push(data, [this](std::string_view piece) { return done_ ? Status::Ok() : Process(piece, false); });
  }

  Status Process(std::string_view data, bool final) {
    if (range_.empty()) stats_.bytes_processed += data.size();
    if (in_.format == Format::kCsv) {
      return csv_.Push(data, final, [this](std::vector<std::string>& fields, uint64_t off, uint64_t size) {
        return OnCsv(fields, off, size);
      });
    }
    return json_.Push(data, final, [this](Json& doc, uint64_t off, uint64_t size) { return OnJson(doc, off, size); });
  }

  // ScanRange: true when the record is outside the range (and marks the run done past it).
  bool OutOfRange(uint64_t off, uint64_t size) {
    if (done_) return true;
    if (range_.empty()) return false;
    if (off < *range_.start) return true;
    if (off > *range_.end) {
      MarkDone();
      return true;
    }
    stats_.bytes_scanned += size;
    stats_.bytes_processed += size;
    return false;
  }

  Status OnCsv(std::vector<std::string>& fields, uint64_t off, uint64_t size) {
    if (header_pending_) {  // the header is the object's first record, whatever the range
      header_pending_ = false;
      if (in_.csv.file_header_info == FileHeaderInfo::kUse) headers_ = std::make_unique<HeaderIndex>(fields);
      return Status::Ok();
    }
    if (OutOfRange(off, size)) return Status::Ok();
    Row row;
    row.fields = &fields;
    row.headers = headers_.get();
    return OnRow(row);
  }

  Status OnJson(Json& doc, uint64_t off, uint64_t size) {
    if (OutOfRange(off, size)) return Status::Ok();
    auto root = std::make_shared<const Json>(std::move(doc));
    return Walk(root, *root, 0);
  }

  // Applies the FROM path (S3Object[*].a[*] ...) and evaluates each row it yields.
  Status Walk(const std::shared_ptr<const Json>& root, const Json& node, size_t step) {
    if (done_) return Status::Ok();
    if (step == plan_.from_path.size()) {
      Row row;
      row.json = Value::FromJson(root, node);
      return OnRow(row);
    }
    const PathStep& st = plan_.from_path[step];
    switch (st.kind) {
      case PathStep::Kind::kWildcard:
        if (node.is_array()) {
          for (const auto& el : node) S3ML_RETURN_IF_ERROR(Walk(root, el, step + 1));
          return Status::Ok();
        }
        return Walk(root, node, step + 1);
      case PathStep::Kind::kIndex:
        if (node.is_array() && st.index >= 0 && static_cast<size_t>(st.index) < node.size())
          return Walk(root, node[static_cast<size_t>(st.index)], step + 1);
        return Status::Ok();
      case PathStep::Kind::kField: {
        if (!node.is_object()) return Status::Ok();
        auto it = node.find(st.name);
        if (it != node.end()) return Walk(root, *it, step + 1);
        if (st.quoted) return Status::Ok();
        for (auto jt = node.begin(); jt != node.end(); ++jt) {
          const std::string& k = jt.key();
          if (k.size() == st.name.size() &&
              std::equal(k.begin(), k.end(), st.name.begin(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
              }))
            return Walk(root, jt.value(), step + 1);
        }
        return Status::Ok();
      }
    }
    return Status::Ok();
  }

  Status OnRow(const Row& row) {
    S3ML_ASSIGN_OR_RETURN(bool keep, eval_.Matches(row));
    if (!keep) return Status::Ok();
    if (query_.is_aggregate()) return eval_.Accumulate(row);
    if (plan_.select_star) {
      S3ML_RETURN_IF_ERROR(Star(row));
    } else {
      std::vector<Value> vals;
      for (auto& item : plan_.items) {
        S3ML_ASSIGN_OR_RETURN(Value v, eval_.Eval(*item.expr, row));
        vals.push_back(std::move(v));
      }
      S3ML_RETURN_IF_ERROR(Project(vals));
    }
    ++emitted_;
    if (plan_.limit && emitted_ >= *plan_.limit) MarkDone();
    return Flush(false);
  }

  Status Star(const Row& row) {
    const size_t before = out_.size();
    if (row.fields) {
      if (writer_.options().format == Format::kCsv) {
        writer_.Csv(*row.fields, &out_);
      } else {
        writer_.JsonRecord(*Evaluator::RowValue(row).json, &out_);
      }
    } else if (writer_.options().format == Format::kJson) {
      if (row.json.kind == Value::Kind::kJson && row.json.json->is_object()) {
        writer_.JsonRecord(*row.json.json, &out_);
      } else {
        Json obj = Json::object();
        obj["_1"] = ToJson(row.json);
        writer_.JsonRecord(obj, &out_);
      }
    } else {
      std::vector<std::string> texts;
      if (row.json.kind == Value::Kind::kJson && row.json.json->is_object()) {
        for (const auto& el : *row.json.json) texts.push_back(ToText(Value::FromJson(row.json.json, el)));
      } else {
        texts.push_back(ToText(row.json));
      }
      writer_.Csv(texts, &out_);
    }
    return Account(before);
  }

  Status Project(const std::vector<Value>& vals) {
    const size_t before = out_.size();
    if (writer_.options().format == Format::kCsv) {
      std::vector<std::string> texts;
      for (auto& v : vals) texts.push_back(ToText(v));
      writer_.Csv(texts, &out_);
    } else {
      Json obj = Json::object();
      for (size_t k = 0; k < vals.size(); ++k) {
        if (vals[k].kind == Value::Kind::kMissing) continue;  // MISSING attributes are omitted
        const std::string& alias = plan_.items[k].alias;
        obj[alias.empty() ? "_" + std::to_string(k + 1) : alias] = ToJson(vals[k]);
      }
      writer_.JsonRecord(obj, &out_);
    }
    return Account(before);
  }

  Status Account(size_t before) {
    size_t n = out_.size() - before;
    if (n > kMaxRecordSize) return DataError("OverMaxRecordSize", "An output record is longer than the 1 MB limit");
    stats_.bytes_returned += n;
    return Status::Ok();
  }

  Status Flush(bool all) {
    if (out_.empty() || (!all && out_.size() < chunk_)) return Status::Ok();
    std::string chunk;
    chunk.swap(out_);
    return cb_(chunk);
  }

  Query query_;  // keeps the plan alive
  const QueryPlan& plan_;
  InputSerialization in_;
  RecordWriter writer_;
  ScanRange range_;
  OutputCallback cb_;
  size_t chunk_;
  Evaluator eval_;
  CsvReader csv_;
  JsonReader json_;
  std::unique_ptr<Inflater> inflater_;
  std::unique_ptr<HeaderIndex> headers_;
  bool header_pending_ = false;
  bool done_ = false;
  bool finished_ = false;
  int64_t emitted_ = 0;
  std::string out_;
  Stats stats_;
  Status failed_;
};

bool ValidDelimiter(const std::string& d) { return !d.empty() && d.size() <= 2; }

}  // namespace

Result<std::unique_ptr<SelectRun>> SelectEngine::Start(const Query& query, const InputSerialization& input,
                                                       const OutputSerialization& output, const ScanRange& range,
                                                       OutputCallback on_records, size_t output_chunk) {
  if (!on_records) return BadParam("SelectEngine::Start needs an output callback");
  if (input.format == Format::kCsv) {
    const CsvInput& c = input.csv;
    if (!ValidDelimiter(c.field_delimiter) || !ValidDelimiter(c.record_delimiter))
      return BadParam("CSV FieldDelimiter and RecordDelimiter must be 1 or 2 characters");
    if (c.field_delimiter == c.record_delimiter) return BadParam("CSV FieldDelimiter and RecordDelimiter must differ");
    if (!query.plan().from_path.empty())
      return SqlError("UnsupportedSyntax", "FROM S3Object paths are only valid for JSON input", Pos{});
  }
  if (!ValidDelimiter(output.record_delimiter) || (output.format == Format::kCsv && !ValidDelimiter(output.field_delimiter)))
    return BadParam("Output FieldDelimiter and RecordDelimiter must be 1 or 2 characters");
  if (!range.empty()) {
    if (!range.start || !range.end)
      return BadParam("ScanRange must be resolved to absolute offsets (ScanRange::Resolve) before starting");
    if (*range.start > *range.end)
      return Status::InvalidArgument("ScanRange start is after end").WithCode("InvalidScanRange").WithHttpStatus(400);
    const bool supported = input.compression == Compression::kNone &&
                           (input.format == Format::kCsv ? !input.csv.allow_quoted_record_delimiter
                                                         : input.json_type == JsonType::kLines);
    if (!supported)
      return Status::InvalidArgument(
                 "ScanRange is supported only for uncompressed CSV (without AllowQuotedRecordDelimiter) and JSON LINES")
          .WithCode("UnsupportedScanRangeInput")
          .WithHttpStatus(400);
  }
  if (output_chunk == 0) output_chunk = 1;
  return std::unique_ptr<SelectRun>(new Run(query, input, output, range, std::move(on_records), output_chunk));
}

Result<SelectEngine::Output> SelectEngine::Execute(const Query& query, const InputSerialization& input,
                                                   const OutputSerialization& output, const ScanRange& range,
                                                   std::string_view object) {
  Output out;
  S3ML_ASSIGN_OR_RETURN(auto run, Start(query, input, output, range, [&out](std::string_view recs) {
    out.records.append(recs.data(), recs.size());
    return Status::Ok();
  }));
  S3ML_RETURN_IF_ERROR(run->Feed(object.data(), object.size()));
  S3ML_RETURN_IF_ERROR(run->Finish());
  out.stats = run->stats();
  return out;
}

namespace {
bool Is(std::string_view s, const char* want) {
  size_t n = std::char_traits<char>::length(want);
  if (s.size() != n) return false;
  for (size_t k = 0; k < n; ++k)
    if (std::toupper(static_cast<unsigned char>(s[k])) != want[k]) return false;
  return true;
}
Status BadEnum(const char* code, const char* what, std::string_view s) {
  return Status::InvalidArgument(std::string("Invalid ") + what + " '" + std::string(s) + "'")
      .WithCode(code)
      .WithHttpStatus(400);
}
}  // namespace

Result<FileHeaderInfo> ParseFileHeaderInfo(std::string_view s) {
  if (Is(s, "NONE")) return FileHeaderInfo::kNone;
  if (Is(s, "IGNORE")) return FileHeaderInfo::kIgnore;
  if (Is(s, "USE")) return FileHeaderInfo::kUse;
  return BadEnum("InvalidFileHeaderInfo", "FileHeaderInfo (USE, IGNORE or NONE)", s);
}

Result<JsonType> ParseJsonType(std::string_view s) {
  if (Is(s, "DOCUMENT")) return JsonType::kDocument;
  if (Is(s, "LINES")) return JsonType::kLines;
  return BadEnum("InvalidJsonType", "JSON Type (DOCUMENT or LINES)", s);
}

Result<QuoteFields> ParseQuoteFields(std::string_view s) {
  if (Is(s, "ASNEEDED")) return QuoteFields::kAsNeeded;
  if (Is(s, "ALWAYS")) return QuoteFields::kAlways;
  return BadEnum("InvalidQuoteFields", "QuoteFields (ALWAYS or ASNEEDED)", s);
}

Result<Compression> ParseCompression(std::string_view s) {
  if (s.empty() || Is(s, "NONE")) return Compression::kNone;
  if (Is(s, "GZIP")) return Compression::kGzip;
  return BadEnum("InvalidCompressionFormat", "CompressionType (s3ml supports NONE and GZIP)", s);
}

}  // namespace s3ml::select
