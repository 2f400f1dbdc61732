#include "transfer/part_sizer.h"

#include <algorithm>

namespace s3ml {

PartSizer::PartSizer(std::uint64_t min_part, std::uint64_t max_part, int in_flight)
    : max_part_(std::max<std::uint64_t>(1, max_part)),
      min_part_(std::min(std::max<std::uint64_t>(1, min_part), max_part_)),
      in_flight_(std::max(1, in_flight)),
      part_(min_part_) {}

std::uint64_t PartSizer::part_size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return part_;
}

std::uint64_t PartSizer::bytes_in_flight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_in_flight_;
}

std::uint64_t PartSizer::Record(std::uint64_t bytes, Clock::time_point issued, Clock::time_point first_byte,
                               Clock::time_point done) {
  std::lock_guard<std::mutex> lock(mu_);
  if (first_byte < issued || done < first_byte) return part_;
  if (!period_started_) {
    period_started_ = true;
    period_start_ = issued;
  }
  period_bytes_ += bytes;
  // A period ends when it is at least kRatePeriod and two of this request's
  // durations long: requests issued together wait for their first bytes
  // together, and a period closed on the first of them to finish would
  // understate the throughput.
  const auto elapsed = done - period_start_;
  if (elapsed >= kRatePeriod && elapsed >= 2 * (done - issued)) {
    const double rate = static_cast<double>(period_bytes_) / std::chrono::duration<double>(elapsed).count();
    bytes_per_s_ = bytes_per_s_ == 0 ? rate : (bytes_per_s_ + rate) / 2;
    period_start_ = done;
    period_bytes_ = 0;
  }
  const auto ttfb = first_byte - issued;
  if (bytes >= kMinMeasured) {
    const double ttfb_s = std::chrono::duration<double>(ttfb).count();
    if (!have_ttfb_) {
      ttfb_min_now_ = ttfb_min_before_ = ttfb_s;
      have_ttfb_ = true;
    } else {
      ttfb_min_now_ = in_window_ == 0 ? ttfb_s : std::min(ttfb_min_now_, ttfb_s);
    }
    if (++in_window_ == kMinWindow) {
      ttfb_min_before_ = ttfb_min_now_;
      in_window_ = 0;
    }
  }
  if (!have_ttfb_ || bytes_per_s_ == 0) return part_;
  const double ttfb_min = in_window_ == 0 ? ttfb_min_before_ : std::min(ttfb_min_now_, ttfb_min_before_);
  const double in_flight_bytes = kLatencyMultiple * bytes_per_s_ * ttfb_min;
  bytes_in_flight_ = in_flight_bytes >= 1.8e19 ? std::uint64_t{1} << 63 : static_cast<std::uint64_t>(in_flight_bytes);
  const double wanted = in_flight_bytes / in_flight_;
  std::uint64_t part = min_part_;
  while (part < max_part_ && static_cast<double>(part) < wanted) part = part > max_part_ / 2 ? max_part_ : part * 2;
  part_ = part;
  return part_;
}

}  // namespace s3ml
