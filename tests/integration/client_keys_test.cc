// Keys S3 accepts that are easy to lose between a client and the server: whitespace-only
// keys, control characters, '%' and '+'. Each must round-trip through PutObject, the
// listing, DeleteObject and DeleteObjects, so that a bucket holding them can be emptied.

#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/test_support.h"

using namespace s3ml;
using namespace s3ml::test;

namespace {

// "The object key name consists of a sequence of Unicode characters encoded in UTF-8,
// with a maximum length of 1,024 bytes" (S3 User Guide, Naming Amazon S3 objects).
const std::vector<std::string>& WhitespaceAndControlKeys() {
  static const std::vector<std::string> keys = {
      " ", "  ", "\t", "\n", "a\nb", "cr\r", "crlf\r\n", "ctl\x01\x1f\x7f", "%", "%25", "+", "a+b c",
      "trailing ", " leading", "nbsp\xC2\xA0", "amp&<lt>\"q'",
  };
  return keys;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<std::string> ListAll(const Client& c, const std::string& bucket) {
  ListObjectsV2Request l;
  l.bucket = bucket;
  l.max_keys = 5;  // several pages: continuation tokens carry these keys too
  auto all = c.ListObjectsV2Pages(l).All();
  INFO(all.status().ToString());
  REQUIRE(all.ok());
  std::vector<std::string> keys;
  for (const auto& o : *all) keys.push_back(o.key);
  return keys;
}

}  // namespace

TEST_CASE("Keys: whitespace-only and control-character keys round-trip and DeleteObjects empties the bucket",
          "[keys]") {
  Client c = PortableClient();
  const std::string bucket = UniqueBucketName("ws-keys");
  REQUIRE(c.CreateBucket(CreateBucketRequest{bucket, ""}).ok());
  for (const auto& key : WhitespaceAndControlKeys()) {
    INFO("key: [" << key << "]");
    Put(c, bucket, key, "body of " + key);
    auto got = c.GetObject(GetReq(bucket, key));
    INFO(got.status().ToString());
    REQUIRE(got.ok());
    CHECK(got->body == "body of " + key);
  }
  CHECK(ListAll(c, bucket) == Sorted(WhitespaceAndControlKeys()));

  // "Replacement must be made for object keys containing special characters (such as
  // carriage returns) when using XML requests." (DeleteObjects, ObjectIdentifier Key)
  DeleteObjectsRequest del;
  del.bucket = bucket;
  for (const auto& key : WhitespaceAndControlKeys()) del.objects.push_back({key, ""});
  auto deleted = c.DeleteObjects(del);
  INFO(deleted.status().ToString());
  REQUIRE(deleted.ok());
  CHECK(deleted->errors.empty());
  std::vector<std::string> reported;
  for (const auto& d : deleted->deleted) reported.push_back(d.key);
  CHECK(Sorted(reported) == Sorted(WhitespaceAndControlKeys()));
  CHECK(ListAll(c, bucket).empty());
  // The bucket is empty, so it can be deleted (a kept " " object made it BucketNotEmpty).
  auto gone = c.DeleteBucket(bucket);
  INFO(gone.ToString());
  CHECK(gone.ok());
}

TEST_CASE("Keys: DeleteObject removes whitespace-only and control-character keys one by one", "[keys]") {
  Client c = PortableClient();
  ScopedBucket b(c, "ws-key-del");
  for (const auto& key : WhitespaceAndControlKeys()) Put(c, b.name(), key, "x");
  for (const auto& key : WhitespaceAndControlKeys()) {
    INFO("key: [" << key << "]");
    auto r = c.DeleteObject(DeleteObjectRequest{b.name(), key, ""});
    INFO(r.status().ToString());
    CHECK(r.ok());
  }
  CHECK(ListAll(c, b.name()).empty());
}

TEST_CASE("Keys: DeleteObjects refuses a key with a NUL before sending (XML cannot carry it)", "[keys]") {
  Client c = PortableClient();
  DeleteObjectsRequest del;
  del.bucket = "any-bucket";
  del.objects.push_back({std::string("nul\0key", 7), ""});
  auto r = c.DeleteObjects(del);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().category() == ErrorCategory::kInvalidArgument);
  CHECK_THAT(r.status().message(), Catch::Contains("NUL"));
}
