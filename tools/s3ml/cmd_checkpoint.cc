// checkpoint: model artifacts and the model registry (s3ml/checkpoint.h).
//
//   s3ml checkpoint ls s3://b/key                       versions (newest first) with metadata
//   s3ml checkpoint best s3://b/key --metric loss [--higher]   the best version by a metric
//   s3ml checkpoint save FILE|- s3://b/key [--meta k=v]...     streams a file (or stdin) up
//   s3ml checkpoint load s3://b/key FILE|- [--version-id V]    streams a version down
//   s3ml checkpoint rollback s3://b/key --version-id V         makes V the latest again
//   s3ml checkpoint bench s3://b/key [--size-mib 256]          streaming vs TransferManager MB/s

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "cli_util.h"
#include "s3ml/file.h"
#include "commands.h"
#include "s3_uri.h"
#include "s3ml/checkpoint.h"
#include "s3ml/s3ml.h"

namespace s3ml::cli {

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

struct CheckpointArgs {
  std::string uri;
  std::string local;
  std::string version_id;
  std::string metric;
  bool higher = false;
  bool lower = false;
  std::vector<std::string> meta;
  std::string content_type;
  std::uint64_t part_size_mib = 16;
  int concurrency = 4;
  int read_ahead = 4;
  bool json = false;
  // bench
  std::uint64_t size_mib = 256;
  int runs = 3;
  std::string tmp_dir = "/tmp";
};

Result<S3Uri> ObjectUri(const std::string& text) {
  S3ML_ASSIGN_OR_RETURN(S3Uri u, ParseS3Uri(text));
  if (u.key.empty() || u.key.back() == '/')
    return Status::InvalidArgument("invalid artifact URI '" + text + "': expected s3://bucket/key");
  return u;
}

// The flags behind the artifact and transfer options these commands set.
const std::vector<OptionFlag> kWriteFlags = {{"ArtifactWriteOptions.part_size", "--part-size-mib"},
                                             {"ArtifactWriteOptions.concurrency", "--concurrency"}};
const std::vector<OptionFlag> kLoadFlags = {{"ArtifactReadOptions.part_size", "--part-size-mib"},
                                            {"ArtifactReadOptions.read_ahead", "--read-ahead"}};
const std::vector<OptionFlag> kBenchFlags = {{"ArtifactWriteOptions.part_size", "--part-size-mib"},
                                             {"ArtifactWriteOptions.concurrency", "--concurrency"},
                                             {"ArtifactReadOptions.part_size", "--part-size-mib"},
                                             {"ArtifactReadOptions.read_ahead", "--concurrency"},
                                             {"TransferOptions.part_size", "--part-size-mib"},
                                             {"TransferOptions.concurrency", "--concurrency"}};

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::string MetadataText(const Metadata& m) {
  std::string out;
  for (const auto& [k, v] : m) out += (out.empty() ? "" : " ") + k + "=" + v;
  return out;
}

std::string InfoJson(const ArtifactInfo& a) {
  std::string md;
  for (const auto& [k, v] : a.metadata) md += (md.empty() ? "" : ",") + ("\"" + JsonEscape(k) + "\":\"" + JsonEscape(v) + "\"");
  return "{\"key\":\"" + JsonEscape(a.key) + "\",\"version_id\":\"" + JsonEscape(a.version_id) + "\",\"etag\":\"" +
         JsonEscape(a.etag) + "\",\"size\":" + std::to_string(a.size) + ",\"last_modified\":\"" +
         (a.last_modified == Timestamp{} ? std::string() : FormatLocalTime(a.last_modified)) + "\",\"is_latest\":" + (a.is_latest ? "true" : "false") +
         ",\"metadata\":{" + md + "}}";
}

void PrintInfo(const ArtifactInfo& a, bool json) {
  if (json) {
    std::printf("%s\n", InfoJson(a).c_str());
    return;
  }
  // What Commit returns has no Last-Modified (no extra request is made for it).
  const std::string when = a.last_modified == Timestamp{} ? std::string(19, '-') : FormatLocalTime(a.last_modified);
  std::printf("%s %12llu %-32s %-6s %s\n", when.c_str(),
              static_cast<unsigned long long>(a.size), a.version_id.empty() ? "-" : a.version_id.c_str(),
              a.is_latest ? "LATEST" : "", MetadataText(a.metadata).c_str());
}

int RunLs(const GlobalOptions& g, const CheckpointArgs& a) {
  const std::string command = "checkpoint ls";
  auto uri = ObjectUri(a.uri);
  if (!uri.ok()) return Fail(command, uri.status());
  auto client = MakeClient(g);
  if (!client.ok()) return Fail(command, client.status());
  auto versions = ListArtifactVersions(*client, uri->bucket, uri->key);
  if (!versions.ok()) return Fail(command, versions.status());
  for (const ArtifactInfo& v : *versions) PrintInfo(v, a.json);
  return 0;
}

int RunBest(const GlobalOptions& g, const CheckpointArgs& a) {
  const std::string command = "checkpoint best";
  auto uri = ObjectUri(a.uri);
  if (!uri.ok()) return Fail(command, uri.status());
  if (a.higher && a.lower) return Fail(command, Status::InvalidArgument("--higher and --lower exclude each other"));
  auto client = MakeClient(g);
  if (!client.ok()) return Fail(command, client.status());
  auto best = BestArtifact(*client, uri->bucket, uri->key, a.metric, a.higher);
  if (!best.ok()) return Fail(command, best.status());
  PrintInfo(*best, a.json);
  return 0;
}

int RunRollback(const GlobalOptions& g, const CheckpointArgs& a) {
  const std::string command = "checkpoint rollback";
  auto uri = ObjectUri(a.uri);
  if (!uri.ok()) return Fail(command, uri.status());
  auto client = MakeClient(g);
  if (!client.ok()) return Fail(command, client.status());
  auto now = RollbackArtifact(*client, uri->bucket, uri->key, a.version_id);
  if (!now.ok()) return Fail(command, now.status());
  if (!g.quiet) PrintInfo(*now, a.json);
  return 0;
}

int RunSave(const GlobalOptions& g, const CheckpointArgs& a) {
  const std::string command = "checkpoint save";
  auto uri = ObjectUri(a.uri);
  if (!uri.ok()) return Fail(command, uri.status());
  ArtifactWriteOptions o;
  for (const std::string& kv : a.meta) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return Fail(command, Status::InvalidArgument("--meta '" + kv + "' is not NAME=VALUE"));
    o.metadata[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  o.part_size = a.part_size_mib * kMiB;
  o.concurrency = a.concurrency;
  o.content_type = a.content_type;
  int fd = a.local == "-" ? 0 : ::open(a.local.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return Fail(command, Status(ErrorCategory::kIo, "cannot open '" + a.local + "': " + std::strerror(err)));
  }
  const UniqueFd owned(a.local == "-" ? -1 : fd);  // stdin stays open
  auto client = MakeClient(g);
  if (!client.ok()) return Fail(command, client.status());
  auto w = ArtifactWriter::Open(*client, uri->bucket, uri->key, o);
  if (!w.ok()) return Fail(command, InFlagTerms(w.status(), kWriteFlags));
  std::vector<char> buf(kMiB);
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      return Fail(command, Status(ErrorCategory::kIo, "cannot read '" + a.local + "': " + std::strerror(err)));
    }  // the writer's destructor aborts the upload
    if (n == 0) break;
    Status st = (*w)->Write(buf.data(), static_cast<std::size_t>(n));
    if (!st.ok()) return Fail(command, st);
  }
  auto info = (*w)->Commit();
  if (!info.ok()) return Fail(command, info.status());
  if (!g.quiet) PrintInfo(*info, a.json);
  return 0;
}

int RunLoad(const GlobalOptions& g, const CheckpointArgs& a) {
  const std::string command = "checkpoint load";
  auto uri = ObjectUri(a.uri);
  if (!uri.ok()) return Fail(command, uri.status());
  auto client = MakeClient(g);
  if (!client.ok()) return Fail(command, client.status());
  ArtifactReadOptions o;
  o.part_size = a.part_size_mib * kMiB;
  o.read_ahead = a.read_ahead;
  auto r = ArtifactReader::Open(*client, uri->bucket, uri->key, a.version_id, o);
  if (!r.ok()) return Fail(command, InFlagTerms(r.status(), kLoadFlags));
  const bool to_stdout = a.local == "-";
  // A temporary beside the target, renamed on success: a failed load leaves no file.
  std::optional<AtomicFile> file;
  if (!to_stdout) {
    auto f = AtomicFile::Create(a.local);
    if (!f.ok()) return Fail(command, f.status());
    file.emplace(std::move(*f));
  }
  const int fd = to_stdout ? 1 : file->fd();
  std::vector<char> buf(kMiB);
  for (;;) {
    auto n = (*r)->Read(buf.data(), buf.size());
    if (!n.ok()) return Fail(command, n.status());  // ~AtomicFile removes the temporary
    if (*n == 0) break;
    if (Status st = WriteAll(fd, a.local, buf.data(), *n); !st.ok()) return Fail(command, st);
  }
  if (!to_stdout) {
    if (Status st = file->Commit(); !st.ok())
      return Fail(command, Status(ErrorCategory::kIo, "cannot finish '" + a.local + "': " + st.message()));
    if (!g.quiet) PrintInfo((*r)->info(), a.json);
  }
  return 0;
}

// ---- bench --------------------------------------------------------------------------

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : (v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2);
}

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int RunBench(const GlobalOptions& g, const CheckpointArgs& a) {
  const std::string command = "checkpoint bench";
  auto uri = ObjectUri(a.uri);
  if (!uri.ok()) return Fail(command, uri.status());
  if (a.size_mib == 0 || a.runs < 1) return Fail(command, Status::InvalidArgument("--size-mib and --runs must be >= 1"));
  auto client = MakeClient(g);
  if (!client.ok()) return Fail(command, client.status());
  auto made = client->CreateBucket(CreateBucketRequest{uri->bucket, ""});
  if (!made.ok() && made.status().code() != "BucketAlreadyOwnedByYou" && made.status().code() != "BucketAlreadyExists")
    return Fail(command, made.status());

  const std::uint64_t total = a.size_mib * kMiB;
  // One MiB of random bytes, each MiB stamped with its index (no two chunks alike).
  std::string chunk(kMiB, '\0');
  std::mt19937_64 rng(42);
  for (std::size_t i = 0; i + 8 <= chunk.size(); i += 8) {
    std::uint64_t x = rng();
    std::memcpy(chunk.data() + i, &x, 8);
  }
  auto stamp = [&](std::uint64_t i) { std::memcpy(chunk.data(), &i, sizeof i); };

  // The same bytes in a file, for TransferManager::UploadFile.
  const std::string file = a.tmp_dir + "/s3ml-ckpt-bench-" + std::to_string(::getpid());
  const std::string down = file + ".down";
  struct Cleanup {
    std::string a, b;
    ~Cleanup() {
      ::unlink(a.c_str());
      ::unlink(b.c_str());
    }
  } cleanup{file, down};
  {
    UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd.valid()) return Fail(command, Status(ErrorCategory::kIo, "cannot create '" + file + "'"));
    for (std::uint64_t i = 0; i < a.size_mib; ++i) {
      stamp(i);
      if (Status st = WriteAll(fd.get(), file, chunk.data(), chunk.size()); !st.ok()) return Fail(command, st);
    }
    if (Status st = fd.Close(file); !st.ok()) return Fail(command, st);
  }

  ArtifactWriteOptions wo;
  wo.part_size = a.part_size_mib * kMiB;
  wo.concurrency = a.concurrency;
  wo.metadata = {{"bench", "1"}};
  TransferOptions to;
  to.part_size = wo.part_size;
  to.concurrency = a.concurrency;
  to.multipart_threshold = wo.part_size;
  TransferManager tm(*client, to);
  ArtifactReadOptions ro;
  ro.part_size = wo.part_size;
  ro.read_ahead = a.concurrency;

  std::vector<double> w_ckpt, w_tm, r_ckpt, r_tm;
  std::uint64_t high_water = 0;
  const double mib = static_cast<double>(a.size_mib);
  for (int run = 0; run < a.runs; ++run) {
    auto t0 = std::chrono::steady_clock::now();
    auto w = ArtifactWriter::Open(*client, uri->bucket, uri->key, wo);
    if (!w.ok()) return Fail(command, InFlagTerms(w.status(), kBenchFlags));
    for (std::uint64_t i = 0; i < a.size_mib; ++i) {
      stamp(i);
      Status st = (*w)->Write(chunk.data(), chunk.size());
      if (!st.ok()) return Fail(command, st);
    }
    auto info = (*w)->Commit();
    if (!info.ok()) return Fail(command, info.status());
    w_ckpt.push_back(mib / Seconds(t0));
    high_water = std::max(high_water, (*w)->stats().memory_high_water);

    t0 = std::chrono::steady_clock::now();
    auto up = tm.UploadFile(uri->bucket, uri->key + ".tm", file);
    if (!up.ok()) return Fail(command, InFlagTerms(up.status(), kBenchFlags));
    w_tm.push_back(mib / Seconds(t0));

    t0 = std::chrono::steady_clock::now();
    auto r = ArtifactReader::Open(*client, uri->bucket, uri->key, info->version_id, ro);
    if (!r.ok()) return Fail(command, InFlagTerms(r.status(), kBenchFlags));
    std::vector<char> buf(kMiB);
    std::uint64_t got = 0;
    for (;;) {
      auto n = (*r)->Read(buf.data(), buf.size());
      if (!n.ok()) return Fail(command, n.status());
      if (*n == 0) break;
      got += *n;
    }
    if (got != total) return Fail(command, Status(ErrorCategory::kIntegrity, "read back " + std::to_string(got) + " bytes"));
    r_ckpt.push_back(mib / Seconds(t0));

    t0 = std::chrono::steady_clock::now();
    auto dl = tm.DownloadFile(uri->bucket, uri->key + ".tm", down);
    if (!dl.ok()) return Fail(command, InFlagTerms(dl.status(), kBenchFlags));
    r_tm.push_back(mib / Seconds(t0));
    ::unlink(down.c_str());
  }
  if (a.json) {
    std::printf(
        "{\"size_mib\":%llu,\"part_size_mib\":%llu,\"concurrency\":%d,\"runs\":%d,\"checkpoint_write_mib_s\":%.1f,"
        "\"transfer_upload_file_mib_s\":%.1f,\"checkpoint_read_mib_s\":%.1f,\"transfer_download_file_mib_s\":%.1f,"
        "\"writer_memory_high_water_mib\":%.1f}\n",
        static_cast<unsigned long long>(a.size_mib), static_cast<unsigned long long>(a.part_size_mib), a.concurrency,
        a.runs, Median(w_ckpt), Median(w_tm), Median(r_ckpt), Median(r_tm),
        static_cast<double>(high_water) / static_cast<double>(kMiB));
  } else {
    std::printf("%llu MiB artifact, %llu MiB parts, concurrency %d, median of %d runs (MiB/s)\n",
                static_cast<unsigned long long>(a.size_mib), static_cast<unsigned long long>(a.part_size_mib),
                a.concurrency, a.runs);
    std::printf("  ArtifactWriter (streamed 1 MiB writes)    %8.1f\n", Median(w_ckpt));
    std::printf("  TransferManager::UploadFile               %8.1f\n", Median(w_tm));
    std::printf("  ArtifactReader (1 MiB reads)              %8.1f\n", Median(r_ckpt));
    std::printf("  TransferManager::DownloadFile             %8.1f\n", Median(r_tm));
    std::printf("  writer memory high-water                  %8.1f MiB\n",
                static_cast<double>(high_water) / static_cast<double>(kMiB));
  }
  return 0;
}

}  // namespace

void RegisterCheckpoint(CLI::App& app, GlobalOptions& global, std::function<void(Action)> on_selected) {
  GlobalOptions* g = &global;
  CLI::App* cmd = app.add_subcommand("checkpoint", "Model artifacts: save, load, list versions, best, rollback");
  cmd->require_subcommand(1);

  auto add = [&](const char* name, const char* help, int (*run)(const GlobalOptions&, const CheckpointArgs&),
                 auto&& configure) {
    auto a = std::make_shared<CheckpointArgs>();
    CLI::App* sub = cmd->add_subcommand(name, help);
    configure(sub, *a);
    sub->add_flag("--json", a->json, "One JSON object per line");
    sub->callback([=] { on_selected([=] { return run(*g, *a); }); });
  };
  add("ls", "Versions of s3://bucket/key, newest first, with their metadata", RunLs,
      [](CLI::App* s, CheckpointArgs& a) { s->add_option("uri", a.uri, "s3://bucket/key")->required(); });
  add("best", "The version with the best numeric metadata field", RunBest, [](CLI::App* s, CheckpointArgs& a) {
    s->add_option("uri", a.uri, "s3://bucket/key")->required();
    s->add_option("--metric", a.metric, "Metadata field, e.g. loss")->required();
    s->add_flag("--higher", a.higher, "Higher is better (e.g. accuracy)");
    s->add_flag("--lower", a.lower, "Lower is better (the default, e.g. loss)");
  });
  add("save", "Stream a local file (or - for stdin) to s3://bucket/key", RunSave, [](CLI::App* s, CheckpointArgs& a) {
    s->add_option("file", a.local, "Local file, or - for stdin")->required();
    s->add_option("uri", a.uri, "s3://bucket/key")->required();
    s->add_option("--meta", a.meta, "NAME=VALUE metadata (repeatable)");
    s->add_option("--content-type", a.content_type, "Content-Type");
    s->add_option("--part-size-mib", a.part_size_mib, "Part size in MiB")->capture_default_str();
    s->add_option("--concurrency", a.concurrency, "Parts uploaded in parallel")->capture_default_str();
  });
  add("load", "Stream s3://bucket/key (a version) to a local file (or - for stdout)", RunLoad,
      [](CLI::App* s, CheckpointArgs& a) {
        s->add_option("uri", a.uri, "s3://bucket/key")->required();
        s->add_option("file", a.local, "Local file, or - for stdout")->required();
        s->add_option("--version-id", a.version_id, "Version to load (default: the latest)");
        s->add_option("--part-size-mib", a.part_size_mib, "Bytes per ranged GET, in MiB")->capture_default_str();
        s->add_option("--read-ahead", a.read_ahead, "Ranges fetched ahead in parallel")->capture_default_str();
      });
  add("rollback", "Make an older version the latest again (copies it; history kept)", RunRollback,
      [](CLI::App* s, CheckpointArgs& a) {
        s->add_option("uri", a.uri, "s3://bucket/key")->required();
        s->add_option("--version-id", a.version_id, "Version to restore")->required();
      });
  add("bench", "Streaming write/read MiB/s vs TransferManager file upload/download", RunBench,
      [](CLI::App* s, CheckpointArgs& a) {
        s->add_option("uri", a.uri, "s3://bucket/key (bucket created if missing)")->required();
        s->add_option("--size-mib", a.size_mib, "Artifact size in MiB")->capture_default_str();
        s->add_option("--part-size-mib", a.part_size_mib, "Part size in MiB")->capture_default_str();
        s->add_option("--concurrency", a.concurrency, "Parallel parts (and reader read-ahead)")->capture_default_str();
        s->add_option("--runs", a.runs, "Runs (medians reported)")->capture_default_str();
        s->add_option("--tmp-dir", a.tmp_dir, "Where the TransferManager's file goes")->capture_default_str();
      });
}

}  // namespace s3ml::cli
