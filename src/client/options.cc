// ClientOptions: presets and validation.

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/uri.h"
#include "ops/requests.h"
#include "s3ml/options.h"

namespace s3ml {

namespace {
Status Bad(const std::string& field, const std::string& why) {
  return Status::InvalidArgument("invalid ClientOptions." + field + ": " + why);
}
}  // namespace

ClientOptions ClientOptions::ForEndpoint(std::string url, std::string region) {
  ClientOptions o;
  o.endpoint_url = std::move(url);
  o.region = std::move(region);
  o.addressing = AddressingStyle::kPath;
  return o;
}

Status ClientOptions::Validate() const {
  if (!endpoint_url.empty()) {
    auto ep = ParseEndpoint(endpoint_url);
    if (!ep.ok()) return Bad("endpoint_url", ep.status().message());
    if (addressing == AddressingStyle::kVirtualHosted && ops::IsIpAddress(ep->host))
      return Bad("addressing", "virtual-hosted addressing needs a DNS host name endpoint, not the IP address '" +
                                   ep->host + "'; use AddressingStyle::kPath (or a name such as localhost)");
  }
  for (char c : region)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return Bad("region", "'" + region + "' is not a region name (lowercase letters, digits and '-', e.g. us-east-1)");
  if (credentials && credentials->empty())
    return Bad("credentials", "explicit credentials need both access_key_id and secret_access_key");
  if (no_sign_request && (credentials || credentials_provider))
    return Bad("no_sign_request", "anonymous requests cannot be combined with credentials or a credentials_provider");
  if (retry.max_attempts < 1 || retry.max_attempts > 100)
    return Bad("retry.max_attempts", "must be 1..100 (it counts the first attempt), got " +
                                         std::to_string(retry.max_attempts));
  if (retry.base_delay.count() < 0) return Bad("retry.base_delay", "must not be negative");
  if (retry.max_backoff.count() < 0) return Bad("retry.max_backoff", "must not be negative");
  if (retry.retry_quota_capacity < 0) return Bad("retry.retry_quota_capacity", "must not be negative");
  if (retry.retry_cost < 0) return Bad("retry.retry_cost", "must not be negative");
  if (retry.timeout_retry_cost < 0) return Bad("retry.timeout_retry_cost", "must not be negative");
  if (retry.no_retry_increment < 0) return Bad("retry.no_retry_increment", "must not be negative");
  if (connect_timeout.count() <= 0)
    return Bad("connect_timeout", "must be positive, got " + std::to_string(connect_timeout.count()) + " ms");
  if (low_speed_time.count() <= 0)
    return Bad("low_speed_time", "must be positive, got " + std::to_string(low_speed_time.count()) + " s");
  if (max_connections < 1) return Bad("max_connections", "must be at least 1, got " + std::to_string(max_connections));
  if (!ca_file.empty() && ::access(ca_file.c_str(), R_OK) != 0)
    return Bad("ca_file", "cannot read '" + ca_file + "': " + std::strerror(errno));
  if (!imds_endpoint.empty()) {
    auto ep = ParseEndpoint(imds_endpoint);
    if (!ep.ok()) return Bad("imds_endpoint", ep.status().message());
  }
  for (char c : user_agent_suffix)
    if (c == '\r' || c == '\n' || c == '\0') return Bad("user_agent_suffix", "contains a line break or NUL");
  return Status::Ok();
}

}  // namespace s3ml
