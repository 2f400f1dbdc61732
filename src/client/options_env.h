#pragma once
// ClientOptions from an Environment snapshot (ClientOptions::FromEnvironment uses the
// process's; tests pass one built from a map).

#include <string>

#include "auth/environment.h"
#include "s3ml/options.h"

namespace s3ml {

/// Defaults overlaid with AWS_REGION/AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3/AWS_ENDPOINT_URL,
/// AWS_PROFILE, AWS_MAX_ATTEMPTS, AWS_CA_BUNDLE, AWS_EC2_METADATA_SERVICE_ENDPOINT,
/// AWS_EC2_METADATA_DISABLED and the profile's region, endpoint_url, s3.addressing_style,
/// max_attempts and ca_bundle (the environment wins over the profile).
/// Errors: kInvalidArgument naming the variable or profile setting that is malformed.
Result<ClientOptions> ClientOptionsFromEnvironment(const Environment& env, const std::string& profile);

}  // namespace s3ml
