#include "mock/lifecycle.h"

#include <pugixml.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <set>

#include "common/crypto.h"
#include "mock/xml.h"

namespace s3ml::mock {

namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::int64_t kDay = 86400;

// Integer element text. Non-numeric text is a schema violation (MalformedXML);
// the range is the caller's to check, because S3 reports it as InvalidArgument.
Expected<long long> IntText(const pugi::xml_node& n) {
  const std::string s = n.text().as_string();
  if (s.empty()) return MalformedXml();
  std::size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i == s.size()) return MalformedXml();
  for (std::size_t j = i; j < s.size(); ++j)
    if (s[j] < '0' || s[j] > '9') return MalformedXml();
  errno = 0;
  long long v = std::strtoll(s.c_str(), nullptr, 10);
  if (errno == ERANGE || v > INT32_MAX || v < INT32_MIN) return InvalidArgument("'" + std::string(n.name()) + "' is out of range", n.name(), s);
  return v;
}

Expected<std::uint64_t> SizeText(const pugi::xml_node& n) {
  const std::string s = n.text().as_string();
  if (s.empty() || s.size() > 19) return MalformedXml();
  for (char c : s)
    if (c < '0' || c > '9') return MalformedXml();
  return static_cast<std::uint64_t>(std::strtoull(s.c_str(), nullptr, 10));
}

int CountChildren(const pugi::xml_node& n, const char* name) {
  int count = 0;
  for (auto c = n.child(name); c; c = c.next_sibling(name)) ++count;
  return count;
}

bool IsTransitionClass(const std::string& s) {
  return s == "GLACIER" || s == "STANDARD_IA" || s == "ONEZONE_IA" || s == "INTELLIGENT_TIERING" ||
         s == "DEEP_ARCHIVE" || s == "GLACIER_IR";
}

Expected<SystemTime> MidnightDate(const pugi::xml_node& n) {
  auto t = ParseIso8601(n.text().as_string());
  if (!t.ok()) return InvalidArgument("Invalid date: " + std::string(n.text().as_string()), "Date", n.text().as_string());
  if (!IsMidnightUtc(*t)) return InvalidArgument("'Date' must be at midnight GMT", "Date", n.text().as_string());
  return *t;
}

Expected<Tag> ParseTag(const pugi::xml_node& n) {
  if (!n.child("Key") || CountChildren(n, "Key") != 1 || CountChildren(n, "Value") > 1) return MalformedXml();
  Tag t{n.child("Key").text().as_string(), n.child("Value").text().as_string()};
  if (t.key.empty() || t.key.size() > 128) return InvalidArgument("The TagKey you have provided is invalid", "Key", t.key);
  if (t.value.size() > 256) return InvalidArgument("The TagValue you have provided is invalid", "Value", t.value);
  return t;
}

// One predicate set (a <Filter> or its <And>): Prefix, Tag..., sizes.
MaybeError ParsePredicates(const pugi::xml_node& n, LifecycleFilter& f, bool allow_many_tags) {
  if (CountChildren(n, "Prefix") > 1 || CountChildren(n, "ObjectSizeGreaterThan") > 1 ||
      CountChildren(n, "ObjectSizeLessThan") > 1 || (!allow_many_tags && CountChildren(n, "Tag") > 1))
    return MalformedXml();
  for (pugi::xml_node c : n.children()) {
    if (c.type() != pugi::node_element) continue;
    const std::string name = c.name();
    if (name == "Prefix") {
      f.prefix = c.text().as_string();
    } else if (name == "Tag") {
      auto tag = ParseTag(c);
      if (!tag.ok()) return tag.error();
      for (const auto& t : f.tags)
        if (t.key == tag->key) return InvalidRequest("Duplicate Tag Keys are not allowed.");
      f.tags.push_back(std::move(*tag));
    } else if (name == "ObjectSizeGreaterThan") {
      auto v = SizeText(c);
      if (!v.ok()) return v.error();
      f.object_size_greater_than = *v;
    } else if (name == "ObjectSizeLessThan") {
      auto v = SizeText(c);
      if (!v.ok()) return v.error();
      if (*v == 0) return InvalidArgument("'ObjectSizeLessThan' must be greater than 0", "ObjectSizeLessThan", "0");
      f.object_size_less_than = *v;
    } else if (name != "And" || !allow_many_tags) {
      return MalformedXml();
    }
  }
  if (f.object_size_greater_than && f.object_size_less_than &&
      *f.object_size_greater_than >= *f.object_size_less_than)
    return InvalidArgument("ObjectSizeGreaterThan must be less than ObjectSizeLessThan", "ObjectSizeGreaterThan",
                           std::to_string(*f.object_size_greater_than));
  return std::nullopt;
}

MaybeError ParseFilter(const pugi::xml_node& filter, LifecycleFilter& f) {
  int elements = 0;
  for (pugi::xml_node c : filter.children())
    if (c.type() == pugi::node_element) ++elements;
  if (elements > 1) return MalformedXml();  // several conditions need <And>
  if (auto conj = filter.child("And")) {
    if (auto err = ParsePredicates(conj, f, /*allow_many_tags=*/true)) return err;
    if (conj.child("And")) return MalformedXml();
    return std::nullopt;
  }
  return ParsePredicates(filter, f, /*allow_many_tags=*/false);
}

Expected<LifecycleRule> ParseRule(const pugi::xml_node& r) {
  static const std::set<std::string> kKnown = {"ID",
                                               "Status",
                                               "Filter",
                                               "Prefix",
                                               "Expiration",
                                               "Transition",
                                               "NoncurrentVersionExpiration",
                                               "NoncurrentVersionTransition",
                                               "AbortIncompleteMultipartUpload"};
  for (pugi::xml_node c : r.children())
    if (c.type() == pugi::node_element && !kKnown.count(c.name())) return MalformedXml();
  for (const char* once : {"ID", "Status", "Filter", "Prefix", "Expiration", "NoncurrentVersionExpiration",
                           "AbortIncompleteMultipartUpload"})
    if (CountChildren(r, once) > 1) return MalformedXml();

  LifecycleRule rule;
  rule.id = r.child("ID").text().as_string();
  if (rule.id.size() > kMaxLifecycleRuleIdLength)
    return InvalidArgument("ID length should not exceed allowed limit of 255", "ID", rule.id);

  const std::string status = r.child("Status").text().as_string();
  if (status == "Enabled") rule.status = LifecycleStatus::kEnabled;
  else if (status == "Disabled") rule.status = LifecycleStatus::kDisabled;
  else return MalformedXml();

  // Exactly one of <Filter> and the deprecated rule-level <Prefix>.
  const bool has_filter = r.child("Filter"), has_prefix = r.child("Prefix");
  if (has_filter == has_prefix) return MalformedXml();
  if (has_prefix) {
    rule.legacy_prefix = true;
    rule.filter.prefix = r.child("Prefix").text().as_string();
  } else if (auto err = ParseFilter(r.child("Filter"), rule.filter)) {
    return *err;
  }
  const bool tag_or_size = !rule.filter.tags.empty() || rule.filter.object_size_greater_than ||
                           rule.filter.object_size_less_than;

  if (auto e = r.child("Expiration")) {
    const int n = CountChildren(e, "Days") + CountChildren(e, "Date") + CountChildren(e, "ExpiredObjectDeleteMarker");
    if (n != 1) return MalformedXml();  // exactly one of Days, Date, ExpiredObjectDeleteMarker
    LifecycleExpiration exp;
    if (auto d = e.child("Days")) {
      auto v = IntText(d);
      if (!v.ok()) return v.error();
      if (*v <= 0)
        return InvalidArgument("'Days' for Expiration action must be a positive integer", "Days", d.text().as_string());
      exp.days = static_cast<int>(*v);
    } else if (auto d = e.child("Date")) {
      auto t = MidnightDate(d);
      if (!t.ok()) return t.error();
      exp.date = *t;
    } else {
      const std::string v = e.child("ExpiredObjectDeleteMarker").text().as_string();
      if (v != "true" && v != "false") return MalformedXml();
      if (!rule.filter.tags.empty())
        return InvalidRequest("ExpiredObjectDeleteMarker cannot be specified with Tags.");
      exp.expired_object_delete_marker = v == "true";
    }
    rule.expiration = exp;
  }

  std::set<std::string> classes;
  bool any_days = false, any_date = false;
  for (auto t = r.child("Transition"); t; t = t.next_sibling("Transition")) {
    if (CountChildren(t, "Days") + CountChildren(t, "Date") != 1 || CountChildren(t, "StorageClass") != 1)
      return MalformedXml();
    LifecycleTransition tr;
    tr.storage_class = t.child("StorageClass").text().as_string();
    if (!IsTransitionClass(tr.storage_class)) return MalformedXml();
    if (auto d = t.child("Days")) {
      auto v = IntText(d);
      if (!v.ok()) return v.error();
      if (*v < 0) return InvalidArgument("'Days' in Transition action must be nonnegative", "Days", d.text().as_string());
      if ((tr.storage_class == "STANDARD_IA" || tr.storage_class == "ONEZONE_IA") && *v < 30)
        return InvalidArgument("'Days' in Transition action must be greater than or equal to 30 for storageClass '" +
                                   tr.storage_class + "'",
                               "Days", d.text().as_string());
      tr.days = static_cast<int>(*v);
      any_days = true;
    } else {
      auto when = MidnightDate(t.child("Date"));
      if (!when.ok()) return when.error();
      tr.date = *when;
      any_date = true;
    }
    if (!classes.insert(tr.storage_class).second)
      return InvalidRequest("'StorageClass' must be different for 'Transition' actions in same 'Rule' with filter '" +
                            rule.filter.prefix + "'");
    rule.transitions.push_back(std::move(tr));
  }
  if (any_days && any_date) return InvalidRequest("Found mixed 'Date' and 'Days' based Transition actions in lifecycle rule");
  if (rule.expiration && !rule.transitions.empty() &&
      ((rule.expiration->days && any_date) || (rule.expiration->date && any_days)))
    return InvalidRequest("Found mixed 'Date' and 'Days' based Expiration and Transition actions in lifecycle rule");

  auto newer_versions = [](const pugi::xml_node& n, std::optional<int>& out) -> MaybeError {
    if (auto c = n.child("NewerNoncurrentVersions")) {
      auto v = IntText(c);
      if (!v.ok()) return v.error();
      if (*v < 1 || *v > 100)
        return InvalidArgument("'NewerNoncurrentVersions' must be between 1 and 100", "NewerNoncurrentVersions",
                               c.text().as_string());
      out = static_cast<int>(*v);
    }
    return std::nullopt;
  };

  if (auto n = r.child("NoncurrentVersionExpiration")) {
    if (CountChildren(n, "NoncurrentDays") != 1) return MalformedXml();
    auto v = IntText(n.child("NoncurrentDays"));
    if (!v.ok()) return v.error();
    if (*v <= 0)
      return InvalidArgument("'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer",
                             "NoncurrentDays", n.child("NoncurrentDays").text().as_string());
    NoncurrentVersionExpiration nve;
    nve.noncurrent_days = static_cast<int>(*v);
    if (auto err = newer_versions(n, nve.newer_noncurrent_versions)) return *err;
    rule.noncurrent_version_expiration = nve;
  }
  std::set<std::string> nc_classes;
  for (auto n = r.child("NoncurrentVersionTransition"); n; n = n.next_sibling("NoncurrentVersionTransition")) {
    if (CountChildren(n, "NoncurrentDays") != 1 || CountChildren(n, "StorageClass") != 1) return MalformedXml();
    NoncurrentVersionTransition nvt;
    nvt.storage_class = n.child("StorageClass").text().as_string();
    if (!IsTransitionClass(nvt.storage_class)) return MalformedXml();
    auto v = IntText(n.child("NoncurrentDays"));
    if (!v.ok()) return v.error();
    if (*v < 0)
      return InvalidArgument("'NoncurrentDays' in NoncurrentVersionTransition action must be nonnegative",
                             "NoncurrentDays", n.child("NoncurrentDays").text().as_string());
    if ((nvt.storage_class == "STANDARD_IA" || nvt.storage_class == "ONEZONE_IA") && *v < 30)
      return InvalidArgument("'NoncurrentDays' in NoncurrentVersionTransition action must be greater than or equal to "
                             "30 for storageClass '" + nvt.storage_class + "'",
                             "NoncurrentDays", n.child("NoncurrentDays").text().as_string());
    nvt.noncurrent_days = static_cast<int>(*v);
    if (auto err = newer_versions(n, nvt.newer_noncurrent_versions)) return *err;
    if (!nc_classes.insert(nvt.storage_class).second)
      return InvalidRequest("'StorageClass' must be different for 'NoncurrentVersionTransition' actions in same 'Rule'");
    rule.noncurrent_version_transitions.push_back(std::move(nvt));
  }

  if (auto a = r.child("AbortIncompleteMultipartUpload")) {
    if (CountChildren(a, "DaysAfterInitiation") != 1) return MalformedXml();
    auto v = IntText(a.child("DaysAfterInitiation"));
    if (!v.ok()) return v.error();
    if (*v <= 0)
      return InvalidArgument("'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive "
                             "integer",
                             "DaysAfterInitiation", a.child("DaysAfterInitiation").text().as_string());
    if (tag_or_size)
      return InvalidRequest(rule.filter.tags.empty() ? "AbortIncompleteMultipartUpload cannot be specified with "
                                                       "object size."
                                                     : "AbortIncompleteMultipartUpload cannot be specified with Tags.");
    rule.abort_incomplete_multipart_upload_days = static_cast<int>(*v);
  }

  if (!rule.expiration && rule.transitions.empty() && !rule.noncurrent_version_expiration &&
      rule.noncurrent_version_transitions.empty() && !rule.abort_incomplete_multipart_upload_days)
    return InvalidRequest("At least one action needs to be specified in a rule");
  return rule;
}

void AddFilter(pugi::xml_node rule_node, const LifecycleRule& rule) {
  const LifecycleFilter& f = rule.filter;
  if (rule.legacy_prefix) {
    AddText(rule_node, "Prefix", f.prefix);
    return;
  }
  pugi::xml_node filter = rule_node.append_child("Filter");
  const int n = f.ConditionCount();
  pugi::xml_node target = n > 1 ? filter.append_child("And") : filter;
  if (!f.prefix.empty() || n == 0) AddText(target, "Prefix", f.prefix);
  for (const auto& t : f.tags) {
    auto tag = target.append_child("Tag");
    AddText(tag, "Key", t.key);
    AddText(tag, "Value", t.value);
  }
  if (f.object_size_greater_than)
    AddText(target, "ObjectSizeGreaterThan", std::to_string(*f.object_size_greater_than));
  if (f.object_size_less_than) AddText(target, "ObjectSizeLessThan", std::to_string(*f.object_size_less_than));
}

std::string IsoDate(SystemTime t) { return FormatIso8601(t); }

bool HasAllTags(const std::vector<Tag>& want, const std::map<std::string, std::string>* have) {
  if (want.empty()) return true;
  if (!have) return false;
  for (const auto& t : want) {
    auto it = have->find(t.key);
    if (it == have->end() || it->second != t.value) return false;
  }
  return true;
}

}  // namespace

Expected<LifecycleConfiguration> ParseLifecycleXml(const std::string& payload) {
  pugi::xml_document doc;
  if (payload.empty() || !doc.load_buffer(payload.data(), payload.size())) return MalformedXml();
  pugi::xml_node root = doc.child("LifecycleConfiguration");
  if (!root) return MalformedXml();
  for (pugi::xml_node c : root.children())
    if (c.type() == pugi::node_element && std::string(c.name()) != "Rule") return MalformedXml();
  LifecycleConfiguration config;
  std::set<std::string> ids;
  for (auto r = root.child("Rule"); r; r = r.next_sibling("Rule")) {
    if (config.rules.size() == kMaxLifecycleRules)
      return InvalidArgument("Lifecycle configuration cannot have more than 1000 rules");
    auto rule = ParseRule(r);
    if (!rule.ok()) return rule.error();
    if (!rule->id.empty() && !ids.insert(rule->id).second)
      return InvalidArgument("Rule ID must be unique. Found same ID for more than one rule", "ID", rule->id);
    config.rules.push_back(std::move(*rule));
  }
  if (config.rules.empty()) return MalformedXml();
  // S3 names a rule saved without an ID itself (GetBucketLifecycleConfiguration returns
  // the name); derived from the document so that the same PUT names its rules alike.
  for (std::size_t i = 0; i < config.rules.size(); ++i) {
    LifecycleRule& rule = config.rules[i];
    if (!rule.id.empty()) continue;
    for (int n = 0; rule.id.empty() || ids.count(rule.id) > 0; ++n)
      rule.id = Base64Encode(HexEncode(Sha256(payload + "#" + std::to_string(i) + "#" + std::to_string(n)))
                                 .substr(0, 36));
    ids.insert(rule.id);
  }
  return config;
}

std::string LifecycleXml(const LifecycleConfiguration& config) {
  XmlWriter w("LifecycleConfiguration");
  for (const auto& rule : config.rules) {
    auto r = w.root().append_child("Rule");
    if (!rule.id.empty()) AddText(r, "ID", rule.id);
    AddFilter(r, rule);
    AddText(r, "Status", LifecycleStatusName(rule.status));
    for (const auto& t : rule.transitions) {
      auto n = r.append_child("Transition");
      if (t.days) AddText(n, "Days", std::to_string(*t.days));
      if (t.date) AddText(n, "Date", IsoDate(*t.date));
      AddText(n, "StorageClass", t.storage_class);
    }
    if (rule.expiration) {
      auto n = r.append_child("Expiration");
      if (rule.expiration->days) AddText(n, "Days", std::to_string(*rule.expiration->days));
      if (rule.expiration->date) AddText(n, "Date", IsoDate(*rule.expiration->date));
      if (rule.expiration->expired_object_delete_marker)
        AddText(n, "ExpiredObjectDeleteMarker", *rule.expiration->expired_object_delete_marker ? "true" : "false");
    }
    for (const auto& t : rule.noncurrent_version_transitions) {
      auto n = r.append_child("NoncurrentVersionTransition");
      AddText(n, "NoncurrentDays", std::to_string(t.noncurrent_days));
      AddText(n, "StorageClass", t.storage_class);
      if (t.newer_noncurrent_versions) AddText(n, "NewerNoncurrentVersions", std::to_string(*t.newer_noncurrent_versions));
    }
    if (rule.noncurrent_version_expiration) {
      auto n = r.append_child("NoncurrentVersionExpiration");
      AddText(n, "NoncurrentDays", std::to_string(rule.noncurrent_version_expiration->noncurrent_days));
      if (rule.noncurrent_version_expiration->newer_noncurrent_versions)
        AddText(n, "NewerNoncurrentVersions",
                std::to_string(*rule.noncurrent_version_expiration->newer_noncurrent_versions));
    }
    if (rule.abort_incomplete_multipart_upload_days) {
      auto n = r.append_child("AbortIncompleteMultipartUpload");
      AddText(n, "DaysAfterInitiation", std::to_string(*rule.abort_incomplete_multipart_upload_days));
    }
  }
  return w.str();
}

SystemTime MidnightAfter(SystemTime t, int days) {
  const std::int64_t s =
      std::chrono::duration_cast<seconds>(t.time_since_epoch()).count() + static_cast<std::int64_t>(days) * kDay;
  std::int64_t day = s / kDay;
  if (s % kDay < 0) --day;  // floor for times before the epoch
  return SystemTime(seconds((day + 1) * kDay));
}

bool IsMidnightUtc(SystemTime t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  return ms % (kDay * 1000) == 0;
}

bool FilterMatches(const LifecycleFilter& f, const LifecycleSubject& s) {
  if (s.key.compare(0, f.prefix.size(), f.prefix) != 0) return false;
  if (!HasAllTags(f.tags, s.delete_marker ? nullptr : s.tags)) return false;
  if (f.object_size_greater_than && (s.delete_marker || s.size <= *f.object_size_greater_than)) return false;
  if (f.object_size_less_than && (s.delete_marker || s.size >= *f.object_size_less_than)) return false;
  return true;
}

std::optional<ObjectExpiration> ExpirationFor(const LifecycleConfiguration& config, const LifecycleSubject& s,
                                              SystemTime created) {
  std::optional<ObjectExpiration> best;
  for (const auto& rule : config.rules) {
    if (rule.status != LifecycleStatus::kEnabled || !rule.expiration) continue;
    if (!rule.expiration->days && !rule.expiration->date) continue;
    if (!FilterMatches(rule.filter, s)) continue;
    const SystemTime when = rule.expiration->days ? MidnightAfter(created, *rule.expiration->days) : *rule.expiration->date;
    if (!best || when < best->expiry_date) best = ObjectExpiration{when, rule.id};
  }
  return best;
}

int StorageClassRank(const std::string& c) {
  static const char* kOrder[] = {"STANDARD",   "INTELLIGENT_TIERING", "STANDARD_IA", "ONEZONE_IA",
                                 "GLACIER_IR", "GLACIER",             "DEEP_ARCHIVE"};
  if (c.empty() || c == "REDUCED_REDUNDANCY") return 0;
  for (int i = 0; i < 7; ++i)
    if (c == kOrder[i]) return i;
  return -1;
}

bool IsArchiveStorageClass(const std::string& c) { return c == "GLACIER" || c == "DEEP_ARCHIVE"; }

std::chrono::seconds RestoreDelay(const std::string& storage_class, const std::string& tier) {
  if (storage_class == "DEEP_ARCHIVE") return tier == "Bulk" ? hours(48) : hours(12);
  if (tier == "Expedited") return minutes(5);
  if (tier == "Bulk") return hours(12);
  return hours(4);
}

std::vector<LifecycleAction> EvaluateLifecycle(const LifecycleConfiguration& config, const BucketSnapshot& bucket,
                                               SystemTime now) {
  std::vector<LifecycleAction> actions;
  using Kind = LifecycleAction::Kind;
  for (const auto& k : bucket.keys) {
    if (k.versions.empty()) continue;
    // ---- the current version
    const SnapshotVersion& cur = k.versions.front();
    LifecycleSubject cur_subject{k.key, cur.size, &cur.tags, cur.delete_marker};
    bool current_removed = false;
    if (!cur.delete_marker) {
      std::optional<LifecycleAction> expire, transition;
      int best_rank = StorageClassRank(cur.storage_class);
      for (const auto& rule : config.rules) {
        if (rule.status != LifecycleStatus::kEnabled || !FilterMatches(rule.filter, cur_subject)) continue;
        if (rule.expiration && (rule.expiration->days || rule.expiration->date) && !expire) {
          const SystemTime due = rule.expiration->days ? MidnightAfter(cur.last_modified, *rule.expiration->days)
                                                       : *rule.expiration->date;
          if (now >= due) expire = LifecycleAction{Kind::kExpireCurrent, k.key, cur.version_id, "", "", rule.id, cur.identity};
        }
        for (const auto& t : rule.transitions) {
          const SystemTime due = t.days ? MidnightAfter(cur.last_modified, *t.days) : *t.date;
          const int rank = StorageClassRank(t.storage_class);
          if (now >= due && rank > best_rank) {
            best_rank = rank;
            transition = LifecycleAction{Kind::kTransition, k.key, cur.version_id, t.storage_class, "", rule.id, cur.identity};
          }
        }
      }
      if (expire) {
        actions.push_back(*expire);
        current_removed = !bucket.versioned;
      } else if (transition) {
        actions.push_back(*transition);
      }
    } else if (k.versions.size() == 1) {
      // A lone delete marker: ExpiredObjectDeleteMarker removes it.
      for (const auto& rule : config.rules) {
        if (rule.status != LifecycleStatus::kEnabled || !rule.expiration ||
            !rule.expiration->expired_object_delete_marker.value_or(false) || !FilterMatches(rule.filter, cur_subject))
          continue;
        actions.push_back(LifecycleAction{Kind::kDeleteVersion, k.key, cur.version_id, "", "", rule.id, cur.identity});
        current_removed = true;
        break;
      }
    }
    if (current_removed || !bucket.versioned) continue;

    // ---- noncurrent versions: index i became noncurrent when versions[i-1] was written.
    for (std::size_t i = 1; i < k.versions.size(); ++i) {
      const SnapshotVersion& v = k.versions[i];
      const SystemTime noncurrent_since = k.versions[i - 1].last_modified;
      const int newer_noncurrent = static_cast<int>(i) - 1;  // noncurrent versions newer than this one
      LifecycleSubject subject{k.key, v.size, &v.tags, v.delete_marker};
      std::optional<LifecycleAction> remove, transition;
      int best_rank = StorageClassRank(v.storage_class);
      for (const auto& rule : config.rules) {
        if (rule.status != LifecycleStatus::kEnabled || !FilterMatches(rule.filter, subject)) continue;
        if (const auto& nve = rule.noncurrent_version_expiration; nve && !remove) {
          if (now >= MidnightAfter(noncurrent_since, nve->noncurrent_days) &&
              newer_noncurrent >= nve->newer_noncurrent_versions.value_or(0))
            remove = LifecycleAction{Kind::kDeleteVersion, k.key, v.version_id, "", "", rule.id, v.identity};
        }
        if (v.delete_marker) continue;
        for (const auto& t : rule.noncurrent_version_transitions) {
          const int rank = StorageClassRank(t.storage_class);
          if (now >= MidnightAfter(noncurrent_since, t.noncurrent_days) &&
              newer_noncurrent >= t.newer_noncurrent_versions.value_or(0) && rank > best_rank) {
            best_rank = rank;
            transition = LifecycleAction{Kind::kTransition, k.key, v.version_id, t.storage_class, "", rule.id, v.identity};
          }
        }
      }
      if (remove) actions.push_back(*remove);
      else if (transition) actions.push_back(*transition);
    }
  }
  // ---- stale multipart uploads (prefix-only filters: S3 refuses tags/sizes with this action)
  for (const auto& u : bucket.uploads) {
    LifecycleSubject subject{u.key, 0, nullptr, false};
    for (const auto& rule : config.rules) {
      if (rule.status != LifecycleStatus::kEnabled || !rule.abort_incomplete_multipart_upload_days) continue;
      if (u.key.compare(0, rule.filter.prefix.size(), rule.filter.prefix) != 0) continue;
      if (now >= MidnightAfter(u.initiated, *rule.abort_incomplete_multipart_upload_days)) {
        actions.push_back(LifecycleAction{Kind::kAbortUpload, u.key, "", "", u.upload_id, rule.id, nullptr});
        break;
      }
    }
  }
  return actions;
}

Expected<RestoreRequestBody> ParseRestoreRequestXml(const std::string& payload) {
  RestoreRequestBody out;
  if (payload.empty()) return MalformedXml();
  pugi::xml_document doc;
  if (!doc.load_buffer(payload.data(), payload.size())) return MalformedXml();
  pugi::xml_node root = doc.child("RestoreRequest");
  if (!root) return MalformedXml();
  if (auto t = root.child("Type"); t && std::string(t.text().as_string()) == "SELECT")
    return S3Error(501, "NotImplemented", "RestoreObject with Type SELECT is not implemented by the mock");
  auto d = root.child("Days");
  if (!d) return MalformedXml();
  auto days = IntText(d);
  if (!days.ok()) return days.error();
  if (*days < 1) return InvalidArgument("Lifecycle restore days must be a positive integer", "Days", d.text().as_string());
  out.days = static_cast<int>(*days);
  if (auto tier = root.child("GlacierJobParameters").child("Tier")) out.tier = tier.text().as_string();
  else if (auto tier2 = root.child("Tier")) out.tier = tier2.text().as_string();
  if (out.tier != "Standard" && out.tier != "Bulk" && out.tier != "Expedited") return MalformedXml();
  return out;
}

}  // namespace s3ml::mock
