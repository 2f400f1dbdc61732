// `s3ml demo`: a self-contained tour of the client against an in-process mock S3.
//
// Every step is checked (bytes, ETags, listing, fault counts); the first failed
// check ends the demo with one line on stderr and exit code 1.

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli_util.h"
#include "commands.h"
#include "s3ml/encoding.h"
#include "progress.h"
#include "s3ml/mock/server.h"
#include "s3ml/s3ml.h"

namespace s3ml::cli {

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr const char* kBucket = "s3ml-demo";
constexpr int kShards = 8;
constexpr std::size_t kShardSize = 256 * 1024;
constexpr std::size_t kLargeSize = 8 * 1024 * 1024;

// The synthetic WebDataset: tar shards of fake JPEG "images" and class labels.
constexpr const char* kDatasetBucket = "s3ml-demo-dataset";
constexpr int kTarShards = 8;
constexpr int kSamplesPerShard = 64;
constexpr int kClasses = 10;
constexpr std::uint64_t kShuffleSeed = 2024;

// Deterministic pseudo-random bytes (xorshift64*), distinct per seed, so
// every object's content is known without storing a copy on disk.
std::string SyntheticBytes(std::size_t n, std::uint64_t seed) {
  std::string out(n, '\0');
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
  for (std::size_t i = 0; i < n; i += 8) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    const std::uint64_t v = x * 0x2545F4914F6CDD1DULL;
    for (std::size_t j = 0; j < 8 && i + j < n; ++j) out[i + j] = static_cast<char>(v >> (8 * j));
  }
  return out;
}

std::string QuotedMd5(const std::string& data) { return "\"" + HexMd5(data) + "\""; }

struct DemoObject {
  std::string key;
  std::string data;
  std::string etag;  // expected: quoted MD5 (single-part upload)
};

// Raised by a failed check; carries the one line to print.
struct DemoFailure {
  std::string what;
};

// One sample of the synthetic dataset as uploaded.
struct DemoSample {
  std::string jpg;
  std::string cls;
};

// Appends the archive's output to a std::string (libarchive write callback).
la_ssize_t AppendToString(struct archive*, void* client_data, const void* buffer, size_t length) {
  static_cast<std::string*>(client_data)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

// A tar (pax) archive of `members` (name, bytes), built in memory with libarchive.
std::string BuildTar(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string out;
  std::unique_ptr<struct archive, int (*)(struct archive*)> a(archive_write_new(), archive_write_free);
  auto check = [&](int rc, const char* what) {
    if (rc != ARCHIVE_OK) {
      const char* msg = archive_error_string(a.get());
      throw DemoFailure{std::string("building a tar shard: ") + what + ": " + (msg ? msg : "libarchive error")};
    }
  };
  check(archive_write_set_format_pax_restricted(a.get()), "archive_write_set_format_pax_restricted");
  check(archive_write_open(a.get(), &out, nullptr, AppendToString, nullptr), "archive_write_open");
  for (const auto& m : members) {
    std::unique_ptr<struct archive_entry, void (*)(struct archive_entry*)> e(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(e.get(), m.first.c_str());
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(m.second.size()));
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_mtime(e.get(), 1700000000, 0);
    check(archive_write_header(a.get(), e.get()), "archive_write_header");
    if (archive_write_data(a.get(), m.second.data(), m.second.size()) != static_cast<la_ssize_t>(m.second.size()))
      check(ARCHIVE_FATAL, "archive_write_data");
  }
  check(archive_write_close(a.get()), "archive_write_close");
  return out;
}

class Demo {
 public:
  int Run() {
    try {
      Steps();
    } catch (const DemoFailure& f) {
      PrintError("demo", f.what);
      return kExitFailure;
    }
    return 0;
  }

 private:
  static void Check(bool ok, const std::string& what) {
    if (!ok) throw DemoFailure{"check failed: " + what};
  }
  template <class T>
  static T Must(Result<T> r, const std::string& step) {
    if (!r.ok()) throw DemoFailure{step + " failed: " + r.status().ToString()};
    return std::move(*r);
  }
  static void Must(const Status& st, const std::string& step) {
    if (!st.ok()) throw DemoFailure{step + " failed: " + st.ToString()};
  }

  double Ms(SteadyClock::time_point since) const {
    return std::chrono::duration<double, std::milli>(SteadyClock::now() - since).count();
  }
  static std::string Rate(std::uint64_t bytes, double ms) {
    if (ms <= 0) return "-";
    return FormatBytes(static_cast<std::uint64_t>(static_cast<double>(bytes) / (ms / 1000.0))) + "/s";
  }
  void Line(const std::string& what, double ms, const std::string& extra = {}) {
    std::printf("  %-74s %8.1f ms%s%s\n", what.c_str(), ms, extra.empty() ? "" : "  ", extra.c_str());
    std::fflush(stdout);
  }

  Status GetBytes(const DemoObject& o, std::string* out) {
    GetObjectRequest req;
    req.bucket = kBucket;
    req.key = o.key;
    auto r = client_->GetObject(req);
    if (!r.ok()) return r.status();
    *out = r->body.str();
    if (r->info.etag != o.etag) {
      return Status(ErrorCategory::kIntegrity, "GetObject " + o.key + " returned ETag " + r->info.etag +
                                                   ", expected " + o.etag);
    }
    return Status::Ok();
  }

  void Steps() {
    std::printf("s3ml demo: the s3ml client against an in-process mock S3 server\n");
    auto t = SteadyClock::now();
    mock::MockS3Options mo;
    server_ = Must(mock::MockS3Server::Start(mo), "starting the mock S3 server");
    Line("started mock S3 at " + server_->endpoint_url(), Ms(t));

    ClientOptions co = ClientOptions::ForEndpoint(server_->endpoint_url(), mo.region);
    Credentials creds;
    creds.access_key_id = mo.access_key;
    creds.secret_access_key = mo.secret_key;
    creds.source = "demo";
    co.credentials = creds;
    client_ = std::make_unique<Client>(Must(Client::Create(co), "creating the client"));

    t = SteadyClock::now();
    CreateBucketRequest cb;
    cb.bucket = kBucket;
    (void)Must(client_->CreateBucket(cb), "CreateBucket");
    Line(std::string("created bucket ") + kBucket, Ms(t));

    // Objects: a few dataset-like shards and one large blob.
    std::vector<DemoObject> objects;
    for (int i = 0; i < kShards; ++i) {
      char key[64];
      std::snprintf(key, sizeof key, "shards/shard-%05d.bin", i);
      objects.push_back({key, SyntheticBytes(kShardSize, static_cast<std::uint64_t>(i) + 1), {}});
    }
    objects.push_back({"blobs/large.bin", SyntheticBytes(kLargeSize, 1000), {}});
    std::uint64_t total_bytes = 0;
    for (DemoObject& o : objects) {
      o.etag = QuotedMd5(o.data);
      total_bytes += o.data.size();
    }

    t = SteadyClock::now();
    for (const DemoObject& o : objects) {
      PutObjectRequest put;
      put.bucket = kBucket;
      put.key = o.key;
      put.data = o.data;
      auto r = Must(client_->PutObject(put), "PutObject " + o.key);
      Check(r.etag == o.etag, "PutObject " + o.key + " ETag " + r.etag + " == MD5 " + o.etag);
    }
    double ms = Ms(t);
    Line("uploaded " + std::to_string(kShards) + " shards of " + FormatBytes(kShardSize) + " + 1 object of " +
             FormatBytes(kLargeSize) + ", ETags = MD5",
         ms, Rate(total_bytes, ms));

    // Listing, three keys per page, to walk several pages with the paginator.
    t = SteadyClock::now();
    ListObjectsV2Request list;
    list.bucket = kBucket;
    list.max_keys = 3;
    auto pages = client_->ListObjectsV2Pages(list);
    std::vector<ObjectSummary> listed;
    int page_count = 0;
    while (pages.HasMorePages()) {
      auto page = Must(pages.NextPage(), "ListObjectsV2 page " + std::to_string(page_count + 1));
      if (!page.contents.empty()) ++page_count;
      listed.insert(listed.end(), page.contents.begin(), page.contents.end());
    }
    ms = Ms(t);
    Check(listed.size() == objects.size(),
          "listing returned " + std::to_string(listed.size()) + " objects, expected " + std::to_string(objects.size()));
    // S3 lists in UTF-8 byte order: "blobs/..." before "shards/...".
    for (std::size_t i = 0; i < listed.size(); ++i) {
      const DemoObject& o = i == 0 ? objects.back() : objects[i - 1];
      Check(listed[i].key == o.key, "listing position " + std::to_string(i) + " is " + listed[i].key + ", expected " + o.key);
      Check(listed[i].size == o.data.size(), "listed size of " + o.key);
      Check(listed[i].etag == o.etag, "listed ETag of " + o.key + " " + listed[i].etag + " == " + o.etag);
    }
    Line("listed " + std::to_string(listed.size()) + " objects in " + std::to_string(page_count) +
             " pages (max-keys 3), order/sizes/ETags verified",
         ms);

    // Read everything back.
    t = SteadyClock::now();
    for (const DemoObject& o : objects) {
      std::string got;
      Must(GetBytes(o, &got), "GetObject " + o.key);
      Check(got == o.data, "bytes of " + o.key + " read back equal the bytes uploaded");
    }
    ms = Ms(t);
    Line("read back " + std::to_string(objects.size()) + " objects (" + FormatBytes(total_bytes) +
             "), bytes and ETags verified",
         ms, Rate(total_bytes, ms));

    // Ranged reads of the large object.
    const DemoObject& large = objects.back();
    t = SteadyClock::now();
    const std::uint64_t first = 3 * 1024 * 1024 + 17, len = 64 * 1024;
    GetObjectRequest ranged;
    ranged.bucket = kBucket;
    ranged.key = large.key;
    ranged.range = ByteRange::Closed(first, first + len - 1);
    auto part = Must(client_->GetObject(ranged), "ranged GetObject " + large.key);
    Check(part.body.size() == len && part.body.view() == std::string_view(large.data).substr(first, len),
          "bytes " + ranged.range->ToHeader() + " of " + large.key);
    Check(part.info.object_size == large.data.size(), "Content-Range of the ranged GET reports the full size");
    ranged.range = ByteRange::Suffix(1000);
    auto tail = Must(client_->GetObject(ranged), "suffix-range GetObject " + large.key);
    Check(tail.body.view() == std::string_view(large.data).substr(large.data.size() - 1000),
          "last 1000 bytes of " + large.key);
    Line("ranged GETs " + ByteRange::Closed(first, first + len - 1).ToHeader() + " and bytes=-1000 verified", Ms(t));

    // Retries: the server answers 503 SlowDown twice, the client retries, the bytes arrive.
    const DemoObject& victim = objects[3];
    mock::FaultRule rule;
    rule.kind = mock::FaultRule::Kind::kHttpError;
    rule.operation = "GetObject";
    rule.key_prefix = victim.key;
    rule.http_status = 503;
    rule.error_code = "SlowDown";
    rule.count = 2;
    server_->AddFault(rule);
    const mock::MockStats before = server_->stats();
    t = SteadyClock::now();
    std::string got;
    Must(GetBytes(victim, &got), "GetObject " + victim.key + " under 2 injected 503s");
    ms = Ms(t);
    const mock::MockStats after = server_->stats();
    server_->ClearFaults();
    Check(got == victim.data, "bytes of " + victim.key + " after retries");
    Check(after.faults_injected - before.faults_injected == 2,
          "the server injected 2 faults (it reports " + std::to_string(after.faults_injected - before.faults_injected) + ")");
    Check(after.requests - before.requests == 3,
          "the GET took 3 attempts (the server saw " + std::to_string(after.requests - before.requests) + " requests)");
    Line("GET " + victim.key + " survived 2 injected 503 SlowDown (3 attempts)", ms);

    // And when the faults outlast the retry budget, the error says so.
    rule.count = 100;
    server_->AddFault(rule);
    t = SteadyClock::now();
    GetObjectRequest doomed;
    doomed.bucket = kBucket;
    doomed.key = victim.key;
    auto failed = client_->GetObject(doomed);
    ms = Ms(t);
    server_->ClearFaults();
    Check(!failed.ok(), "a GET under persistent 503s fails");
    Check(failed.status().code() == "SlowDown", "the final error is SlowDown (got " + failed.status().ToString() + ")");
    Line("persistent 503s give a clear error after " + std::to_string(co.retry.max_attempts) + " attempts:", ms);
    std::printf("      %s\n", failed.status().ToString().c_str());

    DatasetSteps();

    // Clean up with one batch delete.
    t = SteadyClock::now();
    DeleteObjectsRequest del;
    del.bucket = kBucket;
    for (const DemoObject& o : objects) del.objects.push_back({o.key, {}});
    auto deleted = Must(client_->DeleteObjects(del), "DeleteObjects");
    Check(deleted.errors.empty() && deleted.deleted.size() == objects.size(),
          "DeleteObjects removed all " + std::to_string(objects.size()) + " objects");
    Must(client_->DeleteBucket(kBucket), "DeleteBucket");
    Line("deleted " + std::to_string(objects.size()) + " objects (one DeleteObjects) and the bucket", Ms(t));

    const mock::MockStats end = server_->stats();
    client_.reset();
    t = SteadyClock::now();
    server_->Stop();
    Line("stopped the mock server (" + std::to_string(end.requests) + " requests served, " +
             std::to_string(end.faults_injected) + " faults injected)",
         Ms(t));
    std::printf("s3ml demo: all checks passed\n");
  }

  // Uploads a WebDataset-style sharded dataset and streams two shuffled epochs
  // through the DatasetReader, checking that every sample arrives exactly once
  // per epoch with the bytes uploaded.
  void DatasetSteps() {
    auto t = SteadyClock::now();
    CreateBucketRequest cb;
    cb.bucket = kDatasetBucket;
    (void)Must(client_->CreateBucket(cb), "CreateBucket " + std::string(kDatasetBucket));
    std::map<std::string, DemoSample> expected;
    std::vector<std::string> shard_keys;
    std::uint64_t dataset_bytes = 0;
    for (int s = 0; s < kTarShards; ++s) {
      std::vector<std::pair<std::string, std::string>> members;
      for (int i = 0; i < kSamplesPerShard; ++i) {
        char base[64];
        std::snprintf(base, sizeof base, "s%02d/sample%04d", s, i);
        const std::uint64_t seed = 10000 + static_cast<std::uint64_t>(s) * kSamplesPerShard + static_cast<std::uint64_t>(i);
        DemoSample sample;
        // "Images" of 8-24 KiB: a JPEG start-of-image marker and random bytes.
        sample.jpg = "\xFF\xD8\xFF\xE0" + SyntheticBytes(8 * 1024 + (seed * 7919) % (16 * 1024), seed);
        sample.cls = std::to_string(seed % kClasses);
        members.emplace_back(std::string(base) + ".jpg", sample.jpg);
        members.emplace_back(std::string(base) + ".cls", sample.cls);
        expected.emplace(base, std::move(sample));
      }
      const std::string tar = BuildTar(members);
      char key[64];
      std::snprintf(key, sizeof key, "train/shard-%04d.tar", s);
      PutObjectRequest put;
      put.bucket = kDatasetBucket;
      put.key = key;
      put.data = tar;
      (void)Must(client_->PutObject(put), std::string("PutObject ") + key);
      shard_keys.push_back(key);
      dataset_bytes += tar.size();
    }
    double ms = Ms(t);
    Line("uploaded a WebDataset: " + std::to_string(kTarShards) + " tar shards x " + std::to_string(kSamplesPerShard) +
             " samples (.jpg + .cls), " + FormatBytes(dataset_bytes),
         ms, Rate(dataset_bytes, ms));

    dataset::ReaderOptions ro;
    ro.decoder = dataset::TarDecoder();
    ro.seed = kShuffleSeed;
    ro.shuffle_shards = true;
    ro.shuffle_buffer = 128;
    ro.fetch_threads = 4;
    ro.max_in_flight = 4;
    ro.memory_budget = 4ull << 20;
    auto reader = Must(dataset::DatasetReader::Create(*client_, dataset::Source::Prefix(std::string("s3://") + kDatasetBucket + "/train/"), ro),
                       "creating the dataset reader");
    const bool tty = isatty(fileno(stdout)) != 0;
    const std::size_t total = expected.size();
    std::vector<std::vector<std::string>> orders;
    dataset::ReaderMetrics prev = reader->metrics();
    for (std::uint64_t epoch = 0; epoch < 2; ++epoch) {
      if (epoch > 0) reader->SetEpoch(epoch);
      t = SteadyClock::now();
      std::map<std::string, int> seen;
      std::vector<std::string> order;
      std::uint64_t sample_bytes = 0;
      for (;;) {
        auto next = Must(reader->Next(), "reading epoch " + std::to_string(epoch));
        if (!next) break;
        const dataset::Sample& s = *next;
        auto it = expected.find(s.key);
        Check(it != expected.end(), "sample " + s.key + " of " + s.shard + " was uploaded");
        Check(++seen[s.key] == 1, "sample " + s.key + " delivered once in epoch " + std::to_string(epoch));
        const auto jpg = s.field("jpg");
        const auto cls = s.field("cls");
        Check(jpg && *jpg == it->second.jpg, "the .jpg of " + s.key + " equals the bytes uploaded");
        Check(cls && *cls == it->second.cls, "the .cls of " + s.key + " equals the label uploaded");
        sample_bytes += jpg->size() + cls->size();
        order.push_back(s.key);
        if (tty && (order.size() % 32 == 0 || order.size() == total)) {
          const int width = 30;
          const int filled = static_cast<int>(order.size() * width / total);
          std::printf("\r  epoch %llu [%s%s] %zu/%zu samples", static_cast<unsigned long long>(epoch),
                      std::string(static_cast<std::size_t>(filled), '#').c_str(),
                      std::string(static_cast<std::size_t>(width - filled), '.').c_str(), order.size(), total);
          std::fflush(stdout);
        }
      }
      if (tty) std::printf("\r%-80s\r", "");
      ms = Ms(t);
      Check(seen.size() == total, "epoch " + std::to_string(epoch) + " delivered " + std::to_string(seen.size()) +
                                      " distinct samples, expected " + std::to_string(total));
      const dataset::ReaderMetrics m = reader->metrics();
      const std::uint64_t fetched = m.bytes_fetched - prev.bytes_fetched;
      const double stall_ms = std::chrono::duration<double, std::milli>(m.stall_time - prev.stall_time).count();
      prev = m;
      char extra[160];
      std::snprintf(extra, sizeof extra, "%s, %.0f samples/s, stall %.1f ms", Rate(fetched, ms).c_str(),
                    ms > 0 ? static_cast<double>(order.size()) * 1000.0 / ms : 0.0, stall_ms);
      Line("epoch " + std::to_string(epoch) + ": " + std::to_string(order.size()) + " samples (" +
               FormatBytes(sample_bytes) + "), each exactly once, bytes verified",
           ms, extra);
      orders.push_back(std::move(order));
    }
    Check(orders[0] != orders[1], "the two epochs are shuffled differently (seed " + std::to_string(kShuffleSeed) + ")");
    reader->Close();
    std::printf("      shuffled with seed %llu: epoch 0 starts %s, %s, ...; epoch 1 starts %s, %s, ...\n",
                static_cast<unsigned long long>(kShuffleSeed), orders[0][0].c_str(), orders[0][1].c_str(),
                orders[1][0].c_str(), orders[1][1].c_str());

    t = SteadyClock::now();
    DeleteObjectsRequest del;
    del.bucket = kDatasetBucket;
    for (const std::string& k : shard_keys) del.objects.push_back({k, {}});
    auto deleted = Must(client_->DeleteObjects(del), "DeleteObjects " + std::string(kDatasetBucket));
    Check(deleted.errors.empty() && deleted.deleted.size() == shard_keys.size(), "DeleteObjects removed the dataset shards");
    Must(client_->DeleteBucket(kDatasetBucket), "DeleteBucket " + std::string(kDatasetBucket));
  }

  std::unique_ptr<mock::MockS3Server> server_;
  std::unique_ptr<Client> client_;
};

}  // namespace

void RegisterDemo(CLI::App& app, std::function<void(Action)> on_selected) {
  CLI::App* sub = app.add_subcommand("demo", "Tour the client against an in-process mock S3 server (self-checking)");
  sub->callback([on_selected] {
    on_selected([] {
      Demo demo;
      return demo.Run();
    });
  });
}

}  // namespace s3ml::cli
