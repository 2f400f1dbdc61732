#pragma once
// Credentials providers and the default chain, in the AWS order:
//   explicit -> environment -> shared credentials file -> shared config file ->
//   credential_process (from the profile) -> IMDSv2.
//
// The auth layer does not depend on transport: the IMDS provider is given an
// HttpFetcher (the client layer passes one built on curl).
//
// Error convention: a provider that finds nothing to use returns kCredentials
// with code kNoCredentialsCode and a message "<source>: <why>"; the chain moves
// on. Any other error (a malformed file, a failing credential_process, partial
// keys) means the source is configured but broken; the chain stops there and
// reports it, because silently falling through to another identity is worse.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/config_file.h"
#include "auth/environment.h"
#include "common/http_types.h"
#include "common/time.h"
#include "common/uri.h"
#include "s3ml/credentials.h"

namespace s3ml {

/// Status code of "this source has no credentials" (the chain tries the next one).
inline constexpr const char* kNoCredentialsCode = "NoCredentials";

/// Sends one HTTP request and returns the response (any status) or a transport error.
/// Implementations should use short timeouts (IMDS answers in milliseconds or not at all).
using HttpFetcher = std::function<Result<HttpResponse>(const HttpRequest&)>;

/// Credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
/// (or AWS_SECURITY_TOKEN) and optional AWS_CREDENTIAL_EXPIRATION (ISO-8601).
/// Errors: not found when AWS_ACCESS_KEY_ID is unset; broken when only one of the keys is set.
/// Thread safety: immutable; safe to share.
std::shared_ptr<CredentialsProvider> MakeEnvironmentProvider(const Environment& env);

/// Which shared file a profile provider reads static keys from.
enum class SharedFile { kCredentials, kConfig };

/// Static keys (aws_access_key_id, aws_secret_access_key, aws_session_token) of a
/// profile in the shared credentials file ([name]) or config file ([profile name]).
/// `profile` empty = AWS_PROFILE / AWS_DEFAULT_PROFILE / "default". Files are read
/// on each call until credentials are found, then cached.
/// Errors: not found when the file or profile or keys are absent; broken when the
/// file is malformed, only one key is present, or an explicitly named profile exists in neither file.
/// Thread safety: safe to share.
std::shared_ptr<CredentialsProvider> MakeSharedFileProvider(const Environment& env, SharedFile which,
                                                            std::string profile = {});

/// Options of providers that cache temporary credentials.
struct RefreshOptions {
  Clock* clock = nullptr;                          ///< nullptr = SystemClock()
  std::chrono::seconds refresh_before{5 * 60};     ///< refresh this long before expiration
};

/// Runs `command` per the credential_process protocol: its stdout is JSON
/// {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken"?, "Expiration"?}.
/// Results with an Expiration are cached and refreshed `refresh_before` ahead of it;
/// results without one are cached for good. `name` labels errors and Credentials::source.
/// Errors (all "broken"): the command fails to start, times out, exits non-zero
/// (stderr is quoted), prints invalid JSON or a wrong Version, or lacks a key.
/// Thread safety: safe to share; concurrent callers share one refresh.
std::shared_ptr<CredentialsProvider> MakeProcessProvider(std::string command, std::string name = "credential_process",
                                                         RefreshOptions refresh = {},
                                                         std::chrono::milliseconds timeout = std::chrono::seconds(60));

/// credential_process of a profile (looked up at first use). Not found when the
/// profile has no credential_process; otherwise as MakeProcessProvider.
std::shared_ptr<CredentialsProvider> MakeProfileProcessProvider(const Environment& env, std::string profile = {},
                                                                RefreshOptions refresh = {});

/// IMDSv2 settings.
struct ImdsOptions {
  std::string endpoint;  ///< "" = AWS_EC2_METADATA_SERVICE_ENDPOINT, else (AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6)
                         ///< http://[fd00:ec2::254], else http://169.254.169.254
  bool disabled = false;                       ///< also disabled by AWS_EC2_METADATA_DISABLED=true
  std::chrono::seconds token_ttl{21600};       ///< X-aws-ec2-metadata-token-ttl-seconds
  RefreshOptions refresh;
};

/// The endpoint IMDS requests go to, from options then environment. Errors: a malformed URL.
Result<Endpoint> ResolveImdsEndpoint(const Environment& env, const ImdsOptions& options);

/// Instance-profile credentials from IMDSv2: PUT /latest/api/token (token cached
/// for its TTL), GET /latest/meta-data/iam/security-credentials/ (role name), GET
/// .../<role> (JSON with AccessKeyId, SecretAccessKey, Token, Expiration). Cached and
/// refreshed `refresh_before` ahead of Expiration; if a refresh fails while the old
/// credentials are still valid, the old ones are returned.
/// Errors are "not found" (kCredentials/NoCredentials) naming the step that failed:
/// disabled, no fetcher, connection errors, HTTP statuses, malformed answers.
/// Thread safety: safe to share; the fetcher is called without any lock except the
/// provider's refresh mutex (one refresh at a time).
std::shared_ptr<CredentialsProvider> MakeImdsProvider(const Environment& env, HttpFetcher fetcher,
                                                      ImdsOptions options = {});

/// Wraps `fetch` (which returns possibly expiring credentials) with caching:
/// cached until `refresh_before` ahead of expiration; a failed refresh returns the
/// cached credentials while they are unexpired. Thread safety: safe to share.
std::shared_ptr<CredentialsProvider> MakeRefreshingProvider(std::string name,
                                                            std::function<Result<Credentials>()> fetch,
                                                            RefreshOptions refresh = {});

/// Options of the default chain.
struct ChainOptions {
  std::optional<Credentials> explicit_credentials;  ///< tried first when set
  std::string profile;                              ///< "" = AWS_PROFILE / AWS_DEFAULT_PROFILE / "default"
  HttpFetcher imds_fetcher;                         ///< null = IMDS not tried ("no HTTP fetcher configured")
  ImdsOptions imds;
  RefreshOptions refresh;                           ///< for credential_process and IMDS (and imds.refresh if unset)
};

/// The default chain: explicit (if given), environment, shared credentials file,
/// shared config file, credential_process, IMDS. The first source that yields
/// credentials is remembered and asked first next time. When none does, the
/// kCredentials error (code NoCredentials) reads "Unable to locate credentials.
/// Looked in: environment variables (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY): <why>;
/// the shared credentials file <path>: <why>; ..." naming every source in plain words
/// and why it had nothing, then how to configure credentials. A broken source stops
/// the chain with its own error (ADR 0003).
/// Errors at construction: explicit credentials lacking a key; a malformed IMDS endpoint.
Result<std::shared_ptr<CredentialsProvider>> MakeDefaultCredentialsChain(const Environment& env,
                                                                         ChainOptions options = {});

/// A chain over the given providers (see MakeChainCredentialsProvider in s3ml/credentials.h).
std::shared_ptr<CredentialsProvider> MakeChainProvider(std::vector<std::shared_ptr<CredentialsProvider>> providers);

/// A "not found" error for provider `source`: kCredentials, code kNoCredentialsCode, "<source>: <why>".
Status NoCredentials(const std::string& source, const std::string& why);

}  // namespace s3ml
