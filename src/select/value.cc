#include "select/value.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace s3ml::select {

Value Value::FromJson(const std::shared_ptr<const Json>& owner, const Json& node) {
  switch (node.type()) {
    case Json::value_t::null: return Null();
    case Json::value_t::boolean: return Bool(node.get<bool>());
    case Json::value_t::number_integer: return Int(node.get<int64_t>());
    case Json::value_t::number_unsigned: {
      uint64_t u = node.get<uint64_t>();
      if (u <= static_cast<uint64_t>(INT64_MAX)) return Int(static_cast<int64_t>(u));
      return Float(static_cast<double>(u));
    }
    case Json::value_t::number_float: return Float(node.get<double>());
    case Json::value_t::string: return String(node.get<std::string>());
    case Json::value_t::object:
    case Json::value_t::array: {
      Value v;
      v.kind = Kind::kJson;
      v.json = std::shared_ptr<const Json>(owner, &node);  // aliasing: no copy
      return v;
    }
    default: return Missing();
  }
}

std::optional<Value> ParseNumber(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  std::string_view digits = s;
  if (digits.front() == '+') digits.remove_prefix(1);
  int64_t iv = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), iv);
  if (ec == std::errc() && p == digits.data() + digits.size()) return Value::Int(iv);
  // Floats: only decimal notation (no "inf"/"nan"/hex, which strtod would accept).
  for (char c : digits)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+'))
      return std::nullopt;
  double d = 0;
  auto [end, dec] = std::from_chars(digits.data(), digits.data() + digits.size(), d);  // locale-independent
  if (dec != std::errc() || end != digits.data() + digits.size() || !std::isfinite(d)) return std::nullopt;
  return Value::Float(d);
}

namespace {

template <class T>
int Cmp(T a, T b) { return a < b ? -1 : (b < a ? 1 : 0); }

std::optional<int> CompareNumeric(const Value& a, const Value& b) {
  if (a.kind == Value::Kind::kInt && b.kind == Value::Kind::kInt) return Cmp(a.i, b.i);
  return Cmp(a.as_double(), b.as_double());
}

bool Digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return false;
  for (size_t k = 0; k < n; ++k)
    if (!std::isdigit(static_cast<unsigned char>(s[pos + k]))) return false;
  return true;
}
int Num(std::string_view s, size_t pos, size_t n) {
  int v = 0;
  for (size_t k = 0; k < n; ++k) v = v * 10 + (s[pos + k] - '0');
  return v;
}
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {  // Howard Hinnant's algorithm
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

std::optional<Timestamp> ParseTimestamp(std::string_view s) {
  // YYYY[-MM[-DD]] then 'T' required for year/month precision; time needs an offset.
  if (!Digits(s, 0, 4)) return std::nullopt;
  int year = Num(s, 0, 4), month = 1, day = 1, hour = 0, minute = 0, sec = 0;
  int64_t nanos = 0, offset_min = 0;
  size_t p = 4;
  bool date_only = false;
  if (p < s.size() && s[p] == '-') {
    if (!Digits(s, p + 1, 2)) return std::nullopt;
    month = Num(s, p + 1, 2);
    p += 3;
    if (p < s.size() && s[p] == '-') {
      if (!Digits(s, p + 1, 2)) return std::nullopt;
      day = Num(s, p + 1, 2);
      p += 3;
      date_only = true;
    }
  }
  if (p == s.size()) {
    if (!date_only) return std::nullopt;  // "2007" and "2007-04" need a trailing T
  } else {
    if (s[p] != 'T') return std::nullopt;
    ++p;
    if (p < s.size()) {
      if (!date_only || !Digits(s, p, 2) || p + 2 >= s.size() || s[p + 2] != ':' || !Digits(s, p + 3, 2))
        return std::nullopt;
      hour = Num(s, p, 2);
      minute = Num(s, p + 3, 2);
      p += 5;
      if (p < s.size() && s[p] == ':') {
        if (!Digits(s, p + 1, 2)) return std::nullopt;
        sec = Num(s, p + 1, 2);
        p += 3;
        if (p < s.size() && s[p] == '.') {
          ++p;
          size_t start = p;
          int64_t scale = 100000000;
          while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) {
            nanos += (s[p] - '0') * scale;
            scale /= 10;
            ++p;
          }
          if (p == start) return std::nullopt;
        }
      }
      if (p >= s.size()) return std::nullopt;  // a time needs Z or an offset
      if (s[p] == 'Z') {
        ++p;
      } else if (s[p] == '+' || s[p] == '-') {
        if (!Digits(s, p + 1, 2) || p + 3 >= s.size() || s[p + 3] != ':' || !Digits(s, p + 4, 2))
          return std::nullopt;
        offset_min = Num(s, p + 1, 2) * 60 + Num(s, p + 4, 2);
        if (s[p] == '-') offset_min = -offset_min;
        p += 6;
      } else {
        return std::nullopt;
      }
      if (p != s.size()) return std::nullopt;
    }
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 60) return std::nullopt;
  int64_t secs = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
                 hour * 3600 + minute * 60 + sec - offset_min * 60;
  return Timestamp{secs * 1000000000LL + nanos, std::string(s)};
}

std::optional<int> Compare(const Value& a, const Value& b) {
  using K = Value::Kind;
  if (a.absent() || b.absent()) return std::nullopt;
  if (a.numeric() && b.numeric()) return CompareNumeric(a, b);
  if (a.kind == K::kString && b.kind == K::kString) return Cmp(a.s.compare(b.s), 0);
  if (a.kind == K::kString && b.numeric()) {
    auto n = ParseNumber(a.s);
    if (!n) return std::nullopt;
    return CompareNumeric(*n, b);
  }
  if (a.numeric() && b.kind == K::kString) {
    auto r = Compare(b, a);
    if (r) return -*r;
    return std::nullopt;
  }
  if (a.kind == K::kBool && b.kind == K::kBool) return Cmp(a.b, b.b);
  if (a.kind == K::kBool && b.kind == K::kString) {
    if (b.s == "true" || b.s == "TRUE") return Cmp(a.b, true);
    if (b.s == "false" || b.s == "FALSE") return Cmp(a.b, false);
    return std::nullopt;
  }
  if (a.kind == K::kString && b.kind == K::kBool) {
    auto r = Compare(b, a);
    if (r) return -*r;
    return std::nullopt;
  }
  if (a.kind == K::kTimestamp || b.kind == K::kTimestamp) {
    auto ts = [](const Value& v) -> std::optional<int64_t> {
      if (v.kind == K::kTimestamp) return v.i;
      if (v.kind == K::kString) {
        if (auto t = ParseTimestamp(v.s)) return t->epoch_ns;
      }
      return std::nullopt;
    };
    auto x = ts(a), y = ts(b);
    if (!x || !y) return std::nullopt;
    return Cmp(*x, *y);
  }
  if (a.kind == K::kJson && b.kind == K::kJson) {
    if (*a.json == *b.json) return 0;
    return std::nullopt;
  }
  return std::nullopt;
}

std::string ToText(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kMissing:
    case Value::Kind::kNull: return "";
    case Value::Kind::kBool: return v.b ? "true" : "false";
    case Value::Kind::kInt: return std::to_string(v.i);
    case Value::Kind::kFloat: return Json(v.f).dump();
    case Value::Kind::kString:
    case Value::Kind::kTimestamp: return v.s;
    case Value::Kind::kJson: return v.json->dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  return "";
}

Json ToJson(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kMissing:
    case Value::Kind::kNull: return nullptr;
    case Value::Kind::kBool: return v.b;
    case Value::Kind::kInt: return v.i;
    case Value::Kind::kFloat: return v.f;
    case Value::Kind::kString:
    case Value::Kind::kTimestamp: return v.s;
    case Value::Kind::kJson: return *v.json;
  }
  return nullptr;
}

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::vector<size_t> Utf8Offsets(std::string_view s) {
  std::vector<size_t> out;
  for (size_t k = 0; k < s.size(); ++k)
    if ((static_cast<unsigned char>(s[k]) & 0xC0) != 0x80) out.push_back(k);
  out.push_back(s.size());
  return out;
}

}  // namespace s3ml::select
