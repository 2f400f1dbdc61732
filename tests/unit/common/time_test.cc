#include <catch2/catch.hpp>

#include "common/time.h"

using namespace s3ml;

TEST_CASE("Time formats: amz date, date stamp, ISO-8601, HTTP date") {
  auto t = ParseAmzDate("20130524T000000Z");
  REQUIRE(t.ok());
  CHECK(FormatAmzDate(*t) == "20130524T000000Z");
  CHECK(FormatDateStamp(*t) == "20130524");
  CHECK(FormatIso8601(*t) == "2013-05-24T00:00:00.000Z");
  CHECK(FormatHttpDate(*t) == "Fri, 24 May 2013 00:00:00 GMT");
  auto h = ParseHttpDate("Fri, 24 May 2013 00:00:00 GMT");
  REQUIRE(h.ok());
  CHECK(*h == *t);
}

TEST_CASE("ParseIso8601: fractions and offsets") {
  auto a = ParseIso8601("2013-05-24T00:00:00.500Z");
  auto b = ParseIso8601("2013-05-24T02:00:00.5+02:00");
  auto c = ParseIso8601("2013-05-24T00:00:00Z");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(c.ok());
  CHECK(*a == *b);
  CHECK(*a - *c == std::chrono::milliseconds(500));
}

TEST_CASE("Time parsers reject garbage with a message naming the input") {
  auto r = ParseAmzDate("2013-05-24");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::Contains("2013-05-24"));
  CHECK_FALSE(ParseIso8601("yesterday").ok());
  CHECK_FALSE(ParseHttpDate("Fri 24 May").ok());
}
