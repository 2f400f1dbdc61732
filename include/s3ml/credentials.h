#pragma once
/// \file AWS credentials and the provider interface.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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

/// Credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN
/// (the process environment as it is when this is called).
/// Thread safety: immutable; safe to share.
std::shared_ptr<CredentialsProvider> MakeEnvironmentCredentialsProvider();

/// Credentials of a profile of the shared files: static keys in the credentials file
/// (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials), then in the config file
/// (AWS_CONFIG_FILE, default ~/.aws/config), then its credential_process.
/// `profile` empty = AWS_PROFILE, else "default". Thread safety: safe to share.
std::shared_ptr<CredentialsProvider> MakeProfileCredentialsProvider(std::string profile = {});

/// Runs `command` (with /bin/sh -c) per the AWS credential_process protocol (JSON
/// with Version 1, AccessKeyId, SecretAccessKey, SessionToken, Expiration on stdout).
/// Caches the result and runs the command again 5 minutes before Expiration.
/// Errors name the command and quote its stderr. Thread safety: safe to share.
std::shared_ptr<CredentialsProvider> MakeProcessCredentialsProvider(std::string command);

/// Tries `providers` in order and returns the first credentials found (remembering
/// which provider succeeded). When none has credentials, the kCredentials error reads
/// "Unable to locate credentials. Looked in: <name>: <why>; <name>: <why>; ...." naming
/// every provider.
/// A provider reports "nothing here" with Status::code() == "NoCredentials"; any other
/// error means it is configured but broken (e.g. a failing credential_process) and stops
/// the chain with that error. Thread safety: safe to share.
std::shared_ptr<CredentialsProvider> MakeChainCredentialsProvider(
    std::vector<std::shared_ptr<CredentialsProvider>> providers);

}  // namespace s3ml
