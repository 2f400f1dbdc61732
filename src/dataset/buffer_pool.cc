#include "dataset/buffer_pool.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <new>
#include <vector>

namespace s3ml::dataset::internal {

namespace {

constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;

std::uintptr_t PageSize() {
  static const std::uintptr_t page = [] {
    long p = ::sysconf(_SC_PAGESIZE);
    return p > 0 ? static_cast<std::uintptr_t>(p) : std::uintptr_t{4096};
  }();
  return page;
}

std::uintptr_t AlignUp(std::uintptr_t v, std::uintptr_t a) { return (v + a - 1) / a * a; }
std::uintptr_t AlignDown(std::uintptr_t v, std::uintptr_t a) { return v / a * a; }

// Advice is best effort: a kernel without THP, or memory madvise refuses,
// only loses the speed-up.
void Advise(char* begin, std::size_t n, std::uintptr_t align, int advice) {
  const auto b = AlignUp(reinterpret_cast<std::uintptr_t>(begin), align);
  const auto e = AlignDown(reinterpret_cast<std::uintptr_t>(begin) + n, align);
  if (e > b) (void)::madvise(reinterpret_cast<void*>(b), e - b, advice);
}

}  // namespace

struct BufferPool::Deleter {
  std::weak_ptr<BufferPool> pool;
  void operator()(Buffer* b) const {
    if (auto p = pool.lock()) {
      p->Return(b);
    } else {
      delete b;
    }
  }
};

std::shared_ptr<BufferPool> BufferPool::Create(std::uint64_t limit, std::size_t min_pooled) {
  return std::shared_ptr<BufferPool>(new BufferPool(limit, min_pooled));
}

BufferPool::BufferPool(std::uint64_t limit, std::size_t min_pooled) : limit_(limit), min_pooled_(min_pooled) {}

BufferPool::~BufferPool() { Trim(); }

std::shared_ptr<Buffer> BufferPool::Wrap(Buffer* b) {
  try {
    return std::shared_ptr<Buffer>(b, Deleter{weak_from_this()});
  } catch (...) {  // the control block could not be allocated
    {
      std::lock_guard<std::mutex> lock(mu_);
      stats_.outstanding_bytes -= std::min<std::uint64_t>(b->capacity(), stats_.outstanding_bytes);
    }
    delete b;
    throw;
  }
}

std::shared_ptr<Buffer> BufferPool::Acquire(std::size_t size) {
  if (size < min_pooled_) {
    auto b = std::make_shared<Buffer>();
    b->resize_uninitialized(size);
    return b;
  }
  Buffer* reused = nullptr;
  std::vector<Buffer*> evict;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = idle_.lower_bound(size);  // the smallest that fits
    if (it != idle_.end() && it->first - size <= size / 8) {
      reused = it->second;
      stats_.idle_bytes -= it->first;
      stats_.outstanding_bytes += it->first;
      idle_.erase(it);
      ++stats_.hits;
    } else {
      ++stats_.misses;
      // Make room for the fresh buffer: largest idle buffers first.
      while (!idle_.empty() && stats_.outstanding_bytes + stats_.idle_bytes + size > limit_) {
        auto last = std::prev(idle_.end());
        stats_.idle_bytes -= last->first;
        evict.push_back(last->second);
        idle_.erase(last);
        ++stats_.evicted;
      }
      // Counted as handed out from here on, so concurrent misses see it; a
      // failed allocation below takes it back.
      stats_.outstanding_bytes += size;
    }
  }
  for (Buffer* b : evict) delete b;  // outside the lock: munmap can take a while
  if (reused != nullptr) {
    reused->resize_uninitialized(size);
    // The tail beyond `size` is not part of this shard: hand its pages back so
    // that what is resident matches the reservation (size bytes).
    if (reused->capacity() > size) Advise(reused->data() + size, reused->capacity() - size, PageSize(), MADV_DONTNEED);
    return Wrap(reused);
  }
  auto fresh = std::make_unique<Buffer>();
  try {
    fresh->resize_uninitialized(size);
  } catch (...) {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.outstanding_bytes -= size;
    throw;
  }
  // Buffer may round its capacity up: account for what Return will see.
  if (fresh->capacity() != size) {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.outstanding_bytes += fresh->capacity() - size;
  }
  if (size >= kHugePageMin) Advise(fresh->data(), size, kHugePage, MADV_HUGEPAGE);
  return Wrap(fresh.release());
}

void BufferPool::Return(Buffer* b) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    const std::size_t cap = b->capacity();
    stats_.outstanding_bytes -= std::min<std::uint64_t>(cap, stats_.outstanding_bytes);
    if (!closed_ && cap >= min_pooled_ && stats_.outstanding_bytes + stats_.idle_bytes + cap <= limit_) {
      b->clear();
      idle_.emplace(cap, b);
      stats_.idle_bytes += cap;
      ++stats_.returned;
      return;
    }
    ++stats_.dropped;
  }
  delete b;  // outside the lock: munmap can take a while
}

void BufferPool::Trim() {
  std::multimap<std::size_t, Buffer*> idle;
  {
    std::lock_guard<std::mutex> lock(mu_);
    idle.swap(idle_);
    stats_.idle_bytes = 0;
  }
  for (auto& [cap, b] : idle) delete b;
}

void BufferPool::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  Trim();
}

BufferPool::Stats BufferPool::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s = stats_;
  s.idle_buffers = idle_.size();
  return s;
}

}  // namespace s3ml::dataset::internal
