#pragma once
/// \file ClientOptions: every knob of a Client, with defaults and named presets.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "s3ml/cancel.h"
#include "s3ml/credentials.h"
#include "s3ml/objects.h"
#include "s3ml/result.h"
#include "s3ml/retry.h"

namespace s3ml {

enum class AddressingStyle {
  kAuto,           ///< virtual-hosted for AWS endpoints and DNS-compatible buckets, path-style otherwise
  kPath,           ///< http://endpoint/bucket/key
  kVirtualHosted,  ///< http://bucket.endpoint/key
};

enum class PayloadSigning {
  kSigned,    ///< x-amz-content-sha256 = SHA-256 of the body (bodies are hashed before sending)
  kUnsigned,  ///< UNSIGNED-PAYLOAD (no pre-pass over the body; TLS protects it)
  kAuto,      ///< signed for in-memory bodies, unsigned for files/streams over https, signed over http
};

/// When the client sends additional checksums (x-amz-checksum-*), like the AWS SDKs'
/// `request_checksum_calculation` setting (AWS_REQUEST_CHECKSUM_CALCULATION).
enum class ChecksumCalculation {
  /// Requests that name an algorithm send it (header or aws-chunked trailer), and
  /// PutObject/UploadPart without one use ClientOptions::default_checksum_algorithm.
  kWhenSupported,
  /// Only checksums the caller names explicitly or the operation requires (DeleteObjects
  /// and other ops S3 requires an integrity header for use Content-MD5); never aws-chunked
  /// trailers. For S3-compatible stores that reject x-amz-checksum-* or aws-chunked.
  kWhenRequired,
};

/// Configuration of a Client. Plain struct with defaults; validated once by Client::Create.
struct ClientOptions {
  std::string endpoint_url;  ///< empty: https://s3.<region>.amazonaws.com
  std::string region;        ///< empty: "us-east-1"
  std::string profile;       ///< shared config profile for credentials (empty: AWS_PROFILE or "default";
                             ///< FromEnvironment sets it only when a profile was named)
  std::optional<Credentials> credentials;                  ///< explicit credentials (first in the chain)
  std::shared_ptr<CredentialsProvider> credentials_provider;  ///< custom provider (overrides the chain)
  bool no_sign_request = false;  ///< anonymous requests
  AddressingStyle addressing = AddressingStyle::kAuto;
  PayloadSigning payload_signing = PayloadSigning::kAuto;

  RetryOptions retry;
  std::chrono::milliseconds connect_timeout{5000};
  /// Stall timeout: a transfer slower than low_speed_limit bytes/s for low_speed_time fails (and is retried).
  std::uint64_t low_speed_limit = 1;
  std::chrono::seconds low_speed_time{30};
  bool verify_tls = true;
  std::string ca_file;     ///< AWS_CA_BUNDLE
  int max_connections = 64;  ///< connection pool size per client
  std::string user_agent_suffix;
  std::string imds_endpoint;  ///< override for IMDSv2 (AWS_EC2_METADATA_SERVICE_ENDPOINT)
  bool disable_imds = false;
  /// S3 Express One Zone: when false (default), requests to directory buckets
  /// (`<base>--<zone-id>--x-s3`) are signed with cached CreateSession credentials;
  /// when true, with the client's own credentials like any bucket
  /// (AWS_S3_DISABLE_EXPRESS_SESSION_AUTH=true). See s3ml/express.h.
  bool disable_s3_express_session_auth = false;

  /// When checksums are sent (see ChecksumCalculation).
  ChecksumCalculation request_checksum_calculation = ChecksumCalculation::kWhenSupported;
  /// Algorithm for PutObject/UploadPart requests that name none, under kWhenSupported
  /// (the AWS SDKs use CRC32; kNone keeps requests free of checksums unless asked).
  ChecksumAlgorithm default_checksum_algorithm = ChecksumAlgorithm::kNone;
  /// Allow SSE-C (customer keys travel in headers) over plain http. Off: such requests
  /// fail with kInvalidArgument before anything is sent.
  bool allow_sse_c_over_http = false;
  /// Cancels every request of the client (and of its copies, unless they were given a
  /// token of their own by Client::WithCancellation). See s3ml/cancel.h.
  CancellationToken cancel;

  /// Defaults overlaid with the standard AWS environment and shared config:
  /// AWS_REGION/AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3/AWS_ENDPOINT_URL, AWS_PROFILE,
  /// AWS_MAX_ATTEMPTS, AWS_CA_BUNDLE, AWS_S3_DISABLE_EXPRESS_SESSION_AUTH, profile region/endpoint_url. The only place
  /// options read the environment.
  static Result<ClientOptions> FromEnvironment(const std::string& profile = {});
  /// Defaults pointed at an endpoint (e.g. a MockS3Server), path-style addressing.
  static ClientOptions ForEndpoint(std::string url, std::string region = "us-east-1");

  /// Checks every field; the error names the field and why.
  Status Validate() const;
};

}  // namespace s3ml
