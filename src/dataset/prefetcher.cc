#include "dataset/prefetcher.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>
#include <optional>
#include <string>

#include "s3ml/wait.h"
#include "transfer/ranged_get.h"

namespace s3ml::dataset::internal {

namespace {
// The smallest part a ranged shard is split into (PartSizer grows it up to
// ReaderOptions::part_size when the requests' latency calls for it). Smaller
// parts would hold less memory in flight, but each request costs CPU on both
// ends: on loopback, 32 MiB shards at 16 in flight read in 1 MiB parts (1,024
// requests per GiB) ran ~15% slower than in 4 MiB parts at the same memory.
constexpr std::uint64_t kMinPart = std::uint64_t{4} << 20;
// The requests' worth of bytes the default read-ahead window holds before the
// measured bandwidth-delay product asks for more (see WindowFor).
constexpr std::uint64_t kWindowRequests = 16;
}  // namespace

struct Prefetcher::Job {
  FetchItem item;
  std::uint64_t size = 0;
  bool multi = false;
  std::shared_ptr<Buffer> bytes;  // set once, by the first part to run (bytes_once)
  std::once_flag bytes_once;
  int parts_left = 0;
  Status status;  // first failure; guarded by Prefetcher::mu_ when `multi` (else one thread owns the job)
  std::string etag, version_id;
};

Prefetcher::Prefetcher(Client client, const ReaderOptions& opts, std::vector<FetchItem> schedule, ByteBudget* budget,
                       Counters* counters, ShardCache* cache, std::shared_ptr<BufferPool> pool, ScheduleFeeder feeder)
    : client_(std::move(client)),
      opts_(opts),
      schedule_(std::make_move_iterator(schedule.begin()), std::make_move_iterator(schedule.end())),
      feeder_(std::move(feeder)),
      budget_(budget),
      counters_(counters),
      cache_(cache),
      pool_(pool ? std::move(pool) : BufferPool::Create(0)),
      slots_limit_(opts.max_in_flight < opts.fetch_threads),
      sizer_(kMinPart, opts.part_size, std::min(opts.max_in_flight, opts.fetch_threads)) {
  for (const auto& s : schedule_) {
    scheduled_.insert(s.pos);
    scheduled_end_ = std::max(scheduled_end_, s.pos + 1);
  }
  schedule_ended_ = feeder_ == nullptr;
}

Prefetcher::~Prefetcher() { Stop(); }

void Prefetcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    stop_ = true;
  }
  budget_->Stop();
  work_cv_.notify_all();
  done_cv_.notify_all();
  slot_cv_.notify_all();
  head_cv_.notify_all();
  window_cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
  std::lock_guard<std::mutex> lock(mu_);
  parts_.clear();
  head_queue_.clear();
  heads_.clear();
  completed_.clear();
  completion_order_.clear();
  for (const auto& [pos, n] : reserved_) budget_->Release(n);
  reserved_.clear();
  reserved_bytes_ = 0;
  budget_->Reset();
}

bool Prefetcher::AcquireSlot() {
  if (!slots_limit_) {  // every fetch thread may have a request in flight: nothing to wait for
    if (stop_) return false;
    counters_->in_flight.fetch_add(1);
    counters_->requests.fetch_add(1);
    return true;
  }
  std::unique_lock<std::mutex> lock(mu_);
  slot_cv_.wait(lock, [&] { return stop_.load() || in_flight_ < opts_.max_in_flight; });
  if (stop_) return false;
  ++in_flight_;
  counters_->in_flight.fetch_add(1);
  counters_->requests.fetch_add(1);
  return true;
}

void Prefetcher::ReleaseSlot() {
  if (!slots_limit_) {
    counters_->in_flight.fetch_sub(1);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    --in_flight_;
    counters_->in_flight.fetch_sub(1);
  }
  slot_cv_.notify_one();
}

Status Prefetcher::CountedFailure(Status st) {
  // A request aborted by Close() or a cancelled token did not fail.
  if (st.category() != ErrorCategory::kCancelled) counters_->requests_failed.fetch_add(1);
  if (st.attempts() > 1) counters_->retries.fetch_add(static_cast<std::uint64_t>(st.attempts() - 1));
  return st;
}

Status DecodeGuarded(const SampleDecoder& decoder, const ShardData& shard, std::vector<Sample>& out) noexcept {
  const auto failed = [&](ErrorCategory category, const std::string& what) {
    try {
      return Status(category, "shard " + shard.info.Uri() + ": " + decoder.name() + " decoder failed: " + what);
    } catch (...) {
      return Status(category, "shard decoder failed: " + what);
    }
  };
  try {
    return decoder.Decode(shard, out);
  } catch (const std::bad_alloc&) {
    out.clear();
    return failed(ErrorCategory::kInternal, "out of memory");
  } catch (const std::exception& e) {
    out.clear();
    return failed(ErrorCategory::kInternal, e.what());
  } catch (...) {
    out.clear();
    return failed(ErrorCategory::kInternal, "unknown exception");
  }
}

void Prefetcher::Publish(Fetched f, std::uint64_t release) {
  if (f.status.ok() && f.bytes) {
    auto samples = std::make_shared<std::vector<Sample>>();
    f.status = DecodeGuarded(*opts_.decoder, ShardData{f.info, f.bytes}, *samples);
    if (f.status.ok()) f.samples = std::move(samples);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (release > 0) {
      budget_->Release(release);
      if (auto it = reserved_.find(f.pos); it != reserved_.end()) ReleaseReservedLocked(it, release);
    }
    std::size_t pos = f.pos;
    completion_order_.push_back(pos);
    completed_.emplace(pos, std::move(f));
    // The consumer sleeps only for a given position (or any, with nullopt):
    // a wake-up for another shard would only cost it a futex round trip.
    if (!consumer_waiting_ || (consumer_wants_ && *consumer_wants_ != pos)) return;
  }
  done_cv_.notify_one();
}

void Prefetcher::Planner() {
  const std::size_t lookahead = 2 * static_cast<std::size_t>(opts_.max_in_flight);
  for (std::size_t index = 0;; ++index) {
    if (stop_) return;
    // Only this thread appends to schedule_, so it may read it unlocked.
    if (index >= schedule_.size() && (!Feed() || index >= schedule_.size())) return;
    const FetchItem& item = schedule_[index];
    Fetched failed;
    failed.pos = item.pos;
    failed.info = item.info;
    ShardInfo info = item.info;
    {
      // Sizes are needed to reserve the budget before the GET; listings and
      // manifests carry them, explicit keys and patterns cost one HEAD each.
      std::unique_lock<std::mutex> lock(mu_);
      bool queued = false;
      for (; head_next_ < schedule_.size() && head_next_ < index + lookahead; ++head_next_)
        if (!schedule_[head_next_].info.size) {
          head_queue_.push_back(head_next_);
          queued = true;
        }
      if (queued) work_cv_.notify_all();
      if (!info.size) {
        head_cv_.wait(lock, [&] { return stop_.load() || heads_.count(index) > 0; });
        if (stop_) return;
        auto it = heads_.find(index);
        Result<ObjectMetadata> h = std::move(it->second);
        heads_.erase(it);
        lock.unlock();
        if (!h.ok()) {
          failed.status = h.status();
          Publish(std::move(failed), 0);
          continue;
        }
        info.size = h->content_length;
        if (info.etag.empty()) info.etag = h->etag;
        if (info.version_id.empty()) info.version_id = h->version_id;
      }
    }
    if (cache_ != nullptr) {
      if (auto hit = cache_->Lookup(info, info.size)) {
        const std::uint64_t n = hit->size();
        if (!WaitWindow(n, std::min(n, opts_.part_size)) || !budget_->Acquire(n)) return;
        {
          std::lock_guard<std::mutex> lock(mu_);
          reserved_[item.pos] = n;
          reserved_bytes_ += n;
        }
        counters_->bytes_from_cache.fetch_add(n);
        counters_->shards_fetched.fetch_add(1);
        Fetched f;
        f.pos = item.pos;
        f.info = info;
        f.bytes = std::make_shared<const Buffer>(std::move(*hit));
        Publish(std::move(f), 0);
        continue;
      }
    }
    auto job = std::make_shared<Job>();
    job->item = item;
    job->item.info = info;
    job->size = *info.size;
    job->etag = info.etag;
    job->version_id = info.version_id;
    // Shards up to part_size are one GET (checked against the object's
    // checksum); larger ones are split into parts of the size that hides the
    // requests' latency, as measured when the shard's turn comes (see PartSizer).
    const bool whole = job->size <= opts_.part_size;
    // Parts land directly in the shard buffer, so the shard's size is all that
    // is resident for it.
    const std::uint64_t reserve = job->size;
    if (!WaitWindow(reserve, whole ? job->size : sizer_.part_size()) || !budget_->Acquire(reserve)) return;
    const std::uint64_t part = whole ? job->size : sizer_.part_size();
    const std::uint64_t nparts = whole ? 1 : (job->size + part - 1) / part;
    job->multi = nparts > 1;
    std::lock_guard<std::mutex> lock(mu_);
    reserved_[item.pos] = reserve;
    reserved_bytes_ += reserve;
    if (job->size == 0) {
      // Nothing to GET; what the listing/HEAD said is all there is.
      job->bytes = std::make_shared<Buffer>();
      Fetched f;
      f.pos = item.pos;
      f.info = info;
      f.bytes = job->bytes;
      counters_->shards_fetched.fetch_add(1);
      completion_order_.push_back(item.pos);
      completed_.emplace(item.pos, std::move(f));
      done_cv_.notify_all();
      continue;
    }
    // job->bytes is taken from the pool by the first part that runs (RunPart),
    // so that memory is claimed when a GET starts, not when the budget is
    // reserved far ahead of it (for many small objects, that is the whole budget).
    job->parts_left = static_cast<int>(nparts);
    for (std::uint64_t i = 0; i < nparts; ++i) {
      Part p;
      p.job = job;
      p.offset = i * part;
      p.length = std::min(part, job->size - p.offset);
      parts_.push_back(std::move(p));
    }
    // One part wakes one idle worker (waking all of them is a thundering herd
    // per small object); a ranged shard's parts may keep every worker busy.
    if (nparts == 1) {
      work_cv_.notify_one();
    } else {
      work_cv_.notify_all();
    }
  }
}

// The planner reserves a shard only while what is reserved ahead of the
// consumer fits the window (or nothing is: a shard larger than the window is
// fetched alone). A fetch thread acquires a shard's buffer when its first part
// starts, so the window bounds how many shard buffers are live at once, and
// with them how much fresh memory the reader faults in.
//
// The window is ReaderOptions::prefetch_ahead, or by default what keeps every
// request busy with requests of the size being planned: in_flight × that size
// (a whole shard, or a ranged shard's part), at least in_flight × the smallest
// part (kMinPart, or part_size when smaller), so small objects are read well ahead.
// A shard far larger than its parts is thus fetched with every connection on
// it, one at a time (plus the overlap below), instead of several shards at once.
// Beyond kWindowRequests requests, the window grows only as far as the bytes
// in flight that cover the measured bandwidth-delay product (PartSizer::
// bytes_in_flight): where requests are cheap (loopback, a fast network in the
// same zone) more requests in flight would only hold more fresh memory — 64 in
// flight on loopback held a 256 MiB window and doubled the CPU per GiB, faulting
// in buffers — while a high-latency path measures a product large enough to use
// every request allowed.
//
// The window (never the budget) gives way when it would leave a fetch thread
// idle while the consumer waits. First by the shard the consumer waits for,
// which then stops counting: one more shard, enough for the tail parts of a
// shard larger than the window, and cheap when the consumer waits a few
// milliseconds on every shard (as it does whenever it is faster than the
// network). Then, once the consumer has waited kStallGrace for one shard (a
// straggler, e.g. a part in retry back-off), as far as the budget allows, as
// without a window. The grace is well above a shard's normal wait at start-up
// (~50 ms for the benchmark's first 32 MiB shard), so start-up does not fill
// the budget.
namespace {
constexpr std::chrono::milliseconds kStallGrace{200};
}  // namespace

// Starved: the consumer waits, nothing is queued, and a fetch thread is idle
// that the window means to keep busy (beyond kWindowRequests busy threads, the
// idle ones are what the byte-bounded window leaves idle on purpose).
bool Prefetcher::StarvedLocked() const {
  if (!consumer_waiting_ || idle_workers_ == 0 || !parts_.empty()) return false;
  const int busy = opts_.fetch_threads - idle_workers_;
  return std::min(opts_.max_in_flight, opts_.fetch_threads) <= static_cast<int>(kWindowRequests) ||
         busy < static_cast<int>(kWindowRequests);
}

void Prefetcher::WakePlannerIfStarvedLocked() {
  if (planner_waiting_ && StarvedLocked()) window_cv_.notify_one();
}

std::uint64_t Prefetcher::WindowFor(std::uint64_t request) const {
  if (opts_.prefetch_ahead > 0) return opts_.prefetch_ahead;
  const auto in_flight = static_cast<std::uint64_t>(std::max(1, std::min(opts_.max_in_flight, opts_.fetch_threads)));
  const std::uint64_t per_request = std::max(request, std::min(kMinPart, opts_.part_size));
  const auto times = [](std::uint64_t a, std::uint64_t b) {
    constexpr std::uint64_t most = std::numeric_limits<std::uint64_t>::max();
    return b != 0 && a > most / b ? most : a * b;
  };
  const std::uint64_t full = times(in_flight, per_request);
  // Bounded in bytes, not by the requests allowed in flight: up to kWindowRequests
  // requests' worth, more only as far as the measured bandwidth-delay product asks.
  const std::uint64_t floor = times(std::min<std::uint64_t>(in_flight, kWindowRequests), per_request);
  return std::min(full, std::max(floor, sizer_.bytes_in_flight()));
}

bool Prefetcher::WaitWindow(std::uint64_t n, std::uint64_t request) {
  const std::uint64_t window = WindowFor(request);
  std::unique_lock<std::mutex> lock(mu_);
  const auto stalled = [&] { return std::chrono::steady_clock::now() - consumer_wait_since_ >= kStallGrace; };
  const auto fits = [&] {
    if (stop_ || reserved_bytes_ == 0 || reserved_bytes_ + n <= window) return true;
    if (!StarvedLocked()) return false;
    // Starved: the shard the consumer waits for (the oldest reserved) stops
    // counting against the window, so one more shard fits (or one at all,
    // behind a shard larger than the window); after the grace, the budget rules.
    const std::uint64_t behind_head = reserved_bytes_ - std::min(reserved_bytes_, reserved_.begin()->second);
    return behind_head == 0 || behind_head + n <= window || stalled();
  };
  while (!fits()) {
    planner_waiting_ = true;
    if (StarvedLocked()) {
      window_cv_.wait_until(lock, consumer_wait_since_ + kStallGrace);
    } else {
      window_cv_.wait(lock);
    }
    planner_waiting_ = false;
  }
  return !stop_;
}

void Prefetcher::ReleaseReservedLocked(std::map<std::size_t, std::uint64_t>::iterator it, std::uint64_t n) {
  n = std::min(n, it->second);
  it->second -= n;
  reserved_bytes_ -= std::min(n, reserved_bytes_);
  if (planner_waiting_) window_cv_.notify_one();
}

bool Prefetcher::Feed() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (schedule_ended_ || stop_) return false;
  }
  auto more = feeder_();  // outside the lock: it may make a LIST request
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!more.ok() || more->empty()) {
      schedule_ended_ = true;
      if (!more.ok()) feed_status_ = more.status();
    } else {
      for (auto& item : *more) {
        scheduled_.insert(item.pos);
        scheduled_end_ = std::max(scheduled_end_, item.pos + 1);
        schedule_.push_back(std::move(item));
      }
    }
  }
  done_cv_.notify_all();  // WaitScheduled
  return more.ok() && !more->empty();
}

bool Prefetcher::WaitConsumerLocked(std::unique_lock<std::mutex>& lock, const std::function<bool()>& ready) {
  // The consumer's thread is the one a polled token (a Python caller's Ctrl-C) can
  // watch from, so it looks at the token every poll interval, outside the lock.
  return WaitWatching(done_cv_, lock, client_.cancellation(), ready);
}

Result<bool> Prefetcher::WaitScheduled(std::size_t pos) {
  Start();
  std::unique_lock<std::mutex> lock(mu_);
  if (!WaitConsumerLocked(lock, [&] { return stop_.load() || pos < scheduled_end_ || schedule_ended_; }))
    return Status::Cancelled("the dataset reader was cancelled");
  if (stop_) return false;
  if (pos < scheduled_end_) return true;
  if (!feed_status_.ok()) return feed_status_;
  return false;
}

void Prefetcher::Start() {
  std::call_once(started_, [&] {
    threads_.emplace_back([this] { Planner(); });
    for (int i = 0; i < opts_.fetch_threads; ++i) threads_.emplace_back([this] { Worker(); });
  });
}

void Prefetcher::Worker() {
  while (true) {
    Part part;
    {
      std::unique_lock<std::mutex> lock(mu_);
      const auto has_work = [&] { return stop_.load() || !parts_.empty() || !head_queue_.empty(); };
      if (!has_work()) {
        ++idle_workers_;
        WakePlannerIfStarvedLocked();
        work_cv_.wait(lock, has_work);
        --idle_workers_;
      }
      if (stop_) return;
      if (!head_queue_.empty()) {  // HEADs first: the planner waits on them
        std::size_t index = head_queue_.front();
        head_queue_.pop_front();
        ShardInfo info = schedule_[index].info;  // copied under mu_: the planner may be appending
        lock.unlock();
        RunHead(info, index);
        continue;
      }
      part = std::move(parts_.front());
      parts_.pop_front();
    }
    RunPart(part);
  }
}

void Prefetcher::RunHead(const ShardInfo& info, std::size_t index) {
  if (!AcquireSlot()) return;
  HeadObjectRequest head;
  head.bucket = info.bucket;
  head.key = info.key;
  head.version_id = info.version_id;
  auto h = client_.HeadObject(head);
  ReleaseSlot();
  if (!h.ok()) h = CountedFailure(h.status());
  {
    std::lock_guard<std::mutex> lock(mu_);
    heads_.emplace(index, std::move(h));
  }
  head_cv_.notify_all();
}

void Prefetcher::RunPart(const Part& part) {
  Job& job = *part.job;
  const ShardInfo& info = job.item.info;
  Status st;
  // Only the parts of a ranged shard share their Job between fetch threads; a
  // whole-object job is this thread's alone, so it takes no lock (on small
  // objects these locks were most of the contention on mu_).
  bool skip = false;
  if (job.multi) {
    std::lock_guard<std::mutex> lock(mu_);
    skip = !job.status.ok();  // a sibling part already failed: don't spend a request
  }
  if (!skip) {
    // Every GET (whole shard or ranged part) streams straight into this buffer:
    // no per-part buffers, no copies, and a pooled buffer is already resident
    // (see BufferPool). On allocation failure the flag stays unset and the
    // shard fails with that error (no request is spent). Only sibling parts of
    // a ranged shard race for the buffer and need the once-flag (std::call_once
    // costs a futex wake per call: per object, on small objects).
    try {
      if (job.multi) {
        std::call_once(job.bytes_once, [&] { job.bytes = pool_->Acquire(static_cast<std::size_t>(job.size)); });
      } else {
        job.bytes = pool_->Acquire(static_cast<std::size_t>(job.size));
      }
    } catch (const std::bad_alloc&) {
      st = Status(ErrorCategory::kInternal, "out of memory allocating the " + std::to_string(job.size) +
                                          "-byte buffer for s3://" + info.bucket + "/" + info.key);
      skip = true;
    }
  }
  if (!skip) {
    if (!AcquireSlot()) return;
    // The body is written straight into the preallocated shard buffer at the part's
    // offset (the whole shard: offset 0, length = size). The parts of a ranged shard
    // are pinned to one version (If-Match the listed ETag); a whole-shard GET reads the
    // current object and is checked against its checksum. A body cut off midway is
    // fetched again by the client's retry loop (the part is rewritten from its start),
    // within the client's attempt budget.
    PinnedObject object;
    object.bucket = info.bucket;
    object.key = info.key;
    object.version_id = info.version_id;
    object.size = job.size;
    if (job.multi) object.etag = job.etag;
    PartRequest req;
    req.offset = part.offset;
    req.length = part.length;
    req.whole_object = !job.multi;
    req.checksum_mode = opts_.verify_checksums;
    char* const dst = job.bytes->data();
    // Time to first byte, for the PartSizer.
    using Clock = PartSizer::Clock;
    const Clock::time_point issued = Clock::now();
    Clock::time_point first_byte{};
    const auto changed = [&](const std::string& detail) {
      return Status(ErrorCategory::kIntegrity, "object changed since it was listed: " + detail)
          .WithContext("GetObject", "s3://" + info.bucket + "/" + info.key);
    };
    auto r = GetPinnedRange(
        client_, object, req,
        [dst, &first_byte](std::uint64_t offset, const char* data, std::size_t n) {
          if (first_byte == Clock::time_point{}) first_byte = Clock::now();
          std::memcpy(dst + offset, data, n);
          return Status::Ok();
        },
        changed);
    ReleaseSlot();
    if (!r.ok()) {
      st = CountedFailure(r.status());
    } else {
      if (r->attempts > 1) {
        counters_->retries.fetch_add(static_cast<std::uint64_t>(r->attempts - 1));
      } else if (first_byte != Clock::time_point{}) {
        (void)sizer_.Record(part.length, issued, first_byte, Clock::now());
      }
      counters_->bytes_fetched.fetch_add(part.length);
      if (!job.multi) {
        job.etag = r->info.etag;
        job.version_id = r->info.version_id;
      } else if (part.offset == 0 && !r->info.version_id.empty()) {
        std::lock_guard<std::mutex> lock(mu_);
        job.version_id = r->info.version_id;
      }
    }
  }
  bool last;
  {
    std::unique_lock<std::mutex> lock(mu_, std::defer_lock);
    if (job.multi) lock.lock();
    if (!st.ok() && job.status.ok()) job.status = st;
    last = --job.parts_left == 0;
  }
  if (!last) return;

  Fetched f;
  f.pos = job.item.pos;
  f.info = info;
  f.info.size = job.size;
  if (!job.etag.empty()) f.info.etag = job.etag;
  f.info.version_id = job.version_id;
  std::uint64_t release = 0;
  {
    std::unique_lock<std::mutex> lock(mu_, std::defer_lock);
    if (job.multi) lock.lock();
    f.status = job.status;
  }
  if (f.status.ok()) {
    counters_->shards_fetched.fetch_add(1);
    if (cache_ != nullptr) (void)cache_->Insert(f.info, *job.bytes);  // best effort: a full disk only costs a refetch
    f.bytes = std::move(job.bytes);
  } else {
    job.bytes.reset();
    release = job.size;  // nothing stays resident
  }
  Publish(std::move(f), release);
}

std::optional<Fetched> Prefetcher::Take(std::optional<std::size_t> pos) {
  Start();
  std::unique_lock<std::mutex> lock(mu_);
  if (pos && scheduled_.count(*pos) == 0) return std::nullopt;
  const auto all_taken = [&] { return schedule_ended_ && taken_ >= schedule_.size(); };
  if (!pos && all_taken()) return std::nullopt;
  const auto ready = [&] {
    return stop_.load() || (pos ? completed_.count(*pos) > 0 : !completion_order_.empty() || all_taken());
  };
  if (!ready()) {
    consumer_waiting_ = true;
    consumer_wants_ = pos;
    consumer_wait_since_ = std::chrono::steady_clock::now();
    WakePlannerIfStarvedLocked();
    const bool woke = WaitConsumerLocked(lock, ready);
    consumer_waiting_ = false;
    if (!woke) return std::nullopt;  // cancelled: the caller sees the token
  }
  if (stop_) return std::nullopt;
  if (!pos && completion_order_.empty()) return std::nullopt;  // everything was taken
  const std::size_t p = pos ? *pos : completion_order_.front();
  auto it = completed_.find(p);
  Fetched f = std::move(it->second);
  completed_.erase(it);
  completion_order_.erase(std::find(completion_order_.begin(), completion_order_.end(), p));
  scheduled_.erase(p);
  ++taken_;
  if (auto r = reserved_.find(p); r != reserved_.end()) {
    budget_->Release(r->second);
    ReleaseReservedLocked(r, r->second);
    reserved_.erase(r);
  }
  return f;
}

}  // namespace s3ml::dataset::internal
