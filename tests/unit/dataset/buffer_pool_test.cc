// BufferPool: reuse of shard buffers, the idle bound, and concurrent use.

#include <catch2/catch.hpp>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "dataset/buffer_pool.h"

using s3ml::Buffer;
using s3ml::dataset::internal::BufferPool;

namespace {
constexpr std::size_t kMiB = std::size_t{1} << 20;
}

TEST_CASE("BufferPool: a released buffer is reused for the next shard of a similar size") {
  auto pool = BufferPool::Create(64 * kMiB);
  const char* first = nullptr;
  {
    auto b = pool->Acquire(8 * kMiB);
    REQUIRE(b->size() == 8 * kMiB);
    std::memset(b->data(), 'x', b->size());  // usable over its whole size
    first = b->data();
  }
  CHECK(pool->stats().idle_buffers == 1);
  CHECK(pool->stats().idle_bytes >= 8 * kMiB);
  auto again = pool->Acquire(8 * kMiB - 100);  // within the 1/8 slack: reused
  CHECK(again->data() == first);
  CHECK(again->size() == 8 * kMiB - 100);
  auto s = pool->stats();
  CHECK(s.hits == 1);
  CHECK(s.misses == 1);
  CHECK(s.idle_buffers == 0);
  CHECK(s.idle_bytes == 0);
}

TEST_CASE("BufferPool: a much larger idle buffer is not handed out for a small request") {
  auto pool = BufferPool::Create(64 * kMiB);
  { auto big = pool->Acquire(16 * kMiB); }
  auto small = pool->Acquire(4 * kMiB);  // 16 MiB > 4 MiB + 1/8: would hold 4x the reservation
  CHECK(small->size() == 4 * kMiB);
  CHECK(pool->stats().hits == 0);
  CHECK(pool->stats().idle_buffers == 1);  // the big one stays idle
  auto bigger = pool->Acquire(32 * kMiB);  // too small for this one
  CHECK(pool->stats().hits == 0);
}

TEST_CASE("BufferPool: idle bytes never exceed the limit; extra buffers are freed on release") {
  auto pool = BufferPool::Create(20 * kMiB);
  {
    std::vector<std::shared_ptr<Buffer>> held;
    for (int i = 0; i < 5; ++i) held.push_back(pool->Acquire(8 * kMiB));
  }  // 5 x 8 MiB released; only 2 fit under 20 MiB
  auto s = pool->stats();
  CHECK(s.idle_buffers == 2);
  CHECK(s.idle_bytes <= 20 * kMiB);
  CHECK(s.returned == 2);
  CHECK(s.dropped == 3);

  auto none = BufferPool::Create(0);  // keeps nothing
  { auto b = none->Acquire(8 * kMiB); }
  CHECK(none->stats().idle_buffers == 0);
  CHECK(none->stats().dropped == 1);
}

TEST_CASE("BufferPool: handed-out plus idle bytes stay within the limit; a miss evicts idle buffers that no longer fit") {
  auto pool = BufferPool::Create(40 * kMiB);
  std::vector<std::shared_ptr<Buffer>> held;
  for (int i = 0; i < 3; ++i) held.push_back(pool->Acquire(8 * kMiB));
  held.pop_back();  // 16 out + 8 idle <= 40: kept
  CHECK(pool->stats().idle_buffers == 1);
  CHECK(pool->stats().outstanding_bytes == 16 * kMiB);
  auto big = pool->Acquire(20 * kMiB);  // no idle buffer fits: 16 + 8 + 20 > 40, the idle 8 MiB goes
  auto s = pool->stats();
  CHECK(s.evicted == 1);
  CHECK(s.idle_buffers == 0);
  CHECK(s.outstanding_bytes == 36 * kMiB);
  held.clear();  // 20 out: both 8 MiB buffers fit beside it (20 + 16 <= 40)
  CHECK(pool->stats().idle_buffers == 2);
  big.reset();   // 0 out + 16 idle + 20 = 36 <= 40: kept too
  s = pool->stats();
  CHECK(s.idle_buffers == 3);
  CHECK(s.outstanding_bytes == 0);
  CHECK(s.idle_bytes + s.outstanding_bytes <= 40 * kMiB);
  // Same-sized shards in steady state: no fresh allocation once every buffer exists.
  auto again = pool->Acquire(20 * kMiB);
  CHECK(pool->stats().hits == 1);
}

TEST_CASE("BufferPool: small buffers are plain allocations and never pooled") {
  auto pool = BufferPool::Create(64 * kMiB);
  { auto b = pool->Acquire(16 * 1024); REQUIRE(b->size() == 16 * 1024); }
  { auto z = pool->Acquire(0); CHECK(z->size() == 0); }
  auto s = pool->stats();
  CHECK(s.idle_buffers == 0);
  CHECK(s.hits + s.misses + s.returned + s.dropped == 0);
}

TEST_CASE("BufferPool: Trim and Close free idle buffers; buffers outliving the pool are freed, not returned") {
  auto pool = BufferPool::Create(64 * kMiB);
  { auto a = pool->Acquire(2 * kMiB); }
  REQUIRE(pool->stats().idle_buffers == 1);
  pool->Trim();
  CHECK(pool->stats().idle_buffers == 0);
  CHECK(pool->stats().idle_bytes == 0);

  auto held = pool->Acquire(2 * kMiB);
  pool->Close();
  held.reset();  // after Close: freed
  CHECK(pool->stats().idle_buffers == 0);
  CHECK(pool->stats().dropped == 1);

  auto pool2 = BufferPool::Create(64 * kMiB);
  auto survivor = pool2->Acquire(2 * kMiB);
  std::memset(survivor->data(), 'y', survivor->size());
  pool2.reset();  // the pool goes first; the buffer stays valid
  CHECK(survivor->data()[survivor->size() - 1] == 'y');
  survivor.reset();  // freed (a leak or a use-after-free would show under ASan)
}

TEST_CASE("BufferPool: concurrent acquire and release keep buffers exclusive and the idle bound") {
  // 8 threads hold at most 8 x 4 MiB at once, so released buffers fit beside them and are reused.
  auto pool = BufferPool::Create(48 * kMiB);
  constexpr int kThreads = 8, kRounds = 200;
  std::atomic<int> corrupted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        const std::size_t size = (2 + static_cast<std::size_t>((t + i) % 3)) * kMiB;
        auto b = pool->Acquire(size);
        const char tag = static_cast<char>('a' + t);
        b->data()[0] = tag;
        b->data()[size / 2] = tag;
        b->data()[size - 1] = tag;
        std::this_thread::yield();
        if (b->data()[0] != tag || b->data()[size / 2] != tag || b->data()[size - 1] != tag) ++corrupted;
        if (pool->stats().idle_bytes > 48 * kMiB) ++corrupted;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(corrupted == 0);
  auto s = pool->stats();
  CHECK(s.hits + s.misses == static_cast<std::uint64_t>(kThreads * kRounds));
  CHECK(s.hits > 0);
  CHECK(s.idle_bytes <= 48 * kMiB);
  CHECK(s.outstanding_bytes == 0);  // every buffer came back
}
