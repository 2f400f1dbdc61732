#pragma once
/// \file Value: the evaluator's dynamically typed value (PartiQL-style MISSING and NULL,
/// scalars, and JSON containers that alias into a record without copying).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace s3ml::select {

using Json = nlohmann::ordered_json;

/// An S3 Select timestamp: instant in UTC nanoseconds plus the text it was written as.
struct Timestamp {
  int64_t epoch_ns = 0;
  std::string text;
};

/// Parses the W3C/ISO-8601 forms S3 accepts (2007T, 2007-04T, 2007-04-05,
/// 2007-04-05T14:30Z, 2007-04-05T14:30:15.25+02:00). nullopt when malformed.
std::optional<Timestamp> ParseTimestamp(std::string_view s);

/// Thread safety: values are immutable after construction; copies share JSON containers.
struct Value {
  enum class Kind { kMissing, kNull, kBool, kInt, kFloat, kString, kTimestamp, kJson };
  Kind kind = Kind::kMissing;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;                      // kString, kTimestamp (its text)
  std::shared_ptr<const Json> json;   // kJson: an object or array

  static Value Missing() { return {}; }
  static Value Null() { Value v; v.kind = Kind::kNull; return v; }
  static Value Bool(bool x) { Value v; v.kind = Kind::kBool; v.b = x; return v; }
  static Value Int(int64_t x) { Value v; v.kind = Kind::kInt; v.i = x; return v; }
  static Value Float(double x) { Value v; v.kind = Kind::kFloat; v.f = x; return v; }
  static Value String(std::string x) { Value v; v.kind = Kind::kString; v.s = std::move(x); return v; }
  static Value Time(Timestamp t) { Value v; v.kind = Kind::kTimestamp; v.i = t.epoch_ns; v.s = std::move(t.text); return v; }
  /// Wraps a JSON node; scalars become scalar Values, containers alias `owner`.
  static Value FromJson(const std::shared_ptr<const Json>& owner, const Json& node);

  bool absent() const { return kind == Kind::kMissing || kind == Kind::kNull; }
  bool numeric() const { return kind == Kind::kInt || kind == Kind::kFloat; }
  double as_double() const { return kind == Kind::kInt ? static_cast<double>(i) : f; }
};

/// Parses a whole string (surrounding spaces allowed) as an integer or a float.
std::optional<Value> ParseNumber(std::string_view s);

/// Orders two values as S3 compares them (strings compared with numbers are read as
/// numbers). nullopt when they cannot be compared (absent, or unrelated types).
std::optional<int> Compare(const Value& a, const Value& b);

/// Text of a scalar as S3 prints it in CSV output (floats shortest round-trip).
std::string ToText(const Value& v);

/// A JSON node for JSON output (MISSING is never passed here).
Json ToJson(const Value& v);

/// Number of UTF-8 code points.
size_t Utf8Length(std::string_view s);

/// Byte offsets of each code point start in `s`, plus s.size() at the end.
std::vector<size_t> Utf8Offsets(std::string_view s);

}  // namespace s3ml::select
