// The transfer layer's PartSizer, which sizes the dataset reader's ranged parts.
#include "transfer/part_sizer.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <limits>

using s3ml::PartSizer;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

namespace {
constexpr std::uint64_t kMiB = 1 << 20;

/// Records `n` parts of `bytes`, one finishing every `interval` after `*t`
/// (advanced), each issued `ttfb` + 1 us before it finished, its first byte 1 us
/// before. Returns the last part_size().
std::uint64_t Feed(PartSizer& sizer, int n, std::uint64_t bytes, nanoseconds ttfb, nanoseconds interval,
                   PartSizer::Clock::time_point* t) {
  std::uint64_t part = 0;
  for (int i = 0; i < n; ++i) {
    *t += interval;
    const auto first_byte = *t - microseconds(1);
    part = sizer.Record(bytes, first_byte - ttfb, first_byte, *t);
  }
  return part;
}
}  // namespace

TEST_CASE("PartSizer starts at the smallest part and keeps it until it has a throughput") {
  PartSizer sizer(kMiB, 8 * kMiB, 16);
  CHECK(sizer.part_size() == kMiB);
  auto t = PartSizer::Clock::time_point{} + std::chrono::hours(1);
  // 10 ms to first byte, all within 40 ms of the first request: no throughput period yet.
  CHECK(Feed(sizer, 3, kMiB, milliseconds(10), milliseconds(10), &t) == kMiB);
}

TEST_CASE("PartSizer keeps parts small where requests are cheap (loopback)") {
  PartSizer sizer(kMiB, 8 * kMiB, 16);
  auto t = PartSizer::Clock::time_point{} + std::chrono::hours(1);
  // 1.5 GiB/s (a 1 MiB part every 0.65 ms) and 0.3 ms to first byte:
  // 4 x 1.5 GiB/s x 0.3 ms / 16 = 0.12 MiB.
  CHECK(Feed(sizer, 1000, kMiB, microseconds(300), microseconds(650), &t) == kMiB);
}

TEST_CASE("PartSizer grows parts to cover the bandwidth-delay product of a high-latency path") {
  auto t = PartSizer::Clock::time_point{} + std::chrono::hours(1);
  // 16 in flight, 1 GiB/s together, 30 ms to first byte: 4 x 1 GiB/s x 30 ms / 16
  // = 7.7 MiB -> 8 MiB, once a few 50 ms periods have been averaged (the first
  // one starts with the first request, 30 ms before any part arrives).
  PartSizer s3(kMiB, 64 * kMiB, 16);
  CHECK(Feed(s3, 150, kMiB, milliseconds(30), microseconds(977), &t) == 8 * kMiB);
  // The same path with 4 MiB at most: 4 MiB.
  PartSizer capped(kMiB, 4 * kMiB, 16);
  CHECK(Feed(capped, 150, kMiB, milliseconds(30), microseconds(977), &t) == 4 * kMiB);
  // Fewer requests in flight carry more each: 4 in flight, 100 MiB/s, 40 ms: 4 MiB.
  PartSizer few(kMiB, 64 * kMiB, 4);
  CHECK(Feed(few, 20, kMiB, milliseconds(40), milliseconds(10), &t) == 4 * kMiB);
}

TEST_CASE("PartSizer takes the smallest recent time to first byte, so queueing does not inflate parts") {
  PartSizer sizer(kMiB, 64 * kMiB, 16);
  auto t = PartSizer::Clock::time_point{} + std::chrono::hours(1);
  CHECK(Feed(sizer, 1, kMiB, microseconds(300), microseconds(650), &t) == kMiB);
  // Requests that then waited 20 ms in queues behind others at 1.5 GiB/s: what
  // a request costs is still 0.3 ms, and the parts stay small.
  CHECK(Feed(sizer, 30, kMiB, milliseconds(20), microseconds(650), &t) == kMiB);
  // Once every request of two windows (64 parts) took 20 ms, the path has changed:
  // 4 x 1.5 GiB/s x 20 ms / 16 = 7.7 MiB -> 8 MiB.
  CHECK(Feed(sizer, 64, kMiB, milliseconds(20), microseconds(650), &t) == 8 * kMiB);
}

TEST_CASE("PartSizer: short parts count toward throughput but give no time to first byte") {
  PartSizer sizer(kMiB, 8 * kMiB, 4);
  auto t = PartSizer::Clock::time_point{} + std::chrono::hours(1);
  CHECK(Feed(sizer, 100, PartSizer::kMinMeasured - 1, milliseconds(500), milliseconds(1), &t) == kMiB);
  CHECK(Feed(sizer, 100, PartSizer::kMinMeasured - 1, microseconds(100), milliseconds(1), &t) == kMiB);
  // One measured part: 4 x 256 MiB/s x 50 ms / 4 = 12.5 MiB -> 8 MiB.
  CHECK(Feed(sizer, 1, kMiB, milliseconds(50), milliseconds(1), &t) == 8 * kMiB);
  // Times out of order (a clock that went back) are ignored.
  PartSizer wrong(kMiB, 8 * kMiB, 4);
  const auto now = PartSizer::Clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 100; ++i) CHECK(wrong.Record(kMiB, now, now - milliseconds(40), now + milliseconds(i)) == kMiB);
  for (int i = 0; i < 100; ++i) CHECK(wrong.Record(kMiB, now, now + milliseconds(50), now) == kMiB);
}

TEST_CASE("PartSizer's bounds: the smallest part is clamped to the largest; huge sizes do not overflow") {
  CHECK(PartSizer(kMiB, 64 * 1024, 4).part_size() == 64 * 1024);
  CHECK(PartSizer(0, 0, 0).part_size() == 1);
  const std::uint64_t most = std::numeric_limits<std::uint64_t>::max();
  auto t = PartSizer::Clock::time_point{} + std::chrono::hours(1);
  // 2^62-byte parts, 2 s to first byte, one every 3 s: 4 x 2^63 B / 5 s x 2 s > 2^63.
  PartSizer huge(std::uint64_t{1} << 62, most, 1);
  CHECK(Feed(huge, 2, std::uint64_t{1} << 62, std::chrono::seconds(2), std::chrono::seconds(3), &t) == most);
  PartSizer odd(3 * kMiB, 10 * kMiB, 16);  // the largest need not be a power-of-two multiple
  CHECK(Feed(odd, 300, kMiB, milliseconds(30), microseconds(977), &t) == 10 * kMiB);
}

TEST_CASE("PartSizer: a throughput period spans two request durations") {
  // Four 1 MiB requests issued together, each 59 ms to first byte, done at
  // 60..63 ms; then four more issued at 63 ms, done at 123..126 ms.
  PartSizer sizer(kMiB, 64 * kMiB, 4);
  const auto t0 = PartSizer::Clock::time_point{} + std::chrono::hours(1);
  for (int batch = 0; batch < 2; ++batch) {
    const auto issued = t0 + milliseconds(63 * batch);
    for (int i = 0; i < 4; ++i) {
      const auto done = issued + milliseconds(60 + i);
      const std::uint64_t part = sizer.Record(kMiB, issued, done - milliseconds(1), done);
      // A period closed on the first part alone would see 1 MiB / 60 ms (1 MiB
      // parts). The first batch cannot close one (63 ms < 2 x 60 ms); the second
      // batch's first part does: 5 MiB / 123 ms x 59 ms x 4 / 4 = 2.4 MiB -> 4 MiB.
      CHECK(part == (batch == 1 ? 4 * kMiB : kMiB));
    }
  }
}

TEST_CASE("PartSizer: the bytes in flight that cover the bandwidth-delay product, whatever the request count") {
  auto t = PartSizer::Clock::time_point{} + std::chrono::hours(1);
  PartSizer fresh(4 * kMiB, 8 * kMiB, 64);
  CHECK(fresh.bytes_in_flight() == 0);  // nothing measured yet
  // Loopback: 1.5 GiB/s and 0.3 ms to first byte need 4 x 1.5 GiB/s x 0.3 ms =
  // 1.9 MiB in flight, for 64 requests as for 4: a read-ahead bounded by it does
  // not grow with the requests allowed in flight.
  for (int in_flight : {4, 64}) {
    PartSizer loopback(4 * kMiB, 8 * kMiB, in_flight);
    Feed(loopback, 1000, kMiB, microseconds(300), microseconds(650), &t);
    INFO("in flight " << in_flight << ": " << loopback.bytes_in_flight());
    CHECK(loopback.bytes_in_flight() > kMiB + kMiB / 2);
    CHECK(loopback.bytes_in_flight() < 2 * kMiB + kMiB / 4);
  }
  // S3 from EC2: 1 GiB/s, 30 ms to first byte: 4 x 1 GiB/s x 30 ms = 123 MiB.
  PartSizer s3(kMiB, 64 * kMiB, 16);
  Feed(s3, 600, kMiB, milliseconds(30), microseconds(977), &t);  // a few 50 ms periods averaged
  CHECK(s3.bytes_in_flight() > 115 * kMiB);
  CHECK(s3.bytes_in_flight() < 130 * kMiB);
}
