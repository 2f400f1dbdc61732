#include "client/options_env.h"

#include "auth/config_file.h"
#include "common/http_types.h"

namespace s3ml {

Result<ClientOptions> ClientOptionsFromEnvironment(const Environment& env, const std::string& profile) {
  ClientOptions o;
  S3ML_ASSIGN_OR_RETURN(ProfileSettings p, LoadProfile(env, profile));
  // Only a profile that was asked for (argument, AWS_PROFILE, AWS_DEFAULT_PROFILE) is
  // recorded: an implicit "default" stays implicit, so that the credentials chain
  // treats a missing default profile as "nothing here", not as a broken source.
  if (ResolveProfileName(env, profile).explicitly_named) o.profile = p.name;
  o.region = ResolveRegion(env, p);
  o.endpoint_url = ResolveS3EndpointUrl(env, p);
  if (p.addressing_style == "path") o.addressing = AddressingStyle::kPath;
  if (p.addressing_style == "virtual") o.addressing = AddressingStyle::kVirtualHosted;

  if (p.max_attempts) o.retry.max_attempts = *p.max_attempts;
  if (std::optional<std::string> v = env.Get("AWS_MAX_ATTEMPTS"); v && !v->empty()) {
    int n = 0;
    bool ok = v->size() <= 3;
    for (char c : *v) {
      if (c < '0' || c > '9') ok = false;
      else n = n * 10 + (c - '0');
    }
    if (!ok || n < 1)
      return Status::InvalidArgument("AWS_MAX_ATTEMPTS='" + *v + "' is not a positive integer (attempts incl. the first)");
    o.retry.max_attempts = n;
  }
  o.ca_file = env.ExpandUser(env.GetOr("AWS_CA_BUNDLE", p.ca_bundle));
  o.imds_endpoint = env.GetOr("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  o.disable_imds = env.IsTrue("AWS_EC2_METADATA_DISABLED");
  o.disable_s3_express_session_auth = env.IsTrue("AWS_S3_DISABLE_EXPRESS_SESSION_AUTH");
  // As the AWS SDKs: when_supported (default) or when_required.
  if (std::optional<std::string> v = env.Get("AWS_REQUEST_CHECKSUM_CALCULATION"); v && !v->empty()) {
    std::string lower = ToLower(*v);
    if (lower == "when_required") o.request_checksum_calculation = ChecksumCalculation::kWhenRequired;
    else if (lower != "when_supported")
      return Status::InvalidArgument("AWS_REQUEST_CHECKSUM_CALCULATION='" + *v +
                                     "' is neither when_supported nor when_required");
  }
  return o;
}

Result<ClientOptions> ClientOptions::FromEnvironment(const std::string& profile) {
  return ClientOptionsFromEnvironment(Environment::FromProcess(), profile);
}

}  // namespace s3ml
