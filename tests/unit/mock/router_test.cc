#include <catch2/catch.hpp>

#include "mock/router.h"

using namespace s3ml::mock;

namespace {
const std::vector<std::string> kBases = {"127.0.0.1", "localhost", "127.0.0.1.nip.io", "127.0.0.1.sslip.io"};

RoutedRequest RouteOk(const std::string& method, const std::string& target, const std::string& host = "127.0.0.1:9000",
                      bool copy = false) {
  auto r = Route(method, target, host, copy, kBases);
  REQUIRE(r.ok());
  return *r;
}
}  // namespace

TEST_CASE("Router: path-style requests name bucket and decoded key, keeping the raw path") {
  auto r = RouteOk("GET", "/bkt/a%20b/c%2Bd%3D%40~/%E2%82%AC//x/?x-id=GetObject");
  CHECK(r.operation == "GetObject");
  CHECK(r.bucket == "bkt");
  CHECK(r.key == "a b/c+d=@~/\xE2\x82\xAC//x/");
  CHECK(r.raw_path == "/bkt/a%20b/c%2Bd%3D%40~/%E2%82%AC//x/");
  CHECK(r.raw_query == "x-id=GetObject");
  CHECK(r.Resource() == "/bkt/a b/c+d=@~/\xE2\x82\xAC//x/");
  CHECK_FALSE(r.virtual_hosted);
}

TEST_CASE("Router: virtual-hosted Host names the bucket and the whole path is the key") {
  auto r = RouteOk("PUT", "/dir/file.txt", "my.bucket.localhost:8080");
  CHECK(r.virtual_hosted);
  CHECK(r.bucket == "my.bucket");
  CHECK(r.key == "dir/file.txt");
  CHECK(r.operation == "PutObject");
  auto nip = RouteOk("GET", "/?list-type=2", "data.127.0.0.1.nip.io:1234");
  CHECK(nip.bucket == "data");
  CHECK(nip.operation == "ListObjectsV2");
  // The base domain itself, IP literals and unknown names are path-style.
  CHECK_FALSE(RouteOk("GET", "/b/k", "localhost:1").virtual_hosted);
  CHECK_FALSE(RouteOk("GET", "/b/k", "10.1.2.3").virtual_hosted);
  CHECK_FALSE(RouteOk("GET", "/b/k", "[::1]:9000").virtual_hosted);
  CHECK(RouteOk("GET", "/b/k", "example.com").bucket == "b");
}

TEST_CASE("Router: operations are identified from method, path and query") {
  CHECK(RouteOk("GET", "/").operation == "ListBuckets");
  CHECK(RouteOk("PUT", "/").operation.empty());  // MethodNotAllowed
  CHECK(RouteOk("PUT", "/b").operation == "CreateBucket");
  CHECK(RouteOk("PUT", "/b/").operation == "CreateBucket");
  CHECK(RouteOk("DELETE", "/b").operation == "DeleteBucket");
  CHECK(RouteOk("HEAD", "/b").operation == "HeadBucket");
  CHECK(RouteOk("GET", "/b?location").operation == "GetBucketLocation");
  CHECK(RouteOk("GET", "/b?list-type=2&prefix=x").operation == "ListObjectsV2");
  CHECK(RouteOk("GET", "/b?prefix=x").operation == "ListObjects");
  CHECK(RouteOk("POST", "/b?delete").operation == "DeleteObjects");
  CHECK(RouteOk("HEAD", "/b/k").operation == "HeadObject");
  CHECK(RouteOk("PUT", "/b/k", "127.0.0.1", true).operation == "CopyObject");
  CHECK(RouteOk("DELETE", "/b/k").operation == "DeleteObject");
  // Unimplemented ones carry their AWS name so the 501 can say what was asked.
  CHECK(RouteOk("GET", "/b?versioning").operation == "GetBucketVersioning");
  CHECK(RouteOk("POST", "/b/k?uploads").operation == "CreateMultipartUpload");
  CHECK(RouteOk("PUT", "/b/k?partNumber=1&uploadId=x").operation == "UploadPart");
  CHECK(RouteOk("GET", "/b/k?tagging").operation == "GetObjectTagging");
}

TEST_CASE("Router: bad percent-escapes are InvalidURI errors") {
  auto r = Route("GET", "/b/%zz", "127.0.0.1", false, kBases);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "InvalidURI");
  CHECK(r.error().http_status == 400);
  auto q = Route("GET", "/b?prefix=%4", "127.0.0.1", false, kBases);
  REQUIRE_FALSE(q.ok());
  CHECK(q.error().code == "InvalidURI");
}

TEST_CASE("Router: query parsing decodes names and values and keeps valueless parameters") {
  auto q = ParseQuery("a=1&b&c=x%20y%2Bz&&d=");
  REQUIRE(q.ok());
  REQUIRE(q->size() == 4);
  CHECK((*q)[1] == std::make_pair(std::string("b"), std::string()));
  CHECK((*q)[2].second == "x y+z");
  CHECK(HostWithoutPort("Bucket.LocalHost:9000") == "bucket.localhost");
  CHECK(HostWithoutPort("[::1]:80") == "::1");
}
