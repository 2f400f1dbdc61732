// Additional object checksums (x-amz-checksum-*) through the Client: PutObject
// sends the header, the server verifies it, GetObject with checksum mode gets it
// back and verifies the received body. [portable] cases also run against moto.

#include <unistd.h>

#include <cstdio>

#include <catch2/catch.hpp>

#include "client/checksum_sink.h"
#include "client/sinks.h"
#include "common/checksum.h"
#include "support/files.h"
#include "support/test_support.h"

using namespace s3ml;
using namespace s3ml::test;

namespace {

const std::string& MetadataChecksum(const ObjectMetadata& m, ChecksumAlgorithm a) {
  switch (a) {
    case ChecksumAlgorithm::kCrc32: return m.checksum_crc32;
    case ChecksumAlgorithm::kCrc32c: return m.checksum_crc32c;
    case ChecksumAlgorithm::kSha1: return m.checksum_sha1;
    default: return m.checksum_sha256;
  }
}

}  // namespace

TEST_CASE("Checksums: each algorithm round-trips through PutObject and a checksum-mode GetObject",
          "[checksum][portable]") {
  Client client = PortableClient();
  ScopedBucket bucket(client, "cksum");
  const std::string data = RandomBytes(70001, 7);
  for (auto a : {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kSha1,
                 ChecksumAlgorithm::kSha256}) {
    const std::string name(ChecksumAlgorithmName(a));
    INFO(name);
    const std::string key = "obj-" + name;
    PutObjectRequest put;
    put.bucket = bucket.name();
    put.key = key;
    put.data = data;
    put.checksum_algorithm = a;
    auto p = client.PutObject(put);
    INFO(p.status().ToString());
    REQUIRE(p.ok());

    GetObjectRequest get;
    get.bucket = bucket.name();
    get.key = key;
    get.checksum_mode = true;
    auto g = client.GetObject(get);
    INFO(g.status().ToString());
    REQUIRE(g.ok());
    CHECK(g->body == data);
    CHECK(MetadataChecksum(g->info, a) == ComputeChecksumBase64(a, data));

    // Without checksum mode the header is not returned.
    get.checksum_mode = false;
    auto plain = client.GetObject(get);
    REQUIRE(plain.ok());
    CHECK(MetadataChecksum(plain->info, a).empty());
  }
}

TEST_CASE("Checksums: a file body and a file download are checksummed and verified", "[checksum]") {
  auto server = StartMock();
  auto client = Client::Create(MockOptions(*server));
  REQUIRE(client.ok());
  ScopedBucket bucket(*client, "cksumfile");
  const std::string data = RandomBytes(200000, 11);
  const std::string src = std::string(S3ML_BINARY_DIR) + "/cksum-src-" + std::to_string(::getpid());
  const std::string dst = src + ".out";
  WriteFile(src, data);
  PutObjectRequest put;
  put.bucket = bucket.name();
  put.key = "f";
  put.file_path = src;
  put.checksum_algorithm = ChecksumAlgorithm::kCrc32c;
  auto p = client->PutObject(put);
  INFO(p.status().ToString());
  REQUIRE(p.ok());
  GetObjectRequest get;
  get.bucket = bucket.name();
  get.key = "f";
  get.checksum_mode = true;
  auto g = client->GetObjectToFile(get, dst);
  INFO(g.status().ToString());
  REQUIRE(g.ok());
  CHECK(g->info.checksum_crc32c == CrcToBase64(Crc32c(data)));
  CHECK(ReadFile(dst) == data);
  std::remove(src.c_str());
  std::remove(dst.c_str());
}

TEST_CASE("Checksums: a PUT whose checksum does not match the body fails with BadDigest", "[checksum]") {
  auto server = StartMock();
  auto client = Client::Create(MockOptions(*server));
  REQUIRE(client.ok());
  ScopedBucket bucket(*client, "cksumbad");
  // A reader that returns different bytes on the first pass (hashing) than on the
  // second (sending): the checksum in the header no longer matches what arrives.
  int passes = 0;
  PutObjectRequest put;
  put.bucket = bucket.name();
  put.key = "k";
  put.reader_size = 5;
  put.reader = [&passes](std::uint64_t offset, char* out, std::size_t n) -> Result<std::size_t> {
    if (offset == 0) ++passes;
    const std::string content = passes == 1 ? "hello" : "HELLO";
    std::size_t m = std::min<std::size_t>(n, content.size() - static_cast<std::size_t>(offset));
    content.copy(out, m, static_cast<std::size_t>(offset));
    return m;
  };
  put.checksum_algorithm = ChecksumAlgorithm::kCrc32c;
  put.checksum_placement = ChecksumPlacement::kHeader;  // kAuto would stream a trailer computed while sending
  auto p = client->PutObject(put);
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().code() == "BadDigest");
  CHECK(p.status().http_status() == 400);
  CHECK_THAT(p.status().message(), Catch::Contains("CRC32C"));
  // Nothing was stored.
  HeadObjectRequest head;
  head.bucket = bucket.name();
  head.key = "k";
  CHECK_FALSE(client->HeadObject(head).ok());
}

TEST_CASE("Checksums: the verifying sink reports a mismatch naming algorithm, expected and actual",
          "[checksum]") {
  Buffer out;
  BufferSink inner(out, false);
  ChecksumVerifyingSink sink(inner, true);
  Headers h;
  h.Set("x-amz-checksum-crc32c", CrcToBase64(Crc32c("other")));
  REQUIRE(sink.Begin(200, h, 5).ok());
  REQUIRE(sink.Write("hello", 5).ok());
  Status st = sink.Finish();
  REQUIRE_FALSE(st.ok());
  CHECK(st.category() == ErrorCategory::kIntegrity);
  CHECK_THAT(st.message(), Catch::Contains("CRC32C"));
  CHECK_THAT(st.message(), Catch::Contains(CrcToBase64(Crc32c("other"))));
  CHECK_THAT(st.message(), Catch::Contains(CrcToBase64(Crc32c("hello"))));

  // A retry starts the hash over; the matching second attempt passes.
  h.Set("x-amz-checksum-crc32c", CrcToBase64(Crc32c("hello")));
  REQUIRE(sink.Begin(200, h, 5).ok());
  REQUIRE(sink.Write("he", 2).ok());
  REQUIRE(sink.Begin(200, h, 5).ok());
  REQUIRE(sink.Write("hello", 5).ok());
  CHECK(sink.Finish().ok());
  CHECK(out == "hello");
}

TEST_CASE("Checksums: composite values, ranged answers and disabled mode are not verified", "[checksum]") {
  Buffer out;
  BufferSink inner(out, false);
  Headers h;
  h.Set("x-amz-checksum-crc32", "AAAAAA==-3");  // multipart composite: not over the bytes
  ChecksumVerifyingSink composite(inner, true);
  REQUIRE(composite.Begin(200, h, 3).ok());
  REQUIRE(composite.Write("abc", 3).ok());
  CHECK(composite.Finish().ok());

  Headers wrong;
  wrong.Set("x-amz-checksum-sha256", ComputeChecksumBase64(ChecksumAlgorithm::kSha256, "zzz"));
  ChecksumVerifyingSink disabled(inner, false);
  REQUIRE(disabled.Begin(200, wrong, 3).ok());
  REQUIRE(disabled.Write("abc", 3).ok());
  CHECK(disabled.Finish().ok());

  ChecksumVerifyingSink enabled(inner, true);
  REQUIRE(enabled.Begin(200, wrong, 3).ok());
  REQUIRE(enabled.Write("abc", 3).ok());
  Status st = enabled.Finish();
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("SHA256"));
}
