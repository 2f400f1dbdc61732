#include "mock/faults.h"

#include <algorithm>

namespace s3ml::mock {

void FaultInjector::Add(FaultRule rule) {
  std::lock_guard<std::mutex> lock(mu_);
  // splitmix-style spread so rules with adjacent indices get unrelated streams.
  std::uint64_t s = seed_ + 0x9E3779B97F4A7C15ull * (++added_);
  rules_.push_back(State{std::move(rule), 0, std::mt19937_64(s)});
}

void FaultInjector::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.clear();
}

std::optional<FaultRule> FaultInjector::Decide(const std::string& operation, const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<FaultRule> chosen;
  for (auto& st : rules_) {
    const FaultRule& r = st.rule;
    if (r.operation != "*" && r.operation != operation) continue;
    if (!r.key_prefix.empty() && key.compare(0, r.key_prefix.size(), r.key_prefix) != 0) continue;
    const std::uint64_t n = ++st.matches;
    bool fire;
    if (!r.nth.empty()) {
      fire = std::find(r.nth.begin(), r.nth.end(), static_cast<int>(n)) != r.nth.end();
    } else if (r.count > 0) {
      fire = n <= static_cast<std::uint64_t>(r.count);
    } else if (r.probability > 0.0) {
      // 53 random bits -> [0, 1): identical on every platform (unlike std::uniform_real_distribution).
      const double u = static_cast<double>(st.rng() >> 11) * (1.0 / 9007199254740992.0);
      fire = u < r.probability;
    } else {
      fire = true;  // no schedule: every matching request
    }
    if (fire && !chosen) chosen = r;
  }
  return chosen;
}

}  // namespace s3ml::mock
