#pragma once
// The reader's fetch engine: a planner thread that reserves the byte budget in
// schedule order and splits shards into ranged parts, and a fixed pool of fetch
// threads that issue the GETs through the transfer layer's pinned ranged GET.
// Shards larger than part_size are fetched as parallel ranged GETs written at
// their offsets, in parts sized by the transfer layer's PartSizer (small while
// the requests' latency is small, up to part_size when it is not).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "dataset/buffer_pool.h"
#include "dataset/cache.h"
#include "transfer/byte_budget.h"
#include "transfer/part_sizer.h"
#include "s3ml/client.h"
#include "s3ml/dataset/reader.h"
#include "s3ml/dataset/sample.h"
#include "s3ml/dataset/source.h"

namespace s3ml::dataset::internal {

/// Runs `decoder` on `shard`, turning anything it throws (std::bad_alloc from a
/// hostile size, a user decoder's exception) into the shard's error: decoding
/// runs on fetch threads, where an escaping exception would terminate.
Status DecodeGuarded(const SampleDecoder& decoder, const ShardData& shard, std::vector<Sample>& out) noexcept;


/// Counters shared by the reader and its prefetcher.
struct Counters {
  std::atomic<std::uint64_t> bytes_fetched{0}, bytes_from_cache{0}, shards_fetched{0}, requests{0},
      requests_failed{0}, retries{0};
  std::atomic<int> in_flight{0};
};

/// Bytes reserved for prefetched shards: the transfer layer's budget, with an
/// oversized shard admitted alone (so one cannot deadlock the reader).
using s3ml::ByteBudget;

/// One shard to fetch: its position in the reader's epoch list and what is known about it.
struct FetchItem {
  std::size_t pos = 0;
  ShardInfo info;
};

/// A fetched (or failed) shard.
struct Fetched {
  std::size_t pos = 0;
  ShardInfo info;  ///< etag/version/size as fetched
  Status status;
  std::shared_ptr<const Buffer> bytes;
  /// The decoded samples (decoded on the fetch thread, so decoding runs in
  /// parallel); null when not decoded yet. A decode error is in `status`.
  std::shared_ptr<std::vector<Sample>> samples;
};

/// More schedule items for a streaming schedule, called on the planner thread
/// whenever it has planned everything it has: items in increasing position
/// order, continuing the previous call's; an empty vector ends the schedule, and
/// so does an error (reported by WaitScheduled).
using ScheduleFeeder = std::function<Result<std::vector<FetchItem>>()>;

/// Fetches a schedule of shards under a byte budget.
/// Thread safety: Take() and WaitScheduled() from one consumer thread; Stop() from any thread.
class Prefetcher {
 public:
  /// `pool` supplies the shard buffers (reused across shards and epochs); null:
  /// a private pool that keeps no idle buffers. With a `feeder`, `schedule` is
  /// only the start: the planner asks the feeder for more as it goes, so that
  /// the first shards are fetched while the rest are still being listed.
  Prefetcher(Client client, const ReaderOptions& opts, std::vector<FetchItem> schedule, ByteBudget* budget,
             Counters* counters, ShardCache* cache, std::shared_ptr<BufferPool> pool = nullptr,
             ScheduleFeeder feeder = nullptr);
  ~Prefetcher();
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  /// Blocks until shard `pos` (or, with nullopt, whichever scheduled shard
  /// completes first) is fetched, and hands it over: its reservation is released.
  /// Starts the threads on the first call. nullopt when stopped, or when `pos`
  /// is not scheduled / everything was taken.
  /// Also nullopt when the client's cancellation token is cancelled while waiting.
  std::optional<Fetched> Take(std::optional<std::size_t> pos);

  /// Cancels outstanding work, joins every thread and frees buffers. Idempotent.
  void Stop();

  /// Blocks until position `pos` is in the schedule (true), or the schedule has
  /// ended without it (false), or Stop() (false). Errors: the feeder's error,
  /// when the schedule ended with one before reaching `pos`. Starts the threads.
  Result<bool> WaitScheduled(std::size_t pos);

 private:
  struct Job;
  struct Part {
    std::shared_ptr<Job> job;
    std::uint64_t offset = 0, length = 0;
  };

  void Start();
  void Planner();
  bool WaitWindow(std::uint64_t n, std::uint64_t request);
  std::uint64_t WindowFor(std::uint64_t request) const;
  bool StarvedLocked() const;
  void WakePlannerIfStarvedLocked();
  void ReleaseReservedLocked(std::map<std::size_t, std::uint64_t>::iterator it, std::uint64_t n);
  bool Feed();
  void Worker();
  void RunHead(const ShardInfo& info, std::size_t index);
  void RunPart(const Part& part);
  void Publish(Fetched f, std::uint64_t release);
  bool AcquireSlot();
  void ReleaseSlot();
  Status CountedFailure(Status st);

  /// Waits on done_cv_ for `ready`, looking at the client's token every poll
  /// interval; false when it was cancelled.
  bool WaitConsumerLocked(std::unique_lock<std::mutex>& lock, const std::function<bool()>& ready);
  const Client client_;
  const ReaderOptions opts_;
  // Appended to only by the planner thread (under mu_, from the feeder); a
  // deque, so references to items stay valid. Other threads read it under mu_.
  std::deque<FetchItem> schedule_;
  const ScheduleFeeder feeder_;
  ByteBudget* const budget_;
  Counters* const counters_;
  ShardCache* const cache_;
  const std::shared_ptr<BufferPool> pool_;
  // max_in_flight < fetch_threads: requests wait for a slot (slot_cv_);
  // otherwise a fetch thread never waits and slots are only counted.
  const bool slots_limit_;
  PartSizer sizer_;  // the size of a ranged shard's parts

  std::atomic<bool> stop_{false};
  std::once_flag started_;
  std::vector<std::thread> threads_;

  std::mutex mu_;  // guards everything below
  std::condition_variable work_cv_;   // workers: parts queued or stop
  std::condition_variable done_cv_;   // consumer: a shard completed or stop
  std::condition_variable slot_cv_;   // requests in flight below max_in_flight
  std::condition_variable head_cv_;   // planner: a HEAD finished or stop
  std::deque<Part> parts_;
  // Sizes of shards without one are discovered by HEAD requests issued up to
  // 2 * max_in_flight shards ahead of the planner, so they overlap.
  std::deque<std::size_t> head_queue_;                        // schedule indices
  std::map<std::size_t, Result<ObjectMetadata>> heads_;       // schedule index -> HEAD result
  std::size_t head_next_ = 0;
  std::map<std::size_t, Fetched> completed_;
  std::deque<std::size_t> completion_order_;
  std::map<std::size_t, std::uint64_t> reserved_;  // pos -> bytes still reserved (incl. completed, untaken)
  std::uint64_t reserved_bytes_ = 0;                 // the sum of reserved_
  bool planner_waiting_ = false;                     // the planner sleeps on window_cv_
  int idle_workers_ = 0;                             // fetch threads waiting for work
  std::condition_variable window_cv_;                // planner: reserved_bytes_ went down, starvation or stop
  std::set<std::size_t> scheduled_;  // not yet taken
  std::size_t taken_ = 0;
  int in_flight_ = 0;
  bool stopped_ = false;
  bool schedule_ended_ = true;   // no feeder, or it returned the end (or an error)
  Status feed_status_;           // the feeder's error, if any
  std::size_t scheduled_end_ = 0;  // 1 + the largest position scheduled so far
  bool consumer_waiting_ = false;              // Take() sleeps on done_cv_
  std::chrono::steady_clock::time_point consumer_wait_since_;  // ... since
  std::optional<std::size_t> consumer_wants_;  // ... for this position (nullopt: any)
};

}  // namespace s3ml::dataset::internal
