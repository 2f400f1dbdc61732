// Versioning, ListObjectVersions, object tagging and storage classes through the
// Client against the test endpoint ([portable]: the in-process mock, or
// S3ML_TEST_ENDPOINT such as moto). Cases where moto departs from S3's documented
// behaviour are not tagged [portable]; the comment on each says why.

#include <algorithm>
#include <cstdio>
#include <set>

#include <catch2/catch.hpp>

#include "support/test_support.h"
#include "ops/versioning.h"

using namespace s3ml;
using namespace s3ml::test;

namespace {

/// A bucket with versioning enabled (or not yet, for the test to enable); on
/// destruction every version and delete marker is removed, then the bucket.
class VersionedBucket : public ScopedBucket {
 public:
  VersionedBucket(const Client& c, const std::string& tag, bool enable = true)
      : ScopedBucket(c, tag, BucketSetup{enable, /*delete_versions=*/true}) {}
};

std::string PutVersion(const Client& c, const std::string& bucket, const std::string& key, std::string_view data,
                       const std::string& storage_class = {}) {
  return Put(c, bucket, key, data, storage_class).version_id;
}

Result<GetObjectResult> GetVersion(const Client& c, const std::string& bucket, const std::string& key,
                                   const std::string& version_id = {}) {
  GetObjectRequest g;
  g.bucket = bucket;
  g.key = key;
  g.version_id = version_id;
  return c.GetObject(g);
}

Result<ObjectMetadata> HeadVersion(const Client& c, const std::string& bucket, const std::string& key,
                                   const std::string& version_id = {}) {
  HeadObjectRequest h;
  h.bucket = bucket;
  h.key = key;
  h.version_id = version_id;
  return c.HeadObject(h);
}

std::vector<std::string> Describe(const std::vector<ObjectVersionSummary>& versions) {
  std::vector<std::string> out;
  for (const auto& v : versions)
    out.push_back(v.key + (v.is_delete_marker ? " marker " : " version ") + v.version_id +
                  (v.is_latest ? " latest" : ""));
  return out;
}

std::vector<Tag> Sorted(std::vector<Tag> tags) {
  std::sort(tags.begin(), tags.end(), [](const Tag& a, const Tag& b) { return a.key < b.key; });
  return tags;
}

}  // namespace

TEST_CASE("BucketVersioning: a new bucket is unversioned, then Enabled and Suspended as put",
          "[portable][versioning]") {
  Client c = PortableClient();
  VersionedBucket b(c, "vstate", /*enable=*/false);
  auto initial = c.GetBucketVersioning(b.name());
  INFO(initial.status().ToString());
  REQUIRE(initial.ok());
  CHECK(initial->status == VersioningStatus::kUnversioned);
  REQUIRE(c.PutBucketVersioning(PutBucketVersioningRequest{b.name(), VersioningStatus::kEnabled}).ok());
  CHECK(c.GetBucketVersioning(b.name())->status == VersioningStatus::kEnabled);
  REQUIRE(c.PutBucketVersioning(PutBucketVersioningRequest{b.name(), VersioningStatus::kSuspended}).ok());
  CHECK(c.GetBucketVersioning(b.name())->status == VersioningStatus::kSuspended);
}

TEST_CASE("BucketVersioning: errors name the operation, bucket and S3 code", "[portable][versioning]") {
  Client c = PortableClient();
  const std::string missing = UniqueBucketName("vmissing");
  auto g = c.GetBucketVersioning(missing);
  REQUIRE_FALSE(g.ok());
  CHECK(g.status().code() == "NoSuchBucket");
  CHECK(g.status().operation() == "GetBucketVersioning");
  CHECK(g.status().resource() == "s3://" + missing);
  Status p = c.PutBucketVersioning(PutBucketVersioningRequest{missing, VersioningStatus::kEnabled});
  CHECK(p.code() == "NoSuchBucket");
  // Client-side: there is no request that makes a bucket unversioned again.
  Status un = c.PutBucketVersioning(PutBucketVersioningRequest{missing, VersioningStatus::kUnversioned});
  CHECK(un.category() == ErrorCategory::kInvalidArgument);
  CHECK(un.operation() == "PutBucketVersioning");
}

TEST_CASE("Versioning: version ids on Put, Get, Head and Copy, and reads of older versions",
          "[portable][versioning]") {
  Client c = PortableClient();
  VersionedBucket b(c, "vids");
  const std::string v1 = PutVersion(c, b.name(), "k", "first");
  const std::string v2 = PutVersion(c, b.name(), "k", "second!");
  REQUIRE_FALSE(v1.empty());
  REQUIRE_FALSE(v2.empty());
  CHECK(v1 != v2);
  CHECK(v1 != "null");

  auto latest = GetVersion(c, b.name(), "k");
  REQUIRE(latest.ok());
  CHECK(latest->body == "second!");
  CHECK(latest->info.version_id == v2);
  auto old = GetVersion(c, b.name(), "k", v1);
  INFO(old.status().ToString());
  REQUIRE(old.ok());
  CHECK(old->body == "first");
  CHECK(old->info.version_id == v1);
  auto head = HeadVersion(c, b.name(), "k", v1);
  REQUIRE(head.ok());
  CHECK(head->content_length == 5);
  CHECK(head->version_id == v1);

  CopyObjectRequest cp;
  cp.source_bucket = b.name();
  cp.source_key = "k";
  cp.source_version_id = v1;
  cp.bucket = b.name();
  cp.key = "copy";
  auto copied = c.CopyObject(cp);
  INFO(copied.status().ToString());
  REQUIRE(copied.ok());
  CHECK(copied->copy_source_version_id == v1);
  CHECK_FALSE(copied->version_id.empty());
  auto copy_body = GetVersion(c, b.name(), "copy", copied->version_id);
  REQUIRE(copy_body.ok());
  CHECK(copy_body->body == "first");
}

TEST_CASE("Versioning: DeleteObject adds a delete marker; deleting the marker restores the object",
          "[portable][versioning]") {
  Client c = PortableClient();
  VersionedBucket b(c, "vmarker");
  const std::string v1 = PutVersion(c, b.name(), "k", "keep me");
  auto del = c.DeleteObject(DeleteObjectRequest{b.name(), "k", ""});
  INFO(del.status().ToString());
  REQUIRE(del.ok());
  CHECK(del->delete_marker);
  const std::string marker = del->version_id;
  REQUIRE_FALSE(marker.empty());
  CHECK(marker != v1);

  auto gone = GetVersion(c, b.name(), "k");
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.status().code() == "NoSuchKey");
  CHECK(gone.status().http_status() == 404);
  auto head_gone = HeadVersion(c, b.name(), "k");
  REQUIRE_FALSE(head_gone.ok());
  CHECK(head_gone.status().http_status() == 404);
  // The version below the marker is still readable by id, and unlisted by ListObjectsV2.
  CHECK(GetVersion(c, b.name(), "k", v1)->body == "keep me");
  ListObjectsV2Request l;
  l.bucket = b.name();
  CHECK(c.ListObjectsV2(l)->contents.empty());

  auto undelete = c.DeleteObject(DeleteObjectRequest{b.name(), "k", marker});
  INFO(undelete.status().ToString());
  REQUIRE(undelete.ok());
  CHECK(undelete->version_id == marker);
  auto back = GetVersion(c, b.name(), "k");
  REQUIRE(back.ok());
  CHECK(back->body == "keep me");
  CHECK(back->info.version_id == v1);

  // Deleting a version by id removes it for good.
  auto perm = c.DeleteObject(DeleteObjectRequest{b.name(), "k", v1});
  REQUIRE(perm.ok());
  CHECK_FALSE(perm->delete_marker);
  CHECK(perm->version_id == v1);
  auto none = GetVersion(c, b.name(), "k", v1);
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().http_status() >= 400);
  CHECK_FALSE(GetVersion(c, b.name(), "k").ok());
}

// Not [portable]: S3 documents x-amz-delete-marker: true on the DELETE that removes a
// delete marker by version id; moto omits the header.
TEST_CASE("Versioning: deleting a delete marker by version id reports that it was a marker", "[versioning]") {
  Client c = PortableClient();
  VersionedBucket b(c, "vunmark");
  PutVersion(c, b.name(), "k", "x");
  const std::string marker = c.DeleteObject(DeleteObjectRequest{b.name(), "k", ""})->version_id;
  auto undelete = c.DeleteObject(DeleteObjectRequest{b.name(), "k", marker});
  REQUIRE(undelete.ok());
  CHECK(undelete->delete_marker);
  CHECK(undelete->version_id == marker);
}

// Not [portable]: S3 answers 405 MethodNotAllowed here (GetObject docs); moto answers
// 404 NoSuchVersion.
TEST_CASE("Versioning: GET of a delete marker by version id is 405 MethodNotAllowed", "[versioning]") {
  Client c = PortableClient();
  VersionedBucket b(c, "v405");
  PutVersion(c, b.name(), "k", "x");
  const std::string marker = c.DeleteObject(DeleteObjectRequest{b.name(), "k", ""})->version_id;
  auto g = GetVersion(c, b.name(), "k", marker);
  REQUIRE_FALSE(g.ok());
  CHECK(g.status().http_status() == 405);
  CHECK(g.status().code() == "MethodNotAllowed");
}

TEST_CASE("Versioning: an unknown version id is 404 NoSuchVersion", "[portable][versioning]") {
  Client c = PortableClient();
  VersionedBucket b(c, "vunknown");
  PutVersion(c, b.name(), "k", "x");
  auto unknown = GetVersion(c, b.name(), "k", std::string(32, 'Z'));
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().code() == "NoSuchVersion");
  CHECK(unknown.status().http_status() == 404);
  CHECK(unknown.status().operation() == "GetObject");
}

// Not [portable]: S3 rejects a version id that is not one of its ids with 400
// InvalidArgument ("Invalid version id specified"); moto answers 404 NoSuchVersion.
TEST_CASE("Versioning: a malformed version id is 400 InvalidArgument", "[versioning]") {
  Client c = PortableClient();
  VersionedBucket b(c, "vbad");
  PutVersion(c, b.name(), "k", "x");
  auto malformed = GetVersion(c, b.name(), "k", "not a version");
  REQUIRE_FALSE(malformed.ok());
  CHECK(malformed.status().code() == "InvalidArgument");
  CHECK(malformed.status().http_status() == 400);
}

// Not [portable]: moto drops the versions written while versioning was enabled, which
// S3 keeps ("suspending versioning doesn't change existing objects"). PUTs to a suspended
// bucket name no version in their answer (as S3 and moto); reads name "null".
TEST_CASE("Versioning: suspended buckets write the null version and replace it on every PUT", "[versioning]") {
  Client c = PortableClient();
  VersionedBucket b(c, "vsusp");
  const std::string v1 = PutVersion(c, b.name(), "k", "enabled-era");
  REQUIRE(c.PutBucketVersioning(PutBucketVersioningRequest{b.name(), VersioningStatus::kSuspended}).ok());
  CHECK(PutVersion(c, b.name(), "k", "null one").empty());
  CHECK(PutVersion(c, b.name(), "k", "null two").empty());
  auto latest = GetVersion(c, b.name(), "k");
  REQUIRE(latest.ok());
  CHECK(latest->body == "null two");
  CHECK(latest->info.version_id == "null");
  ListObjectVersionsRequest l;
  l.bucket = b.name();
  auto versions = c.ListObjectVersions(l);
  REQUIRE(versions.ok());
  CHECK(Describe(versions->versions) ==
        std::vector<std::string>{"k version null latest", "k version " + v1});
}

// [odd-canonical]: the "/" delimiter is a query value moto canonicalises unlike S3.
TEST_CASE("ListObjectVersions: keys ascending, versions newest first, delete markers and IsLatest",
          "[portable][versioning][listing][odd-canonical]") {
  Client c = PortableClient();
  VersionedBucket b(c, "vlist");
  const std::string a1 = PutVersion(c, b.name(), "a", "a-one");
  const std::string a2 = PutVersion(c, b.name(), "a", "a-two!", "STANDARD_IA");
  const std::string b1 = PutVersion(c, b.name(), "b", "b");
  const std::string bm = c.DeleteObject(DeleteObjectRequest{b.name(), "b", ""})->version_id;
  PutVersion(c, b.name(), "dir/x", "x");
  ListObjectVersionsRequest l;
  l.bucket = b.name();
  l.delimiter = "/";
  auto r = c.ListObjectVersions(l);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK(r->bucket == b.name());
  CHECK_FALSE(r->is_truncated);
  CHECK(Describe(r->versions) == std::vector<std::string>{"a version " + a2 + " latest", "a version " + a1,
                                                          "b marker " + bm + " latest", "b version " + b1});
  CHECK(r->common_prefixes == std::vector<std::string>{"dir/"});
  REQUIRE(r->versions.size() == 4);
  CHECK(r->versions[0].size == 6);
  CHECK(r->versions[0].storage_class == "STANDARD_IA");
  CHECK(r->versions[1].storage_class == "STANDARD");
  CHECK_FALSE(r->versions[0].etag.empty());
  CHECK(r->versions[0].last_modified.time_since_epoch().count() > 0);
  CHECK(r->versions[2].etag.empty());
  CHECK(r->versions[2].size == 0);

  l.delimiter.clear();
  l.prefix = "dir/";
  auto sub = c.ListObjectVersions(l);
  REQUIRE(sub.ok());
  REQUIRE(sub->versions.size() == 1);
  CHECK(sub->versions[0].key == "dir/x");
}

TEST_CASE("ListObjectVersionsPaginator: walks key and version-id markers lazily without gaps or repeats",
          "[portable][versioning][listing]") {
  Client c = PortableClient();
  VersionedBucket b(c, "vpages");
  std::vector<std::string> expected;
  for (int k = 0; k < 4; ++k) {
    char key[16];
    std::snprintf(key, sizeof key, "k%02d", k);
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) ids.push_back(PutVersion(c, b.name(), key, std::to_string(i)));
    for (auto it = ids.rbegin(); it != ids.rend(); ++it) expected.push_back(std::string(key) + "@" + *it);
  }
  ListObjectVersionsRequest l;
  l.bucket = b.name();
  l.max_keys = 5;
  auto pages = c.ListObjectVersionsPages(l);
  std::vector<std::string> seen;
  const int npages = WalkPages(
      pages,
      [&](const ListObjectVersionsResult& page) {
        for (const auto& v : page.versions) seen.push_back(v.key + "@" + v.version_id);
      },
      10);
  CHECK(npages == 3);  // 12 versions, 5 per page
  CHECK(seen == expected);
  auto after_end = pages.NextPage();
  REQUIRE(after_end.ok());
  CHECK(after_end->versions.empty());
  auto all = c.ListObjectVersionsPages(l).All();
  REQUIRE(all.ok());
  CHECK(all->size() == 12);
}

TEST_CASE("DeleteObjects: version ids delete versions, plain keys add delete markers", "[portable][versioning]") {
  Client c = PortableClient();
  VersionedBucket b(c, "vmulti");
  const std::string a1 = PutVersion(c, b.name(), "a", "a");
  PutVersion(c, b.name(), "b", "b");
  DeleteObjectsRequest d;
  d.bucket = b.name();
  d.objects = {{"a", a1}, {"b", ""}};
  auto r = c.DeleteObjects(d);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK(r->errors.empty());
  REQUIRE(r->deleted.size() == 2);
  auto find = [&](const std::string& key) {
    return *std::find_if(r->deleted.begin(), r->deleted.end(), [&](const DeletedObject& o) { return o.key == key; });
  };
  CHECK(find("a").version_id == a1);
  CHECK_FALSE(find("a").delete_marker);
  CHECK(find("b").delete_marker);
  CHECK_FALSE(find("b").delete_marker_version_id.empty());
  CHECK_FALSE(GetVersion(c, b.name(), "a", a1).ok());
  auto marker = GetVersion(c, b.name(), "b");
  REQUIRE_FALSE(marker.ok());
  CHECK(marker.status().code() == "NoSuchKey");
}

TEST_CASE("ObjectTagging: put, get and delete a tag set; x-amz-tagging on PutObject", "[portable][tagging]") {
  Client c = PortableClient();
  ScopedBucket b(c, "tags");
  PutObjectRequest p;
  p.bucket = b.name();
  p.key = "tagged";
  p.data = "body";
  p.tagging = EncodeTagging({{"team", "ml"}, {"note", "a b+c=d/e@f:g"}});
  REQUIRE(c.PutObject(p).ok());
  auto got = c.GetObjectTagging(GetObjectTaggingRequest{b.name(), "tagged", ""});
  INFO(got.status().ToString());
  REQUIRE(got.ok());
  CHECK(Sorted(got->tags) == std::vector<Tag>{{"note", "a b+c=d/e@f:g"}, {"team", "ml"}});

  auto put = c.PutObjectTagging(PutObjectTaggingRequest{b.name(), "tagged", "", {{"stage", "prod"}, {"k2", ""}}});
  INFO(put.status().ToString());
  REQUIRE(put.ok());
  CHECK(Sorted(c.GetObjectTagging(GetObjectTaggingRequest{b.name(), "tagged", ""})->tags) ==
        std::vector<Tag>{{"k2", ""}, {"stage", "prod"}});
  auto del = c.DeleteObjectTagging(DeleteObjectTaggingRequest{b.name(), "tagged", ""});
  INFO(del.status().ToString());
  REQUIRE(del.ok());
  CHECK(c.GetObjectTagging(GetObjectTaggingRequest{b.name(), "tagged", ""})->tags.empty());
  CHECK(GetVersion(c, b.name(), "tagged")->body == "body");

  auto missing = c.GetObjectTagging(GetObjectTaggingRequest{b.name(), "missing", ""});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == "NoSuchKey");
  CHECK(missing.status().operation() == "GetObjectTagging");
}

TEST_CASE("ObjectTagging: version_id selects whose tags are read and written", "[portable][tagging][versioning]") {
  Client c = PortableClient();
  VersionedBucket b(c, "vtags");
  PutObjectRequest p;
  p.bucket = b.name();
  p.key = "k";
  p.data = "1";
  p.tagging = "gen=1";
  const std::string v1 = c.PutObject(p)->version_id;
  p.data = "2";
  p.tagging = "gen=2";
  const std::string v2 = c.PutObject(p)->version_id;
  auto put = c.PutObjectTagging(PutObjectTaggingRequest{b.name(), "k", v1, {{"gen", "one"}}});
  REQUIRE(put.ok());
  auto old = c.GetObjectTagging(GetObjectTaggingRequest{b.name(), "k", v1});
  REQUIRE(old.ok());
  CHECK(old->version_id == v1);
  CHECK(old->tags == std::vector<Tag>{{"gen", "one"}});
  auto latest = c.GetObjectTagging(GetObjectTaggingRequest{b.name(), "k", ""});
  REQUIRE(latest.ok());
  CHECK(latest->version_id == v2);
  CHECK(latest->tags == std::vector<Tag>{{"gen", "2"}});
}

// Not [portable]: S3 returns x-amz-version-id from PutObjectTagging and
// DeleteObjectTagging (API reference); moto does not.
TEST_CASE("ObjectTagging: Put/DeleteObjectTagging report the version they changed", "[tagging][versioning]") {
  Client c = PortableClient();
  VersionedBucket b(c, "vtagid");
  const std::string v1 = PutVersion(c, b.name(), "k", "1");
  const std::string v2 = PutVersion(c, b.name(), "k", "2");
  auto put = c.PutObjectTagging(PutObjectTaggingRequest{b.name(), "k", v1, {{"a", "b"}}});
  REQUIRE(put.ok());
  CHECK(put->version_id == v1);
  auto put_latest = c.PutObjectTagging(PutObjectTaggingRequest{b.name(), "k", "", {{"a", "c"}}});
  REQUIRE(put_latest.ok());
  CHECK(put_latest->version_id == v2);
  auto del = c.DeleteObjectTagging(DeleteObjectTaggingRequest{b.name(), "k", v1});
  REQUIRE(del.ok());
  CHECK(del->version_id == v1);
}

TEST_CASE("ObjectTagging: S3's limits are enforced by the server", "[portable][tagging]") {
  Client c = PortableClient();
  ScopedBucket b(c, "taglimits");
  Put(c, b.name(), "k", "x");
  std::vector<Tag> eleven;
  for (int i = 0; i < 11; ++i) eleven.push_back({"k" + std::to_string(i), "v"});
  auto too_many = c.PutObjectTagging(PutObjectTaggingRequest{b.name(), "k", "", eleven});
  REQUIRE_FALSE(too_many.ok());
  CHECK(too_many.status().http_status() == 400);
  CHECK(too_many.status().code() == "BadRequest");
  auto long_key = c.PutObjectTagging(PutObjectTaggingRequest{b.name(), "k", "", {{std::string(129, 'k'), "v"}}});
  REQUIRE_FALSE(long_key.ok());
  CHECK(long_key.status().code() == "InvalidTag");
  auto long_value = c.PutObjectTagging(PutObjectTaggingRequest{b.name(), "k", "", {{"k", std::string(257, 'v')}}});
  REQUIRE_FALSE(long_value.ok());
  CHECK(long_value.status().code() == "InvalidTag");
  auto bad_char = c.PutObjectTagging(PutObjectTaggingRequest{b.name(), "k", "", {{"k", "semi;colon"}}});
  REQUIRE_FALSE(bad_char.ok());
  CHECK(bad_char.status().code() == "InvalidTag");
  // Client-side: an empty key never reaches the server.
  auto empty = c.PutObjectTagging(PutObjectTaggingRequest{b.name(), "k", "", {{"", "v"}}});
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().category() == ErrorCategory::kInvalidArgument);
}

TEST_CASE("CopyObject: tags are copied by default and replaced when tagging is given", "[portable][tagging]") {
  Client c = PortableClient();
  ScopedBucket b(c, "tagcopy");
  PutObjectRequest p;
  p.bucket = b.name();
  p.key = "src";
  p.data = "x";
  p.tagging = "a=1&b=2";
  REQUIRE(c.PutObject(p).ok());
  CopyObjectRequest cp;
  cp.source_bucket = b.name();
  cp.source_key = "src";
  cp.bucket = b.name();
  cp.key = "same";
  REQUIRE(c.CopyObject(cp).ok());
  CHECK(Sorted(c.GetObjectTagging(GetObjectTaggingRequest{b.name(), "same", ""})->tags) ==
        std::vector<Tag>{{"a", "1"}, {"b", "2"}});
  cp.key = "replaced";
  cp.tagging = EncodeTagging({{"z", "9"}});
  auto r = c.CopyObject(cp);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK(c.GetObjectTagging(GetObjectTaggingRequest{b.name(), "replaced", ""})->tags == std::vector<Tag>{{"z", "9"}});
}

TEST_CASE("StorageClass: set on Put and Copy, reported by Head and listings; unknown classes refused",
          "[portable][storage-class]") {
  Client c = PortableClient();
  ScopedBucket b(c, "sclass");
  PutVersion(c, b.name(), "ia", "x", "STANDARD_IA");
  PutVersion(c, b.name(), "std", "x");
  auto head = HeadVersion(c, b.name(), "ia");
  REQUIRE(head.ok());
  CHECK(head->storage_class == "STANDARD_IA");
  CHECK(HeadVersion(c, b.name(), "std")->storage_class.empty());  // S3 omits STANDARD

  CopyObjectRequest cp;
  cp.source_bucket = b.name();
  cp.source_key = "std";
  cp.bucket = b.name();
  cp.key = "std";
  cp.storage_class = "ONEZONE_IA";  // a class change makes an in-place copy legal
  auto copied = c.CopyObject(cp);
  INFO(copied.status().ToString());
  REQUIRE(copied.ok());
  CHECK(HeadVersion(c, b.name(), "std")->storage_class == "ONEZONE_IA");

  ListObjectsV2Request l;
  l.bucket = b.name();
  auto list = c.ListObjectsV2(l);
  REQUIRE(list.ok());
  REQUIRE(list->contents.size() == 2);
  CHECK(list->contents[0].storage_class == "STANDARD_IA");
  CHECK(list->contents[1].storage_class == "ONEZONE_IA");

  PutObjectRequest bad;
  bad.bucket = b.name();
  bad.key = "bad";
  bad.data = "x";
  bad.storage_class = "FROZEN";
  auto refused = c.PutObject(bad);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == "InvalidStorageClass");
  CHECK(refused.status().http_status() == 400);
}

// ---- parsers and builders (no server) -------------------------------------------------

namespace {
HttpResponse XmlResponse(const std::string& xml) {
  HttpResponse r;
  r.status = 200;
  r.body = Buffer(xml);
  return r;
}
}  // namespace

TEST_CASE("ParseListObjectVersions: restores S3's order when a server groups delete markers after versions",
          "[versioning][ops]") {
  // moto's shape: every <Version> first, then every <DeleteMarker>.
  const std::string xml =
      "<ListVersionsResult><Name>b</Name><IsTruncated>false</IsTruncated><EncodingType>url</EncodingType>"
      "<Version><Key>a%20b</Key><VersionId>v1</VersionId><IsLatest>false</IsLatest>"
      "<LastModified>2024-01-01T00:00:00.000Z</LastModified><Size>3</Size></Version>"
      "<Version><Key>c</Key><VersionId>c1</VersionId><IsLatest>true</IsLatest>"
      "<LastModified>2024-01-01T00:00:00.000Z</LastModified><Size>1</Size></Version>"
      "<DeleteMarker><Key>a%20b</Key><VersionId>m1</VersionId><IsLatest>true</IsLatest>"
      "<LastModified>2024-01-02T00:00:00.000Z</LastModified></DeleteMarker>"
      "</ListVersionsResult>";
  auto r = ops::ParseListObjectVersions(XmlResponse(xml));
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK(Describe(r->versions) ==
        std::vector<std::string>{"a b marker m1 latest", "a b version v1", "c version c1 latest"});
  CHECK(r->versions[1].size == 3);

  auto truncated = ops::ParseListObjectVersions(
      XmlResponse("<ListVersionsResult><IsTruncated>true</IsTruncated></ListVersionsResult>"));
  REQUIRE_FALSE(truncated.ok());
  CHECK(truncated.status().category() == ErrorCategory::kProtocol);
  CHECK_FALSE(ops::ParseListObjectVersions(XmlResponse("<ListBucketResult/>")).ok());
}

TEST_CASE("ParseGetBucketVersioning: states, moto's empty response and unknown statuses", "[versioning][ops]") {
  auto enabled = ops::ParseGetBucketVersioning(
      XmlResponse("<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Disabled</MfaDelete>"
                  "</VersioningConfiguration>"));
  REQUIRE(enabled.ok());
  CHECK(enabled->status == VersioningStatus::kEnabled);
  CHECK(enabled->mfa_delete == "Disabled");
  auto never = ops::ParseGetBucketVersioning(XmlResponse("<VersioningConfiguration/>"));
  REQUIRE(never.ok());
  CHECK(never->status == VersioningStatus::kUnversioned);
  auto moto = ops::ParseGetBucketVersioning(XmlResponse("<GetBucketVersioningResponse/>"));
  REQUIRE(moto.ok());
  CHECK(moto->status == VersioningStatus::kUnversioned);
  auto odd = ops::ParseGetBucketVersioning(
      XmlResponse("<VersioningConfiguration><Status>Sometimes</Status></VersioningConfiguration>"));
  REQUIRE_FALSE(odd.ok());
  CHECK(odd.status().category() == ErrorCategory::kProtocol);
  auto wrong = ops::ParseGetBucketVersioning(XmlResponse("<Error/>"));
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.status().message().find("VersioningConfiguration") != std::string::npos);
}

TEST_CASE("EncodeTagging and the tagging builders encode keys, values and version ids", "[tagging][ops]") {
  CHECK(EncodeTagging({}).empty());
  CHECK(EncodeTagging({{"team", "ml"}, {"a b", "x/y=z&w"}}) == "team=ml&a%20b=x%2Fy%3Dz%26w");
  ops::Target t;
  t.endpoint = ParseEndpoint("http://127.0.0.1:9000").value();
  auto put = ops::BuildPutObjectTagging(t, PutObjectTaggingRequest{"b", "k", "v1", {{"a", "<&>"}}});
  REQUIRE(put.ok());
  CHECK(put->method == "PUT");
  CHECK(put->EncodedQuery() == "tagging=&versionId=v1");
  CHECK_FALSE(put->headers.Get("Content-MD5").empty());
  REQUIRE(put->body);
  auto list = ops::BuildListObjectVersions(t, ListObjectVersionsRequest{"b", "", "", "", "v", 0});
  REQUIRE_FALSE(list.ok());
  CHECK(list.status().category() == ErrorCategory::kInvalidArgument);
  auto neg = ops::BuildListObjectVersions(t, ListObjectVersionsRequest{"b", "", "", "k", "", -1});
  CHECK_FALSE(neg.ok());
}
