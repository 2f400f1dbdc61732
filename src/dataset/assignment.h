#pragma once
// Deterministic shard permutation and (rank, worker) assignment, and the
// counter-based random numbers the shuffle buffer uses. Everything here is a
// pure function of its arguments and identical on every platform (no
// std::shuffle / std::uniform_int_distribution, whose algorithms vary by library).

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "s3ml/dataset/reader.h"

namespace s3ml::dataset::internal {

/// SplitMix64 finaliser: a well-mixed 64-bit hash of x.
std::uint64_t Mix64(std::uint64_t x);
/// Hash of several values (order matters).
std::uint64_t MixAll(std::initializer_list<std::uint64_t> values);
/// A value in [0, n) from a 64-bit random number (n > 0); bias < n / 2^64.
std::uint64_t Bounded(std::uint64_t random, std::uint64_t n);

/// Fisher-Yates permutation of 0..n-1 keyed by (seed, epoch).
std::vector<std::size_t> Permutation(std::size_t n, std::uint64_t seed, std::uint64_t epoch);

/// The global shard indices reader (rank, worker) reads in `epoch`, in order.
/// The epoch's list (permuted when shuffle_shards) is adjusted per opts.uneven,
/// then dealt round-robin: reader r = rank * num_workers + worker_id takes
/// entries r, r + R, r + 2R, ... of it (R = world_size * num_workers).
std::vector<std::size_t> AssignShards(std::size_t num_shards, const ReaderOptions& opts, std::uint64_t epoch);

}  // namespace s3ml::dataset::internal
