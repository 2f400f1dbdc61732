#include "mock/store.h"

#include <algorithm>
#include <cctype>

namespace s3ml::mock {

namespace {

bool EtagMatches(const std::string& stored_quoted, const std::string& condition) {
  // A condition may be a comma-separated list of (quoted or bare, maybe weak) tags, or "*".
  auto strip = [](std::string s) {
    auto b = s.find_first_not_of(" \t");
    auto e = s.find_last_not_of(" \t");
    s = b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    if (s.rfind("W/", 0) == 0) s = s.substr(2);
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
    return s;
  };
  const std::string stored = strip(stored_quoted);
  std::size_t start = 0;
  while (start <= condition.size()) {
    auto comma = condition.find(',', start);
    std::string item = strip(condition.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (item == "*" || item == stored) return true;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return false;
}

}  // namespace

std::string BucketNameProblem(const std::string& name) {
  if (name.size() < 3 || name.size() > 63) return "bucket names must be between 3 and 63 characters long";
  for (char c : name) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '.' ||
          c == '-'))
      return "bucket names may contain only lower-case letters, digits, dots and hyphens";
  }
  auto alnum = [](char c) { return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)); };
  if (!alnum(name.front()) || !alnum(name.back())) return "bucket names must begin and end with a letter or digit";
  if (name.find("..") != std::string::npos) return "bucket names must not contain two adjacent periods";
  if (name.find(".-") != std::string::npos || name.find("-.") != std::string::npos)
    return "bucket names must not contain a period next to a hyphen";
  if (name.rfind("xn--", 0) == 0) return "bucket names must not start with the prefix xn--";
  if (name.size() >= 8 && name.compare(name.size() - 8, 8, "-s3alias") == 0)
    return "bucket names must not end with the suffix -s3alias";
  // Formatted like an IPv4 address?
  int dots = 0;
  bool digits_and_dots = true;
  for (char c : name) {
    if (c == '.') ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c))) digits_and_dots = false;
  }
  if (digits_and_dots && dots == 3) return "bucket names must not be formatted as an IP address";
  return {};
}

std::string PrefixSuccessor(std::string prefix) {
  while (!prefix.empty()) {
    auto last = static_cast<unsigned char>(prefix.back());
    if (last != 0xFF) {
      prefix.back() = static_cast<char>(last + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;  // "": no successor, i.e. the end
}

MaybeError Store::CreateBucket(const std::string& name, const std::string& region, SystemTime now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = buckets_.try_emplace(name);
  if (!inserted) {
    return S3Error(409, "BucketAlreadyOwnedByYou",
                   "Your previous request to create the named bucket succeeded and you already own it.")
        .With("BucketName", name);
  }
  it->second.info = BucketInfo{name, now, region};
  return std::nullopt;
}

MaybeError Store::DeleteBucket(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(name);
  if (it == buckets_.end()) return NoSuchBucket(name);
  if (!it->second.objects.empty()) {
    return S3Error(409, "BucketNotEmpty", "The bucket you tried to delete is not empty").With("BucketName", name);
  }
  buckets_.erase(it);
  return std::nullopt;
}

Expected<BucketInfo> Store::GetBucket(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(name);
  if (it == buckets_.end()) return NoSuchBucket(name);
  return it->second.info;
}

std::vector<BucketInfo> Store::ListBuckets() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<BucketInfo> out;
  out.reserve(buckets_.size());
  for (const auto& [name, b] : buckets_) out.push_back(b.info);
  return out;
}

MaybeError Store::PutObject(const std::string& bucket, const std::string& key, ObjectPtr object,
                            const PutCondition& cond) {
  ObjectPtr replaced;  // released after the lock: the old body may be large
  std::lock_guard<std::mutex> lock(mu_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return NoSuchBucket(bucket);
  auto& objects = b->second.objects;
  auto it = objects.find(key);
  if (cond.if_none_match_star && it != objects.end()) return PreconditionFailed("If-None-Match");
  if (cond.if_match) {
    if (it == objects.end()) return NoSuchKey(key);
    if (!EtagMatches(it->second->etag, *cond.if_match)) return PreconditionFailed("If-Match");
  }
  if (it == objects.end()) {
    objects.emplace(key, std::move(object));
  } else {
    replaced = std::move(it->second);
    it->second = std::move(object);
  }
  return std::nullopt;
}

Expected<ObjectPtr> Store::GetObject(const std::string& bucket, const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return NoSuchBucket(bucket);
  auto it = b->second.objects.find(key);
  if (it == b->second.objects.end()) return NoSuchKey(key);
  return it->second;
}

MaybeError Store::DeleteObject(const std::string& bucket, const std::string& key) {
  ObjectPtr removed;
  std::lock_guard<std::mutex> lock(mu_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return NoSuchBucket(bucket);
  auto it = b->second.objects.find(key);
  if (it != b->second.objects.end()) {
    removed = std::move(it->second);
    b->second.objects.erase(it);
  }
  return std::nullopt;
}

Expected<ListPage> Store::List(const std::string& bucket, const ListQuery& q) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return NoSuchBucket(bucket);
  const auto& objects = b->second.objects;
  ListPage page;
  if (q.max_keys <= 0) return page;  // S3 answers max-keys=0 with an empty, untruncated page

  // Resume point: the first key after `after` that can match the prefix.
  auto it = objects.lower_bound(q.prefix);
  if (!q.after.empty() && q.after >= q.prefix) {
    it = objects.upper_bound(q.after);
    // A marker that is a common prefix (ends with the delimiter past the prefix)
    // means every key under it was already rolled up: skip them all.
    if (!q.delimiter.empty() && q.after.size() > q.prefix.size() && q.after.compare(0, q.prefix.size(), q.prefix) == 0) {
      auto pos = q.after.find(q.delimiter, q.prefix.size());
      if (pos != std::string::npos && pos + q.delimiter.size() == q.after.size()) {
        std::string succ = PrefixSuccessor(q.after);
        it = succ.empty() ? objects.end() : objects.lower_bound(succ);
      }
    }
  }

  int emitted = 0;
  for (; it != objects.end();) {
    const std::string& key = it->first;
    if (key.compare(0, q.prefix.size(), q.prefix) != 0) break;  // sorted: past the prefix range
    if (emitted >= q.max_keys) {
      page.truncated = true;
      break;
    }
    if (!q.delimiter.empty()) {
      auto pos = key.find(q.delimiter, q.prefix.size());
      if (pos != std::string::npos) {
        std::string cp = key.substr(0, pos + q.delimiter.size());
        page.common_prefixes.push_back(cp);
        page.last = cp;
        ++emitted;
        std::string succ = PrefixSuccessor(cp);
        it = succ.empty() ? objects.end() : objects.lower_bound(succ);
        continue;
      }
    }
    page.contents.push_back(ListEntry{key, it->second});
    page.last = key;
    ++emitted;
    ++it;
  }
  return page;
}

}  // namespace s3ml::mock
