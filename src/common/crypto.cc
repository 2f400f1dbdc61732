#include "common/crypto.h"

#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include <memory>

#include <new>

namespace s3ml {

namespace {

// OpenSSL 3 looks an algorithm up by name each time EVP_sha256() or HMAC() is
// used ("implicit fetch"). Signing does one HMAC and two SHA-256s per request,
// so at 10,000+ requests/s the lookups showed in profiles: the algorithms are
// fetched once, and each thread keeps one HMAC context that it re-keys.
const EVP_MD* FetchedMd(const char* name, const EVP_MD* fallback) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  return md != nullptr ? md : fallback;  // kept for the process's lifetime
}
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = FetchedMd("SHA256", EVP_sha256());
  return md;
}
const EVP_MD* Md5Md() {
  static const EVP_MD* md = FetchedMd("MD5", EVP_md5());
  return md;
}

struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* c) const noexcept { EVP_MAC_CTX_free(c); }
};

// This thread's HMAC-SHA256 context (digest set, key not), or null when
// OpenSSL could not make one (then the one-shot HMAC() is used).
EVP_MAC_CTX* ThreadHmacCtx() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  thread_local std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx = []() -> std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> {
    if (mac == nullptr) return nullptr;
    std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> c(EVP_MAC_CTX_new(mac));
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
    if (c == nullptr || EVP_MAC_CTX_set_params(c.get(), params) != 1) return nullptr;
    return c;
  }();
  return ctx.get();
}

}  // namespace

Sha256Digest Sha256(std::string_view data) {
  Sha256Digest d{};
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), d.data(), &n, Sha256Md(), nullptr);
  return d;
}

Md5Digest Md5(std::string_view data) {
  Md5Digest d{};
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), d.data(), &n, Md5Md(), nullptr);
  return d;
}

Sha256Digest HmacSha256(std::string_view key, std::string_view data) {
  Sha256Digest d{};
  if (EVP_MAC_CTX* c = ThreadHmacCtx()) {
    std::size_t n = 0;
    if (EVP_MAC_init(c, reinterpret_cast<const unsigned char*>(key.data()), key.size(), nullptr) == 1 &&
        EVP_MAC_update(c, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
        EVP_MAC_final(c, d.data(), &n, d.size()) == 1 && n == d.size())
      return d;
  }
  unsigned int n = 0;
  HMAC(Sha256Md(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), d.data(), &n);
  return d;
}

Hasher::Hasher(Kind kind) : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) throw std::bad_alloc();
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), kind == Kind::kSha256 ? Sha256Md() : Md5Md(), nullptr);
}
Hasher::~Hasher() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }
void Hasher::Update(const void* data, std::size_t n) { EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, n); }
std::string Hasher::Final() {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), d, &n);
  return std::string(reinterpret_cast<char*>(d), n);
}

std::string HexEncode(const unsigned char* data, std::size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 15];
  }
  return out;
}

std::string HexEncode(std::string_view s) {
  return HexEncode(reinterpret_cast<const unsigned char*>(s.data()), s.size());
}

std::string HexMd5(std::string_view data) { return HexEncode(Md5(data)); }
std::string Base64Md5(std::string_view data) { return Base64Encode(Md5(data)); }

std::string Base64Encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Result<std::string> Base64Decode(std::string_view data) {
  if (data.size() % 4 != 0) return Status::InvalidArgument("base64 length is not a multiple of 4");
  std::string out(3 * data.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  if (n < 0) return Status::InvalidArgument("invalid base64");
  // EVP_DecodeBlock counts padding as zero bytes; strip them.
  std::size_t len = static_cast<std::size_t>(n);
  if (!data.empty() && data.back() == '=') --len;
  if (data.size() >= 2 && data[data.size() - 2] == '=') --len;
  out.resize(len);
  return out;
}

}  // namespace s3ml
