#include "mock/post_form.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/http_types.h"

namespace s3ml::mock {

namespace {

S3Error Malformed(const std::string& why) {
  return S3Error(400, "MalformedPOSTRequest",
                 "The body of your POST request is not well-formed multipart/form-data (" + why + ").");
}

// A parameter of a header value such as `form-data; name="key"; filename="a b.txt"`.
// Returns false when absent. Quoted values end at the next quote (browsers
// percent-encode quotes in names and filenames).
bool HeaderParam(std::string_view value, std::string_view param, std::string& out) {
  std::size_t pos = 0;
  while ((pos = value.find(';', pos)) != std::string_view::npos) {
    ++pos;
    while (pos < value.size() && (value[pos] == ' ' || value[pos] == '\t')) ++pos;
    if (value.size() - pos <= param.size() || !EqualsIgnoreCase(value.substr(pos, param.size()), param) ||
        value[pos + param.size()] != '=')
      continue;
    std::size_t start = pos + param.size() + 1;
    if (start < value.size() && value[start] == '"') {
      auto close = value.find('"', start + 1);
      if (close == std::string_view::npos) return false;
      out = std::string(value.substr(start + 1, close - start - 1));
    } else {
      auto end = value.find(';', start);
      out = std::string(value.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
      while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
    }
    return true;
  }
  return false;
}

std::string PolicyFailed(const std::string& what) { return "Invalid according to Policy: " + what; }

S3Error InvalidPolicy(const std::string& why) {
  return S3Error(400, "InvalidPolicyDocument", "Invalid Policy: " + why);
}

// Nesting depth of a JSON text (brackets outside strings), checked before parsing so
// that a hostile policy cannot make the parser or the destructor recurse deeply.
int JsonDepth(std::string_view s) {
  int depth = 0, max_depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max_depth;
}

// A condition's text as S3 quotes it in its error message: ["eq", "$key", "a"].
std::string Quote(const nlohmann::json& condition) {
  if (condition.is_object() && condition.size() == 1) {
    const auto it = condition.begin();
    return nlohmann::json::array({"eq", "$" + it.key(), it.value()}).dump();
  }
  return condition.dump();
}

bool IsExempt(const std::string& lname) {
  // "Each form field that you specify in a form (except x-amz-signature, file,
  // policy, and field names that have an x-ignore- prefix) must appear in the list
  // of conditions."
  // A Signature Version 2 form's AWSAccessKeyId and signature are its signing
  // fields, not conditions (SigV4's x-amz-credential and x-amz-date are).
  return lname == "x-amz-signature" || lname == "file" || lname == "policy" || lname.rfind("x-ignore-", 0) == 0 ||
         lname == "awsaccesskeyid" || lname == "signature";
}

}  // namespace

const std::string* PostForm::Find(std::string_view name) const {
  for (const auto& [n, v] : fields)
    if (EqualsIgnoreCase(n, name)) return &v;
  return nullptr;
}

Expected<PostForm> ParsePostForm(const std::string& content_type, const std::string& body) {
  const std::string media = ToLower(content_type.substr(0, content_type.find(';')));
  if (media.find("multipart/form-data") == std::string::npos)
    return S3Error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
        .With("Condition", "Bucket POST must be of the enclosure-type multipart/form-data");
  std::string boundary;
  if (!HeaderParam(content_type, "boundary", boundary) || boundary.empty() || boundary.size() > 200)
    return Malformed("the Content-Type has no boundary");
  const std::string delimiter = "\r\n--" + boundary;

  PostForm form;
  // The first delimiter may start the body (no preamble) or follow a preamble.
  std::size_t pos;
  if (body.compare(0, delimiter.size() - 2, delimiter, 2, std::string::npos) == 0) {
    pos = delimiter.size() - 2;
  } else {
    auto first = body.find(delimiter);
    if (first == std::string::npos) return Malformed("no boundary delimiter");
    pos = first + delimiter.size();
  }
  std::size_t pre_data = 0;
  for (;;) {
    if (body.compare(pos, 2, "--") == 0) break;  // the close delimiter
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;  // transport padding
    if (body.compare(pos, 2, "\r\n") != 0) return Malformed("a boundary delimiter is not followed by CRLF");
    pos += 2;
    const auto head_end = body.find("\r\n\r\n", pos);
    // A part with no header lines has its blank line right here.
    const bool no_headers = body.compare(pos, 2, "\r\n") == 0;
    if (!no_headers && head_end == std::string::npos) return Malformed("a part's headers do not end");
    const std::size_t headers_end = no_headers ? pos : head_end + 2;
    const std::size_t content_start = no_headers ? pos + 2 : head_end + 4;
    std::string name, filename;
    bool has_name = false, has_filename = false;
    for (std::size_t line = pos; line < headers_end;) {
      const auto eol = body.find("\r\n", line);
      const std::string_view text(body.data() + line, eol - line);
      line = eol + 2;
      const auto colon = text.find(':');
      if (colon == std::string_view::npos) return Malformed("a part header has no colon");
      if (!EqualsIgnoreCase(text.substr(0, colon), "Content-Disposition")) continue;
      has_name = HeaderParam(text.substr(colon + 1), "name", name);
      has_filename = HeaderParam(text.substr(colon + 1), "filename", filename);
    }
    const auto content_end = body.find(delimiter, content_start);
    if (content_end == std::string::npos) return Malformed("a part does not end with a boundary delimiter");
    if (!has_name) return Malformed("a part has no Content-Disposition name");
    if (EqualsIgnoreCase(name, "file")) {
      form.has_file = true;
      form.filename = has_filename ? filename : std::string();
      form.file_offset = content_start;
      form.file_size = content_end - content_start;
      return form;  // fields after the file are ignored
    }
    pre_data += content_end - pos;
    if (pre_data > kMaxPostPreDataBytes)
      return S3Error(400, "MaxPostPreDataLengthExceeded",
                     "Your POST request fields preceding the upload file were too large.")
          .With("MaxPostPreDataLengthBytes", std::to_string(kMaxPostPreDataBytes));
    form.fields.emplace_back(std::move(name), body.substr(content_start, content_end - content_start));
    pos = content_end + delimiter.size();
  }
  return S3Error(400, "InvalidArgument", "POST requires exactly one file upload per request.")
      .With("ArgumentName", "file")
      .With("ArgumentValue", "0");
}

MaybeError CheckPostPolicy(const std::string& policy_json, const PostForm& form, const std::string& bucket,
                           const std::string& key, std::uint64_t file_size, SystemTime now) {
  if (JsonDepth(policy_json) > kMaxPolicyDepth)
    return InvalidPolicy("the policy nests deeper than " + std::to_string(kMaxPolicyDepth) + " levels.");
  nlohmann::json policy = nlohmann::json::parse(policy_json, nullptr, /*allow_exceptions=*/false);
  if (policy.is_discarded() || !policy.is_object()) return InvalidPolicy("Invalid JSON.");
  const auto expiration = policy.find("expiration");
  if (expiration == policy.end()) return InvalidPolicy("Policy missing expiration.");
  if (!expiration->is_string()) return InvalidPolicy("Invalid 'expiration' value: " + expiration->dump());
  auto expires = ParseIso8601(expiration->get<std::string>(), OutOfRange::kError);
  if (!expires.ok()) return InvalidPolicy("Invalid 'expiration' value: '" + expiration->get<std::string>() + "'");
  const auto conditions = policy.find("conditions");
  if (conditions == policy.end()) return InvalidPolicy("Policy missing conditions.");
  if (!conditions->is_array()) return InvalidPolicy("Invalid 'conditions' value: must be a list.");
  if (now > *expires) return S3Error(403, "AccessDenied", PolicyFailed("Policy expired."));

  // The value a condition tests: the form field, the bucket (not a form field), or
  // the key after ${filename} expansion. A field the form lacks tests as "".
  auto value_of = [&](const std::string& field) -> std::string {
    if (EqualsIgnoreCase(field, "bucket")) return bucket;
    if (EqualsIgnoreCase(field, "key")) return key;
    const std::string* v = form.Find(field);
    return v ? *v : std::string();
  };
  std::vector<std::string> covered;  // lower-case names the conditions name
  auto failed = [](const nlohmann::json& c) {
    return S3Error(403, "AccessDenied", PolicyFailed("Policy Condition failed: " + Quote(c)));
  };
  for (const auto& c : *conditions) {
    if (c.is_object()) {  // {"field": "value"}: exact match
      if (c.size() != 1) return InvalidPolicy("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.");
      const auto it = c.begin();
      if (!it.value().is_string()) return InvalidPolicy("Invalid Simple-Condition: value must be a string.");
      covered.push_back(ToLower(it.key()));
      if (value_of(it.key()) != it.value().get<std::string>()) return failed(c);
      continue;
    }
    if (!c.is_array() || c.empty() || !c[0].is_string())
      return InvalidPolicy("Invalid Condition: " + c.dump());
    const std::string op = ToLower(c[0].get<std::string>());
    if (op == "content-length-range") {
      if (c.size() != 3 || !c[1].is_number_integer() || !c[2].is_number_integer() || c[1].get<long long>() < 0 ||
          c[2].get<long long>() < c[1].get<long long>())
        return InvalidPolicy("Invalid content-length-range: " + c.dump());
      const auto min = c[1].get<std::uint64_t>(), max = c[2].get<std::uint64_t>();
      if (file_size < min)
        return S3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size")
            .With("ProposedSize", std::to_string(file_size))
            .With("MinSizeAllowed", std::to_string(min));
      if (file_size > max)
        return S3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
            .With("ProposedSize", std::to_string(file_size))
            .With("MaxSizeAllowed", std::to_string(max));
      continue;
    }
    if (op != "eq" && op != "starts-with") return InvalidPolicy("Invalid Condition: " + c.dump());
    if (c.size() != 3 || !c[1].is_string() || !c[2].is_string() || c[1].get<std::string>().empty() ||
        c[1].get<std::string>()[0] != '$')
      return InvalidPolicy("Invalid Condition: " + c.dump());
    const std::string field = c[1].get<std::string>().substr(1);
    const std::string expected = c[2].get<std::string>();
    covered.push_back(ToLower(field));
    const std::string actual = value_of(field);
    if (op == "eq") {
      if (actual != expected) return failed(c);
    } else if (EqualsIgnoreCase(field, "Content-Type")) {
      // A Content-Type may list several values (comma-separated); each must start
      // with the prefix.
      std::size_t start = 0;
      do {
        auto comma = actual.find(',', start);
        std::string item = actual.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        while (!item.empty() && item.front() == ' ') item.erase(0, 1);
        if (item.compare(0, expected.size(), expected) != 0) return failed(c);
        start = comma == std::string::npos ? actual.size() + 1 : comma + 1;
      } while (start <= actual.size());
    } else if (actual.compare(0, expected.size(), expected) != 0) {
      return failed(c);
    }
  }
  for (const auto& field : form.fields) {
    const std::string lname = ToLower(field.first);
    if (IsExempt(lname)) continue;
    if (std::find(covered.begin(), covered.end(), lname) == covered.end())
      return S3Error(403, "AccessDenied", PolicyFailed("Extra input fields: " + field.first));
  }
  return std::nullopt;
}

}  // namespace s3ml::mock
