#include <catch2/catch.hpp>

#include "s3ml/result.h"
#include "s3ml/status.h"

using namespace s3ml;

TEST_CASE("Status: default is OK and prints OK") {
  Status s;
  CHECK(s.ok());
  CHECK(s.ToString() == "OK");
  CHECK(s.category() == ErrorCategory::kOk);
}

TEST_CASE("Status: ToString carries operation, resource, code, HTTP status, request id and attempts") {
  Status s = Status(ErrorCategory::kService, "Please reduce your request rate.")
                 .WithCode("SlowDown")
                 .WithHttpStatus(503)
                 .WithRequestId("4F2A")
                 .WithContext("GetObject", "s3://train/shard-7.tar")
                 .WithAttempts(5);
  CHECK(s.ToString() ==
        "GetObject s3://train/shard-7.tar: SlowDown (HTTP 503, request id 4F2A): Please reduce your request rate., "
        "gave up after 5 attempts");
  CHECK(s.IsTransient());
}

TEST_CASE("Status: builders do not mutate the original") {
  Status a(ErrorCategory::kService, "m");
  Status b = a.WithCode("NoSuchKey").WithHttpStatus(404);
  CHECK(a.code().empty());
  CHECK(b.code() == "NoSuchKey");
  CHECK_FALSE(b.IsTransient());
}

TEST_CASE("Status: 5xx without a code and network errors are transient; 4xx are not") {
  CHECK(Status(ErrorCategory::kService, "").WithHttpStatus(502).IsTransient());
  CHECK(Status(ErrorCategory::kNetwork, "reset").IsTransient());
  CHECK(Status(ErrorCategory::kTimeout, "stall").IsTransient());
  CHECK_FALSE(Status(ErrorCategory::kService, "").WithHttpStatus(403).WithCode("AccessDenied").IsTransient());
  CHECK_FALSE(Status::InvalidArgument("x").IsTransient());
}

TEST_CASE("Result: value() throws s3ml::Error carrying the status") {
  Result<int> r = Status(ErrorCategory::kService, "gone").WithCode("NoSuchKey");
  CHECK_FALSE(r.ok());
  try {
    (void)r.value();
    FAIL("value() did not throw");
  } catch (const Error& e) {
    CHECK(e.status().code() == "NoSuchKey");
    CHECK(std::string(e.what()).find("NoSuchKey") != std::string::npos);
  }
  Result<int> ok = 7;
  CHECK(ok.value() == 7);
}

TEST_CASE("Result: constructing from an OK status is an internal error, not a silent success") {
  Result<int> r = Status::Ok();
  CHECK_FALSE(r.ok());
  CHECK(r.status().category() == ErrorCategory::kInternal);
}
