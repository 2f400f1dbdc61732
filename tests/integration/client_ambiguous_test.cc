// The two multipart steps that must not simply be repeated, with their answers lost on
// the way back (the mock performs the request, then cuts its response off): the
// TransferManager leaves no orphaned upload and reports the truth.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "s3ml/transfer.h"
#include "support/test_support.h"

using namespace s3ml;
using namespace s3ml::test;

namespace {

mock::FaultRule CutAnswer(const std::string& op) {
  mock::FaultRule f;
  f.kind = mock::FaultRule::Kind::kTruncateBody;
  f.operation = op;
  f.truncate_after = 10;
  f.count = 1;
  return f;
}

std::string Get(const Client& c, const std::string& bucket, const std::string& key) {
  GetObjectRequest req;
  req.bucket = bucket;
  req.key = key;
  auto r = c.GetObject(req);
  REQUIRE(r.ok());
  return std::string(r->body.view());
}

}  // namespace

TEST_CASE("TransferManager: a lost CreateMultipartUpload answer leaves no orphaned upload and the upload succeeds") {
  auto server = StartMock();
  auto c = Client::Create(MockOptions(*server)).value();
  REQUIRE(c.CreateBucket({"amb-create", ""}).ok());
  server->AddFault(CutAnswer("CreateMultipartUpload"));
  const std::string data = RandomBytes(12u << 20, 5);
  TransferOptions o;
  o.part_size = 5u << 20;
  o.multipart_threshold = 5u << 20;
  auto r = TransferManager(c, o).UploadBuffer("amb-create", "obj", data);
  REQUIRE(r.ok());
  CHECK(r->parts == 3);
  CHECK(OpenUploads(c, "amb-create").empty());  // before: the first (lost) upload stayed open
  CHECK(Get(c, "amb-create", "obj") == data);
}

TEST_CASE("TransferManager: a lost CompleteMultipartUpload answer is a success when the object is the one uploaded") {
  auto server = StartMock();
  auto c = Client::Create(MockOptions(*server)).value();
  REQUIRE(c.CreateBucket({"amb-complete", ""}).ok());
  server->AddFault(CutAnswer("CompleteMultipartUpload"));
  const std::string data = RandomBytes(11u << 20, 6);
  TransferOptions o;
  o.part_size = 5u << 20;
  o.multipart_threshold = 5u << 20;
  auto r = TransferManager(c, o).UploadBuffer("amb-complete", "obj", data);
  REQUIRE(r.ok());  // before: NoSuchUpload from the retry, although the object was there
  CHECK(r->parts == 3);
  CHECK_FALSE(r->etag.empty());
  CHECK(OpenUploads(c, "amb-complete").empty());
  CHECK(Get(c, "amb-complete", "obj") == data);
}

TEST_CASE("Client: a non-idempotent CompleteMultipartUpload answered 503 is still retried (S3 did nothing)") {
  auto server = StartMock();
  auto c = Client::Create(MockOptions(*server)).value();
  REQUIRE(c.CreateBucket({"amb-direct", ""}).ok());
  CreateMultipartUploadRequest create;
  create.bucket = "amb-direct";
  create.key = "k";
  auto up = c.CreateMultipartUpload(create).value();
  UploadPartRequest part;
  part.bucket = "amb-direct";
  part.key = "k";
  part.upload_id = up.upload_id;
  part.part_number = 1;
  const std::string body = RandomBytes(1000, 1);
  part.data = body;
  auto p1 = c.UploadPart(part).value();
  mock::FaultRule slow;
  slow.operation = "CompleteMultipartUpload";
  slow.count = 1;  // a 503 answer: S3 did nothing, so the retry loop goes again
  server->AddFault(slow);
  CompleteMultipartUploadRequest complete;
  complete.bucket = "amb-direct";
  complete.key = "k";
  complete.upload_id = up.upload_id;
  complete.parts = {CompletedPart{1, p1.etag}};
  auto done = c.CompleteMultipartUpload(complete);
  REQUIRE(done.ok());
  CHECK(done->etag.size() > 2);
}

TEST_CASE("TransferManager: a lost CompleteMultipartUpload answer whose resend is refused with 503 until the retries "
          "run out is settled by a HEAD as a success") {
  auto server = StartMock();
  ClientOptions co = MockOptions(*server);
  co.retry.max_attempts = 2;
  co.retry.base_delay = std::chrono::milliseconds(1);
  auto c = Client::Create(co).value();
  REQUIRE(c.CreateBucket({"amb-busy", ""}).ok());
  server->AddFault(CutAnswer("CompleteMultipartUpload"));  // completes, answer lost
  mock::FaultRule busy;
  busy.operation = "CompleteMultipartUpload";
  busy.nth = {2, 3};  // the resend: 503, and 503 again on its one retry
  server->AddFault(busy);
  const std::string data = RandomBytes(11u << 20, 7);
  TransferOptions o;
  o.part_size = 5u << 20;
  o.multipart_threshold = 5u << 20;
  auto r = TransferManager(c, o).UploadBuffer("amb-busy", "obj", data);
  INFO(r.status().ToString());
  REQUIRE(r.ok());  // before: SlowDown reported although the object was complete
  CHECK(r->parts == 3);
  CHECK(OpenUploads(c, "amb-busy").empty());
  CHECK(Get(c, "amb-busy", "obj") == data);
}

TEST_CASE("TransferManager: when every CreateMultipartUpload answer is lost, the upload fails and the uploads those "
          "requests created are aborted") {
  auto server = StartMock();
  auto c = Client::Create(MockOptions(*server)).value();
  REQUIRE(c.CreateBucket({"amb-create-all", ""}).ok());
  auto cut = CutAnswer("CreateMultipartUpload");
  cut.count = 100;  // every try
  server->AddFault(cut);
  const std::string data = RandomBytes(11u << 20, 8);
  TransferOptions o;
  o.part_size = 5u << 20;
  o.multipart_threshold = 5u << 20;
  auto r = TransferManager(c, o).UploadBuffer("amb-create-all", "obj", data);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().ToString(), Catch::StartsWith("CreateMultipartUpload s3://amb-create-all/obj: "));
  server->ClearFaults();
  CHECK(OpenUploads(c, "amb-create-all").empty());  // before: one open upload per lost answer
  CHECK_FALSE(server->ObjectBody("amb-create-all", "obj").ok());
}

TEST_CASE("TransferManager: cancelled while the CreateMultipartUpload answer is on its way, the upload it created is "
          "aborted") {
  auto server = StartMock();
  auto c = Client::Create(MockOptions(*server)).value();
  REQUIRE(c.CreateBucket({"amb-create-cancel", ""}).ok());
  mock::FaultRule stall;  // the upload is created; its answer waits 3 s
  stall.kind = mock::FaultRule::Kind::kStall;
  stall.operation = "CreateMultipartUpload";
  stall.after_bytes = 0;
  stall.latency = std::chrono::milliseconds(3000);
  stall.count = 1;
  server->AddFault(stall);
  const std::string data = RandomBytes(11u << 20, 9);
  TransferOptions o;
  o.part_size = 5u << 20;
  o.multipart_threshold = 5u << 20;
  CancellationToken cancel;
  o.cancel = cancel;
  std::thread interrupter([&] {  // Ctrl-C once the server has created the upload
    for (int i = 0; i < 200 && OpenUploads(c, "amb-create-cancel").empty(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    cancel.Cancel();
  });
  const auto t0 = std::chrono::steady_clock::now();
  auto r = TransferManager(c, o).UploadBuffer("amb-create-cancel", "obj", data);
  interrupter.join();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().category() == ErrorCategory::kCancelled);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(2500));  // not waiting out the stall
  CHECK(OpenUploads(c, "amb-create-cancel").empty());  // before: the created upload stayed open (and billed)
  CHECK_FALSE(server->ObjectBody("amb-create-cancel", "obj").ok());
}
