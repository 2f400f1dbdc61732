// Listing and bucket operations as S3 answers them: ListBuckets pages, Owner without
// DisplayName, lifecycle rules saved without an ID.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "common/crypto.h"
#include "support/mock_requests.h"

using namespace s3ml;
using namespace s3ml::mock;
using namespace s3ml::mock::testing;

namespace {

Response ListBuckets(const Client& c, std::vector<std::pair<std::string, std::string>> query) {
  Request r;
  r.path = "/";
  r.query = std::move(query);
  return c.Send(r);
}

}  // namespace

TEST_CASE("ListBuckets: max-buckets pages with a continuation token, filtered by prefix and region") {
  auto server = StartServer();
  Client c(*server);
  for (std::string b : {"lb-a", "lb-b", "lb-c", "lb-d", "lb-e", "other"}) REQUIRE(c.CreateBucket(b).status == 200);
  // "MaxBuckets: Maximum number of buckets to be returned in response. When the number is
  // more than the count of buckets that are owned by an AWS account, return all the
  // buckets in response." "ContinuationToken: ... to continue the listing".
  std::vector<std::string> seen;
  std::vector<std::pair<std::string, std::string>> q = {{"max-buckets", "2"}, {"prefix", "lb-"}};
  int pages = 0;
  for (;;) {
    auto r = ListBuckets(c, q);
    INFO(r.body);
    REQUIRE(r.status == 200);
    ++pages;
    auto names = r.XmlAll("/ListAllMyBucketsResult/Buckets/Bucket/Name");
    CHECK(names.size() <= 2);
    seen.insert(seen.end(), names.begin(), names.end());
    CHECK(r.Xml("/ListAllMyBucketsResult/Prefix") == "lb-");
    const std::string token = r.Xml("/ListAllMyBucketsResult/ContinuationToken");
    if (token.empty()) break;
    REQUIRE(pages < 10);
    q = {{"max-buckets", "2"}, {"prefix", "lb-"}, {"continuation-token", token}};
  }
  CHECK(pages == 3);
  CHECK(seen == std::vector<std::string>{"lb-a", "lb-b", "lb-c", "lb-d", "lb-e"});

  auto all = ListBuckets(c, {});
  CHECK(all.XmlAll("/ListAllMyBucketsResult/Buckets/Bucket/Name").size() == 6);
  CHECK(all.Xml("/ListAllMyBucketsResult/ContinuationToken").empty());
  auto region = ListBuckets(c, {{"bucket-region", "us-east-1"}, {"max-buckets", "10"}});
  CHECK(region.XmlAll("/ListAllMyBucketsResult/Buckets/Bucket/Name").size() == 6);
  auto elsewhere = ListBuckets(c, {{"bucket-region", "eu-west-1"}});
  CHECK(elsewhere.XmlAll("/ListAllMyBucketsResult/Buckets/Bucket").empty());
}

TEST_CASE("ListBuckets: max-buckets outside 1..10000 and foreign or empty continuation tokens are InvalidArgument") {
  auto server = StartServer();
  Client c(*server);
  for (const char* bad : {"0", "10001", "-1", "x"}) {
    INFO(bad);
    auto r = ListBuckets(c, {{"max-buckets", bad}});
    CHECK(r.status == 400);
    CHECK(r.Xml("/Error/Code") == "InvalidArgument");
  }
  for (const std::string& token : {std::string(), std::string("bm90LW91cnM="), std::string("%%%")}) {
    INFO(token);
    auto r = ListBuckets(c, {{"continuation-token", token}});
    CHECK(r.status == 400);
    CHECK(r.Xml("/Error/Code") == "InvalidArgument");
  }
}

TEST_CASE("Owner: listings name the owner by ID only, without DisplayName (as S3 since late 2025)") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("owners").status == 200);
  REQUIRE(c.Put(ObjPath("owners", "k"), "x").status == 200);
  auto buckets = ListBuckets(c, {});
  CHECK_FALSE(buckets.Xml("/ListAllMyBucketsResult/Owner/ID").empty());
  CHECK(buckets.body.find("DisplayName") == std::string::npos);
  Request v1;
  v1.path = "/owners";
  auto objects = c.Send(v1);
  REQUIRE(objects.status == 200);
  CHECK_FALSE(objects.Xml("/ListBucketResult/Contents/Owner/ID").empty());
  CHECK(objects.body.find("DisplayName") == std::string::npos);
}

TEST_CASE("Lifecycle: a rule saved without an ID comes back with a generated one, unique in the configuration") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("lc-ids").status == 200);
  const std::string body =
      "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Rule><Filter><Prefix>a/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>"
      "<Rule><ID>named</ID><Filter><Prefix>b/</Prefix></Filter><Status>Enabled</Status>"
      "<Expiration><Days>2</Days></Expiration></Rule>"
      "<Rule><Filter><Prefix>c/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule>"
      "</LifecycleConfiguration>";
  Request put;
  put.method = "PUT";
  put.path = "/lc-ids";
  put.query = {{"lifecycle", ""}};
  put.headers = {{"Content-MD5", Base64Encode(Md5(body))}};
  put.body = body;
  auto stored = c.Send(put);
  INFO(stored.body);
  REQUIRE(stored.status == 200);
  Request get;
  get.path = "/lc-ids";
  get.query = {{"lifecycle", ""}};
  auto got = c.Send(get);
  REQUIRE(got.status == 200);
  auto ids = got.XmlAll("/LifecycleConfiguration/Rule/ID");
  REQUIRE(ids.size() == 3);
  CHECK_FALSE(ids[0].empty());
  CHECK(ids[1] == "named");
  CHECK_FALSE(ids[2].empty());
  CHECK(ids[0] != ids[2]);
  CHECK(ids[0].size() <= 255);
}
