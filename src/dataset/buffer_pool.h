#pragma once
// Shard buffers for the prefetcher: large buffers are reused instead of being
// allocated fresh for every shard.
//
// Why: a fresh large buffer is a new mmap; every 4 KiB page of it costs a page
// fault (with zeroing and memcg accounting) the first time a body byte lands in
// it, and freeing it costs an munmap. Profiling `s3ml bench read` on 32 MiB
// shards showed about half of the reader's CPU in that path. A reused buffer is
// already resident; a new large one is advised to use transparent huge pages
// (one fault per 2 MiB where the kernel allows THP for madvised memory).

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "s3ml/buffer.h"

namespace s3ml::dataset::internal {

/// Hands out shard buffers as shared_ptr<Buffer>. When the last reference (the
/// prefetcher's, or a Sample's `owner`) is dropped, the buffer goes back to the
/// pool if the pool still exists and the pool's resident bytes (buffers handed
/// out plus idle ones) stay within `limit`; otherwise it is freed. An Acquire
/// that no idle buffer fits first frees idle buffers until the new one fits
/// under `limit` beside those handed out, so idle buffers of sizes that no
/// longer come up cannot pile up next to fresh ones. With `limit` = the
/// reader's memory budget, the buffers ever allocated in an epoch of same-sized
/// shards are the most that are held at once: each byte is faulted in (and
/// zeroed by the kernel) once, not once per shard. A buffer is reused for a request of `size` bytes when
/// its capacity is in [size, size + size/8]; the pages beyond `size` are then
/// given back to the kernel (MADV_DONTNEED), so what is resident for a reused
/// buffer is what a fresh one of `size` bytes would hold. Buffers smaller than
/// `min_pooled` are plain allocations (malloc serves them from its arenas).
///
/// Thread safety: every method may be called concurrently; buffers may be
/// released on any thread, also after the pool itself is gone.
class BufferPool : public std::enable_shared_from_this<BufferPool> {
 public:
  struct Stats {
    std::uint64_t hits = 0;      ///< Acquire served by an idle buffer
    std::uint64_t misses = 0;    ///< Acquire that allocated (pooled sizes only)
    std::uint64_t returned = 0;  ///< buffers kept for reuse on release
    std::uint64_t dropped = 0;   ///< buffers freed on release (limit reached)
    std::uint64_t evicted = 0;   ///< idle buffers freed to make room for a fresh one
    std::uint64_t idle_bytes = 0;
    std::uint64_t outstanding_bytes = 0;  ///< capacity of pooled buffers handed out and not yet released
    std::size_t idle_buffers = 0;
  };

  static constexpr std::size_t kMinPooled = std::size_t{1} << 20;
  /// New buffers at least this large are advised to use transparent huge pages.
  static constexpr std::size_t kHugePageMin = std::size_t{4} << 20;

  /// `limit`: capacity bytes of pooled buffers (handed out + idle) up to which
  /// released buffers are kept for reuse (0: none kept).
  static std::shared_ptr<BufferPool> Create(std::uint64_t limit, std::size_t min_pooled = kMinPooled);

  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;
  ~BufferPool();

  /// A buffer of `size` bytes with unspecified contents. Throws std::bad_alloc
  /// when memory is exhausted (as Buffer does).
  std::shared_ptr<Buffer> Acquire(std::size_t size);

  /// Frees every idle buffer.
  void Trim();
  /// Trim(), and from now on buffers released are freed, not kept.
  void Close();

  Stats stats() const;
  std::uint64_t limit() const { return limit_; }

 private:
  struct Deleter;
  BufferPool(std::uint64_t limit, std::size_t min_pooled);
  std::shared_ptr<Buffer> Wrap(Buffer* b);
  void Return(Buffer* b);

  const std::uint64_t limit_;
  const std::size_t min_pooled_;
  mutable std::mutex mu_;  // guards the fields below
  std::multimap<std::size_t, Buffer*> idle_;  // capacity -> idle buffer (owned)
  Stats stats_;
  bool closed_ = false;
};

}  // namespace s3ml::dataset::internal
