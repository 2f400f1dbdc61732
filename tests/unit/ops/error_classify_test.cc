// S3 error responses -> Status, and the retry loop's classifier.

#include <catch2/catch.hpp>

#include "ops/errors.h"

using namespace s3ml;

namespace {
HttpResponse Resp(int status, std::string body = {}) {
  HttpResponse r;
  r.status = status;
  r.body = Buffer(body);
  return r;
}
ops::ResponseTraits Traits(const char* op, bool head = false, const char* nf = "NoSuchKey", bool in200 = false) {
  ops::ResponseTraits t;
  t.operation = op;
  t.is_head = head;
  t.not_found_code = nf;
  t.error_in_200 = in200;
  return t;
}
}  // namespace

TEST_CASE("ErrorBody: documented NoSuchKey error becomes a service error with code and request id", "[ops][errors]") {
  // S3 API reference, "Error responses" sample.
  auto r = Resp(404, R"(<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>NoSuchKey</Code>
  <Message>The resource you requested does not exist</Message>
  <Resource>/mybucket/myfoto.jpg</Resource>
  <RequestId>4442587FB7D0A2F9</RequestId>
</Error>)");
  r.headers.Set("x-amz-id-2", "host-id-from-header");
  Status s = ops::ClassifyResponse(r, Traits("GetObject"));
  REQUIRE_FALSE(s.ok());
  CHECK(s.category() == ErrorCategory::kService);
  CHECK(s.code() == "NoSuchKey");
  CHECK(s.http_status() == 404);
  CHECK(s.message() == "The resource you requested does not exist");
  CHECK(s.request_id() == "4442587FB7D0A2F9");
  CHECK(s.host_id() == "host-id-from-header");
  CHECK_FALSE(s.IsTransient());
  CHECK(s.WithContext("GetObject", "s3://mybucket/myfoto.jpg").ToString() ==
        "GetObject s3://mybucket/myfoto.jpg: NoSuchKey (HTTP 404, request id 4442587FB7D0A2F9): "
        "The resource you requested does not exist");
}

TEST_CASE("ErrorBody: an InvalidArgument error shows S3's message and the argument it names", "[ops][errors]") {
  // What S3 answers a GET with a malformed versionId.
  Status s = ops::ClassifyResponse(Resp(400, R"(<Error><Code>InvalidArgument</Code>
<Message>Invalid version id specified</Message><ArgumentName>versionId</ArgumentName>
<ArgumentValue>bogus</ArgumentValue><RequestId>R1</RequestId></Error>)"),
                                   Traits("GetObject"));
  CHECK(s.code() == "InvalidArgument");
  CHECK(s.message() == "Invalid version id specified (versionId: bogus)");
  CHECK(s.WithContext("GetObject", "s3://b/k").ToString() ==
        "GetObject s3://b/k: InvalidArgument (HTTP 400, request id R1): Invalid version id specified (versionId: bogus)");
}

TEST_CASE("ErrorBody: SlowDown 503 is transient", "[ops][errors]") {
  Status s = ops::ClassifyResponse(
      Resp(503, "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"),
      Traits("PutObject"));
  CHECK(s.code() == "SlowDown");
  CHECK(s.IsTransient());
}

TEST_CASE("ErrorBody: HEAD errors have no body and the code comes from the status", "[ops][errors]") {
  auto r404 = Resp(404);
  r404.headers.Set("x-amz-request-id", "RID123");
  Status s = ops::ClassifyResponse(r404, Traits("HeadObject", true, "NoSuchKey"));
  CHECK(s.code() == "NoSuchKey");
  CHECK(s.request_id() == "RID123");
  CHECK(ops::ClassifyResponse(Resp(404), Traits("HeadBucket", true, "NoSuchBucket")).code() == "NoSuchBucket");
  CHECK(ops::ClassifyResponse(Resp(403), Traits("HeadObject", true)).code() == "AccessDenied");
  CHECK(ops::ClassifyResponse(Resp(400), Traits("HeadObject", true)).code() == "BadRequest");
  CHECK(ops::ClassifyResponse(Resp(412), Traits("HeadObject", true)).code() == "PreconditionFailed");
  auto moved = Resp(301);
  moved.headers.Set("x-amz-bucket-region", "eu-central-1");
  Status m = ops::ClassifyResponse(moved, Traits("HeadBucket", true, "NoSuchBucket"));
  CHECK(m.code() == "PermanentRedirect");
  CHECK_THAT(m.message(), Catch::Contains("eu-central-1"));
  Status five = ops::ClassifyResponse(Resp(503), Traits("HeadObject", true));
  CHECK(five.IsTransient());
}

TEST_CASE("ErrorBody: a non-XML error page keeps the status code and quotes the body", "[ops][errors]") {
  Status s = ops::ClassifyResponse(Resp(502, "<html><body>Bad Gateway from proxy</body></html>"), Traits("GetObject"));
  CHECK(s.category() == ErrorCategory::kService);
  CHECK(s.code() == "BadGateway");
  CHECK(s.http_status() == 502);
  CHECK(s.IsTransient());
  CHECK_THAT(s.message(), Catch::Contains("Bad Gateway from proxy"));
  Status t = ops::ClassifyResponse(Resp(500, "<Error><Code>Internal"), Traits("GetObject"));
  CHECK(t.code() == "InternalError");
  CHECK(t.IsTransient());
}

TEST_CASE("Classify: 2xx is OK, a 200 carrying <Error> fails only where S3 does that", "[ops][errors]") {
  CHECK(ops::ClassifyResponse(Resp(200, "<CopyObjectResult/>"), Traits("CopyObject", false, "NoSuchKey", true)).ok());
  CHECK(ops::ClassifyResponse(Resp(204), Traits("DeleteObject")).ok());
  auto body = "<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message>"
              "<RequestId>656c76696e6727732072657175657374</RequestId></Error>";
  Status s = ops::ClassifyResponse(Resp(200, body), Traits("CopyObject", false, "NoSuchKey", true));
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == "InternalError");
  CHECK(s.http_status() == 200);
  CHECK(s.IsTransient());
  CHECK(s.request_id() == "656c76696e6727732072657175657374");
  // For GetObject the body is object data, never inspected.
  CHECK(ops::ClassifyResponse(Resp(200, body), Traits("GetObject")).ok());
  auto c = ops::MakeClassifier(Traits("CopyObject", false, "NoSuchKey", true));
  CHECK_FALSE(c(Resp(200, body)).ok());
}

TEST_CASE("ResourceName: s3:// URIs for buckets and keys", "[ops][errors]") {
  CHECK(ops::ResourceName("b", "k/x") == "s3://b/k/x");
  CHECK(ops::ResourceName("b") == "s3://b");
  CHECK(ops::ResourceName("").empty());
}
