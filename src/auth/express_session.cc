#include "auth/express_session.h"

#include "s3ml/express.h"

namespace s3ml {

// Public name helpers of s3ml/express.h: they live in the lowest layer that needs
// them (the mock uses them too and must not depend on the client).
const char* SessionModeName(SessionMode mode) {
  return mode == SessionMode::kReadOnly ? "ReadOnly" : "ReadWrite";
}

bool IsDirectoryBucket(std::string_view bucket) {
  constexpr std::string_view kSuffix = "--x-s3";
  return bucket.size() > kSuffix.size() && bucket.substr(bucket.size() - kSuffix.size()) == kSuffix;
}

std::string DirectoryBucketZoneId(std::string_view bucket) {
  if (!IsDirectoryBucket(bucket)) return {};
  std::string_view rest = bucket.substr(0, bucket.size() - 6);  // without "--x-s3"
  const std::size_t sep = rest.rfind("--");
  if (sep == std::string_view::npos || sep == 0) return {};
  std::string_view zone = rest.substr(sep + 2);
  if (zone.empty() || zone.front() == '-' || zone.back() == '-') return {};
  for (char c : zone)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return {};
  return std::string(zone);
}

ExpressSessionCache::ExpressSessionCache(CreateFn create, Clock& clock, Options options)
    : create_(std::move(create)), clock_(clock), options_(options) {}

ExpressSessionCache::Entry& ExpressSessionCache::Touch(const Key& key) {
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second;
  }
  lru_.push_front(key);
  Entry& e = entries_[key];
  e.lru = lru_.begin();
  EvictLocked();
  return e;
}

void ExpressSessionCache::EvictLocked() {
  const std::size_t limit = options_.max_entries == 0 ? 1 : options_.max_entries;
  while (lru_.size() > limit) {
    // The most recently used key is never the victim, so a caller's entry survives.
    entries_.erase(lru_.back());
    lru_.pop_back();
  }
}

Result<Credentials> ExpressSessionCache::Get(const std::string& bucket, const std::string& mode) {
  const Key key{bucket, mode};
  std::shared_ptr<Flight> flight;
  std::optional<Credentials> still_valid;  // returned if a refresh ahead of expiry fails
  {
    std::unique_lock<std::mutex> lock(mu_);
    Entry& e = Touch(key);
    const SystemTime now = clock_.Now();
    if (e.creds && now + options_.refresh_before < e.expires) return *e.creds;
    const bool usable = e.creds && now < e.expires;
    if (e.flight) {
      if (usable) return *e.creds;  // someone is refreshing; the current session still works
      flight = e.flight;
      cv_.wait(lock, [&] { return flight->done; });
      return *flight->result;
    }
    flight = e.flight = std::make_shared<Flight>();
    ++creations_;
    if (usable) still_valid = e.creds;
  }
  Result<Credentials> r = RunFlight(key, flight);
  if (!r.ok() && still_valid) return *still_valid;
  return r;
}

Result<Credentials> ExpressSessionCache::RunFlight(const Key& key, const std::shared_ptr<Flight>& flight) {
  Result<Credentials> r = create_(key.first, key.second);  // no lock: this is a network round trip
  {
    std::lock_guard<std::mutex> lock(mu_);
    Entry& e = Touch(key);
    if (e.flight == flight) e.flight.reset();
    if (r.ok()) {
      e.creds = *r;
      e.expires = r->expiration ? *r->expiration : clock_.Now() + kS3ExpressSessionLifetime;
    }
    flight->result = r;
    flight->done = true;
  }
  cv_.notify_all();
  return r;
}

void ExpressSessionCache::Invalidate(const std::string& bucket, const std::string& mode,
                                     const std::string& session_token) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(Key{bucket, mode});
  if (it == entries_.end() || !it->second.creds) return;
  if (!session_token.empty() && it->second.creds->session_token != session_token) return;
  it->second.creds.reset();
}

std::size_t ExpressSessionCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

std::size_t ExpressSessionCache::creations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return creations_;
}

}  // namespace s3ml
