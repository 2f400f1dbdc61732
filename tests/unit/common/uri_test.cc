#include <catch2/catch.hpp>

#include "common/uri.h"

using namespace s3ml;

TEST_CASE("UriEncode: keeps unreserved, encodes everything else uppercase") {
  CHECK(UriEncode("AZaz09-_.~") == "AZaz09-_.~");
  CHECK(UriEncode("a b+c=d@e%") == "a%20b%2Bc%3Dd%40e%25");
  CHECK(UriEncode("a/b", true) == "a%2Fb");
  CHECK(UriEncode("a//b/", false) == "a//b/");
  CHECK(UriEncode("\xC3\xA9") == "%C3%A9");
}

TEST_CASE("UriDecode: round-trips and rejects malformed escapes") {
  auto r = UriDecode("a%20b%2Bc");
  REQUIRE(r.ok());
  CHECK(*r == "a b+c");
  CHECK_FALSE(UriDecode("abc%2").ok());
  CHECK_FALSE(UriDecode("abc%").ok());
  CHECK_FALSE(UriDecode("%zz").ok());
}

TEST_CASE("ParseEndpoint: accepts host, port, IPv6 and base path") {
  auto e = ParseEndpoint("http://127.0.0.1:9000");
  REQUIRE(e.ok());
  CHECK(e->scheme == "http");
  CHECK(e->host == "127.0.0.1");
  CHECK(e->port == 9000);
  auto v6 = ParseEndpoint("https://[::1]:8443/base/");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->port == 8443);
  CHECK(v6->base_path == "/base");
  auto aws = ParseEndpoint("https://s3.eu-west-1.amazonaws.com");
  REQUIRE(aws.ok());
  CHECK(aws->port == 0);
}

TEST_CASE("ParseEndpoint: malformed URLs name what is wrong") {
  auto check_bad = [](const char* url, const char* why) {
    auto r = ParseEndpoint(url);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().category() == ErrorCategory::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::Contains(why));
    CHECK_THAT(r.status().message(), Catch::Contains(url));
  };
  check_bad("localhost:9000", "scheme");
  check_bad("ftp://x", "scheme");
  check_bad("http://", "missing host");
  check_bad("http://host:99999", "port out of range");
  check_bad("http://host:abc", "not a number");
  check_bad("http://ho st", "invalid character");
  check_bad("http://host?x=1", "query");
  check_bad("http://[::1", "IPv6");
}
