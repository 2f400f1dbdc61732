#pragma once
// Hashes and encodings over OpenSSL EVP. The single boundary where OpenSSL
// errors become Status (none of these can fail short of memory exhaustion).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "s3ml/encoding.h"
#include "s3ml/result.h"

namespace s3ml {

using Sha256Digest = std::array<unsigned char, 32>;
using Md5Digest = std::array<unsigned char, 16>;

Sha256Digest Sha256(std::string_view data);
Md5Digest Md5(std::string_view data);
Sha256Digest HmacSha256(std::string_view key, std::string_view data);

/// Incremental hasher (SHA-256 or MD5), RAII over EVP_MD_CTX.
class Hasher {
 public:
  enum class Kind { kSha256, kMd5 };
  explicit Hasher(Kind kind);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  void Update(const void* data, std::size_t n);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  /// Finishes and returns the raw digest bytes (32 or 16).
  std::string Final();

 private:
  void* ctx_;
};

std::string HexEncode(const unsigned char* data, std::size_t n);
template <std::size_t N>
std::string HexEncode(const std::array<unsigned char, N>& a) { return HexEncode(a.data(), N); }
template <std::size_t N>
std::string Base64Encode(const std::array<unsigned char, N>& a) {
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(a.data()), N));
}
// HexEncode(std::string_view), Base64Encode(std::string_view), Base64Decode, HexMd5
// and Base64Md5 are public: s3ml/encoding.h.

/// Hex SHA-256 of the empty string (the payload hash of bodiless requests).
inline constexpr const char* kEmptySha256Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

}  // namespace s3ml
