#include "transfer/byte_budget.h"

#include <algorithm>

#include "s3ml/wait.h"

namespace s3ml {

bool ByteBudget::Acquire(std::uint64_t n) {
  std::unique_lock<std::mutex> lock(mu_);
  const auto fits = [&] {
    return stopped_ || used_ + n <= capacity_ || (options_.admit_oversized_alone && used_ == 0);
  };
  if (!WaitWatching(cv_, lock, options_.cancel, fits)) return false;
  if (stopped_) return false;
  used_ += n;
  high_water_ = std::max(high_water_, used_);
  return true;
}

void ByteBudget::Release(std::uint64_t n) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    used_ -= std::min(n, used_);
  }
  cv_.notify_all();
}

void ByteBudget::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

void ByteBudget::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = false;
}

std::uint64_t ByteBudget::in_use() const {
  std::lock_guard<std::mutex> lock(mu_);
  return used_;
}

std::uint64_t ByteBudget::high_water() const {
  std::lock_guard<std::mutex> lock(mu_);
  return high_water_;
}

}  // namespace s3ml
