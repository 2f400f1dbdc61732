#include "mock/verifier.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "common/crypto.h"
#include "mock/checksums.h"
#include "common/uri.h"
#include <map>

namespace s3ml::mock {

namespace {

bool SameSignature(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool IsHexSha256(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

std::string SpacedHex(const std::string& s) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if (!out.empty()) out += ' ';
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) break;
    start = p + 1;
  }
  return out;
}

std::string Trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  auto e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

const std::string* FindParam(const std::vector<std::pair<std::string, std::string>>& q, const char* name) {
  for (const auto& [k, v] : q)
    if (k == name) return &v;
  return nullptr;
}

struct Credential {
  std::string access_key, date, region, service, terminator;
};

bool ParseCredential(const std::string& text, Credential& out) {
  auto parts = Split(text, '/');
  if (parts.size() != 5) return false;
  out = Credential{parts[0], parts[1], parts[2], parts[3], parts[4]};
  return true;
}

S3Error SkewError(const std::string& request_time, SystemTime now, std::chrono::seconds max_skew) {
  return S3Error(403, "RequestTimeTooSkewed",
                 "The difference between the request time and the current time is too large.")
      .With("RequestTime", request_time)
      .With("ServerTime", FormatIso8601(now))
      .With("MaxAllowedSkewMilliseconds", std::to_string(max_skew.count() * 1000));
}

}  // namespace

Verifier::Verifier(VerifierConfig config) : config_(std::move(config)), signer_("s3") {}

Expected<std::string> Verifier::SecretFor(const std::string& access_key, const VerifyInput& in) const {
  if (access_key == config_.access_key) return config_.secret_key;
  if (session_lookup_) {
    if (auto secret = session_lookup_(access_key)) return *secret;
  }
  // A session key we never issued (or forgot): S3 Express calls the token invalid.
  if (in.headers.Find(kS3SessionTokenHeader) || FindParam(in.query, kS3SessionTokenQuery))
    return S3Error(400, "InvalidToken", "The provided token is malformed or otherwise invalid.");
  return S3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
      .With("AWSAccessKeyId", access_key);
}

S3Error Verifier::Mismatch(const std::string& canonical_request, const std::string& string_to_sign,
                           const std::string& provided) const {
  return S3Error(403, "SignatureDoesNotMatch",
                 "The request signature we calculated does not match the signature you provided. Check your key and "
                 "signing method.")
      .With("AWSAccessKeyId", config_.access_key)
      .With("StringToSign", string_to_sign)
      .With("SignatureProvided", provided)
      .With("StringToSignBytes", SpacedHex(string_to_sign))
      .With("CanonicalRequest", canonical_request)
      .With("CanonicalRequestBytes", SpacedHex(canonical_request));
}

Expected<AuthInfo> Verifier::Verify(const VerifyInput& in, SystemTime now) const {
  const std::string* authorization = in.headers.Find("Authorization");
  const bool presigned = FindParam(in.query, "X-Amz-Signature") || FindParam(in.query, "X-Amz-Credential") ||
                         FindParam(in.query, "X-Amz-Algorithm");
  const bool presigned_v2 = FindParam(in.query, "AWSAccessKeyId") && FindParam(in.query, "Signature");
  const bool header_v2 = authorization && authorization->rfind("AWS ", 0) == 0;
  if (!config_.verify_signatures) {
    AuthInfo info;
    info.mode = authorization ? AuthInfo::Mode::kHeader : presigned ? AuthInfo::Mode::kPresigned : AuthInfo::Mode::kAnonymous;
    return info;
  }
  if (header_v2) return VerifyV2(in, authorization, now);
  if (authorization) return VerifyHeader(in, *authorization, now);
  if (presigned) return VerifyPresigned(in, now);
  if (presigned_v2) return VerifyV2(in, nullptr, now);
  if (config_.allow_anonymous) return AuthInfo{};
  return AccessDenied("Access Denied (the request carries no Authorization header and no presigned query parameters)");
}

Expected<AuthInfo> Verifier::VerifyHeader(const VerifyInput& in, const std::string& authorization,
                                          SystemTime now) const {
  auto malformed = [&](const std::string& why) {
    return S3Error(400, "AuthorizationHeaderMalformed", "The authorization header is malformed; " + why);
  };
  const std::string algo_prefix = std::string(kSigV4Algorithm) + " ";
  if (authorization.compare(0, algo_prefix.size(), algo_prefix) != 0)
    return malformed("the authorization header requires the AWS4-HMAC-SHA256 algorithm");
  std::string credential_text, signed_headers_text, signature;
  for (const auto& raw : Split(authorization.substr(algo_prefix.size()), ',')) {
    std::string part = Trim(raw);
    auto eq = part.find('=');
    if (eq == std::string::npos) continue;
    std::string name = part.substr(0, eq), value = part.substr(eq + 1);
    if (name == "Credential") credential_text = value;
    else if (name == "SignedHeaders") signed_headers_text = value;
    else if (name == "Signature") signature = value;
  }
  if (credential_text.empty() || signed_headers_text.empty() || signature.empty())
    return malformed("it must contain Credential, SignedHeaders and Signature");
  Credential cred;
  if (!ParseCredential(credential_text, cred))
    return malformed("the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
  auto secret = SecretFor(cred.access_key, in);
  if (!secret.ok()) return secret.error();
  if (cred.region != config_.region)
    return malformed("the region '" + cred.region + "' is wrong; expecting '" + config_.region + "'")
        .With("Region", config_.region);
  if (cred.service != "s3" && cred.service != "s3express")
    return malformed("incorrect service \"" + cred.service + "\". This endpoint belongs to \"s3\".");
  if (cred.terminator != "aws4_request")
    return malformed("incorrect terminal \"" + cred.terminator + "\". This endpoint uses \"aws4_request\".");

  // Request time: x-amz-date, else Date.
  std::string amz_date;
  if (const std::string* xd = in.headers.Find("x-amz-date")) {
    auto t = ParseAmzDate(*xd);
    if (!t.ok()) return AccessDenied("AWS authentication requires a valid Date or x-amz-date header");
    amz_date = *xd;
    if (now > *t + config_.max_skew || *t > now + config_.max_skew) return SkewError(*xd, now, config_.max_skew);
  } else if (const std::string* d = in.headers.Find("Date")) {
    auto t = ParseHttpDate(*d);
    if (!t.ok()) return AccessDenied("AWS authentication requires a valid Date or x-amz-date header");
    amz_date = FormatAmzDate(*t);
    if (now > *t + config_.max_skew || *t > now + config_.max_skew) return SkewError(*d, now, config_.max_skew);
  } else {
    return AccessDenied("AWS authentication requires a valid Date or x-amz-date header");
  }
  if (cred.date != amz_date.substr(0, 8))
    return malformed("Invalid credential date \"" + cred.date + "\". This date is not the same as X-Amz-Date: \"" +
                     amz_date.substr(0, 8) + "\".");

  const std::string* content_sha = in.headers.Find("x-amz-content-sha256");
  if (!content_sha) return InvalidRequest("Missing required header for this request: x-amz-content-sha256");
  const std::string& payload_hash = *content_sha;
  if (!IsHexSha256(payload_hash) && payload_hash != kUnsignedPayload && payload_hash.rfind("STREAMING-", 0) != 0)
    return InvalidArgument("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
                           "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid "
                           "sha256 value.",
                           "x-amz-content-sha256", payload_hash);

  const std::vector<std::string> signed_headers = Split(signed_headers_text, ';');
  if (std::find(signed_headers.begin(), signed_headers.end(), "host") == signed_headers.end())
    return malformed("SignedHeaders must include 'host'");
  const std::string scope = SigV4Signer::Scope(cred.date, cred.region, cred.service);
  const std::string canonical = SigV4Signer::CanonicalRequest(
      in.method, in.raw_path, SigV4Signer::CanonicalQueryString(in.query), in.headers, signed_headers, payload_hash);
  const std::string sts = SigV4Signer::StringToSign(amz_date, scope, canonical);
  const std::string expected = signer_.Signature(*secret, cred.date, cred.region, cred.service, sts);
  if (!SameSignature(expected, signature)) return Mismatch(canonical, sts, signature);

  AuthInfo info;
  info.mode = AuthInfo::Mode::kHeader;
  info.verified = true;
  info.access_key = cred.access_key;
  info.service = cred.service;
  info.secret_key = *secret;
  info.amz_date = amz_date;
  info.scope = scope;
  info.signature = signature;
  return info;
}

Expected<AuthInfo> Verifier::VerifyPresigned(const VerifyInput& in, SystemTime now) const {
  auto query_error = [](const std::string& message) {
    return S3Error(400, "AuthorizationQueryParametersError", message);
  };
  const std::string* algorithm = FindParam(in.query, "X-Amz-Algorithm");
  const std::string* credential_text = FindParam(in.query, "X-Amz-Credential");
  const std::string* date = FindParam(in.query, "X-Amz-Date");
  const std::string* expires_text = FindParam(in.query, "X-Amz-Expires");
  const std::string* signed_headers_text = FindParam(in.query, "X-Amz-SignedHeaders");
  const std::string* signature = FindParam(in.query, "X-Amz-Signature");
  if (!algorithm || !credential_text || !date || !expires_text || !signed_headers_text || !signature)
    return query_error(
        "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, "
        "X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
  if (*algorithm != kSigV4Algorithm)
    return query_error("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  Credential cred;
  if (!ParseCredential(*credential_text, cred))
    return query_error("Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "
                       "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
  auto secret = SecretFor(cred.access_key, in);
  if (!secret.ok()) return secret.error();
  if (cred.region != config_.region)
    return query_error("Error parsing the X-Amz-Credential parameter; the region '" + cred.region +
                       "' is wrong; expecting '" + config_.region + "'")
        .With("Region", config_.region);
  if ((cred.service != "s3" && cred.service != "s3express") || cred.terminator != "aws4_request")
    return query_error("Error parsing the X-Amz-Credential parameter; incorrect service or terminal");
  auto t = ParseAmzDate(*date);
  if (!t.ok()) return query_error("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  if (cred.date != date->substr(0, 8))
    return query_error("Error parsing the X-Amz-Credential parameter; Invalid credential date. Date is not the same "
                       "as X-Amz-Date.");
  char* end = nullptr;
  const long long expires = std::strtoll(expires_text->c_str(), &end, 10);
  if (expires_text->empty() || *end != '\0' || expires < 0)
    return query_error("X-Amz-Expires should be a number");
  if (expires > 604800)
    return query_error("X-Amz-Expires must be less than a week (in seconds) that is 604800");
  if (*t > now + config_.max_skew) return AccessDenied("Request is not valid yet");
  const SystemTime expiry = *t + std::chrono::seconds(expires);
  if (now > expiry)
    return AccessDenied("Request has expired")
        .With("X-Amz-Expires", *expires_text)
        .With("Expires", FormatIso8601(expiry))
        .With("ServerTime", FormatIso8601(now));

  std::vector<std::pair<std::string, std::string>> canonical_query;
  for (const auto& kv : in.query)
    if (kv.first != "X-Amz-Signature") canonical_query.push_back(kv);
  const std::vector<std::string> signed_headers = Split(*signed_headers_text, ';');
  const std::string* content_sha = in.headers.Find("x-amz-content-sha256");
  const std::string payload_hash = content_sha ? *content_sha : std::string(kUnsignedPayload);
  const std::string scope = SigV4Signer::Scope(cred.date, cred.region, cred.service);
  const std::string canonical =
      SigV4Signer::CanonicalRequest(in.method, in.raw_path, SigV4Signer::CanonicalQueryString(canonical_query),
                                    in.headers, signed_headers, payload_hash);
  const std::string sts = SigV4Signer::StringToSign(*date, scope, canonical);
  const std::string expected = signer_.Signature(*secret, cred.date, cred.region, cred.service, sts);
  if (!SameSignature(expected, *signature)) return Mismatch(canonical, sts, *signature);

  AuthInfo info;
  info.mode = AuthInfo::Mode::kPresigned;
  info.verified = true;
  info.access_key = cred.access_key;
  info.service = cred.service;
  info.secret_key = *secret;
  info.amz_date = *date;
  info.scope = scope;
  info.signature = *signature;
  return info;
}

Expected<AuthInfo> Verifier::VerifyV2(const VerifyInput& in, const std::string* authorization, SystemTime now) const {
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html
  std::string access_key, signature, date_slot;
  // Headers as signed: in query mode, x-amz-*, Content-MD5 and Content-Type may travel as parameters.
  Headers signed_headers = in.headers;
  if (authorization) {
    const std::string creds = authorization->substr(4);
    auto colon = creds.rfind(':');
    if (colon == std::string::npos)
      return InvalidArgument("Authorization header is invalid -- one and only one ' ' (space) required",
                             "Authorization", *authorization);
    access_key = creds.substr(0, colon);
    signature = creds.substr(colon + 1);
    const std::string* xdate = in.headers.Find("x-amz-date");
    const std::string* date = in.headers.Find("Date");
    if (!xdate && !date) return AccessDenied("AWS authentication requires a valid Date or x-amz-date header");
    auto t = ParseHttpDate(xdate ? *xdate : *date);
    if (!t.ok()) return AccessDenied("AWS authentication requires a valid Date or x-amz-date header");
    if (now > *t + config_.max_skew || *t > now + config_.max_skew)
      return SkewError(xdate ? *xdate : *date, now, config_.max_skew);
    date_slot = (xdate || !date) ? std::string() : *date;
  } else {
    access_key = *FindParam(in.query, "AWSAccessKeyId");
    signature = *FindParam(in.query, "Signature");
    const std::string* expires = FindParam(in.query, "Expires");
    char* end = nullptr;
    errno = 0;
    const long long epoch = expires ? std::strtoll(expires->c_str(), &end, 10) : -1;
    if (!expires || expires->empty() || *end != '\0' || epoch < 0)
      return AccessDenied("Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters");
    // Range-checked before it becomes a time: seconds past 2262 overflow SystemTime.
    auto expiry_time = FromUnixSeconds(epoch);
    if (errno == ERANGE || !expiry_time.ok())
      return AccessDenied("Invalid date (should be seconds since epoch): " + *expires).With("Expires", *expires);
    const SystemTime expiry = *expiry_time;
    if (now > expiry)
      return AccessDenied("Request has expired")
          .With("Expires", FormatIso8601(expiry))
          .With("ServerTime", FormatIso8601(now));
    date_slot = *expires;
    for (const auto& [k, v] : in.query) {
      const std::string lk = ToLower(k);
      if (lk.rfind("x-amz-", 0) == 0 || lk == "content-md5" || lk == "content-type") signed_headers.Set(lk, v);
    }
  }
  if (access_key != config_.access_key)
    return S3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
        .With("AWSAccessKeyId", access_key);

  static const char* const kSubresources[] = {
      "accelerate", "acl", "cors", "defaultObjectAcl", "location", "logging", "partNumber", "policy",
      "requestPayment", "torrent", "versioning", "versionId", "versions", "website", "uploads", "uploadId",
      "response-content-type", "response-content-language", "response-expires", "response-cache-control",
      "response-content-disposition", "response-content-encoding", "delete", "lifecycle", "tagging", "restore",
      "storageClass", "notification", "replication", "analytics", "metrics", "inventory", "select", "select-type",
      "object-lock"};
  std::string sts = in.method + "\n" + signed_headers.Get("Content-MD5") + "\n" + signed_headers.Get("Content-Type") +
                    "\n" + date_slot + "\n";
  std::map<std::string, std::string> amz;
  for (const auto& [name, value] : signed_headers) {
    const std::string lname = ToLower(name);
    if (lname.rfind("x-amz-", 0) != 0) continue;
    auto [it, inserted] = amz.emplace(lname, Trim(value));
    if (!inserted) it->second += "," + Trim(value);
  }
  for (const auto& [name, value] : amz) sts += name + ":" + value + "\n";
  std::string resource = in.virtual_bucket.empty() ? in.raw_path : "/" + in.virtual_bucket + in.raw_path;
  std::vector<std::pair<std::string, std::string>> subresources;
  for (const auto& item : Split(in.raw_query, '&')) {
    auto eq = item.find('=');
    const std::string name = item.substr(0, eq);
    if (std::find(std::begin(kSubresources), std::end(kSubresources), name) == std::end(kSubresources)) continue;
    if (eq == std::string::npos) {
      subresources.emplace_back(name, std::string());
    } else {
      auto value = UriDecode(item.substr(eq + 1));
      subresources.emplace_back(name, "=" + (value.ok() ? *value : item.substr(eq + 1)));
    }
  }
  std::stable_sort(subresources.begin(), subresources.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string query_part;
  for (std::size_t i = 0; i < subresources.size(); ++i)
    query_part += (i ? "&" : "?") + subresources[i].first + subresources[i].second;

  auto sign = [&](const std::string& string_to_sign) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(EVP_sha1(), config_.secret_key.data(), static_cast<int>(config_.secret_key.size()),
         reinterpret_cast<const unsigned char*>(string_to_sign.data()), string_to_sign.size(), mac, &mac_len);
    return Base64Encode(std::string_view(reinterpret_cast<const char*>(mac), mac_len));
  };
  const std::string head = sts;
  sts = head + resource + query_part;
  bool match = SameSignature(sign(sts), signature);
  // A bucket resource is "/bucket" path-style but "/bucket/" virtual-hosted, and
  // clients (botocore among them) sign "/bucket/" either way: accept both.
  const bool bucket_only = resource.size() > 1 && resource.find('/', 1) == std::string::npos;
  if (!match && bucket_only && SameSignature(sign(head + resource + "/" + query_part), signature)) match = true;
  if (!match)
    return S3Error(403, "SignatureDoesNotMatch",
                   "The request signature we calculated does not match the signature you provided. Check your key "
                   "and signing method.")
        .With("AWSAccessKeyId", access_key)
        .With("StringToSign", sts)
        .With("SignatureProvided", signature)
        .With("StringToSignBytes", SpacedHex(sts));
  AuthInfo info;
  info.mode = authorization ? AuthInfo::Mode::kHeaderV2 : AuthInfo::Mode::kPresignedV2;
  info.verified = true;
  return info;
}

Expected<std::string> Verifier::DecodeBody(const AuthInfo& auth, const Headers& headers, std::string body,
                                           std::vector<std::pair<std::string, std::string>>* trailers) const {
  const std::string content_sha = headers.Get("x-amz-content-sha256");
  bool aws_chunked = false;  // Content-Encoding lists aws-chunked
  for (const auto& token : Split(headers.Get("Content-Encoding"), ','))
    if (ToLower(Trim(token)) == "aws-chunked") aws_chunked = true;
  if (IsHexSha256(content_sha)) {
    if (auth.verified) {
      const std::string computed = HexEncode(Sha256(body));
      if (ToLower(content_sha) != computed)
        return S3Error(400, "XAmzContentSHA256Mismatch",
                       "The provided 'x-amz-content-sha256' header does not match what was computed.")
            .With("ClientComputedContentSHA256", content_sha)
            .With("S3ComputedContentSHA256", computed);
    }
    if (!aws_chunked) return body;
  } else if (content_sha.rfind("STREAMING-", 0) != 0 && !aws_chunked) {
    return body;
  }

  const bool signed_chunks = content_sha == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" ||
                             content_sha == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
  const bool signed_trailer = content_sha == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
  // aws-chunked framing with a hashed or unsigned payload: chunks carry no signatures.
  if (content_sha.rfind("STREAMING-", 0) == 0 && !signed_chunks && content_sha != kStreamingUnsignedTrailer)
    return InvalidArgument("Unsupported x-amz-content-sha256 value", "x-amz-content-sha256", content_sha);
  if (signed_chunks && auth.verified && auth.mode != AuthInfo::Mode::kHeader)
    return InvalidRequest("Streaming signed payloads require Authorization-header signing");

  ChunkedDecodeOptions opts;
  if (signed_chunks && auth.verified) {
    opts.verify_chunk_signatures = true;
    opts.seed_signature = auth.signature;
    opts.chunk_signer = [this, &auth](const std::string& prev, std::string_view chunk) {
      return signer_.ChunkSignature(auth.secret_key.empty() ? config_.secret_key : auth.secret_key, auth.amz_date,
                                    auth.scope, config_.region, prev, chunk);
    };
    opts.verify_trailer_signature = signed_trailer;
    opts.trailer_signer = [this, &auth](const std::string& prev, const std::string& canonical_trailers) {
      const std::string date_stamp = auth.scope.substr(0, 8);
      const std::string sts = "AWS4-HMAC-SHA256-TRAILER\n" + auth.amz_date + "\n" + auth.scope + "\n" + prev + "\n" +
                              HexEncode(Sha256(canonical_trailers));
      const std::string service = auth.service.empty() ? std::string("s3") : auth.service;
      return signer_.Signature(auth.secret_key.empty() ? config_.secret_key : auth.secret_key, date_stamp,
                               config_.region, service, sts);
    };
  }
  auto decoded = DecodeAwsChunked(body, opts);
  if (!decoded.ok()) return decoded.error();

  if (const std::string* declared = headers.Find("x-amz-decoded-content-length")) {
    if (*declared != std::to_string(decoded->payload.size()))
      return S3Error(400, "IncompleteBody",
                     "You did not provide the number of bytes specified by the x-amz-decoded-content-length header "
                     "(declared " + *declared + ", received " + std::to_string(decoded->payload.size()) + ")");
  }
  // Every declared trailer must be present; checksum trailers must match.
  if (const std::string* declared = headers.Find("x-amz-trailer")) {
    for (const auto& raw : Split(*declared, ',')) {
      const std::string name = ToLower(Trim(raw));
      if (name.empty()) continue;
      bool found = std::any_of(decoded->trailers.begin(), decoded->trailers.end(),
                               [&](const auto& kv) { return kv.first == name; });
      if (!found)
        return S3Error(400, "MalformedTrailerError",
                       "The request contained trailing data that was not well-formed or did not conform to our "
                       "published schema: the declared trailer '" + name + "' is missing.");
    }
  }
  for (const auto& [name, value] : decoded->trailers) {
    constexpr std::string_view kPrefix = "x-amz-checksum-";
    if (name.compare(0, kPrefix.size(), kPrefix) != 0) continue;
    const std::string algorithm = name.substr(kPrefix.size());
    auto computed = ComputeChecksum(algorithm, decoded->payload);
    if (!computed) return InvalidRequest("Unsupported checksum algorithm in trailer: " + name);
    if (*computed != value)
      return S3Error(400, "BadDigest",
                     "The " + ChecksumDisplayName(algorithm) + " you specified did not match the calculated checksum.");
  }
  if (trailers) *trailers = decoded->trailers;
  return std::move(decoded->payload);
}

Expected<std::vector<std::pair<std::string, std::string>>> VerifyIntegrityHeaders(const Headers& headers,
                                                                                  std::string_view payload) {
  std::vector<std::pair<std::string, std::string>> supplied;
  if (const std::string* md5 = headers.Find("Content-MD5")) {
    auto raw = Base64Decode(*md5);
    if (!raw.ok() || raw->size() != 16)
      return S3Error(400, "InvalidDigest", "The Content-MD5 you specified was not valid.").With("Content-MD5", *md5);
    const std::string computed = Base64Encode(Md5(payload));
    if (computed != *md5)
      return S3Error(400, "BadDigest", "The Content-MD5 you specified did not match what we received.")
          .With("ExpectedDigest", *md5)
          .With("CalculatedDigest", computed);
  }
  for (const auto& [name, value] : headers) {
    const std::string lname = ToLower(name);
    constexpr std::string_view kPrefix = "x-amz-checksum-";
    if (lname.compare(0, kPrefix.size(), kPrefix) != 0 || lname == "x-amz-checksum-mode" ||
        lname == "x-amz-checksum-type" || lname == "x-amz-checksum-algorithm")
      continue;
    const std::string algorithm = lname.substr(kPrefix.size());
    auto computed = ComputeChecksum(algorithm, payload);
    if (!computed) return InvalidRequest("Unsupported checksum header: " + name);
    auto decoded = Base64Decode(value);
    if (!decoded.ok() || Base64Encode(*decoded) != value)
      return InvalidRequest("Value for " + lname + " header is invalid.");
    if (*computed != value)
      return S3Error(400, "BadDigest",
                     "The " + ChecksumDisplayName(algorithm) + " you specified did not match the calculated checksum.");
    supplied.emplace_back(algorithm, value);
  }
  return supplied;
}

}  // namespace s3ml::mock
