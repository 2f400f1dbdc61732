// `s3ml demo`: a self-contained tour of the client against an in-process mock S3.
//
// Every step is checked (bytes, ETags, listing, fault counts); the first failed
// check ends the demo with one line on stderr and exit code 1.

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli_util.h"
#include "commands.h"
#include "common/crypto.h"
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

std::string QuotedMd5(const std::string& data) { return "\"" + HexEncode(Md5(data)) + "\""; }

struct DemoObject {
  std::string key;
  std::string data;
  std::string etag;  // expected: quoted MD5 (single-part upload)
};

// Raised by a failed check; carries the one line to print.
struct DemoFailure {
  std::string what;
};

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
