#pragma once
// S3 Express One Zone session credentials: a cache of CreateSession results per
// (bucket, session mode), refreshed ahead of expiry, with one CreateSession in
// flight per key no matter how many threads ask. The auth layer does not send
// requests: the owner (the client) passes the function that performs CreateSession.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "common/time.h"
#include "s3ml/credentials.h"
#include "s3ml/result.h"

namespace s3ml {

/// Lifetime S3 Express gives a session when CreateSession's answer has no Expiration.
inline constexpr std::chrono::seconds kS3ExpressSessionLifetime{300};

/// Session cache for S3 Express directory buckets.
///
/// Get() returns cached credentials while more than `refresh_before` of their
/// lifetime is left. Inside that window the first caller refreshes them (other
/// callers keep using the still-valid credentials meanwhile; a failed refresh
/// keeps them until they expire). With no usable credentials, exactly one caller
/// runs `create` and every concurrent caller for the same key waits for and shares
/// its result, success or error (single flight). At most `max_entries` keys are
/// kept; the least recently used is evicted.
///
/// Thread safety: every method is safe to call concurrently. `create` is called
/// without any lock held and may take as long as it needs.
class ExpressSessionCache {
 public:
  /// Performs CreateSession for (bucket, mode); returns the session credentials
  /// (with their expiration when the server sent one).
  using CreateFn = std::function<Result<Credentials>(const std::string& bucket, const std::string& mode)>;

  struct Options {
    std::size_t max_entries = 100;                ///< keys kept (botocore keeps 100 too)
    std::chrono::seconds refresh_before{60};      ///< refresh when less than this is left
  };

  /// `clock` must outlive the cache.
  ExpressSessionCache(CreateFn create, Clock& clock, Options options);
  ExpressSessionCache(CreateFn create, Clock& clock) : ExpressSessionCache(std::move(create), clock, Options()) {}
  ExpressSessionCache(const ExpressSessionCache&) = delete;
  ExpressSessionCache& operator=(const ExpressSessionCache&) = delete;

  /// Session credentials for (bucket, mode): cached, refreshed or created.
  /// Errors: the error of the CreateSession that this call ran or waited for.
  Result<Credentials> Get(const std::string& bucket, const std::string& mode);

  /// Drops the cached session of (bucket, mode) if it still holds `session_token`
  /// (empty: whatever it holds), so that the next Get creates a new one. Used when the
  /// server rejects a session (ExpiredToken, InvalidToken); the token check keeps a
  /// session that another thread already replaced.
  void Invalidate(const std::string& bucket, const std::string& mode, const std::string& session_token = {});

  /// Number of keys cached.
  std::size_t size() const;
  /// Number of times `create` was called (for tests and diagnostics).
  std::size_t creations() const;

 private:
  struct Flight {
    bool done = false;
    std::optional<Result<Credentials>> result;
  };
  struct Entry {
    std::optional<Credentials> creds;
    SystemTime expires{};
    std::shared_ptr<Flight> flight;  // non-null while a CreateSession runs for this key
    std::list<std::pair<std::string, std::string>>::iterator lru;
  };
  using Key = std::pair<std::string, std::string>;

  Entry& Touch(const Key& key);  // finds or inserts, marks most recently used; mu_ held
  void EvictLocked();
  Result<Credentials> RunFlight(const Key& key, const std::shared_ptr<Flight>& flight);

  const CreateFn create_;
  Clock& clock_;
  const Options options_;

  mutable std::mutex mu_;  // guards everything below; cv_ signals finished flights
  std::condition_variable cv_;
  std::map<Key, Entry> entries_;
  std::list<Key> lru_;  // most recently used first
  std::size_t creations_ = 0;
};

}  // namespace s3ml
