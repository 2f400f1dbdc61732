#include "common/checksum.h"

#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "common/crypto.h"

using namespace s3ml;

TEST_CASE("Checksum: CRC32 and CRC32C match the standard check values", "[checksum]") {
  CHECK(Crc32("123456789") == 0xCBF43926u);
  CHECK(Crc32c("123456789") == 0xE3069283u);
  CHECK(Crc32cSoftware("123456789") == 0xE3069283u);
  CHECK(Crc32("") == 0u);
  CHECK(Crc32c("") == 0u);
}

TEST_CASE("Checksum: CRC32C matches the RFC 3720 B.4 iSCSI vectors", "[checksum]") {
  std::string zeros(32, '\0');
  std::string ones(32, '\xFF');
  std::string ascending(32, '\0');
  std::string descending(32, '\0');
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<char>(i);
    descending[i] = static_cast<char>(31 - i);
  }
  CHECK(Crc32c(zeros) == 0x8A9136AAu);
  CHECK(Crc32c(ones) == 0x62A8AB43u);
  CHECK(Crc32c(ascending) == 0x46DD794Eu);
  CHECK(Crc32c(descending) == 0x113FDB5Cu);
  CHECK(Crc32cSoftware(zeros) == 0x8A9136AAu);
  CHECK(Crc32cSoftware(ones) == 0x62A8AB43u);
  CHECK(Crc32cSoftware(ascending) == 0x46DD794Eu);
}

TEST_CASE("Checksum: hardware CRC32C equals the table fallback for all lengths and alignments", "[checksum]") {
  if (!Crc32cHardwareAvailable()) {
    CHECK_FALSE(Crc32cHardware("abc").has_value());
    return;
  }
  std::mt19937 rng(1234);
  std::string buf(4096 + 16, '\0');
  for (char& c : buf) c = static_cast<char>(rng() & 0xFF);
  for (std::size_t offset = 0; offset < 16; ++offset) {
    for (std::size_t len : {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 63, 64, 65, 100, 255, 1000, 4095, 4096}) {
      std::string_view v(buf.data() + offset, len);
      auto hw = Crc32cHardware(v);
      REQUIRE(hw.has_value());
      INFO("offset " << offset << " len " << len);
      CHECK(*hw == Crc32cSoftware(v));
      CHECK(*Crc32cHardware(v, 0x12345678u) == Crc32cSoftware(v, 0x12345678u));
    }
  }
}

TEST_CASE("Checksum: incremental updates equal one-shot and base64 is S3's wire form", "[checksum]") {
  // Known S3 forms of "hello world".
  CHECK(ComputeChecksumBase64(ChecksumAlgorithm::kCrc32, "hello world") == "DUoRhQ==");
  CHECK(ComputeChecksumBase64(ChecksumAlgorithm::kCrc32c, "hello world") == "yZRlqg==");
  CHECK(ComputeChecksumBase64(ChecksumAlgorithm::kSha1, "hello world") == "Kq5sNclPz7QV2+lfQIuc6R7oRu0=");
  CHECK(ComputeChecksumBase64(ChecksumAlgorithm::kSha256, "hello world") ==
        "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=");
  CHECK(ComputeChecksumBase64(ChecksumAlgorithm::kNone, "x").empty());
  CHECK(CrcToBase64(0xE3069283u) == "4waSgw==");
  for (auto a : {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kSha1,
                 ChecksumAlgorithm::kSha256}) {
    auto c = MakeChecksummer(a);
    REQUIRE(c);
    c->Update("hello ");
    c->Update("");
    c->Update("world");
    CHECK(c->FinalBase64() == ComputeChecksumBase64(a, "hello world"));
  }
}

TEST_CASE("Checksum: algorithm names parse case-insensitively and reject unknown ones", "[checksum]") {
  CHECK(ParseChecksumAlgorithm("crc32c") == ChecksumAlgorithm::kCrc32c);
  CHECK(ParseChecksumAlgorithm("SHA256") == ChecksumAlgorithm::kSha256);
  CHECK_FALSE(ParseChecksumAlgorithm("md5").has_value());
  CHECK(ChecksumAlgorithmName(ChecksumAlgorithm::kCrc32) == "CRC32");
  CHECK(ChecksumHeaderSuffix(ChecksumAlgorithm::kSha1) == "sha1");
}

TEST_CASE("Checksum: combining the CRCs of two pieces equals the CRC of both, at any split", "[checksum]") {
  std::string data(70000, '\0');
  std::uint32_t x = 12345;
  for (auto& c : data) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  const std::string_view v(data);
  for (std::size_t split : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{4096}, std::size_t{69999},
                            std::size_t{70000}}) {
    INFO("split at " << split);
    const auto a = v.substr(0, split), b = v.substr(split);
    CHECK(Crc32Combine(Crc32(a), Crc32(b), b.size()) == Crc32(v));
    CHECK(Crc32cCombine(Crc32c(a), Crc32c(b), b.size()) == Crc32c(v));
  }
  // The check values, from three pieces.
  CHECK(Crc32Combine(Crc32Combine(Crc32("123"), Crc32("4567"), 4), Crc32("89"), 2) == 0xCBF43926u);
  CHECK(Crc32cCombine(Crc32cCombine(Crc32c("123"), Crc32c("4567"), 4), Crc32c("89"), 2) == 0xE3069283u);
  CHECK(Crc32Combine(Crc32("a"), Crc32(""), 0) == Crc32("a"));
}
