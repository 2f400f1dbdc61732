#pragma once
// Fault injection: decides, per request, whether a FaultRule fires.
// Deterministic: each rule has its own match counter and RNG (seeded from the
// server seed and the rule's index), so the outcome depends only on the seed
// and on the order of matching requests.

#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "s3ml/mock/server.h"

namespace s3ml::mock {

/// Thread safety: all methods are safe to call concurrently (one mutex).
class FaultInjector {
 public:
  explicit FaultInjector(std::uint64_t seed) : seed_(seed) {}

  void Add(FaultRule rule);
  void Clear();
  /// Advances every matching rule; returns the first one that fires.
  std::optional<FaultRule> Decide(const std::string& operation, const std::string& key);

 private:
  struct State {
    FaultRule rule;
    std::uint64_t matches = 0;
    std::mt19937_64 rng;
  };
  const std::uint64_t seed_;
  std::mutex mu_;  // guards rules_ and added_
  std::vector<State> rules_;
  std::uint64_t added_ = 0;
};

}  // namespace s3ml::mock
