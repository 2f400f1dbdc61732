#pragma once
// A local directory of whole shards, bounded in size with least-recently-used
// eviction. Entries are written to a temporary file, fsync'ed and renamed into
// place, so a crash leaves either the old state or a complete entry.

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "s3ml/buffer.h"
#include "s3ml/dataset/source.h"
#include "s3ml/result.h"

namespace s3ml::dataset::internal {

/// Thread safety: all methods may be called concurrently.
class ShardCache {
 public:
  /// Creates `dir` if needed and indexes the entries already in it (oldest
  /// modification first); leftover temporaries are removed. Errors: kIo naming the directory.
  static Result<std::unique_ptr<ShardCache>> Open(const std::string& dir, std::uint64_t limit);

  /// The cached bytes of `info`, or nullopt. Only shards with an etag are cached
  /// (the etag is part of the entry's name, so a changed object misses). An
  /// entry whose size differs from `expected_size` (when given) is a miss.
  std::optional<Buffer> Lookup(const ShardInfo& info, std::optional<std::uint64_t> expected_size = std::nullopt);
  /// Stores `bytes` for `info` (no-op without an etag or when larger than the
  /// limit), evicting least recently used entries. Errors: kIo.
  Status Insert(const ShardInfo& info, const Buffer& bytes);

  std::uint64_t size_bytes() const;

 private:
  ShardCache(std::string dir, std::uint64_t limit) : dir_(std::move(dir)), limit_(limit) {}
  std::string EntryName(const ShardInfo& info) const;
  void EvictLocked();

  const std::string dir_;
  const std::uint64_t limit_;

  mutable std::mutex mu_;  // guards the LRU index below
  std::list<std::pair<std::string, std::uint64_t>> lru_;  // front: most recent
  std::unordered_map<std::string, std::list<std::pair<std::string, std::uint64_t>>::iterator> index_;
  std::uint64_t total_ = 0;
};

}  // namespace s3ml::dataset::internal
