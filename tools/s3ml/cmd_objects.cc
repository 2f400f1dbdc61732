// ls, mb, rb, cp, rm, cat: the aws-CLI-like object commands (presign: cmd_presign.cc).
//
// Output follows `aws s3` where it has an equivalent ("upload: f to s3://b/f",
// listing columns, "make_bucket: b"); every failure is one line on stderr,
// "s3ml <command>: <what failed and why>", and a non-zero exit.

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cli_util.h"
#include "commands.h"
#include "local_file.h"
#include "progress.h"
#include "s3_uri.h"
#include "s3ml/s3ml.h"
#include "task_runner.h"

namespace s3ml::cli {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kDeleteBatch = 1000;  // the DeleteObjects maximum
constexpr std::uint64_t kDefaultMultipartThreshold = 64ull << 20;  // cp --multipart-threshold default

// Per-invocation state shared by the transfer helpers.
struct Session {
  std::string command;
  const GlobalOptions* global = nullptr;
  Client* client = nullptr;
  bool progress = false;  // draw progress bars (stderr is a terminal, not --quiet)
  std::uint64_t multipart_threshold = kDefaultMultipartThreshold;  // cp: TransferManager at or above this size
  ServerSideEncryption sse{};                            // cp --sse / --sse-kms-key-id
  ChecksumAlgorithm checksum = ChecksumAlgorithm::kNone;  // cp --checksum-algorithm
  bool dryrun = false;                                    // --dryrun: say what would be done, do nothing
  // cp --no-overwrite ("*") / --if-match ETAG: conditional writes of S3 destinations.
  std::string if_none_match{}, if_match{};
  std::atomic<int> failures{0};
  // Say and Failed may be called from the workers of a recursive cp: whole lines.
  mutable std::mutex out_mu{};

  // cp --no-overwrite: a destination that exists is skipped ("skip: <what> (destination exists)"),
  // not a failure; any other error (and a failed --if-match) is returned.
  Status SkipIfExists(const Status& error, const std::string& what) const {
    if (if_none_match.empty() || error.code() != "PreconditionFailed") return error;
    Say("skip: " + what + " (destination exists)");
    return Status::Ok();
  }

  // An aws-style result line on stdout ("upload: a to s3://b/a"), unless --quiet.
  void Say(const std::string& line) const {
    if (global->quiet) return;
    std::lock_guard<std::mutex> lock(out_mu);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  // One failed item of a (possibly multi-object) command: reported, counted, not fatal.
  void Failed(const Status& st) {
    {
      std::lock_guard<std::mutex> lock(out_mu);
      PrintError(command, st.ToString());
    }
    ++failures;
  }
  int ExitCode() const { return failures.load() == 0 ? 0 : kExitFailure; }
  // Under --dryrun: the line aws prints ("(dryrun) delete: s3://b/k"); true when the
  // caller must stop there.
  bool DryRun(const std::string& line) const {
    if (dryrun) Say("(dryrun) " + line);
    return dryrun;
  }
};

std::string Basename(const std::string& key) {
  const auto slash = key.rfind('/');
  return slash == std::string::npos ? key : key.substr(slash + 1);
}

bool EndsWithSlash(const std::string& s) { return !s.empty() && s.back() == '/'; }

// The Content-Type for an upload from the file name (the aws CLI guesses too).
std::string GuessContentType(const std::string& name) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".txt", "text/plain"},         {".csv", "text/csv"},           {".json", "application/json"},
      {".jsonl", "application/x-ndjson"}, {".html", "text/html"},     {".xml", "application/xml"},
      {".jpg", "image/jpeg"},         {".jpeg", "image/jpeg"},        {".png", "image/png"},
      {".tar", "application/x-tar"},  {".gz", "application/gzip"},    {".zip", "application/zip"},
      {".parquet", "application/vnd.apache.parquet"}, {".npy", "application/octet-stream"},
  };
  const std::string ext = fs::path(name).extension().string();
  for (const auto& [e, type] : kTypes) {
    if (ext == e) return type;
  }
  return {};
}

// ---- transfers ---------------------------------------------------------------

// ---- cp at or above --multipart-threshold: the TransferManager (s3ml/transfer.h) ----------

// "8MiB", "64MB", "1GiB", "5242880": a byte count for --multipart-threshold.
Result<std::uint64_t> ParseByteSize(const std::string& text) {
  std::size_t i = 0;
  std::uint64_t n = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && n < (1ull << 50))
    n = n * 10 + static_cast<std::uint64_t>(text[i++] - '0');
  std::string unit = text.substr(i);
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::pair<const char*, std::uint64_t> kUnits[] = {
      {"", 1}, {"b", 1}, {"k", 1ull << 10}, {"kb", 1ull << 10}, {"kib", 1ull << 10}, {"m", 1ull << 20},
      {"mb", 1ull << 20}, {"mib", 1ull << 20}, {"g", 1ull << 30}, {"gb", 1ull << 30}, {"gib", 1ull << 30}};
  for (const auto& [name, mult] : kUnits)
    if (i > 0 && unit == name) return n * mult;
  return Status::InvalidArgument("--multipart-threshold: cannot read '" + text + "' as a size (e.g. 8MiB, 64MB, 1GiB)");
}

// Progress from the transfer's worker threads into the (single-threaded) bar.
ProgressCallback BarCallback(ProgressBar& bar, std::mutex& mu) {
  return [&bar, &mu](std::uint64_t done, std::uint64_t) {
    std::lock_guard<std::mutex> lock(mu);
    bar.Update(done);
  };
}

Status TransferUpload(Session& s, const std::string& path, std::uint64_t size, const S3Uri& dst,
                      const std::string& content_type) {
  ProgressBar bar("upload: " + path, size, s.progress);
  std::mutex mu;
  TransferOptions o;
  o.multipart_threshold = s.multipart_threshold;
  o.progress = BarCallback(bar, mu);
  o.checksum_algorithm = s.checksum;
  UploadAttributes attrs;
  attrs.content_type = content_type;
  attrs.sse = s.sse;
  attrs.if_none_match = s.if_none_match;
  attrs.if_match = s.if_match;
  auto r = TransferManager(*s.client, o).UploadFile(dst.bucket, dst.key, path, attrs);
  bar.Finish();
  if (!r.ok()) return s.SkipIfExists(r.status(), "upload: " + path + " to " + dst.ToString());
  s.Say("upload: " + path + " to " + dst.ToString());
  return Status::Ok();
}

Status TransferDownload(Session& s, const S3Uri& src, std::uint64_t size, const std::string& path) {
  ProgressBar bar("download: " + src.ToString(), size, s.progress);
  std::mutex mu;
  TransferOptions o;
  o.progress = BarCallback(bar, mu);
  auto r = TransferManager(*s.client, o).DownloadFile(src.bucket, src.key, path);
  bar.Finish();
  if (!r.ok()) return r.status();
  s.Say("download: " + src.ToString() + " to " + path);
  return Status::Ok();
}

Status UploadFile(Session& s, const std::string& path, const S3Uri& dst, const std::string& content_type) {
  S3ML_ASSIGN_OR_RETURN(InputFile in, OpenInputFile(path));
  if (s.DryRun("upload: " + path + " to " + dst.ToString())) return Status::Ok();
  if (in.size >= s.multipart_threshold)
    return TransferUpload(s, path, in.size, dst, content_type.empty() ? GuessContentType(path) : content_type);
  ProgressBar bar("upload: " + path, in.size, s.progress);
  PutObjectRequest req;
  req.bucket = dst.bucket;
  req.key = dst.key;
  req.content_type = content_type.empty() ? GuessContentType(path) : content_type;
  req.sse = s.sse;
  req.checksum_algorithm = s.checksum;
  req.if_none_match = s.if_none_match;
  req.if_match = s.if_match;
  const int fd = in.fd.get();
  if (in.size > 0) {
    // A seekable reader rather than file_path so that the bar follows the bytes
    // as they are sent; on a retry the offset goes back and so does the bar.
    req.reader = [fd, &path, &bar](std::uint64_t offset, char* out, std::size_t n) -> Result<std::size_t> {
      S3ML_ASSIGN_OR_RETURN(std::size_t got, ReadAt(fd, path, offset, out, n));
      bar.Update(offset + got);
      return got;
    };
    req.reader_size = in.size;
  }
  auto r = s.client->PutObject(req);
  bar.Finish();
  if (!r.ok()) return s.SkipIfExists(r.status(), "upload: " + path + " to " + dst.ToString());
  s.Say("upload: " + path + " to " + dst.ToString());
  return Status::Ok();
}

Status UploadStdin(Session& s, const S3Uri& dst, const std::string& content_type) {
  if (s.DryRun("upload: - to " + dst.ToString())) return Status::Ok();
  // Without multipart upload the body must be sized up front: stdin is buffered whole.
  std::string data;
  char buf[1 << 16];
  for (;;) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, stdin);
    data.append(buf, n);
    if (n < sizeof buf) break;
  }
  if (std::ferror(stdin)) return Status(ErrorCategory::kIo, "cannot read standard input");
  PutObjectRequest req;
  req.bucket = dst.bucket;
  req.key = dst.key;
  req.data = data;
  req.content_type = content_type;
  req.sse = s.sse;
  req.checksum_algorithm = s.checksum;
  req.if_none_match = s.if_none_match;
  req.if_match = s.if_match;
  auto r = s.client->PutObject(req);
  if (!r.ok()) return s.SkipIfExists(r.status(), "upload: - to " + dst.ToString());
  s.Say("upload: - to " + dst.ToString());
  return Status::Ok();
}

// Streams an object to stdout (cat, cp s3://b/k -).
Status StreamToStdout(Session& s, const S3Uri& src) {
  if (s.DryRun("download: " + src.ToString() + " to -")) return Status::Ok();
  GetObjectRequest req;
  req.bucket = src.bucket;
  req.key = src.key;
  auto r = s.client->GetObject(req, [](const char* data, std::size_t n) -> Status {
    if (std::fwrite(data, 1, n, stdout) != n) {
      return Status(ErrorCategory::kIo, std::string("cannot write to standard output: ") + std::strerror(errno));
    }
    return Status::Ok();
  });
  if (std::fflush(stdout) != 0 && r.ok()) {
    return Status(ErrorCategory::kIo, std::string("cannot write to standard output: ") + std::strerror(errno));
  }
  return r.ok() ? Status::Ok() : r.status();
}

Status DownloadFile(Session& s, const S3Uri& src, const std::string& path) {
  GetObjectRequest req;
  req.bucket = src.bucket;
  req.key = src.key;
  std::uint64_t total = 0;
  {
    // The bar and the multipart threshold need the size first; pin the GET to the version we sized.
    HeadObjectRequest head;
    head.bucket = src.bucket;
    head.key = src.key;
    auto info = s.client->HeadObject(head);
    if (!info.ok()) return info.status();
    total = info->content_length;
    req.if_match = info->etag;
  }
  if (s.DryRun("download: " + src.ToString() + " to " + path)) return Status::Ok();
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec) return Status(ErrorCategory::kIo, "cannot create directory '" + parent.string() + "': " + ec.message());
  }
  if (total >= s.multipart_threshold) return TransferDownload(s, src, total, path);
  S3ML_ASSIGN_OR_RETURN(AtomicOutputFile out, AtomicOutputFile::Create(path));
  ProgressBar bar("download: " + src.ToString(), total, s.progress);
  auto r = s.client->GetObject(req, [&out, &bar](const char* data, std::size_t n) -> Status {
    S3ML_RETURN_IF_ERROR(out.Write(data, n));
    bar.Add(n);
    return Status::Ok();
  });
  bar.Finish();
  if (!r.ok()) return r.status();
  std::optional<Timestamp> mtime;
  if (r->info.last_modified != Timestamp{}) mtime = r->info.last_modified;
  S3ML_RETURN_IF_ERROR(out.Commit(mtime));
  s.Say("download: " + src.ToString() + " to " + path);
  return Status::Ok();
}

Status CopyS3(Session& s, const S3Uri& src, const S3Uri& dst) {
  if (s.dryrun) {
    // As aws: a dry run still finds out whether the source exists.
    HeadObjectRequest head;
    head.bucket = src.bucket;
    head.key = src.key;
    if (auto info = s.client->HeadObject(head); !info.ok()) return info.status();
    s.DryRun("copy: " + src.ToString() + " to " + dst.ToString());
    return Status::Ok();
  }
  CopyObjectRequest req;
  req.source_bucket = src.bucket;
  req.source_key = src.key;
  req.bucket = dst.bucket;
  req.key = dst.key;
  req.sse = s.sse;
  req.if_none_match = s.if_none_match;
  req.if_match = s.if_match;
  auto r = s.client->CopyObject(req);
  if (!r.ok()) return s.SkipIfExists(r.status(), "copy: " + src.ToString() + " to " + dst.ToString());
  s.Say("copy: " + src.ToString() + " to " + dst.ToString());
  return Status::Ok();
}

// Calls fn for every object under prefix, page by page (lazily).
template <class Fn>
Status ForEachObject(Session& s, const std::string& bucket, const std::string& prefix, Fn&& fn) {
  ListObjectsV2Request req;
  req.bucket = bucket;
  req.prefix = prefix;
  auto pages = s.client->ListObjectsV2Pages(req);
  while (pages.HasMorePages()) {
    auto page = pages.NextPage();
    if (!page.ok()) return page.status();
    for (const ObjectSummary& obj : page->contents) fn(obj);
  }
  return Status::Ok();
}

// A key's path below a listing prefix, refused when it would escape the
// destination directory ("..", absolute) — keys are remote input.
Result<std::string> SafeRelativePath(const std::string& key, const std::string& prefix) {
  const std::string rel = key.substr(prefix.size());
  const fs::path p(rel);
  if (p.is_absolute()) return Status(ErrorCategory::kInvalidArgument, "key '" + key + "' maps to an absolute path");
  for (const auto& part : p) {
    if (part == "..") {
      return Status(ErrorCategory::kInvalidArgument, "key '" + key + "' would be written outside the destination");
    }
  }
  return rel;
}

// Deletes every object under prefix in DeleteObjects batches of up to 1000 (under
// --dryrun only names them). Walks with start-after rather than continuation tokens:
// the listing is being deleted under its feet, and start-after stays valid whatever
// the server's tokens mean.
Status DeletePrefix(Session& s, const std::string& bucket, const std::string& prefix) {
  std::string start_after;
  for (;;) {
    ListObjectsV2Request list;
    list.bucket = bucket;
    list.prefix = prefix;
    list.start_after = start_after;
    list.max_keys = static_cast<int>(kDeleteBatch);
    auto page = s.client->ListObjectsV2(list);
    if (!page.ok()) return page.status();
    if (page->contents.empty()) return Status::Ok();
    if (s.dryrun) {
      for (const ObjectSummary& o : page->contents) s.DryRun("delete: " + S3Uri{bucket, o.key}.ToString());
    }
    // A page can be no longer than max_keys, but a server's word is not a bound: batch anyway.
    for (std::size_t i = 0; !s.dryrun && i < page->contents.size(); i += kDeleteBatch) {
      DeleteObjectsRequest del;
      del.bucket = bucket;
      const std::size_t end = std::min(page->contents.size(), i + kDeleteBatch);
      for (std::size_t j = i; j < end; ++j) del.objects.push_back({page->contents[j].key, {}});
      auto r = s.client->DeleteObjects(del);
      if (!r.ok()) return r.status();
      for (const DeletedObject& d : r->deleted) s.Say("delete: " + S3Uri{bucket, d.key}.ToString());
      for (const DeleteError& e : r->errors) {
        s.Failed(Status(ErrorCategory::kService, e.message)
                     .WithCode(e.code)
                     .WithContext("DeleteObjects", S3Uri{bucket, e.key}.ToString()));
      }
    }
    start_after = page->contents.back().key;
    if (!page->is_truncated) return Status::Ok();
  }
}

// ---- commands ----------------------------------------------------------------

// --human-readable sizes exactly as `aws s3 ls` prints them.
std::string HumanSize(std::uint64_t n) {
  if (n == 1) return "1 Byte";
  if (n < 1024) return std::to_string(n) + " Bytes";
  return FormatBytes(n);
}

struct LsArgs {
  std::string path;
  bool recursive = false;
  bool human = false;
  bool summarize = false;
  bool versions = false;
};

int RunLs(const GlobalOptions& g, const LsArgs& a) {
  Session s{"ls", &g};
  auto client = MakeClient(g);
  if (!client.ok()) return Fail(s.command, client.status());
  if (a.path.empty() || a.path == "s3://") {
    auto r = client->ListBuckets();
    if (!r.ok()) return Fail(s.command, r.status());
    for (const BucketInfo& b : r->buckets) std::printf("%s %s\n", FormatLocalTime(b.creation_date).c_str(), b.name.c_str());
    return 0;
  }
  auto uri = ParseS3Uri(a.path);
  if (!uri.ok()) return Fail(s.command, uri.status());
  if (a.versions)
    return RunLsVersions(g, a.path, a.recursive, [&](std::uint64_t n) { return a.human ? HumanSize(n) : std::to_string(n); });

  ListObjectsV2Request req;
  req.bucket = uri->bucket;
  req.prefix = uri->key;
  if (!a.recursive) req.delimiter = "/";
  // Without --recursive names are shown relative to the prefix's "directory", as aws does.
  const std::size_t dir_len = a.recursive ? 0 : uri->key.rfind('/') + 1;  // npos + 1 == 0
  std::uint64_t objects = 0, bytes = 0;
  auto size_str = [&](std::uint64_t n) { return a.human ? HumanSize(n) : std::to_string(n); };
  auto pages = client->ListObjectsV2Pages(req);
  while (pages.HasMorePages()) {
    auto page = pages.NextPage();
    if (!page.ok()) return Fail(s.command, page.status());
    for (const std::string& p : page->common_prefixes) {
      std::printf("%30s %s\n", "PRE", p.substr(std::min(dir_len, p.size())).c_str());
    }
    for (const ObjectSummary& o : page->contents) {
      ++objects;
      bytes += o.size;
      std::printf("%s %10s %s\n", FormatLocalTime(o.last_modified).c_str(), size_str(o.size).c_str(),
                  o.key.substr(std::min(dir_len, o.key.size())).c_str());
    }
    std::fflush(stdout);
  }
  if (a.summarize) std::printf("\nTotal Objects: %llu\n   Total Size: %s\n", static_cast<unsigned long long>(objects),
                               size_str(bytes).c_str());
  return 0;
}

struct BucketArgs {
  std::string path;
  bool force = false;
};

Result<S3Uri> ParseBucketUri(const std::string& text) {
  S3ML_ASSIGN_OR_RETURN(S3Uri uri, ParseS3Uri(text));
  if (!uri.key.empty()) {
    return Status::InvalidArgument("invalid bucket URI '" + text + "': expected s3://bucket without a key");
  }
  return uri;
}

int RunMb(const GlobalOptions& g, const BucketArgs& a) {
  Session s{"mb", &g};
  auto uri = ParseBucketUri(a.path);
  if (!uri.ok()) return Fail(s.command, uri.status());
  auto client = MakeClient(g);
  if (!client.ok()) return Fail(s.command, client.status());
  CreateBucketRequest req;
  req.bucket = uri->bucket;
  const std::string& region = client->options().region;
  if (!region.empty() && region != "us-east-1") req.location_constraint = region;
  auto r = client->CreateBucket(req);
  if (!r.ok()) return Fail(s.command, r.status());
  s.Say("make_bucket: " + uri->bucket);
  return 0;
}

int RunRb(const GlobalOptions& g, const BucketArgs& a) {
  Session s{"rb", &g};
  auto uri = ParseBucketUri(a.path);
  if (!uri.ok()) return Fail(s.command, uri.status());
  auto client = MakeClient(g);
  if (!client.ok()) return Fail(s.command, client.status());
  s.client = &*client;
  if (a.force) {
    if (Status st = DeletePrefix(s, uri->bucket, ""); !st.ok()) return Fail(s.command, st);
    if (s.failures > 0) {
      PrintError(s.command, "bucket s3://" + uri->bucket + " not removed: " + std::to_string(s.failures) +
                                " object(s) could not be deleted");
      return kExitFailure;
    }
  }
  if (Status st = client->DeleteBucket(uri->bucket); !st.ok()) return Fail(s.command, st);
  s.Say("remove_bucket: " + uri->bucket);
  return 0;
}

struct CpArgs {
  std::string src;
  std::string dst;
  bool recursive = false;
  bool dryrun = false;
  bool no_progress = false;
  std::string content_type;
  std::string multipart_threshold;  // empty: kDefaultMultipartThreshold
  std::string sse;                  // --sse AES256|aws:kms|aws:kms:dsse
  std::string sse_kms_key_id;       // --sse-kms-key-id
  std::string checksum_algorithm;   // --checksum-algorithm CRC32|CRC32C|SHA1|SHA256
  int concurrency = 10;             // --concurrency: objects at once with --recursive
  bool no_overwrite = false;        // --no-overwrite: If-None-Match: * on S3 destinations
  std::string if_match;             // --if-match ETAG: replace the destination only if its ETag matches
};

// --sse / --sse-kms-key-id / --checksum-algorithm into the session (docs/integrity-and-encryption.md).
Status ApplyIntegrityFlags(const CpArgs& a, Session& s) {
  if (a.sse == "AES256") {
    s.sse = ServerSideEncryption::S3();
  } else if (a.sse == "aws:kms" || a.sse == "aws:kms:dsse") {
    s.sse = ServerSideEncryption::Kms(a.sse_kms_key_id);
    if (a.sse == "aws:kms:dsse") s.sse.kind = ServerSideEncryption::Kind::kKmsDsse;
  } else if (!a.sse.empty()) {
    return Status::InvalidArgument("--sse must be AES256, aws:kms or aws:kms:dsse, got '" + a.sse + "'");
  }
  if (!a.sse_kms_key_id.empty() && s.sse.kind != ServerSideEncryption::Kind::kKms &&
      s.sse.kind != ServerSideEncryption::Kind::kKmsDsse)
    return Status::InvalidArgument("--sse-kms-key-id needs --sse aws:kms");
  std::string alg = a.checksum_algorithm;
  for (char& c : alg) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (alg == "CRC32") s.checksum = ChecksumAlgorithm::kCrc32;
  else if (alg == "CRC32C") s.checksum = ChecksumAlgorithm::kCrc32c;
  else if (alg == "SHA1") s.checksum = ChecksumAlgorithm::kSha1;
  else if (alg == "SHA256") s.checksum = ChecksumAlgorithm::kSha256;
  else if (!alg.empty())
    return Status::InvalidArgument("--checksum-algorithm must be CRC32, CRC32C, SHA1 or SHA256, got '" +
                                   a.checksum_algorithm + "'");
  return Status::Ok();
}

int RunCp(const GlobalOptions& g, const CpArgs& a) {
  Session s{"cp", &g};
  const bool src_s3 = LooksLikeS3Uri(a.src);
  const bool dst_s3 = LooksLikeS3Uri(a.dst);
  std::optional<S3Uri> src_uri, dst_uri;
  if (src_s3) {
    auto u = ParseS3Uri(a.src);
    if (!u.ok()) return Fail(s.command, u.status());
    src_uri = *u;
  }
  if (dst_s3) {
    auto u = ParseS3Uri(a.dst);
    if (!u.ok()) return Fail(s.command, u.status());
    dst_uri = *u;
  }
  auto usage = [&](const std::string& why) { return Fail(s.command, Status::InvalidArgument(why)); };
  if (!src_s3 && !dst_s3) {
    return usage("cannot copy '" + a.src + "' to '" + a.dst + "': at least one of them must be an S3 URI (s3://bucket/key)");
  }
  if (a.recursive && (a.src == "-" || a.dst == "-")) return usage("'-' (standard input/output) cannot be used with --recursive");
  if (a.src == "-" && !dst_s3) return usage("'-' (standard input) can only be uploaded to an S3 URI");
  if (src_s3 && !a.recursive && (src_uri->key.empty() || EndsWithSlash(src_uri->key))) {
    return usage("'" + a.src + "' is not an object (use --recursive to copy a prefix)");
  }
  if (a.src == "-" && (dst_uri->key.empty() || EndsWithSlash(dst_uri->key))) {
    return usage("uploading standard input needs a full destination key, not '" + a.dst + "'");
  }

  auto client = MakeClient(g);
  if (!client.ok()) return Fail(s.command, client.status());
  s.client = &*client;
  s.dryrun = a.dryrun;
  s.progress = !g.quiet && !a.no_progress && !a.dryrun && StderrIsTerminal();
  if (!a.multipart_threshold.empty()) {
    auto t = ParseByteSize(a.multipart_threshold);
    if (!t.ok()) return Fail(s.command, t.status());
    if (*t < kMinPartSize) return usage("--multipart-threshold must be at least 5MiB (S3's minimum part size)");
    s.multipart_threshold = *t;
  }
  if (Status st = ApplyIntegrityFlags(a, s); !st.ok()) return Fail(s.command, st);
  if ((a.no_overwrite || !a.if_match.empty()) && !dst_s3)
    return usage("--no-overwrite and --if-match apply to S3 destinations (uploads and S3-to-S3 copies)");
  if (a.no_overwrite && !a.if_match.empty()) return usage("--no-overwrite and --if-match cannot be combined");
  if (!a.if_match.empty() && a.recursive) return usage("--if-match names one object's ETag: it cannot be used with --recursive");
  if (a.no_overwrite) s.if_none_match = "*";
  s.if_match = a.if_match;

  if (!a.recursive) {
    Status st;
    if (!src_s3) {
      if (a.src == "-") {
        st = UploadStdin(s, *dst_uri, a.content_type);
      } else {
        S3Uri dst = *dst_uri;
        if (dst.key.empty() || EndsWithSlash(dst.key)) dst.key += fs::path(a.src).filename().string();
        st = UploadFile(s, a.src, dst, a.content_type);
      }
    } else if (dst_s3) {
      S3Uri dst = *dst_uri;
      if (dst.key.empty() || EndsWithSlash(dst.key)) dst.key += Basename(src_uri->key);
      st = CopyS3(s, *src_uri, dst);
    } else if (a.dst == "-") {
      st = StreamToStdout(s, *src_uri);
    } else {
      std::error_code ec;
      std::string path = a.dst;
      if (EndsWithSlash(path) || fs::is_directory(path, ec)) path = (fs::path(path) / Basename(src_uri->key)).string();
      st = DownloadFile(s, *src_uri, path);
    }
    return st.ok() ? 0 : Fail(s.command, st);
  }

  // --recursive: the objects go concurrently (as aws's max_concurrent_requests), each
  // still moved by the TransferManager above the multipart threshold. Per-file progress
  // bars would draw over each other, so they are only drawn one object at a time.
  if (a.concurrency > 1) s.progress = false;
  TaskRunner runner(a.concurrency, ProcessCancellation());
  const auto run = [&](std::function<Status()> task) {
    (void)runner.Submit([&s, task = std::move(task)] {
      if (Status st = task(); !st.ok()) s.Failed(st);
    });
  };
  if (!src_s3) {
    std::error_code ec;
    if (!fs::is_directory(a.src, ec)) return usage("'" + a.src + "' is not a directory");
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(a.src, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec)) files.push_back(it->path());
    }
    if (ec) return Fail(s.command, Status(ErrorCategory::kIo, "cannot list directory '" + a.src + "': " + ec.message()));
    std::sort(files.begin(), files.end());
    const std::string prefix = AsDirectory(*dst_uri).key;
    for (const fs::path& f : files) {
      const std::string rel = f.lexically_relative(a.src).generic_string();
      run([&s, &a, file = f.string(), dst = S3Uri{dst_uri->bucket, prefix + rel}] {
        return UploadFile(s, file, dst, a.content_type);
      });
    }
    runner.Finish();
    return s.ExitCode();
  }

  const std::string src_prefix = AsDirectory(*src_uri).key;
  const std::string dst_prefix = dst_s3 ? AsDirectory(*dst_uri).key : std::string();
  Status listed = ForEachObject(s, src_uri->bucket, src_prefix, [&](const ObjectSummary& obj) {
    if (EndsWithSlash(obj.key)) return;  // "directory" marker objects have no file to become
    auto rel = SafeRelativePath(obj.key, src_prefix);
    if (!rel.ok()) {
      s.Failed(rel.status());
      return;
    }
    const S3Uri from{src_uri->bucket, obj.key};
    if (dst_s3) {
      run([&s, from, to = S3Uri{dst_uri->bucket, dst_prefix + *rel}] { return CopyS3(s, from, to); });
    } else {
      run([&s, from, path = (fs::path(a.dst) / *rel).string()] { return DownloadFile(s, from, path); });
    }
  });
  runner.Finish();
  if (!listed.ok()) return Fail(s.command, listed);
  return s.ExitCode();
}

struct RmArgs {
  std::string path;
  bool recursive = false;
  bool dryrun = false;
  std::string if_match;  // --if-match ETAG ("*": only if it exists): a conditional delete
};

int RunRm(const GlobalOptions& g, const RmArgs& a) {
  Session s{"rm", &g};
  auto uri = ParseS3Uri(a.path);
  if (!uri.ok()) return Fail(s.command, uri.status());
  if (a.recursive && !a.if_match.empty())
    return Fail(s.command, Status::InvalidArgument("--if-match names one object's ETag: it cannot be used with --recursive"));
  if (!a.recursive && uri->key.empty()) {
    return Fail(s.command, Status::InvalidArgument("'" + a.path + "' names a bucket, not an object (use --recursive to delete every object in it)"));
  }
  auto client = MakeClient(g);
  if (!client.ok()) return Fail(s.command, client.status());
  s.client = &*client;
  s.dryrun = a.dryrun;
  if (a.recursive) {
    // s3://b/dir is the directory dir/, as `aws s3 rm --recursive` takes it: never dirX/ or the object dir.
    if (Status st = DeletePrefix(s, uri->bucket, AsDirectory(*uri).key); !st.ok()) return Fail(s.command, st);
    return s.ExitCode();
  }
  if (s.DryRun("delete: " + uri->ToString())) return 0;
  DeleteObjectRequest req;
  req.bucket = uri->bucket;
  req.key = uri->key;
  req.if_match = a.if_match;
  auto r = client->DeleteObject(req);
  if (!r.ok()) return Fail(s.command, r.status());
  s.Say("delete: " + uri->ToString());
  return 0;
}

int RunCat(const GlobalOptions& g, const std::string& path) {
  Session s{"cat", &g};
  auto uri = ParseS3Uri(path);
  if (!uri.ok()) return Fail(s.command, uri.status());
  if (uri->key.empty() || EndsWithSlash(uri->key)) {
    return Fail(s.command, Status::InvalidArgument("'" + path + "' is not an object (expected s3://bucket/key)"));
  }
  auto client = MakeClient(g);
  if (!client.ok()) return Fail(s.command, client.status());
  s.client = &*client;
  if (Status st = StreamToStdout(s, *uri); !st.ok()) return Fail(s.command, st);
  return 0;
}

}  // namespace

void RegisterObjectCommands(CLI::App& app, GlobalOptions& global, std::function<void(Action)> on_selected) {
  GlobalOptions* g = &global;
  // CLI11 writes parsed values into these; they must outlive parsing, hence shared_ptr
  // captured by the callbacks.
  {
    auto a = std::make_shared<LsArgs>();
    CLI::App* sub = app.add_subcommand("ls", "List buckets, or objects and common prefixes under s3://bucket[/prefix]");
    sub->add_option("path", a->path, "s3://bucket[/prefix] (omit to list buckets)");
    sub->add_flag("-r,--recursive", a->recursive, "List every object under the prefix (no PRE directories)");
    sub->add_flag("--human-readable", a->human, "Sizes in KiB/MiB/GiB");
    sub->add_flag("--summarize", a->summarize, "Print the object count and total size");
    sub->add_flag("--versions", a->versions, "List every version and delete marker (see cmd_versioning.cc)");
    sub->callback([=] { on_selected([=] { return RunLs(*g, *a); }); });
  }
  {
    auto a = std::make_shared<BucketArgs>();
    CLI::App* sub = app.add_subcommand("mb", "Make a bucket (in --region, default us-east-1)");
    sub->add_option("bucket", a->path, "s3://bucket")->required();
    sub->callback([=] { on_selected([=] { return RunMb(*g, *a); }); });
  }
  {
    auto a = std::make_shared<BucketArgs>();
    CLI::App* sub = app.add_subcommand("rb", "Remove an (empty) bucket");
    sub->add_option("bucket", a->path, "s3://bucket")->required();
    sub->add_flag("--force", a->force, "Delete every object in the bucket first");
    sub->callback([=] { on_selected([=] { return RunRb(*g, *a); }); });
  }
  {
    auto a = std::make_shared<CpArgs>();
    CLI::App* sub = app.add_subcommand(
        "cp", "Copy local<->S3 or S3->S3 ('-' is stdin/stdout): cp SRC DST");
    sub->add_option("source", a->src, "Local path, '-' (stdin) or s3://bucket/key")->required();
    sub->add_option("destination", a->dst, "Local path, '-' (stdout) or s3://bucket/key")->required();
    sub->add_flag("-r,--recursive", a->recursive,
                  "Copy a directory, or every object under s3://bucket/dir/ (s3://bucket/dir means dir/, as aws)");
    sub->add_flag("--dryrun", a->dryrun, "Print what would be copied ('(dryrun) upload: ...'); copy nothing");
    sub->add_flag("--no-progress", a->no_progress, "Never draw the progress bar");
    sub->add_option("--content-type", a->content_type, "Content-Type of uploads (default: guessed from the name)");
    sub->add_option("--multipart-threshold", a->multipart_threshold,
                    "Files at or above this size (default 64MiB) move as parallel parts, e.g. 8MiB");
    sub->add_option("--sse", a->sse, "Server-side encryption of uploads and copies: AES256 or aws:kms");
    sub->add_option("--sse-kms-key-id", a->sse_kms_key_id, "KMS key id/ARN/alias for --sse aws:kms");
    sub->add_option("--checksum-algorithm", a->checksum_algorithm,
                    "Additional checksum of uploads (per part above the threshold): CRC32, CRC32C, SHA1 or SHA256");
    sub->add_option("--concurrency", a->concurrency,
                    "Objects copied at once with --recursive (default 10; 1: one at a time, with progress bars)")
        ->check(CLI::Range(1, 64));
    sub->add_flag("--no-overwrite", a->no_overwrite,
                  "Write S3 destinations only where no object exists (If-None-Match: *); existing ones are skipped");
    sub->add_option("--if-match", a->if_match,
                    "Replace the S3 destination only if its current ETag is this one (If-Match); else fail");
    sub->callback([=] { on_selected([=] { return RunCp(*g, *a); }); });
  }
  {
    auto a = std::make_shared<RmArgs>();
    CLI::App* sub = app.add_subcommand("rm", "Delete an object, or every object under a directory with --recursive");
    sub->add_option("path", a->path, "s3://bucket/key, or s3://bucket[/dir] with --recursive")->required();
    sub->add_flag("-r,--recursive", a->recursive,
                  "Delete every object under s3://bucket/dir/ (s3://bucket/dir means dir/, as aws), or the whole bucket");
    sub->add_flag("--dryrun", a->dryrun, "Print what would be deleted ('(dryrun) delete: ...'); delete nothing");
    sub->add_option("--if-match", a->if_match,
                    "Delete only if the object's current ETag is this one ('*': only if it exists); else fail");
    sub->callback([=] { on_selected([=] { return RunRm(*g, *a); }); });
  }
  {
    auto path = std::make_shared<std::string>();
    CLI::App* sub = app.add_subcommand("cat", "Write an object to standard output");
    sub->add_option("path", *path, "s3://bucket/key")->required();
    sub->callback([=] { on_selected([=] { return RunCat(*g, *path); }); });
  }
}

}  // namespace s3ml::cli
