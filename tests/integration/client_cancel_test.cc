// Cancellation through the one CancellationToken, against the in-process mock: every
// blocking call stops promptly and cleans up (no multipart upload left open, no
// temporary file, threads joined), and a cancellation is never mistaken for a failed
// shard.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "s3ml/dataset/reader.h"
#include "s3ml/transfer.h"
#include "support/test_support.h"

using namespace s3ml;
using namespace s3ml::test;
using namespace std::chrono_literals;

namespace {

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Cancels `token` after `delay` on its own thread; joined on destruction.
class CancelAfter {
 public:
  CancelAfter(CancellationToken token, std::chrono::milliseconds delay)
      : thread_([token, delay] {
          std::this_thread::sleep_for(delay);
          token.Cancel();
        }) {}
  ~CancelAfter() { thread_.join(); }

 private:
  std::thread thread_;
};

mock::FaultRule Slow(const std::string& op, std::chrono::milliseconds latency) {
  mock::FaultRule f;
  f.kind = mock::FaultRule::Kind::kLatency;
  f.operation = op;
  f.latency = latency;
  f.probability = 1.0;
  return f;
}

}  // namespace

TEST_CASE("Cancellation: a TransferManager upload cancelled mid-way aborts its multipart upload at once") {
  auto server = StartMock();
  auto base = Client::Create(MockOptions(*server)).value();
  REQUIRE(base.CreateBucket({"cancel-up", ""}).ok());
  server->AddFault(Slow("UploadPart", 3000ms));  // every part is still in flight when the token fires
  const std::string data = RandomBytes(24u << 20, 7);
  CancellationToken token;
  TransferOptions o;
  o.part_size = 8u << 20;
  o.multipart_threshold = 8u << 20;
  SECTION("through TransferOptions::cancel") { o.cancel = token; }
  SECTION("through the client's token") { base = base.WithCancellation(token); }
  auto t0 = std::chrono::steady_clock::now();
  Result<TransferUploadResult> r = [&] {
    CancelAfter cancel(token, 300ms);
    return TransferManager(base, o).UploadBuffer("cancel-up", "big", data);
  }();
  const double took = Since(t0);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().category() == ErrorCategory::kCancelled);
  CHECK(took < 2.0);  // the parts would have taken 3 s
  auto plain = Client::Create(MockOptions(*server)).value();
  ListMultipartUploadsRequest list;
  list.bucket = "cancel-up";
  auto uploads = plain.ListMultipartUploads(list);
  REQUIRE(uploads.ok());
  CHECK(uploads->uploads.empty());
  HeadObjectRequest head;
  head.bucket = "cancel-up";
  head.key = "big";
  CHECK_FALSE(plain.HeadObject(head).ok());
}

TEST_CASE("Cancellation: a cancelled download leaves no temporary file, by GetObjectToFile and by TransferManager") {
  auto server = StartMock();
  auto base = Client::Create(MockOptions(*server)).value();
  REQUIRE(base.CreateBucket({"cancel-down", ""}).ok());
  Put(base, "cancel-down", "obj", RandomBytes(20u << 20, 3));
  server->AddFault(Slow("GetObject", 3000ms));
  const auto dir = std::filesystem::temp_directory_path() / ("s3ml-cancel-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "obj").string();
  CancellationToken token;
  Client c = base.WithCancellation(token);
  auto t0 = std::chrono::steady_clock::now();
  GetObjectRequest get;
  get.bucket = "cancel-down";
  get.key = "obj";
  Status st;
  {
    CancelAfter cancel(token, 300ms);
    SECTION("GetObjectToFile") { st = c.GetObjectToFile(get, path).status(); }
    SECTION("TransferManager::DownloadFile") { st = TransferManager(c).DownloadFile("cancel-down", "obj", path).status(); }
  }
  CHECK(Since(t0) < 2.0);
  CHECK(st.category() == ErrorCategory::kCancelled);
  CHECK(std::filesystem::is_empty(dir));
  std::filesystem::remove_all(dir);
}

TEST_CASE("Cancellation: a retry back-off ends when the token is cancelled, and the error says cancelled") {
  auto server = StartMock();
  auto opts = MockOptions(*server);
  opts.retry.max_attempts = 5;
  opts.retry.base_delay = 10s;
  opts.retry.max_backoff = 10s;
  opts.retry.jitter_seed = 7;  // first draws are seconds long
  auto base = Client::Create(opts).value();
  REQUIRE(base.CreateBucket({"cancel-retry", ""}).ok());
  mock::FaultRule busy;
  busy.operation = "HeadObject";
  busy.probability = 1.0;
  server->AddFault(busy);
  CancellationToken token;
  auto t0 = std::chrono::steady_clock::now();
  Result<ObjectMetadata> r = [&] {
    CancelAfter cancel(token, 300ms);
    HeadObjectRequest head;
    head.bucket = "cancel-retry";
    head.key = "k";
    return base.WithCancellation(token).HeadObject(head);
  }();
  CHECK(Since(t0) < 2.0);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().category() == ErrorCategory::kCancelled);
  CHECK_THAT(r.status().ToString(), Catch::Contains("HeadObject s3://cancel-retry/k"));
}

TEST_CASE("Cancellation: a dataset reader stops with kCancelled, never skipping the shard as failed") {
  auto server = StartMock();
  auto base = Client::Create(MockOptions(*server)).value();
  REQUIRE(base.CreateBucket({"cancel-ds", ""}).ok());
  for (int i = 0; i < 4; ++i) Put(base, "cancel-ds", "s" + std::to_string(i), RandomBytes(1u << 20, i));
  server->AddFault(Slow("GetObject", 3000ms));
  CancellationToken token;
  dataset::ReaderOptions o;
  o.skip_failed_shards = true;
  auto reader = dataset::DatasetReader::Create(base.WithCancellation(token), dataset::Source::Prefix("s3://cancel-ds/"), o)
                    .value();
  auto t0 = std::chrono::steady_clock::now();
  Result<std::optional<dataset::Sample>> got = [&] {
    CancelAfter cancel(token, 300ms);
    return reader->Next();
  }();
  CHECK(Since(t0) < 2.0);
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().category() == ErrorCategory::kCancelled);
  CHECK(reader->metrics().shards_skipped == 0);
  t0 = std::chrono::steady_clock::now();
  reader->Close();  // joins the fetch threads: their requests were aborted too
  CHECK(Since(t0) < 1.0);
}

TEST_CASE("Cancellation: Close() of a dataset reader aborts requests in flight instead of waiting for them") {
  auto server = StartMock();
  auto base = Client::Create(MockOptions(*server)).value();
  REQUIRE(base.CreateBucket({"close-ds", ""}).ok());
  for (int i = 0; i < 2; ++i) Put(base, "close-ds", "s" + std::to_string(i), RandomBytes(1u << 20, i));
  auto reader = dataset::DatasetReader::Create(base, dataset::Source::Prefix("s3://close-ds/")).value();
  REQUIRE(reader->Next().ok());
  server->AddFault(Slow("GetObject", 3000ms));
  reader->SetEpoch(1);
  std::thread consumer([&] { (void)reader->Next(); });
  std::this_thread::sleep_for(300ms);
  auto t0 = std::chrono::steady_clock::now();
  reader->Close();
  consumer.join();
  CHECK(Since(t0) < 1.5);
}
