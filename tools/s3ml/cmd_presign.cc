// presign: a presigned URL (GET/PUT), or with --post a signed browser POST form
// printed as JSON in the shape of boto3's generate_presigned_post:
// {"url": ..., "fields": {...}} (post the fields, then the file, as multipart/form-data).

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "commands.h"
#include "s3_uri.h"
#include "s3ml/s3ml.h"

namespace s3ml::cli {

namespace {

constexpr const char* kCommand = "presign";

struct PresignArgs {
  std::string path;
  long expires_in = 3600;
  std::string method = "GET";
  bool post = false;
  std::vector<std::string> fields;      // --field NAME=VALUE
  std::vector<std::string> conditions;  // --condition JSON
  std::string content_length_range;     // --content-length-range MIN,MAX
};

Result<PostPolicyCondition> ParseCondition(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("--condition '" + text + "': " + why +
                                   " (expected {\"field\": \"value\"}, [\"eq\"|\"starts-with\", \"$field\", "
                                   "\"value\"] or [\"content-length-range\", min, max])");
  };
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return bad("not JSON");
  if (j.is_object()) {
    if (j.size() != 1 || !j.begin().value().is_string()) return bad("an object condition has one string field");
    return PostPolicyCondition::Equals(j.begin().key(), j.begin().value().get<std::string>());
  }
  if (!j.is_array() || j.size() != 3 || !j[0].is_string()) return bad("not a 3-item list");
  const std::string op = j[0].get<std::string>();
  if (op == "content-length-range") {
    if (!j[1].is_number_unsigned() || !j[2].is_number_unsigned()) return bad("the range is two non-negative integers");
    return PostPolicyCondition::ContentLengthRange(j[1].get<std::uint64_t>(), j[2].get<std::uint64_t>());
  }
  if ((op != "eq" && op != "starts-with") || !j[1].is_string() || !j[2].is_string()) return bad("unknown form");
  std::string field = j[1].get<std::string>();
  if (field.empty() || field[0] != '$') return bad("the field starts with '$'");
  field.erase(0, 1);
  return op == "eq" ? PostPolicyCondition::Equals(field, j[2].get<std::string>())
                    : PostPolicyCondition::StartsWith(field, j[2].get<std::string>());
}

int RunPresignPost(const Client& client, const S3Uri& uri, const PresignArgs& a) {
  PresignPostRequest req;
  req.bucket = uri.bucket;
  req.key = uri.key;
  req.expires = std::chrono::seconds(a.expires_in);
  for (const auto& f : a.fields) {
    const auto eq = f.find('=');
    if (eq == std::string::npos || eq == 0)
      return Fail(kCommand, Status::InvalidArgument("--field '" + f + "': expected NAME=VALUE"));
    req.fields.emplace_back(f.substr(0, eq), f.substr(eq + 1));
  }
  for (const auto& text : a.conditions) {
    auto c = ParseCondition(text);
    if (!c.ok()) return Fail(kCommand, c.status());
    req.conditions.push_back(std::move(*c));
  }
  if (!a.content_length_range.empty()) {
    unsigned long long min = 0, max = 0;
    char tail = 0;
    if (std::sscanf(a.content_length_range.c_str(), "%llu,%llu%c", &min, &max, &tail) != 2 ||
        a.content_length_range[0] == '-')
      return Fail(kCommand, Status::InvalidArgument("--content-length-range '" + a.content_length_range +
                                                    "': expected MIN,MAX (bytes)"));
    req.conditions.push_back(PostPolicyCondition::ContentLengthRange(min, max));
  }
  auto form = client.PresignPost(req);
  if (!form.ok()) return Fail(kCommand, form.status());
  nlohmann::ordered_json out;
  out["url"] = form->url;
  out["fields"] = nlohmann::ordered_json::object();
  for (const auto& [name, value] : form->fields) out["fields"][name] = value;
  std::printf("%s\n", out.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
  return 0;
}

int RunPresign(const GlobalOptions& g, const PresignArgs& a) {
  auto uri = ParseS3Uri(a.path);
  if (!uri.ok()) return Fail(kCommand, uri.status());
  if (uri->key.empty()) {
    return Fail(kCommand, Status::InvalidArgument("'" + a.path + "' has no key (expected s3://bucket/key)"));
  }
  if (!a.post && (!a.fields.empty() || !a.conditions.empty() || !a.content_length_range.empty()))
    return Fail(kCommand, Status::InvalidArgument("--field, --condition and --content-length-range need --post"));
  auto client = MakeClient(g);
  if (!client.ok()) return Fail(kCommand, client.status());
  if (a.post) return RunPresignPost(*client, *uri, a);
  std::string method = a.method;
  std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return std::toupper(c); });
  auto url = client->Presign(method, uri->bucket, uri->key, std::chrono::seconds(a.expires_in));
  if (!url.ok()) return Fail(kCommand, url.status());
  std::printf("%s\n", url->c_str());
  return 0;
}

}  // namespace

void RegisterPresign(CLI::App& app, GlobalOptions& global, std::function<void(Action)> on_selected) {
  GlobalOptions* g = &global;
  auto a = std::make_shared<PresignArgs>();
  CLI::App* sub = app.add_subcommand(
      "presign", "Print a presigned URL for an object, or with --post a signed browser POST form (no request is made)");
  sub->add_option("path", a->path, "s3://bucket/key (with --post, a key ending in ${filename} allows any file name)")
      ->required();
  sub->add_option("--expires-in", a->expires_in, "Validity in seconds (1 to 604800)")
      ->check(CLI::Range(1L, 604800L))
      ->capture_default_str();
  auto* method = sub->add_option("--method", a->method, "GET or PUT")
                     ->check(CLI::IsMember({"GET", "PUT"}, CLI::ignore_case))
                     ->capture_default_str();
  sub->add_flag("--post", a->post,
                "Print a POST form as JSON {\"url\", \"fields\"} (boto3's generate_presigned_post): post the fields, "
                "then the file, as multipart/form-data")
      ->excludes(method);
  // One value per occurrence: CLI11 would otherwise split a "[...]" value (a JSON
  // list condition) into several at its commas.
  sub->add_option("--field", a->fields,
                  "NAME=VALUE: an extra form field (repeatable); S3 refuses a field no --condition covers")
      ->allow_extra_args(false);
  sub->add_option("--condition", a->conditions,
                  "A policy condition as JSON (repeatable): '{\"acl\": \"private\"}', "
                  "'[\"starts-with\", \"$Content-Type\", \"image/\"]'")
      ->allow_extra_args(false);
  sub->add_option("--content-length-range", a->content_length_range, "MIN,MAX: the file's allowed size in bytes");
  sub->callback([=] { on_selected([=] { return RunPresign(*g, *a); }); });
}

}  // namespace s3ml::cli
