// ParseS3Uri (s3ml/uri.h): the one parser of "s3://bucket/key" for the CLI, dataset
// sources and the Python binding.
#include <catch2/catch.hpp>

#include <string>

#include "s3ml/uri.h"

using namespace s3ml;
using Catch::Contains;
using Catch::StartsWith;

namespace {

S3Uri Parsed(const std::string& text, S3UriCheck check = S3UriCheck::kNames) {
  auto u = ParseS3Uri(text, check);
  INFO(text);
  REQUIRE(u.ok());
  return *u;
}

// The reason after "invalid S3 URI '<shown>': ", checking the prefix and the category.
std::string Why(const std::string& text, S3UriCheck check = S3UriCheck::kNames, const std::string& shown = "") {
  auto u = ParseS3Uri(text, check);
  INFO(text);
  REQUIRE_FALSE(u.ok());
  CHECK(u.status().category() == ErrorCategory::kInvalidArgument);
  const std::string prefix = "invalid S3 URI '" + (shown.empty() ? text : shown) + "': ";
  REQUIRE_THAT(u.status().message(), StartsWith(prefix));
  return u.status().message().substr(prefix.size());
}

}  // namespace

TEST_CASE("ParseS3Uri: the key is everything after the bucket's '/', verbatim") {
  CHECK(Parsed("s3://my-bucket/a/b.tar") == S3Uri{"my-bucket", "a/b.tar"});
  CHECK(Parsed("s3://my-bucket/dir/") == S3Uri{"my-bucket", "dir/"});        // a prefix keeps its '/'
  CHECK(Parsed("s3://my-bucket//lead") == S3Uri{"my-bucket", "/lead"});      // a key may start with '/'
  CHECK(Parsed("s3://my-bucket/a//b//") == S3Uri{"my-bucket", "a//b//"});    // and hold "//"
  CHECK(Parsed("s3://my-bucket/%2F?x=1#frag") == S3Uri{"my-bucket", "%2F?x=1#frag"});  // no decoding, no query
  CHECK(Parsed("s3://my-bucket/a b+c=d@e:f~") == S3Uri{"my-bucket", "a b+c=d@e:f~"});
  CHECK(Parsed("s3://my-bucket/données/été.txt").key == "données/été.txt");  // UTF-8
  CHECK(Parsed("s3://data--usw2-az1--x-s3/k").bucket == "data--usw2-az1--x-s3");  // directory bucket
}

TEST_CASE("ParseS3Uri: a bucket alone, with or without '/', has the empty key") {
  CHECK(Parsed("s3://my-bucket") == S3Uri{"my-bucket", ""});
  CHECK(Parsed("s3://my-bucket/") == S3Uri{"my-bucket", ""});
}

TEST_CASE("ParseS3Uri: ToString gives back a URI that parses to the same value") {
  for (const char* text : {"s3://my-bucket", "s3://my-bucket/k", "s3://my-bucket//x//", "s3://my-bucket/p/"}) {
    S3Uri u = Parsed(text);
    CHECK(Parsed(u.ToString()) == u);
  }
  CHECK(Parsed("s3://my-bucket/").ToString() == "s3://my-bucket");
  CHECK(S3Uri{"b", "k"} != S3Uri{"b", "k/"});
}

TEST_CASE("ParseS3Uri: a missing or wrong scheme is named as such") {
  CHECK_THAT(Why(""), Contains("the URI is empty"));
  CHECK_THAT(Why("my-bucket/key"), StartsWith("missing the s3:// scheme (expected s3://bucket[/key])"));
  CHECK_THAT(Why("/local/path"), StartsWith("missing the s3:// scheme"));
  CHECK_THAT(Why("./s3://b/k"), StartsWith("missing the s3:// scheme"));
  CHECK(Why("S3://my-bucket/k") == "the scheme must be lowercase 's3://'");
  CHECK_THAT(Why("s3:/my-bucket/k"), StartsWith("'s3:' must be followed by '//'"));
  CHECK_THAT(Why("s3:my-bucket"), StartsWith("'s3:' must be followed by '//'"));
  CHECK_THAT(Why("http://my-bucket/k"), StartsWith("unsupported scheme 'http://'"));
  CHECK_THAT(Why("gs://my-bucket/k"), StartsWith("unsupported scheme 'gs://'"));
  CHECK_THAT(Why(" s3://my-bucket/k"), StartsWith("missing the s3:// scheme"));  // no trimming
}

TEST_CASE("ParseS3Uri: an empty bucket is reported before anything else") {
  CHECK(Why("s3://") == "missing bucket name (expected s3://bucket[/key])");
  CHECK(Why("s3:///key") == "missing bucket name (expected s3://bucket[/key])");
  CHECK(Why("s3:////", S3UriCheck::kShape) == "missing bucket name (expected s3://bucket[/key])");
}

TEST_CASE("ParseS3Uri: control characters are refused and shown escaped in the message") {
  CHECK_THAT(Why("s3://my-bucket/key\n", S3UriCheck::kNames, "s3://my-bucket/key\\x0A"),
             StartsWith("byte 18 is a control character"));
  CHECK_THAT(Why("s3://my-bucket/a\tb", S3UriCheck::kShape, "s3://my-bucket/a\\x09b"), Contains("part of the key"));
  CHECK_THAT(Why(std::string("s3://my-bucket/a\0b", 18), S3UriCheck::kShape, "s3://my-bucket/a\\x00b"),
             StartsWith("byte 16 is a control character"));
  CHECK_THAT(Why("s3://my\x7f" "bucket/k", S3UriCheck::kShape, "s3://my\\x7Fbucket/k"), Contains("part of the bucket"));
  CHECK_THAT(Why("s3://my-bucket/k\r", S3UriCheck::kShape, "s3://my-bucket/k\\x0D"), Contains("control character"));
}

TEST_CASE("ParseS3Uri: a bucket with characters no bucket name has is refused in either check") {
  for (S3UriCheck check : {S3UriCheck::kNames, S3UriCheck::kShape}) {
    CHECK_THAT(Why("s3://Bad_Bucket!/k", check), Contains("invalid bucket name 'Bad_Bucket!': it contains 'B'"));
    CHECK_THAT(Why("s3://my_bucket/k", check), Contains("it contains '_'"));
    CHECK_THAT(Why("s3://user@my-bucket/k", check), Contains("it contains '@'"));
    CHECK_THAT(Why("s3://my-bucket:9000/k", check), Contains("it contains ':'"));
    CHECK_THAT(Why("s3://my-bucket?list", check), Contains("it contains '?'"));
    CHECK_THAT(Why("s3://bücket/k", check), Contains("a non-printable or non-ASCII byte"));
  }
}

TEST_CASE("ParseS3Uri: kNames applies the Client's bucket naming and key rules") {
  CHECK_THAT(Why("s3://ab/k"), Contains("invalid bucket name 'ab': it is 2 characters long"));
  CHECK_THAT(Why("s3://" + std::string(64, 'b')), Contains("64 characters long"));
  CHECK_THAT(Why("s3://-bucket/k"), Contains("must begin and end with a letter or digit"));
  CHECK_THAT(Why("s3://my..bucket/k"), Contains("two adjacent periods"));
  CHECK_THAT(Why("s3://192.168.1.1/k"), Contains("IP address"));
  CHECK_THAT(Why("s3://xn--bucket/k"), Contains("reserved"));
  CHECK_THAT(Why("s3://my-bucket/" + std::string(1025, 'k'), S3UriCheck::kNames,
                 "s3://my-bucket/" + std::string(1025, 'k')),
             Contains("1025 bytes long"));
  CHECK(ParseS3Uri("s3://my-bucket/" + std::string(1024, 'k')).ok());
  CHECK_THAT(Why("s3://my-bucket/a\xff"), Contains("not valid UTF-8"));
}

TEST_CASE("ParseS3Uri: kShape leaves names to the Client but keeps the shape rules") {
  CHECK(Parsed("s3://b/one", S3UriCheck::kShape) == S3Uri{"b", "one"});  // too short for kNames
  CHECK(Parsed("s3://192.168.1.1/k", S3UriCheck::kShape).bucket == "192.168.1.1");
  CHECK(Parsed("s3://my-bucket/" + std::string(2000, 'k'), S3UriCheck::kShape).key.size() == 2000);
  CHECK(Parsed("s3://my-bucket/a\xff", S3UriCheck::kShape).key == "a\xff");
  CHECK_FALSE(ParseS3Uri("S3://b/k", S3UriCheck::kShape).ok());
  CHECK_FALSE(ParseS3Uri("s3:///k", S3UriCheck::kShape).ok());
}
