#pragma once
// The mock's S3 Express One Zone sessions: CreateSession hands out a fresh random
// access key, secret and token per session, valid for 5 minutes of mock time.

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "common/time.h"

namespace s3ml::mock {

struct ExpressSession {
  std::string bucket;
  std::string mode;  ///< "ReadWrite" or "ReadOnly"
  std::string access_key, secret_key, token;
  SystemTime expires{};
};

/// Thread safety: every method is safe to call concurrently.
class ExpressSessions {
 public:
  /// How long a session lives (S3: 5 minutes).
  static constexpr std::chrono::seconds kLifetime{300};
  /// Sessions kept at most; sessions that expired long ago go first.
  static constexpr std::size_t kMaxSessions = 10000;

  /// A new session for (bucket, mode) valid until now + kLifetime.
  ExpressSession Create(const std::string& bucket, const std::string& mode, SystemTime now);
  /// The session whose access key is `access_key` (expired ones too, so that the
  /// caller can answer ExpiredToken rather than InvalidAccessKeyId).
  std::optional<ExpressSession> Find(const std::string& access_key) const;
  /// Number of sessions known.
  std::size_t size() const;

 private:
  mutable std::mutex mu_;  // guards sessions_
  std::map<std::string, ExpressSession> sessions_;  // by access key
};

}  // namespace s3ml::mock
