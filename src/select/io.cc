#include "select/io.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>

#include "select/ast.h"

namespace s3ml::select {

namespace {
constexpr std::string_view kBom = "\xEF\xBB\xBF";

Status TooLarge() {
  return DataError("OverMaxRecordSize", "A record is longer than the 1 MB limit of S3 Select");
}
}  // namespace

// ---- CSV -----------------------------------------------------------------------------

bool CsvReader::PrefixAtEnd(size_t p, const std::string& s) const {
  // True when buf_[p..] is a proper prefix of `s` (a delimiter may continue in the next chunk).
  size_t rest = buf_.size() - p;
  return !s.empty() && rest < s.size() && s.compare(0, rest, buf_, p, rest) == 0;
}

Result<CsvReader::Step> CsvReader::ParseOne(size_t start, bool final, size_t* end) {
  const std::string& fd = o_.field_delimiter;
  const std::string& rd = o_.record_delimiter;
  const char q = o_.quote_character, esc = o_.quote_escape_character;
  const size_t n = buf_.size();
  size_t p = start;
  if (!o_.comments.empty() && (buf_.compare(p, o_.comments.size(), o_.comments) == 0 || PrefixAtEnd(p, o_.comments))) {
    if (PrefixAtEnd(p, o_.comments) && !final) return Step::kIncomplete;
    if (buf_.compare(p, o_.comments.size(), o_.comments) == 0) {
      size_t nl = buf_.find(rd, p);
      if (nl == std::string::npos) {
        if (!final) return Step::kIncomplete;
        *end = n;
      } else {
        *end = nl + rd.size();
      }
      return Step::kSkip;
    }
  }
  fields_.clear();
  std::string field;
  bool in_quotes = false, field_start = true, any_quoted = false;
  while (p < n) {
    char c = buf_[p];
    if (in_quotes) {
      if (c == esc && esc != q) {
        if (p + 1 == n && !final) return Step::kIncomplete;
        if (p + 1 < n && (buf_[p + 1] == q || buf_[p + 1] == esc)) {
          field += buf_[p + 1];
          p += 2;
          continue;
        }
      }
      if (c == q) {
        if (p + 1 == n && !final) return Step::kIncomplete;
        if (p + 1 < n && buf_[p + 1] == q) {
          field += q;
          p += 2;
          continue;
        }
        in_quotes = false;
        ++p;
        continue;
      }
      if (!o_.allow_quoted_record_delimiter) {
        if (At(p, rd))
          return DataError("CSVEscapingRecordDelimiter",
                           "A quoted record delimiter was found at byte " + std::to_string(base_ + p) +
                               "; set AllowQuotedRecordDelimiter to TRUE to allow it");
        if (PrefixAtEnd(p, rd) && !final) return Step::kIncomplete;
      }
      field += c;
      ++p;
      continue;
    }
    if (field_start && c == q) {
      in_quotes = true;
      any_quoted = true;
      field_start = false;
      ++p;
      continue;
    }
    if (At(p, fd)) {
      fields_.push_back(std::move(field));
      field.clear();
      p += fd.size();
      field_start = true;
      continue;
    }
    if (At(p, rd)) {
      *end = p + rd.size();
      if (rd == "\n" && !field.empty() && field.back() == '\r') field.pop_back();  // CRLF files
      fields_.push_back(std::move(field));
      break;
    }
    if (!final && (PrefixAtEnd(p, fd) || PrefixAtEnd(p, rd))) return Step::kIncomplete;
    field += c;
    field_start = false;
    ++p;
  }
  if (p >= n) {
    if (!final) return Step::kIncomplete;
    if (in_quotes)
      return DataError("CSVParsingError", "Unterminated quoted field in the record at byte " + std::to_string(base_ + start));
    if (rd == "\n" && !field.empty() && field.back() == '\r') field.pop_back();
    fields_.push_back(std::move(field));
    *end = n;
  }
  if (fields_.size() == 1 && fields_[0].empty() && !any_quoted) return Step::kSkip;  // blank line
  return Step::kRecord;
}

Status CsvReader::Push(std::string_view data, bool final, const RecordSink<std::vector<std::string>>& sink) {
  if (stopped_) return Status::Ok();
  buf_.append(data.data(), data.size());
  if (!bom_checked_) {
    if (buf_.size() < kBom.size() && !final && kBom.compare(0, buf_.size(), buf_) == 0) return Status::Ok();
    bom_checked_ = true;
    if (buf_.compare(0, kBom.size(), kBom) == 0) {
      buf_.erase(0, kBom.size());
      base_ += kBom.size();
    }
  }
  size_t pos = 0;
  Status st;
  while (pos < buf_.size() && !stopped_) {
    size_t end = 0;
    auto step = ParseOne(pos, final, &end);
    if (!step.ok()) {
      st = step.status();
      break;
    }
    if (*step == Step::kIncomplete) {
      if (buf_.size() - pos > kMaxRecordSize) st = TooLarge();
      break;
    }
    if (*step == Step::kRecord) {
      st = sink(fields_, base_ + pos, end - pos);
      if (!st.ok()) break;
    }
    pos = end;
  }
  buf_.erase(0, pos);
  base_ += pos;
  return st;
}

// ---- JSON ----------------------------------------------------------------------------

Status JsonReader::Emit(size_t from, size_t to, const RecordSink<Json>& sink) {
  // nlohmann's parser keeps its own stack, but what the engine does with a value
  // afterwards (paths, output) recurses per level: refuse deep records first.
  int depth = 0;
  bool in_string = false, escape = false;
  for (size_t k = from; k < to; ++k) {
    const char c = buf_[k];
    if (in_string) {
      if (escape) escape = false;
      else if (c == '\\') escape = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxJsonNestingDepth)
        return DataError("JSONParsingError", "The JSON record at byte " + std::to_string(base_ + from) +
                                                 " nests arrays and objects deeper than " +
                                                 std::to_string(kMaxJsonNestingDepth) + " levels");
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  Json doc = Json::parse(buf_.begin() + static_cast<std::ptrdiff_t>(from), buf_.begin() + static_cast<std::ptrdiff_t>(to),
                         nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded())
    return DataError("JSONParsingError", "Invalid JSON in the record at byte " + std::to_string(base_ + from));
  return sink(doc, base_ + from, to - from);
}

Status JsonReader::Push(std::string_view data, bool final, const RecordSink<Json>& sink) {
  if (stopped_) return Status::Ok();
  buf_.append(data.data(), data.size());
  if (!bom_checked_) {
    if (buf_.size() < kBom.size() && !final && kBom.compare(0, buf_.size(), buf_) == 0) return Status::Ok();
    bom_checked_ = true;
    if (buf_.compare(0, kBom.size(), kBom) == 0) {
      buf_.erase(0, kBom.size());
      base_ += kBom.size();
    }
  }
  size_t consumed = 0;
  Status st;
  auto blank = [&](size_t a, size_t b) {
    for (size_t k = a; k < b; ++k)
      if (!std::isspace(static_cast<unsigned char>(buf_[k]))) return false;
    return true;
  };
  if (type_ == JsonType::kLines) {
    while (st.ok() && !stopped_) {
      size_t nl = buf_.find('\n', std::max(consumed, scan_));
      if (nl == std::string::npos) {
        scan_ = buf_.size();
        if (!final) break;
        nl = buf_.size();
        if (nl == consumed) break;
      }
      if (!blank(consumed, nl)) st = Emit(consumed, nl, sink);
      consumed = std::min(nl + 1, buf_.size());
      if (nl == buf_.size()) break;
    }
    if (st.ok() && !stopped_ && buf_.size() - consumed > kMaxRecordSize) st = TooLarge();
  } else {
    for (size_t p = scan_; p < buf_.size() && st.ok() && !stopped_; ++p) {
      char c = buf_[p];
      if (value_start_ == std::string::npos) {
        if (std::isspace(static_cast<unsigned char>(c))) {
          consumed = p + 1;
          continue;
        }
        value_start_ = p;
        depth_ = 0;
        scalar_ = c != '{' && c != '[';
        in_string_ = false;
      }
      if (in_string_) {
        if (escape_) escape_ = false;
        else if (c == '\\') escape_ = true;
        else if (c == '"') in_string_ = false;
        if (!scalar_ || in_string_) continue;
      } else if (c == '"') {
        in_string_ = true;
        continue;
      }
      if (scalar_) {
        // A top-level scalar ends at whitespace or where a container starts.
        if (p > value_start_ && (std::isspace(static_cast<unsigned char>(c)) || c == '{' || c == '[')) {
          st = Emit(value_start_, p, sink);
          value_start_ = std::string::npos;
          consumed = p;
          --p;  // rescan this byte as the start of the next value
        }
        continue;
      }
      if (c == '{' || c == '[') ++depth_;
      else if (c == '}' || c == ']') {
        if (--depth_ == 0) {
          st = Emit(value_start_, p + 1, sink);
          value_start_ = std::string::npos;
          consumed = p + 1;
        }
      }
    }
    if (st.ok() && !stopped_ && final && value_start_ != std::string::npos) {
      if (scalar_ && !in_string_) {
        st = Emit(value_start_, buf_.size(), sink);
        consumed = buf_.size();
      } else {
        st = DataError("JSONParsingError", "Truncated JSON document at byte " + std::to_string(base_ + value_start_));
      }
      value_start_ = std::string::npos;
    }
    scan_ = buf_.size();
    if (st.ok() && !stopped_ && buf_.size() - consumed > kMaxRecordSize) st = TooLarge();
  }
  buf_.erase(0, consumed);
  base_ += consumed;
  if (value_start_ != std::string::npos) value_start_ -= consumed;
  scan_ = scan_ >= consumed ? scan_ - consumed : 0;
  return st;
}

// ---- gzip ----------------------------------------------------------------------------

struct Inflater::State {
  z_stream z{};
  bool init = false;
  bool ended = false;   // the current member reached Z_STREAM_END
  bool any = false;     // at least one byte was seen
};

Inflater::Inflater() : s_(std::make_unique<State>()) {
  s_->init = inflateInit2(&s_->z, 16 + MAX_WBITS) == Z_OK;
}

Inflater::~Inflater() {
  if (s_->init) inflateEnd(&s_->z);
}

Status Inflater::Push(std::string_view data, const std::function<Status(std::string_view)>& out) {
  if (!s_->init) return DataError("InternalError", "zlib initialisation failed");
  z_stream& z = s_->z;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  char buf[16384];
  while (z.avail_in > 0) {
    if (s_->ended) {  // another gzip member follows
      if (inflateReset(&z) != Z_OK) return DataError("TruncatedInput", "Object decompression failed");
      s_->ended = false;
    }
    s_->any = true;
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    int rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
      return DataError("TruncatedInput", std::string("Object decompression failed: ") + (z.msg ? z.msg : "corrupt GZIP data"));
    size_t produced = sizeof(buf) - z.avail_out;
    if (produced) S3ML_RETURN_IF_ERROR(out(std::string_view(buf, produced)));
    if (rc == Z_STREAM_END) s_->ended = true;
    else if (rc == Z_BUF_ERROR && produced == 0) break;
  }
  // Drain output still pending inside zlib (input exhausted but output buffer was full).
  while (!s_->ended) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    int rc = inflate(&z, Z_NO_FLUSH);
    size_t produced = sizeof(buf) - z.avail_out;
    if (produced) S3ML_RETURN_IF_ERROR(out(std::string_view(buf, produced)));
    if (rc == Z_STREAM_END) s_->ended = true;
    if (produced == 0 || (rc != Z_OK && rc != Z_STREAM_END)) break;
  }
  return Status::Ok();
}

Status Inflater::Finish() const {
  if (!s_->any || !s_->ended) return DataError("TruncatedInput", "Object decompression failed: the GZIP stream is truncated");
  return Status::Ok();
}

// ---- output --------------------------------------------------------------------------

void RecordWriter::Csv(const std::vector<std::string>& fields, std::string* out) const {
  const char q = o_.quote_character;
  for (size_t k = 0; k < fields.size(); ++k) {
    if (k) *out += o_.field_delimiter;
    const std::string& f = fields[k];
    bool quote = o_.quote_fields == QuoteFields::kAlways ||
                 f.find(o_.field_delimiter) != std::string::npos || f.find(o_.record_delimiter) != std::string::npos ||
                 f.find(q) != std::string::npos || f.find('\n') != std::string::npos || f.find('\r') != std::string::npos;
    if (!quote) {
      *out += f;
      continue;
    }
    *out += q;
    for (char c : f) {
      if (c == q) *out += o_.quote_escape_character;
      *out += c;
    }
    *out += q;
  }
  *out += o_.record_delimiter;
}

void RecordWriter::JsonRecord(const Json& obj, std::string* out) const {
  *out += obj.dump(-1, ' ', false, Json::error_handler_t::replace);
  *out += o_.record_delimiter;
}

}  // namespace s3ml::select
