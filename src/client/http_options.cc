// ClientOptions -> the transport's options (the transport does not know ClientOptions).
#include "client/client_impl.h"
#include "s3ml/version.h"

namespace s3ml {

HttpClientOptions HttpClientOptionsFrom(const ClientOptions& options) {
  HttpClientOptions o;
  o.connect_timeout = options.connect_timeout;
  o.low_speed_limit = options.low_speed_limit;
  o.low_speed_time = options.low_speed_time;
  o.verify_tls = options.verify_tls;
  o.ca_file = options.ca_file;
  o.max_connections = options.max_connections;
  o.user_agent = std::string("s3ml/") + S3ML_VERSION_STRING;
  if (!options.user_agent_suffix.empty()) o.user_agent += " " + options.user_agent_suffix;
  return o;
}

}  // namespace s3ml
