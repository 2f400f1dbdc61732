// lifecycle and restore: bucket lifecycle rules and archive restores from the command line.
//
//   s3ml lifecycle s3://bucket get          prints the rules as JSON
//   s3ml lifecycle s3://bucket put FILE.json replaces them (FILE "-" reads stdin)
//   s3ml lifecycle s3://bucket delete       removes them
//   s3ml restore s3://bucket/key --days N [--tier Standard|Bulk|Expedited] [--version-id V]
//
// The JSON has the shape `aws s3api put-bucket-lifecycle-configuration
// --lifecycle-configuration` takes and `get-bucket-lifecycle-configuration` prints:
//   {"Rules": [{"ID": "logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
//               "Expiration": {"Days": 30}, "Transitions": [{"Days": 7, "StorageClass": "GLACIER"}]}]}

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <set>
#include <sstream>
#include <string>

#include "cli_util.h"
#include "s3ml/encoding.h"
#include "commands.h"
#include "s3_uri.h"
#include "s3ml/s3ml.h"

namespace s3ml::cli {

namespace {

using nlohmann::json;

// ---- JSON -> rules ----------------------------------------------------------------

Status Bad(const std::string& where, const std::string& what) {
  return Status::InvalidArgument("lifecycle JSON: " + where + ": " + what);
}

Status CheckKeys(const json& j, const std::string& where, const std::set<std::string>& allowed) {
  if (!j.is_object()) return Bad(where, "expected an object");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!allowed.count(it.key())) return Bad(where, "unknown field '" + it.key() + "'");
  return Status::Ok();
}

Result<int> IntField(const json& j, const char* name, const std::string& where) {
  const json& v = j.at(name);
  if (!v.is_number_integer()) return Bad(where + "." + name, "expected an integer");
  return v.get<int>();
}

Result<std::uint64_t> SizeField(const json& j, const char* name, const std::string& where) {
  const json& v = j.at(name);
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<long long>() >= 0))
    return Bad(where + "." + name, "expected a non-negative integer");
  return v.get<std::uint64_t>();
}

Result<std::string> StringField(const json& j, const char* name, const std::string& where) {
  const json& v = j.at(name);
  if (!v.is_string()) return Bad(where + "." + name, "expected a string");
  return v.get<std::string>();
}

// "2030-01-01", "2030-01-01T00:00:00Z" or with fractions/offsets.
Result<Timestamp> DateField(const json& j, const std::string& where) {
  S3ML_ASSIGN_OR_RETURN(std::string s, StringField(j, "Date", where));
  if (s.size() == 10) s += "T00:00:00Z";
  auto t = ParseIso8601(s);
  if (!t.ok()) return Bad(where + ".Date", "not an ISO-8601 date: '" + s + "'");
  return *t;
}

Result<Tag> TagFrom(const json& j, const std::string& where) {
  S3ML_RETURN_IF_ERROR(CheckKeys(j, where, {"Key", "Value"}));
  if (!j.contains("Key")) return Bad(where, "missing Key");
  Tag t;
  S3ML_ASSIGN_OR_RETURN(t.key, StringField(j, "Key", where));
  if (j.contains("Value")) { S3ML_ASSIGN_OR_RETURN(t.value, StringField(j, "Value", where)); }
  return t;
}

Status PredicatesFrom(const json& j, const std::string& where, LifecycleFilter& f, bool in_and) {
  if (j.contains("Prefix")) { S3ML_ASSIGN_OR_RETURN(f.prefix, StringField(j, "Prefix", where)); }
  if (!in_and && j.contains("Tag")) {
    S3ML_ASSIGN_OR_RETURN(Tag t, TagFrom(j.at("Tag"), where + ".Tag"));
    f.tags.push_back(std::move(t));
  }
  if (in_and && j.contains("Tags")) {
    if (!j.at("Tags").is_array()) return Bad(where + ".Tags", "expected an array");
    for (std::size_t i = 0; i < j.at("Tags").size(); ++i) {
      S3ML_ASSIGN_OR_RETURN(Tag t, TagFrom(j.at("Tags")[i], where + ".Tags[" + std::to_string(i) + "]"));
      f.tags.push_back(std::move(t));
    }
  }
  if (j.contains("ObjectSizeGreaterThan")) {
    S3ML_ASSIGN_OR_RETURN(std::uint64_t v, SizeField(j, "ObjectSizeGreaterThan", where));
    f.object_size_greater_than = v;
  }
  if (j.contains("ObjectSizeLessThan")) {
    S3ML_ASSIGN_OR_RETURN(std::uint64_t v, SizeField(j, "ObjectSizeLessThan", where));
    f.object_size_less_than = v;
  }
  return Status::Ok();
}

Result<LifecycleRule> RuleFrom(const json& j, const std::string& where) {
  S3ML_RETURN_IF_ERROR(CheckKeys(j, where,
                                 {"ID", "Status", "Filter", "Prefix", "Expiration", "Transitions",
                                  "NoncurrentVersionExpiration", "NoncurrentVersionTransitions",
                                  "AbortIncompleteMultipartUpload"}));
  LifecycleRule r;
  if (j.contains("ID")) { S3ML_ASSIGN_OR_RETURN(r.id, StringField(j, "ID", where)); }
  if (!j.contains("Status")) return Bad(where, "missing Status (Enabled or Disabled)");
  S3ML_ASSIGN_OR_RETURN(std::string status, StringField(j, "Status", where));
  if (status == "Enabled") r.status = LifecycleStatus::kEnabled;
  else if (status == "Disabled") r.status = LifecycleStatus::kDisabled;
  else return Bad(where + ".Status", "expected Enabled or Disabled, got '" + status + "'");
  if (j.contains("Filter")) {
    const json& f = j.at("Filter");
    S3ML_RETURN_IF_ERROR(
        CheckKeys(f, where + ".Filter", {"Prefix", "Tag", "ObjectSizeGreaterThan", "ObjectSizeLessThan", "And"}));
    S3ML_RETURN_IF_ERROR(PredicatesFrom(f, where + ".Filter", r.filter, false));
    if (f.contains("And")) {
      S3ML_RETURN_IF_ERROR(CheckKeys(f.at("And"), where + ".Filter.And",
                                     {"Prefix", "Tags", "ObjectSizeGreaterThan", "ObjectSizeLessThan"}));
      S3ML_RETURN_IF_ERROR(PredicatesFrom(f.at("And"), where + ".Filter.And", r.filter, true));
    }
  } else if (j.contains("Prefix")) {
    r.legacy_prefix = true;
    S3ML_ASSIGN_OR_RETURN(r.filter.prefix, StringField(j, "Prefix", where));
  }
  if (j.contains("Expiration")) {
    const json& e = j.at("Expiration");
    const std::string w = where + ".Expiration";
    S3ML_RETURN_IF_ERROR(CheckKeys(e, w, {"Days", "Date", "ExpiredObjectDeleteMarker"}));
    LifecycleExpiration exp;
    if (e.contains("Days")) { S3ML_ASSIGN_OR_RETURN(exp.days, IntField(e, "Days", w)); }
    if (e.contains("Date")) { S3ML_ASSIGN_OR_RETURN(exp.date, DateField(e, w)); }
    if (e.contains("ExpiredObjectDeleteMarker")) {
      if (!e.at("ExpiredObjectDeleteMarker").is_boolean()) return Bad(w + ".ExpiredObjectDeleteMarker", "expected true/false");
      exp.expired_object_delete_marker = e.at("ExpiredObjectDeleteMarker").get<bool>();
    }
    r.expiration = exp;
  }
  if (j.contains("Transitions")) {
    if (!j.at("Transitions").is_array()) return Bad(where + ".Transitions", "expected an array");
    for (std::size_t i = 0; i < j.at("Transitions").size(); ++i) {
      const json& t = j.at("Transitions")[i];
      const std::string w = where + ".Transitions[" + std::to_string(i) + "]";
      S3ML_RETURN_IF_ERROR(CheckKeys(t, w, {"Days", "Date", "StorageClass"}));
      LifecycleTransition tr;
      if (t.contains("Days")) { S3ML_ASSIGN_OR_RETURN(tr.days, IntField(t, "Days", w)); }
      if (t.contains("Date")) { S3ML_ASSIGN_OR_RETURN(tr.date, DateField(t, w)); }
      if (!t.contains("StorageClass")) return Bad(w, "missing StorageClass");
      S3ML_ASSIGN_OR_RETURN(tr.storage_class, StringField(t, "StorageClass", w));
      r.transitions.push_back(std::move(tr));
    }
  }
  if (j.contains("NoncurrentVersionExpiration")) {
    const json& n = j.at("NoncurrentVersionExpiration");
    const std::string w = where + ".NoncurrentVersionExpiration";
    S3ML_RETURN_IF_ERROR(CheckKeys(n, w, {"NoncurrentDays", "NewerNoncurrentVersions"}));
    NoncurrentVersionExpiration nve;
    if (!n.contains("NoncurrentDays")) return Bad(w, "missing NoncurrentDays");
    S3ML_ASSIGN_OR_RETURN(nve.noncurrent_days, IntField(n, "NoncurrentDays", w));
    if (n.contains("NewerNoncurrentVersions")) {
      S3ML_ASSIGN_OR_RETURN(nve.newer_noncurrent_versions, IntField(n, "NewerNoncurrentVersions", w)); }
    r.noncurrent_version_expiration = nve;
  }
  if (j.contains("NoncurrentVersionTransitions")) {
    if (!j.at("NoncurrentVersionTransitions").is_array())
      return Bad(where + ".NoncurrentVersionTransitions", "expected an array");
    for (std::size_t i = 0; i < j.at("NoncurrentVersionTransitions").size(); ++i) {
      const json& t = j.at("NoncurrentVersionTransitions")[i];
      const std::string w = where + ".NoncurrentVersionTransitions[" + std::to_string(i) + "]";
      S3ML_RETURN_IF_ERROR(CheckKeys(t, w, {"NoncurrentDays", "StorageClass", "NewerNoncurrentVersions"}));
      NoncurrentVersionTransition nvt;
      if (!t.contains("NoncurrentDays") || !t.contains("StorageClass")) return Bad(w, "needs NoncurrentDays and StorageClass");
      S3ML_ASSIGN_OR_RETURN(nvt.noncurrent_days, IntField(t, "NoncurrentDays", w));
      S3ML_ASSIGN_OR_RETURN(nvt.storage_class, StringField(t, "StorageClass", w));
      if (t.contains("NewerNoncurrentVersions")) {
        S3ML_ASSIGN_OR_RETURN(nvt.newer_noncurrent_versions, IntField(t, "NewerNoncurrentVersions", w)); }
      r.noncurrent_version_transitions.push_back(std::move(nvt));
    }
  }
  if (j.contains("AbortIncompleteMultipartUpload")) {
    const json& a = j.at("AbortIncompleteMultipartUpload");
    const std::string w = where + ".AbortIncompleteMultipartUpload";
    S3ML_RETURN_IF_ERROR(CheckKeys(a, w, {"DaysAfterInitiation"}));
    if (!a.contains("DaysAfterInitiation")) return Bad(w, "missing DaysAfterInitiation");
    S3ML_ASSIGN_OR_RETURN(r.abort_incomplete_multipart_upload_days, IntField(a, "DaysAfterInitiation", w));
  }
  return r;
}

Result<std::vector<LifecycleRule>> RulesFromJson(const std::string& text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::InvalidArgument("lifecycle JSON: not valid JSON");
  if (doc.is_object() && doc.contains("LifecycleConfiguration")) doc = doc.at("LifecycleConfiguration");
  if (!doc.is_object() || !doc.contains("Rules") || !doc.at("Rules").is_array())
    return Status::InvalidArgument("lifecycle JSON: expected {\"Rules\": [...]}");
  std::vector<LifecycleRule> rules;
  for (std::size_t i = 0; i < doc.at("Rules").size(); ++i) {
    S3ML_ASSIGN_OR_RETURN(LifecycleRule r, RuleFrom(doc.at("Rules")[i], "Rules[" + std::to_string(i) + "]"));
    rules.push_back(std::move(r));
  }
  return rules;
}

// ---- rules -> JSON ----------------------------------------------------------------

std::string JsonDate(Timestamp t) {
  std::string s = FormatIso8601(t);  // "...T00:00:00.000Z" -> "...T00:00:00Z" as aws prints it
  const auto dot = s.find('.');
  return dot == std::string::npos ? s : s.substr(0, dot) + "Z";
}

json TagJson(const Tag& t) { return json{{"Key", t.key}, {"Value", t.value}}; }

json RuleJson(const LifecycleRule& r) {
  json j = json::object();
  if (!r.id.empty()) j["ID"] = r.id;
  const LifecycleFilter& f = r.filter;
  if (r.legacy_prefix) {
    j["Prefix"] = f.prefix;
  } else if (f.ConditionCount() > 1) {
    json a = json::object();
    if (!f.prefix.empty()) a["Prefix"] = f.prefix;
    if (!f.tags.empty()) {
      a["Tags"] = json::array();
      for (const auto& t : f.tags) a["Tags"].push_back(TagJson(t));
    }
    if (f.object_size_greater_than) a["ObjectSizeGreaterThan"] = *f.object_size_greater_than;
    if (f.object_size_less_than) a["ObjectSizeLessThan"] = *f.object_size_less_than;
    j["Filter"] = json{{"And", a}};
  } else {
    json fj = json::object();
    if (!f.tags.empty()) fj["Tag"] = TagJson(f.tags[0]);
    else if (f.object_size_greater_than) fj["ObjectSizeGreaterThan"] = *f.object_size_greater_than;
    else if (f.object_size_less_than) fj["ObjectSizeLessThan"] = *f.object_size_less_than;
    else fj["Prefix"] = f.prefix;
    j["Filter"] = fj;
  }
  j["Status"] = LifecycleStatusName(r.status);
  if (r.expiration) {
    json e = json::object();
    if (r.expiration->days) e["Days"] = *r.expiration->days;
    if (r.expiration->date) e["Date"] = JsonDate(*r.expiration->date);
    if (r.expiration->expired_object_delete_marker) e["ExpiredObjectDeleteMarker"] = *r.expiration->expired_object_delete_marker;
    j["Expiration"] = e;
  }
  if (!r.transitions.empty()) {
    j["Transitions"] = json::array();
    for (const auto& t : r.transitions) {
      json tj = json::object();
      if (t.days) tj["Days"] = *t.days;
      if (t.date) tj["Date"] = JsonDate(*t.date);
      tj["StorageClass"] = t.storage_class;
      j["Transitions"].push_back(tj);
    }
  }
  if (r.noncurrent_version_expiration) {
    json n{{"NoncurrentDays", r.noncurrent_version_expiration->noncurrent_days}};
    if (r.noncurrent_version_expiration->newer_noncurrent_versions)
      n["NewerNoncurrentVersions"] = *r.noncurrent_version_expiration->newer_noncurrent_versions;
    j["NoncurrentVersionExpiration"] = n;
  }
  if (!r.noncurrent_version_transitions.empty()) {
    j["NoncurrentVersionTransitions"] = json::array();
    for (const auto& t : r.noncurrent_version_transitions) {
      json n{{"NoncurrentDays", t.noncurrent_days}, {"StorageClass", t.storage_class}};
      if (t.newer_noncurrent_versions) n["NewerNoncurrentVersions"] = *t.newer_noncurrent_versions;
      j["NoncurrentVersionTransitions"].push_back(n);
    }
  }
  if (r.abort_incomplete_multipart_upload_days)
    j["AbortIncompleteMultipartUpload"] = json{{"DaysAfterInitiation", *r.abort_incomplete_multipart_upload_days}};
  return j;
}

// ---- commands ---------------------------------------------------------------------

struct LifecycleArgs {
  std::string path;
  std::string action;
  std::string file;
};

int RunLifecycle(const GlobalOptions& g, const LifecycleArgs& a) {
  const std::string command = "lifecycle";
  auto uri = ParseS3Uri(a.path);
  if (!uri.ok()) return Fail(command, uri.status());
  if (!uri->key.empty())
    return Fail(command, Status::InvalidArgument("invalid bucket URI '" + a.path + "': expected s3://bucket without a key"));
  if (a.action != "get" && a.action != "put" && a.action != "delete")
    return Fail(command, Status::InvalidArgument("unknown action '" + a.action + "' (expected get, put FILE.json or delete)"));
  if (a.action == "put" && a.file.empty())
    return Fail(command, Status::InvalidArgument("put needs a JSON file (or - for stdin)"));
  if (a.action != "put" && !a.file.empty())
    return Fail(command, Status::InvalidArgument("unexpected argument '" + a.file + "' for " + a.action));

  std::vector<LifecycleRule> rules;
  if (a.action == "put") {
    std::string text;
    if (a.file == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
      std::ifstream in(a.file, std::ios::binary);
      if (!in) return Fail(command, Status(ErrorCategory::kIo, "cannot read '" + a.file + "'"));
      std::ostringstream ss;
      ss << in.rdbuf();
      text = ss.str();
    }
    auto parsed = RulesFromJson(text);
    if (!parsed.ok()) return Fail(command, parsed.status());
    rules = std::move(*parsed);
  }

  auto client = MakeClient(g);
  if (!client.ok()) return Fail(command, client.status());
  if (a.action == "get") {
    auto r = client->GetBucketLifecycleConfiguration(uri->bucket);
    if (!r.ok()) return Fail(command, r.status());
    json out{{"Rules", json::array()}};
    for (const auto& rule : r->rules) out["Rules"].push_back(RuleJson(rule));
    if (!r->transition_default_minimum_object_size.empty())
      out["TransitionDefaultMinimumObjectSize"] = r->transition_default_minimum_object_size;
    std::printf("%s\n", out.dump(4).c_str());
    return 0;
  }
  if (a.action == "delete") {
    Status st = client->DeleteBucketLifecycleConfiguration(uri->bucket);
    if (!st.ok()) return Fail(command, st);
    if (!g.quiet) std::printf("lifecycle: deleted the configuration of s3://%s\n", uri->bucket.c_str());
    return 0;
  }
  PutBucketLifecycleConfigurationRequest req;
  req.bucket = uri->bucket;
  req.rules = std::move(rules);
  auto r = client->PutBucketLifecycleConfiguration(req);
  if (!r.ok()) return Fail(command, r.status());
  if (!g.quiet) std::printf("lifecycle: s3://%s now has %zu rule(s)\n", uri->bucket.c_str(), req.rules.size());
  return 0;
}

struct RestoreArgs {
  std::string path;
  int days = 1;
  std::string tier = "Standard";
  std::string version_id;
};

int RunRestore(const GlobalOptions& g, const RestoreArgs& a) {
  const std::string command = "restore";
  auto uri = ParseS3Uri(a.path);
  if (!uri.ok()) return Fail(command, uri.status());
  if (uri->key.empty()) return Fail(command, Status::InvalidArgument("expected s3://bucket/key, got '" + a.path + "'"));
  RestoreObjectRequest req;
  req.bucket = uri->bucket;
  req.key = uri->key;
  req.version_id = a.version_id;
  req.days = a.days;
  if (a.tier == "Standard") req.tier = RestoreTier::kStandard;
  else if (a.tier == "Bulk") req.tier = RestoreTier::kBulk;
  else if (a.tier == "Expedited") req.tier = RestoreTier::kExpedited;
  else return Fail(command, Status::InvalidArgument("unknown tier '" + a.tier + "' (Standard, Bulk or Expedited)"));
  auto client = MakeClient(g);
  if (!client.ok()) return Fail(command, client.status());
  auto r = client->RestoreObject(req);
  if (!r.ok()) return Fail(command, r.status());
  if (!g.quiet)
    std::printf("restore: %s %s\n", uri->ToString().c_str(),
                r->already_restored() ? "already restored; expiry extended" : "restore started");
  return 0;
}

}  // namespace

void RegisterLifecycle(CLI::App& app, GlobalOptions& global, std::function<void(Action)> on_selected) {
  GlobalOptions* g = &global;
  auto a = std::make_shared<LifecycleArgs>();
  CLI::App* sub = app.add_subcommand("lifecycle", "Get, put (from JSON) or delete the lifecycle rules of s3://bucket");
  sub->add_option("bucket", a->path, "s3://bucket")->required();
  sub->add_option("action", a->action, "get | put FILE.json | delete")->required();
  sub->add_option("file", a->file, "JSON file for put (aws s3api shape: {\"Rules\": [...]}); - reads stdin");
  sub->callback([=] { on_selected([=] { return RunLifecycle(*g, *a); }); });

  auto r = std::make_shared<RestoreArgs>();
  CLI::App* res = app.add_subcommand("restore", "Restore an archived (GLACIER / DEEP_ARCHIVE) object for --days");
  res->add_option("object", r->path, "s3://bucket/key")->required();
  res->add_option("--days", r->days, "days the restored copy stays readable")->required()->check(CLI::PositiveNumber);
  res->add_option("--tier", r->tier, "Standard, Bulk or Expedited")->capture_default_str();
  res->add_option("--version-id", r->version_id, "a specific version");
  res->callback([=] { on_selected([=] { return RunRestore(*g, *r); }); });
}

}  // namespace s3ml::cli
