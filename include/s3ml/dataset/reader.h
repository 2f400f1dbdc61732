#pragma once
/// \file DatasetReader: sharded, shuffled, resumable, memory-bounded reading of
/// a dataset for one training process (rank) and data-loader worker.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "s3ml/client.h"
#include "s3ml/dataset/sample.h"
#include "s3ml/dataset/source.h"
#include "s3ml/result.h"

namespace s3ml::dataset {

/// What to do when the shard count does not divide evenly among the
/// world_size × num_workers readers.
enum class UnevenShards {
  kExact,  ///< every shard exactly once; some readers get one shard more
  kDrop,   ///< drop the last (shards mod readers) shards of the epoch's permutation
  kPad,    ///< repeat shards from the start of the permutation so every reader gets the same count
};

/// Configuration of a DatasetReader. Plain struct with defaults; validated by
/// DatasetReader::Create.
struct ReaderOptions {
  // Assignment: reader id = rank * num_workers + worker_id, of world_size * num_workers.
  int rank = 0;
  int world_size = 1;
  int worker_id = 0;
  int num_workers = 1;
  UnevenShards uneven = UnevenShards::kExact;

  // Shuffling (all derived from seed and epoch; never from timing).
  std::uint64_t seed = 0;
  bool shuffle_shards = false;        ///< permute shards per (seed, epoch) before assignment
  std::size_t shuffle_buffer = 0;     ///< samples in the cross-shard shuffle buffer (0/1: no sample shuffle)

  std::shared_ptr<SampleDecoder> decoder;  ///< null: RawDecoder()

  // Prefetch and memory.
  int fetch_threads = 8;                        ///< fixed pool, started on first use
  int max_in_flight = 8;                        ///< GET/HEAD requests in flight at once (≤ fetch_threads effective)
  /// Bytes of fetched, not yet decoded shards, reserved before each GET (size from
  /// the listing/manifest or a HEAD), so resident prefetched bytes never exceed it.
  /// A multi-part shard also reserves its transient part buffers. A shard larger
  /// than the budget is admitted alone. Not counted: shards already handed to the
  /// decoder, whose buffers live on while samples (in the shuffle buffer or held
  /// by the caller) view them. Released shard buffers of 1 MiB and more are kept
  /// for reuse (also across epochs) while those in use plus those kept stay
  /// within the budget, so each budget byte is faulted in once per reader, not
  /// once per shard; Close() frees the kept ones.
  std::uint64_t memory_budget = 256ull << 20;
  /// Shards up to this size are fetched with one GET; larger shards as parallel
  /// ranged GETs of at most this size. Those parts start at 4 MiB (or part_size,
  /// if smaller) and double, up to part_size, while the parts in flight do not
  /// cover four times the measured bandwidth-delay product (throughput × the
  /// smallest time to first byte), so parts stay small where requests are cheap
  /// (less memory in flight) and grow where latency is high.
  std::uint64_t part_size = 8ull << 20;
  /// Bytes of shards fetched ahead of the consumer (reserved and not yet handed
  /// to it), within memory_budget. 0 (default): min(max_in_flight, fetch_threads, 16)
  /// × the size of the requests being planned (a whole shard, or a ranged shard's
  /// part; at least 4 MiB), and more, up to min(max_in_flight, fetch_threads) ×
  /// that size, only as far as the measured bandwidth-delay product asks (a
  /// high-latency path). memory_budget: as deep as the budget allows (bursty
  /// networks, consumers with uneven step times). A shard larger than the window
  /// is still fetched, alone. While the consumer waits and a fetch thread is idle,
  /// the shard waited for stops counting toward the window; after 200 ms of
  /// waiting for one shard the other threads read on up to the budget. The budget
  /// is never exceeded. Why these defaults: docs/adr/0008 and 0015.
  std::uint64_t prefetch_ahead = 0;
  bool as_completed = false;                    ///< deliver shards as they complete (order then depends on timing)

  /// false: a shard that fails after the client's retries makes Next() return
  /// an error naming it. true: it is skipped and counted in metrics().shards_skipped.
  bool skip_failed_shards = false;

  /// Whole-shard GETs ask for the object's checksum (x-amz-checksum-mode: ENABLED) and
  /// verify the bytes against it, so a shard corrupted in transit fails with kIntegrity
  /// (code ChecksumMismatch) instead of being decoded. Shards stored without a checksum,
  /// and shards fetched as ranged parts (S3 sends no checksum for a range), are not
  /// covered. false: no checksum pass over the shard bytes.
  bool verify_checksums = true;

  /// Optional local cache of whole shards; empty: no cache. Entries are written
  /// to a temporary file and renamed, so a crash never leaves a partial shard.
  std::string cache_dir;
  std::uint64_t cache_limit = 1ull << 30;  ///< bytes; least recently used shards evicted beyond it

  /// Checks every field; the error names the field and why.
  Status Validate() const;
};

/// Counters and rates of one reader (a snapshot).
struct ReaderMetrics {
  std::uint64_t bytes_fetched = 0;        ///< bytes received from S3 (not from the cache)
  std::uint64_t bytes_from_cache = 0;
  std::uint64_t samples_delivered = 0;    ///< by Next(), all epochs
  std::uint64_t shards_fetched = 0;
  std::uint64_t shards_skipped = 0;       ///< failed and skipped (skip_failed_shards)
  std::uint64_t requests = 0;             ///< GET and HEAD requests issued
  std::uint64_t requests_failed = 0;      ///< requests that failed after the client's retries (not those
                                          ///< aborted by Close() or cancellation)
  /// Requests sent again: the client's retries of every GET (attempts - 1, whether
  /// the GET then succeeded or failed) and of failed HEADs, and the reader's restarts
  /// of a GET cut off after part of its body arrived (which share the client's
  /// RetryOptions::max_attempts with its retries). Not seen: a request libcurl
  /// resends by itself when a reused connection closes before any answer byte.
  std::uint64_t retries = 0;
  int requests_in_flight = 0;
  std::uint64_t budget_in_use = 0;        ///< bytes currently reserved for prefetch
  std::uint64_t budget_high_water = 0;    ///< maximum bytes ever reserved at once
  std::chrono::nanoseconds stall_time{0}; ///< time Next() spent waiting for data
  std::chrono::nanoseconds elapsed{0};    ///< since the first Next()
  double bytes_per_second = 0;            ///< bytes_fetched / elapsed
  double samples_per_second = 0;          ///< samples_delivered / elapsed
};

/// Reads the samples assigned to one (rank, worker) of a dataset, epoch by epoch.
///
/// The order of samples depends only on (source, seed, epoch, rank, world_size,
/// worker_id, num_workers, shuffle options) unless as_completed is set. Shards are
/// prefetched by a fixed pool of fetch_threads threads, started lazily by the
/// first Next() of an epoch and joined when the epoch ends, on SetEpoch(),
/// Resume() and Close() (nothing runs or connects at construction: safe to build
/// before fork()). Get() runs on the caller's thread.
///
/// Thread safety: one consumer — Next/State/Resume/SetEpoch/Get must not be
/// called concurrently; metrics() and Close() may be called from any thread.
/// Destruction closes the reader: it returns promptly (in-flight requests are
/// aborted), joins every thread and frees every buffer.
///
/// Cancellation: the reader's requests carry the token of the Client it was given
/// (Client::WithCancellation). Once it is cancelled, requests in flight stop within
/// about 100 ms, Next() returns kCancelled (never skipped as a failed shard, even with
/// skip_failed_shards), and Close() joins the threads.
class DatasetReader {
 public:
  /// Validates options; no I/O, no threads. Errors: kInvalidArgument naming the field.
  static Result<std::unique_ptr<DatasetReader>> Create(Client client, Source source, ReaderOptions options = {});
  ~DatasetReader();
  DatasetReader(const DatasetReader&) = delete;
  DatasetReader& operator=(const DatasetReader&) = delete;

  /// The next sample of the current epoch, or nullopt at the end of the epoch
  /// (then SetEpoch(epoch() + 1) starts the next). Errors: the source's resolve
  /// error; a shard that failed after retries ("dataset shard s3://b/k: ..."),
  /// unless skip_failed_shards; a decoder error naming the shard; kCancelled
  /// after Close() or when the client's token is cancelled. An error is sticky
  /// until SetEpoch()/Resume().
  Result<std::optional<Sample>> Next();

  /// Starts epoch `epoch` from its beginning (cancels prefetch of the current one).
  void SetEpoch(std::uint64_t epoch);
  std::uint64_t epoch() const;

  /// A small JSON string identifying the position after the last sample
  /// delivered by Next(): the epoch, the number of samples delivered in it, and
  /// run-length-encoded per-shard sample counts of the shards fed to the shuffle
  /// buffer so far (so a resumed reader replays the shuffle without fetching
  /// shards whose samples were all delivered). Also records a fingerprint of the
  /// configuration.
  std::string State() const;

  /// Continues exactly after the last sample delivered when `state` was taken:
  /// no sample lost or repeated, also mid-shard and with the shuffle buffer on.
  /// Only shards that still have undelivered samples are fetched again. The
  /// reader must have the same source and options (checked by fingerprint).
  /// Errors: kInvalidArgument for malformed state or a configuration mismatch;
  /// the source's resolve error.
  Status Resume(const std::string& state);

  /// Map-style access over raw objects: the number of shards (objects) of the
  /// whole source (not only this reader's assignment), resolving it on first use.
  Result<std::uint64_t> Size();
  /// Object i of the source (in source order) decoded by the decoder; for raw
  /// objects the one sample. Errors: kInvalidArgument for i >= Size() or when
  /// the decoder yields no or several samples; the client's error naming the object.
  Result<Sample> Get(std::uint64_t i);

  /// Stops prefetching, joins threads, frees buffers. Idempotent; afterwards
  /// Next() returns kCancelled.
  void Close();

  /// A snapshot of counters and rates.
  ReaderMetrics metrics() const;

  struct Impl;

 private:
  explicit DatasetReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace s3ml::dataset
