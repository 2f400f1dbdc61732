// Checkpoints and model artifacts (s3ml/checkpoint.h) against the in-process mock:
// streaming writer (multipart underneath, bounded memory, abort on failure), seekable
// reader (ranged GETs pinned to a version), and the model registry over a versioned bucket.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/test_support.h"
#include "s3ml/checkpoint.h"

using namespace s3ml;
using namespace s3ml::test;

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

struct Fixture {
  std::unique_ptr<mock::MockS3Server> server = StartMock();
  RecordingSleeper sleeper;  // retry backoff recorded, not slept
  Client client = ClientWithSleeper(MockOptions(*server), &sleeper);
  std::string bucket = "ckpt";
  explicit Fixture(bool versioned = false) {
    auto r = client.CreateBucket(CreateBucketRequest{bucket, ""});
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    if (versioned) {
      Status st = client.PutBucketVersioning(PutBucketVersioningRequest{bucket, VersioningStatus::kEnabled});
      INFO(st.ToString());
      REQUIRE(st.ok());
    }
  }
  std::uint64_t Ops(const std::string& op) const {
    auto s = server->stats();
    auto it = s.requests_by_operation.find(op);
    return it == s.requests_by_operation.end() ? 0 : it->second;
  }
  std::size_t Uploads() const {
    ListMultipartUploadsRequest req;
    req.bucket = bucket;
    auto r = client.ListMultipartUploads(req);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    return r->uploads.size();
  }
  bool Exists(const std::string& key) const {
    HeadObjectRequest h;
    h.bucket = bucket;
    h.key = key;
    return client.HeadObject(h).ok();
  }
};

std::unique_ptr<ArtifactWriter> OpenWriter(const Client& c, const std::string& bucket, const std::string& key,
                                           ArtifactWriteOptions o = {}) {
  auto w = ArtifactWriter::Open(c, bucket, key, std::move(o));
  INFO(w.status().ToString());
  REQUIRE(w.ok());
  return std::move(*w);
}

// Writes `data` in pieces whose sizes cycle through odd values (1 byte .. 1 MiB + 3).
void WriteOdd(ArtifactWriter& w, std::string_view data) {
  static const std::size_t sizes[] = {1, 7777, kMiB + 3, 333333, 17, 2 * kMiB - 1, 4099};
  std::size_t off = 0, i = 0;
  while (off < data.size()) {
    std::size_t n = std::min(sizes[i++ % 7], data.size() - off);
    Status st = w.Write(data.data() + off, n);
    INFO(st.ToString());
    REQUIRE(st.ok());
    off += n;
  }
}

ArtifactInfo Save(const Client& c, const std::string& bucket, const std::string& key, std::string_view data,
                  Metadata md) {
  ArtifactWriteOptions o;
  o.part_size = 5 * kMiB;
  o.metadata = std::move(md);
  auto w = OpenWriter(c, bucket, key, o);
  WriteOdd(*w, data);
  auto info = w->Commit();
  INFO(info.status().ToString());
  REQUIRE(info.ok());
  return *info;
}

std::unique_ptr<ArtifactReader> OpenReader(const Client& c, const std::string& bucket, const std::string& key,
                                           const std::string& version = {}, ArtifactReadOptions o = {}) {
  auto r = ArtifactReader::Open(c, bucket, key, version, o);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(*r);
}

std::string ReadAll(ArtifactReader& r, std::size_t chunk = 100003) {
  std::string out;
  std::string buf(chunk, '\0');
  for (;;) {
    auto n = r.Read(buf.data(), buf.size());
    INFO(n.status().ToString());
    REQUIRE(n.ok());
    if (*n == 0) break;
    out.append(buf.data(), *n);
  }
  return out;
}

}  // namespace

TEST_CASE("Checkpoint: 40 MiB streamed in odd-sized writes round-trips byte-identical through 8 multipart parts",
          "[checkpoint]") {
  Fixture f;
  const std::string data = RandomBytes(40 * kMiB, 7);
  ArtifactWriteOptions o;
  o.part_size = 5 * kMiB;
  o.concurrency = 3;
  o.metadata = {{"step", "1200"}, {"epoch", "3"}};
  o.content_type = "application/x-pytorch";
  // Called from several upload workers at once (see ArtifactWriteOptions::progress).
  std::atomic<std::uint64_t> last_progress{0};
  o.progress = [&](std::uint64_t done) {
    std::uint64_t seen = last_progress.load();
    while (seen < done && !last_progress.compare_exchange_weak(seen, done)) {
    }
  };
  auto w = OpenWriter(f.client, f.bucket, "models/resnet/ckpt", o);

  // After one full part and a byte more, the multipart upload is in progress.
  WriteOdd(*w, std::string_view(data).substr(0, 5 * kMiB + 1));
  CHECK(f.Uploads() == 1);
  CHECK_FALSE(f.Exists("models/resnet/ckpt"));
  WriteOdd(*w, std::string_view(data).substr(5 * kMiB + 1));
  CHECK(w->bytes_written() == data.size());

  auto info = w->Commit();
  INFO(info.status().ToString());
  REQUIRE(info.ok());
  CHECK(info->size == data.size());
  CHECK(info->etag.find("-8") != std::string::npos);
  CHECK(info->metadata == o.metadata);
  CHECK(f.Ops("UploadPart") == 8);
  CHECK(f.Ops("CreateMultipartUpload") == 1);
  CHECK(f.Ops("CompleteMultipartUpload") == 1);
  CHECK(f.Ops("PutObject") == 0);
  CHECK(f.Uploads() == 0);
  auto st = w->stats();
  CHECK(st.parts_uploaded == 8);
  CHECK(st.bytes_uploaded == data.size());
  CHECK(last_progress == data.size());
  CHECK(st.memory_high_water >= 5 * kMiB);
  CHECK(st.memory_high_water <= 15 * kMiB);

  auto stored = f.server->ObjectBody(f.bucket, "models/resnet/ckpt");
  REQUIRE(stored.ok());
  CHECK(*stored == data);  // byte-identical

  auto latest = LatestArtifact(f.client, f.bucket, "models/resnet/ckpt");
  REQUIRE(latest.ok());
  CHECK(latest->metadata.at("step") == "1200");
  CHECK(latest->metadata.at("epoch") == "3");
  CHECK(latest->content_type == "application/x-pytorch");
  CHECK(latest->size == data.size());
  CHECK(latest->is_latest);

  // Commit twice is a usage error; so is Write after Commit.
  CHECK(w->Commit().status().category() == ErrorCategory::kInvalidArgument);
  CHECK(w->Write("x", 1).category() == ErrorCategory::kInvalidArgument);
}

TEST_CASE("Checkpoint: an artifact shorter than one part is one PutObject with its metadata, and so is an empty one",
          "[checkpoint]") {
  Fixture f;
  const std::string data = RandomBytes(100000, 3);
  ArtifactWriteOptions o;
  o.part_size = 5 * kMiB;
  o.metadata = {{"loss", "0.25"}, {"framework", "torch-2.3"}};
  auto w = OpenWriter(f.client, f.bucket, "small", o);
  WriteOdd(*w, data);
  auto info = w->Commit();
  INFO(info.status().ToString());
  REQUIRE(info.ok());
  CHECK(f.Ops("PutObject") == 1);
  CHECK(f.Ops("CreateMultipartUpload") == 0);
  CHECK(w->stats().parts_uploaded == 0);
  CHECK(*f.server->ObjectBody(f.bucket, "small") == data);
  auto back = LatestArtifact(f.client, f.bucket, "small");
  REQUIRE(back.ok());
  CHECK(back->metadata == o.metadata);
  // Unversioned bucket: the history is the one object.
  auto list = ListArtifactVersions(f.client, f.bucket, "small");
  INFO(list.status().ToString());
  REQUIRE(list.ok());
  REQUIRE(list->size() == 1);
  CHECK((*list)[0].metadata == o.metadata);
  CHECK((*list)[0].is_latest);
  CHECK((*list)[0].size == data.size());

  auto empty = OpenWriter(f.client, f.bucket, "empty");
  auto e = empty->Commit();
  INFO(e.status().ToString());
  REQUIRE(e.ok());
  CHECK(e->size == 0);
  auto r = OpenReader(f.client, f.bucket, "empty");
  CHECK(r->size() == 0);
  char c;
  auto n = r->Read(&c, 1);
  REQUIRE(n.ok());
  CHECK(*n == 0);
  CHECK(r->requests() == 0);
}

TEST_CASE("Checkpoint: metadata over 2 KB, bad names and control characters are refused before any request",
          "[checkpoint]") {
  Fixture f;
  const auto before = f.server->stats().requests;
  ArtifactWriteOptions o;
  o.metadata = {{"notes", std::string(2100, 'x')}};
  auto big = ArtifactWriter::Open(f.client, f.bucket, "k", o);
  REQUIRE_FALSE(big.ok());
  CHECK(big.status().category() == ErrorCategory::kInvalidArgument);
  CHECK_THAT(big.status().message(), Catch::Contains("2048") && Catch::Contains("2 KB"));

  o.metadata = {{"bad name", "1"}};
  auto name = ArtifactWriter::Open(f.client, f.bucket, "k", o);
  REQUIRE_FALSE(name.ok());
  CHECK_THAT(name.status().message(), Catch::Contains("bad name"));

  o.metadata = {{"note", "line1\nline2"}};
  CHECK(ArtifactWriter::Open(f.client, f.bucket, "k", o).status().category() == ErrorCategory::kInvalidArgument);

  // Exactly at the limit is fine.
  CHECK(ValidateArtifactMetadata({{"a", std::string(kMaxUserMetadataBytes - 1, 'v')}}).ok());
  CHECK_FALSE(ValidateArtifactMetadata({{"ab", std::string(kMaxUserMetadataBytes - 1, 'v')}}).ok());

  o.metadata = {};
  o.part_size = kMiB;  // below S3's 5 MiB minimum
  CHECK(ArtifactWriter::Open(f.client, f.bucket, "k", o).status().category() == ErrorCategory::kInvalidArgument);
  o.part_size = 5 * kMiB;
  o.memory_budget = kMiB;
  CHECK(ArtifactWriter::Open(f.client, f.bucket, "k", o).status().category() == ErrorCategory::kInvalidArgument);
  CHECK(f.server->stats().requests == before);
}

TEST_CASE("Checkpoint: Abort and destroying an uncommitted writer leave no multipart upload and no object",
          "[checkpoint]") {
  Fixture f;
  const std::string data = RandomBytes(12 * kMiB, 5);
  ArtifactWriteOptions o;
  o.part_size = 5 * kMiB;
  {
    auto w = OpenWriter(f.client, f.bucket, "aborted", o);
    WriteOdd(*w, data);
    REQUIRE(f.Uploads() == 1);
    Status st = w->Abort();
    INFO(st.ToString());
    CHECK(st.ok());
    CHECK(f.Uploads() == 0);
    CHECK(w->Write("x", 1).category() == ErrorCategory::kInvalidArgument);
    CHECK(w->Commit().status().category() == ErrorCategory::kInvalidArgument);
    CHECK(w->Abort().ok());  // idempotent
  }
  {
    auto w = OpenWriter(f.client, f.bucket, "dropped", o);
    WriteOdd(*w, data);
    REQUIRE(f.Uploads() == 1);
  }  // destructor aborts
  CHECK(f.Uploads() == 0);
  CHECK(f.Ops("AbortMultipartUpload") == 2);
  {
    // Aborted inside the first part: no upload was ever created.
    auto w = OpenWriter(f.client, f.bucket, "tiny", o);
    WriteOdd(*w, std::string_view(data).substr(0, 1000));
  }
  CHECK(f.Ops("CreateMultipartUpload") == 2);
  CHECK(f.Ops("PutObject") == 0);
  CHECK_FALSE(f.Exists("aborted"));
  CHECK_FALSE(f.Exists("dropped"));
  CHECK_FALSE(f.Exists("tiny"));
}

TEST_CASE("Checkpoint: a part failing past the retries fails Commit naming the part and key, and aborts the upload",
          "[checkpoint]") {
  Fixture f;
  mock::FaultRule rule;
  rule.kind = mock::FaultRule::Kind::kHttpError;
  rule.operation = "UploadPart";
  rule.http_status = 500;
  rule.error_code = "InternalError";
  rule.count = 1000;  // far more than the client's attempts
  f.server->AddFault(rule);

  const std::string data = RandomBytes(22 * kMiB, 9);
  ArtifactWriteOptions o;
  o.part_size = 5 * kMiB;
  o.concurrency = 2;
  auto w = OpenWriter(f.client, f.bucket, "models/broken", o);
  // Writes may start failing once a part has failed; keep writing until then.
  Status write_error;
  for (std::size_t off = 0; off < data.size() && write_error.ok(); off += 1000003)
    write_error = w->Write(data.data() + off, std::min<std::size_t>(1000003, data.size() - off));
  auto info = w->Commit();
  REQUIRE_FALSE(info.ok());
  INFO(info.status().ToString());
  CHECK(info.status().code() == "InternalError");
  CHECK(info.status().operation() == "UploadPart");
  CHECK_THAT(info.status().ToString(), Catch::Contains("models/broken") && Catch::Contains("part "));
  if (!write_error.ok()) CHECK(write_error.code() == "InternalError");
  CHECK(f.Uploads() == 0);
  CHECK(f.Ops("AbortMultipartUpload") == 1);
  CHECK(f.Ops("CompleteMultipartUpload") == 0);
  CHECK_FALSE(f.Exists("models/broken"));
  CHECK(w->Commit().status().code() == "InternalError");  // the error stays
}

TEST_CASE("Checkpoint: the writer never holds more part memory than its budget, even when uploads are slow",
          "[checkpoint]") {
  Fixture f;
  mock::FaultRule slow;
  slow.kind = mock::FaultRule::Kind::kLatency;
  slow.operation = "UploadPart";
  slow.latency = std::chrono::milliseconds(150);
  f.server->AddFault(slow);

  const std::string data = RandomBytes(36 * kMiB, 11);
  ArtifactWriteOptions o;
  o.part_size = 5 * kMiB;
  o.concurrency = 8;
  o.memory_budget = 12 * kMiB;  // two parts (the rest of the budget is too small for a third)
  auto w = OpenWriter(f.client, f.bucket, "budgeted", o);
  std::uint64_t max_seen = 0;
  for (std::size_t off = 0; off < data.size(); off += 512 * 1024) {
    REQUIRE(w->Write(data.data() + off, std::min<std::size_t>(512 * 1024, data.size() - off)).ok());
    max_seen = std::max(max_seen, w->stats().memory_in_use);
  }
  auto info = w->Commit();
  INFO(info.status().ToString());
  REQUIRE(info.ok());
  const auto st = w->stats();
  CHECK(st.memory_budget == 12 * kMiB);
  CHECK(st.memory_high_water <= 10 * kMiB);  // whole parts only: two fit in 12 MiB
  CHECK(st.memory_high_water == 10 * kMiB);  // slow uploads: the writer fills the budget
  CHECK(max_seen <= 10 * kMiB);
  CHECK(st.memory_in_use == 0);
  CHECK(*f.server->ObjectBody(f.bucket, "budgeted") == data);
}

TEST_CASE("Checkpoint: the reader's Seek and Read across range boundaries match the stored bytes", "[checkpoint]") {
  Fixture f;
  const std::string data = RandomBytes(9 * kMiB + 17, 13);
  Put(f.client, f.bucket, "weights.bin", data);
  ArtifactReadOptions o;
  o.part_size = kMiB;
  o.read_ahead = 3;
  auto r = OpenReader(f.client, f.bucket, "weights.bin", "", o);
  CHECK(r->size() == data.size());
  CHECK(ReadAll(*r, 77777) == data);
  CHECK(r->tell() == data.size());
  CHECK(r->memory_high_water() <= 3 * kMiB);
  CHECK(r->requests() == 10);

  std::mt19937 rng(5);
  for (int i = 0; i < 40; ++i) {
    std::uint64_t off = rng() % data.size();
    if (i % 4 == 0) off = (off / kMiB) * kMiB + kMiB - 3;  // straddle a boundary
    off = std::min<std::uint64_t>(off, data.size());
    const std::size_t want = 1 + rng() % (2 * kMiB);
    REQUIRE(r->Seek(off).ok());
    std::string got(want, '\0');
    auto n = r->Read(got.data(), want);
    INFO(n.status().ToString());
    REQUIRE(n.ok());
    const std::size_t expect = std::min<std::uint64_t>(want, data.size() - off);
    REQUIRE(*n == expect);
    got.resize(*n);
    CHECK(got == data.substr(off, expect));
    CHECK(r->tell() == off + expect);
  }
  CHECK(r->memory_high_water() <= 3 * kMiB);
  REQUIRE(r->Seek(data.size()).ok());
  char c;
  CHECK(*r->Read(&c, 1) == 0);
  CHECK(r->Seek(data.size() + 1).category() == ErrorCategory::kInvalidArgument);

  auto missing = ArtifactReader::Open(f.client, f.bucket, "nope");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().http_status() == 404);
}

TEST_CASE("Checkpoint: an artifact overwritten mid-read fails the reader (unversioned: If-Match)", "[checkpoint]") {
  Fixture f;
  const std::string data = RandomBytes(4 * kMiB, 17);
  Put(f.client, f.bucket, "ckpt", data);
  ArtifactReadOptions o;
  o.part_size = kMiB;
  o.read_ahead = 1;  // only the range being read is fetched
  auto r = OpenReader(f.client, f.bucket, "ckpt", "", o);
  std::string first(1000, '\0');
  REQUIRE(*r->Read(first.data(), first.size()) == first.size());
  Put(f.client, f.bucket, "ckpt", RandomBytes(4 * kMiB, 18));
  std::string rest(2 * kMiB, '\0');
  auto n = r->Read(rest.data(), rest.size());
  REQUIRE_FALSE(n.ok());
  CHECK(n.status().category() == ErrorCategory::kIntegrity);
  CHECK_THAT(n.status().message(), Catch::Contains("changed since it was opened"));
}

TEST_CASE("Checkpoint: a reader pinned to a version keeps reading it after the key is overwritten", "[checkpoint]") {
  Fixture f(/*versioned=*/true);
  const std::string data = RandomBytes(4 * kMiB, 19);
  Put(f.client, f.bucket, "ckpt", data);
  ArtifactReadOptions o;
  o.part_size = kMiB;
  o.read_ahead = 1;
  auto r = OpenReader(f.client, f.bucket, "ckpt", "", o);
  REQUIRE_FALSE(r->info().version_id.empty());
  std::string first(1000, '\0');
  REQUIRE(*r->Read(first.data(), first.size()) == first.size());
  Put(f.client, f.bucket, "ckpt", RandomBytes(4 * kMiB, 20));
  CHECK(first + ReadAll(*r) == data);
}

TEST_CASE("Checkpoint: registry over a versioned bucket lists, picks latest and best, loads and rolls back versions",
          "[checkpoint]") {
  Fixture f(/*versioned=*/true);
  const std::string key = "models/resnet/ckpt";
  const std::vector<std::string> bodies = {RandomBytes(6 * kMiB, 1), RandomBytes(300000, 2), RandomBytes(7 * kMiB, 3)};
  const std::vector<std::string> losses = {"0.9", "0.5", "0.7"};
  std::vector<ArtifactInfo> saved;
  for (int i = 0; i < 3; ++i)
    saved.push_back(Save(f.client, f.bucket, key, bodies[i], {{"step", std::to_string((i + 1) * 1000)},
                                                              {"loss", losses[i]}}));
  Save(f.client, f.bucket, key + ".bak", "other key", {{"loss", "0.0001"}});  // same prefix, other key
  for (const auto& s : saved) REQUIRE_FALSE(s.version_id.empty());

  auto list = ListArtifactVersions(f.client, f.bucket, key);
  INFO(list.status().ToString());
  REQUIRE(list.ok());
  REQUIRE(list->size() == 3);
  CHECK((*list)[0].version_id == saved[2].version_id);  // newest first
  CHECK((*list)[1].version_id == saved[1].version_id);
  CHECK((*list)[2].version_id == saved[0].version_id);
  CHECK((*list)[0].is_latest);
  CHECK_FALSE((*list)[1].is_latest);
  CHECK((*list)[2].metadata.at("step") == "1000");
  CHECK((*list)[1].size == bodies[1].size());
  CHECK((*list)[0].last_modified != Timestamp{});

  auto latest = LatestArtifact(f.client, f.bucket, key);
  REQUIRE(latest.ok());
  CHECK(latest->version_id == saved[2].version_id);
  CHECK(latest->metadata.at("step") == "3000");

  auto best = BestArtifact(f.client, f.bucket, key, "loss", /*higher_is_better=*/false);
  INFO(best.status().ToString());
  REQUIRE(best.ok());
  CHECK(best->version_id == saved[1].version_id);
  auto worst = BestArtifact(f.client, f.bucket, key, "loss", /*higher_is_better=*/true);
  REQUIRE(worst.ok());
  CHECK(worst->version_id == saved[0].version_id);
  auto none = BestArtifact(f.client, f.bucket, key, "accuracy", true);
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().code() == "NoSuchKey");
  CHECK_THAT(none.status().message(), Catch::Contains("accuracy"));

  auto v1 = ArtifactVersion(f.client, f.bucket, key, saved[0].version_id);
  REQUIRE(v1.ok());
  CHECK_FALSE(v1->is_latest);
  CHECK(v1->metadata.at("loss") == "0.9");
  auto r = OpenReader(f.client, f.bucket, key, saved[0].version_id);
  CHECK(r->info().metadata.at("step") == "1000");
  CHECK(ReadAll(*r) == bodies[0]);

  auto rolled = RollbackArtifact(f.client, f.bucket, key, saved[1].version_id);
  INFO(rolled.status().ToString());
  REQUIRE(rolled.ok());
  CHECK(rolled->is_latest);
  CHECK(rolled->version_id != saved[1].version_id);
  CHECK(rolled->metadata.at("step") == "2000");
  auto now = LatestArtifact(f.client, f.bucket, key);
  REQUIRE(now.ok());
  CHECK(now->version_id == rolled->version_id);
  CHECK(now->metadata.at("loss") == "0.5");
  CHECK(ReadAll(*OpenReader(f.client, f.bucket, key)) == bodies[1]);
  auto after = ListArtifactVersions(f.client, f.bucket, key);
  REQUIRE(after.ok());
  CHECK(after->size() == 4);  // history kept

  // A delete marker hides the key from LatestArtifact but not from the history.
  REQUIRE(f.client.DeleteObject(DeleteObjectRequest{f.bucket, key, ""}).ok());
  auto gone = LatestArtifact(f.client, f.bucket, key);
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.status().http_status() == 404);
  auto hist = ListArtifactVersions(f.client, f.bucket, key);
  REQUIRE(hist.ok());
  CHECK(hist->size() == 4);
  for (const auto& a : *hist) CHECK_FALSE(a.is_latest);
  CHECK(RollbackArtifact(f.client, f.bucket, key, "no-such-version").status().http_status() >= 400);
}

TEST_CASE("Checkpoint: transient 503s and resets on parts and ranges are retried and the bytes still round-trip",
          "[checkpoint]") {
  Fixture f;
  mock::FaultRule busy;
  busy.kind = mock::FaultRule::Kind::kHttpError;
  busy.operation = "UploadPart";
  busy.nth = {2, 5};  // one retry each (the client makes 3 attempts)
  f.server->AddFault(busy);
  mock::FaultRule reset;
  reset.kind = mock::FaultRule::Kind::kConnectionReset;
  reset.operation = "GetObject";
  reset.nth = {1, 4, 6};
  f.server->AddFault(reset);

  const std::string data = RandomBytes(17 * kMiB + 5, 23);
  ArtifactWriteOptions o;
  o.part_size = 5 * kMiB;
  auto w = OpenWriter(f.client, f.bucket, "flaky", o);
  WriteOdd(*w, data);
  auto info = w->Commit();
  INFO(info.status().ToString());
  REQUIRE(info.ok());
  CHECK(f.Ops("UploadPart") == 6);  // 4 parts + 2 retries

  ArtifactReadOptions ro;
  ro.part_size = 2 * kMiB;
  auto r = OpenReader(f.client, f.bucket, "flaky", "", ro);
  CHECK(ReadAll(*r, 65536) == data);
  CHECK(f.server->stats().faults_injected == 5);
}

TEST_CASE("Checkpoint: a CRC32C checksum goes on every part and the stored artifact reports it", "[checkpoint]") {
  Fixture f;
  const std::string data = RandomBytes(11 * kMiB, 29);
  for (const char* key : {"crc-multipart", "crc-small"}) {
    ArtifactWriteOptions o;
    o.part_size = 5 * kMiB;
    o.checksum = ChecksumAlgorithm::kCrc32c;
    auto w = OpenWriter(f.client, f.bucket, key, o);
    WriteOdd(*w, std::string(key) == "crc-small" ? std::string_view(data).substr(0, 4096) : std::string_view(data));
    auto info = w->Commit();
    INFO(info.status().ToString());
    REQUIRE(info.ok());
    GetObjectRequest g;
    g.bucket = f.bucket;
    g.key = key;
    g.checksum_mode = true;
    auto got = f.client.GetObject(g);
    INFO(got.status().ToString());
    REQUIRE(got.ok());
    CHECK_FALSE(got->info.checksum_crc32c.empty());
  }
}
