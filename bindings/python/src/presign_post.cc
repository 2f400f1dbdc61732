// Browser POST forms (Client::PresignPost), in the shape of boto3's
// generate_presigned_post: {"url": ..., "fields": {...}}, conditions as dicts
// ({"field": "value"}) and lists (["starts-with", "$field", "prefix"],
// ["eq", "$field", "value"], ["content-length-range", min, max]).
#include "py_common.h"
#include "s3ml/client.h"

namespace s3ml::python {

namespace {

std::string ConditionText(const py::handle& c) { return py::str(py::repr(c)); }

PostPolicyCondition ToCondition(const py::handle& c) {
  if (py::isinstance<py::dict>(c)) {
    auto d = py::reinterpret_borrow<py::dict>(c);
    if (d.size() != 1) ThrowInvalid("conditions", "a dict condition has exactly one field: " + ConditionText(c));
    for (auto item : d) {
      if (!py::isinstance<py::str>(item.first) || !py::isinstance<py::str>(item.second))
        ThrowInvalid("conditions", "a dict condition maps a field name to a string: " + ConditionText(c));
      return PostPolicyCondition::Equals(item.first.cast<std::string>(), item.second.cast<std::string>());
    }
  }
  if (!py::isinstance<py::list>(c) && !py::isinstance<py::tuple>(c))
    ThrowInvalid("conditions", "each condition is a dict or a list, got " + ConditionText(c));
  auto seq = py::reinterpret_borrow<py::sequence>(c);
  if (seq.size() != 3 || !py::isinstance<py::str>(seq[0]))
    ThrowInvalid("conditions", "a list condition has 3 items (operator, field, value): " + ConditionText(c));
  const std::string op = seq[0].cast<std::string>();
  if (op == "content-length-range") {
    if (!py::isinstance<py::int_>(seq[1]) || !py::isinstance<py::int_>(seq[2]) || seq[1].cast<long long>() < 0 ||
        seq[2].cast<long long>() < 0)
      ThrowInvalid("conditions", "content-length-range takes two non-negative integers: " + ConditionText(c));
    return PostPolicyCondition::ContentLengthRange(seq[1].cast<std::uint64_t>(), seq[2].cast<std::uint64_t>());
  }
  if (op != "eq" && op != "starts-with")
    ThrowInvalid("conditions", "unknown operator '" + op + "' (eq, starts-with, content-length-range)");
  if (!py::isinstance<py::str>(seq[1]) || !py::isinstance<py::str>(seq[2]))
    ThrowInvalid("conditions", "the field and value of " + ConditionText(c) + " are strings");
  std::string field = seq[1].cast<std::string>();
  if (field.empty() || field[0] != '$')
    ThrowInvalid("conditions", "the field of " + ConditionText(c) + " starts with '$'");
  field.erase(0, 1);
  return op == "eq" ? PostPolicyCondition::Equals(field, seq[2].cast<std::string>())
                    : PostPolicyCondition::StartsWith(field, seq[2].cast<std::string>());
}

}  // namespace

void RegisterPresignPost(ClientClass& cls) {
  cls.def(
      "presign_post",
      [](const PyClient& self, const std::string& bucket, const std::string& key, std::optional<py::dict> fields,
         std::optional<py::list> conditions, std::int64_t expires_in) {
        if (expires_in < 1 || expires_in > 7 * 24 * 3600)
          ThrowInvalid("expires_in", "must be 1..604800 seconds, got " + std::to_string(expires_in));
        PresignPostRequest req;
        req.bucket = bucket;
        req.key = key;
        req.expires = std::chrono::seconds(expires_in);
        if (fields)
          for (auto item : *fields) {
            if (!py::isinstance<py::str>(item.first) || !py::isinstance<py::str>(item.second))
              ThrowInvalid("fields", "maps field names to string values");
            req.fields.emplace_back(item.first.cast<std::string>(), item.second.cast<std::string>());
          }
        if (conditions)
          for (auto c : *conditions) req.conditions.push_back(ToCondition(c));
        Client c = self.Get();
        PresignedPost form = Unwrap(NoGil([&] { return c.PresignPost(req); }));  // may resolve credentials
        py::dict out_fields;
        for (const auto& [name, value] : form.fields) out_fields[py::str(name)] = value;
        py::dict out;
        out["url"] = form.url;
        out["fields"] = out_fields;
        return out;
      },
      py::arg("bucket"), py::arg("key"), py::kw_only(), py::arg("fields") = py::none(),
      py::arg("conditions") = py::none(), py::arg("expires_in") = 3600,
      "A signed browser POST form, as boto3's generate_presigned_post makes: {'url': ..., 'fields': {...}}.\n"
      "Post the fields, then the file (last), as multipart/form-data to the url. conditions are dicts\n"
      "({'acl': 'private'}) and lists (['starts-with', '$key', 'user/'], ['content-length-range', 1, 1024]);\n"
      "the bucket, key and signing conditions are added. A key ending in '${filename}' allows any key\n"
      "starting with the rest. Each extra field needs a condition, or S3 refuses the form.");
}

}  // namespace s3ml::python
