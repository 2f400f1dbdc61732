#pragma once
// Time: an injectable Clock and Sleeper (so retry tests never sleep), and the
// date formats S3 uses.

#include <chrono>
#include <string>
#include <string_view>

#include "s3ml/cancel.h"
#include "s3ml/encoding.h"
#include "s3ml/result.h"

namespace s3ml {

using SystemTime = std::chrono::system_clock::time_point;

/// Wall-clock source. Thread safety: implementations must be safe to call concurrently.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual SystemTime Now() = 0;
};
/// Blocks the calling thread. Thread safety: as Clock.
class Sleeper {
 public:
  virtual ~Sleeper() = default;
  virtual void Sleep(std::chrono::milliseconds d) = 0;
  /// Sleeps for `d` unless `cancel` is (or becomes) cancelled; true when it slept the
  /// whole time. The real sleeper wakes within CancellationToken::kPollInterval of a
  /// Cancel(); this default (for test sleepers that return at once) sleeps and then looks.
  virtual bool SleepUnlessCancelled(std::chrono::milliseconds d, const CancellationToken& cancel) {
    if (cancel.cancelled()) return false;
    Sleep(d);
    return !cancel.cancelled();
  }
};

/// The real clock and sleeper (process-wide singletons).
Clock& SystemClock();
Sleeper& RealSleeper();

/// 20130524T000000Z
std::string FormatAmzDate(SystemTime t);
/// 20130524
std::string FormatDateStamp(SystemTime t);
// FormatIso8601, FormatHttpDate and the one-argument ParseIso8601 and ParseHttpDate
// (OutOfRange::kError) are public: s3ml/encoding.h.

/// The instants every parser here accepts: 1678-01-01T00:00:00Z to
/// 2262-01-01T00:00:00Z inclusive, as Unix seconds. SystemTime counts nanoseconds
/// in 64 bits (about 1677-09-21 to 2262-04-11); the whole years inside leave room
/// for the skews and expiry windows added to a parsed time.
constexpr long long kMinUnixSeconds = -9'214'560'000LL;
constexpr long long kMaxUnixSeconds = 9'214'646'400LL;

/// What a parser does with a well-formed date outside [kMinUnixSeconds,
/// kMaxUnixSeconds]: fail (kError, for dates that decide something, such as a
/// request's signing time or expiry), or return the nearest bound (kClamp, for
/// informational dates such as Last-Modified, where year 1000 or 9999 is odd
/// but no reason to fail the call).
enum class OutOfRange { kError, kClamp };

/// Unix seconds as a SystemTime; kProtocol error (or the clamped bound) outside the range above.
Result<SystemTime> FromUnixSeconds(long long seconds, OutOfRange mode = OutOfRange::kError);

/// Parses 20130524T000000Z.
Result<SystemTime> ParseAmzDate(std::string_view s, OutOfRange mode = OutOfRange::kError);
/// Parses ISO-8601 with optional fractional seconds and Z or +hh:mm offset.
Result<SystemTime> ParseIso8601(std::string_view s, OutOfRange mode);
/// Parses an RFC 7231 HTTP date (IMF-fixdate; also RFC 850 and asctime forms).
Result<SystemTime> ParseHttpDate(std::string_view s, OutOfRange mode);

}  // namespace s3ml
