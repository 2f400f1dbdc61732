#include "common/time.h"

#include <cstring>
#include <ctime>
#include <thread>

namespace s3ml {

namespace {
class RealClock final : public Clock {
 public:
  SystemTime Now() override { return std::chrono::system_clock::now(); }
};
class RealSleeperImpl final : public Sleeper {
 public:
  void Sleep(std::chrono::milliseconds d) override { std::this_thread::sleep_for(d); }
  bool SleepUnlessCancelled(std::chrono::milliseconds d, const CancellationToken& cancel) override {
    return !cancel.WaitFor(d);
  }
};

std::tm ToTm(SystemTime t) {
  // Rounded down, not toward zero as system_clock::to_time_t does: 1969-12-31T23:59:59.250
  // is second -1 with 250 ms, not second 0 (which printed a pre-1970 time one second late).
  const std::time_t tt = static_cast<std::time_t>(std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return tm;
}
std::string Format(SystemTime t, const char* fmt) {
  std::tm tm = ToTm(t);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, fmt, &tm);
  return std::string(buf, n);
}
Status BadDate(std::string_view what, std::string_view s) {
  return Status(ErrorCategory::kProtocol, "cannot parse " + std::string(what) + " '" + std::string(s) + "'");
}

// Milliseconds since the epoch to SystemTime, range-checked first: converting an
// out-of-range count to nanoseconds would overflow (undefined behaviour).
Result<SystemTime> FromUnixMillis(long long ms, OutOfRange mode, std::string_view what, std::string_view s) {
  constexpr long long kMinMs = kMinUnixSeconds * 1000, kMaxMs = kMaxUnixSeconds * 1000;
  if (ms < kMinMs || ms > kMaxMs) {
    if (mode == OutOfRange::kError)
      return Status(ErrorCategory::kProtocol, std::string(what) + " '" + std::string(s) +
                                                  "' is outside the supported years 1678 to 2262");
    ms = ms < kMinMs ? kMinMs : kMaxMs;
  }
  return SystemTime(std::chrono::milliseconds(ms));
}

// strptime's fields as Unix seconds (%Y is at most 4 digits, so this cannot overflow).
long long TmSeconds(std::tm& tm) { return static_cast<long long>(timegm(&tm)); }
}  // namespace

Clock& SystemClock() {
  static RealClock c;
  return c;
}
Sleeper& RealSleeper() {
  static RealSleeperImpl s;
  return s;
}

std::string FormatAmzDate(SystemTime t) { return Format(t, "%Y%m%dT%H%M%SZ"); }
std::string FormatDateStamp(SystemTime t) { return Format(t, "%Y%m%d"); }
std::string FormatHttpDate(SystemTime t) { return Format(t, "%a, %d %b %Y %H:%M:%S GMT"); }
std::string FormatIso8601(SystemTime t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  if (ms < 0) ms += 1000;
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03d", static_cast<int>(ms));
  return Format(t, "%Y-%m-%dT%H:%M:%S") + frac + "Z";
}

Result<SystemTime> FromUnixSeconds(long long seconds, OutOfRange mode) {
  // Clamp before scaling to milliseconds, which could itself overflow.
  const long long bounded = seconds < kMinUnixSeconds - 1 ? kMinUnixSeconds - 1
                            : seconds > kMaxUnixSeconds + 1 ? kMaxUnixSeconds + 1
                                                            : seconds;
  return FromUnixMillis(bounded * 1000, mode, "Unix time", std::to_string(seconds));
}

Result<SystemTime> ParseAmzDate(std::string_view s, OutOfRange mode) {
  std::tm tm{};
  std::string str(s);
  const char* end = strptime(str.c_str(), "%Y%m%dT%H%M%SZ", &tm);
  if (end == nullptr || *end != '\0' || str.size() != 16) return BadDate("x-amz-date", s);
  return FromUnixMillis(TmSeconds(tm) * 1000, mode, "x-amz-date", s);
}

Result<SystemTime> ParseIso8601(std::string_view s, OutOfRange mode) {
  std::tm tm{};
  std::string str(s);
  const char* p = strptime(str.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (p == nullptr) return BadDate("ISO-8601 time", s);
  long long millis = 0;
  if (*p == '.') {
    ++p;
    int digits = 0;
    while (*p >= '0' && *p <= '9') {
      if (digits < 3) millis = millis * 10 + (*p - '0');
      ++digits;
      ++p;
    }
    if (digits == 0) return BadDate("ISO-8601 time", s);
    for (int d = digits; d < 3; ++d) millis *= 10;
  }
  long offset_sec = 0;
  if (*p == 'Z' || *p == 'z') {
    ++p;
  } else if (*p == '+' || *p == '-') {
    // Exactly "+hh:mm" / "-hh:mm" (the rest of the string may be shorter than that).
    const int sign = *p == '-' ? -1 : 1;
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (!digit(p[1]) || !digit(p[2]) || p[3] != ':' || !digit(p[4]) || !digit(p[5]))
      return BadDate("ISO-8601 time", s);
    const int hh = (p[1] - '0') * 10 + (p[2] - '0'), mm = (p[4] - '0') * 10 + (p[5] - '0');
    if (hh > 23 || mm > 59) return BadDate("ISO-8601 time", s);
    offset_sec = sign * (hh * 3600 + mm * 60);
    p += 6;
  }
  // The whole input, not just the part before an embedded NUL.
  if (p != str.c_str() + str.size()) return BadDate("ISO-8601 time", s);
  return FromUnixMillis((TmSeconds(tm) - offset_sec) * 1000 + millis, mode, "ISO-8601 time", s);
}

Result<SystemTime> ParseIso8601(std::string_view s) { return ParseIso8601(s, OutOfRange::kError); }

Result<SystemTime> ParseHttpDate(std::string_view s, OutOfRange mode) {
  std::string str(s);
  for (const char* fmt : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
    std::tm tm{};
    const char* end = strptime(str.c_str(), fmt, &tm);
    if (end != nullptr && end == str.c_str() + str.size())
      return FromUnixMillis(TmSeconds(tm) * 1000, mode, "HTTP date", s);
  }
  return BadDate("HTTP date", s);
}

Result<SystemTime> ParseHttpDate(std::string_view s) { return ParseHttpDate(s, OutOfRange::kError); }

}  // namespace s3ml
