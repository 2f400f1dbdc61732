#pragma once
/// \file CancellationToken: the one way to cancel a blocking s3ml call.
///
/// A token is handed to a `Client` (Client::WithCancellation, or
/// ClientOptions::cancel for every request of a client), to a TransferManager
/// (TransferOptions::cancel) and from there to the artifact writer/reader and the
/// dataset reader. Once cancelled, every blocking call holding it stops promptly:
/// the transport aborts requests in flight (checked at least every 100 ms, even on a
/// connection that receives nothing), retry back-off sleeps and waits for memory
/// budget or data end, and the call fails with ErrorCategory::kCancelled after its
/// clean-up (multipart uploads aborted, temporary files removed, threads joined).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

namespace s3ml {

/// A cancellation flag shared by the caller and the calls it hands the token to.
/// Copies share one flag. A token made by AnyOf() is also cancelled when any of its
/// parents is.
///
/// Thread safety: every method may be called from any thread. Cancel() is a single
/// lock-free atomic store, so it may be called from a signal handler (as the CLI does
/// for SIGINT/SIGTERM).
class CancellationToken {
 public:
  CancellationToken() : state_(std::make_shared<State>()) {}

  /// A token cancelled when it or any of `parents` is cancelled (cancelling it does
  /// not cancel the parents).
  static CancellationToken AnyOf(std::vector<CancellationToken> parents);

  /// A token that also asks `poll` whether to cancel, on the thread that made it only
  /// and at most every kPollInterval: whenever that thread checks the token (every wait
  /// and the transport do) and `poll` returns true, the token is cancelled. This is how
  /// a caller's own event (a Python Ctrl-C, a UI button) reaches a call that blocks the
  /// thread watching for it. Other threads see only the flag.
  static CancellationToken Polled(std::function<bool()> poll);

  /// Asks every call holding this token to stop. Idempotent; cannot be undone.
  void Cancel() const noexcept { state_->flag.store(true, std::memory_order_release); }
  /// True once this token or one of its parents was cancelled (a polled token may
  /// run its poll function here; see Polled()).
  bool cancelled() const { return Cancelled(*state_); }

  /// Sleeps for `d` unless the token is (or becomes) cancelled first; wakes within
  /// `kPollInterval` of a Cancel(). Returns true when cancelled.
  bool WaitFor(std::chrono::milliseconds d) const;

  /// How often waits and the transport look at the flag.
  static constexpr std::chrono::milliseconds kPollInterval{50};

  /// True when both tokens share one flag.
  bool SameAs(const CancellationToken& other) const noexcept { return state_ == other.state_; }

 private:
  struct State {
    std::atomic<bool> flag{false};
    std::vector<std::shared_ptr<State>> parents;  // immutable after AnyOf
    std::function<bool()> poll;                   // Polled(): immutable after construction
    std::thread::id poll_thread;
    std::atomic<std::int64_t> last_poll_ns{0};  // touched by poll_thread only
  };
  static bool Cancelled(State& s);
  std::shared_ptr<State> state_;
};

}  // namespace s3ml
