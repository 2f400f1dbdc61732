#pragma once
/// \file The S3 Select SQL engine: parse a query once, then stream an object's bytes
/// through a SelectRun that emits serialized output records.
///
/// Shared by the mock server (server-side SelectObjectContent) and the client (local
/// fallback). No wire protocol here: callers map request XML to these structs and wrap
/// the emitted bytes in event-stream `Records` messages.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "s3ml/result.h"
#include "s3ml/status.h"

namespace s3ml::select {

/// How the first CSV line is treated (S3 `FileHeaderInfo`).
enum class FileHeaderInfo { kNone, kIgnore, kUse };

/// CSV input options (S3 `InputSerialization/CSV`). Delimiters may be 1-2 bytes.
struct CsvInput {
  FileHeaderInfo file_header_info = FileHeaderInfo::kNone;
  std::string field_delimiter = ",";
  std::string record_delimiter = "\n";
  char quote_character = '"';
  char quote_escape_character = '"';
  /// Lines starting with this string are skipped; S3's default is "#". Empty: none.
  std::string comments = "#";
  bool allow_quoted_record_delimiter = false;
};

/// JSON input type (S3 `InputSerialization/JSON/Type`).
enum class JsonType { kDocument, kLines };

enum class Format { kCsv, kJson };
enum class Compression { kNone, kGzip };

/// S3 `InputSerialization`.
struct InputSerialization {
  Format format = Format::kCsv;
  CsvInput csv;
  JsonType json_type = JsonType::kDocument;
  Compression compression = Compression::kNone;
};

/// S3 `OutputSerialization/CSV/QuoteFields`.
enum class QuoteFields { kAsNeeded, kAlways };

/// S3 `OutputSerialization` (CSV fields are used for CSV output, `record_delimiter` by both).
struct OutputSerialization {
  Format format = Format::kCsv;
  QuoteFields quote_fields = QuoteFields::kAsNeeded;
  std::string field_delimiter = ",";
  std::string record_delimiter = "\n";
  char quote_character = '"';
  char quote_escape_character = '"';
};

/// S3 `ScanRange`: byte offsets of the (uncompressed) object, both inclusive. Records
/// that START inside [start, end] are processed, even if they end after `end`.
/// S3 also allows only `end` (meaning "the last `end` bytes"); resolve that with
/// `Resolve(object_size)` before starting a run.
struct ScanRange {
  std::optional<uint64_t> start;
  std::optional<uint64_t> end;

  bool empty() const { return !start && !end; }
  /// Turns the "last N bytes" form into absolute offsets; InvalidScanRange if start > end.
  Result<ScanRange> Resolve(uint64_t object_size) const;
};

/// S3 `Stats`: compressed bytes read, uncompressed bytes parsed, output bytes emitted.
struct Stats {
  uint64_t bytes_scanned = 0;
  uint64_t bytes_processed = 0;
  uint64_t bytes_returned = 0;
};

/// Parsers for the request's enumerated strings (case-insensitive), for callers mapping
/// SelectObjectContent XML. Errors carry S3's codes: InvalidFileHeaderInfo,
/// InvalidJsonType, InvalidQuoteFields, InvalidCompressionFormat (BZIP2 is not supported).
Result<FileHeaderInfo> ParseFileHeaderInfo(std::string_view s);
Result<JsonType> ParseJsonType(std::string_view s);
Result<QuoteFields> ParseQuoteFields(std::string_view s);
Result<Compression> ParseCompression(std::string_view s);

struct QueryPlan;  // parsed AST, internal

/// A parsed S3 Select SQL statement. Immutable once parsed; cheap to copy.
///
/// Thread safety: a Query may be shared by any number of concurrent runs.
class Query {
 public:
  /// S3's limit on the length of the SQL text, in bytes (256 KB).
  static constexpr size_t kMaxExpressionBytes = 256 * 1024;
  /// Deepest nesting the parser accepts. Each parenthesised group, function or CAST
  /// argument, IN list item, NOT, unary sign and postfix predicate (LIKE, BETWEEN,
  /// IN, IS) is one level; the statement's top-level expression is the first.
  /// Chains of binary operators (`a + b + ...`, `x OR y OR ...`) do not nest: they
  /// are bounded only by kMaxExpressionBytes, and parsing, evaluating and freeing
  /// them uses stack independent of their length. At the limit, parsing and
  /// evaluation use about 250 KiB of stack in an optimised build (tested on a
  /// 512 KiB thread stack).
  static constexpr int kMaxNestingDepth = 128;

  /// Parses `sql`. Errors carry the S3 code (ParseUnexpectedToken, LexerInvalidChar,
  /// UnsupportedSyntax, ...) with "line L, column C" in the message, category
  /// kInvalidArgument, HTTP status 400. Beyond the limits above: ExpressionTooLong
  /// (S3's code) and ParseExpressionTooDeep (s3ml's own: S3 documents no nesting
  /// limit), both in bounded time and stack.
  static Result<Query> Parse(std::string_view sql);

  /// True when the SELECT list contains aggregates (one output record at Finish()).
  bool is_aggregate() const;
  const std::string& sql() const;

  /// The internal plan (for the engine).
  const QueryPlan& plan() const { return *plan_; }

 private:
  explicit Query(std::shared_ptr<const QueryPlan> p) : plan_(std::move(p)) {}
  std::shared_ptr<const QueryPlan> plan_;
};

/// Receives output bytes (whole serialized records, possibly several per call).
/// A non-OK status aborts the run and is returned from Feed()/Finish().
using OutputCallback = std::function<Status(std::string_view records)>;

/// One execution of a query over one object's bytes.
///
/// Feed() the object's bytes from offset 0 in any chunking, then call Finish() once.
/// Memory is bounded by the largest record (plus a small output buffer); aggregates keep
/// O(1) state. Errors are S3-coded: CSVParsingError, JSONParsingError, CastFailed,
/// IntegerOverflow, TruncatedInput, ... (category kService, HTTP 400); after an error
/// the run is finished and further calls return the same error.
///
/// Thread safety: one thread at a time. The callback is invoked from Feed()/Finish().
class SelectRun {
 public:
  virtual ~SelectRun() = default;
  /// Consumes more object bytes; emits output records through the callback.
  virtual Status Feed(const char* data, size_t n) = 0;
  /// Flushes the last record and (for aggregates) the result; emits remaining output.
  virtual Status Finish() = 0;
  /// True once no further input can change the output (LIMIT reached or past ScanRange);
  /// callers may stop reading the object and call Finish().
  virtual bool done() const = 0;
  virtual Stats stats() const = 0;
};

/// Entry point of the engine.
class SelectEngine {
 public:
  /// Default size at which buffered output is handed to the callback.
  static constexpr size_t kDefaultOutputChunk = 64 * 1024;

  /// Validates the serialization options against the query and starts a run.
  /// Errors (kInvalidArgument, HTTP 400): InvalidScanRange, UnsupportedScanRangeInput
  /// (ScanRange with GZIP, JSON DOCUMENT or AllowQuotedRecordDelimiter),
  /// InvalidRequestParameter (bad delimiters), UnsupportedSyntax (FROM path on CSV).
  static Result<std::unique_ptr<SelectRun>> Start(const Query& query, const InputSerialization& input,
                                                  const OutputSerialization& output, const ScanRange& range,
                                                  OutputCallback on_records,
                                                  size_t output_chunk = kDefaultOutputChunk);

  /// All output records and the final stats of a run over a whole in-memory object.
  struct Output {
    std::string records;
    Stats stats;
  };
  /// Convenience over Start/Feed/Finish for an object already in memory. An error drops
  /// the partial output (use Start to stream records that precede a mid-object error).
  static Result<Output> Execute(const Query& query, const InputSerialization& input,
                                const OutputSerialization& output, const ScanRange& range,
                                std::string_view object);
};

}  // namespace s3ml::select
