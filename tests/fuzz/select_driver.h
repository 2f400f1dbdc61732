#pragma once
// Runs one S3 Select query over one input, once in a single piece and once fed in
// chunks, and checks that the two agree (the engine promises any chunking works).
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "select/select.h"

namespace s3ml::fuzz {

namespace sel = s3ml::select;

inline sel::OutputSerialization OutputFor(std::uint8_t b) {
  sel::OutputSerialization out;
  out.format = (b & 1) ? sel::Format::kJson : sel::Format::kCsv;
  out.quote_fields = (b & 2) ? sel::QuoteFields::kAlways : sel::QuoteFields::kAsNeeded;
  if (b & 4) out.field_delimiter = "\t";
  if (b & 8) out.record_delimiter = "\r\n";
  return out;
}

inline sel::ScanRange RangeFor(std::uint8_t b, std::size_t size) {
  sel::ScanRange r;
  switch (b % 4) {
    case 0: break;
    case 1: r.start = (b >> 2) % (size + 1); break;
    case 2: r.end = (b >> 2); break;  // the last N bytes
    case 3: r.start = (b >> 4); r.end = (b >> 4) + (b >> 2 & 3) * 16; break;
  }
  return r;
}

/// Whole-object run vs. chunked run of `sql` over `object`.
inline void RunSelect(std::string_view sql, const sel::InputSerialization& input, const sel::OutputSerialization& output,
                      const sel::ScanRange& wanted, std::string_view object, std::size_t chunk) {
  auto q = sel::Query::Parse(sql);
  if (!q.ok()) return;
  auto range = wanted.empty() ? Result<sel::ScanRange>(wanted) : wanted.Resolve(object.size());
  if (!range.ok()) return;
  auto whole = sel::SelectEngine::Execute(*q, input, output, *range, object);

  std::string records;
  auto run = sel::SelectEngine::Start(*q, input, output, *range, [&](std::string_view r) {
    records.append(r);
    return Status::Ok();
  });
  if (!run.ok()) {
    S3ML_FUZZ_CHECK(!whole.ok());
    return;
  }
  Status st;
  for (std::size_t i = 0; i < object.size() && st.ok() && !(*run)->done(); i += chunk)
    st = (*run)->Feed(object.data() + i, std::min(chunk, object.size() - i));
  if (st.ok()) st = (*run)->Finish();
  // Chunking never changes the outcome or the records.
  S3ML_FUZZ_CHECK(st.ok() == whole.ok());
  if (st.ok()) S3ML_FUZZ_CHECK(records == whole->records);
}

}  // namespace s3ml::fuzz
