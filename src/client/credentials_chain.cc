#include "client/credentials_chain.h"

#include "transport/curl_http_client.h"

namespace s3ml {

Result<HttpFetcher> MakeImdsFetcher(const ClientOptions& options) {
  HttpClientOptions h;
  h.connect_timeout = std::chrono::milliseconds(1000);
  h.low_speed_limit = 1;
  h.low_speed_time = std::chrono::seconds(2);
  h.max_connections = 2;
  h.user_agent = "s3ml-imds";
  (void)options;  // IMDS is plain http on a link-local address: no TLS options apply
  S3ML_ASSIGN_OR_RETURN(std::shared_ptr<CurlHttpClient> http, CurlHttpClient::Create(std::move(h)));
  return HttpFetcher([http](const HttpRequest& req) { return http->Send(req, nullptr); });
}

Result<std::shared_ptr<CredentialsProvider>> MakeClientCredentialsProvider(const ClientOptions& options,
                                                                           std::shared_ptr<const Environment> env,
                                                                           Clock* clock) {
  Environment process_env;
  if (!env) process_env = Environment::FromProcess();
  const Environment& e = env ? *env : process_env;
  ChainOptions c;
  c.explicit_credentials = options.credentials;
  c.profile = options.profile;
  c.imds.endpoint = options.imds_endpoint;
  c.imds.disabled = options.disable_imds;
  c.refresh.clock = clock;
  if (!options.disable_imds) {
    S3ML_ASSIGN_OR_RETURN(c.imds_fetcher, MakeImdsFetcher(options));
  }
  return MakeDefaultCredentialsChain(e, std::move(c));
}

}  // namespace s3ml
