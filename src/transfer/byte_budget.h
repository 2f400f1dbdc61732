#pragma once
// The one byte budget of the transfer layer: bytes of part and shard data allowed in
// memory at once, reserved before a request is issued and released when the bytes
// leave (written to their destination, or handed to the consumer). The TransferManager,
// the artifact writer and the dataset prefetcher reserve from one of these.

#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "s3ml/cancel.h"

namespace s3ml {

/// Thread safety: every method may be called concurrently.
class ByteBudget {
 public:
  struct Options {
    /// A reservation larger than the whole capacity is granted when nothing else is
    /// reserved (so one oversized shard cannot deadlock a reader). Off: callers keep
    /// every reservation <= capacity (the TransferManager checks its options so).
    bool admit_oversized_alone = false;
    /// Acquire gives up (false) when this token is cancelled while it waits.
    CancellationToken cancel;
  };
  explicit ByteBudget(std::uint64_t capacity) : ByteBudget(capacity, Options{}) {}
  ByteBudget(std::uint64_t capacity, Options options) : capacity_(capacity), options_(std::move(options)) {}

  /// Blocks until `n` bytes fit. False when stopped or cancelled while waiting (nothing
  /// is then reserved).
  bool Acquire(std::uint64_t n);
  void Release(std::uint64_t n);
  /// Wakes every waiter; Acquire fails until Reset().
  void Stop();
  void Reset();

  std::uint64_t capacity() const { return capacity_; }
  std::uint64_t in_use() const;
  std::uint64_t high_water() const;

 private:
  const std::uint64_t capacity_;
  const Options options_;
  mutable std::mutex mu_;  // guards the fields below
  std::condition_variable cv_;
  std::uint64_t used_ = 0;
  std::uint64_t high_water_ = 0;
  bool stopped_ = false;
};

/// Holds `n` bytes of a budget for its lifetime (when the Acquire succeeded: held()).
class Reservation {
 public:
  Reservation(ByteBudget& b, std::uint64_t n) : budget_(b), n_(n), held_(b.Acquire(n)) {}
  ~Reservation() {
    if (held_) budget_.Release(n_);
  }
  Reservation(const Reservation&) = delete;
  Reservation& operator=(const Reservation&) = delete;
  bool held() const { return held_; }

 private:
  ByteBudget& budget_;
  std::uint64_t n_;
  bool held_;
};

}  // namespace s3ml
