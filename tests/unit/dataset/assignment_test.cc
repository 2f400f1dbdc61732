#include <map>
#include <set>

#include <catch2/catch.hpp>

#include "dataset/assignment.h"
#include "unit/dataset/dataset_test_util.h"

using namespace s3ml;
using namespace s3ml::dataset;

namespace {
// shard index -> times assigned, over the whole grid, for one epoch.
std::map<std::size_t, int> Coverage(std::size_t n, int world, int workers, UnevenShards mode, std::uint64_t epoch,
                                    std::set<std::size_t>* per_reader_counts) {
  std::map<std::size_t, int> seen;
  for (int r = 0; r < world; ++r)
    for (int w = 0; w < workers; ++w) {
      ReaderOptions o;
      o.rank = r;
      o.world_size = world;
      o.worker_id = w;
      o.num_workers = workers;
      o.uneven = mode;
      o.shuffle_shards = true;
      o.seed = 42;
      auto mine = internal::AssignShards(n, o, epoch);
      per_reader_counts->insert(mine.size());
      for (auto s : mine) ++seen[s];
    }
  return seen;
}
}  // namespace

TEST_CASE("AssignShards: exact mode gives every shard to exactly one reader per epoch") {
  for (auto [world, workers] : {std::pair{3, 2}, std::pair{4, 4}, std::pair{1, 1}, std::pair{5, 3}}) {
    for (std::size_t n : {1u, 7u, 16u, 17u, 101u}) {
      for (std::uint64_t epoch : {0u, 1u, 9u}) {
        std::set<std::size_t> counts;
        auto seen = Coverage(n, world, workers, UnevenShards::kExact, epoch, &counts);
        REQUIRE(seen.size() == n);
        for (auto& [s, c] : seen) REQUIRE(c == 1);
        CHECK(*counts.rbegin() - *counts.begin() <= 1);
      }
    }
  }
}

TEST_CASE("AssignShards: drop and pad modes give every reader the same count") {
  for (auto [world, workers] : {std::pair{3, 2}, std::pair{4, 4}}) {
    const std::size_t readers = static_cast<std::size_t>(world * workers);
    for (std::size_t n : {5u, 17u, 37u, 48u}) {
      std::set<std::size_t> counts;
      auto dropped = Coverage(n, world, workers, UnevenShards::kDrop, 3, &counts);
      REQUIRE(counts.size() == 1);
      CHECK(*counts.begin() == n / readers);
      for (auto& [s, c] : dropped) REQUIRE(c == 1);
      CHECK(dropped.size() == n / readers * readers);

      counts.clear();
      auto padded = Coverage(n, world, workers, UnevenShards::kPad, 3, &counts);
      REQUIRE(counts.size() == 1);
      const std::size_t per = (n + readers - 1) / readers;
      CHECK(*counts.begin() == per);
      REQUIRE(padded.size() == n);  // every shard at least once
      int total = 0;
      for (auto& [s, c] : padded) total += c;
      CHECK(static_cast<std::size_t>(total) == per * readers);
    }
  }
}

TEST_CASE("Permutation: deterministic per (seed, epoch) and different across epochs") {
  auto a = internal::Permutation(50, 7, 0);
  CHECK(a == internal::Permutation(50, 7, 0));
  CHECK(a != internal::Permutation(50, 7, 1));
  CHECK(a != internal::Permutation(50, 8, 0));
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) REQUIRE(sorted[i] == i);
}

TEST_CASE("DatasetReader: 3x2 and 4x4 grids read every object once per epoch (exact), or equal counts (drop/pad)") {
  test::MockFixture fx;
  const int n = 37;
  std::map<std::string, std::string> uploaded;
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) {
    std::string key = "obj/" + std::to_string(i);
    uploaded[key] = test::RandomBytes(100 + static_cast<std::size_t>(i), static_cast<std::uint32_t>(i));
    fx.Put(key, uploaded[key]);
    keys.push_back(key);
  }
  for (auto [world, workers] : {std::pair{3, 2}, std::pair{4, 4}}) {
    for (UnevenShards mode : {UnevenShards::kExact, UnevenShards::kDrop, UnevenShards::kPad}) {
      for (std::uint64_t epoch : {0u, 1u}) {
        INFO("grid " << world << "x" << workers << " mode " << static_cast<int>(mode) << " epoch " << epoch);
        std::map<std::string, int> seen;
        std::set<std::size_t> counts;
        for (int r = 0; r < world; ++r)
          for (int w = 0; w < workers; ++w) {
            ReaderOptions o;
            o.rank = r;
            o.world_size = world;
            o.worker_id = w;
            o.num_workers = workers;
            o.uneven = mode;
            o.shuffle_shards = true;
            o.shuffle_buffer = 4;
            o.seed = 11;
            o.fetch_threads = 2;
            // Half the grid lists the prefix, half uses explicit keys: same shards, same order.
            auto src = (r + w) % 2 ? Source::Prefix("s3://data/obj/") : Source::Keys("data", [&] {
              auto sorted = keys;
              std::sort(sorted.begin(), sorted.end());
              return sorted;
            }());
            auto reader = test::MakeReader(*fx.client, src, o);
            reader->SetEpoch(epoch);
            auto samples = test::ReadEpoch(*reader);
            counts.insert(samples.size());
            for (const auto& s : samples) {
              REQUIRE(s.data() == uploaded.at(s.key));
              ++seen[s.key];
            }
          }
        const std::size_t readers = static_cast<std::size_t>(world * workers);
        int total = 0;
        for (auto& [k, c] : seen) total += c;
        if (mode == UnevenShards::kExact) {
          REQUIRE(seen.size() == static_cast<std::size_t>(n));
          for (auto& [k, c] : seen) REQUIRE(c == 1);
        } else if (mode == UnevenShards::kDrop) {
          REQUIRE(counts.size() == 1);
          for (auto& [k, c] : seen) REQUIRE(c == 1);
          CHECK(static_cast<std::size_t>(total) == n / readers * readers);
        } else {
          REQUIRE(counts.size() == 1);
          REQUIRE(seen.size() == static_cast<std::size_t>(n));
          CHECK(static_cast<std::size_t>(total) == (n + readers - 1) / readers * readers);
        }
      }
    }
  }
}
