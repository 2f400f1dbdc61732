// S3 Express One Zone in the ops layer: CreateSession request/response, the bucket
// of a built request, control-plane classification and AWS endpoint rewriting.

#include <catch2/catch.hpp>

#include "ops/express.h"

using namespace s3ml;

namespace {

ops::Target TargetFor(const std::string& url, AddressingStyle style = AddressingStyle::kAuto) {
  ops::Target t;
  t.endpoint = ParseEndpoint(url).value();
  t.addressing = style;
  return t;
}

HttpResponse Ok(std::string body) {
  HttpResponse r;
  r.status = 200;
  r.body = Buffer(body);
  return r;
}

}  // namespace

TEST_CASE("ExpressOps: CreateSession is GET ?session with the session mode header", "[ops][express]") {
  auto t = TargetFor("http://127.0.0.1:9000", AddressingStyle::kPath);
  CreateSessionRequest req;
  req.bucket = "b--use1-az4--x-s3";
  req.mode = SessionMode::kReadOnly;
  HttpRequest r = ops::BuildCreateSession(t, req);
  CHECK(r.method == "GET");
  CHECK(r.path == "/b--use1-az4--x-s3");
  REQUIRE(r.query.size() == 1);
  CHECK(r.query[0].first == "session");
  CHECK(r.headers.Get("x-amz-create-session-mode") == "ReadOnly");
}

TEST_CASE("ExpressOps: CreateSessionResult credentials are parsed; missing ones are a protocol error",
          "[ops][express]") {
  auto good = ops::ParseCreateSession(Ok(
      "<?xml version=\"1.0\"?><CreateSessionResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Credentials>"
      "<SessionToken>TOKEN</SessionToken><SecretAccessKey>SECRET</SecretAccessKey><AccessKeyId>ASIAKEY</AccessKeyId>"
      "<Expiration>2024-01-02T03:04:05Z</Expiration></Credentials></CreateSessionResult>"));
  REQUIRE(good.ok());
  CHECK(good->credentials.access_key_id == "ASIAKEY");
  CHECK(good->credentials.secret_access_key == "SECRET");
  CHECK(good->credentials.session_token == "TOKEN");
  REQUIRE(good->credentials.expiration.has_value());
  CHECK(std::chrono::system_clock::to_time_t(*good->credentials.expiration) == 1704164645);

  auto no_token = ops::ParseCreateSession(
      Ok("<CreateSessionResult><Credentials><SecretAccessKey>S</SecretAccessKey><AccessKeyId>A</AccessKeyId>"
         "</Credentials></CreateSessionResult>"));
  REQUIRE_FALSE(no_token.ok());
  CHECK(no_token.status().category() == ErrorCategory::kProtocol);
  CHECK_THAT(no_token.status().message(), Catch::Contains("SessionToken"));

  auto wrong_root = ops::ParseCreateSession(Ok("<Error><Code>AccessDenied</Code></Error>"));
  REQUIRE_FALSE(wrong_root.ok());
  CHECK(wrong_root.status().category() == ErrorCategory::kProtocol);
}

TEST_CASE("ExpressOps: the bucket of a request is recovered for path-style, virtual-hosted and zonal hosts",
          "[ops][express]") {
  auto path = TargetFor("http://127.0.0.1:9000", AddressingStyle::kPath);
  CHECK(ops::BucketOfRequest(path, ops::NewRequest(path, "GET", "b--use1-az4--x-s3", "a/b")) == "b--use1-az4--x-s3");
  CHECK(ops::BucketOfRequest(path, ops::NewRequest(path, "GET", "")).empty());

  auto based = TargetFor("http://proxy.local/s3", AddressingStyle::kPath);
  CHECK(ops::BucketOfRequest(based, ops::NewRequest(based, "PUT", "data", "k")) == "data");

  auto virt = TargetFor("http://minio.local:9000", AddressingStyle::kVirtualHosted);
  CHECK(ops::BucketOfRequest(virt, ops::NewRequest(virt, "GET", "b--use1-az4--x-s3", "key/with/slashes")) ==
        "b--use1-az4--x-s3");

  auto aws = TargetFor("https://s3.us-west-2.amazonaws.com");
  HttpRequest zonal = ops::NewRequest(aws, "GET", "d--usw2-az1--x-s3", "k");
  ops::ApplyExpressAwsEndpoint(zonal, aws, "d--usw2-az1--x-s3", "us-west-2", false);
  CHECK(zonal.host == "d--usw2-az1--x-s3.s3express-usw2-az1.us-west-2.amazonaws.com");
  CHECK(zonal.path == "/k");
  CHECK(ops::BucketOfRequest(aws, zonal) == "d--usw2-az1--x-s3");
}

TEST_CASE("ExpressOps: bucket-level requests go to s3express-control path-style; zonal ones keep the key",
          "[ops][express]") {
  auto aws = TargetFor("https://s3.us-west-2.amazonaws.com", AddressingStyle::kPath);
  CHECK(ops::IsDefaultAwsEndpoint(aws, "us-west-2"));
  CHECK_FALSE(ops::IsDefaultAwsEndpoint(TargetFor("http://127.0.0.1:9000"), "us-west-2"));
  CHECK_FALSE(ops::IsDefaultAwsEndpoint(aws, "eu-west-1"));

  HttpRequest create = ops::NewRequest(aws, "PUT", "d--usw2-az1--x-s3");
  ops::ApplyExpressAwsEndpoint(create, aws, "d--usw2-az1--x-s3", "us-west-2", true);
  CHECK(create.host == "s3express-control.us-west-2.amazonaws.com");
  CHECK(create.path == "/d--usw2-az1--x-s3");

  HttpRequest get = ops::NewRequest(aws, "GET", "d--usw2-az1--x-s3", "dir/file name");
  ops::ApplyExpressAwsEndpoint(get, aws, "d--usw2-az1--x-s3", "us-west-2", false);
  CHECK(get.host == "d--usw2-az1--x-s3.s3express-usw2-az1.us-west-2.amazonaws.com");
  CHECK(get.path == "/dir/file%20name");
  CHECK(get.scheme == "https");
}

TEST_CASE("ExpressOps: control-plane operations are the bucket-level ones except HeadBucket", "[ops][express]") {
  for (const char* op : {"CreateBucket", "DeleteBucket", "PutBucketPolicy", "GetBucketEncryption",
                         "PutBucketLifecycleConfiguration", "ListDirectoryBuckets"})
    CHECK(ops::IsExpressControlOperation(op));
  for (const char* op : {"HeadBucket", "GetObject", "PutObject", "ListObjectsV2", "CreateMultipartUpload",
                         "CreateSession", "CopyObject", "DeleteObjects"})
    CHECK_FALSE(ops::IsExpressControlOperation(op));
}

TEST_CASE("ExpressOps: CreateBucket of a directory bucket gets its Location and Bucket configuration",
          "[ops][express]") {
  auto t = TargetFor("http://127.0.0.1:9000", AddressingStyle::kPath);
  HttpRequest r = ops::NewRequest(t, "PUT", "d--usw2-az1--x-s3");
  ops::AddDirectoryBucketConfiguration(r, "d--usw2-az1--x-s3");
  REQUIRE(r.body);
  std::string body(r.body->Contiguous().value());
  CHECK_THAT(body, Catch::Contains("<Location><Type>AvailabilityZone</Type><Name>usw2-az1</Name></Location>"));
  CHECK_THAT(body, Catch::Contains("<Type>Directory</Type>") && Catch::Contains("SingleAvailabilityZone"));
  CHECK(r.headers.Get("Content-Type") == "application/xml");
}
