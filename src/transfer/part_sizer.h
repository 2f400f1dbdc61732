#pragma once
// How large the ranged parts of a download should be, learned from the parts
// already fetched.
//
// Parts in flight must cover the path's bandwidth-delay product: while a
// request waits for its first byte, the others must keep the bottleneck busy.
// The delay is the smallest time to first byte (TTFB) seen lately (as BBR takes
// the minimum round trip as the path's delay): a request's own cost (signing,
// the round trip, the server's work), without the time it spent queued behind
// others. The bandwidth is the throughput all requests together delivered
// lately (bytes completed per second of wall time), not one connection's
// rate: when the CPU or the link is the bottleneck, the connections share it,
// and larger parts would not make it faster. So the part size is
//     kLatencyMultiple × throughput × min TTFB / requests in flight,
// rounded up to a power-of-two multiple of `min_part`, at most `max_part`.
// Larger parts only add memory: every part in flight lands in a buffer that
// has to be resident (and faulted in the first time), and what a reader
// fetches ahead is in_flight × part size.
//
// Parts start at `min_part` and grow as measurements come in. Examples:
// loopback, 16 in flight, 1.5 GiB/s, 0.3 ms: 0.1 MiB -> `min_part`;
// S3 from EC2, 16 in flight, 1 GiB/s, 30 ms: 7.5 MiB -> 8 MiB.

#include <chrono>
#include <cstdint>
#include <mutex>

namespace s3ml {

/// Thread safety: every method may be called concurrently.
class PartSizer {
 public:
  using Clock = std::chrono::steady_clock;
  /// Bytes in flight per bandwidth-delay product.
  static constexpr double kLatencyMultiple = 4.0;
  /// Parts shorter than this say little about the path and are not measured.
  static constexpr std::uint64_t kMinMeasured = 256 * 1024;
  /// Throughput is averaged over periods at least this long (and at least two
  /// request durations long).
  static constexpr std::chrono::milliseconds kRatePeriod{50};

  /// `min_part` is clamped to `max_part`; both are at least 1; `in_flight` at least 1.
  PartSizer(std::uint64_t min_part, std::uint64_t max_part, int in_flight);

  /// The part size to use now: a power-of-two multiple of `min_part`, at most `max_part`.
  std::uint64_t part_size() const;

  /// The bytes that must be in flight to cover the measured bandwidth-delay
  /// product: kLatencyMultiple × throughput × min TTFB (what part_size() divides
  /// among the requests in flight). 0 until both have been measured. A reader
  /// bounds its read-ahead in bytes with it rather than by the number of
  /// requests it may have in flight.
  std::uint64_t bytes_in_flight() const;

  /// Records one part: `bytes` of body, its request issued at `issued`, its
  /// first body byte at `first_byte`, its last at `done`. Every part counts
  /// toward the throughput (the first period starts when the first part was
  /// issued); parts shorter than kMinMeasured give no TTFB. Parts with times out
  /// of order are ignored. Returns part_size().
  std::uint64_t Record(std::uint64_t bytes, Clock::time_point issued, Clock::time_point first_byte,
                       Clock::time_point done);

 private:
  const std::uint64_t max_part_;
  const std::uint64_t min_part_;
  const double in_flight_;
  mutable std::mutex mu_;
  // Throughput: bytes completed since period_start_, and a moving average of
  // the periods' rates (weight 1/2 for each new period).
  bool period_started_ = false;
  Clock::time_point period_start_{};
  std::uint64_t period_bytes_ = 0;
  double bytes_per_s_ = 0;
  // The smallest TTFB of the current and of the previous kMinWindow parts.
  static constexpr int kMinWindow = 32;
  bool have_ttfb_ = false;
  double ttfb_min_now_ = 0, ttfb_min_before_ = 0;
  int in_window_ = 0;
  std::uint64_t part_;
  std::uint64_t bytes_in_flight_ = 0;
};

}  // namespace s3ml
