#include "ops/lifecycle.h"

#include <cerrno>
#include <cstdlib>
#include <set>

#include "common/crypto.h"
#include "common/time.h"
#include "ops/xml.h"

namespace s3ml {

namespace {

constexpr std::int64_t kDayMillis = 86400LL * 1000;

bool IsMidnight(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % kDayMillis == 0;
}

bool IsTransitionClass(const std::string& s) {
  return s == "GLACIER" || s == "STANDARD_IA" || s == "ONEZONE_IA" || s == "INTELLIGENT_TIERING" ||
         s == "DEEP_ARCHIVE" || s == "GLACIER_IR";
}

// Splits `name="value", name2="value2"` (values may contain commas) into pairs.
Result<std::vector<std::pair<std::string, std::string>>> QuotedPairs(std::string_view v, const char* header) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t i = 0;
  auto bad = [&] {
    return Status(ErrorCategory::kProtocol, std::string("malformed ") + header + " header: '" + std::string(v) + "'");
  };
  while (i < v.size()) {
    while (i < v.size() && (v[i] == ' ' || v[i] == ',')) ++i;
    if (i == v.size()) break;
    const std::size_t eq = v.find('=', i);
    if (eq == std::string_view::npos || eq + 1 >= v.size() || v[eq + 1] != '"') return bad();
    const std::size_t close = v.find('"', eq + 2);
    if (close == std::string_view::npos) return bad();
    out.emplace_back(std::string(v.substr(i, eq - i)), std::string(v.substr(eq + 2, close - eq - 2)));
    i = close + 1;
  }
  if (out.empty()) return bad();
  return out;
}

}  // namespace

Status ValidateLifecycleRules(const std::vector<LifecycleRule>& rules) {
  if (rules.empty()) return Status::InvalidArgument("a lifecycle configuration needs at least one rule");
  if (rules.size() > 1000)
    return Status::InvalidArgument("a lifecycle configuration has at most 1000 rules, got " +
                                   std::to_string(rules.size()));
  std::set<std::string> ids;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const LifecycleRule& r = rules[i];
    const std::string name = "rule #" + std::to_string(i) + (r.id.empty() ? "" : " ('" + r.id + "')");
    auto bad = [&](const std::string& what) { return Status::InvalidArgument(name + ": " + what); };
    if (r.id.size() > 255) return bad("ID is " + std::to_string(r.id.size()) + " characters; at most 255 allowed");
    if (!r.id.empty() && !ids.insert(r.id).second) return bad("duplicate rule ID (IDs must be unique)");
    const LifecycleFilter& f = r.filter;
    if (r.legacy_prefix && (!f.tags.empty() || f.object_size_greater_than || f.object_size_less_than))
      return bad("a legacy rule-level Prefix cannot carry tag or size conditions; clear legacy_prefix");
    std::set<std::string> tag_keys;
    for (const auto& t : f.tags) {
      if (t.key.empty() || t.key.size() > 128) return bad("filter tag keys must be 1-128 characters");
      if (t.value.size() > 256) return bad("filter tag values must be at most 256 characters");
      if (!tag_keys.insert(t.key).second) return bad("duplicate filter tag key '" + t.key + "'");
    }
    if (f.object_size_less_than && *f.object_size_less_than == 0) return bad("ObjectSizeLessThan must be > 0");
    if (f.object_size_greater_than && f.object_size_less_than && *f.object_size_greater_than >= *f.object_size_less_than)
      return bad("ObjectSizeGreaterThan must be less than ObjectSizeLessThan");
    const bool tag_or_size = !f.tags.empty() || f.object_size_greater_than || f.object_size_less_than;

    if (r.expiration) {
      const auto& e = *r.expiration;
      const int set = (e.days ? 1 : 0) + (e.date ? 1 : 0) + (e.expired_object_delete_marker ? 1 : 0);
      if (set != 1) return bad("Expiration needs exactly one of days, date and expired_object_delete_marker");
      if (e.days && *e.days <= 0) return bad("Expiration days must be a positive integer, got " + std::to_string(*e.days));
      if (e.date && !IsMidnight(*e.date)) return bad("Expiration date must be at midnight UTC");
      if (e.expired_object_delete_marker && !f.tags.empty())
        return bad("ExpiredObjectDeleteMarker cannot be combined with a tag filter");
    }
    std::set<std::string> classes;
    bool any_days = false, any_date = false;
    for (const auto& t : r.transitions) {
      if (t.days.has_value() == t.date.has_value()) return bad("a Transition needs exactly one of days and date");
      if (!IsTransitionClass(t.storage_class)) return bad("unknown Transition storage class '" + t.storage_class + "'");
      if (t.days && *t.days < 0) return bad("Transition days must not be negative");
      if (t.days && *t.days < 30 && (t.storage_class == "STANDARD_IA" || t.storage_class == "ONEZONE_IA"))
        return bad("Transition days must be >= 30 for " + t.storage_class);
      if (t.date && !IsMidnight(*t.date)) return bad("Transition date must be at midnight UTC");
      if (!classes.insert(t.storage_class).second) return bad("two Transitions to " + t.storage_class);
      (t.days ? any_days : any_date) = true;
    }
    if (any_days && any_date) return bad("Transitions mix days and dates");
    if (const auto& n = r.noncurrent_version_expiration) {
      if (n->noncurrent_days <= 0) return bad("NoncurrentVersionExpiration noncurrent_days must be a positive integer");
      if (n->newer_noncurrent_versions && (*n->newer_noncurrent_versions < 1 || *n->newer_noncurrent_versions > 100))
        return bad("newer_noncurrent_versions must be between 1 and 100");
    }
    std::set<std::string> nc_classes;
    for (const auto& t : r.noncurrent_version_transitions) {
      if (!IsTransitionClass(t.storage_class))
        return bad("unknown NoncurrentVersionTransition storage class '" + t.storage_class + "'");
      if (t.noncurrent_days < 0) return bad("NoncurrentVersionTransition noncurrent_days must not be negative");
      if (t.noncurrent_days < 30 && (t.storage_class == "STANDARD_IA" || t.storage_class == "ONEZONE_IA"))
        return bad("NoncurrentVersionTransition noncurrent_days must be >= 30 for " + t.storage_class);
      if (t.newer_noncurrent_versions && (*t.newer_noncurrent_versions < 1 || *t.newer_noncurrent_versions > 100))
        return bad("newer_noncurrent_versions must be between 1 and 100");
      if (!nc_classes.insert(t.storage_class).second) return bad("two NoncurrentVersionTransitions to " + t.storage_class);
    }
    if (r.abort_incomplete_multipart_upload_days) {
      if (*r.abort_incomplete_multipart_upload_days <= 0)
        return bad("AbortIncompleteMultipartUpload days must be a positive integer");
      if (tag_or_size) return bad("AbortIncompleteMultipartUpload cannot be combined with tag or size filters");
    }
    if (!r.expiration && r.transitions.empty() && !r.noncurrent_version_expiration &&
        r.noncurrent_version_transitions.empty() && !r.abort_incomplete_multipart_upload_days)
      return bad("a rule needs at least one action");
  }
  return Status::Ok();
}

Result<ObjectExpiration> ParseExpirationHeader(std::string_view value) {
  S3ML_ASSIGN_OR_RETURN(auto pairs, QuotedPairs(value, "x-amz-expiration"));
  ObjectExpiration out;
  bool have_date = false;
  for (const auto& [k, v] : pairs) {
    if (k == "expiry-date") {
      auto t = ParseHttpDate(v, OutOfRange::kClamp);
      if (!t.ok())
        return Status(ErrorCategory::kProtocol, "malformed expiry-date in x-amz-expiration: '" + v + "'");
      out.expiry_date = *t;
      have_date = true;
    } else if (k == "rule-id") {
      out.rule_id = v;
    }
  }
  if (!have_date)
    return Status(ErrorCategory::kProtocol, "x-amz-expiration without expiry-date: '" + std::string(value) + "'");
  return out;
}

Result<ObjectRestoreStatus> ParseRestoreHeader(std::string_view value) {
  S3ML_ASSIGN_OR_RETURN(auto pairs, QuotedPairs(value, "x-amz-restore"));
  ObjectRestoreStatus out;
  bool have_ongoing = false;
  for (const auto& [k, v] : pairs) {
    if (k == "ongoing-request") {
      if (v != "true" && v != "false")
        return Status(ErrorCategory::kProtocol, "malformed ongoing-request in x-amz-restore: '" + v + "'");
      out.ongoing = v == "true";
      have_ongoing = true;
    } else if (k == "expiry-date") {
      auto t = ParseHttpDate(v, OutOfRange::kClamp);
      if (!t.ok()) return Status(ErrorCategory::kProtocol, "malformed expiry-date in x-amz-restore: '" + v + "'");
      out.expiry_date = *t;
    }
  }
  if (!have_ongoing)
    return Status(ErrorCategory::kProtocol, "x-amz-restore without ongoing-request: '" + std::string(value) + "'");
  return out;
}

namespace ops {

namespace {

constexpr const char* kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";
constexpr std::string_view kGetOp = "GetBucketLifecycleConfiguration";

void Text(pugi::xml_node parent, const char* name, const std::string& value) {
  parent.append_child(name).text() = value.c_str();
}

void AddFilter(pugi::xml_node rule_node, const LifecycleRule& rule) {
  const LifecycleFilter& f = rule.filter;
  if (rule.legacy_prefix) {
    Text(rule_node, "Prefix", f.prefix);
    return;
  }
  pugi::xml_node filter = rule_node.append_child("Filter");
  const int n = f.ConditionCount();
  pugi::xml_node target = n > 1 ? filter.append_child("And") : filter;
  if (!f.prefix.empty() || n == 0) Text(target, "Prefix", f.prefix);
  for (const auto& t : f.tags) {
    auto tag = target.append_child("Tag");
    Text(tag, "Key", t.key);
    Text(tag, "Value", t.value);
  }
  if (f.object_size_greater_than) Text(target, "ObjectSizeGreaterThan", std::to_string(*f.object_size_greater_than));
  if (f.object_size_less_than) Text(target, "ObjectSizeLessThan", std::to_string(*f.object_size_less_than));
}

Status Protocol(const std::string& what, int http_status) { return ProtocolError(kGetOp, what, http_status); }

Result<int> IntChild(const pugi::xml_node& n, const char* name, int http_status) {
  const std::string s = ChildText(n, name);
  errno = 0;
  char* end = nullptr;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno == ERANGE || v > INT32_MAX || v < INT32_MIN)
    return Protocol(std::string("<") + name + "> is not an integer: '" + BodySnippet(s, 40) + "'", http_status);
  return static_cast<int>(v);
}

Result<std::uint64_t> UintChild(const pugi::xml_node& n, const char* name, int http_status) {
  const std::string s = ChildText(n, name);
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (s.empty() || s[0] == '-' || *end != '\0' || errno == ERANGE)
    return Protocol(std::string("<") + name + "> is not a size: '" + BodySnippet(s, 40) + "'", http_status);
  return static_cast<std::uint64_t>(v);
}

Result<Timestamp> DateChild(const pugi::xml_node& n, const char* name, int http_status) {
  auto t = ParseIso8601(ChildText(n, name), OutOfRange::kClamp);
  if (!t.ok())
    return Protocol(std::string("bad <") + name + "> '" + BodySnippet(ChildText(n, name), 40) + "'", http_status);
  return *t;
}

// Sets `out` from child <name> when it is present (absent: left unset).
template <typename T>
Status OptionalChild(const pugi::xml_node& n, const char* name, int http_status, std::optional<T>& out,
                     Result<T> (*parse)(const pugi::xml_node&, const char*, int)) {
  if (!n.child(name)) return Status::Ok();
  S3ML_ASSIGN_OR_RETURN(T v, parse(n, name, http_status));
  out = std::move(v);
  return Status::Ok();
}

Status ParsePredicates(const pugi::xml_node& n, LifecycleFilter& f, int st) {
  if (n.child("Prefix")) f.prefix = ChildText(n, "Prefix");
  for (auto t = n.child("Tag"); t; t = t.next_sibling("Tag")) f.tags.push_back(Tag{ChildText(t, "Key"), ChildText(t, "Value")});
  S3ML_RETURN_IF_ERROR(OptionalChild(n, "ObjectSizeGreaterThan", st, f.object_size_greater_than, UintChild));
  return OptionalChild(n, "ObjectSizeLessThan", st, f.object_size_less_than, UintChild);
}

Result<LifecycleRule> ParseRule(const pugi::xml_node& r, int st) {
  LifecycleRule rule;
  rule.id = ChildText(r, "ID");
  const std::string status = ChildText(r, "Status");
  if (status == "Enabled") rule.status = LifecycleStatus::kEnabled;
  else if (status == "Disabled") rule.status = LifecycleStatus::kDisabled;
  else return Protocol("rule '" + rule.id + "' has an unknown Status '" + BodySnippet(status, 40) + "'", st);
  if (auto f = r.child("Filter")) {
    S3ML_RETURN_IF_ERROR(ParsePredicates(f.child("And") ? f.child("And") : f, rule.filter, st));
  } else if (r.child("Prefix")) {
    rule.legacy_prefix = true;
    rule.filter.prefix = ChildText(r, "Prefix");
  }
  if (auto e = r.child("Expiration")) {
    LifecycleExpiration exp;
    S3ML_RETURN_IF_ERROR(OptionalChild(e, "Days", st, exp.days, IntChild));
    S3ML_RETURN_IF_ERROR(OptionalChild(e, "Date", st, exp.date, DateChild));
    if (e.child("ExpiredObjectDeleteMarker")) exp.expired_object_delete_marker = ChildText(e, "ExpiredObjectDeleteMarker") == "true";
    rule.expiration = exp;
  }
  for (auto t = r.child("Transition"); t; t = t.next_sibling("Transition")) {
    LifecycleTransition tr;
    S3ML_RETURN_IF_ERROR(OptionalChild(t, "Days", st, tr.days, IntChild));
    S3ML_RETURN_IF_ERROR(OptionalChild(t, "Date", st, tr.date, DateChild));
    tr.storage_class = ChildText(t, "StorageClass");
    rule.transitions.push_back(std::move(tr));
  }
  if (auto n = r.child("NoncurrentVersionExpiration")) {
    NoncurrentVersionExpiration nve;
    if (n.child("NoncurrentDays")) {
      S3ML_ASSIGN_OR_RETURN(nve.noncurrent_days, IntChild(n, "NoncurrentDays", st));
    }
    S3ML_RETURN_IF_ERROR(OptionalChild(n, "NewerNoncurrentVersions", st, nve.newer_noncurrent_versions, IntChild));
    rule.noncurrent_version_expiration = nve;
  }
  for (auto n = r.child("NoncurrentVersionTransition"); n; n = n.next_sibling("NoncurrentVersionTransition")) {
    NoncurrentVersionTransition nvt;
    if (n.child("NoncurrentDays")) {
      S3ML_ASSIGN_OR_RETURN(nvt.noncurrent_days, IntChild(n, "NoncurrentDays", st));
    }
    S3ML_RETURN_IF_ERROR(OptionalChild(n, "NewerNoncurrentVersions", st, nvt.newer_noncurrent_versions, IntChild));
    nvt.storage_class = ChildText(n, "StorageClass");
    rule.noncurrent_version_transitions.push_back(std::move(nvt));
  }
  if (auto a = r.child("AbortIncompleteMultipartUpload")) {
    S3ML_ASSIGN_OR_RETURN(int d, IntChild(a, "DaysAfterInitiation", st));
    rule.abort_incomplete_multipart_upload_days = d;
  }
  return rule;
}

}  // namespace

std::string LifecycleConfigurationXml(const std::vector<LifecycleRule>& rules) {
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("LifecycleConfiguration");
  root.append_attribute("xmlns") = kS3Namespace;
  for (const auto& rule : rules) {
    auto r = root.append_child("Rule");
    if (!rule.id.empty()) Text(r, "ID", rule.id);
    AddFilter(r, rule);
    Text(r, "Status", LifecycleStatusName(rule.status));
    for (const auto& t : rule.transitions) {
      auto n = r.append_child("Transition");
      if (t.days) Text(n, "Days", std::to_string(*t.days));
      if (t.date) Text(n, "Date", FormatIso8601(*t.date));
      Text(n, "StorageClass", t.storage_class);
    }
    if (rule.expiration) {
      auto n = r.append_child("Expiration");
      if (rule.expiration->days) Text(n, "Days", std::to_string(*rule.expiration->days));
      if (rule.expiration->date) Text(n, "Date", FormatIso8601(*rule.expiration->date));
      if (rule.expiration->expired_object_delete_marker)
        Text(n, "ExpiredObjectDeleteMarker", *rule.expiration->expired_object_delete_marker ? "true" : "false");
    }
    for (const auto& t : rule.noncurrent_version_transitions) {
      auto n = r.append_child("NoncurrentVersionTransition");
      Text(n, "NoncurrentDays", std::to_string(t.noncurrent_days));
      Text(n, "StorageClass", t.storage_class);
      if (t.newer_noncurrent_versions) Text(n, "NewerNoncurrentVersions", std::to_string(*t.newer_noncurrent_versions));
    }
    if (const auto& nve = rule.noncurrent_version_expiration) {
      auto n = r.append_child("NoncurrentVersionExpiration");
      Text(n, "NoncurrentDays", std::to_string(nve->noncurrent_days));
      if (nve->newer_noncurrent_versions) Text(n, "NewerNoncurrentVersions", std::to_string(*nve->newer_noncurrent_versions));
    }
    if (rule.abort_incomplete_multipart_upload_days) {
      auto n = r.append_child("AbortIncompleteMultipartUpload");
      Text(n, "DaysAfterInitiation", std::to_string(*rule.abort_incomplete_multipart_upload_days));
    }
  }
  return SerializeXml(doc);
}

HttpRequest BuildGetBucketLifecycleConfiguration(const Target& t, std::string_view bucket) {
  HttpRequest r = NewRequest(t, "GET", bucket);
  r.query.emplace_back("lifecycle", "");
  return r;
}

Result<HttpRequest> BuildPutBucketLifecycleConfiguration(const Target& t,
                                                         const PutBucketLifecycleConfigurationRequest& req) {
  Status valid = ValidateLifecycleRules(req.rules);
  if (!valid.ok()) return Status::InvalidArgument("PutBucketLifecycleConfiguration: " + valid.message());
  std::string xml = LifecycleConfigurationXml(req.rules);
  HttpRequest r = NewRequest(t, "PUT", req.bucket);
  r.query.emplace_back("lifecycle", "");
  r.headers.Set("Content-Type", "application/xml");
  r.headers.Set("Content-MD5", Base64Encode(Md5(xml)));
  if (!req.transition_default_minimum_object_size.empty())
    r.headers.Set("x-amz-transition-default-minimum-object-size", req.transition_default_minimum_object_size);
  r.body = MemoryBody(std::move(xml));
  return r;
}

HttpRequest BuildDeleteBucketLifecycle(const Target& t, std::string_view bucket) {
  HttpRequest r = NewRequest(t, "DELETE", bucket);
  r.query.emplace_back("lifecycle", "");
  return r;
}

Result<HttpRequest> BuildRestoreObject(const Target& t, const RestoreObjectRequest& req) {
  if (req.days < 1)
    return Status::InvalidArgument("RestoreObject: days must be at least 1, got " + std::to_string(req.days));
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("RestoreRequest");
  root.append_attribute("xmlns") = kS3Namespace;
  Text(root, "Days", std::to_string(req.days));
  Text(root.append_child("GlacierJobParameters"), "Tier", RestoreTierName(req.tier));
  std::string xml = SerializeXml(doc);
  HttpRequest r = NewRequest(t, "POST", req.bucket, req.key);
  r.query.emplace_back("restore", "");
  if (!req.version_id.empty()) r.query.emplace_back("versionId", req.version_id);
  r.headers.Set("Content-Type", "application/xml");
  r.headers.Set("Content-MD5", Base64Encode(Md5(xml)));
  r.body = MemoryBody(std::move(xml));
  return r;
}

Result<GetBucketLifecycleConfigurationResult> ParseGetBucketLifecycleConfiguration(const HttpResponse& resp) {
  pugi::xml_document doc;
  S3ML_ASSIGN_OR_RETURN(pugi::xml_node root,
                        ParseXmlDocument(resp.body.view(), kGetOp, "LifecycleConfiguration", resp.status, doc));
  GetBucketLifecycleConfigurationResult out;
  out.transition_default_minimum_object_size = resp.headers.Get("x-amz-transition-default-minimum-object-size");
  for (auto r = root.child("Rule"); r; r = r.next_sibling("Rule")) {
    S3ML_ASSIGN_OR_RETURN(LifecycleRule rule, ParseRule(r, resp.status));
    out.rules.push_back(std::move(rule));
  }
  return out;
}

}  // namespace ops
}  // namespace s3ml
