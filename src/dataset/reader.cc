#include "s3ml/dataset/reader.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "dataset/assignment.h"
#include "dataset/cache.h"
#include "dataset/prefetcher.h"

namespace s3ml::dataset {

using internal::Bounded;
using internal::MixAll;

Status ReaderOptions::Validate() const {
  auto bad = [](const std::string& m) { return Status::InvalidArgument("ReaderOptions: " + m); };
  if (world_size < 1) return bad("world_size must be >= 1, got " + std::to_string(world_size));
  if (rank < 0 || rank >= world_size)
    return bad("rank must be in [0, world_size), got " + std::to_string(rank) + " of " + std::to_string(world_size));
  if (num_workers < 1) return bad("num_workers must be >= 1, got " + std::to_string(num_workers));
  if (worker_id < 0 || worker_id >= num_workers)
    return bad("worker_id must be in [0, num_workers), got " + std::to_string(worker_id) + " of " +
               std::to_string(num_workers));
  if (fetch_threads < 1 || fetch_threads > 256)
    return bad("fetch_threads must be in [1, 256], got " + std::to_string(fetch_threads));
  if (max_in_flight < 1) return bad("max_in_flight must be >= 1, got " + std::to_string(max_in_flight));
  if (memory_budget == 0) return bad("memory_budget must be > 0");
  if (part_size == 0) return bad("part_size must be > 0");
  if (!cache_dir.empty() && cache_limit == 0) return bad("cache_limit must be > 0 when cache_dir is set");
  return Status::Ok();
}

namespace {

// A decoded shard in the shuffle pipeline; `samples` is null for a placeholder
// (a shard replayed from a resume state whose samples were all delivered before).
struct ShardSamples {
  std::size_t pos = 0;
  std::uint64_t count = 0;
  std::shared_ptr<std::vector<Sample>> samples;
};

struct Ref {
  std::shared_ptr<ShardSamples> shard;
  std::uint64_t idx = 0;
};

using NextShardFn = std::function<Result<std::shared_ptr<ShardSamples>>()>;  // null: no more shards

// The bounded cross-shard shuffle buffer. Output t is drawn from slot
// hash(key, t) mod size, so the order is a pure function of the input sequence
// and the key, and a replay from a state reproduces it exactly.
class Shuffler {
 public:
  Shuffler(std::size_t capacity, std::uint64_t key) : cap_(capacity < 1 ? 1 : capacity), key_(key) {}

  Result<std::optional<Ref>> Next(const NextShardFn& next_shard) {
    while (buffer_.size() < cap_) {
      if (cur_ && cur_idx_ < cur_->count) {
        buffer_.push_back(Ref{cur_, cur_idx_++});
        continue;
      }
      if (exhausted_) break;
      // Let go of the finished shard before fetching the next: its buffer can
      // then go back to the buffer pool and be reused for the shard that
      // next_shard()'s hand-over lets the prefetcher reserve.
      cur_.reset();
      S3ML_ASSIGN_OR_RETURN(std::shared_ptr<ShardSamples> s, next_shard());
      cur_ = std::move(s);
      cur_idx_ = 0;
      if (!cur_) exhausted_ = true;
    }
    if (buffer_.empty()) return std::optional<Ref>();
    std::size_t j = cap_ == 1 ? 0 : static_cast<std::size_t>(Bounded(MixAll({key_, outputs_}), buffer_.size()));
    Ref out = std::move(buffer_[j]);
    buffer_[j] = std::move(buffer_.back());
    buffer_.pop_back();
    ++outputs_;
    return std::optional<Ref>(std::move(out));
  }

  // Positions of shards with samples not yet output (buffered or not yet fed).
  std::set<std::size_t> LivePositions() const {
    std::set<std::size_t> live;
    for (const auto& r : buffer_) live.insert(r.shard->pos);
    if (cur_ && cur_idx_ < cur_->count) live.insert(cur_->pos);
    return live;
  }
  std::uint64_t outputs() const { return outputs_; }

 private:
  const std::size_t cap_;
  const std::uint64_t key_;
  std::vector<Ref> buffer_;
  std::shared_ptr<ShardSamples> cur_;
  std::uint64_t cur_idx_ = 0;
  bool exhausted_ = false;
  std::uint64_t outputs_ = 0;
};

// A fed shard: its position and sample count (-1: failed and skipped).
using FedEntry = std::pair<std::size_t, std::int64_t>;

std::uint64_t Fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

struct DatasetReader::Impl {
  // The reader's requests honour the caller's token and its own, which Close()
  // cancels so that fetches in flight stop at once instead of running to the end.
  Impl(Client c, Source s, ReaderOptions o)
      : client(c.WithCancellation(CancellationToken::AnyOf({c.cancellation(), close_token}))),
        source(std::move(s)),
        opts(std::move(o)),
        budget(opts.memory_budget, ByteBudget::Options{true, {}}),
        // Shard buffers (see BufferPool) are kept for reuse while what is
        // handed out plus what is idle stays within the memory budget, so
        // idle buffers never add to what the budget lets the reader hold.
        pool(internal::BufferPool::Create(opts.memory_budget)) {}

  const CancellationToken close_token;
  const Client client;
  const Source source;
  const ReaderOptions opts;
  internal::Counters counters;
  internal::ByteBudget budget;
  const std::shared_ptr<internal::BufferPool> pool;

  // Consumer-thread state (one consumer; see the class comment).
  std::optional<std::vector<ShardInfo>> shards;
  std::unique_ptr<internal::ShardCache> cache;
  std::uint64_t epoch = 0;
  bool running = false;
  bool finished = false;  // the current epoch's last sample was delivered
  std::vector<std::size_t> assigned;
  std::unique_ptr<Shuffler> shuffler;
  std::vector<FedEntry> fed;
  std::uint64_t delivered = 0;
  Status sticky;
  // Replay of a resumed state.
  std::optional<std::string> pending_state;  // returned by State() until the run starts
  std::vector<FedEntry> replay;
  std::uint64_t replay_delivered = 0;
  std::deque<FedEntry> replay_queue;
  std::set<std::size_t> replay_positions, live;
  std::size_t next_pos = 0;
  std::uint64_t discard = 0;
  // A run that lists a prefix while it fetches (see StartStreamingRun): the
  // shards listed so far, handed over as `shards` when the listing ends.
  struct Listing {
    std::mutex mu;
    std::vector<ShardInfo> all;  // guarded by mu
  };
  std::shared_ptr<Listing> listing;  // non-null while a streaming run lists

  std::atomic<bool> closed{false};
  std::mutex pf_mu;  // guards pf against Close() from another thread
  std::shared_ptr<internal::Prefetcher> pf;  // shared: Close() may stop it while Next() waits in Take()

  std::atomic<std::uint64_t> samples_delivered{0};
  std::atomic<std::int64_t> stall_ns{0};
  std::atomic<std::int64_t> start_ns{0};

  std::string Fingerprint() const {
    std::string s = source.Describe() + "|" + std::to_string(opts.rank) + "/" + std::to_string(opts.world_size) + "|" +
                    std::to_string(opts.worker_id) + "/" + std::to_string(opts.num_workers) + "|" +
                    std::to_string(static_cast<int>(opts.uneven)) + "|" + std::to_string(opts.seed) + "|" +
                    std::to_string(opts.shuffle_shards) + "|" + std::to_string(opts.shuffle_buffer) + "|" +
                    opts.decoder->name() + "|" + std::to_string(opts.as_completed);
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(Fnv1a(s)));
    return hex;
  }

  Status EnsureResolved() {
    if (shards) return Status::Ok();
    S3ML_ASSIGN_OR_RETURN(auto list, source.Resolve(client));
    shards = std::move(list);
    return OpenCache();
  }

  Status OpenCache() {
    if (!opts.cache_dir.empty() && !cache) {
      S3ML_ASSIGN_OR_RETURN(cache, internal::ShardCache::Open(opts.cache_dir, opts.cache_limit));
    }
    return Status::Ok();
  }

  // The first run over a prefix need not wait for the whole listing when the
  // assignment does not depend on the shard count: without shard shuffling,
  // shard i goes to reader i mod readers (AssignShards), and with kExact (or a
  // single reader) nothing is dropped or padded. Resumes replay a recorded
  // state and need the full list; as-completed delivery keeps the plain path.
  bool CanStream() const {
    const auto readers = static_cast<std::size_t>(opts.world_size) * static_cast<std::size_t>(opts.num_workers);
    return !shards && !opts.shuffle_shards && !opts.as_completed &&
           (opts.uneven == UnevenShards::kExact || readers == 1) && replay.empty() && replay_delivered == 0;
  }

  // Starts a run whose schedule grows as the prefix is listed page by page:
  // the prefetcher's planner asks for the next page when it has planned every
  // shard it has, so fetching starts after the first LIST and later pages are
  // listed while earlier shards download (never more than the byte budget
  // ahead). Positions and order are those AssignShards gives for the full list.
  Status StartStreamingRun(Source::PageFn pages) {
    S3ML_RETURN_IF_ERROR(OpenCache());
    const auto readers = static_cast<std::size_t>(opts.world_size) * static_cast<std::size_t>(opts.num_workers);
    const auto reader = static_cast<std::size_t>(opts.rank) * static_cast<std::size_t>(opts.num_workers) +
                        static_cast<std::size_t>(opts.worker_id);
    auto list = std::make_shared<Listing>();
    internal::ScheduleFeeder feeder = [pages = std::move(pages), list, readers, reader,
                                       what = source.Describe()]() mutable -> Result<std::vector<internal::FetchItem>> {
      std::vector<internal::FetchItem> items;
      while (items.empty()) {
        S3ML_ASSIGN_OR_RETURN(auto page, pages());
        std::lock_guard<std::mutex> lock(list->mu);
        if (!page) {
          if (list->all.empty()) return Status::InvalidArgument("dataset " + what + " has no shards");
          break;  // listed to the end
        }
        for (auto& info : *page) {
          const std::size_t i = list->all.size();
          if (i % readers == reader) items.push_back({i / readers, info});
          list->all.push_back(std::move(info));
        }
      }
      return items;
    };
    shuffler = std::make_unique<Shuffler>(opts.shuffle_buffer, ShuffleKey());
    {
      std::lock_guard<std::mutex> lock(pf_mu);
      if (closed) return Status(ErrorCategory::kCancelled, "dataset reader closed");
      pf = std::make_shared<internal::Prefetcher>(client, opts, std::vector<internal::FetchItem>{}, &budget, &counters,
                                                cache.get(), pool, std::move(feeder));
    }
    listing = std::move(list);
    running = true;
    pending_state.reset();
    return Status::Ok();
  }

  // The streaming run's listing ended: its shards become the dataset's.
  void FinishListing() {
    if (!listing) return;
    {
      std::lock_guard<std::mutex> lock(listing->mu);
      if (!shards) shards = std::move(listing->all);
    }
    listing.reset();
    assigned = internal::AssignShards(shards->size(), opts, epoch);
  }

  void StopPrefetch() {
    std::shared_ptr<internal::Prefetcher> old;
    {
      std::lock_guard<std::mutex> lock(pf_mu);
      old = std::move(pf);
    }
    if (old) old->Stop();  // joins; frees buffers when `old` goes
  }

  void ResetRun() {
    StopPrefetch();
    shuffler.reset();
    running = false;
    finished = false;
    fed.clear();
    delivered = 0;
    replay.clear();
    replay_delivered = 0;
    replay_queue.clear();
    replay_positions.clear();
    live.clear();
    next_pos = 0;
    discard = 0;
    pending_state.reset();
    listing.reset();  // an unfinished listing is started again by the next run
    sticky = Status::Ok();
  }

  std::uint64_t ShuffleKey() const {
    return MixAll({opts.seed, epoch, static_cast<std::uint64_t>(opts.rank), static_cast<std::uint64_t>(opts.world_size),
                   static_cast<std::uint64_t>(opts.worker_id), static_cast<std::uint64_t>(opts.num_workers),
                   0x53414d504c45ull /* "SAMPLE" */});
  }

  Status StartRun() {
    if (CanStream())
      if (Source::PageFn pages = source.Pages(client)) return StartStreamingRun(std::move(pages));  // a prefix
    S3ML_RETURN_IF_ERROR(EnsureResolved());
    assigned = internal::AssignShards(shards->size(), opts, epoch);
    shuffler = std::make_unique<Shuffler>(opts.shuffle_buffer, ShuffleKey());

    if (!replay.empty() || replay_delivered > 0) {
      // Find which replayed shards still have undelivered samples by running
      // the shuffle on sample counts alone (no data, no I/O).
      for (const auto& [pos, count] : replay)
        if (pos >= assigned.size())
          return Status::InvalidArgument("resume state does not match this dataset: shard position " +
                                         std::to_string(pos) + " of " + std::to_string(assigned.size()));
      Shuffler sim(opts.shuffle_buffer, ShuffleKey());
      std::size_t i = 0;
      NextShardFn sim_next = [&]() -> Result<std::shared_ptr<ShardSamples>> {
        if (i >= replay.size()) return std::shared_ptr<ShardSamples>();
        auto s = std::make_shared<ShardSamples>();
        s->pos = replay[i].first;
        s->count = replay[i].second < 0 ? 0 : static_cast<std::uint64_t>(replay[i].second);
        ++i;
        return s;
      };
      for (std::uint64_t t = 0; t < replay_delivered; ++t) {
        S3ML_ASSIGN_OR_RETURN(auto r, sim.Next(sim_next));
        if (!r) return Status::InvalidArgument("resume state is inconsistent: it records " +
                                               std::to_string(replay_delivered) + " samples delivered but its shards hold " +
                                               std::to_string(t));
      }
      if (i != replay.size())
        return Status::InvalidArgument("resume state is inconsistent: more shards recorded than its samples need");
      live = sim.LivePositions();
      for (const auto& e : replay) replay_positions.insert(e.first);
      replay_queue.assign(replay.begin(), replay.end());
      discard = replay_delivered;
    }

    std::vector<internal::FetchItem> schedule;
    for (const auto& [pos, count] : replay)
      if (count >= 0 && live.count(pos)) schedule.push_back({pos, (*shards)[assigned[pos]]});
    for (std::size_t pos = 0; pos < assigned.size(); ++pos)
      if (!replay_positions.count(pos)) schedule.push_back({pos, (*shards)[assigned[pos]]});
    {
      std::lock_guard<std::mutex> lock(pf_mu);
      if (closed) return Status(ErrorCategory::kCancelled, "dataset reader closed");
      pf = std::make_shared<internal::Prefetcher>(client, opts, std::move(schedule), &budget, &counters, cache.get(),
                                                pool);
    }
    running = true;
    if (discard == 0) pending_state.reset();  // else kept until the replay has caught up
    return Status::Ok();
  }

  // Takes shard `pos` (or any with nullopt) from the prefetcher and decodes it.
  // Returns null with an OK status when the shard failed and is skipped.
  Result<std::shared_ptr<ShardSamples>> Fetch(std::optional<std::size_t> pos, bool* skipped) {
    *skipped = false;
    auto t0 = std::chrono::steady_clock::now();
    std::optional<internal::Fetched> f;
    {
      std::shared_ptr<internal::Prefetcher> p;
      {
        std::lock_guard<std::mutex> lock(pf_mu);
        p = pf;
      }
      if (p == nullptr || closed) return Status(ErrorCategory::kCancelled, "dataset reader closed");
      f = p->Take(pos);
    }
    stall_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
    if (!f) {
      if (closed) return Status(ErrorCategory::kCancelled, "dataset reader closed");
      if (client.cancellation().cancelled()) return Status::Cancelled("the dataset reader was cancelled");
      return Status(ErrorCategory::kInternal, "dataset reader: shard position " +
                                                  (pos ? std::to_string(*pos) : std::string("(any)")) +
                                                  " was not scheduled");
    }
    const std::string uri = f->info.Uri();
    Status st = f->status;
    auto out = std::make_shared<ShardSamples>();
    out->pos = f->pos;
    if (st.ok() && f->samples) {
      out->samples = std::move(f->samples);  // decoded on the fetch thread
    } else if (st.ok()) {
      out->samples = std::make_shared<std::vector<Sample>>();
      st = internal::DecodeGuarded(*opts.decoder, ShardData{f->info, f->bytes}, *out->samples);
    }
    if (st.ok()) out->count = out->samples->size();
    if (!st.ok()) {
      // A cancellation is the caller's, not the shard's: never skipped.
      if (opts.skip_failed_shards && st.category() != ErrorCategory::kCancelled) {
        *skipped = true;
        out->samples.reset();
        out->count = 0;
        return out;
      }
      return st.WithMessage("dataset shard " + uri + " (epoch " + std::to_string(epoch) + "): " + st.message());
    }
    return out;
  }

  Result<std::shared_ptr<ShardSamples>> NextShard() {
    while (true) {
      std::optional<std::size_t> want;
      std::int64_t recorded = 0;
      bool from_replay = false;
      if (!replay_queue.empty()) {
        FedEntry e = replay_queue.front();
        replay_queue.pop_front();
        from_replay = true;
        recorded = e.second;
        if (e.second < 0 || !live.count(e.first)) {
          // All of its samples were delivered before the state was taken (or it was skipped then).
          auto s = std::make_shared<ShardSamples>();
          s->pos = e.first;
          s->count = e.second < 0 ? 0 : static_cast<std::uint64_t>(e.second);
          fed.push_back(e);
          return s;
        }
        want = e.first;
      } else if (listing) {  // streaming run: positions 0, 1, ... as the listing reaches them
        std::shared_ptr<internal::Prefetcher> p;
        {
          std::lock_guard<std::mutex> lock(pf_mu);
          p = pf;
        }
        if (p == nullptr || closed) return Status(ErrorCategory::kCancelled, "dataset reader closed");
        auto t0 = std::chrono::steady_clock::now();
        auto more = p->WaitScheduled(next_pos);
        stall_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
        if (closed) return Status(ErrorCategory::kCancelled, "dataset reader closed");
        if (!more.ok())
          return more.status().WithMessage("listing dataset " + source.Describe() + ": " + more.status().message());
        if (!*more) {
          FinishListing();
          return std::shared_ptr<ShardSamples>();
        }
        want = next_pos++;
      } else if (!opts.as_completed) {
        while (next_pos < assigned.size() && replay_positions.count(next_pos)) ++next_pos;
        if (next_pos >= assigned.size()) return std::shared_ptr<ShardSamples>();
        want = next_pos++;
      } else if (fed.size() >= assigned.size()) {
        return std::shared_ptr<ShardSamples>();
      }
      bool skipped = false;
      S3ML_ASSIGN_OR_RETURN(auto s, Fetch(want, &skipped));
      if (skipped) {
        counters_skipped.fetch_add(1);
        fed.emplace_back(s->pos, -1);
        continue;
      }
      if (from_replay && static_cast<std::int64_t>(s->count) != recorded) {
        return Status(ErrorCategory::kIntegrity,
                      "dataset shard " + (*shards)[assigned[s->pos]].Uri() + " changed since the resume state was taken: " +
                          std::to_string(recorded) + " samples then, " + std::to_string(s->count) + " now");
      }
      fed.emplace_back(s->pos, static_cast<std::int64_t>(s->count));
      return s;
    }
  }

  Result<std::optional<Sample>> Next() {
    if (closed) return Status(ErrorCategory::kCancelled, "dataset reader closed");
    if (!sticky.ok()) return sticky;
    if (start_ns == 0)
      start_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::steady_clock::now().time_since_epoch())
                     .count();
    if (finished) return std::optional<Sample>();
    if (!running) {
      Status st = StartRun();
      if (!st.ok()) {
        sticky = st;
        return st;
      }
    }
    NextShardFn next = [this] { return NextShard(); };
    while (true) {
      auto r = shuffler->Next(next);
      if (!r.ok()) {
        sticky = r.status();
        return sticky;
      }
      if (!*r) {
        finished = true;
        StopPrefetch();
        return std::optional<Sample>();
      }
      Ref ref = std::move(**r);
      ++delivered;
      if (discard > 0) {
        if (--discard == 0) pending_state.reset();
        continue;
      }
      if (!ref.shard->samples) {
        sticky = Status(ErrorCategory::kInternal, "dataset reader: replay reached a shard it did not refetch");
        return sticky;
      }
      samples_delivered.fetch_add(1);
      // Each sample is output exactly once, so it can be moved out.
      return std::optional<Sample>(std::move((*ref.shard->samples)[ref.idx]));
    }
  }

  std::string State() const {
    if (pending_state) return *pending_state;
    nlohmann::json segs = nlohmann::json::array();
    for (std::size_t i = 0; i < fed.size();) {
      std::size_t j = i + 1;
      while (j < fed.size() && fed[j].first == fed[j - 1].first + 1 && fed[j].second == fed[i].second) ++j;
      segs.push_back({fed[i].first, j - i, fed[i].second});
      i = j;
    }
    nlohmann::json j = {{"v", 1},
                        {"epoch", epoch},
                        {"delivered", delivered},
                        {"fed", segs},
                        {"config", Fingerprint()},
                        {"shards", shards ? shards->size() : 0}};
    return j.dump();
  }

  Status Resume(const std::string& state) {
    nlohmann::json j = nlohmann::json::parse(state, nullptr, /*allow_exceptions=*/false);
    auto bad = [](const std::string& m) { return Status::InvalidArgument("dataset resume state: " + m); };
    if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
    // nlohmann converts a float to an integer type with a plain cast (undefined
    // behaviour out of range): every number here must be a non-negative integer.
    auto count_of = [](const nlohmann::json& v, const char* what) -> std::uint64_t {
      if (v.is_number_unsigned()) return v.get<std::uint64_t>();
      throw std::invalid_argument(std::string(what) + " is not a non-negative integer");
    };
    try {
      const auto version = j.find("v");
      if (version == j.end() || !version->is_number_unsigned() || version->get<std::uint64_t>() != 1)
        return bad("unsupported version (\"v\" must be 1)");
      if (j.at("config").get<std::string>() != Fingerprint())
        return bad("taken with a different source or options (fingerprint mismatch)");
      std::uint64_t e = count_of(j.at("epoch"), "\"epoch\"");
      std::uint64_t delivered_then = count_of(j.at("delivered"), "\"delivered\"");
      std::uint64_t shard_count = count_of(j.at("shards"), "\"shards\"");
      const auto& fed_segments = j.at("fed");
      if (!fed_segments.is_array()) return bad("\"fed\" is not an array");
      struct Segment {
        std::uint64_t start, n;
        std::int64_t count;
      };
      std::vector<Segment> segments;
      for (const auto& seg : fed_segments) {
        const auto& c = seg.at(2);
        if (!c.is_number_integer() || (c.is_number_unsigned() && c.get<std::uint64_t>() > (std::uint64_t{1} << 62)))
          return bad("malformed shard segment");
        Segment s{count_of(seg.at(0), "a segment's start"), count_of(seg.at(1), "a segment's length"),
                  c.get<std::int64_t>()};
        if (s.count < -1 || s.n == 0) return bad("malformed shard segment");
        segments.push_back(s);
      }
      ResetRun();
      epoch = e;
      // Positions are checked against the dataset's shards before the segments are
      // expanded: a small state never expands into more entries than there are shards.
      // (A state taken while a prefix was still being listed records 0 shards.)
      std::uint64_t positions = 0;
      if (shard_count != 0 || !segments.empty()) {
        S3ML_RETURN_IF_ERROR(EnsureResolved());
        positions = shards->size();
        if (shard_count != 0 && positions != shard_count)
          return bad("the dataset now has " + std::to_string(positions) + " shards, the state was taken with " +
                     std::to_string(shard_count));
      }
      std::vector<FedEntry> entries;
      std::vector<bool> seen(static_cast<std::size_t>(positions), false);
      for (const Segment& seg : segments) {
        if (seg.start >= positions || seg.n > positions - seg.start)
          return bad("shard segment [" + std::to_string(seg.start) + ", +" + std::to_string(seg.n) +
                     ") is outside the " + std::to_string(positions) + " shards of the dataset");
        for (std::uint64_t k = seg.start; k < seg.start + seg.n; ++k) {
          if (seen[static_cast<std::size_t>(k)]) return bad("a shard position appears twice");
          seen[static_cast<std::size_t>(k)] = true;
          entries.emplace_back(static_cast<std::size_t>(k), seg.count);
        }
      }
      replay = std::move(entries);
      replay_delivered = delivered_then;
      pending_state = state;
    } catch (const nlohmann::json::exception& ex) {
      return bad(std::string("malformed: ") + ex.what());
    } catch (const std::invalid_argument& ex) {
      return bad(std::string("malformed: ") + ex.what());
    }
    return Status::Ok();
  }

  Result<Sample> Get(std::uint64_t i) {
    S3ML_RETURN_IF_ERROR(EnsureResolved());
    if (i >= shards->size())
      return Status::InvalidArgument("dataset Get(" + std::to_string(i) + "): index out of range (size " +
                                     std::to_string(shards->size()) + ")");
    ShardInfo info = (*shards)[i];
    std::shared_ptr<const Buffer> bytes;
    if (cache)
      if (auto hit = cache->Lookup(info)) {
        counters.bytes_from_cache += hit->size();
        bytes = std::make_shared<const Buffer>(std::move(*hit));
      }
    if (!bytes) {
      GetObjectRequest req;
      req.bucket = info.bucket;
      req.key = info.key;
      req.version_id = info.version_id;
      counters.requests.fetch_add(1);
      auto r = client.GetObject(req);
      if (!r.ok()) {
        if (r.status().category() != ErrorCategory::kCancelled) counters.requests_failed.fetch_add(1);
        if (r.status().attempts() > 1) counters.retries.fetch_add(static_cast<std::uint64_t>(r.status().attempts() - 1));
        return r.status().WithMessage("dataset Get(" + std::to_string(i) + ") " + info.Uri() + ": " +
                                      r.status().message());
      }
      if (r->attempts > 1) counters.retries.fetch_add(static_cast<std::uint64_t>(r->attempts - 1));
      counters.bytes_fetched.fetch_add(r->body.size());
      info.etag = r->info.etag;
      info.version_id = r->info.version_id;
      if (cache) (void)cache->Insert(info, r->body);
      bytes = std::make_shared<const Buffer>(std::move(r->body));
    }
    std::vector<Sample> out;
    S3ML_RETURN_IF_ERROR(internal::DecodeGuarded(*opts.decoder, ShardData{info, bytes}, out));
    if (out.size() != 1)
      return Status::InvalidArgument("dataset Get(" + std::to_string(i) + ") " + info.Uri() + ": the " +
                                     opts.decoder->name() + " decoder yields " + std::to_string(out.size()) +
                                     " samples; map-style access needs one sample per object");
    return std::move(out.front());
  }

  std::atomic<std::uint64_t> counters_skipped{0};
};

Result<std::unique_ptr<DatasetReader>> DatasetReader::Create(Client client, Source source, ReaderOptions options) {
  S3ML_RETURN_IF_ERROR(options.Validate());
  if (!options.decoder) options.decoder = RawDecoder();
  return std::unique_ptr<DatasetReader>(
      new DatasetReader(std::make_unique<Impl>(std::move(client), std::move(source), std::move(options))));
}

DatasetReader::DatasetReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DatasetReader::~DatasetReader() { Close(); }

Result<std::optional<Sample>> DatasetReader::Next() { return impl_->Next(); }

void DatasetReader::SetEpoch(std::uint64_t epoch) {
  impl_->ResetRun();
  impl_->epoch = epoch;
}
std::uint64_t DatasetReader::epoch() const { return impl_->epoch; }
std::string DatasetReader::State() const { return impl_->State(); }
Status DatasetReader::Resume(const std::string& state) { return impl_->Resume(state); }

Result<std::uint64_t> DatasetReader::Size() {
  S3ML_RETURN_IF_ERROR(impl_->EnsureResolved());
  return static_cast<std::uint64_t>(impl_->shards->size());
}
Result<Sample> DatasetReader::Get(std::uint64_t i) { return impl_->Get(i); }

void DatasetReader::Close() {
  impl_->closed = true;
  impl_->close_token.Cancel();
  impl_->StopPrefetch();
  impl_->pool->Close();  // idle buffers go now; those still held by samples are freed when dropped
}

ReaderMetrics DatasetReader::metrics() const {
  const Impl& m = *impl_;
  ReaderMetrics r;
  r.bytes_fetched = m.counters.bytes_fetched;
  r.bytes_from_cache = m.counters.bytes_from_cache;
  r.samples_delivered = m.samples_delivered;
  r.shards_fetched = m.counters.shards_fetched;
  r.shards_skipped = m.counters_skipped;
  r.requests = m.counters.requests;
  r.requests_failed = m.counters.requests_failed;
  r.retries = m.counters.retries;
  r.requests_in_flight = m.counters.in_flight;
  r.budget_in_use = m.budget.in_use();
  r.budget_high_water = m.budget.high_water();
  r.stall_time = std::chrono::nanoseconds(m.stall_ns.load());
  if (std::int64_t s = m.start_ns.load(); s != 0) {
    r.elapsed = std::chrono::nanoseconds(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count() -
        s);
    double secs = std::chrono::duration<double>(r.elapsed).count();
    if (secs > 0) {
      r.bytes_per_second = static_cast<double>(r.bytes_fetched) / secs;
      r.samples_per_second = static_cast<double>(r.samples_delivered) / secs;
    }
  }
  return r;
}

}  // namespace s3ml::dataset
