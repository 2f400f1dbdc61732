// Bucket settings: default encryption, bucket tagging, Object Ownership, Block Public
// Access and CORS (the configurations, the OPTIONS preflight and the Access-Control-*
// headers of cross-origin requests). State: BucketSettings (mock/bucket_settings.h).
// (ACLs and anonymous access: server_acl.cc.)

#include "mock/acl.h"
#include "mock/server_impl.h"

namespace s3ml::mock {

namespace {

inline constexpr std::size_t kMaxBucketTags = 50;
inline constexpr std::size_t kMaxCorsRules = 100;
inline constexpr std::size_t kMaxCorsConfigBytes = 64 * 1024;

Expected<pugi::xml_node> LoadRoot(pugi::xml_document& doc, const std::string& payload, const char* root) {
  if (payload.empty() || !doc.load_buffer(payload.data(), payload.size())) return MalformedXml();
  auto node = doc.child(root);
  if (!node) return MalformedXml();
  return node;
}

Expected<bool> ParseBool(pugi::xml_node node) {
  const std::string v = node.text().as_string();
  if (v == "true") return true;
  if (v == "false") return false;
  return MalformedXml();
}

// One '*' matches any run of characters (CORS origins and headers).
bool WildcardMatch(const std::string& pattern, const std::string& s, bool ignore_case) {
  const std::string p = ignore_case ? ToLower(pattern) : pattern;
  const std::string v = ignore_case ? ToLower(s) : s;
  auto star = p.find('*');
  if (star == std::string::npos) return p == v;
  const std::string head = p.substr(0, star), tail = p.substr(star + 1);
  return v.size() >= head.size() + tail.size() && v.compare(0, head.size(), head) == 0 &&
         v.compare(v.size() - tail.size(), tail.size(), tail) == 0;
}

std::vector<std::string> SplitHeaderList(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto comma = s.find(',', start);
    std::string item = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? s.size() + 1 : comma + 1;
    auto b = item.find_first_not_of(" \t");
    if (b == std::string::npos) continue;
    out.push_back(item.substr(b, item.find_last_not_of(" \t") - b + 1));
  }
  return out;
}

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// The first rule matching origin, method and (preflight) request headers, or null.
const CorsRule* MatchCors(const std::vector<CorsRule>& rules, const std::string& origin, const std::string& method,
                          const std::vector<std::string>& request_headers) {
  for (const CorsRule& rule : rules) {
    bool origin_ok = false, method_ok = false;
    for (const auto& o : rule.allowed_origins) origin_ok = origin_ok || WildcardMatch(o, origin, false);
    for (const auto& m : rule.allowed_methods) method_ok = method_ok || m == method;
    if (!origin_ok || !method_ok) continue;
    bool headers_ok = true;
    for (const auto& h : request_headers) {
      bool allowed = false;
      for (const auto& a : rule.allowed_headers) allowed = allowed || WildcardMatch(a, h, true);
      headers_ok = headers_ok && allowed;
    }
    if (headers_ok) return &rule;
  }
  return nullptr;
}

void AddCorsRuleHeaders(const CorsRule& rule, const std::string& origin,
                        std::vector<std::pair<std::string, std::string>>& out) {
  const bool any_origin = rule.allowed_origins.size() == 1 && rule.allowed_origins[0] == "*";
  out.emplace_back("Access-Control-Allow-Origin", any_origin ? "*" : origin);
  out.emplace_back("Access-Control-Allow-Methods", Join(rule.allowed_methods, ", "));
  if (!rule.expose_headers.empty()) out.emplace_back("Access-Control-Expose-Headers", Join(rule.expose_headers, ", "));
  if (rule.max_age_seconds) out.emplace_back("Access-Control-Max-Age", std::to_string(*rule.max_age_seconds));
  if (!any_origin) out.emplace_back("Access-Control-Allow-Credentials", "true");
  out.emplace_back("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
}

}  // namespace

// ---- default encryption --------------------------------------------------------

MaybeError MockS3Server::Impl::ApplyDefaultEncryption(const std::string& bucket, SseRecord& sse) {
  if (!sse.algorithm.empty() || sse.customer()) return std::nullopt;
  auto b = store.GetBucket(bucket);
  if (!b.ok()) return b.error();
  const SseRecord& def = b->settings.default_encryption;
  // The same resolution as the request headers would get (default aws/s3 key, ARNs).
  Headers h;
  h.Add("x-amz-server-side-encryption", def.algorithm);
  if (!def.kms_key_id.empty()) h.Add("x-amz-server-side-encryption-aws-kms-key-id", def.kms_key_id);
  if (def.bucket_key) h.Add("x-amz-server-side-encryption-bucket-key-enabled", "true");
  auto applied = ParseSseWrite(h, options.region, MockAccountId(options.access_key));
  if (!applied.ok()) return applied.error();
  sse = std::move(*applied);
  return std::nullopt;
}

Expected<Reply> MockS3Server::Impl::GetBucketEncryption(Call& c) {
  auto b = store.GetBucket(c.r.bucket);
  if (!b.ok()) return b.error();
  const SseRecord& def = b->settings.default_encryption;
  XmlWriter w("ServerSideEncryptionConfiguration");
  auto rule = w.root().append_child("Rule");
  auto apply = rule.append_child("ApplyServerSideEncryptionByDefault");
  AddText(apply, "SSEAlgorithm", def.algorithm);
  if (!def.kms_key_id.empty()) AddText(apply, "KMSMasterKeyID", def.kms_key_id);
  AddText(rule, "BucketKeyEnabled", def.bucket_key ? "true" : "false");
  Reply reply;
  reply.Xml(w.str());
  return reply;
}

Expected<Reply> MockS3Server::Impl::PutBucketEncryption(Call& c) {
  pugi::xml_document doc;
  auto root = LoadRoot(doc, c.payload, "ServerSideEncryptionConfiguration");
  if (!root.ok()) return root.error();
  auto rule = root->child("Rule");
  auto apply = rule.child("ApplyServerSideEncryptionByDefault");
  if (!rule || !apply || rule.next_sibling("Rule")) return MalformedXml();
  SseRecord def;
  def.algorithm = apply.child("SSEAlgorithm").text().as_string();
  if (def.algorithm != "AES256" && def.algorithm != "aws:kms" && def.algorithm != "aws:kms:dsse") return MalformedXml();
  def.kms_key_id = apply.child("KMSMasterKeyID").text().as_string();
  if (!def.kms_key_id.empty() && def.algorithm == "AES256")
    return InvalidArgument("a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or "
                           "aws:kms:dsse",
                           "ApplyServerSideEncryptionByDefault", def.kms_key_id);
  if (auto bk = rule.child("BucketKeyEnabled")) {
    auto enabled = ParseBool(bk);
    if (!enabled.ok()) return enabled.error();
    def.bucket_key = *enabled;
  }
  if (auto err = store.UpdateBucketSettings(c.r.bucket, [&](BucketSettings& s) -> MaybeError {
        s.default_encryption = def;
        return std::nullopt;
      }))
    return *err;
  return Reply{};
}

Expected<Reply> MockS3Server::Impl::DeleteBucketEncryption(Call& c) {
  // S3 returns the bucket to its base level of encryption, SSE-S3.
  if (auto err = store.UpdateBucketSettings(c.r.bucket, [](BucketSettings& s) -> MaybeError {
        s.default_encryption = BucketSettings{}.default_encryption;
        return std::nullopt;
      }))
    return *err;
  Reply reply;
  reply.status = 204;
  return reply;
}

// ---- bucket tagging ------------------------------------------------------------

Expected<Reply> MockS3Server::Impl::GetBucketTagging(Call& c) {
  auto b = store.GetBucket(c.r.bucket);
  if (!b.ok()) return b.error();
  if (!b->settings.tags)
    return S3Error(404, "NoSuchTagSet", "The TagSet does not exist").With("BucketName", c.r.bucket);
  XmlWriter w("Tagging");
  auto set = w.root().append_child("TagSet");
  for (const auto& [k, v] : *b->settings.tags) {
    auto tag = set.append_child("Tag");
    AddText(tag, "Key", k);
    AddText(tag, "Value", v);
  }
  Reply reply;
  reply.Xml(w.str());
  return reply;
}

Expected<Reply> MockS3Server::Impl::PutBucketTagging(Call& c) {
  auto tags = ParseTaggingXml(c.payload, kMaxBucketTags);
  if (!tags.ok()) {
    S3Error e = tags.error();
    if (e.code == "BadRequest") e = S3Error(400, "InvalidTag", "Bucket tag count cannot be greater than 50");
    return e;
  }
  if (auto err = store.UpdateBucketSettings(c.r.bucket, [&](BucketSettings& s) -> MaybeError {
        s.tags = std::move(*tags);
        return std::nullopt;
      }))
    return *err;
  Reply reply;
  reply.status = 204;
  return reply;
}

Expected<Reply> MockS3Server::Impl::DeleteBucketTagging(Call& c) {
  if (auto err = store.UpdateBucketSettings(c.r.bucket, [](BucketSettings& s) -> MaybeError {
        s.tags.reset();
        return std::nullopt;
      }))
    return *err;
  Reply reply;
  reply.status = 204;
  return reply;
}

// ---- Object Ownership ----------------------------------------------------------

Expected<Reply> MockS3Server::Impl::GetBucketOwnershipControls(Call& c) {
  auto b = store.GetBucket(c.r.bucket);
  if (!b.ok()) return b.error();
  if (!b->settings.object_ownership)
    return S3Error(404, "OwnershipControlsNotFoundError", "The bucket ownership controls were not found")
        .With("BucketName", c.r.bucket);
  XmlWriter w("OwnershipControls");
  AddText(w.root().append_child("Rule"), "ObjectOwnership", *b->settings.object_ownership);
  Reply reply;
  reply.Xml(w.str());
  return reply;
}

Expected<Reply> MockS3Server::Impl::PutBucketOwnershipControls(Call& c) {
  pugi::xml_document doc;
  auto root = LoadRoot(doc, c.payload, "OwnershipControls");
  if (!root.ok()) return root.error();
  auto rule = root->child("Rule");
  if (!rule || rule.next_sibling("Rule")) return MalformedXml();
  const std::string ownership = rule.child("ObjectOwnership").text().as_string();
  if (ownership != "BucketOwnerEnforced" && ownership != "BucketOwnerPreferred" && ownership != "ObjectWriter")
    return MalformedXml();
  if (auto err = store.UpdateBucketSettings(c.r.bucket, [&](BucketSettings& s) -> MaybeError {
        // Disabling ACLs needs a bucket ACL that grants nothing beyond the owner.
        if (ownership == "BucketOwnerEnforced" && !IsOwnerFullControlOnly(s.acl, owner_id))
          return S3Error(400, "InvalidBucketAclWithObjectOwnership",
                         "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting");
        s.object_ownership = ownership;
        return std::nullopt;
      }))
    return *err;
  return Reply{};
}

Expected<Reply> MockS3Server::Impl::DeleteBucketOwnershipControls(Call& c) {
  if (auto err = store.UpdateBucketSettings(c.r.bucket, [](BucketSettings& s) -> MaybeError {
        s.object_ownership.reset();
        return std::nullopt;
      }))
    return *err;
  Reply reply;
  reply.status = 204;
  return reply;
}

// ---- Block Public Access -------------------------------------------------------

Expected<Reply> MockS3Server::Impl::GetPublicAccessBlock(Call& c) {
  auto b = store.GetBucket(c.r.bucket);
  if (!b.ok()) return b.error();
  if (!b->settings.public_access_block)
    return S3Error(404, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found")
        .With("BucketName", c.r.bucket);
  const PublicAccessBlock& p = *b->settings.public_access_block;
  XmlWriter w("PublicAccessBlockConfiguration");
  AddText(w.root(), "BlockPublicAcls", p.block_public_acls ? "true" : "false");
  AddText(w.root(), "IgnorePublicAcls", p.ignore_public_acls ? "true" : "false");
  AddText(w.root(), "BlockPublicPolicy", p.block_public_policy ? "true" : "false");
  AddText(w.root(), "RestrictPublicBuckets", p.restrict_public_buckets ? "true" : "false");
  Reply reply;
  reply.Xml(w.str());
  return reply;
}

Expected<Reply> MockS3Server::Impl::PutPublicAccessBlock(Call& c) {
  pugi::xml_document doc;
  auto root = LoadRoot(doc, c.payload, "PublicAccessBlockConfiguration");
  if (!root.ok()) return root.error();
  PublicAccessBlock p{false, false, false, false};  // an element left out is false
  std::pair<const char*, bool*> fields[] = {{"BlockPublicAcls", &p.block_public_acls},
                                            {"IgnorePublicAcls", &p.ignore_public_acls},
                                            {"BlockPublicPolicy", &p.block_public_policy},
                                            {"RestrictPublicBuckets", &p.restrict_public_buckets}};
  for (auto& [name, field] : fields) {
    if (auto node = root->child(name)) {
      auto v = ParseBool(node);
      if (!v.ok()) return v.error();
      *field = *v;
    }
  }
  if (auto err = store.UpdateBucketSettings(c.r.bucket, [&](BucketSettings& s) -> MaybeError {
        s.public_access_block = p;
        return std::nullopt;
      }))
    return *err;
  return Reply{};
}

Expected<Reply> MockS3Server::Impl::DeletePublicAccessBlock(Call& c) {
  if (auto err = store.UpdateBucketSettings(c.r.bucket, [](BucketSettings& s) -> MaybeError {
        s.public_access_block.reset();
        return std::nullopt;
      }))
    return *err;
  Reply reply;
  reply.status = 204;
  return reply;
}

// ---- CORS ----------------------------------------------------------------------

Expected<Reply> MockS3Server::Impl::GetBucketCors(Call& c) {
  auto b = store.GetBucket(c.r.bucket);
  if (!b.ok()) return b.error();
  if (!b->settings.cors)
    return S3Error(404, "NoSuchCORSConfiguration", "The CORS configuration does not exist")
        .With("BucketName", c.r.bucket);
  XmlWriter w("CORSConfiguration");
  for (const CorsRule& rule : *b->settings.cors) {
    auto node = w.root().append_child("CORSRule");
    if (!rule.id.empty()) AddText(node, "ID", rule.id);
    for (const auto& h : rule.allowed_headers) AddText(node, "AllowedHeader", h);
    for (const auto& m : rule.allowed_methods) AddText(node, "AllowedMethod", m);
    for (const auto& o : rule.allowed_origins) AddText(node, "AllowedOrigin", o);
    for (const auto& h : rule.expose_headers) AddText(node, "ExposeHeader", h);
    if (rule.max_age_seconds) AddText(node, "MaxAgeSeconds", std::to_string(*rule.max_age_seconds));
  }
  Reply reply;
  reply.Xml(w.str());
  return reply;
}

Expected<Reply> MockS3Server::Impl::PutBucketCors(Call& c) {
  if (auto err = RequireIntegrityHeader(c, "Content-MD5")) return *err;
  if (c.payload.size() > kMaxCorsConfigBytes)
    return InvalidRequest("The CORS configuration must not exceed 64 KB (" + std::to_string(c.payload.size()) +
                          " bytes were sent)");
  pugi::xml_document doc;
  auto root = LoadRoot(doc, c.payload, "CORSConfiguration");
  if (!root.ok()) return root.error();
  std::vector<CorsRule> rules;
  for (auto node : root->children("CORSRule")) {
    CorsRule rule;
    rule.id = node.child("ID").text().as_string();
    for (auto o : node.children("AllowedOrigin")) rule.allowed_origins.emplace_back(o.text().as_string());
    for (auto m : node.children("AllowedMethod")) rule.allowed_methods.emplace_back(m.text().as_string());
    for (auto h : node.children("AllowedHeader")) rule.allowed_headers.emplace_back(h.text().as_string());
    for (auto h : node.children("ExposeHeader")) rule.expose_headers.emplace_back(h.text().as_string());
    if (rule.allowed_origins.empty() || rule.allowed_methods.empty()) return MalformedXml();
    for (const auto& m : rule.allowed_methods)
      if (m != "GET" && m != "PUT" && m != "HEAD" && m != "POST" && m != "DELETE")
        return InvalidRequest("Found unsupported HTTP method in CORS config. Unsupported method is " + m);
    for (const auto& o : rule.allowed_origins)
      if (o.find('*') != o.rfind('*'))
        return InvalidRequest("AllowedOrigin \"" + o + "\" can not have more than one wildcard.");
    for (const auto& h : rule.allowed_headers)
      if (h.find('*') != h.rfind('*'))
        return InvalidRequest("AllowedHeader \"" + h + "\" can not have more than one wildcard.");
    if (auto age = node.child("MaxAgeSeconds")) {
      std::uint64_t n = 0;
      if (!ParseUint(age.text().as_string(), n) || n > 2147483647ull) return MalformedXml();
      rule.max_age_seconds = static_cast<long long>(n);
    }
    rules.push_back(std::move(rule));
  }
  if (rules.empty()) return MalformedXml();
  if (rules.size() > kMaxCorsRules)
    return InvalidRequest("The number of CORS rules should not exceed allowed limit of 100 rules.");
  if (auto err = store.UpdateBucketSettings(c.r.bucket, [&](BucketSettings& s) -> MaybeError {
        s.cors = std::move(rules);
        return std::nullopt;
      }))
    return *err;
  return Reply{};
}

Expected<Reply> MockS3Server::Impl::DeleteBucketCors(Call& c) {
  if (auto err = store.UpdateBucketSettings(c.r.bucket, [](BucketSettings& s) -> MaybeError {
        s.cors.reset();
        return std::nullopt;
      }))
    return *err;
  Reply reply;
  reply.status = 204;
  return reply;
}

Expected<Reply> MockS3Server::Impl::OptionsObject(Call& c) {
  const std::string* origin = c.headers.Find("Origin");
  if (!origin) return S3Error(400, "BadRequest", "Insufficient information. Origin request header needed.");
  const std::string* method = c.headers.Find("Access-Control-Request-Method");
  if (!method)
    return S3Error(400, "BadRequest",
                   "Insufficient information. Access-Control-Request-Method request header needed.");
  if (c.r.bucket.empty()) return S3Error(400, "BadRequest", "Insufficient information. Bucket name needed.");
  auto b = store.GetBucket(c.r.bucket);
  if (!b.ok()) return b.error();
  if (!b->settings.cors) return S3Error(403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.");
  const std::vector<std::string> requested = SplitHeaderList(c.headers.Get("Access-Control-Request-Headers"));
  const CorsRule* rule = MatchCors(*b->settings.cors, *origin, *method, requested);
  if (!rule)
    return S3Error(403, "AccessForbidden",
                   "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, "
                   "request method / Access-Control-Request-Method or Access-Control-Request-Headers are not "
                   "whitelisted by the resource's CORS spec.");
  Reply reply;
  AddCorsRuleHeaders(*rule, *origin, reply.headers);
  if (!requested.empty()) reply.Header("Access-Control-Allow-Headers", Join(requested, ", "));
  return reply;
}

void MockS3Server::Impl::AddCorsHeaders(const RoutedRequest& r, const Headers& h, const std::string& method,
                                        std::vector<std::pair<std::string, std::string>>& out) {
  const std::string* origin = h.Find("Origin");
  if (!origin || r.bucket.empty() || r.operation == op::kOptionsObject) return;
  auto b = store.GetBucket(r.bucket);
  if (!b.ok() || !b->settings.cors) return;
  if (const CorsRule* rule = MatchCors(*b->settings.cors, *origin, method, {})) AddCorsRuleHeaders(*rule, *origin, out);
}

}  // namespace s3ml::mock
