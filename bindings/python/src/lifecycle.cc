// Bucket lifecycle configuration (boto3-shaped dicts) and RestoreObject (s3ml/lifecycle.h).
#include <cctype>
#include <climits>
#include <initializer_list>

#include "py_common.h"
#include "s3ml/encoding.h"
#include "s3ml/lifecycle.h"

namespace s3ml::python {

namespace {

// ---- dicts -> rules ---------------------------------------------------------------------

[[noreturn]] void Bad(const std::string& where, const std::string& what) { ThrowInvalid(where, what); }

py::dict AsDict(const py::handle& h, const std::string& where) {
  if (!py::isinstance<py::dict>(h)) Bad(where, "expected a dict, got " + TypeName(h));
  return py::reinterpret_borrow<py::dict>(h);
}

py::list AsList(const py::handle& h, const std::string& where) {
  if (py::isinstance<py::list>(h)) return py::reinterpret_borrow<py::list>(h);
  if (py::isinstance<py::tuple>(h)) return py::list(py::reinterpret_borrow<py::object>(h));
  Bad(where, "expected a list, got " + TypeName(h));
}

void CheckKeys(const py::dict& d, const std::string& where, std::initializer_list<const char*> allowed) {
  for (auto item : d) {
    if (!py::isinstance<py::str>(item.first)) Bad(where, "field names must be str, got " + TypeName(item.first));
    const std::string k = item.first.cast<std::string>();
    bool ok = false;
    std::string names;
    for (const char* a : allowed) {
      ok = ok || k == a;
      names += names.empty() ? a : std::string(", ") + a;
    }
    if (!ok) Bad(where, "unknown field '" + k + "' (expected " + names + ")");
  }
}

long long IntValue(const py::handle& v, const std::string& where, long long min, long long max) {
  if (py::isinstance<py::bool_>(v) || !py::isinstance<py::int_>(v)) Bad(where, "expected an int, got " + TypeName(v));
  long long x = 0;
  try {
    x = v.cast<long long>();
  } catch (const py::cast_error&) {
    Bad(where, "integer out of range");
  }
  if (x < min || x > max) Bad(where, "must be in " + std::to_string(min) + ".." + std::to_string(max));
  return x;
}

int IntField(const py::dict& d, const char* name, const std::string& where) {
  return static_cast<int>(IntValue(d[name], where + "." + name, 0, INT_MAX));
}

std::uint64_t SizeField(const py::dict& d, const char* name, const std::string& where) {
  return static_cast<std::uint64_t>(IntValue(d[name], where + "." + name, 0, LLONG_MAX));
}

std::string StrField(const py::dict& d, const char* name, const std::string& where) {
  py::object v = d[name];
  if (!py::isinstance<py::str>(v)) Bad(where + "." + name, "expected a str, got " + TypeName(v));
  return v.cast<std::string>();
}

/// A datetime (naive = UTC), a date, or an ISO-8601 str ("2030-01-01" or "2030-01-01T00:00:00Z").
Timestamp DateField(const py::dict& d, const std::string& where) {
  py::object v = d["Date"];
  const std::string w = where + ".Date";
  static py::object* date_type = new py::object(py::module_::import("datetime").attr("date"));
  static py::object* datetime_type = new py::object(py::module_::import("datetime").attr("datetime"));
  if (py::isinstance(v, *datetime_type)) return FromDatetime(v);
  if (py::isinstance(v, *date_type)) {
    std::string s = py::str(v.attr("isoformat")()).cast<std::string>() + "T00:00:00Z";
    auto t = ParseIso8601(s);
    if (!t.ok()) Bad(w, "not a date: '" + s + "'");
    return *t;
  }
  if (!py::isinstance<py::str>(v)) Bad(w, "expected a datetime or an ISO-8601 str, got " + TypeName(v));
  std::string s = v.cast<std::string>();
  if (s.size() == 10) s += "T00:00:00Z";
  auto t = ParseIso8601(s);
  if (!t.ok()) Bad(w, "not an ISO-8601 date: '" + v.cast<std::string>() + "'");
  return *t;
}

Tag TagFrom(const py::handle& h, const std::string& where) {
  py::dict d = AsDict(h, where);
  CheckKeys(d, where, {"Key", "Value"});
  if (!d.contains("Key")) Bad(where, "missing Key");
  Tag t;
  t.key = StrField(d, "Key", where);
  if (d.contains("Value")) t.value = StrField(d, "Value", where);
  return t;
}

void PredicatesFrom(const py::dict& d, const std::string& where, LifecycleFilter& f, bool in_and) {
  if (d.contains("Prefix")) f.prefix = StrField(d, "Prefix", where);
  if (!in_and && d.contains("Tag")) f.tags.push_back(TagFrom(d["Tag"], where + ".Tag"));
  if (in_and && d.contains("Tags")) {
    py::list tags = AsList(d["Tags"], where + ".Tags");
    for (std::size_t i = 0; i < tags.size(); ++i)
      f.tags.push_back(TagFrom(tags[i], where + ".Tags[" + std::to_string(i) + "]"));
  }
  if (d.contains("ObjectSizeGreaterThan")) f.object_size_greater_than = SizeField(d, "ObjectSizeGreaterThan", where);
  if (d.contains("ObjectSizeLessThan")) f.object_size_less_than = SizeField(d, "ObjectSizeLessThan", where);
}

LifecycleRule RuleFrom(const py::handle& h, const std::string& where) {
  py::dict j = AsDict(h, where);
  CheckKeys(j, where,
            {"ID", "Status", "Filter", "Prefix", "Expiration", "Transitions", "NoncurrentVersionExpiration",
             "NoncurrentVersionTransitions", "AbortIncompleteMultipartUpload"});
  LifecycleRule r;
  if (j.contains("ID")) r.id = StrField(j, "ID", where);
  if (!j.contains("Status")) Bad(where, "missing Status ('Enabled' or 'Disabled')");
  const std::string status = StrField(j, "Status", where);
  if (status == "Enabled") {
    r.status = LifecycleStatus::kEnabled;
  } else if (status == "Disabled") {
    r.status = LifecycleStatus::kDisabled;
  } else {
    Bad(where + ".Status", "expected 'Enabled' or 'Disabled', got '" + status + "'");
  }
  if (j.contains("Filter")) {
    const std::string w = where + ".Filter";
    py::dict f = AsDict(j["Filter"], w);
    CheckKeys(f, w, {"Prefix", "Tag", "ObjectSizeGreaterThan", "ObjectSizeLessThan", "And"});
    PredicatesFrom(f, w, r.filter, false);
    if (f.contains("And")) {
      py::dict a = AsDict(f["And"], w + ".And");
      CheckKeys(a, w + ".And", {"Prefix", "Tags", "ObjectSizeGreaterThan", "ObjectSizeLessThan"});
      PredicatesFrom(a, w + ".And", r.filter, true);
    }
  } else if (j.contains("Prefix")) {
    r.legacy_prefix = true;
    r.filter.prefix = StrField(j, "Prefix", where);
  }
  if (j.contains("Expiration")) {
    const std::string w = where + ".Expiration";
    py::dict e = AsDict(j["Expiration"], w);
    CheckKeys(e, w, {"Days", "Date", "ExpiredObjectDeleteMarker"});
    LifecycleExpiration exp;
    if (e.contains("Days")) exp.days = IntField(e, "Days", w);
    if (e.contains("Date")) exp.date = DateField(e, w);
    if (e.contains("ExpiredObjectDeleteMarker")) {
      py::object v = e["ExpiredObjectDeleteMarker"];
      if (!py::isinstance<py::bool_>(v)) Bad(w + ".ExpiredObjectDeleteMarker", "expected True or False");
      exp.expired_object_delete_marker = v.cast<bool>();
    }
    r.expiration = exp;
  }
  if (j.contains("Transitions")) {
    py::list ts = AsList(j["Transitions"], where + ".Transitions");
    for (std::size_t i = 0; i < ts.size(); ++i) {
      const std::string w = where + ".Transitions[" + std::to_string(i) + "]";
      py::dict t = AsDict(ts[i], w);
      CheckKeys(t, w, {"Days", "Date", "StorageClass"});
      LifecycleTransition tr;
      if (t.contains("Days")) tr.days = IntField(t, "Days", w);
      if (t.contains("Date")) tr.date = DateField(t, w);
      if (!t.contains("StorageClass")) Bad(w, "missing StorageClass");
      tr.storage_class = StrField(t, "StorageClass", w);
      r.transitions.push_back(std::move(tr));
    }
  }
  if (j.contains("NoncurrentVersionExpiration")) {
    const std::string w = where + ".NoncurrentVersionExpiration";
    py::dict n = AsDict(j["NoncurrentVersionExpiration"], w);
    CheckKeys(n, w, {"NoncurrentDays", "NewerNoncurrentVersions"});
    if (!n.contains("NoncurrentDays")) Bad(w, "missing NoncurrentDays");
    NoncurrentVersionExpiration nve;
    nve.noncurrent_days = IntField(n, "NoncurrentDays", w);
    if (n.contains("NewerNoncurrentVersions"))
      nve.newer_noncurrent_versions = IntField(n, "NewerNoncurrentVersions", w);
    r.noncurrent_version_expiration = nve;
  }
  if (j.contains("NoncurrentVersionTransitions")) {
    py::list ts = AsList(j["NoncurrentVersionTransitions"], where + ".NoncurrentVersionTransitions");
    for (std::size_t i = 0; i < ts.size(); ++i) {
      const std::string w = where + ".NoncurrentVersionTransitions[" + std::to_string(i) + "]";
      py::dict t = AsDict(ts[i], w);
      CheckKeys(t, w, {"NoncurrentDays", "StorageClass", "NewerNoncurrentVersions"});
      if (!t.contains("NoncurrentDays") || !t.contains("StorageClass")) Bad(w, "needs NoncurrentDays and StorageClass");
      NoncurrentVersionTransition nvt;
      nvt.noncurrent_days = IntField(t, "NoncurrentDays", w);
      nvt.storage_class = StrField(t, "StorageClass", w);
      if (t.contains("NewerNoncurrentVersions"))
        nvt.newer_noncurrent_versions = IntField(t, "NewerNoncurrentVersions", w);
      r.noncurrent_version_transitions.push_back(std::move(nvt));
    }
  }
  if (j.contains("AbortIncompleteMultipartUpload")) {
    const std::string w = where + ".AbortIncompleteMultipartUpload";
    py::dict a = AsDict(j["AbortIncompleteMultipartUpload"], w);
    CheckKeys(a, w, {"DaysAfterInitiation"});
    if (!a.contains("DaysAfterInitiation")) Bad(w, "missing DaysAfterInitiation");
    r.abort_incomplete_multipart_upload_days = IntField(a, "DaysAfterInitiation", w);
  }
  return r;
}

// ---- rules -> dicts ---------------------------------------------------------------------

py::dict TagDict(const Tag& t) {
  py::dict d;
  d["Key"] = t.key;
  d["Value"] = t.value;
  return d;
}

py::dict RuleDict(const LifecycleRule& r) {
  py::dict j;
  if (!r.id.empty()) j["ID"] = r.id;
  j["Status"] = LifecycleStatusName(r.status);
  const LifecycleFilter& f = r.filter;
  if (r.legacy_prefix) {
    j["Prefix"] = f.prefix;
  } else if (f.ConditionCount() > 1) {
    py::dict a;
    if (!f.prefix.empty()) a["Prefix"] = f.prefix;
    if (!f.tags.empty()) {
      py::list tags;
      for (const auto& t : f.tags) tags.append(TagDict(t));
      a["Tags"] = tags;
    }
    if (f.object_size_greater_than) a["ObjectSizeGreaterThan"] = *f.object_size_greater_than;
    if (f.object_size_less_than) a["ObjectSizeLessThan"] = *f.object_size_less_than;
    py::dict fd;
    fd["And"] = a;
    j["Filter"] = fd;
  } else {
    py::dict fd;
    if (!f.tags.empty()) {
      fd["Tag"] = TagDict(f.tags[0]);
    } else if (f.object_size_greater_than) {
      fd["ObjectSizeGreaterThan"] = *f.object_size_greater_than;
    } else if (f.object_size_less_than) {
      fd["ObjectSizeLessThan"] = *f.object_size_less_than;
    } else {
      fd["Prefix"] = f.prefix;
    }
    j["Filter"] = fd;
  }
  if (r.expiration) {
    py::dict e;
    if (r.expiration->days) e["Days"] = *r.expiration->days;
    if (r.expiration->date) e["Date"] = ToDatetime(*r.expiration->date);
    if (r.expiration->expired_object_delete_marker)
      e["ExpiredObjectDeleteMarker"] = *r.expiration->expired_object_delete_marker;
    j["Expiration"] = e;
  }
  if (!r.transitions.empty()) {
    py::list ts;
    for (const auto& t : r.transitions) {
      py::dict td;
      if (t.days) td["Days"] = *t.days;
      if (t.date) td["Date"] = ToDatetime(*t.date);
      td["StorageClass"] = t.storage_class;
      ts.append(td);
    }
    j["Transitions"] = ts;
  }
  if (r.noncurrent_version_expiration) {
    py::dict n;
    n["NoncurrentDays"] = r.noncurrent_version_expiration->noncurrent_days;
    if (r.noncurrent_version_expiration->newer_noncurrent_versions)
      n["NewerNoncurrentVersions"] = *r.noncurrent_version_expiration->newer_noncurrent_versions;
    j["NoncurrentVersionExpiration"] = n;
  }
  if (!r.noncurrent_version_transitions.empty()) {
    py::list ts;
    for (const auto& t : r.noncurrent_version_transitions) {
      py::dict n;
      n["NoncurrentDays"] = t.noncurrent_days;
      n["StorageClass"] = t.storage_class;
      if (t.newer_noncurrent_versions) n["NewerNoncurrentVersions"] = *t.newer_noncurrent_versions;
      ts.append(n);
    }
    j["NoncurrentVersionTransitions"] = ts;
  }
  if (r.abort_incomplete_multipart_upload_days) {
    py::dict a;
    a["DaysAfterInitiation"] = *r.abort_incomplete_multipart_upload_days;
    j["AbortIncompleteMultipartUpload"] = a;
  }
  return j;
}

RestoreTier ParseTier(const std::string& tier) {
  std::string t;
  for (char c : tier) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "standard") return RestoreTier::kStandard;
  if (t == "bulk") return RestoreTier::kBulk;
  if (t == "expedited") return RestoreTier::kExpedited;
  ThrowInvalid("tier", "expected 'Standard', 'Bulk' or 'Expedited', got '" + tier + "'");
}

}  // namespace

void RegisterLifecycle(ClientClass& cls) {
  cls.def(
         "get_bucket_lifecycle_configuration",
         [](const PyClient& self, const std::string& bucket) {
           Client c = self.Get();
           Result<GetBucketLifecycleConfigurationResult> r = NoGil([&] { return c.GetBucketLifecycleConfiguration(bucket); });
           GetBucketLifecycleConfigurationResult got = Unwrap(std::move(r));
           py::list rules;
           for (const auto& rule : got.rules) rules.append(RuleDict(rule));
           return rules;
         },
         py::arg("bucket"),
         "The bucket's lifecycle rules as boto3-shaped dicts (ID, Status, Filter, Expiration,\n"
         "Transitions, ...). Raises s3ml.NoSuchLifecycleConfiguration when there are none.")
      .def(
          "put_bucket_lifecycle_configuration",
          [](const PyClient& self, const std::string& bucket, const py::object& rules,
             std::optional<std::string> transition_default_minimum_object_size) {
            PutBucketLifecycleConfigurationRequest req;
            req.bucket = bucket;
            req.transition_default_minimum_object_size = Str(transition_default_minimum_object_size);
            py::object seq = rules;
            if (py::isinstance<py::dict>(rules)) {  // {"Rules": [...]} as boto3's LifecycleConfiguration
              py::dict d = rules.cast<py::dict>();
              CheckKeys(d, "rules", {"Rules"});
              if (!d.contains("Rules")) Bad("rules", "expected a list of rule dicts or {'Rules': [...]}");
              seq = d["Rules"];
            }
            py::list list = AsList(seq, "rules");
            for (std::size_t i = 0; i < list.size(); ++i)
              req.rules.push_back(RuleFrom(list[i], "rules[" + std::to_string(i) + "]"));
            Client c = self.Get();
            Result<PutBucketLifecycleConfigurationResult> r = NoGil([&] { return c.PutBucketLifecycleConfiguration(req); });
            Unwrap(std::move(r));
          },
          py::arg("bucket"), py::arg("rules"), py::kw_only(),
          py::arg("transition_default_minimum_object_size") = py::none(),
          "Replaces the bucket's lifecycle configuration with `rules` (a list of boto3-shaped rule\n"
          "dicts, or {'Rules': [...]}). A malformed rule raises ValueError naming it and the field.")
      .def(
          "delete_bucket_lifecycle_configuration",
          [](const PyClient& self, const std::string& bucket) {
            Client c = self.Get();
            Check(NoGil([&] { return c.DeleteBucketLifecycleConfiguration(bucket); }));
          },
          py::arg("bucket"), "Removes the bucket's lifecycle configuration (no error when there is none).")
      .def(
          "restore_object",
          [](const PyClient& self, const std::string& bucket, const std::string& key, int days,
             const std::string& tier, std::optional<std::string> version_id) {
            if (days < 1) ThrowInvalid("days", "must be >= 1, got " + std::to_string(days));
            RestoreObjectRequest req;
            req.bucket = bucket;
            req.key = key;
            req.days = days;
            req.tier = ParseTier(tier);
            req.version_id = Str(version_id);
            Client c = self.Get();
            Result<RestoreObjectResult> r = NoGil([&] { return c.RestoreObject(req); });
            return Unwrap(std::move(r)).http_status;
          },
          py::arg("bucket"), py::arg("key"), py::arg("days") = 1, py::arg("tier") = "Standard",
          py::arg("version_id") = py::none(),
          "Restores a GLACIER / DEEP_ARCHIVE object for `days`; returns the HTTP status: 202 (restore\n"
          "started) or 200 (already restored; expiry extended). Raises s3ml.RestoreAlreadyInProgress\n"
          "(409) while one runs, s3ml.InvalidObjectState for an object that is not archived.");
}

}  // namespace s3ml::python
