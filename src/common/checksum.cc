#include "common/checksum.h"

#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#define S3ML_HAVE_SSE42_CRC 1
#endif

#include "common/crypto.h"

namespace s3ml {

namespace {

constexpr std::array<std::uint32_t, 256> MakeCrc32cTable() {
  std::array<std::uint32_t, 256> table{};
  for (unsigned i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? ((c >> 1) ^ 0x82F63B78u) : (c >> 1);
    table[i] = c;
  }
  return table;
}
constexpr auto kCrc32cTable = MakeCrc32cTable();

#ifdef S3ML_HAVE_SSE42_CRC
__attribute__((target("sse4.2"))) std::uint32_t Crc32cSse42(std::string_view data, std::uint32_t crc) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t n = data.size();
  std::uint64_t c = ~crc & 0xFFFFFFFFu;
  // Align to 8 bytes, then 8 bytes per instruction, then the tail.
  while (n > 0 && (reinterpret_cast<std::uintptr_t>(p) & 7) != 0) {
    c = _mm_crc32_u8(static_cast<std::uint32_t>(c), *p++);
    --n;
  }
  while (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    c = _mm_crc32_u8(static_cast<std::uint32_t>(c), *p++);
    --n;
  }
  return ~static_cast<std::uint32_t>(c);
}

bool DetectSse42() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
#endif

std::string BigEndian32(std::uint32_t v) {
  std::string bytes(4, '\0');
  for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>((v >> (8 * (3 - i))) & 0xFF);
  return bytes;
}

class Crc32Checksummer final : public Checksummer {
 public:
  void Update(std::string_view data) override { crc_ = Crc32(data, crc_); }
  std::string FinalRaw() override { return BigEndian32(crc_); }

 private:
  std::uint32_t crc_ = 0;
};

class Crc32cChecksummer final : public Checksummer {
 public:
  void Update(std::string_view data) override { crc_ = Crc32c(data, crc_); }
  std::string FinalRaw() override { return BigEndian32(crc_); }

 private:
  std::uint32_t crc_ = 0;
};

/// SHA-1 / SHA-256 over an owned EVP_MD_CTX.
class EvpChecksummer final : public Checksummer {
 public:
  explicit EvpChecksummer(const EVP_MD* md) : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_.get(), md, nullptr); }
  void Update(std::string_view data) override { EVP_DigestUpdate(ctx_.get(), data.data(), data.size()); }
  std::string FinalRaw() override {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_.get(), out, &len);
    return std::string(reinterpret_cast<const char*>(out), len);
  }

 private:
  struct Free {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx_;
};

}  // namespace

std::uint32_t Crc32(std::string_view data, std::uint32_t crc) {
  uLong c = crc;
  while (!data.empty()) {  // zlib takes uInt lengths; feed huge inputs in slices
    const std::size_t n = std::min<std::size_t>(data.size(), 1u << 30);
    c = ::crc32(c, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(n));
    data.remove_prefix(n);
  }
  return static_cast<std::uint32_t>(c);
}

std::uint32_t Crc32cSoftware(std::string_view data, std::uint32_t crc) {
  std::uint32_t c = ~crc;
  for (unsigned char b : data) c = kCrc32cTable[(c ^ b) & 0xFF] ^ (c >> 8);
  return ~c;
}

bool Crc32cHardwareAvailable() {
#ifdef S3ML_HAVE_SSE42_CRC
  static const bool available = DetectSse42();
  return available;
#else
  return false;
#endif
}

std::optional<std::uint32_t> Crc32cHardware(std::string_view data, std::uint32_t crc) {
#ifdef S3ML_HAVE_SSE42_CRC
  if (Crc32cHardwareAvailable()) return Crc32cSse42(data, crc);
#else
  (void)data;
  (void)crc;
#endif
  return std::nullopt;
}

std::uint32_t Crc32c(std::string_view data, std::uint32_t crc) {
  if (auto hw = Crc32cHardware(data, crc)) return *hw;
  return Crc32cSoftware(data, crc);
}

namespace {

// a(x) * b(x) mod p(x), in the bit-reflected representation the CRCs use.
std::uint32_t MultModP(std::uint32_t a, std::uint32_t b, std::uint32_t poly) {
  std::uint32_t m = 1u << 31, p = 0;
  for (;;) {
    if ((a & m) != 0) {
      p ^= b;
      if ((a & (m - 1)) == 0) break;
    }
    m >>= 1;
    b = (b & 1) != 0 ? (b >> 1) ^ poly : b >> 1;
  }
  return p;
}

// x^(n * 2^k) mod p(x), from the table of x^(2^j).
std::uint32_t X2nModP(std::uint64_t n, unsigned k, const std::uint32_t (&x2n)[32], std::uint32_t poly) {
  std::uint32_t p = 1u << 31;  // x^0
  while (n != 0) {
    if ((n & 1) != 0) p = MultModP(x2n[k & 31], p, poly);
    n >>= 1;
    ++k;
  }
  return p;
}

struct CrcCombiner {
  explicit CrcCombiner(std::uint32_t poly) : poly_(poly) {
    std::uint32_t p = 1u << 30;  // x^1
    x2n_[0] = p;
    for (int n = 1; n < 32; ++n) x2n_[n] = p = MultModP(p, p, poly);
  }
  std::uint32_t operator()(std::uint32_t a, std::uint32_t b, std::uint64_t len_b) const {
    return MultModP(X2nModP(len_b, 3, x2n_, poly_), a, poly_) ^ b;  // a * x^(8 len_b) + b
  }

 private:
  std::uint32_t poly_;
  std::uint32_t x2n_[32];
};

}  // namespace

std::uint32_t Crc32Combine(std::uint32_t crc_a, std::uint32_t crc_b, std::uint64_t len_b) {
  static const CrcCombiner combine(0xEDB88320u);
  return combine(crc_a, crc_b, len_b);
}

std::uint32_t Crc32cCombine(std::uint32_t crc_a, std::uint32_t crc_b, std::uint64_t len_b) {
  static const CrcCombiner combine(0x82F63B78u);
  return combine(crc_a, crc_b, len_b);
}

std::string CrcToBase64(std::uint32_t crc) { return Base64Encode(BigEndian32(crc)); }

std::string_view ChecksumAlgorithmName(ChecksumAlgorithm a) {
  switch (a) {
    case ChecksumAlgorithm::kCrc32: return "CRC32";
    case ChecksumAlgorithm::kCrc32c: return "CRC32C";
    case ChecksumAlgorithm::kSha1: return "SHA1";
    case ChecksumAlgorithm::kSha256: return "SHA256";
    case ChecksumAlgorithm::kNone: break;
  }
  return "";
}

std::string_view ChecksumHeaderSuffix(ChecksumAlgorithm a) {
  switch (a) {
    case ChecksumAlgorithm::kCrc32: return "crc32";
    case ChecksumAlgorithm::kCrc32c: return "crc32c";
    case ChecksumAlgorithm::kSha1: return "sha1";
    case ChecksumAlgorithm::kSha256: return "sha256";
    case ChecksumAlgorithm::kNone: break;
  }
  return "";
}

std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto a : {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kSha1,
                 ChecksumAlgorithm::kSha256}) {
    if (lower == ChecksumHeaderSuffix(a)) return a;
  }
  return std::nullopt;
}

std::string Checksummer::FinalBase64() { return Base64Encode(FinalRaw()); }

std::unique_ptr<Checksummer> MakeChecksummer(ChecksumAlgorithm a) {
  switch (a) {
    case ChecksumAlgorithm::kCrc32: return std::make_unique<Crc32Checksummer>();
    case ChecksumAlgorithm::kCrc32c: return std::make_unique<Crc32cChecksummer>();
    case ChecksumAlgorithm::kSha1: return std::make_unique<EvpChecksummer>(EVP_sha1());
    case ChecksumAlgorithm::kSha256: return std::make_unique<EvpChecksummer>(EVP_sha256());
    case ChecksumAlgorithm::kNone: break;
  }
  return nullptr;
}

std::string ComputeChecksumBase64(ChecksumAlgorithm a, std::string_view data) {
  auto c = MakeChecksummer(a);
  if (!c) return "";
  c->Update(data);
  return c->FinalBase64();
}

}  // namespace s3ml
