// Conditional writes and deletes through the Client: If-None-Match / If-Match on
// PutObject, CopyObject and CompleteMultipartUpload, If-Match on DeleteObject and a
// per-object ETag in DeleteObjects, and the 409 ConditionalRequestConflict of a
// concurrent conflicting change. [portable] tests hold against moto as well.
//
// Quotes are from the S3 API reference (PutObject, CompleteMultipartUpload,
// CopyObject, DeleteObject) and the S3 User Guide ("How to perform conditional deletes").

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "support/test_support.h"

using namespace s3ml;
using namespace s3ml::test;

namespace {

std::string Body(const Client& c, const std::string& bucket, const std::string& key) {
  auto r = c.GetObject(GetReq(bucket, key));
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::string(r->body.view());
}

bool Exists(const Client& c, const std::string& bucket, const std::string& key) {
  auto r = c.HeadObject(HeadReq(bucket, key));
  if (!r.ok()) REQUIRE(r.status().http_status() == 404);
  return r.ok();
}

// A multipart upload of one part (`data`), not completed.
std::pair<std::string, CompletedPart> OnePartUpload(const Client& c, const std::string& bucket, const std::string& key,
                                                     const std::string& data) {
  CreateMultipartUploadRequest create;
  create.bucket = bucket;
  create.key = key;
  auto id = c.CreateMultipartUpload(create);
  REQUIRE(id.ok());
  UploadPartRequest part;
  part.bucket = bucket;
  part.key = key;
  part.upload_id = id->upload_id;
  part.part_number = 1;
  part.data = data;
  auto up = c.UploadPart(part);
  REQUIRE(up.ok());
  CompletedPart done;
  done.part_number = 1;
  done.etag = up->etag;
  return {id->upload_id, done};
}

CompleteMultipartUploadRequest CompleteReq(const std::string& bucket, const std::string& key,
                                           const std::string& upload_id, const CompletedPart& part) {
  CompleteMultipartUploadRequest req;
  req.bucket = bucket;
  req.key = key;
  req.upload_id = upload_id;
  req.parts = {part};
  return req;
}

// Delays the next `op` request on `key` by `delay` inside the mock, after its
// conditional window opened; returns once the delayed request has reached the mock.
class HeldRequest {
 public:
  HeldRequest(mock::MockS3Server& server, const std::string& op, const std::string& key,
              std::chrono::milliseconds delay)
      : server_(server) {
    mock::FaultRule f;
    f.kind = mock::FaultRule::Kind::kLatency;
    f.operation = op;
    f.key_prefix = key;
    f.latency = delay;
    f.count = 1;
    server.AddFault(f);
  }
  // Waits (bounded) until the mock counted the delayed request.
  void WaitUntilHeld() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (server_.stats().faults_injected == 0) {
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

 private:
  mock::MockS3Server& server_;
};

}  // namespace

// PutObject, If-None-Match: "Uploads the object only if the object key name does not
// already exist in the bucket specified. Otherwise, Amazon S3 returns a 412
// Precondition Failed error."
TEST_CASE("Conditional PutObject: if_none_match * creates once, then 412 PreconditionFailed keeps the first body",
          "[portable][conditional]") {
  Client c = PortableClient();
  ScopedBucket b(c, "cond-inm");
  PutObjectRequest first = PutReq(b.name(), "once", "first");
  first.if_none_match = "*";
  REQUIRE(c.PutObject(first).ok());
  PutObjectRequest second = PutReq(b.name(), "once", "second");
  second.if_none_match = "*";
  auto r = c.PutObject(second);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().http_status() == 412);
  CHECK(r.status().code() == "PreconditionFailed");
  CHECK(Body(c, b.name(), "once") == "first");
}

// PutObject, If-Match: "Uploads the object only if the ETag (entity tag) value provided
// during the WRITE operation matches the ETag of the object in S3. If the ETag values
// do not match, the operation returns a 412 Precondition Failed error."
TEST_CASE("Conditional PutObject: if_match replaces only the version it names (412 for a stale ETag, 404 for no key)",
          "[portable][conditional]") {
  Client c = PortableClient();
  ScopedBucket b(c, "cond-im");
  const std::string v1 = Put(c, b.name(), "cas", "v1").etag;
  PutObjectRequest swap = PutReq(b.name(), "cas", "v2");
  swap.if_match = v1;
  auto v2 = c.PutObject(swap);
  INFO(v2.status().ToString());
  REQUIRE(v2.ok());
  PutObjectRequest stale = PutReq(b.name(), "cas", "v3");
  stale.if_match = v1;  // v2 replaced it
  auto r = c.PutObject(stale);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().http_status() == 412);
  CHECK(r.status().code() == "PreconditionFailed");
  CHECK(Body(c, b.name(), "cas") == "v2");

  PutObjectRequest missing = PutReq(b.name(), "never-written", "x");
  missing.if_match = v1;
  auto m = c.PutObject(missing);
  REQUIRE_FALSE(m.ok());
  CHECK(m.status().http_status() == 404);
  CHECK(m.status().code() == "NoSuchKey");
  CHECK_FALSE(Exists(c, b.name(), "never-written"));
}

// DeleteObject, If-Match (User Guide, conditional deletes): "If the ETag value of an
// object in an S3 bucket doesn't match with the ETag that you provide during the
// delete operation, the operation fails."
TEST_CASE("Conditional DeleteObject: if_match deletes only the version it names; 412 keeps it, 404 with no object",
          "[portable][conditional]") {
  Client c = PortableClient();
  ScopedBucket b(c, "cond-del");
  const std::string old_etag = Put(c, b.name(), "k", "old").etag;
  const std::string new_etag = Put(c, b.name(), "k", "new").etag;
  DeleteObjectRequest stale{b.name(), "k", "", old_etag};
  auto r = c.DeleteObject(stale);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().http_status() == 412);
  CHECK(r.status().code() == "PreconditionFailed");
  CHECK(Body(c, b.name(), "k") == "new");

  DeleteObjectRequest current{b.name(), "k", "", new_etag};
  auto ok = c.DeleteObject(current);
  INFO(ok.status().ToString());
  REQUIRE(ok.ok());
  CHECK_FALSE(Exists(c, b.name(), "k"));

  auto gone = c.DeleteObject(current);
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.status().http_status() == 404);
  CHECK(gone.status().code() == "NoSuchKey");
}

// CompleteMultipartUpload, If-None-Match: "Uploads the object only if the object key
// name does not already exist in the bucket specified. Otherwise, Amazon S3 returns a
// 412 Precondition Failed error."
TEST_CASE("Conditional CompleteMultipartUpload: if_none_match * on an existing key is 412 and the object is unchanged",
          "[portable][conditional]") {
  Client c = PortableClient();
  ScopedBucket b(c, "cond-mpu");
  Put(c, b.name(), "big", "existing");
  const std::string data(64 * 1024, 'p');
  auto [upload_id, part] = OnePartUpload(c, b.name(), "big", data);
  auto req = CompleteReq(b.name(), "big", upload_id, part);
  req.if_none_match = "*";
  auto r = c.CompleteMultipartUpload(req);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().http_status() == 412);
  CHECK(r.status().code() == "PreconditionFailed");
  CHECK(Body(c, b.name(), "big") == "existing");
  AbortMultipartUploadRequest abort{b.name(), "big", upload_id};
  CHECK(c.AbortMultipartUpload(abort).ok());
}

TEST_CASE("Conditional CompleteMultipartUpload: a failed if_match keeps the upload, which then completes with the "
          "current ETag",
          "[conditional]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  REQUIRE(c.CreateBucket({"cond-mpu-im", ""}).ok());
  const std::string current = Put(c, "cond-mpu-im", "big", "v1").etag;
  const std::string data(64 * 1024, 'q');
  auto [upload_id, part] = OnePartUpload(c, "cond-mpu-im", "big", data);
  auto req = CompleteReq("cond-mpu-im", "big", upload_id, part);
  req.if_match = "\"0123456789abcdef0123456789abcdef\"";
  auto stale = c.CompleteMultipartUpload(req);
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.status().code() == "PreconditionFailed");
  req.if_match = current;
  auto done = c.CompleteMultipartUpload(req);
  INFO(done.status().ToString());
  REQUIRE(done.ok());
  CHECK(Body(c, "cond-mpu-im", "big") == data);
}

// CopyObject, If-None-Match: "Copies the object only if the object key name at the
// destination does not already exist in the bucket specified. Otherwise, Amazon S3
// returns a 412 Precondition Failed error."
TEST_CASE("Conditional CopyObject: destination if_none_match * and if_match are checked against the destination",
          "[conditional]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  REQUIRE(c.CreateBucket({"cond-copy", ""}).ok());
  const std::string src_etag = Put(c, "cond-copy", "src", "source").etag;
  const std::string dst_etag = Put(c, "cond-copy", "dst", "destination").etag;
  CopyObjectRequest copy;
  copy.source_bucket = copy.bucket = "cond-copy";
  copy.source_key = "src";
  copy.key = "dst";
  copy.if_none_match = "*";
  auto refused = c.CopyObject(copy);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == "PreconditionFailed");
  CHECK(Body(c, "cond-copy", "dst") == "destination");

  copy.key = "fresh";
  REQUIRE(c.CopyObject(copy).ok());
  CHECK(Body(c, "cond-copy", "fresh") == "source");

  copy.key = "dst";
  copy.if_none_match.clear();
  copy.if_match = src_etag;  // the source's ETag, not the destination's
  auto stale = c.CopyObject(copy);
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.status().code() == "PreconditionFailed");
  copy.if_match = dst_etag;
  auto swapped = c.CopyObject(copy);
  INFO(swapped.status().ToString());
  REQUIRE(swapped.ok());
  CHECK(Body(c, "cond-copy", "dst") == "source");
}

// User Guide, conditional deletes: "For conditionally deleting multiple objects using
// the DeleteObjects operation, you must provide the ETag value in the ETag element of
// the object in the XML request body."
TEST_CASE("Conditional DeleteObjects: each object's ETag is checked on its own; failures are per-object errors",
          "[conditional]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  REQUIRE(c.CreateBucket({"cond-multi", ""}).ok());
  const std::string a = Put(c, "cond-multi", "a", "A").etag;
  Put(c, "cond-multi", "b", "B");
  Put(c, "cond-multi", "c", "C");
  DeleteObjectsRequest req;
  req.bucket = "cond-multi";
  req.objects = {{"a", "", a}, {"b", "", a}, {"c", ""}, {"missing", "", a}};
  auto r = c.DeleteObjects(req);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  std::vector<std::string> deleted;
  for (const auto& d : r->deleted) deleted.push_back(d.key);
  CHECK(deleted == std::vector<std::string>{"a", "c"});
  REQUIRE(r->errors.size() == 2);
  CHECK(r->errors[0].key == "b");
  CHECK(r->errors[0].code == "PreconditionFailed");
  CHECK(r->errors[1].key == "missing");
  CHECK(r->errors[1].code == "NoSuchKey");
  CHECK(Exists(c, "cond-multi", "b"));
  CHECK_FALSE(Exists(c, "cond-multi", "a"));
}

// "If multiple conditional writes occur for the same object name, the first write
// operation to finish succeeds." Eight clients race to create one key.
TEST_CASE("Conditional PutObject: of concurrent create-only writers exactly one wins; the others get 412 or 409",
          "[conditional][concurrency]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  REQUIRE(c.CreateBucket({"cond-race", ""}).ok());
  constexpr int kWriters = 8;
  for (int round = 0; round < 5; ++round) {
    const std::string key = "race-" + std::to_string(round);
    std::atomic<int> ready{0};
    std::vector<Status> results(kWriters);
    std::vector<std::string> bodies(kWriters);
    std::vector<std::thread> threads;
    for (int i = 0; i < kWriters; ++i) {
      bodies[i] = "writer " + std::to_string(i) + std::string(4096, static_cast<char>('a' + i));
      threads.emplace_back([&, i] {
        PutObjectRequest put = PutReq("cond-race", key, bodies[i]);
        put.if_none_match = "*";
        ++ready;
        while (ready.load() < kWriters) std::this_thread::yield();
        results[i] = c.PutObject(put).status();
      });
    }
    for (auto& t : threads) t.join();
    int winners = 0, winner = -1;
    for (int i = 0; i < kWriters; ++i) {
      INFO(results[i].ToString());
      if (results[i].ok()) {
        ++winners;
        winner = i;
      } else {
        CHECK((results[i].code() == "PreconditionFailed" || results[i].code() == "ConditionalRequestConflict"));
      }
    }
    REQUIRE(winners == 1);
    CHECK(Body(c, "cond-race", key) == bodies[winner]);
  }
}

// PutObject: "If a conflicting operation occurs during the upload S3 returns a 409
// ConditionalRequestConflict response." (User Guide: a 409 "if a delete request to an
// object succeeds before a conditional write operation on that object completes".)
TEST_CASE("Conditional PutObject: a delete that succeeds while the write is in progress makes it 409 "
          "ConditionalRequestConflict",
          "[conditional][concurrency]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  REQUIRE(c.CreateBucket({"cond-409", ""}).ok());
  const std::string etag = Put(c, "cond-409", "k", "v1").etag;
  HeldRequest held(*server, "PutObject", "k", std::chrono::milliseconds(1500));
  Status write;
  std::thread writer([&] {
    PutObjectRequest put = PutReq("cond-409", "k", "v2");
    put.if_match = etag;
    write = c.PutObject(put).status();
  });
  held.WaitUntilHeld();
  REQUIRE(c.DeleteObject({"cond-409", "k", ""}).ok());
  writer.join();
  INFO(write.ToString());
  CHECK(write.http_status() == 409);
  CHECK(write.code() == "ConditionalRequestConflict");
  CHECK_FALSE(Exists(c, "cond-409", "k"));  // the conflicting write did not happen
}

// User Guide, conditional deletes: a 409 Conflict "if a DELETE or PUT request for an
// object succeeds before a conditional delete operation on that object completes".
TEST_CASE("Conditional DeleteObject: a write that succeeds while the delete is in progress makes it 409 and the new "
          "object stays",
          "[conditional][concurrency]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  REQUIRE(c.CreateBucket({"cond-del-409", ""}).ok());
  const std::string etag = Put(c, "cond-del-409", "k", "v1").etag;
  HeldRequest held(*server, "DeleteObject", "k", std::chrono::milliseconds(1500));
  Status del;
  std::thread deleter([&] { del = c.DeleteObject({"cond-del-409", "k", "", etag}).status(); });
  held.WaitUntilHeld();
  Put(c, "cond-del-409", "k", "v2");
  deleter.join();
  INFO(del.ToString());
  CHECK(del.http_status() == 409);
  CHECK(del.code() == "ConditionalRequestConflict");
  CHECK(Body(c, "cond-del-409", "k") == "v2");
}

// CompleteMultipartUpload: "If a conflicting operation occurs during the upload S3
// returns a 409 ConditionalRequestConflict response. On a 409 failure you should
// re-initiate the multipart upload with CreateMultipartUpload and re-upload each part."
TEST_CASE("Conditional CompleteMultipartUpload: a concurrent delete makes it 409 and ends the upload",
          "[conditional][concurrency]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  REQUIRE(c.CreateBucket({"cond-mpu-409", ""}).ok());
  const std::string etag = Put(c, "cond-mpu-409", "big", "v1").etag;
  const std::string data(64 * 1024, 'r');
  auto [upload_id, part] = OnePartUpload(c, "cond-mpu-409", "big", data);
  HeldRequest held(*server, "CompleteMultipartUpload", "big", std::chrono::milliseconds(1500));
  Status complete;
  std::thread completer([&, id = upload_id, p = part] {
    auto req = CompleteReq("cond-mpu-409", "big", id, p);
    req.if_match = etag;
    complete = c.CompleteMultipartUpload(req).status();
  });
  held.WaitUntilHeld();
  REQUIRE(c.DeleteObject({"cond-mpu-409", "big", ""}).ok());
  completer.join();
  INFO(complete.ToString());
  CHECK(complete.code() == "ConditionalRequestConflict");
  CHECK_FALSE(Exists(c, "cond-mpu-409", "big"));
  CHECK(OpenUploads(c, "cond-mpu-409").empty());
}

// A conditional write whose answer was lost must not be repeated: the repeat would be
// judged against the write's own effect (412 after it succeeded).
TEST_CASE("Conditional PutObject: a lost answer is not retried into a false 412; the ambiguity is reported",
          "[conditional]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  REQUIRE(c.CreateBucket({"cond-lost", ""}).ok());
  mock::FaultRule lost;
  lost.kind = mock::FaultRule::Kind::kResetAfterBytes;  // the PUT is stored, its answer is lost
  lost.operation = "PutObject";
  lost.count = 1;
  server->AddFault(lost);
  PutObjectRequest put = PutReq("cond-lost", "k", "payload");
  put.if_none_match = "*";
  auto r = c.PutObject(put);
  REQUIRE_FALSE(r.ok());
  INFO(r.status().ToString());
  CHECK(r.status().code() != "PreconditionFailed");
  CHECK(r.status().attempts() == 1);
  CHECK(Body(c, "cond-lost", "k") == "payload");
}

TEST_CASE("Conditional writes: an if_none_match other than * is refused before any request", "[conditional]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  PutObjectRequest put = PutReq("any-bucket", "k", "x");
  put.if_none_match = "\"abc\"";
  auto r = c.PutObject(put);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().category() == ErrorCategory::kInvalidArgument);
  CHECK(r.status().message().find("if_none_match") != std::string::npos);
  CHECK(server->stats().requests == 0);
}
