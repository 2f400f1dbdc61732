#include <catch2/catch.hpp>

#include <climits>

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

TEST_CASE("ParseIso8601: an offset that is not exactly +hh:mm is an error, never read past the end") {
  using namespace std::string_literals;
  // A one-digit hour used to make the parser step 6 bytes past a 5-byte offset.
  CHECK_FALSE(ParseIso8601("2024-01-02T03:04:05.123456789-7:00").ok());
  CHECK_FALSE(ParseIso8601("2024-01-02T03:04:05-7").ok());
  CHECK_FALSE(ParseIso8601("2024-01-02T03:04:05+").ok());
  CHECK_FALSE(ParseIso8601("2013-05-24T00:00:00+ 1: 2").ok());
  CHECK_FALSE(ParseIso8601("2013-05-24T00:00:00+1:300").ok());
  CHECK_FALSE(ParseIso8601("2013-05-24T00:00:00+99:99").ok());
  CHECK_FALSE(ParseIso8601("2013-05-24T00:00:00+0130").ok());
  // The whole input counts, also after an embedded NUL.
  CHECK_FALSE(ParseIso8601("2013-05-24T00:00:00Z\0junk"s).ok());
  CHECK_FALSE(ParseHttpDate("Fri, 24 May 2013 00:00:00 GMT\0junk"s).ok());
  auto west = ParseIso8601("2013-05-23T17:00:00-07:00");
  auto utc = ParseIso8601("2013-05-24T00:00:00Z");
  REQUIRE(west.ok());
  REQUIRE(utc.ok());
  CHECK(*west == *utc);
  CHECK(ParseIso8601("2013-05-24T23:59:00+23:59").ok());
}

TEST_CASE("Time parsers reject garbage with a message naming the input") {
  auto r = ParseAmzDate("2013-05-24");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::Contains("2013-05-24"));
  CHECK_FALSE(ParseIso8601("yesterday").ok());
  CHECK_FALSE(ParseHttpDate("Fri 24 May").ok());
}

TEST_CASE("Time parsers: dates outside 1678..2262 are errors by default, not an overflowed time") {
  for (auto r : {ParseAmzDate("99991231T000000Z"), ParseAmzDate("10000101T000000Z"),
                 ParseIso8601("1000-01-01T00:00:00Z"), ParseIso8601("9999-12-31T23:59:59.999Z"),
                 ParseIso8601("2262-01-01T00:00:00.001Z"), ParseIso8601("1678-01-01T00:00:00+00:01"),
                 ParseHttpDate("Fri, 31 Dec 9999 23:59:59 GMT"), ParseHttpDate("Mon, 01 Jan 1000 00:00:00 GMT"),
                 FromUnixSeconds(LLONG_MAX), FromUnixSeconds(LLONG_MIN), FromUnixSeconds(kMaxUnixSeconds + 1)}) {
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().category() == ErrorCategory::kProtocol);
    CHECK_THAT(r.status().message(), Catch::Contains("outside the supported years 1678 to 2262"));
  }
}

TEST_CASE("Time parsers: the bounds themselves parse, and kClamp maps beyond them to the nearest bound") {
  const SystemTime lo{std::chrono::seconds(kMinUnixSeconds)}, hi{std::chrono::seconds(kMaxUnixSeconds)};
  CHECK(ParseIso8601("1678-01-01T00:00:00Z").value() == lo);
  CHECK(ParseIso8601("2262-01-01T00:00:00Z").value() == hi);
  CHECK(ParseAmzDate("22620101T000000Z").value() == hi);
  CHECK(ParseHttpDate("Fri, 01 Jan 2262 00:00:00 GMT").value() == hi);
  CHECK(FormatIso8601(hi) == "2262-01-01T00:00:00.000Z");
  CHECK(FormatIso8601(lo) == "1678-01-01T00:00:00.000Z");

  CHECK(ParseIso8601("1000-01-01T00:00:00Z", OutOfRange::kClamp).value() == lo);
  CHECK(ParseIso8601("9999-12-31T23:59:59Z", OutOfRange::kClamp).value() == hi);
  CHECK(ParseHttpDate("Fri, 31 Dec 9999 23:59:59 GMT", OutOfRange::kClamp).value() == hi);
  CHECK(ParseAmzDate("99991231T000000Z", OutOfRange::kClamp).value() == hi);
  CHECK(FromUnixSeconds(LLONG_MAX, OutOfRange::kClamp).value() == hi);
  CHECK(FromUnixSeconds(LLONG_MIN, OutOfRange::kClamp).value() == lo);
  // Clamping never hides a malformed date.
  CHECK_FALSE(ParseIso8601("99999-01-01T00:00:00Z", OutOfRange::kClamp).ok());
  CHECK_FALSE(ParseHttpDate("not a date", OutOfRange::kClamp).ok());
}

TEST_CASE("FormatIso8601: a time before 1970 with a fraction keeps its second (rounded down, not toward zero)") {
  // Found by time_fuzzer: 1758-02-02T03:04:05.123Z formatted as ...03:04:06.123Z.
  for (const char* s : {"1758-02-02T03:04:05.123Z", "1969-12-31T23:59:59.250Z", "1678-01-01T00:00:00.999Z"}) {
    auto t = ParseIso8601(s);
    REQUIRE(t.ok());
    CHECK(FormatIso8601(*t) == s);
    auto back = ParseIso8601(FormatIso8601(*t));
    REQUIRE(back.ok());
    CHECK(*back == *t);
  }
  auto t = ParseIso8601("1969-12-31T23:59:59.250Z");
  REQUIRE(t.ok());
  CHECK(FormatAmzDate(*t) == "19691231T235959Z");
  CHECK(FormatHttpDate(*t) == "Wed, 31 Dec 1969 23:59:59 GMT");
}
