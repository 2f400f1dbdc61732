#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "common/logging.h"

using namespace s3ml;

TEST_CASE("Logging: secrets are redacted before reaching the sink") {
  std::vector<std::string> lines;
  SetLogSink([&](LogLevel, std::string_view l) { lines.emplace_back(l); });
  SetLogLevel(LogLevel::kDebug);
  S3ML_LOG(kInfo, "Authorization: AWS4-HMAC-SHA256 Credential=AKID/x, SignedHeaders=host, Signature=deadbeef");
  S3ML_LOG(kInfo, "GET /b/k?X-Amz-Signature=abc123&X-Amz-Security-Token=tok&x=1");
  S3ML_LOG(kTrace, "dropped");
  SetLogSink(nullptr);
  SetLogLevel(LogLevel::kWarn);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find("deadbeef") == std::string::npos);
  CHECK(lines[0].find("Signature=***") != std::string::npos);
  CHECK(lines[1].find("abc123") == std::string::npos);
  CHECK(lines[1].find("tok") == std::string::npos);
  CHECK(lines[1].find("x=1") != std::string::npos);
}
