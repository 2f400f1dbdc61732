#pragma once
/// \file Retry configuration (the one retry loop lives in the transport layer).

#include <chrono>
#include <cstdint>

namespace s3ml {

/// Standard-mode retries: exponential backoff with full jitter, capped, and a
/// retry quota (token bucket) shared by all requests of one Client so that an
/// outage does not multiply load.
struct RetryOptions {
  int max_attempts = 3;                                   ///< total attempts incl. the first (AWS_MAX_ATTEMPTS)
  std::chrono::milliseconds base_delay{100};              ///< backoff base: delay = rand(0, min(cap, base*2^n))
  std::chrono::milliseconds max_backoff{20000};           ///< backoff cap
  int retry_quota_capacity = 500;                         ///< token bucket size
  int retry_cost = 5;                                     ///< tokens taken by a retry
  int timeout_retry_cost = 10;                            ///< tokens taken by a retry after a timeout
  int no_retry_increment = 1;                             ///< tokens returned by a success on the first try
  std::uint64_t jitter_seed = 0;                          ///< 0 = random seed
};

}  // namespace s3ml
