#include <catch2/catch.hpp>

#include "common/crypto.h"
#include "support/mock_requests.h"

using namespace s3ml;
using namespace s3ml::mock;
using namespace s3ml::mock::testing;

namespace {
std::string QuotedMd5(const std::string& s) { return "\"" + HexEncode(Md5(s)) + "\""; }

struct Fixture {
  Fixture() : server(StartServer()), c(*server) { REQUIRE(c.CreateBucket("obj").status == 200); }
  std::unique_ptr<MockS3Server> server;
  Client c;
};
}  // namespace

TEST_CASE("Objects: PutObject then GetObject round-trips body and every stored attribute") {
  Fixture f;
  const std::string body = "hello, object";
  auto put = f.c.Put(ObjPath("obj", "doc.txt"), body,
                     {{"Content-Type", "text/plain"},
                      {"x-amz-meta-Author", "Ada"},
                      {"x-amz-meta-count", "3"},
                      {"x-amz-storage-class", "STANDARD_IA"},
                      {"x-amz-tagging", "team=ml&stage=dev%20x"},
                      {"Cache-Control", "max-age=60"},
                      {"Content-Disposition", "attachment"},
                      {"Content-Language", "en"}});
  INFO(put.body);
  REQUIRE(put.status == 200);
  CHECK(put.Header("ETag") == QuotedMd5(body));
  auto g = f.c.Get(ObjPath("obj", "doc.txt"));
  REQUIRE(g.status == 200);
  CHECK(g.body == body);
  CHECK(g.Header("ETag") == QuotedMd5(body));
  CHECK(g.Header("Content-Type") == "text/plain");
  CHECK(g.Header("Content-Length") == std::to_string(body.size()));
  CHECK(g.Header("x-amz-meta-author") == "Ada");
  CHECK(g.Header("x-amz-meta-count") == "3");
  CHECK(g.Header("x-amz-storage-class") == "STANDARD_IA");
  CHECK(g.Header("x-amz-tagging-count") == "2");
  CHECK(g.Header("Cache-Control") == "max-age=60");
  CHECK(g.Header("Content-Disposition") == "attachment");
  CHECK(g.Header("Content-Language") == "en");
  CHECK(g.Header("Accept-Ranges") == "bytes");
  CHECK(g.HeaderCount("Accept-Ranges") == 1);
  CHECK(ParseHttpDate(g.Header("Last-Modified")).ok());
  CHECK(g.Header("x-amz-request-id").size() == 16);
  CHECK_FALSE(g.Header("x-amz-id-2").empty());
}

TEST_CASE("Objects: defaults are binary/octet-stream and STANDARD (not echoed), empty bodies work") {
  Fixture f;
  Request r;
  r.method = "PUT";
  r.path = ObjPath("obj", "empty");
  r.headers = {{"Content-Type", ""}};
  REQUIRE(f.c.Send(r).status == 200);
  auto g = f.c.Get(ObjPath("obj", "empty"));
  CHECK(g.status == 200);
  CHECK(g.body.empty());
  CHECK(g.Header("Content-Length") == "0");
  CHECK(g.Header("ETag") == QuotedMd5(""));
  CHECK(g.Header("Content-Type") == "binary/octet-stream");
  CHECK(g.Header("x-amz-storage-class").empty());
}

TEST_CASE("Objects: Content-MD5 is verified (BadDigest, InvalidDigest)") {
  Fixture f;
  const std::string body = "checked";
  CHECK(f.c.Put(ObjPath("obj", "md5"), body, {{"Content-MD5", Base64Encode(Md5(body))}}).status == 200);
  auto bad = f.c.Put(ObjPath("obj", "md5-bad"), body, {{"Content-MD5", Base64Encode(Md5("other"))}});
  CHECK(bad.status == 400);
  CHECK(bad.Xml("/Error/Code") == "BadDigest");
  CHECK(bad.Xml("/Error/CalculatedDigest") == Base64Encode(Md5(body)));
  auto invalid = f.c.Put(ObjPath("obj", "md5-invalid"), body, {{"Content-MD5", "not base64!"}});
  CHECK(invalid.status == 400);
  CHECK(invalid.Xml("/Error/Code") == "InvalidDigest");
  CHECK(f.server->ObjectBody("obj", "md5-bad").status().code() == "NoSuchKey");
}

TEST_CASE("Objects: x-amz-checksum headers on a plain PUT are verified and echoed") {
  Fixture f;
  auto ok = f.c.Put(ObjPath("obj", "crc"), "123456789", {{"x-amz-checksum-crc32", "y/Q5Jg=="}});
  CHECK(ok.status == 200);
  CHECK(ok.Header("x-amz-checksum-crc32") == "y/Q5Jg==");
  auto bad = f.c.Put(ObjPath("obj", "crc2"), "12345678", {{"x-amz-checksum-crc32", "y/Q5Jg=="}});
  CHECK(bad.status == 400);
  CHECK(bad.Xml("/Error/Code") == "BadDigest");
}

TEST_CASE("Objects: invalid storage class, too many tags and over-long keys are refused") {
  Fixture f;
  auto sc = f.c.Put(ObjPath("obj", "k"), "x", {{"x-amz-storage-class", "FROZEN"}});
  CHECK(sc.status == 400);
  CHECK(sc.Xml("/Error/Code") == "InvalidStorageClass");
  std::string tags;
  for (int i = 0; i < 11; ++i) tags += (i ? "&" : "") + std::string("k") + std::to_string(i) + "=v";
  auto t = f.c.Put(ObjPath("obj", "k"), "x", {{"x-amz-tagging", tags}});
  CHECK(t.status == 400);
  CHECK(t.Xml("/Error/Message").find("10") != std::string::npos);
  auto longkey = f.c.Put(ObjPath("obj", std::string(1025, 'k')), "x");
  CHECK(longkey.status == 400);
  CHECK(longkey.Xml("/Error/Code") == "KeyTooLongError");
  CHECK(f.c.Put(ObjPath("obj", std::string(1024, 'k')), "x").status == 200);
  auto meta = f.c.Put(ObjPath("obj", "m"), "x", {{"x-amz-meta-big", std::string(2100, 'v')}});
  CHECK(meta.status == 400);
  CHECK(meta.Xml("/Error/Code") == "MetadataTooLarge");
}

TEST_CASE("Objects: If-None-Match * refuses to overwrite with 412 PreconditionFailed") {
  Fixture f;
  CHECK(f.c.Put(ObjPath("obj", "once"), "first", {{"If-None-Match", "*"}}).status == 200);
  auto second = f.c.Put(ObjPath("obj", "once"), "second", {{"If-None-Match", "*"}});
  CHECK(second.status == 412);
  CHECK(second.Xml("/Error/Code") == "PreconditionFailed");
  CHECK(second.Xml("/Error/Condition") == "If-None-Match");
  CHECK(f.server->ObjectBody("obj", "once").value() == "first");
}

TEST_CASE("Objects: GetObject ranges - closed, open-ended, suffix, clamped and unsatisfiable") {
  Fixture f;
  std::string body;
  for (int i = 0; i < 100; ++i) body += static_cast<char>('0' + i % 10);
  REQUIRE(f.c.Put(ObjPath("obj", "r"), body).status == 200);
  struct Case {
    std::string range;
    std::string content_range;
    std::string bytes;
  };
  for (const auto& tc : std::vector<Case>{{"bytes=0-9", "bytes 0-9/100", body.substr(0, 10)},
                                          {"bytes=95-", "bytes 95-99/100", body.substr(95)},
                                          {"bytes=-7", "bytes 93-99/100", body.substr(93)},
                                          {"bytes=90-500", "bytes 90-99/100", body.substr(90)},
                                          {"bytes=-500", "bytes 0-99/100", body},
                                          {"bytes=99-99", "bytes 99-99/100", body.substr(99)}}) {
    INFO(tc.range);
    auto g = f.c.Get(ObjPath("obj", "r"), {{"Range", tc.range}});
    CHECK(g.status == 206);
    CHECK(g.Header("Content-Range") == tc.content_range);
    CHECK(g.Header("Content-Length") == std::to_string(tc.bytes.size()));
    CHECK(g.body == tc.bytes);
  }
  auto bad = f.c.Get(ObjPath("obj", "r"), {{"Range", "bytes=100-"}});
  CHECK(bad.status == 416);
  CHECK(bad.Xml("/Error/Code") == "InvalidRange");
  CHECK(bad.Xml("/Error/ActualObjectSize") == "100");
  CHECK(bad.Header("Content-Range") == "bytes */100");
  // Several ranges: S3 ignores the header and sends the whole object.
  auto multi = f.c.Get(ObjPath("obj", "r"), {{"Range", "bytes=0-1,5-6"}});
  CHECK(multi.status == 200);
  CHECK(multi.body == body);
  auto head = f.c.Head(ObjPath("obj", "r"), {{"Range", "bytes=10-19"}});
  CHECK(head.status == 206);
  CHECK(head.Header("Content-Length") == "10");
  CHECK(head.body.empty());
}

TEST_CASE("Objects: conditional GETs give 304 and 412 per RFC 7232") {
  Fixture f;
  REQUIRE(f.c.Put(ObjPath("obj", "c"), "conditional").status == 200);
  auto g = f.c.Get(ObjPath("obj", "c"));
  const std::string etag = g.Header("ETag");
  const std::string past = FormatHttpDate(SystemClock().Now() - std::chrono::hours(24));
  const std::string future = FormatHttpDate(SystemClock().Now() + std::chrono::hours(24));

  CHECK(f.c.Get(ObjPath("obj", "c"), {{"If-Match", etag}}).status == 200);
  CHECK(f.c.Get(ObjPath("obj", "c"), {{"If-Match", "\"0000\", " + etag}}).status == 200);
  auto im = f.c.Get(ObjPath("obj", "c"), {{"If-Match", "\"0000\""}});
  CHECK(im.status == 412);
  CHECK(im.Xml("/Error/Condition") == "If-Match");
  auto inm = f.c.Get(ObjPath("obj", "c"), {{"If-None-Match", etag}});
  CHECK(inm.status == 304);
  CHECK(inm.body.empty());
  CHECK(inm.Header("ETag") == etag);
  CHECK(f.c.Get(ObjPath("obj", "c"), {{"If-None-Match", "\"0000\""}}).status == 200);
  CHECK(f.c.Get(ObjPath("obj", "c"), {{"If-Modified-Since", future}}).status == 304);
  CHECK(f.c.Get(ObjPath("obj", "c"), {{"If-Modified-Since", past}}).status == 200);
  auto ius = f.c.Get(ObjPath("obj", "c"), {{"If-Unmodified-Since", past}});
  CHECK(ius.status == 412);
  CHECK(ius.Xml("/Error/Condition") == "If-Unmodified-Since");
  CHECK(f.c.Get(ObjPath("obj", "c"), {{"If-Unmodified-Since", future}}).status == 200);
  // If-Match that holds overrides a failing If-Unmodified-Since.
  CHECK(f.c.Get(ObjPath("obj", "c"), {{"If-Match", etag}, {"If-Unmodified-Since", past}}).status == 200);
  CHECK(f.c.Head(ObjPath("obj", "c"), {{"If-None-Match", etag}}).status == 304);
}

TEST_CASE("Objects: response-* query parameters override response headers") {
  Fixture f;
  REQUIRE(f.c.Put(ObjPath("obj", "o"), "x", {{"Content-Type", "text/plain"}}).status == 200);
  Request r;
  r.path = ObjPath("obj", "o");
  r.query = {{"response-content-type", "application/json"}, {"response-content-disposition", "inline; filename=o.json"}};
  auto g = f.c.Send(r);
  CHECK(g.Header("Content-Type") == "application/json");
  CHECK(g.Header("Content-Disposition") == "inline; filename=o.json");
}

TEST_CASE("Objects: HeadObject has GetObject's headers and no body; missing is 404 with no body") {
  Fixture f;
  REQUIRE(f.c.Put(ObjPath("obj", "h"), std::string(4096, 'h'), {{"x-amz-meta-k", "v"}}).status == 200);
  auto h = f.c.Head(ObjPath("obj", "h"));
  CHECK(h.status == 200);
  CHECK(h.Header("Content-Length") == "4096");
  CHECK(h.Header("x-amz-meta-k") == "v");
  CHECK(h.Header("ETag") == QuotedMd5(std::string(4096, 'h')));
  CHECK(h.body.empty());
  auto missing = f.c.Head(ObjPath("obj", "nope"));
  CHECK(missing.status == 404);
  CHECK(missing.body.empty());
  auto nobucket = f.c.Get(ObjPath("nobucket", "k"));
  CHECK(nobucket.status == 404);
  CHECK(nobucket.Xml("/Error/Code") == "NoSuchBucket");
  auto nokey = f.c.Get(ObjPath("obj", "dir/nope"));
  CHECK(nokey.Xml("/Error/Code") == "NoSuchKey");
  CHECK(nokey.Xml("/Error/Key") == "dir/nope");
  CHECK(nokey.Xml("/Error/Resource") == "/obj/dir/nope");
}

TEST_CASE("Objects: DeleteObject is 204 whether or not the key exists, NoSuchBucket otherwise") {
  Fixture f;
  REQUIRE(f.c.Put(ObjPath("obj", "d"), "x").status == 200);
  CHECK(f.c.Delete(ObjPath("obj", "d")).status == 204);
  CHECK(f.c.Delete(ObjPath("obj", "d")).status == 204);
  CHECK(f.c.Get(ObjPath("obj", "d")).status == 404);
  CHECK(f.c.Delete(ObjPath("missing-bucket", "d")).status == 404);
}

TEST_CASE("Objects: DeleteObjects deletes many, honours Quiet and requires an integrity header") {
  Fixture f;
  for (std::string k : {"a", "b", "c"}) REQUIRE(f.c.Put(ObjPath("obj", k), k).status == 200);
  auto send = [&](const std::string& xml, bool md5) {
    Request r;
    r.method = "POST";
    r.path = "/obj";
    r.query = {{"delete", ""}};
    r.body = xml;
    if (md5) r.headers = {{"Content-MD5", Base64Encode(Md5(xml))}};
    return f.c.Send(r);
  };
  const std::string xml =
      "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Object><Key>a</Key></Object>"
      "<Object><Key>missing</Key></Object><Object><Key>b</Key></Object></Delete>";
  auto no_md5 = send(xml, false);
  CHECK(no_md5.status == 400);
  CHECK(no_md5.Xml("/Error/Code") == "InvalidRequest");
  CHECK(no_md5.Xml("/Error/Message").find("Content-MD5") != std::string::npos);
  CHECK(f.server->ObjectBody("obj", "a").ok());

  auto r = send(xml, true);
  CHECK(r.status == 200);
  CHECK(r.XmlAll("/DeleteResult/Deleted/Key") == std::vector<std::string>{"a", "missing", "b"});
  CHECK(f.server->ObjectKeys("obj").value() == std::vector<std::string>{"c"});

  auto quiet = send("<Delete><Quiet>true</Quiet><Object><Key>c</Key></Object></Delete>", true);
  CHECK(quiet.status == 200);
  CHECK(quiet.XmlAll("/DeleteResult/Deleted").empty());
  CHECK(f.server->ObjectKeys("obj").value().empty());

  // A checksum header is an acceptable integrity header too.
  Request crc;
  crc.method = "POST";
  crc.path = "/obj";
  crc.query = {{"delete", ""}};
  crc.body = "<Delete><Object><Key>zz</Key></Object></Delete>";
  crc.headers = {{"x-amz-checksum-sha256", Base64Encode(Sha256(crc.body))}};
  CHECK(f.c.Send(crc).status == 200);
}

TEST_CASE("Objects: DeleteObjects with more than 1000 keys, none, or bad XML is MalformedXML") {
  Fixture f;
  auto send = [&](const std::string& xml) {
    Request r;
    r.method = "POST";
    r.path = "/obj";
    r.query = {{"delete", ""}};
    r.body = xml;
    r.headers = {{"Content-MD5", Base64Encode(Md5(xml))}};
    return f.c.Send(r);
  };
  std::string big = "<Delete>";
  for (int i = 0; i < 1001; ++i) big += "<Object><Key>k" + std::to_string(i) + "</Key></Object>";
  big += "</Delete>";
  CHECK(send(big).Xml("/Error/Code") == "MalformedXML");
  CHECK(send("<Delete></Delete>").Xml("/Error/Code") == "MalformedXML");
  CHECK(send("<Delete><Object>").Xml("/Error/Code") == "MalformedXML");
  std::string thousand = "<Delete>";
  for (int i = 0; i < 1000; ++i) thousand += "<Object><Key>k" + std::to_string(i) + "</Key></Object>";
  thousand += "</Delete>";
  auto ok = send(thousand);
  CHECK(ok.status == 200);
  CHECK(ok.XmlAll("/DeleteResult/Deleted").size() == 1000);
}

TEST_CASE("Objects: CopyObject COPY keeps metadata, REPLACE replaces it, both share the body") {
  Fixture f;
  REQUIRE(f.c.CreateBucket("dest").status == 200);
  const std::string body = "copy me";
  REQUIRE(f.c.Put(ObjPath("obj", "src key+1"), body,
                  {{"Content-Type", "text/x-src"}, {"x-amz-meta-origin", "src"}, {"x-amz-tagging", "a=1"}})
              .status == 200);
  auto copy = f.c.Put(ObjPath("dest", "copied"), "", {{"x-amz-copy-source", "/obj/src%20key%2B1"}});
  REQUIRE(copy.status == 200);
  CHECK(copy.Xml("/CopyObjectResult/ETag") == QuotedMd5(body));
  CHECK(ParseIso8601(copy.Xml("/CopyObjectResult/LastModified")).ok());
  auto g = f.c.Get(ObjPath("dest", "copied"));
  CHECK(g.body == body);
  CHECK(g.Header("Content-Type") == "text/x-src");
  CHECK(g.Header("x-amz-meta-origin") == "src");
  CHECK(g.Header("x-amz-tagging-count") == "1");

  auto replace = f.c.Put(ObjPath("dest", "replaced"), "",
                         {{"x-amz-copy-source", "obj/src%20key%2B1"},
                          {"x-amz-metadata-directive", "REPLACE"},
                          {"Content-Type", "text/x-new"},
                          {"x-amz-meta-fresh", "yes"}});
  REQUIRE(replace.status == 200);
  auto r = f.c.Get(ObjPath("dest", "replaced"));
  CHECK(r.body == body);
  CHECK(r.Header("Content-Type") == "text/x-new");
  CHECK(r.Header("x-amz-meta-fresh") == "yes");
  CHECK(r.Header("x-amz-meta-origin").empty());
}

TEST_CASE("Objects: CopyObject errors - self-copy without REPLACE, missing source, bad directive, preconditions") {
  Fixture f;
  REQUIRE(f.c.Put(ObjPath("obj", "s"), "x").status == 200);
  auto self = f.c.Put(ObjPath("obj", "s"), "", {{"x-amz-copy-source", "/obj/s"}});
  CHECK(self.status == 400);
  CHECK(self.Xml("/Error/Code") == "InvalidRequest");
  CHECK(f.c.Put(ObjPath("obj", "s"), "", {{"x-amz-copy-source", "/obj/s"}, {"x-amz-metadata-directive", "REPLACE"}})
            .status == 200);
  auto missing = f.c.Put(ObjPath("obj", "t"), "", {{"x-amz-copy-source", "/obj/absent"}});
  CHECK(missing.status == 404);
  CHECK(missing.Xml("/Error/Code") == "NoSuchKey");
  auto nob = f.c.Put(ObjPath("obj", "t"), "", {{"x-amz-copy-source", "/nobucket/s"}});
  CHECK(nob.Xml("/Error/Code") == "NoSuchBucket");
  auto bad = f.c.Put(ObjPath("obj", "t"), "", {{"x-amz-copy-source", "/obj/s"}, {"x-amz-metadata-directive", "MERGE"}});
  CHECK(bad.status == 400);
  CHECK(bad.Xml("/Error/Code") == "InvalidArgument");
  auto malformed = f.c.Put(ObjPath("obj", "t"), "", {{"x-amz-copy-source", "just-a-bucket"}});
  CHECK(malformed.Xml("/Error/Code") == "InvalidArgument");
  auto pre = f.c.Put(ObjPath("obj", "t"), "", {{"x-amz-copy-source", "/obj/s"}, {"x-amz-copy-source-if-match", "\"0\""}});
  CHECK(pre.status == 412);
  CHECK(pre.Xml("/Error/Code") == "PreconditionFailed");
  // Changing only the storage class of a STANDARD source is a legal self-copy, also
  // to an archive class (S3 refuses copies FROM an unrestored archived object instead).
  CHECK(f.c.Put(ObjPath("obj", "s"), "", {{"x-amz-copy-source", "/obj/s"}, {"x-amz-storage-class", "GLACIER"}})
            .status == 200);
  CHECK(f.c.Head(ObjPath("obj", "s")).Header("x-amz-storage-class") == "GLACIER");
}

TEST_CASE("Objects: bodies are stored verbatim whatever their Content-Type and Content-Encoding") {
  Fixture f;
  const std::string form(100000, 'f');  // httplib alone would refuse form bodies over 8 KiB
  REQUIRE(f.c.Put(ObjPath("obj", "form"), form, {{"Content-Type", "application/x-www-form-urlencoded"}}).status == 200);
  CHECK(f.server->ObjectBody("obj", "form").value() == form);
  const std::string multipart = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ--\r\n";
  REQUIRE(f.c.Put(ObjPath("obj", "multipart"), multipart, {{"Content-Type", "multipart/form-data; boundary=XyZ"}})
              .status == 200);
  CHECK(f.server->ObjectBody("obj", "multipart").value() == multipart);
  // A gzip-encoded object keeps its bytes (not decompressed) and its Content-Encoding.
  const std::string gz("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x4b\x4c\x4a\x06\x00\xc2\x41\x24\x35\x03\x00\x00\x00", 23);
  REQUIRE(f.c.Put(ObjPath("obj", "a.gz"), gz, {{"Content-Encoding", "gzip"}, {"Content-Type", "text/plain"}}).status ==
          200);
  CHECK(f.server->ObjectBody("obj", "a.gz").value() == gz);
  auto g = f.c.Get(ObjPath("obj", "a.gz"));
  CHECK(g.Header("Content-Encoding") == "gzip");
  CHECK(g.body == gz);
}

TEST_CASE("Objects: percent-escapes in header values are kept verbatim both ways") {
  // Raw sockets: httplib's own client would URL-decode response header values.
  MockS3Options o;
  o.allow_anonymous = true;
  auto server = StartServer(o);
  auto mk = RawExchange(server->port(), "PUT /pct-bucket HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  REQUIRE(mk.received.rfind("HTTP/1.1 200", 0) == 0);
  auto put = RawExchange(server->port(),
                         "PUT /pct-bucket/k HTTP/1.1\r\nHost: x\r\nx-amz-meta-v: a%20b%2F\r\nContent-Length: 1\r\n"
                         "Connection: close\r\n\r\nx");
  REQUIRE(put.received.rfind("HTTP/1.1 200", 0) == 0);
  auto head = RawExchange(server->port(), "HEAD /pct-bucket/k HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(head.received.find("\r\nx-amz-meta-v: a%20b%2F\r\n") != std::string::npos);
}

TEST_CASE("Objects: errors httplib detects itself still get S3 error documents") {
  MockS3Options o;
  o.allow_anonymous = true;
  auto server = StartServer(o);
  auto no_length = RawExchange(server->port(), "PUT /some-bucket HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(no_length.received.rfind("HTTP/1.1 411", 0) == 0);
  CHECK(no_length.received.find("<Code>MissingContentLength</Code>") != std::string::npos);
  auto patch = RawExchange(server->port(),
                           "PATCH /some-bucket/k HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  CHECK(patch.received.rfind("HTTP/1.1 405", 0) == 0);
  CHECK(patch.received.find("<Code>MethodNotAllowed</Code>") != std::string::npos);
  CHECK(patch.received.find("x-amz-request-id: ") != std::string::npos);
}
