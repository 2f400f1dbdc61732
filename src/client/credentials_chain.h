#pragma once
// The client's credentials provider: the default AWS chain (explicit -> environment ->
// shared files -> credential_process -> IMDSv2), with IMDS reached through a short-timeout
// curl client.

#include <memory>

#include "auth/environment.h"
#include "auth/providers.h"
#include "common/time.h"
#include "s3ml/options.h"

namespace s3ml {

/// An IMDS fetcher over its own CurlHttpClient: 1 s connect timeout, 2 s stall timeout,
/// so a machine without IMDS costs about a second once, not minutes.
/// Errors: the curl client's construction error.
Result<HttpFetcher> MakeImdsFetcher(const ClientOptions& options);

/// The default chain configured from `options` (explicit credentials, profile, IMDS
/// endpoint / disable flag). `env` null = the process environment (snapshotted now).
/// Nothing is resolved until the first GetCredentials().
Result<std::shared_ptr<CredentialsProvider>> MakeClientCredentialsProvider(const ClientOptions& options,
                                                                           std::shared_ptr<const Environment> env,
                                                                           Clock* clock);

}  // namespace s3ml
