#pragma once
/// \file CurlHttpClient: the libcurl implementation of HttpClient.

#include <memory>

#include "transport/http_client.h"

namespace s3ml {

/// HttpClient over libcurl's easy interface with connection reuse.
///
/// Connection reuse: easy handles are kept in a LIFO pool, checked out for one
/// request and returned after it; each keeps its connection(s) alive, so a
/// request reuses the connection of the handle that served the previous one,
/// whichever thread it runs on. A CURLSH share handle (with per-data-kind lock
/// callbacks) shares the DNS cache and TLS session cache across all handles.
/// The connection cache itself is deliberately NOT put in the share handle:
/// libcurl 7.88 documents CURL_LOCK_DATA_CONNECT as unsupported between
/// concurrent threads; the handle pool gives the same reuse without that risk.
///
/// Timeouts: a connect timeout and a stall timeout (LOW_SPEED_LIMIT/TIME), no total
/// timeout. TLS is verified by default. Request bodies stream from
/// RequestBody::Read with Content-Length set and no "Expect: 100-continue" wait.
///
/// Fork safety: no connection exists before the first Send; handles pooled in a
/// parent process are abandoned (not closed) by a forked child, which opens its own.
///
/// Thread safety: Send may be called concurrently from any number of threads.
/// Destroy the client only after every Send has returned.
class CurlHttpClient final : public HttpClient {
 public:
  /// Validates the options (timeouts > 0, max_connections >= 1, readable ca_file)
  /// and initialises libcurl once per process. Errors: kInvalidArgument naming the field.
  static Result<std::shared_ptr<CurlHttpClient>> Create(HttpClientOptions options = {});
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  Result<HttpResponse> Send(const HttpRequest& req, ResponseSink* sink) override;

  const HttpClientOptions& options() const noexcept;
  /// Number of idle easy handles in the pool (for tests and diagnostics).
  std::size_t idle_handles() const;

 private:
  struct Impl;
  explicit CurlHttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace s3ml
