#pragma once
// A Clock that stands still until a test advances it.

#include <chrono>
#include <mutex>

#include "common/time.h"

namespace s3ml::test {

/// Reads `start` (default 2023-11-14T22:13:20Z) until Advance(); safe to share across threads.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(SystemTime start = std::chrono::system_clock::from_time_t(1700000000)) : now_(start) {}
  SystemTime Now() override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Advance(std::chrono::milliseconds d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
  }

 private:
  std::mutex mu_;
  SystemTime now_;
};

}  // namespace s3ml::test
