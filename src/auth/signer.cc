#include "auth/signer.h"

#include <algorithm>
#include <array>

#include "common/crypto.h"
#include "common/uri.h"

namespace s3ml {

namespace {

// Hop-by-hop and client-controlled headers that proxies or the HTTP library may
// change or drop; signing them would break the signature in transit. Same list
// as botocore's SIGNED_HEADERS_BLACKLIST, plus authorization itself.
constexpr std::array<const char*, 12> kUnsignableHeaders = {
    "authorization", "connection", "expect",  "keep-alive",        "proxy-authenticate", "proxy-authorization",
    "te",            "trailer",    "transfer-encoding", "upgrade", "user-agent",         "x-amzn-trace-id"};

bool IsUnsignable(const std::string& lower_name) {
  return std::any_of(kUnsignableHeaders.begin(), kUnsignableHeaders.end(),
                     [&](const char* h) { return lower_name == h; });
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

// SigV4 "Trimall": strip leading/trailing whitespace, collapse inner runs to one space.
std::string TrimAll(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  bool pending_space = false;
  for (char c : v) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

std::string Join(const std::vector<std::string>& parts, char sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

std::string HexSha256(std::string_view data) { return HexEncode(Sha256(data)); }

Result<std::string> HashBody(RequestBody& body) {
  if (auto whole = body.Contiguous()) return HexSha256(*whole);
  Hasher hasher(Hasher::Kind::kSha256);
  S3ML_RETURN_IF_ERROR(ForEachBodyChunk(
      body, [&](std::string_view chunk) { hasher.Update(chunk.data(), chunk.size()); }, "computing its SHA-256"));
  return HexEncode(hasher.Final());
}

bool IsPresignParam(const std::string& name) {
  static const char* const kNames[] = {"X-Amz-Algorithm",     "X-Amz-Credential",     "X-Amz-Date",
                                       "X-Amz-Expires",       "X-Amz-SignedHeaders",  "X-Amz-Security-Token",
                                       "X-Amz-Signature",     kS3SessionTokenQuery};
  return std::any_of(std::begin(kNames), std::end(kNames), [&](const char* n) { return EqualsIgnoreCase(name, n); });
}

Status CheckInputs(const Credentials& creds, const std::string& region) {
  if (creds.empty())
    return Status(ErrorCategory::kCredentials, "cannot sign request: credentials" +
                                                   (creds.source.empty() ? std::string() : " from " + creds.source) +
                                                   " lack an access key id or secret access key");
  if (region.empty()) return Status::InvalidArgument("cannot sign request: region is empty");
  return Status::Ok();
}

}  // namespace

SigV4Signer::SigV4Signer(std::string service, SessionTokenKind token_kind)
    : service_(std::move(service)), token_kind_(token_kind) {}

std::string SigV4Signer::CanonicalQueryString(const std::vector<std::pair<std::string, std::string>>& raw_query) {
  std::vector<std::pair<std::string, std::string>> enc;
  enc.reserve(raw_query.size());
  for (const auto& [k, v] : raw_query) enc.emplace_back(UriEncode(k, true), UriEncode(v, true));
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [k, v] : enc) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

std::string SigV4Signer::CanonicalRequest(const std::string& method, const std::string& canonical_uri,
                                          const std::string& canonical_query, const Headers& headers,
                                          const std::vector<std::string>& signed_headers,
                                          const std::string& payload_hash) {
  std::string out;
  out.reserve(256);
  out += method;
  out += '\n';
  out += canonical_uri.empty() ? std::string("/") : canonical_uri;
  out += '\n';
  out += canonical_query;
  out += '\n';
  for (const auto& name : signed_headers) {
    std::string lname = ToLower(name);
    out += lname;
    out += ':';
    bool first = true;
    for (const auto& [n, v] : headers) {
      if (!EqualsIgnoreCase(n, lname)) continue;
      if (!first) out += ',';
      out += TrimAll(v);
      first = false;
    }
    out += '\n';
  }
  out += '\n';
  std::vector<std::string> lowered;
  lowered.reserve(signed_headers.size());
  for (const auto& n : signed_headers) lowered.push_back(ToLower(n));
  out += Join(lowered, ';');
  out += '\n';
  out += payload_hash;
  return out;
}

std::string SigV4Signer::StringToSign(const std::string& amz_date, const std::string& scope,
                                      const std::string& canonical_request) {
  return std::string(kSigV4Algorithm) + "\n" + amz_date + "\n" + scope + "\n" + HexSha256(canonical_request);
}

std::string SigV4Signer::Scope(const std::string& date_stamp, const std::string& region,
                               const std::string& service) {
  return date_stamp + "/" + region + "/" + service + "/aws4_request";
}

std::string SigV4Signer::SigningKey(const std::string& secret, const std::string& date_stamp,
                                    const std::string& region, const std::string& service) const {
  // Length-prefixed parts: no separator can make two different tuples collide.
  std::string cache_key;
  for (const std::string* part : {&date_stamp, &region, &service, &secret}) {
    cache_key += std::to_string(part->size());
    cache_key += ':';
    cache_key += *part;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(cache_key);
    if (it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->second;
    }
  }
  // Derive outside the lock; a concurrent duplicate derivation is harmless.
  auto as_view = [](const Sha256Digest& d) {
    return std::string(reinterpret_cast<const char*>(d.data()), d.size());
  };
  std::string k = as_view(HmacSha256("AWS4" + secret, date_stamp));
  k = as_view(HmacSha256(k, region));
  k = as_view(HmacSha256(k, service));
  k = as_view(HmacSha256(k, "aws4_request"));

  std::lock_guard<std::mutex> lock(mu_);
  ++derivations_;
  auto it = index_.find(cache_key);
  if (it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return k;
  }
  lru_.emplace_front(cache_key, k);
  index_[cache_key] = lru_.begin();
  while (lru_.size() > kMaxCachedKeys) {
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
  return k;
}

std::size_t SigV4Signer::CachedKeyCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}

std::size_t SigV4Signer::KeyDerivations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return derivations_;
}

std::string SigV4Signer::Signature(const std::string& secret, const std::string& date_stamp,
                                   const std::string& region, const std::string& service,
                                   const std::string& string_to_sign) const {
  return HexEncode(HmacSha256(SigningKey(secret, date_stamp, region, service), string_to_sign));
}

std::string SigV4Signer::ChunkSignature(const std::string& secret, const std::string& amz_date,
                                        const std::string& scope, const std::string& region,
                                        const std::string& previous_signature, std::string_view chunk) const {
  // scope = date/region/service/aws4_request
  std::string date_stamp = scope.substr(0, scope.find('/'));
  std::string service = service_;
  auto p1 = scope.find('/');
  auto p2 = p1 == std::string::npos ? p1 : scope.find('/', p1 + 1);
  auto p3 = p2 == std::string::npos ? p2 : scope.find('/', p2 + 1);
  if (p2 != std::string::npos && p3 != std::string::npos) service = scope.substr(p2 + 1, p3 - p2 - 1);
  std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n" + amz_date + "\n" + scope + "\n" + previous_signature + "\n" +
                    kEmptySha256Hex + "\n" + HexSha256(chunk);
  return Signature(secret, date_stamp, region, service, sts);
}

std::vector<std::string> SigV4Signer::HeadersToSign(const Headers& headers) {
  std::vector<std::string> names;
  for (const auto& e : headers) {
    std::string lname = ToLower(e.first);
    if (lname.empty() || IsUnsignable(lname)) continue;
    names.push_back(std::move(lname));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

Status SigV4Signer::SignHeaders(HttpRequest& req, const Credentials& creds, const std::string& region,
                                SystemTime now, std::string payload_hash) const {
  S3ML_RETURN_IF_ERROR(CheckInputs(creds, region));
  if (payload_hash.empty()) {
    if (req.body) {
      S3ML_ASSIGN_OR_RETURN(payload_hash, HashBody(*req.body));
    } else {
      payload_hash = kEmptySha256Hex;
    }
  }
  const std::string amz_date = FormatAmzDate(now);
  const std::string date_stamp = amz_date.substr(0, 8);

  // A retried request is re-signed: drop what a previous attempt added.
  req.headers.Remove("Authorization");
  req.headers.Set("host", req.HostHeader());
  req.headers.Set("x-amz-date", amz_date);
  req.headers.Set("x-amz-content-sha256", payload_hash);
  const bool express = token_kind_ == SessionTokenKind::kS3ExpressSession;
  const char* token_header = express ? kS3SessionTokenHeader : "x-amz-security-token";
  req.headers.Remove(express ? "x-amz-security-token" : kS3SessionTokenHeader);
  if (!creds.session_token.empty()) {
    req.headers.Set(token_header, creds.session_token);
  } else {
    req.headers.Remove(token_header);
  }

  const std::vector<std::string> signed_headers = HeadersToSign(req.headers);
  const std::string scope = Scope(date_stamp, region, service_);
  const std::string canonical = CanonicalRequest(req.method, req.path, CanonicalQueryString(req.query),
                                                 req.headers, signed_headers, payload_hash);
  const std::string signature =
      Signature(creds.secret_access_key, date_stamp, region, service_, StringToSign(amz_date, scope, canonical));
  req.headers.Set("Authorization", std::string(kSigV4Algorithm) + " Credential=" + creds.access_key_id + "/" + scope +
                                       ", SignedHeaders=" + Join(signed_headers, ';') + ", Signature=" + signature);
  return Status::Ok();
}

Status SigV4Signer::Presign(HttpRequest& req, const Credentials& creds, const std::string& region, SystemTime now,
                            std::chrono::seconds expires) const {
  S3ML_RETURN_IF_ERROR(CheckInputs(creds, region));
  if (expires.count() < 1 || expires.count() > 604800)
    return Status::InvalidArgument("presigned URL expiry must be between 1 and 604800 seconds (7 days), got " +
                                   std::to_string(expires.count()));
  const std::string amz_date = FormatAmzDate(now);
  const std::string date_stamp = amz_date.substr(0, 8);
  const std::string scope = Scope(date_stamp, region, service_);

  req.query.erase(std::remove_if(req.query.begin(), req.query.end(),
                                 [](const auto& kv) { return IsPresignParam(kv.first); }),
                  req.query.end());
  req.query.emplace_back("X-Amz-Algorithm", kSigV4Algorithm);
  req.query.emplace_back("X-Amz-Credential", creds.access_key_id + "/" + scope);
  req.query.emplace_back("X-Amz-Date", amz_date);
  req.query.emplace_back("X-Amz-Expires", std::to_string(expires.count()));
  req.query.emplace_back("X-Amz-SignedHeaders", "host");
  if (!creds.session_token.empty())
    req.query.emplace_back(token_kind_ == SessionTokenKind::kS3ExpressSession ? kS3SessionTokenQuery
                                                                              : "X-Amz-Security-Token",
                           creds.session_token);

  Headers host_only;
  host_only.Set("host", req.HostHeader());
  const std::string canonical =
      CanonicalRequest(req.method, req.path, CanonicalQueryString(req.query), host_only, {"host"}, kUnsignedPayload);
  req.query.emplace_back("X-Amz-Signature", Signature(creds.secret_access_key, date_stamp, region, service_,
                                                      StringToSign(amz_date, scope, canonical)));
  return Status::Ok();
}

}  // namespace s3ml
