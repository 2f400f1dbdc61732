#pragma once
// Helpers for the select engine tests: run a query over bytes fed in fixed-size chunks.
#include <zlib.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "select/select.h"

namespace s3ml::select::testing {

struct Outcome {
  std::string text;
  Status status;
  Stats stats;
  int callbacks = 0;
};

inline InputSerialization CsvIn(FileHeaderInfo h = FileHeaderInfo::kNone) {
  InputSerialization in;
  in.format = Format::kCsv;
  in.csv.file_header_info = h;
  return in;
}
inline InputSerialization JsonIn(JsonType t) {
  InputSerialization in;
  in.format = Format::kJson;
  in.json_type = t;
  return in;
}
inline OutputSerialization CsvOut() { return OutputSerialization{}; }
inline OutputSerialization JsonOut() {
  OutputSerialization o;
  o.format = Format::kJson;
  return o;
}

/// Parses, starts and feeds `data` in `chunk`-byte pieces; any error lands in `status`.
inline Outcome RunQuery(std::string_view sql, std::string_view data, const InputSerialization& in = CsvIn(),
                        const OutputSerialization& out = CsvOut(), ScanRange range = {},
                        size_t chunk = static_cast<size_t>(-1), size_t out_chunk = SelectEngine::kDefaultOutputChunk) {
  Outcome o;
  auto q = Query::Parse(sql);
  if (!q.ok()) {
    o.status = q.status();
    return o;
  }
  auto run = SelectEngine::Start(*q, in, out, range, [&](std::string_view rec) {
    o.text.append(rec.data(), rec.size());
    ++o.callbacks;
    return Status::Ok();
  }, out_chunk);
  if (!run.ok()) {
    o.status = run.status();
    return o;
  }
  for (size_t off = 0; off < data.size(); off += chunk) {
    o.status = (*run)->Feed(data.data() + off, std::min(chunk, data.size() - off));
    if (!o.status.ok()) return o;
  }
  o.status = (*run)->Finish();
  o.stats = (*run)->stats();
  return o;
}

/// Output text, or "ERROR <code>" when the run failed.
inline std::string Sel(std::string_view sql, std::string_view data, const InputSerialization& in = CsvIn(),
                       const OutputSerialization& out = CsvOut(), size_t chunk = static_cast<size_t>(-1)) {
  auto o = RunQuery(sql, data, in, out, {}, chunk);
  if (!o.status.ok()) return "ERROR " + o.status.code();
  return o.text;
}

inline std::string Gzip(std::string_view data) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace s3ml::select::testing
