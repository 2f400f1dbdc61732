// SigV4 signer: the published S3 examples, S3 canonical-URI rules for awkward keys,
// session tokens, payload modes, presigning and the signing-key cache.
#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "auth/signer.h"
#include "common/crypto.h"
#include "common/http_types.h"
#include "common/time.h"
#include "common/uri.h"

namespace s3ml {
namespace {

// The credentials and instant used by every example in the S3 API reference
// ("Signature Calculations for the Authorization Header: Transferring Payload in a
// Single Chunk", "Authenticating Requests: Using Query Parameters", and the chunked
// upload example).
constexpr const char* kAccessKey = "AKIAIOSFODNN7EXAMPLE";
constexpr const char* kSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

Credentials ExampleCreds(std::string token = {}) {
  Credentials c;
  c.access_key_id = kAccessKey;
  c.secret_access_key = kSecretKey;
  c.session_token = std::move(token);
  return c;
}

SystemTime ExampleTime() { return ParseAmzDate("20130524T000000Z").value(); }

HttpRequest ExampleRequest(std::string method, std::string path) {
  HttpRequest r;
  r.method = std::move(method);
  r.scheme = "https";
  r.host = "examplebucket.s3.amazonaws.com";
  r.path = std::move(path);
  return r;
}

std::string SignatureOf(const HttpRequest& r) {
  std::string auth = r.headers.Get("Authorization");
  auto pos = auth.find("Signature=");
  return pos == std::string::npos ? std::string() : auth.substr(pos + 10);
}

std::string SignedHeadersOf(const HttpRequest& r) {
  std::string auth = r.headers.Get("Authorization");
  auto b = auth.find("SignedHeaders=");
  if (b == std::string::npos) return {};
  b += 14;
  return auth.substr(b, auth.find(',', b) - b);
}

// The canonical request SignHeaders signed, rebuilt from the signed request.
std::string CanonicalOf(const HttpRequest& r) {
  return SigV4Signer::CanonicalRequest(r.method, r.path, SigV4Signer::CanonicalQueryString(r.query), r.headers,
                                       SigV4Signer::HeadersToSign(r.headers), r.headers.Get("x-amz-content-sha256"));
}

std::string QueryValue(const HttpRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.query)
    if (k == name) return v;
  return {};
}

}  // namespace

TEST_CASE("SigV4 S3 example: GET Object with Range matches the published signature") {
  SigV4Signer signer;
  HttpRequest r = ExampleRequest("GET", "/test.txt");
  r.headers.Set("Range", "bytes=0-9");
  REQUIRE(signer.SignHeaders(r, ExampleCreds(), "us-east-1", ExampleTime()).ok());
  CHECK(HexEncode(Sha256(CanonicalOf(r))) == "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  CHECK(SignedHeadersOf(r) == "host;range;x-amz-content-sha256;x-amz-date");
  CHECK(SignatureOf(r) == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  CHECK(r.headers.Get("Authorization") ==
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  CHECK(r.headers.Get("x-amz-content-sha256") == kEmptySha256Hex);
  CHECK(r.headers.Get("x-amz-date") == "20130524T000000Z");
  CHECK(r.headers.Get("host") == "examplebucket.s3.amazonaws.com");
}

TEST_CASE("SigV4 S3 example: PUT Object test$file.text hashes the body and matches the published signature") {
  SigV4Signer signer;
  HttpRequest r = ExampleRequest("PUT", "/" + UriEncode("test$file.text", false));
  REQUIRE(r.path == "/test%24file.text");
  r.headers.Set("Date", "Fri, 24 May 2013 00:00:00 GMT");
  r.headers.Set("x-amz-storage-class", "REDUCED_REDUNDANCY");
  r.body = MemoryBody("Welcome to Amazon S3.");
  REQUIRE(signer.SignHeaders(r, ExampleCreds(), "us-east-1", ExampleTime()).ok());
  CHECK(r.headers.Get("x-amz-content-sha256") == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  CHECK(HexEncode(Sha256(CanonicalOf(r))) == "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
  CHECK(SignedHeadersOf(r) == "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
  CHECK(SignatureOf(r) == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST_CASE("SigV4 S3 example: GET ?lifecycle signs an empty-valued parameter as 'lifecycle='") {
  SigV4Signer signer;
  HttpRequest r = ExampleRequest("GET", "/");
  r.query = {{"lifecycle", ""}};
  REQUIRE(signer.SignHeaders(r, ExampleCreds(), "us-east-1", ExampleTime()).ok());
  CHECK(SigV4Signer::CanonicalQueryString(r.query) == "lifecycle=");
  CHECK(HexEncode(Sha256(CanonicalOf(r))) == "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca");
  CHECK(SignatureOf(r) == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST_CASE("SigV4 S3 example: GET ?max-keys=2&prefix=J sorts the query and matches the published signature") {
  SigV4Signer signer;
  HttpRequest r = ExampleRequest("GET", "/");
  r.query = {{"prefix", "J"}, {"max-keys", "2"}};  // deliberately unsorted
  REQUIRE(signer.SignHeaders(r, ExampleCreds(), "us-east-1", ExampleTime()).ok());
  CHECK(SigV4Signer::CanonicalQueryString(r.query) == "max-keys=2&prefix=J");
  CHECK(HexEncode(Sha256(CanonicalOf(r))) == "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7");
  CHECK(SignatureOf(r) == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST_CASE("SigV4 S3 example: presigned GET test.txt for 86400 s reproduces the published URL") {
  SigV4Signer signer;
  HttpRequest r = ExampleRequest("GET", "/test.txt");
  REQUIRE(signer.Presign(r, ExampleCreds(), "us-east-1", ExampleTime(), std::chrono::seconds(86400)).ok());
  CHECK(QueryValue(r, "X-Amz-Signature") == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  CHECK(r.Url() ==
        "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  CHECK_FALSE(r.headers.Has("Authorization"));
}

TEST_CASE("SigV4 S3 example: chunked upload seed and chunk signatures match the published ones") {
  SigV4Signer signer;
  HttpRequest r;
  r.method = "PUT";
  r.scheme = "https";
  r.host = "s3.amazonaws.com";
  r.path = "/examplebucket/chunkObject.txt";
  r.headers.Set("x-amz-storage-class", "REDUCED_REDUNDANCY");
  r.headers.Set("Content-Encoding", "aws-chunked");
  r.headers.Set("x-amz-decoded-content-length", "66560");
  r.headers.Set("Content-Length", "66824");
  REQUIRE(signer.SignHeaders(r, ExampleCreds(), "us-east-1", ExampleTime(), kStreamingPayload).ok());
  CHECK(SignedHeadersOf(r) ==
        "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;"
        "x-amz-storage-class");
  const std::string seed = SignatureOf(r);
  CHECK(seed == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");

  const std::string scope = SigV4Signer::Scope("20130524", "us-east-1", "s3");
  std::string c1 = signer.ChunkSignature(kSecretKey, "20130524T000000Z", scope, "us-east-1", seed,
                                         std::string(65536, 'a'));
  CHECK(c1 == "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648");
  std::string c2 =
      signer.ChunkSignature(kSecretKey, "20130524T000000Z", scope, "us-east-1", c1, std::string(1024, 'a'));
  CHECK(c2 == "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497");
  std::string c3 = signer.ChunkSignature(kSecretKey, "20130524T000000Z", scope, "us-east-1", c2, "");
  CHECK(c3 == "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9");
}

// Expected values below were produced by botocore 1.43.11 (S3SigV4Auth /
// S3SigV4QueryAuth) for the same inputs; the property test in
// tests/interop/test_sigv4_botocore.py checks hundreds more.
TEST_CASE("SigV4 canonical URI: key with = @ + space % ~ unicode // and trailing / is signed exactly as sent") {
  const std::string key = "dir a/c=d@e+f%g~h/\xC3\xBC\xE6\x96\x87//x/";
  const std::string path = "/examplebucket/" + UriEncode(key, /*encode_slash=*/false);
  REQUIRE(path == "/examplebucket/dir%20a/c%3Dd%40e%2Bf%25g~h/%C3%BC%E6%96%87//x/");
  SigV4Signer signer;
  HttpRequest r;
  r.host = "127.0.0.1";
  r.port = 9000;
  r.path = path;
  REQUIRE(signer.SignHeaders(r, ExampleCreds(), "us-east-1", ExampleTime()).ok());
  // No normalisation ("//" and the trailing "/" survive) and no second encoding.
  std::string canonical = CanonicalOf(r);
  CHECK(canonical.substr(0, canonical.find('\n', 4)) == "GET\n" + path);
  CHECK(r.headers.Get("host") == "127.0.0.1:9000");
  CHECK(r.Url() == "http://127.0.0.1:9000" + path);
  CHECK(SignatureOf(r) == "eba8b2745954f4636d38f5175071c0cb34cac7e7c7dfeb8d00aabf9f2e36ed10");

  HttpRequest p;
  p.method = "PUT";
  p.host = "127.0.0.1";
  p.port = 9000;
  p.path = path;
  REQUIRE(signer.Presign(p, ExampleCreds(), "eu-west-1", ExampleTime(), std::chrono::seconds(3600)).ok());
  CHECK(p.Url() ==
        "http://127.0.0.1:9000" + path +
            "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Feu-west-1%2Fs3%2F"
            "aws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=6d69f2dff34582f4774d7397ba4732f8ac0b454c7249287aad3138957c8c2317");
}

TEST_CASE("SigV4 session token: signed as x-amz-security-token header and X-Amz-Security-Token query parameter") {
  const std::string token = "FQoGZXIvYXdzEXAMPLE/token+with=chars";
  SigV4Signer signer;
  HttpRequest r;
  r.method = "PUT";
  r.host = "127.0.0.1";
  r.port = 9000;
  r.path = "/examplebucket/dir%20a/c%3Dd%40e%2Bf%25g~h/%C3%BC%E6%96%87//x/";
  r.body = MemoryBody("hello");
  REQUIRE(signer.SignHeaders(r, ExampleCreds(token), "us-east-1", ExampleTime()).ok());
  CHECK(r.headers.Get("x-amz-security-token") == token);
  CHECK(SignedHeadersOf(r) == "host;x-amz-content-sha256;x-amz-date;x-amz-security-token");
  CHECK(SignatureOf(r) == "2991a6dd010d450db2de0c36cbb47155196f095c7298ca405f112c1fbc78fc21");

  // Re-signing the same request with permanent credentials removes the stale token.
  REQUIRE(signer.SignHeaders(r, ExampleCreds(), "us-east-1", ExampleTime()).ok());
  CHECK_FALSE(r.headers.Has("x-amz-security-token"));
  CHECK(SignedHeadersOf(r) == "host;x-amz-content-sha256;x-amz-date");

  HttpRequest p = ExampleRequest("GET", "/test.txt");
  REQUIRE(signer.Presign(p, ExampleCreds(token), "us-east-1", ExampleTime(), std::chrono::seconds(86400)).ok());
  CHECK(QueryValue(p, "X-Amz-Security-Token") == token);
  CHECK(QueryValue(p, "X-Amz-Signature") == "4f068e766c30fa2f6fa6533f1011e8068b0166cfdc3065a3576123885d2ed3ba");
}

TEST_CASE("SigV4 unsigned payload: UNSIGNED-PAYLOAD is signed and the body is never read") {
  SigV4Signer signer;
  HttpRequest r = ExampleRequest("PUT", "/big.bin");
  std::atomic<int> reads{0};
  r.body = CallbackBody(1 << 20, [&](std::uint64_t, char*, std::size_t) -> Result<std::size_t> {
    ++reads;
    return Status(ErrorCategory::kIo, "must not be read");
  });
  REQUIRE(signer.SignHeaders(r, ExampleCreds(), "us-east-1", ExampleTime(), kUnsignedPayload).ok());
  CHECK(reads == 0);
  CHECK(r.headers.Get("x-amz-content-sha256") == "UNSIGNED-PAYLOAD");
  std::string canonical = CanonicalOf(r);
  CHECK(canonical.substr(canonical.rfind('\n') + 1) == "UNSIGNED-PAYLOAD");
}

TEST_CASE("SigV4 payload hash: a streamed body hashes like the same bytes in memory, and a short body fails") {
  SigV4Signer signer;
  std::string data(200000, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + 3);
  HttpRequest mem = ExampleRequest("PUT", "/x");
  mem.body = MemoryBody(data);
  HttpRequest cb = ExampleRequest("PUT", "/x");
  cb.body = CallbackBody(data.size(), [&](std::uint64_t off, char* out, std::size_t n) -> Result<std::size_t> {
    n = std::min<std::size_t>(n, 1000);  // short reads must be handled
    std::copy(data.begin() + static_cast<std::ptrdiff_t>(off), data.begin() + static_cast<std::ptrdiff_t>(off + n),
              out);
    return n;
  });
  REQUIRE(signer.SignHeaders(mem, ExampleCreds(), "us-east-1", ExampleTime()).ok());
  REQUIRE(signer.SignHeaders(cb, ExampleCreds(), "us-east-1", ExampleTime()).ok());
  CHECK(mem.headers.Get("x-amz-content-sha256") == HexEncode(Sha256(data)));
  CHECK(cb.headers.Get("Authorization") == mem.headers.Get("Authorization"));

  HttpRequest bad = ExampleRequest("PUT", "/x");
  bad.body = CallbackBody(10, [](std::uint64_t, char*, std::size_t) -> Result<std::size_t> { return std::size_t{0}; });
  Status st = signer.SignHeaders(bad, ExampleCreds(), "us-east-1", ExampleTime());
  CHECK(st.category() == ErrorCategory::kIo);
  CHECK_THAT(st.message(), Catch::Contains("0 of 10 bytes"));
}

TEST_CASE("SigV4 canonical headers: names lower-cased, values trimmed and collapsed, repeats joined by comma") {
  Headers h;
  h.Add("X-Amz-Meta-A", "  one   two \t three  ");
  h.Add("Host", "h");
  h.Add("x-amz-meta-a", "four");
  h.Add("User-Agent", "curl/8");
  h.Add("Expect", "100-continue");
  auto names = SigV4Signer::HeadersToSign(h);
  REQUIRE(names == std::vector<std::string>{"host", "x-amz-meta-a"});
  std::string cr = SigV4Signer::CanonicalRequest("GET", "/", "", h, names, "UNSIGNED-PAYLOAD");
  CHECK(cr == "GET\n/\n\nhost:h\nx-amz-meta-a:one two three,four\n\nhost;x-amz-meta-a\nUNSIGNED-PAYLOAD");
}

TEST_CASE("SigV4 canonical query: encoded names and values, sorted by name then value, '=' for empty values") {
  std::vector<std::pair<std::string, std::string>> q = {
      {"b", "2"}, {"a", "x y"}, {"a", "1"}, {"uploads", ""}, {"k/=", "v+/~%"}, {"\xC3\xBC", "\xE2\x82\xAC"}};
  CHECK(SigV4Signer::CanonicalQueryString(q) ==
        "%C3%BC=%E2%82%AC&a=1&a=x%20y&b=2&k%2F%3D=v%2B%2F~%25&uploads=");
  CHECK(SigV4Signer::CanonicalQueryString({}).empty());
}

TEST_CASE("SigV4 re-signing: signing twice replaces, never duplicates, the signing headers") {
  SigV4Signer signer;
  HttpRequest r = ExampleRequest("GET", "/test.txt");
  r.headers.Set("Range", "bytes=0-9");
  REQUIRE(signer.SignHeaders(r, ExampleCreds(), "us-east-1", ExampleTime() + std::chrono::hours(1)).ok());
  REQUIRE(signer.SignHeaders(r, ExampleCreds(), "us-east-1", ExampleTime()).ok());
  CHECK(SignatureOf(r) == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  CHECK(r.headers.size() == 5);  // range, host, x-amz-date, x-amz-content-sha256, Authorization

  HttpRequest p = ExampleRequest("GET", "/test.txt");
  REQUIRE(signer.Presign(p, ExampleCreds(), "us-east-1", ExampleTime(), std::chrono::seconds(60)).ok());
  REQUIRE(signer.Presign(p, ExampleCreds(), "us-east-1", ExampleTime(), std::chrono::seconds(86400)).ok());
  CHECK(p.query.size() == 6);
  CHECK(QueryValue(p, "X-Amz-Signature") == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST_CASE("SigV4 presign: expiry outside 1..604800 seconds is rejected as InvalidArgument") {
  SigV4Signer signer;
  for (long secs : {0L, -5L, 604801L}) {
    HttpRequest r = ExampleRequest("GET", "/test.txt");
    Status st = signer.Presign(r, ExampleCreds(), "us-east-1", ExampleTime(), std::chrono::seconds(secs));
    CHECK(st.category() == ErrorCategory::kInvalidArgument);
    CHECK_THAT(st.message(), Catch::Contains("604800"));
    CHECK(r.query.empty());
  }
  HttpRequest r = ExampleRequest("GET", "/test.txt");
  CHECK(signer.Presign(r, ExampleCreds(), "us-east-1", ExampleTime(), std::chrono::seconds(604800)).ok());
  CHECK(QueryValue(r, "X-Amz-Expires") == "604800");
}

TEST_CASE("SigV4 inputs: missing credentials or region fail with a clear error") {
  SigV4Signer signer;
  HttpRequest r = ExampleRequest("GET", "/test.txt");
  Credentials none;
  none.source = "environment";
  Status st = signer.SignHeaders(r, none, "us-east-1", ExampleTime());
  CHECK(st.category() == ErrorCategory::kCredentials);
  CHECK_THAT(st.message(), Catch::Contains("environment"));
  st = signer.Presign(r, ExampleCreds(), "", ExampleTime(), std::chrono::seconds(60));
  CHECK(st.category() == ErrorCategory::kInvalidArgument);
  CHECK_THAT(st.message(), Catch::Contains("region"));
}

TEST_CASE("SigV4 signing-key cache: one derivation per (date, region, service, key), bounded, thread-safe") {
  SigV4Signer signer;
  const std::string k1 = signer.SigningKey(kSecretKey, "20130524", "us-east-1", "s3");
  CHECK(k1.size() == 32);
  CHECK(signer.KeyDerivations() == 1);
  for (int i = 0; i < 5; ++i) {
    HttpRequest r = ExampleRequest("GET", "/test.txt");
    REQUIRE(signer.SignHeaders(r, ExampleCreds(), "us-east-1", ExampleTime() + std::chrono::minutes(i)).ok());
  }
  CHECK(signer.KeyDerivations() == 1);
  CHECK(signer.SigningKey(kSecretKey, "20130524", "us-east-1", "s3") == k1);
  // Any component changing gives a different key.
  CHECK(signer.SigningKey(kSecretKey, "20130525", "us-east-1", "s3") != k1);
  CHECK(signer.SigningKey(kSecretKey, "20130524", "us-west-2", "s3") != k1);
  CHECK(signer.SigningKey(kSecretKey, "20130524", "us-east-1", "s3-object-lambda") != k1);
  CHECK(signer.SigningKey("otherSecret", "20130524", "us-east-1", "s3") != k1);
  CHECK(signer.KeyDerivations() == 5);
  CHECK(signer.CachedKeyCount() == 5);

  for (int d = 0; d < 40; ++d) (void)signer.SigningKey(kSecretKey, "201306" + std::to_string(10 + d), "r", "s3");
  CHECK(signer.CachedKeyCount() == SigV4Signer::kMaxCachedKeys);

  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string date = "2020010" + std::to_string((i + t) % 3 + 1);
        std::string a = signer.SigningKey(kSecretKey, date, "us-east-1", "s3");
        SigV4Signer fresh;
        if (a != fresh.SigningKey(kSecretKey, date, "us-east-1", "s3")) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(mismatches == 0);
}

}  // namespace s3ml
