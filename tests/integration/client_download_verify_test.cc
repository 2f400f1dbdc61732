// Downloads in parallel ranges checked against the object's stored checksum
// (transfer/download_verifier.h): the TransferManager and the ArtifactReader, over
// full-object and composite (multipart) checksums, CRC and SHA, ranges aligned to the
// parts or not, with one range's body corrupted on the way by a transport wrapper.
// Before the verifier, both returned such a body as data.

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>

#include <catch2/catch.hpp>

#include "client/client_impl.h"
#include "transfer/download_verifier.h"
#include "common/checksum.h"
#include "support/test_support.h"
#include "s3ml/checkpoint.h"
#include "s3ml/transfer.h"
#include "transport/curl_http_client.h"

using namespace s3ml;
using namespace s3ml::test;

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

/// Flips one byte in the body of each GET whose Range starts at `offset` (as a faulty
/// network path would), while armed.
class CorruptingHttp final : public HttpClient {
 public:
  explicit CorruptingHttp(std::shared_ptr<HttpClient> inner) : inner_(std::move(inner)) {}
  void Arm(std::uint64_t range_start) {
    std::lock_guard<std::mutex> lock(mu_);
    target_ = "bytes=" + std::to_string(range_start) + "-";
    corrupted_ = 0;
  }
  void Disarm() {
    std::lock_guard<std::mutex> lock(mu_);
    target_.clear();
  }
  int corrupted() const {
    std::lock_guard<std::mutex> lock(mu_);
    return corrupted_;
  }
  Result<HttpResponse> Send(const HttpRequest& req, ResponseSink* sink) override {
    bool hit = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const std::string range = req.headers.Get("Range");
      hit = req.method == "GET" && sink != nullptr && !target_.empty() && range.rfind(target_, 0) == 0;
      if (hit) ++corrupted_;
    }
    if (!hit) return inner_->Send(req, sink);
    FlipSink flip(*sink);
    return inner_->Send(req, &flip);
  }

 private:
  class FlipSink final : public ResponseSink {
   public:
    explicit FlipSink(ResponseSink& inner) : inner_(inner) {}
    Status Begin(int s, const Headers& h, std::optional<std::uint64_t> n) override { return inner_.Begin(s, h, n); }
    Status Write(const char* data, std::size_t n) override {
      if (done_ || n == 0) return inner_.Write(data, n);
      std::string copy(data, n);
      copy[n / 2] = static_cast<char>(copy[n / 2] ^ 0x20);
      done_ = true;
      return inner_.Write(copy.data(), n);
    }
    Status Finish() override { return inner_.Finish(); }
    Status CanRestart() const override { return inner_.CanRestart(); }

   private:
    ResponseSink& inner_;
    bool done_ = false;
  };
  std::shared_ptr<HttpClient> inner_;
  mutable std::mutex mu_;
  std::string target_;
  int corrupted_ = 0;
};

struct Env {
  std::unique_ptr<mock::MockS3Server> server = StartMock();
  std::shared_ptr<CorruptingHttp> http;
  Client client;
  std::string bucket = "verify";

  Env() : client(Make(*server, http)) { REQUIRE(client.CreateBucket(CreateBucketRequest{bucket, ""}).ok()); }

  static Client Make(const mock::MockS3Server& server, std::shared_ptr<CorruptingHttp>& http) {
    ClientOptions o = MockOptions(server);
    auto curl = CurlHttpClient::Create(HttpClientOptionsFrom(o));
    REQUIRE(curl.ok());
    http = std::make_shared<CorruptingHttp>(std::shared_ptr<HttpClient>(std::move(*curl)));
    ClientDependencies deps;
    deps.http = http;
    auto c = Client::Impl::Create(o, deps);
    REQUIRE(c.ok());
    return *c;
  }

  void PutWith(const std::string& key, const std::string& data, ChecksumAlgorithm a) {
    PutObjectRequest p;
    p.bucket = bucket;
    p.key = key;
    p.data = data;
    p.checksum_algorithm = a;
    REQUIRE(client.PutObject(p).ok());
  }
  // A multipart object of the given part sizes, each part with checksum `a`.
  void MultipartWith(const std::string& key, const std::string& data, const std::vector<std::size_t>& sizes,
                     ChecksumAlgorithm a) {
    CreateMultipartUploadRequest c;
    c.bucket = bucket;
    c.key = key;
    c.checksum_algorithm = a;
    auto up = client.CreateMultipartUpload(c);
    REQUIRE(up.ok());
    CompleteMultipartUploadRequest done;
    done.bucket = bucket;
    done.key = key;
    done.upload_id = up->upload_id;
    std::size_t off = 0;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      UploadPartRequest u;
      u.bucket = bucket;
      u.key = key;
      u.upload_id = up->upload_id;
      u.part_number = static_cast<int>(i + 1);
      u.data = std::string_view(data).substr(off, sizes[i]);
      u.checksum_algorithm = a;
      auto r = client.UploadPart(u);
      REQUIRE(r.ok());
      CompletedPart p;
      p.part_number = u.part_number;
      p.etag = r->etag;
      p.checksum_crc32 = r->checksum_crc32;
      p.checksum_crc32c = r->checksum_crc32c;
      p.checksum_sha1 = r->checksum_sha1;
      p.checksum_sha256 = r->checksum_sha256;
      done.parts.push_back(p);
      off += sizes[i];
    }
    REQUIRE(off == data.size());
    auto r = client.CompleteMultipartUpload(done);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
  }
};

TransferOptions Ranges(std::uint64_t part_size) {
  TransferOptions o;
  o.part_size = part_size;
  o.multipart_threshold = 5 * kMiB;
  o.concurrency = 3;
  return o;
}

Result<std::string> ReadAll(ArtifactReader& r) {
  std::string out(r.size() + 1, '\0');
  std::size_t got = 0;
  for (;;) {
    auto n = r.Read(out.data() + got, std::min<std::size_t>(300 * 1024, out.size() - got));
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    got += *n;
  }
  out.resize(got);
  return out;
}

}  // namespace

TEST_CASE("DownloadVerifier: combines CRC ranges in any order and checks full-object and composite values") {
  const std::string data = RandomBytes(1000, 1);
  const std::string_view v(data);
  SECTION("full-object CRC32C from ranges added out of order, across threads' boundaries") {
    DownloadVerifier d(ObjectChecksum{ChecksumAlgorithm::kCrc32c, CrcToBase64(Crc32c(v)), 0}, 1000, 0);
    REQUIRE(d.active());
    d.Add(600, v.substr(600));
    CHECK_FALSE(d.complete());
    d.Add(0, v.substr(0, 250));
    d.Add(250, v.substr(250, 350));
    CHECK(d.complete());
    CHECK(d.Check().verdict == DownloadVerifier::Verdict::kMatch);
  }
  SECTION("one flipped byte is a mismatch naming both values") {
    std::string bad = data;
    bad[500] ^= 1;
    DownloadVerifier d(ObjectChecksum{ChecksumAlgorithm::kCrc32, CrcToBase64(Crc32(v)), 0}, 1000, 0);
    d.Add(0, std::string_view(bad).substr(0, 400));
    d.Add(400, std::string_view(bad).substr(400));
    auto out = d.Check();
    CHECK(out.verdict == DownloadVerifier::Verdict::kMismatch);
    CHECK(out.detail.find(CrcToBase64(Crc32(v))) != std::string::npos);
  }
  SECTION("a range read twice with different bytes is a mismatch even if the last read was right") {
    std::string bad = data;
    bad[10] ^= 1;
    DownloadVerifier d(ObjectChecksum{ChecksumAlgorithm::kCrc32c, CrcToBase64(Crc32c(v)), 0}, 1000, 0);
    d.Add(0, std::string_view(bad).substr(0, 500));
    d.Add(0, v.substr(0, 500));
    d.Add(500, v.substr(500));
    CHECK(d.Check().verdict == DownloadVerifier::Verdict::kMismatch);
  }
  SECTION("composite: parts of 400 bytes, ranges of 300") {
    std::string parts;
    for (std::size_t off = 0; off < 1000; off += 400) parts += CrcToBase64(Crc32(v.substr(off, 400)));
    std::string raw;
    for (std::size_t off = 0; off < 1000; off += 400) {
      const std::uint32_t c = Crc32(v.substr(off, 400));
      for (int i = 3; i >= 0; --i) raw += static_cast<char>((c >> (8 * i)) & 0xFF);
    }
    DownloadVerifier d(ObjectChecksum{ChecksumAlgorithm::kCrc32, ComputeChecksumBase64(ChecksumAlgorithm::kCrc32, raw), 3},
                       1000, 400);
    REQUIRE(d.active());
    for (std::size_t off = 0; off < 1000; off += 300) d.Add(off, v.substr(off, 300));
    CHECK(d.Check().verdict == DownloadVerifier::Verdict::kMatch);
  }
  SECTION("composite, streamed: ranges arriving in 7-byte pieces across part boundaries; an abandoned range counts for nothing") {
    std::string raw;
    for (std::size_t off = 0; off < 1000; off += 400) {
      const std::uint32_t c = Crc32c(v.substr(off, 400));
      for (int i = 3; i >= 0; --i) raw += static_cast<char>((c >> (8 * i)) & 0xFF);
    }
    DownloadVerifier d(
        ObjectChecksum{ChecksumAlgorithm::kCrc32c, ComputeChecksumBase64(ChecksumAlgorithm::kCrc32c, raw), 3}, 1000,
        400);
    {
      auto abandoned = d.StartRange(0);
      abandoned.Update("garbage");
    }
    for (std::size_t off : {std::size_t{350}, std::size_t{0}, std::size_t{700}}) {
      const std::size_t len = off == 0 ? 350 : (off == 350 ? 350 : 300);
      auto r = d.StartRange(off);
      for (std::size_t i = 0; i < len; i += 7) r.Update(v.substr(off + i, std::min<std::size_t>(7, len - i)));
      r.Commit();
    }
    CHECK(d.Check().verdict == DownloadVerifier::Verdict::kMatch);
  }
  SECTION("a composite part count that cannot fit the part size is not checked") {
    DownloadVerifier d(ObjectChecksum{ChecksumAlgorithm::kCrc32, "AAAAAA==", 5}, 1000, 400);
    CHECK_FALSE(d.active());
    CHECK(d.Check().verdict == DownloadVerifier::Verdict::kUnverifiable);
  }
  SECTION("SHA-256: whole when it arrives in one range, otherwise read back") {
    const std::string sum = ComputeChecksumBase64(ChecksumAlgorithm::kSha256, v);
    DownloadVerifier whole(ObjectChecksum{ChecksumAlgorithm::kSha256, sum, 0}, 1000, 0);
    whole.Add(0, v);
    CHECK(whole.Check().verdict == DownloadVerifier::Verdict::kMatch);
    DownloadVerifier split(ObjectChecksum{ChecksumAlgorithm::kSha256, sum, 0}, 1000, 0);
    split.Add(500, v.substr(500));
    split.Add(0, v.substr(0, 500));
    CHECK(split.Check().verdict == DownloadVerifier::Verdict::kUnverifiable);
    std::string bad = data;
    bad[999] ^= 4;
    auto back = [&](std::uint64_t off, std::size_t n, char* out) {
      std::memcpy(out, bad.data() + off, n);
      return Status::Ok();
    };
    CHECK(split.Check(back).verdict == DownloadVerifier::Verdict::kMismatch);
  }
}

TEST_CASE("TransferManager download: a range corrupted in transit fails the download with ChecksumMismatch") {
  Env e;
  const std::string data = RandomBytes(11 * kMiB + 12345, 7);
  struct Case {
    const char* name;
    std::function<void(Env&)> put;
  };
  const std::vector<Case> objects = {
      {"single PUT, CRC32C", [&](Env& env) { env.PutWith("k", data, ChecksumAlgorithm::kCrc32c); }},
      {"single PUT, SHA256 (read back)", [&](Env& env) { env.PutWith("k", data, ChecksumAlgorithm::kSha256); }},
      {"multipart CRC32 composite, 5 MiB parts",
       [&](Env& env) { env.MultipartWith("k", data, {5 * kMiB, 5 * kMiB, data.size() - 10 * kMiB}, ChecksumAlgorithm::kCrc32); }},
      {"multipart SHA1 composite, 5 MiB parts",
       [&](Env& env) { env.MultipartWith("k", data, {5 * kMiB, 5 * kMiB, data.size() - 10 * kMiB}, ChecksumAlgorithm::kSha1); }},
  };
  for (const auto& obj : objects) {
    for (std::uint64_t range : {5 * kMiB, 6 * kMiB}) {
      DYNAMIC_SECTION(obj.name << ", ranges of " << range / kMiB << " MiB") {
        obj.put(e);
        TransferManager tm(e.client, Ranges(range));
        e.http->Disarm();
        auto ok = tm.DownloadToBuffer(e.bucket, "k");
        INFO(ok.status().ToString());
        REQUIRE(ok.ok());
        CHECK(ok->body == data);

        e.http->Arm(range);  // the second range
        auto bad = tm.DownloadToBuffer(e.bucket, "k");
        CHECK(e.http->corrupted() == 1);
        REQUIRE_FALSE(bad.ok());
        CHECK(bad.status().category() == ErrorCategory::kIntegrity);
        CHECK(bad.status().code() == "ChecksumMismatch");

        // To a file: nothing is left at the destination, and no temporary beside it.
        char dir[] = "/tmp/s3ml-verify-XXXXXX";
        REQUIRE(::mkdtemp(dir) != nullptr);
        const std::string path = std::string(dir) + "/out.bin";
        e.http->Arm(0);
        auto file = tm.DownloadFile(e.bucket, "k", path);
        CHECK(file.status().code() == "ChecksumMismatch");
        CHECK(::access(path.c_str(), F_OK) != 0);
        CHECK(::rmdir(dir) == 0);  // empty
        e.http->Disarm();
      }
    }
  }
}

TEST_CASE("TransferManager download: objects it cannot check still download (no checksum, uneven parts)") {
  Env e;
  const std::string data = RandomBytes(11 * kMiB, 9);
  TransferManager tm(e.client, Ranges(6 * kMiB));
  SECTION("no checksum stored") {
    e.PutWith("k", data, ChecksumAlgorithm::kNone);
    auto r = tm.DownloadToBuffer(e.bucket, "k");
    REQUIRE(r.ok());
    CHECK(r->body == data);
  }
  SECTION("uneven parts: the assumed layout is confirmed part by part, never reported as corruption") {
    e.MultipartWith("k", data, {5 * kMiB + 7, 5 * kMiB, data.size() - 10 * kMiB - 7}, ChecksumAlgorithm::kCrc32c);
    auto r = tm.DownloadToBuffer(e.bucket, "k");
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    CHECK(r->body == data);
  }
  SECTION("verify_checksums off sends no HEAD") {
    e.PutWith("k", data, ChecksumAlgorithm::kCrc32c);
    TransferOptions o = Ranges(6 * kMiB);
    o.verify_checksums = false;
    const auto heads = e.server->stats().requests_by_operation["HeadObject"];
    auto r = TransferManager(e.client, o).DownloadToBuffer(e.bucket, "k");
    REQUIRE(r.ok());
    CHECK(e.server->stats().requests_by_operation["HeadObject"] == heads);
  }
}

TEST_CASE("ArtifactReader: a corrupted range fails the Read that completes the artifact, in any read order") {
  Env e;
  const std::string data = RandomBytes(11 * kMiB + 99, 11);
  for (auto alg : {ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kSha256}) {
    DYNAMIC_SECTION("written with " << ChecksumAlgorithmName(alg)) {
      ArtifactWriteOptions w;
      w.part_size = 5 * kMiB;
      w.checksum = alg;
      auto writer = ArtifactWriter::Open(e.client, e.bucket, "ckpt", w);
      REQUIRE(writer.ok());
      REQUIRE((*writer)->Write(data.data(), data.size()).ok());
      REQUIRE((*writer)->Commit().ok());

      ArtifactReadOptions o;
      o.part_size = 5 * kMiB;  // the writer's: SHA parts arrive whole
      o.read_ahead = 2;
      {
        auto r = ArtifactReader::Open(e.client, e.bucket, "ckpt", {}, o);
        REQUIRE(r.ok());
        auto all = ReadAll(**r);
        INFO(all.status().ToString());
        REQUIRE(all.ok());
        CHECK(*all == data);
      }
      {
        e.http->Arm(5 * kMiB);
        auto r = ArtifactReader::Open(e.client, e.bucket, "ckpt", {}, o);
        REQUIRE(r.ok());
        auto all = ReadAll(**r);
        CHECK(e.http->corrupted() == 1);
        REQUIRE_FALSE(all.ok());
        CHECK(all.status().code() == "ChecksumMismatch");
        // Every later Read fails too.
        char c;
        CHECK((*r)->Read(&c, 1).status().code() == "ChecksumMismatch");
        e.http->Disarm();
      }
      if (alg == ChecksumAlgorithm::kCrc32c) {
        // The end first (as a zip reader does), then the rest; ranges of 1 MiB.
        ArtifactReadOptions small = o;
        small.part_size = 1 * kMiB;
        e.http->Arm(3 * kMiB);
        auto r = ArtifactReader::Open(e.client, e.bucket, "ckpt", {}, small);
        REQUIRE(r.ok());
        REQUIRE((*r)->Seek(data.size() - 100).ok());
        char tail[100];
        REQUIRE((*r)->Read(tail, 100).ok());
        REQUIRE((*r)->Seek(0).ok());
        auto all = ReadAll(**r);
        REQUIRE_FALSE(all.ok());
        CHECK(all.status().code() == "ChecksumMismatch");
        e.http->Disarm();
      }
    }
  }
}

TEST_CASE("ArtifactWriter's default options store a checksum, so a default ArtifactReader checks every read") {
  Env e;
  const std::string data = RandomBytes(6 * kMiB + 5, 13);
  ArtifactWriteOptions w;  // defaults, but for a part size that makes two parts
  w.part_size = 5 * kMiB;
  auto writer = ArtifactWriter::Open(e.client, e.bucket, "ckpt", w);
  REQUIRE(writer.ok());
  REQUIRE((*writer)->Write(data.data(), data.size()).ok());
  REQUIRE((*writer)->Commit().ok());
  HeadObjectRequest h;
  h.bucket = e.bucket;
  h.key = "ckpt";
  h.checksum_mode = true;
  auto head = e.client.HeadObject(h);
  REQUIRE(head.ok());
  CHECK_FALSE(head->checksum_crc32c.empty());

  e.http->Arm(0);
  auto r = ArtifactReader::Open(e.client, e.bucket, "ckpt");  // default options
  REQUIRE(r.ok());
  auto all = ReadAll(**r);
  REQUIRE_FALSE(all.ok());
  CHECK(all.status().code() == "ChecksumMismatch");
  e.http->Disarm();
}
