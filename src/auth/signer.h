#pragma once
// AWS Signature Version 4 for S3: header signing, presigned query URLs and
// aws-chunked chunk signatures. The primitives (canonical request, string to
// sign, signature) are public so that the mock server's verifier recomputes a
// signature with exactly the same code that produced it.

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/http_types.h"
#include "common/time.h"
#include "s3ml/credentials.h"
#include "s3ml/status.h"

namespace s3ml {

/// x-amz-content-sha256 value for a payload that is not hashed.
inline constexpr const char* kUnsignedPayload = "UNSIGNED-PAYLOAD";
/// x-amz-content-sha256 value for an aws-chunked body with per-chunk signatures.
inline constexpr const char* kStreamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
/// x-amz-content-sha256 value for an unsigned aws-chunked body with trailers.
inline constexpr const char* kStreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
/// The SigV4 algorithm name.
inline constexpr const char* kSigV4Algorithm = "AWS4-HMAC-SHA256";

/// Where a signer puts the session token of temporary credentials.
enum class SessionTokenKind {
  kSecurityToken,     ///< STS tokens: header x-amz-security-token, query X-Amz-Security-Token
  kS3ExpressSession,  ///< S3 Express CreateSession tokens: header x-amz-s3session-token,
                      ///< query X-Amz-S3session-Token (S3 Express does not accept X-Amz-Security-Token)
};

/// The header name that carries an S3 Express session token.
inline constexpr const char* kS3SessionTokenHeader = "x-amz-s3session-token";
/// The presigned-URL query parameter that carries an S3 Express session token.
inline constexpr const char* kS3SessionTokenQuery = "X-Amz-S3session-Token";

/// SigV4 signer for one service (default "s3"; "s3express" for S3 Express directory buckets).
///
/// The canonical URI is `HttpRequest::path` exactly as given: the caller has
/// already encoded it once (S3 does no normalisation and no double encoding),
/// so the bytes on the wire equal the bytes signed.
///
/// Thread safety: safe to share (the signing-key cache is internally locked).
class SigV4Signer {
 public:
  explicit SigV4Signer(std::string service = "s3", SessionTokenKind token_kind = SessionTokenKind::kSecurityToken);
  SigV4Signer(const SigV4Signer&) = delete;
  SigV4Signer& operator=(const SigV4Signer&) = delete;

  /// The service name used in the credential scope.
  const std::string& service() const { return service_; }
  /// How the session token of temporary credentials is sent.
  SessionTokenKind token_kind() const { return token_kind_; }

  /// Header signing. Adds/overwrites: host (HostHeader()), x-amz-date, x-amz-content-sha256,
  /// x-amz-security-token (when creds have a session token; x-amz-s3session-token instead for
  /// SessionTokenKind::kS3ExpressSession, and the other token header is removed), Authorization. Signs host, x-amz-*,
  /// content-type, content-md5, range and other headers present (not user-agent/expect/etc).
  /// payload_hash: hex SHA-256, kUnsignedPayload, a streaming constant, or empty = compute from req.body
  /// (reads the body via RequestBody::Read / Contiguous(); no body = empty-string hash).
  /// Errors: kCredentials when creds are empty; kInvalidArgument for an empty region;
  /// the body's read error when hashing it fails.
  Status SignHeaders(HttpRequest& req, const Credentials& creds, const std::string& region, SystemTime now,
                     std::string payload_hash = {}) const;

  /// Presigned URL: adds X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
  /// X-Amz-SignedHeaders(=host), X-Amz-Security-Token (X-Amz-S3session-Token for kS3ExpressSession),
  /// X-Amz-Signature to req.query; payload UNSIGNED-PAYLOAD.
  /// expires must be 1..604800 s (else InvalidArgument). After the call req.Url() is the URL.
  /// Any X-Amz-* signing parameters already in req.query are replaced.
  Status Presign(HttpRequest& req, const Credentials& creds, const std::string& region, SystemTime now,
                 std::chrono::seconds expires) const;

  // Primitives, also used by the mock server's verifier:

  /// Sorted by encoded name then encoded value; names/values URI-encoded (UriEncode, '/' encoded); `k=` for empty values.
  static std::string CanonicalQueryString(const std::vector<std::pair<std::string, std::string>>& raw_query);
  /// headers: (name, value) pairs as received; lower-cases names, trims and collapses inner spaces of values,
  /// joins repeated headers with ','; signed_headers: lower-case names in order, ';'-joined in output.
  /// A signed header absent from `headers` is canonicalised with an empty value.
  static std::string CanonicalRequest(const std::string& method, const std::string& canonical_uri,
                                      const std::string& canonical_query, const Headers& headers,
                                      const std::vector<std::string>& signed_headers, const std::string& payload_hash);
  /// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256(canonical_request)>".
  static std::string StringToSign(const std::string& amz_date, const std::string& scope,
                                  const std::string& canonical_request);
  /// scope = date/region/service/aws4_request
  static std::string Scope(const std::string& date_stamp, const std::string& region, const std::string& service);
  /// Hex signature using the cached signing key for (secret, date, region, service).
  std::string Signature(const std::string& secret, const std::string& date_stamp, const std::string& region,
                        const std::string& service, const std::string& string_to_sign) const;
  /// Signing key (raw 32 bytes) — cached per (date, region, service, secret key); small bounded cache.
  std::string SigningKey(const std::string& secret, const std::string& date_stamp, const std::string& region,
                         const std::string& service) const;
  /// aws-chunked: signature of one chunk (for STREAMING-AWS4-HMAC-SHA256-PAYLOAD):
  /// string to sign "AWS4-HMAC-SHA256-PAYLOAD\n<amz_date>\n<scope>\n<prev_sig>\n<sha256("")>\n<sha256(chunk)>".
  /// The date stamp and service used for the signing key are taken from `scope`.
  std::string ChunkSignature(const std::string& secret, const std::string& amz_date, const std::string& scope,
                             const std::string& region, const std::string& previous_signature,
                             std::string_view chunk) const;

  /// The lower-case names of the headers of `headers` that SignHeaders would sign, sorted.
  static std::vector<std::string> HeadersToSign(const Headers& headers);

  /// Number of signing keys currently cached (for tests and diagnostics).
  std::size_t CachedKeyCount() const;
  /// Number of signing keys derived so far (cache misses; for tests and diagnostics).
  std::size_t KeyDerivations() const;

  /// Maximum number of signing keys kept (least recently used are evicted).
  static constexpr std::size_t kMaxCachedKeys = 16;

 private:
  std::string service_;
  SessionTokenKind token_kind_ = SessionTokenKind::kSecurityToken;

  mutable std::mutex mu_;  // guards the fields below
  mutable std::list<std::pair<std::string, std::string>> lru_;  // (cache key, signing key), most recent first
  mutable std::unordered_map<std::string, std::list<std::pair<std::string, std::string>>::iterator> index_;
  mutable std::size_t derivations_ = 0;
};

}  // namespace s3ml
