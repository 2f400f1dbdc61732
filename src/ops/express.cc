#include "ops/express.h"

#include "common/uri.h"
#include "ops/xml.h"

namespace s3ml::ops {

namespace {

bool HasSuffix(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

HttpRequest BuildCreateSession(const Target& t, const CreateSessionRequest& req) {
  HttpRequest r = NewRequest(t, "GET", req.bucket);
  r.query.emplace_back("session", "");
  r.headers.Set("x-amz-create-session-mode", SessionModeName(req.mode));
  return r;
}

Result<CreateSessionResult> ParseCreateSession(const HttpResponse& resp) {
  pugi::xml_document doc;
  S3ML_ASSIGN_OR_RETURN(pugi::xml_node root, ParseXmlDocument(resp.body.view(), "CreateSession",
                                                              "CreateSessionResult", resp.status, doc));
  pugi::xml_node c = root.child("Credentials");
  CreateSessionResult out;
  out.credentials.access_key_id = ChildText(c, "AccessKeyId");
  out.credentials.secret_access_key = ChildText(c, "SecretAccessKey");
  out.credentials.session_token = ChildText(c, "SessionToken");
  out.credentials.source = "s3express CreateSession";
  if (!c || out.credentials.empty() || out.credentials.session_token.empty())
    return ProtocolError("CreateSession", resp,
                         "the answer lacks Credentials/AccessKeyId, SecretAccessKey or SessionToken");
  if (c.child("Expiration")) {
    S3ML_ASSIGN_OR_RETURN(out.credentials.expiration, ChildTime(c, "Expiration", "CreateSession"));
  }
  if (const std::string* sse = resp.headers.Find("x-amz-server-side-encryption")) out.server_side_encryption = *sse;
  return out;
}

void AddDirectoryBucketConfiguration(HttpRequest& req, const std::string& bucket) {
  if (req.body && req.body->size() > 0) return;
  pugi::xml_document doc;
  pugi::xml_node cfg = doc.append_child("CreateBucketConfiguration");
  cfg.append_attribute("xmlns") = "http://s3.amazonaws.com/doc/2006-03-01/";
  pugi::xml_node loc = cfg.append_child("Location");
  loc.append_child("Type").text() = "AvailabilityZone";
  loc.append_child("Name").text() = DirectoryBucketZoneId(bucket).c_str();
  pugi::xml_node b = cfg.append_child("Bucket");
  b.append_child("DataRedundancy").text() = "SingleAvailabilityZone";
  b.append_child("Type").text() = "Directory";
  req.body = MemoryBody(SerializeXml(doc));
  req.headers.Set("Content-Type", "application/xml");
}

std::string BucketOfRequest(const Target& t, const HttpRequest& req) {
  const std::string host = ToLower(req.host);
  const std::string base = ToLower(t.endpoint.host);
  if (host != base) {
    // Virtual-hosted (under the configured endpoint) or an S3 Express zonal host.
    if (HasSuffix(host, "." + base)) return req.host.substr(0, host.size() - base.size() - 1);
    const std::size_t zonal = host.find(".s3express-");
    if (zonal != std::string::npos) return req.host.substr(0, zonal);
    return {};
  }
  std::string_view path = req.path;
  if (!t.endpoint.base_path.empty() && path.substr(0, t.endpoint.base_path.size()) == t.endpoint.base_path)
    path.remove_prefix(t.endpoint.base_path.size());
  if (path.empty() || path.front() != '/') return {};
  path.remove_prefix(1);
  std::string_view segment = path.substr(0, path.find('/'));
  auto decoded = UriDecode(segment);
  return decoded.ok() ? *decoded : std::string();
}

bool IsExpressControlOperation(std::string_view op) {
  // CreateBucket, DeleteBucket, Get/Put/DeleteBucketPolicy, ...Encryption, ...Lifecycle*:
  // every regional directory-bucket API has "Bucket" in its name; HeadBucket is zonal.
  return op == "ListBuckets" || op == "ListDirectoryBuckets" ||
         (op.find("Bucket") != std::string_view::npos && op != "HeadBucket");
}

bool IsDefaultAwsEndpoint(const Target& t, const std::string& region) {
  const std::string host = ToLower(t.endpoint.host);
  return t.endpoint.base_path.empty() && (host == "s3." + region + ".amazonaws.com" || host == "s3.amazonaws.com");
}

void ApplyExpressAwsEndpoint(HttpRequest& req, const Target& t, const std::string& bucket, const std::string& region,
                             bool control) {
  // The key (or "") is whatever follows the bucket in the request as built.
  std::string key_path;
  if (req.host == t.endpoint.host) {
    const std::string prefix = "/" + UriEncode(bucket, true);
    key_path = req.path.size() > prefix.size() ? req.path.substr(prefix.size()) : std::string("/");
  } else {
    key_path = req.path;
  }
  if (key_path.empty()) key_path = "/";
  req.scheme = "https";
  req.port = 0;
  if (control) {
    req.host = "s3express-control." + region + ".amazonaws.com";
    req.path = "/" + UriEncode(bucket, true) + (key_path == "/" ? std::string() : key_path);
  } else {
    req.host = bucket + ".s3express-" + DirectoryBucketZoneId(bucket) + "." + region + ".amazonaws.com";
    req.path = key_path;
  }
}

}  // namespace s3ml::ops
