#pragma once
/// \file HttpClient: the transport interface (one HTTP attempt, no retries) and its options.
///
/// The retry loop (transport/retry.h) decorates an HttpClient; the libcurl
/// implementation is transport/curl_http_client.h. Tests substitute fakes.

#include <chrono>
#include <cstdint>
#include <string>

#include "common/http_types.h"
#include "s3ml/result.h"

namespace s3ml {

/// Options of an HttpClient. Plain struct with defaults (the values of ClientOptions;
/// the client layer fills it from them: HttpClientOptionsFrom in client/client_impl.h).
struct HttpClientOptions {
  /// Upper bound on establishing a connection (TCP + TLS handshake).
  std::chrono::milliseconds connect_timeout{5000};
  /// Stall timeout: a transfer slower than `low_speed_limit` bytes/s for
  /// `low_speed_time` fails with kTimeout "StallTimeout". There is deliberately
  /// no total timeout: a large object on a healthy connection may take hours.
  std::uint64_t low_speed_limit = 1;
  std::chrono::seconds low_speed_time{30};
  /// Verify the server's TLS certificate and host name (https only).
  bool verify_tls = true;
  /// PEM bundle of CA certificates (AWS_CA_BUNDLE); empty: the system default.
  std::string ca_file;
  /// Connections kept open for reuse (and idle easy handles kept in the pool).
  int max_connections = 64;
  /// User-Agent header value (empty: "s3ml").
  std::string user_agent;
};

/// Error codes the transport puts in `Status::code()` (category kNetwork or kTimeout).
namespace transport_code {
inline constexpr const char* kConnectionRefused = "ConnectionRefused";  ///< nothing listens on host:port
inline constexpr const char* kConnectFailed = "ConnectFailed";          ///< other connect failure (unreachable, ...)
inline constexpr const char* kResolveFailed = "ResolveFailed";          ///< DNS lookup failed
inline constexpr const char* kConnectTimeout = "ConnectTimeout";        ///< connect_timeout elapsed
inline constexpr const char* kTlsHandshakeFailed = "TlsHandshakeFailed";  ///< TLS handshake broke off
inline constexpr const char* kTlsVerifyFailed = "TlsVerifyFailed";  ///< certificate rejected: not transient
inline constexpr const char* kConnectionReset = "ConnectionReset";  ///< the peer reset/closed mid-request
inline constexpr const char* kEmptyReply = "EmptyReply";            ///< the server closed without answering
inline constexpr const char* kSendFailed = "SendFailed";
inline constexpr const char* kRecvFailed = "RecvFailed";
inline constexpr const char* kPartialBody = "PartialBody";    ///< fewer body bytes than Content-Length
inline constexpr const char* kStallTimeout = "StallTimeout";  ///< below low_speed_limit for low_speed_time
inline constexpr const char* kProtocolError = "HttpProtocolError";  ///< malformed HTTP from the server
inline constexpr const char* kNetworkError = "NetworkError";  ///< any other libcurl failure
}  // namespace transport_code

/// Sends one HTTP request attempt. Implementations never retry (the retry loop does).
///
/// Thread safety: implementations must be safe to call concurrently from many threads.
class HttpClient {
 public:
  virtual ~HttpClient();
  /// Sends one attempt. For status < 300 with a non-null sink the body goes to
  /// the sink (sink->Begin, then Write..., then Finish); otherwise into
  /// HttpResponse::body. The request body, if any, is read from offset 0.
  ///
  /// Errors: transport failures as kNetwork/kTimeout with a `transport_code`
  /// code and host:port in the message; an error returned by the sink or the
  /// request body aborts the transfer and is returned as is. An HTTP error status
  /// is NOT an error here: it is a response (the ops layer classifies it).
  virtual Result<HttpResponse> Send(const HttpRequest& req, ResponseSink* sink) = 0;
};

}  // namespace s3ml
