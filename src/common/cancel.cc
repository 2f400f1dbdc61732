#include "s3ml/cancel.h"

#include <algorithm>
#include <thread>

namespace s3ml {

CancellationToken CancellationToken::AnyOf(std::vector<CancellationToken> parents) {
  CancellationToken t;
  for (auto& p : parents) t.state_->parents.push_back(std::move(p.state_));
  return t;
}

CancellationToken CancellationToken::Polled(std::function<bool()> poll) {
  CancellationToken t;
  t.state_->poll = std::move(poll);
  t.state_->poll_thread = std::this_thread::get_id();
  // The first poll comes one interval after the token is made: a call that does not
  // block that long never pays for it.
  t.state_->last_poll_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
  return t;
}

bool CancellationToken::Cancelled(State& s) {
  if (s.flag.load(std::memory_order_acquire)) return true;
  if (s.poll && std::this_thread::get_id() == s.poll_thread) {
    const std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count();
    const std::int64_t interval = std::chrono::nanoseconds(kPollInterval).count();
    if (now - s.last_poll_ns.load(std::memory_order_relaxed) >= interval) {
      s.last_poll_ns.store(now, std::memory_order_relaxed);
      if (s.poll()) {
        s.flag.store(true, std::memory_order_release);
        return true;
      }
    }
  }
  for (const auto& p : s.parents)
    if (Cancelled(*p)) return true;
  return false;
}

// Polling instead of a condition variable keeps Cancel() a plain atomic store, which
// is what lets a signal handler call it; a 50 ms slice costs nothing measurable.
bool CancellationToken::WaitFor(std::chrono::milliseconds d) const {
  const auto deadline = std::chrono::steady_clock::now() + d;
  while (!cancelled()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(deadline - now, kPollInterval));
  }
  return true;
}

}  // namespace s3ml
