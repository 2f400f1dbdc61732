// Bucket settings through the Client: default encryption (Get/Put/DeleteBucketEncryption),
// bucket tagging (Get/Put/DeleteBucketTagging) and the canned ACL of a write (x-amz-acl).
// [portable] cases hold against moto too (S3ML_TEST_ENDPOINT); the others check S3
// behaviour of the in-process mock that moto does not model (SSE-S3 as every bucket's
// default, Object Ownership BucketOwnerEnforced).

#include <algorithm>

#include <catch2/catch.hpp>

#include "support/test_support.h"

using namespace s3ml;
using namespace s3ml::test;

namespace {

struct Bucket {
  explicit Bucket(const std::string& tag) : c(PortableClient()), name(UniqueBucketName(tag)) {
    auto created = c.CreateBucket(CreateBucketRequest{name, ""});
    INFO(created.status().ToString());
    REQUIRE(created.ok());
  }
  ~Bucket() {
    ListObjectsV2Request l;
    l.bucket = name;
    if (auto all = c.ListObjectsV2Pages(l).All(); all.ok())
      for (const auto& o : *all) (void)c.DeleteObject(DeleteObjectRequest{name, o.key, {}});
    (void)c.DeleteBucket(name);
  }
  Client c;
  std::string name;
};

}  // namespace

TEST_CASE("BucketTagging: Put, Get and Delete round-trip; no tags is NoSuchTagSet", "[portable][bucket-config]") {
  Bucket b("btag");
  PutBucketTaggingRequest put;
  put.bucket = b.name;
  put.tags = {{"project", "llm"}, {"cost-center", "42"}};
  auto st = b.c.PutBucketTagging(put);
  INFO(st.ToString());
  REQUIRE(st.ok());
  auto got = b.c.GetBucketTagging(b.name);
  INFO(got.status().ToString());
  REQUIRE(got.ok());
  std::vector<Tag> sorted = *got;
  std::sort(sorted.begin(), sorted.end(), [](const Tag& x, const Tag& y) { return x.key < y.key; });
  CHECK(sorted == std::vector<Tag>{{"cost-center", "42"}, {"project", "llm"}});

  REQUIRE(b.c.DeleteBucketTagging(b.name).ok());
  // GetBucketTagging: "NoSuchTagSetError - There is no tag set associated with the bucket."
  auto none = b.c.GetBucketTagging(b.name);
  REQUIRE(!none.ok());
  CHECK(none.status().code() == "NoSuchTagSet");
  CHECK(none.status().http_status() == 404);
}

TEST_CASE("BucketTagging: an empty tag key is refused before anything is sent", "[bucket-config]") {
  Bucket b("btag-bad");
  PutBucketTaggingRequest put;
  put.bucket = b.name;
  put.tags = {{"", "v"}};
  auto st = b.c.PutBucketTagging(put);
  CHECK(st.category() == ErrorCategory::kInvalidArgument);
  CHECK(st.message().find("empty key") != std::string::npos);
}

TEST_CASE("BucketEncryption: an SSE-KMS default round-trips and applies to new objects", "[portable][bucket-config]") {
  Bucket b("benc");
  PutBucketEncryptionRequest put;
  put.bucket = b.name;
  put.encryption.sse_algorithm = "aws:kms";
  put.encryption.kms_key_id = "alias/datasets";
  put.encryption.bucket_key_enabled = true;
  auto st = b.c.PutBucketEncryption(put);
  INFO(st.ToString());
  REQUIRE(st.ok());
  auto got = b.c.GetBucketEncryption(b.name);
  INFO(got.status().ToString());
  REQUIRE(got.ok());
  CHECK(got->sse_algorithm == "aws:kms");
  CHECK(got->kms_key_id == "alias/datasets");
  CHECK(got->bucket_key_enabled);
}

TEST_CASE("BucketEncryption: SSE-S3 is every bucket's default and returns after DeleteBucketEncryption",
          "[bucket-config]") {
  // GetBucketEncryption: "By default, all buckets have a default encryption configuration that
  // uses server-side encryption with Amazon S3 managed keys (SSE-S3)."
  Bucket b("benc-default");
  auto initial = b.c.GetBucketEncryption(b.name);
  INFO(initial.status().ToString());
  REQUIRE(initial.ok());
  CHECK(initial->sse_algorithm == "AES256");

  PutBucketEncryptionRequest put;
  put.bucket = b.name;
  put.encryption.sse_algorithm = "aws:kms";
  REQUIRE(b.c.PutBucketEncryption(put).ok());
  PutObjectRequest p;
  p.bucket = b.name;
  p.key = "weights.bin";
  p.data = "w";
  auto written = b.c.PutObject(p);
  REQUIRE(written.ok());
  CHECK(written->encryption.server_side_encryption == "aws:kms");
  CHECK(!written->encryption.kms_key_id.empty());

  REQUIRE(b.c.DeleteBucketEncryption(b.name).ok());
  CHECK(b.c.GetBucketEncryption(b.name)->sse_algorithm == "AES256");
  auto after = b.c.PutObject(p);
  REQUIRE(after.ok());
  CHECK(after->encryption.server_side_encryption == "AES256");

  put.encryption.kms_key_id = "k";
  put.encryption.sse_algorithm = "AES256";
  CHECK(b.c.PutBucketEncryption(put).category() == ErrorCategory::kInvalidArgument);  // refused locally
}

TEST_CASE("Acl: PutObjectRequest::acl sends x-amz-acl; BucketOwnerEnforced accepts only the owner's full control",
          "[bucket-config]") {
  // "Buckets that use this setting only accept PUT requests that don't specify an ACL or PUT
  // requests that specify bucket owner full control ACLs ... PUT requests that contain other
  // ACLs ... fail and return a 400 error with the error code AccessControlListNotSupported."
  Bucket b("bacl");
  PutObjectRequest p;
  p.bucket = b.name;
  p.key = "k";
  p.data = "d";
  p.acl = "bucket-owner-full-control";
  auto ok = b.c.PutObject(p);
  INFO(ok.status().ToString());
  CHECK(ok.ok());
  p.acl = "public-read";
  auto refused = b.c.PutObject(p);
  REQUIRE(!refused.ok());
  CHECK(refused.status().code() == "AccessControlListNotSupported");
  CHECK(refused.status().http_status() == 400);

  CopyObjectRequest copy;
  copy.source_bucket = b.name;
  copy.source_key = "k";
  copy.bucket = b.name;
  copy.key = "k2";
  copy.acl = "public-read";
  auto copied = b.c.CopyObject(copy);
  REQUIRE(!copied.ok());
  CHECK(copied.status().code() == "AccessControlListNotSupported");

  CreateMultipartUploadRequest mpu;
  mpu.bucket = b.name;
  mpu.key = "mpu";
  mpu.acl = "public-read-write";
  auto started = b.c.CreateMultipartUpload(mpu);
  REQUIRE(!started.ok());
  CHECK(started.status().code() == "AccessControlListNotSupported");
}
