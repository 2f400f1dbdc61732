#include "mock/express_sessions.h"

#include <openssl/rand.h>

#include <algorithm>
#include <vector>

#include "common/crypto.h"

namespace s3ml::mock {

namespace {

// Unpredictable bytes (a session secret must not be guessable even in a mock:
// tests rely on a forged session failing).
std::string RandomBytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    // OpenSSL's generator failed (not expected): fall back to hashing the time and address.
    std::string seed = std::to_string(SystemClock().Now().time_since_epoch().count()) +
                       std::to_string(reinterpret_cast<std::uintptr_t>(&out));
    auto d = Sha256(seed);
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<char>(d[i % d.size()]);
  }
  return out;
}

std::string Upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

}  // namespace

ExpressSession ExpressSessions::Create(const std::string& bucket, const std::string& mode, SystemTime now) {
  ExpressSession s;
  s.bucket = bucket;
  s.mode = mode;
  s.access_key = "ASIAEXPRESS" + Upper(HexEncode(RandomBytes(5)));
  s.secret_key = Base64Encode(RandomBytes(30));
  s.token = Base64Encode(RandomBytes(48));
  s.expires = std::chrono::time_point_cast<std::chrono::seconds>(now) + kLifetime;

  std::lock_guard<std::mutex> lock(mu_);
  if (sessions_.size() >= kMaxSessions) {
    // Drop the sessions that expire first (expired ones before live ones).
    std::vector<std::pair<SystemTime, std::string>> order;
    order.reserve(sessions_.size());
    for (const auto& [key, sess] : sessions_) order.emplace_back(sess.expires, key);
    std::sort(order.begin(), order.end());
    for (std::size_t i = 0; i < order.size() / 2; ++i) sessions_.erase(order[i].second);
  }
  sessions_[s.access_key] = s;
  return s;
}

std::optional<ExpressSession> ExpressSessions::Find(const std::string& access_key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(access_key);
  if (it == sessions_.end()) return std::nullopt;
  return it->second;
}

std::size_t ExpressSessions::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

}  // namespace s3ml::mock
