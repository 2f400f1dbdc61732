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

namespace s3ml::dataset::internal {
namespace fs = std::filesystem;

namespace {
constexpr const char* kSuffix = ".shard";
constexpr const char* kTempPrefix = ".tmp-";

Status IoError(const std::string& what, const std::string& path) {
  return Status(ErrorCategory::kIo, "shard cache: " + what + " " + path + ": " + std::strerror(errno));
}
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
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;  // evicted concurrently: a miss
  Buffer out;
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec || (expected_size && size != *expected_size)) {  // not what S3 holds: refetch (and overwrite)
    ::close(fd);
    return std::nullopt;
  }
  out.reserve(static_cast<std::size_t>(size));
  char chunk[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (expected_size && out.size() != *expected_size) return std::nullopt;
  fs::last_write_time(path, fs::file_time_type::clock::now(), ec);  // LRU order survives restarts
  return out;
}

Status ShardCache::Insert(const ShardInfo& info, const Buffer& bytes) {
  if (info.etag.empty() || bytes.size() > limit_) return Status::Ok();
  const std::string name = EntryName(info);
  static std::atomic<std::uint64_t> counter{0};
  const std::string tmp = dir_ + "/" + kTempPrefix + std::to_string(::getpid()) + "-" +
                          std::to_string(counter.fetch_add(1)) + "-" + name;
  const std::string path = dir_ + "/" + name;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("cannot create", tmp);
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status st = IoError("cannot write", tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return st;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    Status st = IoError("cannot flush", tmp);
    ::unlink(tmp.c_str());
    return st;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status st = IoError("cannot rename into", path);
    ::unlink(tmp.c_str());
    return st;
  }
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
