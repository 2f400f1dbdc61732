#include "mock/router.h"

#include <algorithm>
#include <cctype>

#include "common/http_types.h"
#include "common/uri.h"

namespace s3ml::mock {

namespace {

S3Error InvalidUri(const std::string& what) {
  return S3Error(400, "InvalidURI", "Couldn't parse the specified URI: " + what);
}

// Strict UTF-8 (RFC 3629): no overlong forms, surrogates or code points past U+10FFFF.
bool IsValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    unsigned cp = 0, min = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

bool IsIpLiteral(const std::string& host) {
  if (host.find(':') != std::string::npos) return true;  // IPv6
  int dots = 0;
  for (char c : host) {
    if (c == '.') ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return dots == 3;
}

// Sub-resources that name an operation the mock does not implement (yet).
struct SubResource {
  const char* param;
  const char* get;
  const char* put;
  const char* del;
  const char* post;
};

// Bucket-level sub-resources.
constexpr SubResource kBucketSubresources[] = {
    {"versioning", op::kGetBucketVersioning, op::kPutBucketVersioning, nullptr, nullptr},
    {"session", op::kCreateSession, nullptr, nullptr, nullptr},  // S3 Express One Zone
    {"versions", op::kListObjectVersions, nullptr, nullptr, nullptr},
    {"uploads", op::kListMultipartUploads, nullptr, nullptr, nullptr},
    {"acl", op::kGetBucketAcl, op::kPutBucketAcl, nullptr, nullptr},
    {"policy", "GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy", nullptr},
    {"policyStatus", "GetBucketPolicyStatus", nullptr, nullptr, nullptr},
    {"tagging", op::kGetBucketTagging, op::kPutBucketTagging, op::kDeleteBucketTagging, nullptr},
    {"lifecycle", op::kGetBucketLifecycleConfiguration, op::kPutBucketLifecycleConfiguration,
     op::kDeleteBucketLifecycle, nullptr},
    {"cors", op::kGetBucketCors, op::kPutBucketCors, op::kDeleteBucketCors, nullptr},
    {"encryption", op::kGetBucketEncryption, op::kPutBucketEncryption, op::kDeleteBucketEncryption, nullptr},
    {"website", "GetBucketWebsite", "PutBucketWebsite", "DeleteBucketWebsite", nullptr},
    {"logging", "GetBucketLogging", "PutBucketLogging", nullptr, nullptr},
    {"notification", "GetBucketNotificationConfiguration", "PutBucketNotificationConfiguration", nullptr, nullptr},
    {"replication", "GetBucketReplication", "PutBucketReplication", "DeleteBucketReplication", nullptr},
    {"requestPayment", "GetBucketRequestPayment", "PutBucketRequestPayment", nullptr, nullptr},
    {"accelerate", "GetBucketAccelerateConfiguration", "PutBucketAccelerateConfiguration", nullptr, nullptr},
    {"object-lock", "GetObjectLockConfiguration", "PutObjectLockConfiguration", nullptr, nullptr},
    {"ownershipControls", op::kGetBucketOwnershipControls, op::kPutBucketOwnershipControls,
     op::kDeleteBucketOwnershipControls, nullptr},
    {"publicAccessBlock", op::kGetPublicAccessBlock, op::kPutPublicAccessBlock, op::kDeletePublicAccessBlock, nullptr},
    {"analytics", "GetBucketAnalyticsConfiguration", "PutBucketAnalyticsConfiguration",
     "DeleteBucketAnalyticsConfiguration", nullptr},
    {"metrics", "GetBucketMetricsConfiguration", "PutBucketMetricsConfiguration", "DeleteBucketMetricsConfiguration",
     nullptr},
    {"inventory", "GetBucketInventoryConfiguration", "PutBucketInventoryConfiguration",
     "DeleteBucketInventoryConfiguration", nullptr},
    {"intelligent-tiering", "GetBucketIntelligentTieringConfiguration", "PutBucketIntelligentTieringConfiguration",
     "DeleteBucketIntelligentTieringConfiguration", nullptr},
};

// Object-level sub-resources.
constexpr SubResource kObjectSubresources[] = {
    {"tagging", op::kGetObjectTagging, op::kPutObjectTagging, op::kDeleteObjectTagging, nullptr},
    {"acl", op::kGetObjectAcl, op::kPutObjectAcl, nullptr, nullptr},
    {"attributes", "GetObjectAttributes", nullptr, nullptr, nullptr},
    {"retention", "GetObjectRetention", "PutObjectRetention", nullptr, nullptr},
    {"legal-hold", "GetObjectLegalHold", "PutObjectLegalHold", nullptr, nullptr},
    {"torrent", "GetObjectTorrent", nullptr, nullptr, nullptr},
    {"uploads", nullptr, nullptr, nullptr, op::kCreateMultipartUpload},
    {"select", nullptr, nullptr, nullptr, op::kSelectObjectContent},
    {"restore", nullptr, nullptr, nullptr, op::kRestoreObject},
};

const char* PickVerb(const SubResource& s, const std::string& method) {
  if (method == "GET" || method == "HEAD") return s.get;
  if (method == "PUT") return s.put;
  if (method == "DELETE") return s.del;
  if (method == "POST") return s.post;
  return nullptr;
}

}  // namespace

bool RoutedRequest::HasParam(const std::string& name) const {
  return std::any_of(query.begin(), query.end(), [&](const auto& kv) { return kv.first == name; });
}

std::string RoutedRequest::Param(const std::string& name, const std::string& def) const {
  for (const auto& [k, v] : query)
    if (k == name) return v;
  return def;
}

std::string RoutedRequest::Resource() const {
  if (bucket.empty()) return "/";
  return key.empty() ? "/" + bucket : "/" + bucket + "/" + key;
}

Expected<std::vector<std::pair<std::string, std::string>>> ParseQuery(const std::string& raw_query) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t start = 0;
  while (start < raw_query.size()) {
    auto amp = raw_query.find('&', start);
    std::string item = raw_query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    start = amp == std::string::npos ? raw_query.size() : amp + 1;
    if (item.empty()) continue;
    auto eq = item.find('=');
    auto name = UriDecode(item.substr(0, eq));
    auto value = UriDecode(eq == std::string::npos ? std::string() : item.substr(eq + 1));
    if (!name.ok() || !value.ok()) return InvalidUri("bad percent-escape in query parameter '" + item + "'");
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

std::string HostWithoutPort(const std::string& host_header) {
  std::string h = ToLower(host_header);
  if (!h.empty() && h.front() == '[') {
    auto close = h.find(']');
    return close == std::string::npos ? h : h.substr(1, close - 1);
  }
  auto colon = h.rfind(':');
  if (colon != std::string::npos && h.find(':') == colon) h.resize(colon);
  return h;
}

Expected<RoutedRequest> Route(const std::string& method, const std::string& target, const std::string& host_header,
                              bool has_copy_source, const std::vector<std::string>& base_domains) {
  RoutedRequest r;
  auto qmark = target.find('?');
  r.raw_path = target.substr(0, qmark);
  r.raw_query = qmark == std::string::npos ? std::string() : target.substr(qmark + 1);
  if (r.raw_path.empty() || r.raw_path.front() != '/') return InvalidUri("the path must start with '/'");
  auto q = ParseQuery(r.raw_query);
  if (!q.ok()) return q.error();
  r.query = std::move(*q);

  // Virtual-hosted?
  const std::string host = HostWithoutPort(host_header);
  if (!IsIpLiteral(host)) {
    for (const auto& base : base_domains) {
      if (base.empty() || host.size() <= base.size() + 1) continue;
      if (host.compare(host.size() - base.size(), base.size(), base) == 0 &&
          host[host.size() - base.size() - 1] == '.') {
        r.bucket = host.substr(0, host.size() - base.size() - 1);
        r.virtual_hosted = true;
        break;
      }
    }
  }
  if (r.virtual_hosted) {
    auto key = UriDecode(std::string_view(r.raw_path).substr(1));
    if (!key.ok()) return InvalidUri("bad percent-escape in path '" + r.raw_path + "'");
    r.key = std::move(*key);
  } else {
    std::string_view rest = std::string_view(r.raw_path).substr(1);
    auto slash = rest.find('/');
    auto bucket = UriDecode(rest.substr(0, slash));
    auto key = UriDecode(slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1));
    if (!bucket.ok() || !key.ok()) return InvalidUri("bad percent-escape in path '" + r.raw_path + "'");
    r.bucket = std::move(*bucket);
    r.key = std::move(*key);
  }
  // S3 refuses a key that is not UTF-8 (400 InvalidURI) for every operation: such a
  // key could never be listed in the UTF-8 XML S3 answers with.
  if (!IsValidUtf8(r.key)) return InvalidUri("the object key is not valid UTF-8");
  // The same for the listing parameters that are compared with keys and echoed
  // in the listing's XML.
  for (const auto& [name, value] : r.query) {
    if (IsValidUtf8(value)) continue;
    for (const char* param : {"prefix", "delimiter", "start-after", "marker", "key-marker", "continuation-token",
                              "upload-id-marker", "version-id-marker"})
      if (name == param) return InvalidUri("the " + name + " parameter is not valid UTF-8");
  }

  auto not_implemented = [&](const std::string& op) {
    r.operation = op;
    return r;
  };
  if (method == "OPTIONS") return not_implemented(op::kOptionsObject);

  if (r.bucket.empty()) {
    if (method == "GET" || method == "HEAD") r.operation = op::kListBuckets;
    else r.operation = "";  // MethodNotAllowed on the service resource
    return r;
  }

  if (r.key.empty()) {
    for (const auto& s : kBucketSubresources) {
      if (!r.HasParam(s.param)) continue;
      const char* op = PickVerb(s, method);
      return not_implemented(op ? op : std::string(method) + " ?" + s.param);
    }
    if (method == "GET") {
      if (r.HasParam("location")) r.operation = op::kGetBucketLocation;
      else if (r.Param("list-type") == "2") r.operation = op::kListObjectsV2;
      else r.operation = op::kListObjects;
    } else if (method == "HEAD") {
      r.operation = op::kHeadBucket;
    } else if (method == "PUT") {
      r.operation = op::kCreateBucket;
    } else if (method == "DELETE") {
      r.operation = op::kDeleteBucket;
    } else if (method == "POST") {
      r.operation = r.HasParam("delete") ? op::kDeleteObjects : op::kPostObject;  // browser form upload
    }
    return r;
  }

  // Multipart uploads are identified by uploadId.
  if (r.HasParam("uploadId")) {
    if (method == "PUT") return not_implemented(has_copy_source ? op::kUploadPartCopy : op::kUploadPart);
    if (method == "GET" || method == "HEAD") return not_implemented(op::kListParts);
    if (method == "DELETE") return not_implemented(op::kAbortMultipartUpload);
    if (method == "POST") return not_implemented(op::kCompleteMultipartUpload);
  }
  for (const auto& s : kObjectSubresources) {
    if (!r.HasParam(s.param)) continue;
    const char* op = PickVerb(s, method);
    return not_implemented(op ? op : std::string(method) + " ?" + s.param);
  }
  if (method == "GET") r.operation = op::kGetObject;
  else if (method == "HEAD") r.operation = op::kHeadObject;
  else if (method == "PUT") r.operation = has_copy_source ? op::kCopyObject : op::kPutObject;
  else if (method == "DELETE") r.operation = op::kDeleteObject;
  else if (method == "POST") r.operation = "POST on an object";
  return r;
}

}  // namespace s3ml::mock
