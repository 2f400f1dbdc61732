#pragma once
// A transport decorator for integration tests: records the headers of every request
// a Client sends (then forwards it to libcurl), so a test can assert what went on
// the wire (which checksum headers, aws-chunked framing, SSE headers).

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "client/client_impl.h"
#include "transport/curl_http_client.h"

namespace s3ml::test {

struct CapturedRequest {
  std::string method;
  std::string path;
  std::string query;
  Headers headers;
  std::uint64_t body_size = 0;
};

/// Thread-safe: requests may be sent from several threads.
class CapturingHttp final : public HttpClient {
 public:
  explicit CapturingHttp(std::shared_ptr<HttpClient> inner) : inner_(std::move(inner)) {}
  Result<HttpResponse> Send(const HttpRequest& req, ResponseSink* sink) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back({req.method, req.path, req.EncodedQuery(), req.headers, req.body ? req.body->size() : 0});
    }
    return inner_->Send(req, sink);
  }
  std::vector<CapturedRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.clear();
  }

 private:
  std::shared_ptr<HttpClient> inner_;
  mutable std::mutex mu_;
  std::vector<CapturedRequest> requests_;
};

/// A client over `options` whose requests are recorded by the returned capture.
inline std::pair<Client, std::shared_ptr<CapturingHttp>> CapturingClient(const ClientOptions& options) {
  auto curl = CurlHttpClient::Create(HttpClientOptionsFrom(options));
  REQUIRE(curl.ok());
  auto capture = std::make_shared<CapturingHttp>(std::shared_ptr<HttpClient>(std::move(*curl)));
  ClientDependencies deps;
  deps.http = capture;
  auto client = Client::Impl::Create(options, deps);
  REQUIRE(client.ok());
  return {std::move(*client), capture};
}

/// True when any header name starts with `prefix` (case-insensitive).
inline bool HasHeaderWithPrefix(const Headers& h, const std::string& prefix) {
  for (const auto& [name, value] : h)
    if (ToLower(name).rfind(ToLower(prefix), 0) == 0) return true;
  return false;
}

}  // namespace s3ml::test
