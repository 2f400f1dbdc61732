// versioning and `ls --versions`: bucket versioning from the command line.
//
//   s3ml versioning s3://bucket             prints Enabled, Suspended or Unversioned
//   s3ml versioning s3://bucket enable      turns versioning on
//   s3ml versioning s3://bucket suspend     suspends it
//   s3ml ls --versions s3://bucket[/prefix] lists versions and delete markers

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include "cli_util.h"
#include "commands.h"
#include "s3_uri.h"
#include "s3ml/s3ml.h"

namespace s3ml::cli {

namespace {

struct VersioningArgs {
  std::string path;
  std::string action;  // "", "enable" or "suspend"
};

int RunVersioning(const GlobalOptions& g, const VersioningArgs& a) {
  const std::string command = "versioning";
  auto uri = ParseS3Uri(a.path);
  if (!uri.ok()) return Fail(command, uri.status());
  if (!uri->key.empty())
    return Fail(command, Status::InvalidArgument("invalid bucket URI '" + a.path + "': expected s3://bucket without a key"));
  std::string action = a.action;
  std::transform(action.begin(), action.end(), action.begin(), [](unsigned char c) { return std::tolower(c); });
  if (!action.empty() && action != "enable" && action != "suspend")
    return Fail(command, Status::InvalidArgument("unknown action '" + a.action + "' (expected enable or suspend)"));

  auto client = MakeClient(g);
  if (!client.ok()) return Fail(command, client.status());
  if (action.empty()) {
    auto r = client->GetBucketVersioning(uri->bucket);
    if (!r.ok()) return Fail(command, r.status());
    std::printf("%s\n", VersioningStatusName(r->status));
    return 0;
  }
  PutBucketVersioningRequest req;
  req.bucket = uri->bucket;
  req.status = action == "enable" ? VersioningStatus::kEnabled : VersioningStatus::kSuspended;
  Status st = client->PutBucketVersioning(req);
  if (!st.ok()) return Fail(command, st);
  if (!g.quiet) std::printf("versioning: s3://%s %s\n", uri->bucket.c_str(), VersioningStatusName(req.status));
  return 0;
}

}  // namespace

int RunLsVersions(const GlobalOptions& g, const std::string& path, bool recursive,
                  const std::function<std::string(std::uint64_t)>& size_str) {
  const std::string command = "ls";
  auto uri = ParseS3Uri(path);
  if (!uri.ok()) return Fail(command, uri.status());
  auto client = MakeClient(g);
  if (!client.ok()) return Fail(command, client.status());
  ListObjectVersionsRequest req;
  req.bucket = uri->bucket;
  req.prefix = uri->key;
  if (!recursive) req.delimiter = "/";
  // Names relative to the prefix's "directory" unless --recursive, as plain `ls` prints them.
  const std::size_t dir_len = recursive ? 0 : uri->key.rfind('/') + 1;  // npos + 1 == 0
  auto pages = client->ListObjectVersionsPages(req);
  while (pages.HasMorePages()) {
    auto page = pages.NextPage();
    if (!page.ok()) return Fail(command, page.status());
    for (const std::string& p : page->common_prefixes)
      std::printf("%30s %s\n", "PRE", p.substr(std::min(dir_len, p.size())).c_str());
    // <time> <size or DELETE> <version id> <LATEST or blank> <key>
    for (const ObjectVersionSummary& v : page->versions) {
      const std::string size = v.is_delete_marker ? std::string("DELETE") : size_str(v.size);
      std::printf("%s %10s %-32s %-6s %s\n", FormatLocalTime(v.last_modified).c_str(), size.c_str(),
                  v.version_id.c_str(), v.is_latest ? "LATEST" : "", v.key.substr(std::min(dir_len, v.key.size())).c_str());
    }
    std::fflush(stdout);
  }
  return 0;
}

void RegisterVersioning(CLI::App& app, GlobalOptions& global, std::function<void(Action)> on_selected) {
  GlobalOptions* g = &global;
  auto a = std::make_shared<VersioningArgs>();
  CLI::App* sub = app.add_subcommand("versioning", "Show, enable or suspend versioning of s3://bucket");
  sub->add_option("bucket", a->path, "s3://bucket")->required();
  sub->add_option("action", a->action, "enable or suspend (omit to print the current state)");
  sub->callback([=] { on_selected([=] { return RunVersioning(*g, *a); }); });
}

}  // namespace s3ml::cli
