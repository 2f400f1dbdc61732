// create-session: S3 Express One Zone session credentials from the command line.
//
//   s3ml create-session s3://name--usw2-az1--x-s3 [--read-only]
//
// Prints {"Credentials": {AccessKeyId, SecretAccessKey, SessionToken, Expiration}} as
// JSON, like `aws s3api create-session`. Other commands (cp, ls, cat, mb, rb, ...)
// need no such step: the client creates and caches sessions for directory buckets.

#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "commands.h"
#include "s3ml/encoding.h"
#include "s3_uri.h"
#include "s3ml/s3ml.h"

namespace s3ml::cli {

namespace {

struct CreateSessionArgs {
  std::string path;
  bool read_only = false;
};

int RunCreateSession(const GlobalOptions& g, const CreateSessionArgs& a) {
  const std::string command = "create-session";
  auto uri = ParseS3Uri(a.path);
  if (!uri.ok()) return Fail(command, uri.status());
  if (!uri->key.empty())
    return Fail(command, Status::InvalidArgument("invalid bucket URI '" + a.path + "': expected s3://bucket without a key"));
  auto client = MakeClient(g);
  if (!client.ok()) return Fail(command, client.status());
  CreateSessionRequest req;
  req.bucket = uri->bucket;
  req.mode = a.read_only ? SessionMode::kReadOnly : SessionMode::kReadWrite;
  auto r = client->CreateSession(req);
  if (!r.ok()) return Fail(command, r.status());
  nlohmann::json creds = {{"AccessKeyId", r->credentials.access_key_id},
                          {"SecretAccessKey", r->credentials.secret_access_key},
                          {"SessionToken", r->credentials.session_token}};
  if (r->credentials.expiration) creds["Expiration"] = FormatIso8601(*r->credentials.expiration);
  nlohmann::json out = {{"Credentials", creds}};
  if (!r->server_side_encryption.empty()) out["ServerSideEncryption"] = r->server_side_encryption;
  std::printf("%s\n", out.dump(4).c_str());
  return 0;
}

}  // namespace

void RegisterExpress(CLI::App& app, GlobalOptions& global, std::function<void(Action)> on_selected) {
  GlobalOptions* g = &global;
  auto a = std::make_shared<CreateSessionArgs>();
  CLI::App* sub = app.add_subcommand("create-session",
                                     "Print S3 Express session credentials for a directory bucket (s3://name--zone--x-s3)");
  sub->add_option("bucket", a->path, "s3://<base>--<zone-id>--x-s3")->required();
  sub->add_flag("--read-only", a->read_only, "a ReadOnly session (default ReadWrite)");
  sub->callback([=] { on_selected([=] { return RunCreateSession(*g, *a); }); });
}

}  // namespace s3ml::cli
