#include "mock/checksums.h"

#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "common/checksum.h"
#include "common/crypto.h"

namespace s3ml::mock {

namespace {

// Byte-at-a-time tables for the reflected polynomials zlib does not provide.
template <class T, T kPoly>
constexpr std::array<T, 256> MakeTable() {
  std::array<T, 256> table{};
  for (unsigned i = 0; i < 256; ++i) {
    T c = static_cast<T>(i);
    for (int k = 0; k < 8; ++k) c = (c & 1) ? static_cast<T>((c >> 1) ^ kPoly) : static_cast<T>(c >> 1);
    table[i] = c;
  }
  return table;
}

constexpr auto kCrc64NvmeTable = MakeTable<std::uint64_t, 0x9A6C9329AC4BC9B5ull>();

template <class T>
std::string BigEndianBase64(T v) {
  std::string bytes(sizeof(T), '\0');
  for (std::size_t i = 0; i < sizeof(T); ++i) bytes[i] = static_cast<char>((v >> (8 * (sizeof(T) - 1 - i))) & 0xFF);
  return Base64Encode(bytes);
}

}  // namespace

std::uint32_t Crc32(std::string_view data, std::uint32_t crc) { return s3ml::Crc32(data, crc); }

std::uint32_t Crc32c(std::string_view data, std::uint32_t crc) { return s3ml::Crc32c(data, crc); }

std::uint64_t Crc64Nvme(std::string_view data, std::uint64_t crc) {
  std::uint64_t c = ~crc;
  for (unsigned char b : data) c = kCrc64NvmeTable[(c ^ b) & 0xFF] ^ (c >> 8);
  return ~c;
}

bool IsSupportedChecksum(std::string_view a) {
  return a == "crc32" || a == "crc32c" || a == "crc64nvme" || a == "sha1" || a == "sha256" || a == "sha512";
}

std::string ChecksumDisplayName(std::string_view a) {
  std::string out(a);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::string> ComputeChecksum(std::string_view a, std::string_view data) {
  // The four S3 algorithms the client also speaks come from common/checksum.
  if (auto alg = ParseChecksumAlgorithm(a)) return ComputeChecksumBase64(*alg, data);
  if (a == "crc64nvme") return BigEndianBase64(Crc64Nvme(data));
  if (a == "sha512") {
    std::array<unsigned char, SHA512_DIGEST_LENGTH> d{};
    SHA512(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d.data());
    return Base64Encode(d);
  }
  return std::nullopt;
}

}  // namespace s3ml::mock
