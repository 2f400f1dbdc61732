#include "mock/checksums.h"

#include <openssl/sha.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>

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

constexpr auto kCrc32cTable = MakeTable<std::uint32_t, 0x82F63B78u>();
constexpr auto kCrc64NvmeTable = MakeTable<std::uint64_t, 0x9A6C9329AC4BC9B5ull>();

template <class T>
std::string BigEndianBase64(T v) {
  std::string bytes(sizeof(T), '\0');
  for (std::size_t i = 0; i < sizeof(T); ++i) bytes[i] = static_cast<char>((v >> (8 * (sizeof(T) - 1 - i))) & 0xFF);
  return Base64Encode(bytes);
}

}  // namespace

std::uint32_t Crc32(std::string_view data, std::uint32_t crc) {
  uLong c = crc;
  // zlib takes uInt lengths; feed huge inputs in slices.
  while (!data.empty()) {
    const std::size_t n = std::min<std::size_t>(data.size(), 1u << 30);
    c = ::crc32(c, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(n));
    data.remove_prefix(n);
  }
  return static_cast<std::uint32_t>(c);
}

std::uint32_t Crc32c(std::string_view data, std::uint32_t crc) {
  std::uint32_t c = ~crc;
  for (unsigned char b : data) c = kCrc32cTable[(c ^ b) & 0xFF] ^ (c >> 8);
  return ~c;
}

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
  if (a == "crc32") return BigEndianBase64(Crc32(data));
  if (a == "crc32c") return BigEndianBase64(Crc32c(data));
  if (a == "crc64nvme") return BigEndianBase64(Crc64Nvme(data));
  if (a == "sha256") return Base64Encode(Sha256(data));
  if (a == "sha512") {
    std::array<unsigned char, SHA512_DIGEST_LENGTH> d{};
    SHA512(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d.data());
    return Base64Encode(d);
  }
  if (a == "sha1") {
    std::array<unsigned char, SHA_DIGEST_LENGTH> d{};
    SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d.data());
    return Base64Encode(d);
  }
  return std::nullopt;
}

}  // namespace s3ml::mock
