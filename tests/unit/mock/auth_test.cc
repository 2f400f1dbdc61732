#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/crypto.h"
#include "common/uri.h"
#include "mock/checksums.h"
#include "support/mock_requests.h"
#include "support/random_bytes.h"

using namespace s3ml;
using namespace s3ml::mock;
using namespace s3ml::mock::testing;
using s3ml::test::RandomBytes;

namespace {

std::string Hex(std::size_t n) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%zx", n);
  return buf;
}

// Builds a STREAMING-AWS4-HMAC-SHA256-PAYLOAD body for a request signed by `client`.
std::string SignedChunks(const Client& client, const HttpRequest& signed_request, const std::string& payload,
                         std::size_t chunk_size, bool corrupt_second = false) {
  const std::string auth = signed_request.headers.Get("Authorization");
  std::string previous = auth.substr(auth.find("Signature=") + 10);
  const std::string amz_date = signed_request.headers.Get("x-amz-date");
  const std::string scope = SigV4Signer::Scope(amz_date.substr(0, 8), client.region(), "s3");
  std::string out;
  std::size_t off = 0;
  int index = 0;
  for (;;) {
    const std::string chunk = payload.substr(off, std::min(chunk_size, payload.size() - off));
    std::string sig = client.signer().ChunkSignature(client.creds().secret_access_key, amz_date, scope,
                                                     client.region(), previous, chunk);
    previous = sig;
    if (corrupt_second && index == 1) sig[0] = sig[0] == '0' ? '1' : '0';
    out += Hex(chunk.size()) + ";chunk-signature=" + sig + "\r\n" + chunk + "\r\n";
    if (chunk.empty()) break;
    off += chunk.size();
    ++index;
  }
  return out;
}

std::string UnsignedTrailerChunks(const std::string& payload, std::size_t chunk_size, const std::string& trailer) {
  std::string out;
  for (std::size_t off = 0; off < payload.size(); off += chunk_size) {
    const std::string chunk = payload.substr(off, chunk_size);
    out += Hex(chunk.size()) + "\r\n" + chunk + "\r\n";
  }
  out += "0\r\n" + trailer + "\r\n\r\n";
  return out;
}

}  // namespace

TEST_CASE("Auth: a correctly signed request is accepted") {
  auto server = StartServer();
  Client c(*server);
  auto r = c.Get("/");
  CHECK(r.status == 200);
  CHECK(server->stats().auth_failures == 0);
}

TEST_CASE("Auth: wrong secret is SignatureDoesNotMatch with the canonical request and string to sign") {
  auto server = StartServer();
  Client bad(*server, Credentials{server->options().access_key, "not-the-secret", "", std::nullopt, "test"});
  auto r = bad.Get("/some-bucket/some%20key");
  CHECK(r.status == 403);
  CHECK(r.Xml("/Error/Code") == "SignatureDoesNotMatch");
  CHECK(r.Xml("/Error/StringToSign").rfind("AWS4-HMAC-SHA256\n", 0) == 0);
  CHECK(r.Xml("/Error/CanonicalRequest").rfind("GET\n/some-bucket/some%20key\n", 0) == 0);
  CHECK(r.Xml("/Error/AWSAccessKeyId") == server->options().access_key);
  CHECK(r.Xml("/Error/RequestId") == r.Header("x-amz-request-id"));
  CHECK_FALSE(r.Header("x-amz-id-2").empty());
  CHECK(server->stats().auth_failures == 1);
}

TEST_CASE("Auth: a header changed after signing is SignatureDoesNotMatch") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("bkt1").status == 200);
  Request r;
  r.method = "PUT";
  r.path = ObjPath("bkt1", "k");
  r.body = "data";
  r.headers = {{"x-amz-meta-color", "red"}};
  r.after_sign = [](HttpRequest& req) { req.headers.Set("x-amz-meta-color", "blue"); };
  auto t = c.Send(r);
  CHECK(t.status == 403);
  CHECK(t.Xml("/Error/Code") == "SignatureDoesNotMatch");
  CHECK(t.Xml("/Error/CanonicalRequest").find("x-amz-meta-color:blue") != std::string::npos);
  CHECK(server->ObjectBody("bkt1", "k").status().code() == "NoSuchKey");
}

TEST_CASE("Auth: a body that does not match x-amz-content-sha256 is XAmzContentSHA256Mismatch") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("bkt1").status == 200);
  Request r;
  r.method = "PUT";
  r.path = ObjPath("bkt1", "k");
  r.body = "data";
  r.wire_body = [](const HttpRequest&) { return std::string("DATA"); };  // same length, other bytes
  auto t = c.Send(r);
  CHECK(t.status == 400);
  CHECK(t.Xml("/Error/Code") == "XAmzContentSHA256Mismatch");
  CHECK(t.Xml("/Error/ClientComputedContentSHA256") == HexEncode(Sha256("data")));
  CHECK(t.Xml("/Error/S3ComputedContentSHA256") == HexEncode(Sha256("DATA")));
  CHECK(server->ObjectBody("bkt1", "k").status().code() == "NoSuchKey");
}

TEST_CASE("Auth: unknown access key is InvalidAccessKeyId") {
  auto server = StartServer();
  Client bad(*server, Credentials{"AKIDUNKNOWN", server->options().secret_key, "", std::nullopt, "test"});
  auto r = bad.Get("/");
  CHECK(r.status == 403);
  CHECK(r.Xml("/Error/Code") == "InvalidAccessKeyId");
  CHECK(r.Xml("/Error/AWSAccessKeyId") == "AKIDUNKNOWN");
}

TEST_CASE("Auth: requests more than 15 minutes off the server clock are RequestTimeTooSkewed") {
  auto server = StartServer();
  Client c(*server);
  for (int minutes : {-20, 20}) {
    Request r;
    r.time = SystemClock().Now() + std::chrono::minutes(minutes);
    auto resp = c.Send(r);
    CHECK(resp.status == 403);
    CHECK(resp.Xml("/Error/Code") == "RequestTimeTooSkewed");
    CHECK(resp.Xml("/Error/MaxAllowedSkewMilliseconds") == "900000");
    CHECK(ParseIso8601(resp.Xml("/Error/ServerTime")).ok());
  }
  Request within;
  within.time = SystemClock().Now() - std::chrono::minutes(14);
  CHECK(c.Send(within).status == 200);
}

TEST_CASE("Auth: a scope for another region is AuthorizationHeaderMalformed naming the expected region") {
  auto server = StartServer();
  Client c(*server);
  Request r;
  r.region = "eu-central-1";
  auto resp = c.Send(r);
  CHECK(resp.status == 400);
  CHECK(resp.Xml("/Error/Code") == "AuthorizationHeaderMalformed");
  CHECK(resp.Xml("/Error/Region") == "us-east-1");
  CHECK(resp.Xml("/Error/Message").find("eu-central-1") != std::string::npos);
}

TEST_CASE("Auth: unsigned requests are AccessDenied unless anonymous access is allowed") {
  auto server = StartServer();
  Client c(*server);
  Request r;
  r.sign = Sign::kNone;
  auto denied = c.Send(r);
  CHECK(denied.status == 403);
  CHECK(denied.Xml("/Error/Code") == "AccessDenied");
  MockS3Options o;
  o.allow_anonymous = true;
  auto open = StartServer(o);
  Client c2(*open);
  CHECK(c2.Send(r).status == 200);
  // A signed request to an anonymous-friendly server is still verified.
  Client bad(*open, Credentials{o.access_key, "wrong", "", std::nullopt, "t"});
  CHECK(bad.Get("/").status == 403);
}

TEST_CASE("Auth: SigV2 header and query signatures are verified (HMAC-SHA1)") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("v2-bucket").status == 200);
  REQUIRE(c.Put(ObjPath("v2-bucket", "a b"), "sigv2").status == 200);
  auto hmac_sha1 = [&](const std::string& sts) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    const std::string& key = server->options().secret_key;
    HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(sts.data()),
         sts.size(), mac, &len);
    return Base64Encode(std::string_view(reinterpret_cast<const char*>(mac), len));
  };
  const std::string date = FormatHttpDate(SystemClock().Now());
  const std::string sts = "GET\n\n\n" + date + "\nx-amz-meta-x:1\n/v2-bucket/a%20b";
  Request r;
  r.sign = Sign::kNone;
  r.path = ObjPath("v2-bucket", "a b");
  r.headers = {{"Date", date}, {"x-amz-meta-x", "1"},
               {"Authorization", "AWS " + server->options().access_key + ":" + hmac_sha1(sts)}};
  auto ok = c.Send(r);
  CHECK(ok.status == 200);
  CHECK(ok.body == "sigv2");
  r.headers[2].second = "AWS " + server->options().access_key + ":" + hmac_sha1(sts + "x");
  auto bad = c.Send(r);
  CHECK(bad.status == 403);
  CHECK(bad.Xml("/Error/Code") == "SignatureDoesNotMatch");
  CHECK(bad.Xml("/Error/StringToSign") == sts);

  // Query form: Expires replaces Date; sub-resources of interest are signed.
  const std::string expires = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                 SystemClock().Now().time_since_epoch()).count() + 300);
  Request q;
  q.sign = Sign::kNone;
  q.path = ObjPath("v2-bucket", "a b");
  q.query = {{"response-content-type", "text/x-v2"}, {"AWSAccessKeyId", server->options().access_key},
             {"Expires", expires},
             {"Signature", hmac_sha1("GET\n\n\n" + expires + "\n/v2-bucket/a%20b?response-content-type=text/x-v2")}};
  auto qok = c.Send(q);
  CHECK(qok.status == 200);
  CHECK(qok.Header("Content-Type") == "text/x-v2");
  q.query[2].second = "1000";  // long expired
  auto expired = c.Send(q);
  CHECK(expired.status == 403);
  CHECK(expired.Xml("/Error/Message") == "Request has expired");
}

TEST_CASE("Auth: verification disabled accepts any signature") {
  MockS3Options o;
  o.verify_signatures = false;
  auto server = StartServer(o);
  Client bad(*server, Credentials{"whoever", "whatever", "", std::nullopt, "t"});
  CHECK(bad.Get("/").status == 200);
  Request r;
  r.sign = Sign::kNone;
  CHECK(bad.Send(r).status == 200);
}

TEST_CASE("Auth: presigned GET and PUT URLs work until they expire") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("pre").status == 200);
  Request put;
  put.method = "PUT";
  put.path = ObjPath("pre", "dir/a b+c.txt");
  put.sign = Sign::kPresign;
  put.body = "presigned body";
  auto p = c.Send(put);
  REQUIRE(p.status == 200);
  CHECK(server->ObjectBody("pre", "dir/a b+c.txt").value() == "presigned body");

  Request get;
  get.path = put.path;
  get.sign = Sign::kPresign;
  auto g = c.Send(get);
  CHECK(g.status == 200);
  CHECK(g.body == "presigned body");

  Request old = get;
  old.time = SystemClock().Now() - std::chrono::hours(2);
  old.expires = std::chrono::seconds(3600);
  auto expired = c.Send(old);
  CHECK(expired.status == 403);
  CHECK(expired.Xml("/Error/Code") == "AccessDenied");
  CHECK(expired.Xml("/Error/Message") == "Request has expired");
  CHECK(expired.Xml("/Error/X-Amz-Expires") == "3600");
}

TEST_CASE("Auth: a presigned URL with an altered parameter is SignatureDoesNotMatch") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("pre").status == 200);
  Request get;
  get.path = ObjPath("pre", "k");
  std::string target = c.PresignedTarget(get);
  target.replace(target.find("X-Amz-Expires=300"), 17, "X-Amz-Expires=301");
  httplib::Client cli("127.0.0.1", server->port());
  cli.set_url_encode(false);
  auto r = cli.Get(target.c_str());
  REQUIRE(r);
  CHECK(r->status == 403);
  Response resp;
  resp.body = r->body;
  CHECK(resp.Xml("/Error/Code") == "SignatureDoesNotMatch");
}

TEST_CASE("Auth: UNSIGNED-PAYLOAD bodies are accepted without hashing") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("uuu").status == 200);
  Request r;
  r.method = "PUT";
  r.path = ObjPath("uuu", "k");
  r.body = "anything";
  r.payload_hash = kUnsignedPayload;
  CHECK(c.Send(r).status == 200);
  CHECK(server->ObjectBody("uuu", "k").value() == "anything");
}

TEST_CASE("Auth: aws-chunked STREAMING-AWS4-HMAC-SHA256-PAYLOAD bodies verify the chunk signature chain") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("chunks").status == 200);
  const std::string payload = RandomBytes(150000, 7);
  Request r;
  r.method = "PUT";
  r.path = ObjPath("chunks", "big.bin");
  r.headers = {{"Content-Encoding", "aws-chunked"}, {"x-amz-decoded-content-length", std::to_string(payload.size())}};
  r.payload_hash = kStreamingPayload;
  r.wire_body = [&](const HttpRequest& signed_request) { return SignedChunks(c, signed_request, payload, 65536); };
  auto ok = c.Send(r);
  REQUIRE(ok.status == 200);
  CHECK(ok.Header("ETag") == "\"" + HexEncode(Md5(payload)) + "\"");
  CHECK(server->ObjectBody("chunks", "big.bin").value() == payload);
  auto head = c.Head(r.path);
  CHECK(head.Header("Content-Encoding").empty());  // aws-chunked is not stored

  r.path = ObjPath("chunks", "tampered.bin");
  r.wire_body = [&](const HttpRequest& signed_request) { return SignedChunks(c, signed_request, payload, 65536, true); };
  auto bad = c.Send(r);
  CHECK(bad.status == 403);
  CHECK(bad.Xml("/Error/Code") == "SignatureDoesNotMatch");
  CHECK(server->ObjectBody("chunks", "tampered.bin").status().code() == "NoSuchKey");

  r.path = ObjPath("chunks", "wrong-length.bin");
  r.headers = {{"Content-Encoding", "aws-chunked"}, {"x-amz-decoded-content-length", "5"}};
  r.wire_body = [&](const HttpRequest& signed_request) { return SignedChunks(c, signed_request, payload, 65536); };
  auto wrong = c.Send(r);
  CHECK(wrong.status == 400);
  CHECK(wrong.Xml("/Error/Code") == "IncompleteBody");
}

TEST_CASE("Auth: STREAMING-UNSIGNED-PAYLOAD-TRAILER bodies verify trailing checksums") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("trail").status == 200);
  const std::string payload = RandomBytes(70000, 3);
  for (std::string alg : {"crc32", "crc32c", "sha256", "sha1", "crc64nvme"}) {
    DYNAMIC_SECTION("algorithm " << alg) {
      const std::string header = "x-amz-checksum-" + alg;
      const std::string good = *ComputeChecksum(alg, payload);
      Request r;
      r.method = "PUT";
      r.path = ObjPath("trail", alg);
      r.headers = {{"Content-Encoding", "aws-chunked"},
                   {"x-amz-decoded-content-length", std::to_string(payload.size())},
                   {"x-amz-trailer", header}};
      r.payload_hash = kStreamingUnsignedTrailer;
      r.wire_body = [&](const HttpRequest&) { return UnsignedTrailerChunks(payload, 8192, header + ":" + good); };
      auto ok = c.Send(r);
      REQUIRE(ok.status == 200);
      CHECK(ok.Header(header) == good);
      CHECK(server->ObjectBody("trail", alg).value() == payload);
      // The checksum is returned on a full GET when asked for.
      auto g = c.Get(r.path, {{"x-amz-checksum-mode", "ENABLED"}});
      CHECK(g.Header(header) == good);
      auto ranged = c.Get(r.path, {{"x-amz-checksum-mode", "ENABLED"}, {"Range", "bytes=0-9"}});
      CHECK(ranged.Header(header).empty());

      r.path = ObjPath("trail", alg + "-bad");
      const std::string wrong = *ComputeChecksum(alg, payload + "x");
      r.wire_body = [&](const HttpRequest&) { return UnsignedTrailerChunks(payload, 8192, header + ":" + wrong); };
      auto bad = c.Send(r);
      CHECK(bad.status == 400);
      CHECK(bad.Xml("/Error/Code") == "BadDigest");
      CHECK(bad.Xml("/Error/Message").find(ChecksumDisplayName(alg)) != std::string::npos);
    }
  }
}

TEST_CASE("Auth: a declared trailer that never arrives is MalformedTrailerError") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("trail").status == 200);
  Request r;
  r.method = "PUT";
  r.path = ObjPath("trail", "k");
  r.headers = {{"Content-Encoding", "aws-chunked"}, {"x-amz-decoded-content-length", "3"},
               {"x-amz-trailer", "x-amz-checksum-crc32"}};
  r.payload_hash = kStreamingUnsignedTrailer;
  r.wire_body = [](const HttpRequest&) { return std::string("3\r\nabc\r\n0\r\n\r\n"); };
  auto resp = c.Send(r);
  CHECK(resp.status == 400);
  CHECK(resp.Xml("/Error/Code") == "MalformedTrailerError");
}

TEST_CASE("Auth: keys with = @ + space % ~ unicode // and trailing / sign, store and list exactly") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("keys").status == 200);
  const std::vector<std::string> keys = {"a=b", "user@host", "1+1", "with space", "100%", "~tilde",
                                         "caf\xC3\xA9/\xF0\x9F\x98\x80", "double//slash", "dir/", "/leading",
                                         "q?mark&amp;#hash"};
  for (const auto& k : keys) {
    INFO("key " << k);
    REQUIRE(c.Put(ObjPath("keys", k), "body of " + k).status == 200);
    auto g = c.Get(ObjPath("keys", k));
    CHECK(g.status == 200);
    CHECK(g.body == "body of " + k);
  }
  auto listed = server->ObjectKeys("keys");
  REQUIRE(listed.ok());
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  CHECK(*listed == sorted);
}

TEST_CASE("Auth: dates and expiries beyond year 2262, checked before the signature, are errors (no overflow)") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("far").status == 200);
  const std::string ak = server->options().access_key;
  auto send = [&](std::vector<std::pair<std::string, std::string>> query,
                  std::vector<std::pair<std::string, std::string>> headers) {
    Request r;
    r.sign = Sign::kNone;
    r.path = "/far";
    r.query = std::move(query);
    r.headers = std::move(headers);
    return c.Send(r);
  };

  SECTION("SigV2 query Expires past LLONG_MAX or past 2262") {
    for (const char* expires : {"99999999999999999999", "9999999999999", "9223372036854775807"}) {
      INFO(expires);
      auto r = send({{"AWSAccessKeyId", ak}, {"Expires", expires}, {"Signature", "AAAA"}}, {});
      CHECK(r.status == 403);
      CHECK(r.Xml("/Error/Code") == "AccessDenied");
      CHECK_THAT(r.Xml("/Error/Message"), Catch::Contains("Invalid date"));
    }
  }
  SECTION("SigV4 presigned X-Amz-Date in year 9999 with a huge X-Amz-Expires") {
    for (const char* expires : {"99999999999999999999", "300"}) {
      INFO(expires);
      auto r = send({{"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
                     {"X-Amz-Credential", ak + "/99991231/" + c.region() + "/s3/aws4_request"},
                     {"X-Amz-Date", "99991231T000000Z"},
                     {"X-Amz-Expires", expires},
                     {"X-Amz-SignedHeaders", "host"},
                     {"X-Amz-Signature", std::string(64, '0')}},
                    {});
      CHECK(r.status == 400);
      CHECK(r.Xml("/Error/Code") == "AuthorizationQueryParametersError");
    }
  }
  SECTION("SigV4 header x-amz-date in year 9999 or 1000") {
    for (const char* date : {"99991231T000000Z", "10000101T000000Z"}) {
      INFO(date);
      auto r = send({}, {{"x-amz-date", date},
                         {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"},
                         {"Authorization", "AWS4-HMAC-SHA256 Credential=" + ak + "/" + std::string(date).substr(0, 8) +
                                               "/" + c.region() + "/s3/aws4_request, SignedHeaders=host;x-amz-date, "
                                               "Signature=" + std::string(64, '0')}});
      CHECK(r.status == 403);
      CHECK(r.Xml("/Error/Code") == "AccessDenied");
    }
  }
  SECTION("SigV2 header Date in year 9999") {
    auto r = send({}, {{"Date", "Fri, 31 Dec 9999 23:59:59 GMT"}, {"Authorization", "AWS " + ak + ":AAAA"}});
    CHECK(r.status == 403);
    CHECK(r.Xml("/Error/Code") == "AccessDenied");
  }
  // And the server still answers a good request.
  CHECK(c.Get("/far").status == 200);
}
