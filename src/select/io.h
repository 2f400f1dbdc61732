#pragma once
/// \file Streaming readers (CSV, JSON LINES/DOCUMENT, gzip) and output record writers.
/// Readers accept bytes in any chunking and hand out complete records with the byte
/// offset where each starts (for ScanRange). They buffer one partial record at most.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "s3ml/status.h"
#include "select/select.h"
#include "select/value.h"

namespace s3ml::select {

/// S3's limit on one input or output record.
inline constexpr size_t kMaxRecordSize = 1024 * 1024;

/// Deepest nesting of arrays and objects in one JSON input record (the record itself is
/// level 1), like Query::kMaxNestingDepth for SQL. Evaluating and serialising a value
/// recurse once per level, so deeper records fail as JSONParsingError naming the limit,
/// in time linear in the record and without using stack per level.
inline constexpr int kMaxJsonNestingDepth = 128;

/// Record callback: the record, the offset of its first byte and its length in bytes.
/// A non-OK status stops the reader and is returned from Push().
template <class Rec>
using RecordSink = std::function<Status(Rec& record, uint64_t offset, uint64_t size)>;

/// RFC 4180 CSV with S3's options. Thread safety: one thread.
class CsvReader {
 public:
  explicit CsvReader(const CsvInput& opts) : o_(opts) {}
  /// Adds bytes; `final` marks the end of input (flushes an unterminated last record).
  Status Push(std::string_view data, bool final, const RecordSink<std::vector<std::string>>& sink);
  /// No record after the one being handed out is parsed: Push() returns at once from
  /// now on (for a run that needs no more input: LIMIT reached, past the ScanRange).
  void Stop() { stopped_ = true; }

 private:
  enum class Step { kRecord, kSkip, kIncomplete };
  Result<Step> ParseOne(size_t start, bool final, size_t* end);
  bool At(size_t p, const std::string& s) const { return !s.empty() && buf_.compare(p, s.size(), s) == 0; }
  bool PrefixAtEnd(size_t p, const std::string& s) const;

  CsvInput o_;
  std::string buf_;
  uint64_t base_ = 0;  // object offset of buf_[0]
  bool bom_checked_ = false;
  bool stopped_ = false;
  std::vector<std::string> fields_;
};

/// JSON LINES (one value per line) or DOCUMENT (whitespace-separated values that may span
/// lines). Parsing is nlohmann::json; this class only finds value boundaries.
class JsonReader {
 public:
  explicit JsonReader(JsonType type) : type_(type) {}
  Status Push(std::string_view data, bool final, const RecordSink<Json>& sink);
  /// As CsvReader::Stop().
  void Stop() { stopped_ = true; }

 private:
  Status Emit(size_t from, size_t to, const RecordSink<Json>& sink);

  JsonType type_;
  std::string buf_;
  uint64_t base_ = 0;
  bool bom_checked_ = false;
  bool stopped_ = false;
  // DOCUMENT scanner state, kept across pushes so 1-byte feeding stays linear.
  size_t scan_ = 0;
  size_t value_start_ = std::string::npos;
  int depth_ = 0;
  bool in_string_ = false, escape_ = false, scalar_ = false;
};

/// Streaming gzip (and concatenated members) decompression over zlib.
class Inflater {
 public:
  Inflater();
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  /// Decompresses `data`, passing output pieces to `out`. TruncatedInput on corrupt data.
  Status Push(std::string_view data, const std::function<Status(std::string_view)>& out);
  /// TruncatedInput unless the last member ended cleanly.
  Status Finish() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

/// Formats output records per OutputSerialization.
class RecordWriter {
 public:
  explicit RecordWriter(const OutputSerialization& o) : o_(o) {}
  /// One CSV record from already-rendered field texts.
  void Csv(const std::vector<std::string>& fields, std::string* out) const;
  /// One JSON record.
  void JsonRecord(const Json& obj, std::string* out) const;
  const OutputSerialization& options() const { return o_; }

 private:
  OutputSerialization o_;
};

}  // namespace s3ml::select
