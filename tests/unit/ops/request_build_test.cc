// Request building: addressing, key encoding, query parameters, headers and bodies.

#include <set>
#include <string_view>

#include <catch2/catch.hpp>

#include <pugixml.hpp>

#include "common/crypto.h"
#include "common/time.h"
#include "ops/requests.h"

using namespace s3ml;

namespace {

ops::Target PathTarget(const char* url = "http://127.0.0.1:9000") {
  return ops::Target{ParseEndpoint(url).value(), AddressingStyle::kPath};
}
ops::Target AutoTarget(const char* url) { return ops::Target{ParseEndpoint(url).value(), AddressingStyle::kAuto}; }

std::string Query(const HttpRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.query)
    if (k == name) return v;
  return "<absent>";
}

std::string BodyOf(const HttpRequest& r) {
  auto c = r.body->Contiguous();
  REQUIRE(c.has_value());
  return std::string(*c);
}

}  // namespace

TEST_CASE("Addressing: path-style puts the bucket in the path, virtual-hosted in the host", "[ops][request]") {
  auto p = ops::NewRequest(PathTarget("https://s3.us-west-2.amazonaws.com"), "GET", "my-bucket", "dir/file.txt");
  CHECK(p.host == "s3.us-west-2.amazonaws.com");
  CHECK(p.path == "/my-bucket/dir/file.txt");
  ops::Target vt{ParseEndpoint("http://minio.local:9000").value(), AddressingStyle::kVirtualHosted};
  auto v = ops::NewRequest(vt, "GET", "my-bucket", "dir/file.txt");
  CHECK(v.host == "my-bucket.minio.local");
  CHECK(v.port == 9000);
  CHECK(v.path == "/dir/file.txt");
  CHECK(v.HostHeader() == "my-bucket.minio.local:9000");
  auto vb = ops::NewRequest(vt, "GET", "my-bucket");
  CHECK(vb.path == "/");
  auto pb = ops::NewRequest(PathTarget(), "GET", "my-bucket");
  CHECK(pb.path == "/my-bucket");
  CHECK(ops::BuildListBuckets(PathTarget()).path == "/");
}

TEST_CASE("Addressing: kAuto is virtual-hosted only for amazonaws.com and DNS-compatible buckets", "[ops][request]") {
  auto aws = AutoTarget("https://s3.eu-west-1.amazonaws.com");
  CHECK(ops::UsesVirtualHost(aws, "my-bucket"));
  CHECK_FALSE(ops::UsesVirtualHost(aws, "my.dotted.bucket"));  // breaks the wildcard certificate over https
  CHECK(ops::UsesVirtualHost(AutoTarget("http://s3.eu-west-1.amazonaws.com"), "my.dotted.bucket"));
  CHECK_FALSE(ops::UsesVirtualHost(aws, "Upper_Case"));
  CHECK_FALSE(ops::UsesVirtualHost(AutoTarget("http://localhost:9000"), "my-bucket"));
  CHECK_FALSE(ops::UsesVirtualHost(AutoTarget("http://127.0.0.1:9000"), "my-bucket"));
  CHECK_FALSE(ops::UsesVirtualHost(AutoTarget("https://storage.example.com"), "my-bucket"));
  CHECK_FALSE(ops::UsesVirtualHost(aws, ""));  // ListBuckets
  auto r = ops::NewRequest(aws, "GET", "my-bucket", "k");
  CHECK(r.host == "my-bucket.s3.eu-west-1.amazonaws.com");
  CHECK(r.path == "/k");
}

TEST_CASE("Addressing: an endpoint base path prefixes every request path", "[ops][request]") {
  auto t = PathTarget("http://gateway.local:8080/s3/");
  CHECK(ops::NewRequest(t, "GET", "b", "k").path == "/s3/b/k");
  CHECK(ops::BuildListBuckets(t).path == "/s3/");
}

TEST_CASE("KeyEncoding: odd keys are encoded exactly once with slashes kept", "[ops][request]") {
  auto t = PathTarget();
  struct Case {
    std::string key, path;
  } cases[] = {
      {"a=b", "/b/a%3Db"},
      {"user@host", "/b/user%40host"},
      {"a+b", "/b/a%2Bb"},
      {"with space", "/b/with%20space"},
      {"100%", "/b/100%25"},
      {"%41", "/b/%2541"},
      {"tilde~_-.", "/b/tilde~_-."},
      {"\xC3\xA9t\xC3\xA9/\xE2\x82\xAC", "/b/%C3%A9t%C3%A9/%E2%82%AC"},
      {"a//b", "/b/a//b"},
      {"dir/", "/b/dir/"},
      {"/leading", "/b//leading"},
      {"x/./y/../z", "/b/x/./y/../z"},
      {"q?x#y&z", "/b/q%3Fx%23y%26z"},
  };
  for (const auto& c : cases) {
    INFO(c.key);
    CHECK(ops::NewRequest(t, "GET", "b", c.key).path == c.path);
  }
}

TEST_CASE("BuildCreateBucket: LocationConstraint body only when a constraint is given", "[ops][request]") {
  auto none = ops::BuildCreateBucket(PathTarget(), CreateBucketRequest{"bkt", ""});
  CHECK(none.method == "PUT");
  CHECK(none.path == "/bkt");
  CHECK(none.body == nullptr);
  auto eu = ops::BuildCreateBucket(PathTarget(), CreateBucketRequest{"bkt", "eu-west-1"});
  REQUIRE(eu.body);
  pugi::xml_document doc;
  REQUIRE(doc.load_string(BodyOf(eu).c_str()));
  CHECK(std::string(doc.child("CreateBucketConfiguration").child("LocationConstraint").text().as_string()) ==
        "eu-west-1");
  CHECK(std::string(doc.child("CreateBucketConfiguration").attribute("xmlns").value()) ==
        "http://s3.amazonaws.com/doc/2006-03-01/");
}

TEST_CASE("BuildGetBucketLocation, HeadBucket, DeleteBucket: method and subresource", "[ops][request]") {
  auto loc = ops::BuildGetBucketLocation(PathTarget(), "bkt");
  CHECK(loc.method == "GET");
  CHECK(loc.EncodedQuery() == "location=");
  CHECK(ops::BuildHeadBucket(PathTarget(), "bkt").method == "HEAD");
  CHECK(ops::BuildDeleteBucket(PathTarget(), "bkt").method == "DELETE");
}

TEST_CASE("ByteRange: closed, open-ended and suffix forms", "[ops][request]") {
  CHECK(ByteRange::Closed(0, 99).ToHeader() == "bytes=0-99");
  CHECK(ByteRange::From(100).ToHeader() == "bytes=100-");
  CHECK(ByteRange::Suffix(500).ToHeader() == "bytes=-500");
}

TEST_CASE("BuildGetObject: range, conditionals, versionId and partNumber", "[ops][request]") {
  GetObjectRequest g;
  g.bucket = "b";
  g.key = "k";
  g.range = ByteRange::Suffix(10);
  g.if_match = "\"etag1\"";
  g.if_none_match = "\"etag2\"";
  SystemTime t = ParseHttpDate("Wed, 21 Oct 2015 07:28:00 GMT").value();
  g.if_modified_since = t;
  g.if_unmodified_since = t;
  g.version_id = "v/1+2";
  auto r = ops::BuildGetObject(PathTarget(), g);
  REQUIRE(r.ok());
  CHECK(r->headers.Get("Range") == "bytes=-10");
  CHECK(r->headers.Get("If-Match") == "\"etag1\"");
  CHECK(r->headers.Get("If-None-Match") == "\"etag2\"");
  CHECK(r->headers.Get("If-Modified-Since") == "Wed, 21 Oct 2015 07:28:00 GMT");
  CHECK(r->headers.Get("If-Unmodified-Since") == "Wed, 21 Oct 2015 07:28:00 GMT");
  CHECK(Query(*r, "versionId") == "v/1+2");
  CHECK(r->EncodedQuery() == "versionId=v%2F1%2B2");

  GetObjectRequest p;
  p.bucket = "b";
  p.key = "k";
  p.part_number = 2;
  auto pr = ops::BuildGetObject(PathTarget(), p);
  REQUIRE(pr.ok());
  CHECK(Query(*pr, "partNumber") == "2");
  CHECK_FALSE(pr->headers.Has("Range"));
}

TEST_CASE("BuildGetObject: malformed ranges and part numbers are rejected before any I/O", "[ops][request]") {
  GetObjectRequest g;
  g.bucket = "b";
  g.key = "k";
  g.range = ByteRange::Closed(10, 5);
  auto r = ops::BuildGetObject(PathTarget(), g);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().category() == ErrorCategory::kInvalidArgument);
  CHECK_THAT(r.status().message(), Catch::Contains("before first byte"));
  g.range = ByteRange::Suffix(0);
  CHECK_FALSE(ops::BuildGetObject(PathTarget(), g).ok());
  g.range = ByteRange{std::nullopt, std::uint64_t{5}, std::nullopt};
  CHECK_FALSE(ops::BuildGetObject(PathTarget(), g).ok());
  g.range = ByteRange::From(0);
  g.part_number = 1;
  CHECK_FALSE(ops::BuildGetObject(PathTarget(), g).ok());
  g.range.reset();
  g.part_number = -1;
  CHECK_FALSE(ops::BuildGetObject(PathTarget(), g).ok());
  g.part_number = 0;
  g.if_match = "x\r\nInjected: 1";
  CHECK_FALSE(ops::BuildGetObject(PathTarget(), g).ok());
}

TEST_CASE("BuildPutObject: headers for content type, metadata, storage class, tagging, MD5", "[ops][request]") {
  PutObjectRequest p;
  p.bucket = "b";
  p.key = "k";
  p.data = "hello world";
  p.content_type = "text/plain";
  p.cache_control = "no-cache";
  p.metadata = {{"Color", "blue"}, {"shape", "round"}};
  p.storage_class = "STANDARD_IA";
  p.tagging = "k1=v1&k2=v%202";
  p.send_content_md5 = true;
  p.if_none_match = "*";
  auto r = ops::BuildPutObject(PathTarget(), p);
  REQUIRE(r.ok());
  CHECK(r->method == "PUT");
  CHECK(r->headers.Get("Content-Type") == "text/plain");
  CHECK(r->headers.Get("Cache-Control") == "no-cache");
  CHECK(r->headers.Get("x-amz-meta-color") == "blue");
  CHECK(r->headers.Get("x-amz-meta-shape") == "round");
  CHECK(r->headers.Get("x-amz-storage-class") == "STANDARD_IA");
  CHECK(r->headers.Get("x-amz-tagging") == "k1=v1&k2=v%202");
  CHECK(r->headers.Get("If-None-Match") == "*");
  CHECK(r->headers.Get("Content-MD5") == "XrY7u+Ae7tCTyyK7j1rNww==");  // base64(md5("hello world"))
  CHECK(BodyOf(*r) == "hello world");
}

TEST_CASE("BuildPutObject: conflicting bodies, bad metadata names and missing files are errors", "[ops][request]") {
  PutObjectRequest p;
  p.bucket = "b";
  p.key = "k";
  p.data = "x";
  p.file_path = "/etc/hostname";
  CHECK(ops::BuildPutObject(PathTarget(), p).status().category() == ErrorCategory::kInvalidArgument);
  p.file_path.clear();
  p.metadata = {{"bad name", "v"}};
  auto md = ops::BuildPutObject(PathTarget(), p);
  REQUIRE_FALSE(md.ok());
  CHECK_THAT(md.status().message(), Catch::Contains("bad name"));
  p.metadata = {{"ok", "line\nbreak"}};
  CHECK_FALSE(ops::BuildPutObject(PathTarget(), p).ok());
  PutObjectRequest f;
  f.bucket = "b";
  f.key = "k";
  f.file_path = "/nonexistent/dir/file.bin";
  auto fr = ops::BuildPutObject(PathTarget(), f);
  REQUIRE_FALSE(fr.ok());
  CHECK(fr.status().category() == ErrorCategory::kIo);
  CHECK_THAT(fr.status().message(), Catch::Contains("/nonexistent/dir/file.bin"));
}

TEST_CASE("BuildPutObject: a reader body is re-readable and MD5 is computed over it", "[ops][request]") {
  std::string src = "streamed body";
  PutObjectRequest p;
  p.bucket = "b";
  p.key = "k";
  p.reader = [&](std::uint64_t off, char* out, std::size_t n) -> Result<std::size_t> {
    std::size_t k = std::min<std::size_t>(n, src.size() - off);
    std::memcpy(out, src.data() + off, k);
    return k;
  };
  p.reader_size = src.size();
  p.send_content_md5 = true;
  auto r = ops::BuildPutObject(PathTarget(), p);
  REQUIRE(r.ok());
  CHECK(r->body->size() == src.size());
  CHECK(r->headers.Get("Content-MD5") == Base64Encode(Md5(src)));
}

TEST_CASE("BuildDeleteObjects: XML body with keys escaped, Quiet, and its Content-MD5", "[ops][request]") {
  DeleteObjectsRequest d;
  d.bucket = "b";
  d.quiet = true;
  d.objects = {{"a<b>&c", ""}, {"v", "ver1"}};
  auto r = ops::BuildDeleteObjects(PathTarget(), d);
  REQUIRE(r.ok());
  CHECK(r->method == "POST");
  CHECK(r->path == "/b");
  CHECK(r->EncodedQuery() == "delete=");
  std::string body = BodyOf(*r);
  CHECK(r->headers.Get("Content-MD5") == Base64Encode(Md5(body)));
  CHECK(r->headers.Get("Content-Type") == "application/xml");
  pugi::xml_document doc;
  REQUIRE(doc.load_string(body.c_str()));
  pugi::xml_node del = doc.child("Delete");
  CHECK(std::string(del.child("Quiet").text().as_string()) == "true");
  std::vector<std::pair<std::string, std::string>> got;
  for (pugi::xml_node o : del.children("Object"))
    got.emplace_back(o.child("Key").text().as_string(), o.child("VersionId").text().as_string());
  CHECK(got == std::vector<std::pair<std::string, std::string>>{{"a<b>&c", ""}, {"v", "ver1"}});
}

TEST_CASE("BuildDeleteObjects: 0 or more than 1000 objects are rejected, 1000 accepted", "[ops][request]") {
  DeleteObjectsRequest d;
  d.bucket = "b";
  auto none = ops::BuildDeleteObjects(PathTarget(), d);
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().category() == ErrorCategory::kInvalidArgument);
  for (int i = 0; i < 1000; ++i) d.objects.push_back({"k" + std::to_string(i), ""});
  CHECK(ops::BuildDeleteObjects(PathTarget(), d).ok());
  d.objects.push_back({"one-too-many", ""});
  auto over = ops::BuildDeleteObjects(PathTarget(), d);
  REQUIRE_FALSE(over.ok());
  CHECK_THAT(over.status().message(), Catch::Contains("1001") && Catch::Contains("at most 1000"));
}

TEST_CASE("BuildCopyObject: copy source encoding, directives and conditions", "[ops][request]") {
  CopyObjectRequest c;
  c.source_bucket = "src";
  c.source_key = "dir/a b+c=@%\xE2\x82\xAC";
  c.source_version_id = "v1";
  c.bucket = "dst";
  c.key = "copy";
  c.metadata_directive = MetadataDirective::kReplace;
  c.metadata = {{"k", "v"}};
  c.content_type = "application/json";
  c.tagging = "t=1";
  c.copy_source_if_match = "\"e\"";
  auto r = ops::BuildCopyObject(PathTarget(), c);
  REQUIRE(r.ok());
  CHECK(r->method == "PUT");
  CHECK(r->path == "/dst/copy");
  CHECK(r->headers.Get("x-amz-copy-source") == "src/dir/a%20b%2Bc%3D%40%25%E2%82%AC?versionId=v1");
  CHECK(r->headers.Get("x-amz-metadata-directive") == "REPLACE");
  CHECK(r->headers.Get("x-amz-meta-k") == "v");
  CHECK(r->headers.Get("Content-Type") == "application/json");
  CHECK(r->headers.Get("x-amz-tagging-directive") == "REPLACE");
  CHECK(r->headers.Get("x-amz-tagging") == "t=1");
  CHECK(r->headers.Get("x-amz-copy-source-if-match") == "\"e\"");

  CopyObjectRequest plain;
  plain.source_bucket = "s";
  plain.source_key = "k";
  plain.bucket = "d";
  plain.key = "k2";
  auto p = ops::BuildCopyObject(PathTarget(), plain);
  REQUIRE(p.ok());
  CHECK(p->headers.Get("x-amz-metadata-directive") == "COPY");
  CHECK_FALSE(p->headers.Has("x-amz-tagging-directive"));
  plain.metadata = {{"x", "y"}};  // metadata without REPLACE would be silently ignored by S3
  CHECK_FALSE(ops::BuildCopyObject(PathTarget(), plain).ok());
}

TEST_CASE("BuildListObjectsV2: query parameters incl. encoding-type=url", "[ops][request]") {
  ListObjectsV2Request l;
  l.bucket = "b";
  l.prefix = "dir/sub dir/";
  l.delimiter = "/";
  l.start_after = "dir/a";
  l.continuation_token = "tok/=+";
  l.max_keys = 7;
  l.fetch_owner = true;
  auto r = ops::BuildListObjectsV2(PathTarget(), l);
  REQUIRE(r.ok());
  CHECK(r->path == "/b");
  CHECK(Query(*r, "list-type") == "2");
  CHECK(Query(*r, "encoding-type") == "url");
  CHECK(Query(*r, "prefix") == "dir/sub dir/");
  CHECK(Query(*r, "delimiter") == "/");
  CHECK(Query(*r, "start-after") == "dir/a");
  CHECK(Query(*r, "continuation-token") == "tok/=+");
  CHECK(Query(*r, "max-keys") == "7");
  CHECK(Query(*r, "fetch-owner") == "true");
  CHECK_THAT(r->EncodedQuery(), Catch::Contains("prefix=dir%2Fsub%20dir%2F") &&
                                    Catch::Contains("continuation-token=tok%2F%3D%2B"));
  ListObjectsV2Request minimal;
  minimal.bucket = "b";
  auto m = ops::BuildListObjectsV2(PathTarget(), minimal);
  REQUIRE(m.ok());
  CHECK(Query(*m, "max-keys") == "<absent>");
  CHECK(Query(*m, "prefix") == "<absent>");
  minimal.max_keys = -1;
  CHECK_FALSE(ops::BuildListObjectsV2(PathTarget(), minimal).ok());
}

TEST_CASE("DnsCompatibility: bucket names usable as a host label", "[ops][request]") {
  CHECK(ops::IsDnsCompatibleBucket("my-bucket-1", false));
  CHECK(ops::IsDnsCompatibleBucket("my.bucket", true));
  CHECK_FALSE(ops::IsDnsCompatibleBucket("my.bucket", false));
  CHECK_FALSE(ops::IsDnsCompatibleBucket("ab", true));
  CHECK_FALSE(ops::IsDnsCompatibleBucket("-abc", true));
  CHECK_FALSE(ops::IsDnsCompatibleBucket("192.168.1.1", true));
  CHECK(ops::IsIpAddress("10.0.0.1"));
  CHECK(ops::IsIpAddress("::1"));
  CHECK_FALSE(ops::IsIpAddress("10.0.0"));
  CHECK_FALSE(ops::IsIpAddress("256.0.0.1"));
}

TEST_CASE("IsIdempotent: reads, puts, deletes, parts and listings repeat; Create and Complete multipart do not",
          "[ops][retry]") {
  for (const char* op : {"GetObject", "HeadObject", "PutObject", "DeleteObject", "DeleteObjects", "CopyObject",
                         "UploadPart", "UploadPartCopy", "AbortMultipartUpload", "ListObjectsV2",
                         "ListObjectVersions", "ListParts", "ListMultipartUploads", "ListBuckets",
                         "SelectObjectContent", "CreateSession", "GetBucketVersioning", "PutObjectTagging"}) {
    INFO(op);
    CHECK(ops::IsIdempotent(op));
  }
  CHECK_FALSE(ops::IsIdempotent("CreateMultipartUpload"));
  CHECK_FALSE(ops::IsIdempotent("CompleteMultipartUpload"));
  // An operation without a verdict is not repeated blindly.
  CHECK_FALSE(ops::IsIdempotent("SomeNewOperation"));
  CHECK_FALSE(ops::IsIdempotent(""));
}

TEST_CASE("IdempotencyOf: an operation without a verdict is an internal error naming it", "[ops][retry]") {
  auto known = ops::IdempotencyOf("GetObject");
  REQUIRE(known.ok());
  CHECK(*known);
  auto create = ops::IdempotencyOf("CreateMultipartUpload");
  REQUIRE(create.ok());
  CHECK_FALSE(*create);
  auto missing = ops::IdempotencyOf("SomeNewOperation");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().category() == ErrorCategory::kInternal);
  CHECK_THAT(missing.status().message(), Catch::Contains("SomeNewOperation"));
}

TEST_CASE("IdempotencyVerdicts: one verdict per operation, exactly two of them not idempotent", "[ops][retry]") {
  std::set<std::string_view> names;
  int not_idempotent = 0;
  for (const ops::OperationVerdict& v : ops::IdempotencyVerdicts()) {
    INFO(v.operation);
    CHECK(names.insert(v.operation).second);
    CHECK(ops::IsIdempotent(v.operation) == v.idempotent);
    if (!v.idempotent) ++not_idempotent;
  }
  CHECK(not_idempotent == 2);
  CHECK(names.size() >= 30);
}
