#include <catch2/catch.hpp>

#include "mock/checksums.h"

using namespace s3ml::mock;

TEST_CASE("Checksums: CRC-32, CRC-32C and CRC-64/NVME match their check values for '123456789'") {
  CHECK(Crc32("123456789") == 0xCBF43926u);
  CHECK(Crc32c("123456789") == 0xE3069283u);
  CHECK(Crc64Nvme("123456789") == 0xAE8B14860A799888ull);
  CHECK(Crc32("") == 0u);
}

TEST_CASE("Checksums: incremental CRCs over split input equal the one-shot value") {
  const std::string data = "The quick brown fox jumps over the lazy dog";
  CHECK(Crc32(data.substr(10), Crc32(data.substr(0, 10))) == Crc32(data));
  CHECK(Crc32c(data.substr(7), Crc32c(data.substr(0, 7))) == Crc32c(data));
  CHECK(Crc64Nvme(data.substr(3), Crc64Nvme(data.substr(0, 3))) == Crc64Nvme(data));
}

TEST_CASE("Checksums: S3 encodings are base64 of the big-endian digest and unknown algorithms are refused") {
  CHECK(ComputeChecksum("crc32", "123456789").value() == "y/Q5Jg==");
  CHECK(ComputeChecksum("crc32c", "123456789").value() == "4waSgw==");
  CHECK(ComputeChecksum("sha256", "").value() == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  CHECK(ComputeChecksum("sha1", "abc").value() == "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
  CHECK(ComputeChecksum("crc64nvme", "123456789").value() == "rosUhgp5mIg=");
  CHECK_FALSE(ComputeChecksum("md4", "x").has_value());
  CHECK(ChecksumDisplayName("crc32c") == "CRC32C");
}
