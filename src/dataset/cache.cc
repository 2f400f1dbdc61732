#include "dataset/cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "common/crypto.h"
#include "s3ml/file.h"

namespace s3ml::dataset::internal {
namespace fs = std::filesystem;

namespace {
constexpr const char* kSuffix = ".shard";
constexpr const char* kTempPrefix = ".tmp-";

}  // namespace

Result<std::unique_ptr<ShardCache>> ShardCache::Open(const std::string& dir, std::uint64_t limit) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status(ErrorCategory::kIo, "shard cache: cannot create " + dir + ": " + ec.message());
  std::unique_ptr<ShardCache> cache(new ShardCache(dir, limit));
  std::vector<std::tuple<fs::file_time_type, std::string, std::uint64_t>> entries;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(kTempPrefix, 0) == 0) {  // a write interrupted by a crash
      fs::remove(e.path(), ec);
      continue;
    }
    if (name.size() <= std::strlen(kSuffix) || name.compare(name.size() - std::strlen(kSuffix), std::string::npos, kSuffix) != 0)
      continue;
    entries.emplace_back(e.last_write_time(ec), name, e.file_size(ec));
  }
  if (ec) return Status(ErrorCategory::kIo, "shard cache: cannot list " + dir + ": " + ec.message());
  std::sort(entries.begin(), entries.end());
  std::lock_guard<std::mutex> lock(cache->mu_);
  for (auto& [t, name, size] : entries) {
    cache->lru_.emplace_front(name, size);
    cache->index_[name] = cache->lru_.begin();
    cache->total_ += size;
  }
  cache->EvictLocked();
  return cache;
}

std::string ShardCache::EntryName(const ShardInfo& info) const {
  std::string id = info.bucket + '\n' + info.key + '\n' + info.etag + '\n' + info.version_id;
  return HexEncode(Sha256(id)) + kSuffix;
}

std::optional<Buffer> ShardCache::Lookup(const ShardInfo& info, std::optional<std::uint64_t> expected_size) {
  if (info.etag.empty()) return std::nullopt;
  const std::string name = EntryName(info);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(name);
    if (it == index_.end()) return std::nullopt;
    lru_.splice(lru_.begin(), lru_, it->second);
  }
  const std::string path = dir_ + "/" + name;
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return std::nullopt;  // evicted concurrently: a miss
  Buffer out;
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec || (expected_size && size != *expected_size)) return std::nullopt;  // not what S3 holds: refetch (and overwrite)
  out.reserve(static_cast<std::size_t>(size));
  char chunk[1 << 16];
  while (true) {
    ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    out.append(chunk, static_cast<std::size_t>(n));
  }
  if (expected_size && out.size() != *expected_size) return std::nullopt;
  fs::last_write_time(path, fs::file_time_type::clock::now(), ec);  // LRU order survives restarts
  return out;
}

Status ShardCache::Insert(const ShardInfo& info, const Buffer& bytes) {
  if (info.etag.empty() || bytes.size() > limit_) return Status::Ok();
  const std::string name = EntryName(info);
  const std::string path = dir_ + "/" + name;
  AtomicFile::Options o;
  o.temp_prefix = kTempPrefix;  // Open() sweeps what a crash left behind
  o.mode = 0644;
  auto file = AtomicFile::Create(path, o);
  if (!file.ok()) return Status(ErrorCategory::kIo, "shard cache: " + file.status().message());
  Status st = file->Write(bytes.data(), bytes.size());
  if (st.ok()) st = file->Commit();  // fsync before the rename: a crash leaves the old entry or the whole new one
  if (!st.ok()) return Status(ErrorCategory::kIo, "shard cache: " + st.message());
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(name); it != index_.end()) {
    total_ -= it->second->second;
    lru_.erase(it->second);
  }
  lru_.emplace_front(name, bytes.size());
  index_[name] = lru_.begin();
  total_ += bytes.size();
  EvictLocked();
  return Status::Ok();
}

void ShardCache::EvictLocked() {
  while (total_ > limit_ && !lru_.empty()) {
    auto& [name, size] = lru_.back();
    std::error_code ec;
    fs::remove(dir_ + "/" + name, ec);
    total_ -= size;
    index_.erase(name);
    lru_.pop_back();
  }
}

std::uint64_t ShardCache::size_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return total_;
}

}  // namespace s3ml::dataset::internal
