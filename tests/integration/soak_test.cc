// Soaks: the dataset reader and the TransferManager against the in-process mock
// under a seeded mix of injected faults on about 10% of requests (503 SlowDown,
// 500 InternalError, connection resets, truncated bodies, added latency).
//
// Sizes scale with S3ML_SOAK_SCALE (default 1: what `make test` runs, each case
// well under a minute); S3ML_SOAK_SEED picks the fault seed (default 1). Each case
// prints one "soak:" line of figures; docs/reliability.md ("Soaks") records them.

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "common/crypto.h"
#include "support/files.h"
#include "support/test_support.h"
#include "s3ml/dataset/reader.h"
#include "s3ml/transfer.h"
#include "unit/dataset/dataset_test_util.h"

using namespace s3ml;
using namespace s3ml::dataset;
using namespace s3ml::test;
using WallClock = std::chrono::steady_clock;

namespace {

double Scale() {
  const char* v = std::getenv("S3ML_SOAK_SCALE");
  if (v == nullptr || *v == '\0') return 1.0;
  char* end = nullptr;
  const double d = std::strtod(v, &end);
  INFO("S3ML_SOAK_SCALE=" << v);
  REQUIRE((end != v && *end == '\0' && d > 0 && d <= 1000));
  return d;
}

std::uint64_t Seed() {
  const char* v = std::getenv("S3ML_SOAK_SEED");
  return v == nullptr || *v == '\0' ? 1 : std::strtoull(v, nullptr, 10);
}

std::size_t Scaled(std::size_t n) { return static_cast<std::size_t>(std::llround(static_cast<double>(n) * Scale())); }

// Peak resident memory of the process since the last ResetPeakRss() (VmHWM), in KiB.
// The process holds the mock's store too, so this is an upper bound for the client.
void ResetPeakRss() {
  std::ofstream f("/proc/self/clear_refs");
  f << "5";  // resets VmHWM to the current RSS (Linux >= 4.0); best effort
}
long PeakRssKiB() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

// The fault mix: each rule draws independently from its own seeded stream and the
// first that fires wins, so about 1 - (0.97 * 0.98^3 * 0.99) = 9.6% of requests
// are faulted (`factor` scales every probability).
struct FaultMix {
  double slow_down = 0.03;   // 503 SlowDown
  double internal = 0.02;    // 500 InternalError
  double reset = 0.02;       // RST before any response byte
  double truncate = 0.02;    // full Content-Length announced, body cut
  double latency = 0.01;     // answer delayed
  std::uint64_t truncate_after = 100;
  std::chrono::milliseconds delay{40};
};

void AddFaultMix(mock::MockS3Server& server, const FaultMix& m, double factor = 1.0,
                 const std::string& operation = "*") {
  auto rule = [&](mock::FaultRule::Kind kind, double p) {
    mock::FaultRule r;
    r.kind = kind;
    r.operation = operation;
    r.probability = p * factor;
    return r;
  };
  // A rule with probability 0 would fault every request (no schedule): leave it out.
  auto add = [&](const mock::FaultRule& r) {
    if (r.probability > 0) server.AddFault(r);
  };
  add(rule(mock::FaultRule::Kind::kHttpError, m.slow_down));
  auto internal = rule(mock::FaultRule::Kind::kHttpError, m.internal);
  internal.http_status = 500;
  internal.error_code = "InternalError";
  add(internal);
  add(rule(mock::FaultRule::Kind::kConnectionReset, m.reset));
  auto cut = rule(mock::FaultRule::Kind::kTruncateBody, m.truncate);
  cut.truncate_after = m.truncate_after;
  add(cut);
  auto slow = rule(mock::FaultRule::Kind::kLatency, m.latency);
  slow.latency = m.delay;
  add(slow);
}

std::unique_ptr<mock::MockS3Server> StartSoakMock() {
  mock::MockS3Options o;
  o.seed = Seed();
  o.threads = 16;
  return StartMock(o);
}

// Client options for a soak: `attempts` tries per request, short backoff (the
// soak measures correctness, not patience), the default retry quota.
ClientOptions SoakClientOptions(const mock::MockS3Server& server, int attempts) {
  ClientOptions o = MockOptions(server);
  o.retry.max_attempts = attempts;
  o.retry.base_delay = std::chrono::milliseconds(2);
  o.retry.max_backoff = std::chrono::milliseconds(50);
  o.retry.jitter_seed = Seed();
  return o;
}

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }

// A digest of all of a sample's fields (names, lengths and bytes, in order).
std::string SampleDigest(const Sample& s) {
  std::string framed;
  for (const auto& [name, bytes] : s.fields) {
    framed += name;
    framed += '\0';
    framed += std::to_string(bytes.size());
    framed += '\0';
    framed.append(bytes.data(), bytes.size());
  }
  return Sha256Hex(framed);
}
std::string FieldsDigest(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string framed;
  for (const auto& [name, bytes] : fields) {
    framed += name;
    framed += '\0';
    framed += std::to_string(bytes.size());
    framed += '\0';
    framed += bytes;
  }
  return Sha256Hex(framed);
}

// Puts objects on `threads` threads (setup, before any fault is armed).
void PutAll(const Client& c, const std::string& bucket, const std::vector<std::pair<std::string, std::string>>& objs,
            int threads = 4) {
  std::atomic<std::size_t> next{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (std::size_t i; (i = next.fetch_add(1)) < objs.size();) {
        PutObjectRequest p;
        p.bucket = bucket;
        p.key = objs[i].first;
        p.data = objs[i].second;
        if (!c.PutObject(p).ok()) failures.fetch_add(1);
      }
    });
  for (auto& t : pool) t.join();
  REQUIRE(failures.load() == 0);
}

// Delivery counts of one epoch, by sample key; every delivered sample's digest is
// REQUIREd to be the uploaded one.
struct EpochTally {
  std::map<std::string, int> seen;
  std::uint64_t delivered = 0;
};

// Reads up to `limit` samples (0: to the end of the epoch) into `tally`. Returns
// true at the end of the epoch.
bool ReadInto(DatasetReader& r, const std::map<std::string, std::string>& expected, EpochTally& tally,
              std::uint64_t limit = 0) {
  for (std::uint64_t n = 0; limit == 0 || n < limit; ++n) {
    auto s = r.Next();
    if (!s.ok()) FAIL("Next() failed after " << tally.delivered << " samples: " << s.status().ToString());
    if (!*s) return true;
    auto it = expected.find((*s)->key);
    if (it == expected.end()) FAIL("unexpected sample key " << (*s)->key);
    if (SampleDigest(**s) != it->second) FAIL("sample " << (*s)->key << " of " << (*s)->shard << " has other bytes");
    ++tally.seen[(*s)->key];
    ++tally.delivered;
  }
  return false;
}

void RequireExactlyOnce(const EpochTally& t, const std::map<std::string, std::string>& expected) {
  INFO("delivered " << t.delivered << " samples, " << t.seen.size() << " distinct, of " << expected.size());
  REQUIRE(t.delivered == expected.size());
  REQUIRE(t.seen.size() == expected.size());
  for (const auto& [key, n] : t.seen)
    if (n != 1) FAIL("sample " << key << " delivered " << n << " times");
}

struct DatasetSoak {
  std::string name;
  Source source;
  ReaderOptions options;
  std::map<std::string, std::string> expected;  // sample key -> digest
  std::uint64_t bytes = 0;                      // stored bytes of the dataset
};

// Two full epochs and a third interrupted mid-way (State, a new reader, Resume)
// under the fault mix. Checks exactly-once delivery of byte-identical samples,
// that the reader reports every retry the server saw, that nothing is skipped
// and that the prefetch budget held.
void RunDatasetSoak(mock::MockS3Server& server, const Client& client, DatasetSoak& soak) {
  ResetPeakRss();
  const auto t0 = WallClock::now();
  const auto before = server.stats();
  AddFaultMix(server, FaultMix{});
  soak.options.skip_failed_shards = false;

  std::uint64_t reader_gets = 0, reader_retries = 0;
  auto account = [&](const DatasetReader& r) {
    const ReaderMetrics m = r.metrics();
    CHECK(m.shards_skipped == 0);
    CHECK(m.requests_failed == 0);
    CHECK(m.budget_high_water <= soak.options.memory_budget);
    reader_gets += m.requests;
    reader_retries += m.retries;
    return m;
  };

  auto first = MakeReader(client, soak.source, soak.options);
  for (std::uint64_t epoch : {0u, 1u}) {
    first->SetEpoch(epoch);
    EpochTally tally;
    REQUIRE(ReadInto(*first, soak.expected, tally));
    RequireExactlyOnce(tally, soak.expected);
  }
  // Epoch 2: stop mid-way, resume in a fresh reader from the saved state.
  first->SetEpoch(2);
  EpochTally tally;
  const std::uint64_t cut = soak.expected.size() / 2 + 37;
  REQUIRE_FALSE(ReadInto(*first, soak.expected, tally, cut));
  const std::string state = first->State();
  first->Close();
  const ReaderMetrics m1 = account(*first);
  first.reset();
  auto second = MakeReader(client, soak.source, soak.options);
  Status resumed = second->Resume(state);
  INFO(resumed.ToString());
  REQUIRE(resumed.ok());
  REQUIRE(ReadInto(*second, soak.expected, tally));
  RequireExactlyOnce(tally, soak.expected);
  second->Close();
  const ReaderMetrics m2 = account(*second);
  second.reset();

  server.ClearFaults();
  const auto after = server.stats();
  const auto ops_delta = [&](const char* op) {
    auto get = [&](const mock::MockStats& s) {
      auto it = s.requests_by_operation.find(op);
      return it == s.requests_by_operation.end() ? std::uint64_t{0} : it->second;
    };
    return get(after) - get(before);
  };
  const std::uint64_t faults = after.faults_injected - before.faults_injected;
  const std::uint64_t server_gets = ops_delta("GetObject") + ops_delta("HeadObject");
  const double seconds = std::chrono::duration<double>(WallClock::now() - t0).count();
  std::printf(
      "soak: dataset %s: %zu samples (%llu bytes) x 3 epochs (one resumed), %llu requests, %llu faults injected, "
      "%llu GET/HEAD at the server, reader: %llu requests + %llu retries, budget high water %llu of %llu, "
      "%.1f s, peak RSS %ld KiB\n",
      soak.name.c_str(), soak.expected.size(), static_cast<unsigned long long>(soak.bytes),
      static_cast<unsigned long long>(after.requests - before.requests), static_cast<unsigned long long>(faults),
      static_cast<unsigned long long>(server_gets), static_cast<unsigned long long>(reader_gets),
      static_cast<unsigned long long>(reader_retries),
      static_cast<unsigned long long>(std::max(m1.budget_high_water, m2.budget_high_water)),
      static_cast<unsigned long long>(soak.options.memory_budget), seconds, PeakRssKiB());
  std::fflush(stdout);

  CHECK(faults > soak.expected.size() / 100);  // the mix really fired
  // Every GET the server saw is a request or a retry the reader reports, except
  // that libcurl resends a request by itself (unseen by the retry loop) when a
  // reused connection is reset before any answer byte: so the server may see up
  // to about one request per injected reset more (resets are 2/9.6 of the mix).
  // The reader never reports more than the server saw, bar requests aborted by
  // Close() before they reached it.
  const std::uint64_t reported = reader_gets + reader_retries;
  INFO("server saw " << server_gets << " GET/HEAD; the readers report " << reader_gets << " + " << reader_retries
                     << " retries; " << faults << " faults injected");
  CHECK(reader_retries >= faults / 2);
  CHECK(reported <= server_gets + static_cast<std::uint64_t>(soak.options.max_in_flight));
  CHECK(server_gets - std::min(server_gets, reported) <= faults / 3);
}

ReaderOptions SoakReaderOptions() {
  ReaderOptions o;
  o.seed = 7;
  o.shuffle_shards = true;
  o.shuffle_buffer = 64;
  o.fetch_threads = 8;
  o.max_in_flight = 8;
  o.memory_budget = 512 * 1024;
  o.prefetch_ahead = o.memory_budget;  // as deep as the budget allows: the budget is what is tested
  return o;
}

}  // namespace

TEST_CASE("Soak: the dataset reader delivers 1-4 KiB objects exactly once and intact under ~10% mixed faults, "
          "across epochs and a resume",
          "[soak]") {
  auto server = StartSoakMock();
  Client client = MakeClient(SoakClientOptions(*server, 8));
  REQUIRE(client.CreateBucket(CreateBucketRequest{"soak", ""}).ok());
  const std::size_t n = Scaled(5000);
  DatasetSoak soak;
  soak.name = "raw objects";
  std::vector<std::pair<std::string, std::string>> objs;
  for (std::size_t i = 0; i < n; ++i) {
    char key[40];
    std::snprintf(key, sizeof key, "raw/sample-%07zu", i);
    std::string data = RandomBytes(1024 + (i * 7919) % 3073, static_cast<std::uint32_t>(i + 1));
    soak.expected[key] = FieldsDigest({{"", data}});
    soak.bytes += data.size();
    objs.emplace_back(key, std::move(data));
  }
  PutAll(client, "soak", objs);
  objs.clear();
  soak.source = Source::Prefix("s3://soak/raw/");
  soak.options = SoakReaderOptions();
  RunDatasetSoak(*server, client, soak);
}

TEST_CASE("Soak: the dataset reader delivers tar-shard samples exactly once and intact under ~10% mixed faults, "
          "with ranged parts, across epochs and a resume",
          "[soak]") {
  auto server = StartSoakMock();
  Client client = MakeClient(SoakClientOptions(*server, 8));
  REQUIRE(client.CreateBucket(CreateBucketRequest{"soak", ""}).ok());
  const std::size_t shards = std::max<std::size_t>(2, Scaled(100));
  DatasetSoak soak;
  soak.name = "tar shards";
  std::vector<std::pair<std::string, std::string>> objs;
  for (std::size_t s = 0; s < shards; ++s) {
    std::vector<TarMember> members;
    const std::size_t samples = 40 + (s * 13) % 21;  // 40..60, 50 on average
    for (std::size_t k = 0; k < samples; ++k) {
      char key[40];
      std::snprintf(key, sizeof key, "s%05zu-%02zu", s, k);
      const auto seed = static_cast<std::uint32_t>(s * 1000 + k + 1);
      std::string txt = std::string(key) + " label " + std::to_string(seed % 1000);
      std::string bin = RandomBytes(1024 + (seed * 7919) % 3073, seed);
      soak.expected[key] = FieldsDigest({{"bin", bin}, {"txt", txt}});
      members.push_back({std::string(key) + ".bin", std::move(bin)});
      members.push_back({std::string(key) + ".txt", std::move(txt)});
    }
    char name[40];
    std::snprintf(name, sizeof name, "tar/shard-%05zu.tar", s);
    std::string tar = MakeTar(members);
    soak.bytes += tar.size();
    objs.emplace_back(name, std::move(tar));
  }
  PutAll(client, "soak", objs);
  objs.clear();
  soak.source = Source::Prefix("s3://soak/tar/");
  soak.options = SoakReaderOptions();
  soak.options.decoder = TarDecoder();
  soak.options.part_size = 64 * 1024;  // most shards are fetched as 3-4 ranged GETs pinned by If-Match
  soak.options.memory_budget = 1024 * 1024;
  soak.options.prefetch_ahead = soak.options.memory_budget;
  RunDatasetSoak(*server, client, soak);
}

namespace {

// A clean failure: an error value naming the operation and the object.
void RequireCleanError(const Status& st, const std::string& bucket, const std::string& key) {
  INFO(st.ToString());
  REQUIRE_FALSE(st.ok());
  CHECK_FALSE(st.operation().empty());
  CHECK_THAT(st.ToString(), Catch::Contains("s3://" + bucket + "/" + key));
}

std::uint64_t OpCount(const mock::MockStats& s, const std::string& op) {
  auto it = s.requests_by_operation.find(op);
  return it == s.requests_by_operation.end() ? 0 : it->second;
}

struct Tally {
  int completed = 0, failed = 0;
};

// The size of the large transfers: 200 MiB at scale 1.
std::size_t LargeSize() { return Scaled(200) << 20; }

// Extra faults aimed at the multipart control requests, on top of the mix (the
// uploads run one after another, so these schedules are deterministic): answers of
// CreateMultipartUpload lost after the upload was created (three in a row once, so
// every try of one upload loses its answer), resets; answers of
// CompleteMultipartUpload lost after the object was completed, followed by 503s
// for the resend.
void AddControlFaults(mock::MockS3Server& server) {
  mock::FaultRule lost_create;
  lost_create.kind = mock::FaultRule::Kind::kTruncateBody;
  lost_create.operation = "CreateMultipartUpload";
  lost_create.truncate_after = 20;
  lost_create.nth = {1, 5, 6, 7, 12, 20};
  server.AddFault(lost_create);
  mock::FaultRule reset_create = lost_create;
  reset_create.kind = mock::FaultRule::Kind::kConnectionReset;
  reset_create.nth = {3, 10, 16};
  server.AddFault(reset_create);
  mock::FaultRule lost_complete = lost_create;
  lost_complete.operation = "CompleteMultipartUpload";
  lost_complete.nth = {1, 4, 8, 12, 15};
  server.AddFault(lost_complete);
  mock::FaultRule busy_complete = lost_complete;
  busy_complete.kind = mock::FaultRule::Kind::kHttpError;
  busy_complete.nth = {2, 5, 6, 9, 13, 14};
  server.AddFault(busy_complete);
}

}  // namespace

TEST_CASE("Soak: TransferManager multipart uploads under ~10% mixed faults complete byte-identical or fail cleanly, "
          "never leaving an upload open or a partial object",
          "[soak]") {
  auto server = StartSoakMock();
  const std::string bucket = "soak";
  Client setup = MakeClient(SoakClientOptions(*server, 1));
  REQUIRE(setup.CreateBucket(CreateBucketRequest{bucket, ""}).ok());
  TempDir dir("soak", S3ML_BINARY_DIR);  // removed with its files at scope exit
  const std::size_t size = LargeSize();
  const std::string source = RandomBytes(size, 4242);
  const std::string source_hash = Sha256Hex(source);
  const std::string source_path = dir.path() + "/source.bin";
  WriteFile(source_path, source);

  ResetPeakRss();
  const auto t0 = WallClock::now();
  FaultMix mix;
  mix.truncate_after = 64;  // XML answers are short; part bodies are not returned
  AddFaultMix(*server, mix);
  AddControlFaults(*server);

  TransferOptions to;
  to.part_size = 5ull << 20;
  to.concurrency = 8;
  Tally tally;
  // Round 1: the whole file, patient retries: it must complete.
  {
    TransferManager tm(MakeClient(SoakClientOptions(*server, 8)), to);
    auto up = tm.UploadFile(bucket, "big.bin", source_path);
    INFO(up.status().ToString());
    REQUIRE(up.ok());
    CHECK(up->parts == static_cast<int>((size + to.part_size - 1) / to.part_size));
    ++tally.completed;
  }
  // Rounds 2+: 11 MiB uploads (three parts) with one retry only, so some fail:
  // each completes byte-identical or fails with a clear error, and either way
  // leaves nothing open.
  const int rounds = static_cast<int>(std::max<std::size_t>(8, Scaled(24)));
  const std::size_t small = std::min<std::size_t>(size - static_cast<std::size_t>(rounds) * 4096, 11ull << 20);
  std::vector<std::string> completed_keys = {"big.bin"};
  {
    to.multipart_threshold = to.part_size;
    TransferManager tm(MakeClient(SoakClientOptions(*server, 2)), to);
    for (int i = 0; i < rounds; ++i) {
      const std::string key = "round-" + std::to_string(i) + ".bin";
      const std::string_view data = std::string_view(source).substr(static_cast<std::size_t>(i) * 4096, small);
      auto up = tm.UploadBuffer(bucket, key, data);
      if (up.ok()) {
        ++tally.completed;
        completed_keys.push_back(key);
        auto body = server->ObjectBody(bucket, key);
        REQUIRE(body.ok());
        REQUIRE(Sha256Hex(*body) == Sha256Hex(data));
      } else {
        ++tally.failed;
        RequireCleanError(up.status(), bucket, key);
        CHECK_FALSE(server->ObjectBody(bucket, key).ok());  // no partial object
      }
    }
  }
  const auto stats = server->stats();
  server->ClearFaults();
  CHECK(OpenUploads(setup, bucket).empty());
  auto big = server->ObjectBody(bucket, "big.bin");
  REQUIRE(big.ok());
  REQUIRE(big->size() == size);
  REQUIRE(Sha256Hex(*big) == source_hash);
  auto keys = server->ObjectKeys(bucket);
  REQUIRE(keys.ok());
  std::sort(completed_keys.begin(), completed_keys.end());
  CHECK(*keys == completed_keys);
  const double seconds = std::chrono::duration<double>(WallClock::now() - t0).count();
  std::printf(
      "soak: upload: %zu MiB file + %d x %zu MiB buffers (%d completed, %d failed cleanly), %llu requests "
      "(%llu CreateMultipartUpload, %llu UploadPart, %llu CompleteMultipartUpload), %llu faults injected, %.1f s, "
      "peak RSS %ld KiB\n",
      size >> 20, rounds, small >> 20, tally.completed, tally.failed, static_cast<unsigned long long>(stats.requests),
      static_cast<unsigned long long>(OpCount(stats, "CreateMultipartUpload")),
      static_cast<unsigned long long>(OpCount(stats, "UploadPart")),
      static_cast<unsigned long long>(OpCount(stats, "CompleteMultipartUpload")),
      static_cast<unsigned long long>(stats.faults_injected), seconds, PeakRssKiB());
  std::fflush(stdout);
  CHECK(stats.faults_injected > 10);
}

TEST_CASE("Soak: TransferManager downloads under ~10% mixed faults give a byte-identical file or fail cleanly "
          "leaving no file",
          "[soak]") {
  auto server = StartSoakMock();
  const std::string bucket = "soak";
  Client setup = MakeClient(SoakClientOptions(*server, 1));
  REQUIRE(setup.CreateBucket(CreateBucketRequest{bucket, ""}).ok());
  const std::size_t size = LargeSize();
  std::string source = RandomBytes(size, 4343);
  const std::string source_hash = Sha256Hex(source);
  TransferOptions to;
  to.part_size = 5ull << 20;
  to.concurrency = 8;
  const std::size_t small = std::min<std::size_t>(size, 30ull << 20);
  for (const auto& [key, n] : {std::pair<std::string, std::size_t>{"big.bin", size}, {"small.bin", small}}) {
    auto up = TransferManager(setup, to).UploadBuffer(bucket, key, std::string_view(source).substr(0, n));
    INFO(up.status().ToString());
    REQUIRE(up.ok());
  }
  const std::string small_hash = Sha256Hex(std::string_view(source).substr(0, small));
  source.clear();
  source.shrink_to_fit();

  TempDir dir("soak", S3ML_BINARY_DIR);  // removed with its files at scope exit
  ResetPeakRss();
  const auto t0 = WallClock::now();
  FaultMix mix;
  mix.truncate_after = 100000;  // cut ranged bodies mid-way
  AddFaultMix(*server, mix);
  Tally tally;
  // Round 1: patient retries: it must complete.
  {
    const std::string path = dir.path() + "/big.bin";
    auto got = TransferManager(MakeClient(SoakClientOptions(*server, 8)), to).DownloadFile(bucket, "big.bin", path);
    INFO(got.status().ToString());
    REQUIRE(got.ok());
    CHECK(got->size == size);
    REQUIRE(Sha256Hex(ReadFile(path)) == source_hash);
    REQUIRE(::unlink(path.c_str()) == 0);
    ++tally.completed;
  }
  // Rounds 2+: a 30 MiB object (six ranges) with one retry only, so some fail;
  // afterwards the directory holds the complete file or nothing (no temporary
  // left behind).
  const int rounds = static_cast<int>(std::max<std::size_t>(6, Scaled(16)));
  {
    TransferManager tm(MakeClient(SoakClientOptions(*server, 2)), to);
    for (int i = 0; i < rounds; ++i) {
      const std::string name = "copy-" + std::to_string(i) + ".bin";
      const std::string path = dir.path() + "/" + name;
      auto got = tm.DownloadFile(bucket, "small.bin", path);
      if (got.ok()) {
        ++tally.completed;
        CHECK(DirEntries(dir.path()) == std::vector<std::string>{name});
        REQUIRE(Sha256Hex(ReadFile(path)) == small_hash);
        REQUIRE(::unlink(path.c_str()) == 0);
      } else {
        ++tally.failed;
        RequireCleanError(got.status(), bucket, "small.bin");
        CHECK(DirEntries(dir.path()).empty());
      }
    }
  }
  const auto stats = server->stats();
  server->ClearFaults();
  const double seconds = std::chrono::duration<double>(WallClock::now() - t0).count();
  std::printf(
      "soak: download: %zu MiB + %d x %zu MiB (%d completed, %d failed cleanly), %llu requests, %llu faults "
      "injected, %.1f s, peak RSS %ld KiB\n",
      size >> 20, rounds, small >> 20, tally.completed, tally.failed, static_cast<unsigned long long>(stats.requests),
      static_cast<unsigned long long>(stats.faults_injected), seconds, PeakRssKiB());
  std::fflush(stdout);
  CHECK(stats.faults_injected > 10);
}
