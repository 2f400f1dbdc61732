#pragma once
/// \file S3 Select (SelectObjectContent): run an SQL expression over one CSV or JSON
/// object server-side, or locally with the same engine when the server does not offer
/// Select (Amazon closed it to new customers in 2024) or when asked to.

#include <cstdint>
#include <optional>
#include <string>

namespace s3ml {

/// Input/output format of a Select.
enum class SelectFormat { kCsv, kJson };
/// Compression of the input object (BZIP2 is not supported).
enum class SelectCompression { kNone, kGzip };
/// How the first CSV line is treated (S3 `FileHeaderInfo`).
enum class CsvFileHeaderInfo { kNone, kIgnore, kUse };
/// JSON input layout (S3 `JSON/Type`).
enum class SelectJsonType { kDocument, kLines };
/// S3 `OutputSerialization/CSV/QuoteFields`.
enum class CsvQuoteFields { kAsNeeded, kAlways };

/// S3 `InputSerialization`. CSV fields apply to CSV input; `json_type` to JSON input.
struct SelectInputSerialization {
  SelectFormat format = SelectFormat::kCsv;
  SelectCompression compression = SelectCompression::kNone;
  CsvFileHeaderInfo file_header_info = CsvFileHeaderInfo::kNone;
  std::string field_delimiter = ",";
  std::string record_delimiter = "\n";
  char quote_character = '"';
  char quote_escape_character = '"';
  /// Lines starting with this are skipped (S3's default "#"); empty: none.
  std::string comments = "#";
  bool allow_quoted_record_delimiter = false;
  SelectJsonType json_type = SelectJsonType::kDocument;
};

/// S3 `OutputSerialization`. CSV fields apply to CSV output; `record_delimiter` to both.
struct SelectOutputSerialization {
  SelectFormat format = SelectFormat::kCsv;
  CsvQuoteFields quote_fields = CsvQuoteFields::kAsNeeded;
  std::string field_delimiter = ",";
  std::string record_delimiter = "\n";
  char quote_character = '"';
  char quote_escape_character = '"';
};

/// S3 `ScanRange` (inclusive byte offsets of the uncompressed object). Only `end`:
/// the last `end` bytes. Records that start inside the range are processed whole.
struct SelectScanRange {
  std::optional<std::uint64_t> start;
  std::optional<std::uint64_t> end;
};

struct SelectObjectContentRequest {
  std::string bucket;
  std::string key;
  /// e.g. "SELECT s._1 FROM S3Object s WHERE s._2 > 10". The local engine (and the mock)
  /// refuse more than 256 KB (ExpressionTooLong) or more than 128 levels of nesting
  /// (ParseExpressionTooDeep); README "S3 Select" says what counts as a level.
  std::string sql;
  SelectInputSerialization input;
  SelectOutputSerialization output;
  std::optional<SelectScanRange> scan_range;
  /// Skip the server and run the query locally over a streamed GetObject.
  bool force_local = false;
  /// Do not fall back to local evaluation when the server refuses Select.
  bool disable_local_fallback = false;
};

/// S3 `Stats` of a Select, plus where it ran.
struct SelectStats {
  std::uint64_t bytes_scanned = 0;
  std::uint64_t bytes_processed = 0;
  std::uint64_t bytes_returned = 0;
  /// True when the query ran locally (force_local or fallback).
  bool evaluated_locally = false;
};

}  // namespace s3ml
