#pragma once
/// \file AWS credentials and the provider interface.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "s3ml/result.h"

namespace s3ml {

/// An access key pair, optionally with a session token and an expiry.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  ///< empty when not temporary
  std::optional<std::chrono::system_clock::time_point> expiration;
  std::string source;  ///< which provider produced them ("environment", "profile default", "imds", ...)

  bool empty() const { return access_key_id.empty() || secret_access_key.empty(); }
};

/// Produces credentials. Implementations cache and refresh as they see fit.
/// Thread safety: implementations must be safe to call from many threads.
/// Errors: category kCredentials, message naming the source and why it failed.
class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  virtual Result<Credentials> GetCredentials() = 0;
  /// Short name used in error messages ("environment", "shared config", "imds", ...).
  virtual std::string Name() const = 0;
};

/// A provider that always returns the given credentials.
std::shared_ptr<CredentialsProvider> MakeStaticCredentialsProvider(Credentials creds);

}  // namespace s3ml
