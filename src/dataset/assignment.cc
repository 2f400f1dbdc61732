#include "dataset/assignment.h"

#include <numeric>

namespace s3ml::dataset::internal {

std::uint64_t Mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::uint64_t MixAll(std::initializer_list<std::uint64_t> values) {
  std::uint64_t h = 0x51ed270b27d1f3a5ull;
  for (auto v : values) h = Mix64(h ^ Mix64(v));
  return h;
}

std::uint64_t Bounded(std::uint64_t random, std::uint64_t n) {
  // Lemire's multiply-shift, without relying on a 128-bit integer type.
  std::uint64_t a_hi = random >> 32, a_lo = random & 0xffffffffull;
  std::uint64_t b_hi = n >> 32, b_lo = n & 0xffffffffull;
  std::uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
  std::uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xffffffffull) + lo_hi;
  return hi_hi + (hi_lo >> 32) + (cross >> 32);
}

std::vector<std::size_t> Permutation(std::size_t n, std::uint64_t seed, std::uint64_t epoch) {
  std::vector<std::size_t> p(n);
  std::iota(p.begin(), p.end(), std::size_t{0});
  const std::uint64_t key = MixAll({seed, epoch, 0x5348415244ull /* "SHARD" */});
  for (std::size_t i = n; i > 1; --i) {
    std::size_t j = static_cast<std::size_t>(Bounded(MixAll({key, i}), i));
    std::swap(p[i - 1], p[j]);
  }
  return p;
}

std::vector<std::size_t> AssignShards(std::size_t num_shards, const ReaderOptions& opts, std::uint64_t epoch) {
  std::vector<std::size_t> order;
  if (opts.shuffle_shards) {
    order = Permutation(num_shards, opts.seed, epoch);
  } else {
    order.resize(num_shards);
    std::iota(order.begin(), order.end(), std::size_t{0});
  }
  const std::size_t readers = static_cast<std::size_t>(opts.world_size) * static_cast<std::size_t>(opts.num_workers);
  const std::size_t reader = static_cast<std::size_t>(opts.rank) * static_cast<std::size_t>(opts.num_workers) +
                             static_cast<std::size_t>(opts.worker_id);
  std::size_t total = num_shards;
  if (opts.uneven == UnevenShards::kDrop) total = num_shards / readers * readers;
  if (opts.uneven == UnevenShards::kPad) total = (num_shards + readers - 1) / readers * readers;
  std::vector<std::size_t> mine;
  if (num_shards == 0) return mine;
  for (std::size_t i = reader; i < total; i += readers) mine.push_back(order[i % num_shards]);
  return mine;
}

}  // namespace s3ml::dataset::internal
