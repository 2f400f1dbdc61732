// Multipart uploads in the mock: Create/UploadPart/UploadPartCopy/Complete/Abort,
// ListParts and ListMultipartUploads paging, S3's limits and error codes, the
// multipart ETag, versioning, and GET/HEAD by partNumber.

#include <catch2/catch.hpp>

#include <cstdio>
#include <set>

#include "auth/signer.h"
#include "common/crypto.h"
#include "mock/checksums.h"
#include "support/mock_requests.h"
#include "support/random_bytes.h"

using namespace s3ml;
using namespace s3ml::mock;
using namespace s3ml::mock::testing;
using s3ml::test::RandomBytes;

namespace {

constexpr std::size_t kMiB = 1024 * 1024;

std::string Md5Binary(const std::string& s) {
  auto d = Md5(s);
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

std::string QuotedMd5(const std::string& s) { return "\"" + HexEncode(Md5(s)) + "\""; }

std::string PartsXml(const std::vector<std::pair<int, std::string>>& parts) {
  std::string s = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (const auto& [n, etag] : parts)
    s += "<Part><PartNumber>" + std::to_string(n) + "</PartNumber><ETag>" + etag + "</ETag></Part>";
  return s + "</CompleteMultipartUpload>";
}

struct Fixture {
  Fixture() : server(StartServer()), c(*server) { REQUIRE(c.CreateBucket("mpu").status == 200); }

  Response Create(const std::string& key, std::vector<std::pair<std::string, std::string>> headers = {}) const {
    Request r;
    r.method = "POST";
    r.path = ObjPath("mpu", key);
    r.query = {{"uploads", ""}};
    r.headers = std::move(headers);
    return c.Send(r);
  }
  std::string CreateId(const std::string& key, std::vector<std::pair<std::string, std::string>> headers = {}) const {
    auto res = Create(key, std::move(headers));
    REQUIRE(res.status == 200);
    std::string id = res.Xml("/InitiateMultipartUploadResult/UploadId");
    REQUIRE(!id.empty());
    return id;
  }
  Response Part(const std::string& key, const std::string& id, const std::string& number, std::string body,
                std::vector<std::pair<std::string, std::string>> headers = {}) const {
    Request r;
    r.method = "PUT";
    r.path = ObjPath("mpu", key);
    r.query = {{"partNumber", number}, {"uploadId", id}};
    r.headers = std::move(headers);
    r.body = std::move(body);
    return c.Send(r);
  }
  Response Complete(const std::string& key, const std::string& id, std::string body) const {
    Request r;
    r.method = "POST";
    r.path = ObjPath("mpu", key);
    r.query = {{"uploadId", id}};
    r.body = std::move(body);
    return c.Send(r);
  }
  Response Abort(const std::string& key, const std::string& id) const {
    Request r;
    r.method = "DELETE";
    r.path = ObjPath("mpu", key);
    r.query = {{"uploadId", id}};
    return c.Send(r);
  }
  Response ListParts(const std::string& key, const std::string& id,
                     std::vector<std::pair<std::string, std::string>> extra = {}) const {
    Request r;
    r.path = ObjPath("mpu", key);
    r.query = {{"uploadId", id}};
    for (auto& kv : extra) r.query.push_back(std::move(kv));
    return c.Send(r);
  }
  Response ListUploads(std::vector<std::pair<std::string, std::string>> extra = {}) const {
    Request r;
    r.path = "/mpu";
    r.query = {{"uploads", ""}};
    for (auto& kv : extra) r.query.push_back(std::move(kv));
    return c.Send(r);
  }

  std::unique_ptr<MockS3Server> server;
  Client c;
};

}  // namespace

TEST_CASE("Multipart: create, upload, complete yields the concatenated body, the -N ETag and the create-time attributes") {
  Fixture f;
  const std::string id = f.CreateId("big.bin", {{"Content-Type", "application/x-tar"},
                                                {"x-amz-meta-shard", "7"},
                                                {"x-amz-storage-class", "STANDARD_IA"},
                                                {"x-amz-tagging", "team=ml"}});
  const std::string p1 = RandomBytes(5 * kMiB, 1), p2 = RandomBytes(5 * kMiB + 17, 2), p3 = RandomBytes(1000, 3);
  auto r1 = f.Part("big.bin", id, "1", p1);
  auto r2 = f.Part("big.bin", id, "2", p2);
  auto r3 = f.Part("big.bin", id, "3", p3);
  REQUIRE(r1.status == 200);
  REQUIRE(r2.status == 200);
  REQUIRE(r3.status == 200);
  CHECK(r1.Header("ETag") == QuotedMd5(p1));
  CHECK(r3.Header("ETag") == QuotedMd5(p3));
  // Not visible before completion.
  CHECK(f.c.Head(ObjPath("mpu", "big.bin")).status == 404);

  auto done = f.Complete("big.bin", id, PartsXml({{1, r1.Header("ETag")}, {2, r2.Header("ETag")}, {3, r3.Header("ETag")}}));
  INFO(done.body);
  REQUIRE(done.status == 200);
  const std::string expected_etag = "\"" + HexEncode(Md5(Md5Binary(p1) + Md5Binary(p2) + Md5Binary(p3))) + "-3\"";
  CHECK(done.Xml("/CompleteMultipartUploadResult/ETag") == expected_etag);
  CHECK(done.Xml("/CompleteMultipartUploadResult/Key") == "big.bin");
  CHECK(done.Xml("/CompleteMultipartUploadResult/Bucket") == "mpu");
  CHECK(done.Header("x-amz-version-id").empty());

  CHECK(f.server->ObjectBody("mpu", "big.bin").value() == p1 + p2 + p3);
  auto head = f.c.Head(ObjPath("mpu", "big.bin"));
  CHECK(head.Header("ETag") == expected_etag);
  CHECK(head.Header("Content-Type") == "application/x-tar");
  CHECK(head.Header("x-amz-meta-shard") == "7");
  CHECK(head.Header("x-amz-storage-class") == "STANDARD_IA");
  CHECK(head.Header("x-amz-tagging-count") == "1");
  // The upload is gone: its parts can no longer be listed (a retried Complete is
  // answered as the first was: see the test of retries below).
  auto again = f.ListParts("big.bin", id);
  CHECK(again.status == 404);
  CHECK(again.Xml("/Error/Code") == "NoSuchUpload");
}

TEST_CASE("Multipart: GET and HEAD with partNumber serve that part's range and x-amz-mp-parts-count; out of range fails") {
  Fixture f;
  const std::string id = f.CreateId("k");
  const std::string p1 = RandomBytes(5 * kMiB, 4), p2 = RandomBytes(300, 5);
  auto r1 = f.Part("k", id, "1", p1);
  auto r2 = f.Part("k", id, "2", p2);
  REQUIRE(f.Complete("k", id, PartsXml({{1, r1.Header("ETag")}, {2, r2.Header("ETag")}})).status == 200);

  Request g;
  g.path = ObjPath("mpu", "k");
  g.query = {{"partNumber", "2"}};
  auto part2 = f.c.Send(g);
  REQUIRE(part2.status == 206);
  CHECK(part2.body == p2);
  CHECK(part2.Header("x-amz-mp-parts-count") == "2");
  CHECK(part2.Header("Content-Range") == "bytes " + std::to_string(p1.size()) + "-" +
                                             std::to_string(p1.size() + p2.size() - 1) + "/" +
                                             std::to_string(p1.size() + p2.size()));
  g.method = "HEAD";
  g.query = {{"partNumber", "1"}};
  auto head1 = f.c.Send(g);
  CHECK(head1.status == 206);
  CHECK(head1.Header("Content-Length") == std::to_string(p1.size()));
  CHECK(head1.Header("Content-Range") == "bytes 0-" + std::to_string(p1.size() - 1) + "/" +
                                             std::to_string(p1.size() + p2.size()));
  g.method = "GET";
  g.query = {{"partNumber", "3"}};
  auto too_far = f.c.Send(g);
  CHECK(too_far.status == 400);  // not 416: the part number, not a byte range, is out of bounds
  CHECK(too_far.Xml("/Error/Code") == "InvalidPartNumber");
  CHECK(too_far.Xml("/Error/ActualPartCount") == "2");
  g.query = {{"partNumber", "0"}};
  auto zero = f.c.Send(g);
  CHECK(zero.status == 400);
  CHECK(zero.Xml("/Error/Code") == "InvalidArgument");
}

TEST_CASE("Multipart: UploadPart refuses part numbers outside 1..10000 and unknown uploads") {
  Fixture f;
  const std::string id = f.CreateId("k");
  for (const char* bad : {"0", "10001", "-1", "abc", ""}) {
    auto r = f.Part("k", id, bad, "x");
    INFO("partNumber=" << bad);
    CHECK(r.status == 400);
    CHECK(r.Xml("/Error/Code") == "InvalidArgument");
    CHECK(r.Xml("/Error/ArgumentName") == "partNumber");
  }
  CHECK(f.Part("k", id, "10000", "x").status == 200);
  auto unknown = f.Part("k", "no-such-upload", "1", "x");
  CHECK(unknown.status == 404);
  CHECK(unknown.Xml("/Error/Code") == "NoSuchUpload");
  CHECK(unknown.Xml("/Error/UploadId") == "no-such-upload");
  // An upload id is bound to its key.
  CHECK(f.Part("other-key", id, "1", "x").Xml("/Error/Code") == "NoSuchUpload");
}

TEST_CASE("Multipart: Complete reports InvalidPart, InvalidPartOrder, EntityTooSmall and MalformedXML") {
  Fixture f;
  const std::string id = f.CreateId("k");
  const std::string big = RandomBytes(5 * kMiB, 6);
  auto r1 = f.Part("k", id, "1", big);
  auto r2 = f.Part("k", id, "2", "small");
  auto r3 = f.Part("k", id, "3", "tail");
  const std::string e1 = r1.Header("ETag"), e2 = r2.Header("ETag"), e3 = r3.Header("ETag");

  auto missing = f.Complete("k", id, PartsXml({{1, e1}, {4, e3}}));
  CHECK(missing.status == 400);
  CHECK(missing.Xml("/Error/Code") == "InvalidPart");
  auto wrong_etag = f.Complete("k", id, PartsXml({{1, e1}, {3, e2}}));
  CHECK(wrong_etag.Xml("/Error/Code") == "InvalidPart");
  auto order = f.Complete("k", id, PartsXml({{3, e3}, {1, e1}}));
  CHECK(order.status == 400);
  CHECK(order.Xml("/Error/Code") == "InvalidPartOrder");
  auto dup = f.Complete("k", id, PartsXml({{1, e1}, {1, e1}}));
  CHECK(dup.Xml("/Error/Code") == "InvalidPartOrder");
  auto small = f.Complete("k", id, PartsXml({{1, e1}, {2, e2}, {3, e3}}));
  CHECK(small.status == 400);
  CHECK(small.Xml("/Error/Code") == "EntityTooSmall");
  CHECK(small.Xml("/Error/PartNumber") == "2");
  for (const std::string& body : {std::string(), std::string("<nope"), std::string("<Other/>"),
                                  std::string("<CompleteMultipartUpload></CompleteMultipartUpload>"),
                                  std::string("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part>"
                                              "</CompleteMultipartUpload>")}) {
    INFO(body);
    auto bad = f.Complete("k", id, body);
    CHECK(bad.status == 400);
    CHECK(bad.Xml("/Error/Code") == "MalformedXML");
  }
  // Failed completes leave the upload intact: skipping the small part works (the last part may be small).
  auto ok = f.Complete("k", id, PartsXml({{1, e1}, {3, e3}}));
  INFO(ok.body);
  REQUIRE(ok.status == 200);
  CHECK(f.server->ObjectBody("mpu", "k").value() == big + "tail");
  CHECK(f.Complete("k", "nope", PartsXml({{1, e1}})).Xml("/Error/Code") == "NoSuchUpload");
}

TEST_CASE("Multipart: a retried Complete of a completed upload answers 200 with the same result") {
  // "Note that if CompleteMultipartUpload fails, applications should be prepared to retry
  // any failed requests" (CompleteMultipartUpload): a retry after a lost answer finds the
  // upload completed, and S3 answers it as the first time, not NoSuchUpload.
  Fixture f;
  const std::string id = f.CreateId("done", {{"x-amz-checksum-algorithm", "SHA256"}});
  auto p1 = f.Part("done", id, "1", "only part", {{"x-amz-checksum-sha256", Base64Encode(Sha256("only part"))}});
  REQUIRE(p1.status == 200);
  const std::string xml = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + p1.Header("ETag") +
                          "</ETag><ChecksumSHA256>" + Base64Encode(Sha256("only part")) +
                          "</ChecksumSHA256></Part></CompleteMultipartUpload>";
  auto first = f.Complete("done", id, xml);
  INFO(first.body);
  REQUIRE(first.status == 200);
  auto again = f.Complete("done", id, xml);
  INFO(again.body);
  REQUIRE(again.status == 200);
  CHECK(again.Xml("/CompleteMultipartUploadResult/ETag") == first.Xml("/CompleteMultipartUploadResult/ETag"));
  CHECK(again.Xml("/CompleteMultipartUploadResult/Key") == "done");
  CHECK(again.Xml("/CompleteMultipartUploadResult/ChecksumSHA256") ==
        first.Xml("/CompleteMultipartUploadResult/ChecksumSHA256"));
  CHECK_FALSE(again.Xml("/CompleteMultipartUploadResult/ChecksumSHA256").empty());
  CHECK(f.server->ObjectBody("mpu", "done").value() == "only part");
  // The upload itself is gone: its id names no upload for other operations or keys.
  CHECK(f.Abort("done", id).Xml("/Error/Code") == "NoSuchUpload");
  CHECK(f.Complete("other-key", id, xml).Xml("/Error/Code") == "NoSuchUpload");
  CHECK(f.ListParts("done", id).Xml("/Error/Code") == "NoSuchUpload");
}

TEST_CASE("Multipart: Complete refuses a stated whole-object checksum the parts do not give (BadDigest)") {
  // "x-amz-checksum-sha256: This header can be used as a data integrity check to verify
  // that the data received is the same data that was originally sent." (CompleteMultipartUpload)
  Fixture f;
  const std::string id = f.CreateId("sum", {{"x-amz-checksum-algorithm", "SHA256"}});
  const std::string part_sum = Base64Encode(Sha256("part body"));
  auto p1 = f.Part("sum", id, "1", "part body", {{"x-amz-checksum-sha256", part_sum}});
  REQUIRE(p1.status == 200);
  const std::string xml = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + p1.Header("ETag") +
                          "</ETag><ChecksumSHA256>" + part_sum + "</ChecksumSHA256></Part></CompleteMultipartUpload>";
  const auto digest = Sha256("part body");
  const std::string composite =
      Base64Encode(Sha256(std::string(reinterpret_cast<const char*>(digest.data()), digest.size())));
  auto complete = [&](const std::string& stated) {
    Request r;
    r.method = "POST";
    r.path = ObjPath("mpu", "sum");
    r.query = {{"uploadId", id}};
    r.headers = {{"x-amz-checksum-sha256", stated}};
    r.body = xml;
    return f.c.Send(r);
  };
  auto wrong = complete(Base64Encode(Sha256("other bytes")) + "-1");
  CHECK(wrong.status == 400);
  CHECK(wrong.Xml("/Error/Code") == "BadDigest");
  CHECK_FALSE(f.server->ObjectBody("mpu", "sum").ok());  // nothing stored; the upload is still open
  auto right = complete(composite + "-1");
  INFO(right.body);
  REQUIRE(right.status == 200);
  CHECK(right.Xml("/CompleteMultipartUploadResult/ChecksumSHA256") == composite + "-1");
  CHECK(f.server->ObjectBody("mpu", "sum").value() == "part body");
}

TEST_CASE("Multipart: Abort answers 204 and discards the upload; a second abort is NoSuchUpload") {
  Fixture f;
  const std::string id = f.CreateId("k");
  REQUIRE(f.Part("k", id, "1", "data").status == 200);
  auto a = f.Abort("k", id);
  CHECK(a.status == 204);
  auto again = f.Abort("k", id);
  CHECK(again.status == 404);
  CHECK(again.Xml("/Error/Code") == "NoSuchUpload");
  CHECK(f.ListParts("k", id).Xml("/Error/Code") == "NoSuchUpload");
  CHECK(f.ListUploads().XmlAll("/ListMultipartUploadsResult/Upload").empty());
  CHECK(f.c.Head(ObjPath("mpu", "k")).status == 404);
}

TEST_CASE("Multipart: ListParts pages with max-parts and part-number-marker; re-upload replaces a part") {
  Fixture f;
  const std::string id = f.CreateId("k");
  for (int n = 1; n <= 5; ++n) REQUIRE(f.Part("k", id, std::to_string(n), "part" + std::to_string(n)).status == 200);
  REQUIRE(f.Part("k", id, "3", "replaced-3").status == 200);

  auto p1 = f.ListParts("k", id, {{"max-parts", "2"}});
  REQUIRE(p1.status == 200);
  CHECK(p1.XmlAll("/ListPartsResult/Part/PartNumber") == std::vector<std::string>{"1", "2"});
  CHECK(p1.Xml("/ListPartsResult/IsTruncated") == "true");
  CHECK(p1.Xml("/ListPartsResult/NextPartNumberMarker") == "2");
  CHECK(p1.Xml("/ListPartsResult/MaxParts") == "2");
  CHECK(p1.Xml("/ListPartsResult/UploadId") == id);
  auto p2 = f.ListParts("k", id, {{"max-parts", "2"}, {"part-number-marker", "2"}});
  CHECK(p2.XmlAll("/ListPartsResult/Part/PartNumber") == std::vector<std::string>{"3", "4"});
  CHECK(p2.XmlAll("/ListPartsResult/Part/Size") == std::vector<std::string>{"10", "5"});
  CHECK(p2.XmlAll("/ListPartsResult/Part/ETag")[0] == QuotedMd5("replaced-3"));
  CHECK(p2.Xml("/ListPartsResult/PartNumberMarker") == "2");
  auto p3 = f.ListParts("k", id, {{"max-parts", "2"}, {"part-number-marker", "4"}});
  CHECK(p3.XmlAll("/ListPartsResult/Part/PartNumber") == std::vector<std::string>{"5"});
  CHECK(p3.Xml("/ListPartsResult/IsTruncated") == "false");
  CHECK(f.ListParts("k", id, {{"max-parts", "x"}}).Xml("/Error/Code") == "InvalidArgument");
}

TEST_CASE("Multipart: ListMultipartUploads filters by prefix and delimiter and pages with key and upload-id markers") {
  Fixture f;
  const std::string a1 = f.CreateId("a/one");
  const std::string a2 = f.CreateId("a/two");
  const std::string b1 = f.CreateId("b");
  const std::string b2 = f.CreateId("b");
  const std::string c1 = f.CreateId("c");

  auto all = f.ListUploads();
  REQUIRE(all.status == 200);
  CHECK(all.XmlAll("/ListMultipartUploadsResult/Upload/Key") ==
        std::vector<std::string>{"a/one", "a/two", "b", "b", "c"});
  CHECK(all.Xml("/ListMultipartUploadsResult/IsTruncated") == "false");

  auto delim = f.ListUploads({{"delimiter", "/"}});
  CHECK(delim.XmlAll("/ListMultipartUploadsResult/CommonPrefixes/Prefix") == std::vector<std::string>{"a/"});
  CHECK(delim.XmlAll("/ListMultipartUploadsResult/Upload/Key") == std::vector<std::string>{"b", "b", "c"});

  auto prefixed = f.ListUploads({{"prefix", "a/"}});
  CHECK(prefixed.XmlAll("/ListMultipartUploadsResult/Upload/UploadId") == std::vector<std::string>{a1, a2});

  // Page through two at a time with the markers S3 returns.
  std::vector<std::string> keys, ids;
  std::vector<std::pair<std::string, std::string>> markers;
  for (int page = 0; page < 10; ++page) {
    auto extra = markers;
    extra.emplace_back("max-uploads", "2");
    auto r = f.ListUploads(extra);
    REQUIRE(r.status == 200);
    for (const auto& k : r.XmlAll("/ListMultipartUploadsResult/Upload/Key")) keys.push_back(k);
    for (const auto& i : r.XmlAll("/ListMultipartUploadsResult/Upload/UploadId")) ids.push_back(i);
    if (r.Xml("/ListMultipartUploadsResult/IsTruncated") != "true") break;
    markers = {{"key-marker", r.Xml("/ListMultipartUploadsResult/NextKeyMarker")},
               {"upload-id-marker", r.Xml("/ListMultipartUploadsResult/NextUploadIdMarker")}};
  }
  CHECK(keys == std::vector<std::string>{"a/one", "a/two", "b", "b", "c"});
  CHECK(ids.size() == 5);
  CHECK(std::set<std::string>(ids.begin(), ids.end()) == std::set<std::string>{a1, a2, b1, b2, c1});

  // key-marker alone skips every upload of that key.
  auto after_b = f.ListUploads({{"key-marker", "b"}});
  CHECK(after_b.XmlAll("/ListMultipartUploadsResult/Upload/Key") == std::vector<std::string>{"c"});
  CHECK(f.ListUploads({{"max-uploads", "-3"}}).Xml("/Error/Code") == "InvalidArgument");
}

TEST_CASE("Multipart: UploadPartCopy copies a whole object or a byte range; bad ranges and sources fail") {
  Fixture f;
  const std::string src = RandomBytes(6 * kMiB, 8);
  REQUIRE(f.c.Put(ObjPath("mpu", "src"), src).status == 200);
  const std::string id = f.CreateId("dst");
  auto copy = [&](const std::string& n, std::vector<std::pair<std::string, std::string>> headers) {
    Request r;
    r.method = "PUT";
    r.path = ObjPath("mpu", "dst");
    r.query = {{"partNumber", n}, {"uploadId", id}};
    r.headers = std::move(headers);
    return f.c.Send(r);
  };
  auto whole = copy("1", {{"x-amz-copy-source", "/mpu/src"}});
  INFO(whole.body);
  REQUIRE(whole.status == 200);
  CHECK(whole.Xml("/CopyPartResult/ETag") == QuotedMd5(src));
  CHECK(!whole.Xml("/CopyPartResult/LastModified").empty());
  auto ranged = copy("2", {{"x-amz-copy-source", "mpu/src"}, {"x-amz-copy-source-range", "bytes=10-19"}});
  REQUIRE(ranged.status == 200);
  CHECK(ranged.Xml("/CopyPartResult/ETag") == QuotedMd5(src.substr(10, 10)));

  auto beyond = copy("3", {{"x-amz-copy-source", "mpu/src"}, {"x-amz-copy-source-range", "bytes=0-" + std::to_string(src.size())}});
  CHECK(beyond.status == 400);
  CHECK(beyond.Xml("/Error/Code") == "InvalidArgument");
  auto syntax = copy("3", {{"x-amz-copy-source", "mpu/src"}, {"x-amz-copy-source-range", "bytes=5-"}});
  CHECK(syntax.Xml("/Error/Code") == "InvalidArgument");
  CHECK(copy("3", {{"x-amz-copy-source", "mpu/none"}}).Xml("/Error/Code") == "NoSuchKey");
  CHECK(copy("3", {{"x-amz-copy-source", "mpu/src"}, {"x-amz-copy-source-if-match", "\"nope\""}}).status == 412);

  auto done = f.Complete("dst", id, PartsXml({{1, whole.Xml("/CopyPartResult/ETag")}, {2, ranged.Xml("/CopyPartResult/ETag")}}));
  REQUIRE(done.status == 200);
  CHECK(f.server->ObjectBody("mpu", "dst").value() == src + src.substr(10, 10));
}

TEST_CASE("Multipart: completing in a versioned bucket adds a version like a PUT") {
  Fixture f;
  Request v;
  v.method = "PUT";
  v.path = "/mpu";
  v.query = {{"versioning", ""}};
  v.body = "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>";
  REQUIRE(f.c.Send(v).status == 200);
  auto put = f.c.Put(ObjPath("mpu", "k"), "old");
  REQUIRE(put.status == 200);
  const std::string id = f.CreateId("k");
  auto p = f.Part("k", id, "1", "new");
  auto done = f.Complete("k", id, PartsXml({{1, p.Header("ETag")}}));
  REQUIRE(done.status == 200);
  const std::string vid = done.Header("x-amz-version-id");
  CHECK(!vid.empty());
  CHECK(vid != put.Header("x-amz-version-id"));
  CHECK(f.c.Get(ObjPath("mpu", "k")).body == "new");
  Request old;
  old.path = ObjPath("mpu", "k");
  old.query = {{"versionId", put.Header("x-amz-version-id")}};
  CHECK(f.c.Send(old).body == "old");
}

TEST_CASE("Multipart: UploadPart accepts aws-chunked bodies with trailing checksums as PutObject does") {
  Fixture f;
  const std::string id = f.CreateId("k");
  const std::string payload = RandomBytes(70000, 9);
  Request r;
  r.method = "PUT";
  r.path = ObjPath("mpu", "k");
  r.query = {{"partNumber", "1"}, {"uploadId", id}};
  r.headers = {{"Content-Encoding", "aws-chunked"},
               {"x-amz-decoded-content-length", std::to_string(payload.size())},
               {"x-amz-trailer", "x-amz-checksum-crc32"}};
  r.payload_hash = kStreamingUnsignedTrailer;
  const std::string crc = *ComputeChecksum("crc32", payload);
  r.wire_body = [&](const HttpRequest&) {
    std::string out;
    for (std::size_t off = 0; off < payload.size(); off += 8192) {
      const std::string chunk = payload.substr(off, 8192);
      char hex[32];
      std::snprintf(hex, sizeof(hex), "%zx", chunk.size());
      out += std::string(hex) + "\r\n" + chunk + "\r\n";
    }
    return out + "0\r\nx-amz-checksum-crc32:" + crc + "\r\n\r\n";
  };
  auto res = f.c.Send(r);
  INFO(res.body);
  REQUIRE(res.status == 200);
  CHECK(res.Header("ETag") == QuotedMd5(payload));
  CHECK(res.Header("x-amz-checksum-crc32") == crc);
  REQUIRE(f.Complete("k", id, PartsXml({{1, res.Header("ETag")}})).status == 200);
  CHECK(f.server->ObjectBody("mpu", "k").value() == payload);
}

TEST_CASE("Multipart: DeleteBucket succeeds with uploads in progress (as S3) and discards them; missing bucket fails") {
  Fixture f;
  const std::string id = f.CreateId("k");
  REQUIRE(f.Part("k", id, "1", "data").status == 200);
  CHECK(f.c.Delete("/mpu").status == 204);
  auto gone = f.ListUploads();
  CHECK(gone.status == 404);
  CHECK(gone.Xml("/Error/Code") == "NoSuchBucket");
  CHECK(f.Create("k").Xml("/Error/Code") == "NoSuchBucket");
}
