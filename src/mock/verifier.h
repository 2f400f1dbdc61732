#pragma once
// SigV4 verification for the mock server: Authorization-header and presigned
// query requests, and the request body's payload hash / aws-chunked framing.
// Signatures are recomputed with the auth layer's SigV4Signer primitives, so
// the verifier and the client's signer share one canonicalisation.

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auth/signer.h"
#include "common/http_types.h"
#include "common/time.h"
#include "mock/aws_chunked.h"
#include "mock/s3_error.h"

namespace s3ml::mock {

struct VerifierConfig {
  std::string access_key;
  std::string secret_key;
  std::string region;
  bool verify_signatures = true;
  bool allow_anonymous = false;
  std::chrono::seconds max_skew{15 * 60};
};

/// What the verifier learned about the request's authentication.
struct AuthInfo {
  enum class Mode { kAnonymous, kHeader, kPresigned, kHeaderV2, kPresignedV2 };
  Mode mode = Mode::kAnonymous;
  bool verified = false;  ///< a signature was checked (false when verification is off)
  std::string amz_date;   ///< 20130524T000000Z
  std::string scope;      ///< date/region/s3/aws4_request
  std::string signature;  ///< the request's seed signature (chunk chains start from it)
  std::string access_key;  ///< the access key the request was signed with (SigV4)
  std::string service;     ///< the credential scope's service ("s3" or "s3express")
  std::string secret_key;  ///< the secret that verified it (an S3 Express session's secret, or the configured one)
};

/// Finds the secret of an access key other than the configured one (S3 Express
/// session credentials). Returns nullopt for an unknown key.
using SecretLookup = std::function<std::optional<std::string>(const std::string& access_key)>;

/// The parts of a request the verifier needs.
struct VerifyInput {
  const std::string& method;
  const std::string& raw_path;  ///< canonical URI: the path exactly as received
  const std::vector<std::pair<std::string, std::string>>& query;  ///< decoded
  const Headers& headers;
  std::string raw_query;       ///< as received (SigV2's canonical resource uses it)
  std::string virtual_bucket;  ///< the bucket when addressed through Host (SigV2 resource prefix)
};

/// Verifies AWS Signature Version 4 and, for older clients (boto3's default
/// presigned URLs use it), Signature Version 2 (HMAC-SHA1, header and query).
/// Thread safety: const methods are safe to call concurrently.
class Verifier {
 public:
  explicit Verifier(VerifierConfig config);

  /// Checks the request's signature. Errors: AccessDenied, SignatureDoesNotMatch,
  /// InvalidAccessKeyId, RequestTimeTooSkewed (403); AuthorizationHeaderMalformed,
  /// AuthorizationQueryParametersError, InvalidRequest (400).
  Expected<AuthInfo> Verify(const VerifyInput& in, SystemTime now) const;

  /// Checks x-amz-content-sha256 against the body (hex hash) or decodes an
  /// aws-chunked body (verifying chunk signatures and trailing checksums).
  /// Returns the payload; `trailers` receives trailing headers (lower-case names).
  Expected<std::string> DecodeBody(const AuthInfo& auth, const Headers& headers, std::string body,
                                   std::vector<std::pair<std::string, std::string>>* trailers) const;

  const VerifierConfig& config() const { return config_; }

  /// Also accept SigV4 signatures made with the keys `lookup` knows (S3 Express sessions;
  /// whether a session may be used for a request is the caller's check). Set before serving.
  void SetSessionLookup(SecretLookup lookup) { session_lookup_ = std::move(lookup); }

 private:
  Expected<AuthInfo> VerifyHeader(const VerifyInput& in, const std::string& authorization, SystemTime now) const;
  Expected<AuthInfo> VerifyPresigned(const VerifyInput& in, SystemTime now) const;
  Expected<AuthInfo> VerifyV2(const VerifyInput& in, const std::string* authorization, SystemTime now) const;
  S3Error Mismatch(const std::string& canonical_request, const std::string& string_to_sign,
                   const std::string& provided) const;

  /// The secret for `access_key`: the configured one, a session's, or InvalidAccessKeyId
  /// (400 InvalidToken when the request carries an S3 Express session token).
  Expected<std::string> SecretFor(const std::string& access_key, const VerifyInput& in) const;

  VerifierConfig config_;
  SigV4Signer signer_;
  SecretLookup session_lookup_;
};

/// Verifies x-amz-checksum-<alg> headers (and Content-MD5) against `payload`.
/// Returns the checksums supplied (algorithm -> base64). Errors: InvalidDigest,
/// BadDigest, InvalidRequest (400).
Expected<std::vector<std::pair<std::string, std::string>>> VerifyIntegrityHeaders(const Headers& headers,
                                                                                  std::string_view payload);

}  // namespace s3ml::mock
