// sigv4_tool: signs requests read as JSON lines on stdin and prints one JSON line
// per request. The C++ half of tests/interop/test_sigv4_botocore.py.
//
// Input fields (all optional except where noted):
//   id              echoed back
//   mode            "header" (default) or "presign"
//   method          default "GET"
//   scheme          default "http"
//   host            required
//   port            default 0 (the scheme's default)
//   path            the encoded path, used as is; or
//   bucket, key     raw bucket and key: path = "/" [bucket "/"] UriEncode(key, '/' kept)
//   query           [[name, value], ...] raw (unencoded)
//   headers         [[name, value], ...] as sent
//   body            request body (UTF-8 text)
//   payload_hash    passed to SignHeaders (empty = hash the body)
//   access_key, secret_key (required), token, region (required)
//   amz_date        signing time, e.g. 20130524T000000Z (required)
//   expires         presign expiry in seconds (default 3600)
//   service         signing service (default "s3"); "s3express" for directory buckets
//   s3express_token true: the token goes in x-amz-s3session-token / X-Amz-S3session-Token
// Output: {"id", "ok", "error"?, "path", "url", "authorization"?, "headers"?, "canonical_request"?}
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "auth/signer.h"
#include "common/uri.h"

namespace {

using nlohmann::json;

json SignOne(const s3ml::SigV4Signer& default_signer, const json& in) {
  json out;
  if (in.contains("id")) out["id"] = in["id"];
  s3ml::HttpRequest req;
  req.method = in.value("method", "GET");
  req.scheme = in.value("scheme", "http");
  req.host = in.at("host").get<std::string>();
  req.port = in.value("port", 0);
  if (in.contains("path")) {
    req.path = in["path"].get<std::string>();
  } else {
    std::string bucket = in.value("bucket", "");
    req.path = "/" + (bucket.empty() ? std::string() : bucket + "/") +
               s3ml::UriEncode(in.value("key", ""), /*encode_slash=*/false);
  }
  for (const auto& kv : in.value("query", json::array()))
    req.query.emplace_back(kv.at(0).get<std::string>(), kv.at(1).get<std::string>());
  for (const auto& kv : in.value("headers", json::array()))
    req.headers.Add(kv.at(0).get<std::string>(), kv.at(1).get<std::string>());
  if (in.contains("body")) req.body = s3ml::MemoryBody(in["body"].get<std::string>());

  s3ml::Credentials creds;
  creds.access_key_id = in.at("access_key").get<std::string>();
  creds.secret_access_key = in.at("secret_key").get<std::string>();
  creds.session_token = in.value("token", "");
  const std::string region = in.at("region").get<std::string>();
  auto when = s3ml::ParseAmzDate(in.at("amz_date").get<std::string>());
  if (!when.ok()) {
    out["ok"] = false;
    out["error"] = when.status().ToString();
    return out;
  }

  s3ml::Status st;
  const std::string mode = in.value("mode", "header");
  // S3 Express: a signer for another service / token placement, made for this request.
  std::unique_ptr<s3ml::SigV4Signer> custom;
  if (in.value("service", "s3") != "s3" || in.value("s3express_token", false)) {
    custom = std::make_unique<s3ml::SigV4Signer>(in.value("service", "s3"),
                                                 in.value("s3express_token", false)
                                                     ? s3ml::SessionTokenKind::kS3ExpressSession
                                                     : s3ml::SessionTokenKind::kSecurityToken);
  }
  const s3ml::SigV4Signer& signer = custom ? *custom : default_signer;
  if (mode == "presign") {
    st = signer.Presign(req, creds, region, *when, std::chrono::seconds(in.value("expires", 3600)));
  } else if (mode == "header") {
    st = signer.SignHeaders(req, creds, region, *when, in.value("payload_hash", ""));
  } else {
    st = s3ml::Status::InvalidArgument("unknown mode '" + mode + "' (expected header or presign)");
  }
  out["ok"] = st.ok();
  if (!st.ok()) {
    out["error"] = st.ToString();
    return out;
  }
  out["path"] = req.path;
  out["url"] = req.Url();
  if (mode == "header") {
    out["authorization"] = req.headers.Get("Authorization");
    json headers = json::array();
    for (const auto& [n, v] : req.headers) headers.push_back({n, v});
    out["headers"] = headers;
    out["canonical_request"] = s3ml::SigV4Signer::CanonicalRequest(
        req.method, req.path, s3ml::SigV4Signer::CanonicalQueryString(req.query), req.headers,
        s3ml::SigV4Signer::HeadersToSign(req.headers), req.headers.Get("x-amz-content-sha256"));
  }
  return out;
}

}  // namespace

int main() {
  s3ml::SigV4Signer signer;
  std::string line;
  int failures = 0;
  while (std::getline(std::cin, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json out;
    try {
      out = SignOne(signer, json::parse(line));
    } catch (const std::exception& e) {
      out = {{"ok", false}, {"error", std::string("bad input line: ") + e.what()}};
    }
    if (!out.value("ok", false)) ++failures;
    // error_handler::replace: invalid UTF-8 in a key is echoed with U+FFFD instead of throwing.
    std::cout << out.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
  }
  std::cout.flush();
  return failures == 0 ? 0 : 1;
}
