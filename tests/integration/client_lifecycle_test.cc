// Lifecycle configuration, lifecycle enforcement on the mock clock, archive storage
// classes and RestoreObject through the Client. Cases tagged [portable] also run
// against S3ML_TEST_ENDPOINT (moto, from tests/interop/test_lifecycle_moto.py); the
// enforcement cases need MockS3Server::AdvanceTime and run on the in-process mock only.

#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "support/test_support.h"
#include "mock/lifecycle.h"
#include "s3ml/lifecycle.h"

using namespace s3ml;
using namespace s3ml::test;
using std::chrono::hours;
using std::chrono::seconds;

namespace {

constexpr std::int64_t kDay = 86400;

ListObjectVersionsRequest VersionsReq(const std::string& bucket) {
  ListObjectVersionsRequest r;
  r.bucket = bucket;
  return r;
}

LifecycleRule ExpireRule(std::string id, std::string prefix, int days) {
  LifecycleRule r;
  r.id = std::move(id);
  r.filter.prefix = std::move(prefix);
  r.expiration = LifecycleExpiration{days, std::nullopt, std::nullopt};
  return r;
}

void PutRules(const Client& c, const std::string& bucket, std::vector<LifecycleRule> rules) {
  auto r = c.PutBucketLifecycleConfiguration(PutBucketLifecycleConfigurationRequest{bucket, std::move(rules), ""});
  INFO(r.status().ToString());
  REQUIRE(r.ok());
}

// The first midnight UTC strictly after t + days (S3's rounding).
std::chrono::system_clock::time_point NextMidnight(std::chrono::system_clock::time_point t, int days) {
  const std::int64_t s = std::chrono::duration_cast<seconds>(t.time_since_epoch()).count() + days * kDay;
  return std::chrono::system_clock::time_point(seconds((s / kDay + 1) * kDay));
}

// Advances `server` so that its clock reads `target` or up to a second later (never backwards).
void AdvanceTo(mock::MockS3Server& server, std::chrono::system_clock::time_point target) {
  const auto delta = std::chrono::ceil<seconds>(target - server.Now());
  server.AdvanceTime(delta.count() > 0 ? delta : seconds(0));
}

bool Exists(const Client& c, const std::string& bucket, const std::string& key) {
  auto h = c.HeadObject(HeadReq(bucket, key));
  return h.ok();
}

struct MockFixture {
  std::unique_ptr<mock::MockS3Server> server = StartMock();
  Client client = Client::Create(MockOptions(*server)).value();
};

}  // namespace

TEST_CASE("Lifecycle: put, get and delete round-trip every rule element", "[portable][lifecycle]") {
  Client c = PortableClient();
  ScopedBucket b(c, "lc-rt");

  auto none = c.GetBucketLifecycleConfiguration(b.name());
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().code() == "NoSuchLifecycleConfiguration");
  CHECK(none.status().http_status() == 404);

  LifecycleRule logs = ExpireRule("logs", "logs/", 30);
  logs.transitions.push_back(LifecycleTransition{10, std::nullopt, "GLACIER"});
  logs.abort_incomplete_multipart_upload_days = 7;
  LifecycleRule tagged;
  tagged.id = "tagged";
  tagged.status = LifecycleStatus::kDisabled;
  tagged.filter.prefix = "data/";
  tagged.filter.tags = {Tag{"tier", "cold"}, Tag{"team", "ml"}};
  tagged.filter.object_size_greater_than = 1024;
  tagged.noncurrent_version_expiration = NoncurrentVersionExpiration{40, 3};
  tagged.noncurrent_version_transitions.push_back(NoncurrentVersionTransition{30, "STANDARD_IA", std::nullopt});
  LifecycleRule markers;
  markers.id = "markers";
  markers.expiration = LifecycleExpiration{std::nullopt, std::nullopt, true};
  PutRules(c, b.name(), {logs, tagged, markers});

  auto got = c.GetBucketLifecycleConfiguration(b.name());
  INFO(got.status().ToString());
  REQUIRE(got.ok());
  REQUIRE(got->rules.size() == 3);
  const LifecycleRule& g0 = got->rules[0];
  CHECK(g0.id == "logs");
  CHECK(g0.status == LifecycleStatus::kEnabled);
  CHECK(g0.filter.prefix == "logs/");
  REQUIRE(g0.expiration);
  CHECK(g0.expiration->days == 30);
  REQUIRE(g0.transitions.size() == 1);
  CHECK(g0.transitions[0].days == 10);
  CHECK(g0.transitions[0].storage_class == "GLACIER");
  CHECK(g0.abort_incomplete_multipart_upload_days == 7);
  const LifecycleRule& g1 = got->rules[1];
  CHECK(g1.status == LifecycleStatus::kDisabled);
  CHECK(g1.filter.prefix == "data/");
  CHECK(g1.filter.tags.size() == 2);
  REQUIRE(g1.noncurrent_version_expiration);
  CHECK(g1.noncurrent_version_expiration->noncurrent_days == 40);
  // moto drops ObjectSizeGreaterThan inside <And> and NewerNoncurrentVersions (S3 keeps
  // both; tests/interop/test_lifecycle_moto.py pins the difference).
  if (!Portable().external) {
    CHECK(g1.filter.object_size_greater_than == 1024u);
    CHECK(g1.noncurrent_version_expiration->newer_noncurrent_versions == 3);
  }
  REQUIRE(g1.noncurrent_version_transitions.size() == 1);
  CHECK(g1.noncurrent_version_transitions[0].storage_class == "STANDARD_IA");
  const LifecycleRule& g2 = got->rules[2];
  REQUIRE(g2.expiration);
  CHECK(g2.expiration->expired_object_delete_marker == true);

  REQUIRE(c.DeleteBucketLifecycleConfiguration(b.name()).ok());
  auto gone = c.GetBucketLifecycleConfiguration(b.name());
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.status().code() == "NoSuchLifecycleConfiguration");
  // Deleting again succeeds, as in S3.
  CHECK(c.DeleteBucketLifecycleConfiguration(b.name()).ok());
}

TEST_CASE("Lifecycle: the client refuses invalid rules before sending them", "[portable][lifecycle]") {
  Client c = PortableClient();
  ScopedBucket b(c, "lc-val");
  auto put = [&](std::vector<LifecycleRule> rules) {
    return c.PutBucketLifecycleConfiguration(PutBucketLifecycleConfigurationRequest{b.name(), std::move(rules), ""})
        .status();
  };
  Status zero = put({ExpireRule("r", "", 0)});
  CHECK(zero.category() == ErrorCategory::kInvalidArgument);
  CHECK_THAT(zero.message(), Catch::Contains("positive"));
  CHECK(put({}).category() == ErrorCategory::kInvalidArgument);
  CHECK(put({ExpireRule("dup", "a", 1), ExpireRule("dup", "b", 1)}).category() == ErrorCategory::kInvalidArgument);
  CHECK(put({ExpireRule(std::string(256, 'x'), "", 1)}).category() == ErrorCategory::kInvalidArgument);
  LifecycleRule no_action;
  no_action.id = "empty";
  CHECK(put({no_action}).category() == ErrorCategory::kInvalidArgument);
  LifecycleRule not_midnight;
  not_midnight.expiration = LifecycleExpiration{std::nullopt, std::chrono::system_clock::time_point(hours(5)), std::nullopt};
  CHECK_THAT(put({not_midnight}).message(), Catch::Contains("midnight"));
  LifecycleRule both = ExpireRule("both", "", 1);
  both.expiration->date = std::chrono::system_clock::time_point(hours(24 * 20000));
  CHECK(put({both}).category() == ErrorCategory::kInvalidArgument);
  LifecycleRule abort_tags = ExpireRule("at", "", 1);
  abort_tags.filter.tags = {Tag{"k", "v"}};
  abort_tags.abort_incomplete_multipart_upload_days = 1;
  CHECK(put({abort_tags}).category() == ErrorCategory::kInvalidArgument);
  RestoreObjectRequest bad_restore{b.name(), "k", "", 0, RestoreTier::kStandard};
  CHECK(c.RestoreObject(bad_restore).status().category() == ErrorCategory::kInvalidArgument);
  // Nothing reached the bucket.
  CHECK(c.GetBucketLifecycleConfiguration(b.name()).status().code() == "NoSuchLifecycleConfiguration");
}

TEST_CASE("Lifecycle: objects expire at the midnight UTC after Days, with x-amz-expiration before", "[lifecycle]") {
  MockFixture f;
  ScopedBucket b(f.client, "lc-exp");
  PutRules(f.client, b.name(), {ExpireRule("tmp-rule", "tmp/", 2)});

  auto put = f.client.PutObject(PutReq(b.name(), "tmp/a", "x"));
  REQUIRE(put.ok());
  Put(f.client, b.name(), "keep/b", "y");
  auto head = f.client.HeadObject(HeadReq(b.name(), "tmp/a"));
  REQUIRE(head.ok());
  const auto due = NextMidnight(head->last_modified, 2);
  REQUIRE(head->expiration_info);
  CHECK(head->expiration_info->expiry_date == due);
  CHECK(head->expiration_info->rule_id == "tmp-rule");
  CHECK_THAT(head->expiration, Catch::Contains("rule-id=\"tmp-rule\""));
  REQUIRE(put->expiration_info);  // PUT reports it too
  CHECK(put->expiration_info->expiry_date == due);
  auto other = f.client.HeadObject(HeadReq(b.name(), "keep/b"));
  REQUIRE(other.ok());
  CHECK_FALSE(other->expiration_info);

  AdvanceTo(*f.server, due - seconds(3));
  CHECK(f.server->Now() < due);
  CHECK(Exists(f.client, b.name(), "tmp/a"));  // seconds before midnight: still there
  AdvanceTo(*f.server, due);
  CHECK_FALSE(Exists(f.client, b.name(), "tmp/a"));
  CHECK(Exists(f.client, b.name(), "keep/b"));
}

TEST_CASE("Lifecycle: versioned expiry leaves a delete marker, then noncurrent versions and the lone marker go",
          "[lifecycle]") {
  MockFixture f;
  ScopedBucket b(f.client, "lc-ver");
  REQUIRE(f.client.PutBucketVersioning(PutBucketVersioningRequest{b.name(), VersioningStatus::kEnabled}).ok());
  LifecycleRule rule = ExpireRule("cur", "", 1);
  rule.noncurrent_version_expiration = NoncurrentVersionExpiration{1, std::nullopt};
  LifecycleRule markers;
  markers.id = "markers";
  markers.expiration = LifecycleExpiration{std::nullopt, std::nullopt, true};
  PutRules(f.client, b.name(), {rule, markers});

  Put(f.client, b.name(), "k", "v1");
  Put(f.client, b.name(), "k", "v2");  // v1 becomes noncurrent now
  auto versions = [&] {
    auto page = f.client.ListObjectVersions(VersionsReq(b.name()));
    REQUIRE(page.ok());
    return page->versions;
  };
  REQUIRE(versions().size() == 2);

  f.server->AdvanceTime(hours(24 * 2) + seconds(1));  // past the first midnight after 1 day
  auto v = versions();
  // Current v2 expired -> delete marker on top; v1 was noncurrent > 1 day -> removed;
  // v2 only just became noncurrent -> kept.
  REQUIRE(v.size() == 2);
  CHECK(v[0].is_delete_marker);
  CHECK(v[0].is_latest);
  CHECK_FALSE(v[1].is_delete_marker);
  CHECK_FALSE(Exists(f.client, b.name(), "k"));

  f.server->AdvanceTime(hours(24 * 2));  // v2 is old enough now
  f.server->AdvanceTime(seconds(0));     // the next run removes the marker left alone
  CHECK(versions().empty());
}

TEST_CASE("Lifecycle: NewerNoncurrentVersions keeps the newest noncurrent versions", "[lifecycle]") {
  MockFixture f;
  ScopedBucket b(f.client, "lc-newer");
  REQUIRE(f.client.PutBucketVersioning(PutBucketVersioningRequest{b.name(), VersioningStatus::kEnabled}).ok());
  LifecycleRule rule;
  rule.id = "keep2";
  rule.noncurrent_version_expiration = NoncurrentVersionExpiration{1, 2};
  PutRules(f.client, b.name(), {rule});
  for (int i = 0; i < 5; ++i) Put(f.client, b.name(), "k", "v" + std::to_string(i));
  f.server->AdvanceTime(hours(24 * 3));
  auto page = f.client.ListObjectVersions(VersionsReq(b.name()));
  REQUIRE(page.ok());
  CHECK(page->versions.size() == 3);  // current + the 2 newest noncurrent
}

TEST_CASE("Lifecycle: tag and size filters select which objects expire", "[lifecycle]") {
  MockFixture f;
  ScopedBucket b(f.client, "lc-filter");
  LifecycleRule rule = ExpireRule("big-scratch", "", 1);
  rule.filter.tags = {Tag{"scratch", "yes"}};
  rule.filter.object_size_greater_than = 3;
  PutRules(f.client, b.name(), {rule});
  PutObjectRequest tagged_big = PutReq(b.name(), "big", "12345");
  tagged_big.tagging = "scratch=yes";
  REQUIRE(f.client.PutObject(tagged_big).ok());
  PutObjectRequest tagged_small = PutReq(b.name(), "small", "12");
  tagged_small.tagging = "scratch=yes";
  REQUIRE(f.client.PutObject(tagged_small).ok());
  Put(f.client, b.name(), "untagged", "12345");
  auto h = f.client.HeadObject(HeadReq(b.name(), "big"));
  REQUIRE(h.ok());
  CHECK(h->tag_count == 1);
  f.server->AdvanceTime(hours(24 * 3));
  CHECK_FALSE(Exists(f.client, b.name(), "big"));
  CHECK(Exists(f.client, b.name(), "small"));
  CHECK(Exists(f.client, b.name(), "untagged"));
}

TEST_CASE("Lifecycle: transition to GLACIER blocks GET until a restore completes", "[lifecycle]") {
  MockFixture f;
  ScopedBucket b(f.client, "lc-glacier");
  LifecycleRule rule;
  rule.id = "to-glacier";
  rule.transitions.push_back(LifecycleTransition{1, std::nullopt, "GLACIER"});
  PutRules(f.client, b.name(), {rule});
  Put(f.client, b.name(), "cold", "frozen bytes");
  f.server->AdvanceTime(hours(24 * 2) + seconds(1));

  auto head = f.client.HeadObject(HeadReq(b.name(), "cold"));
  REQUIRE(head.ok());
  CHECK(head->storage_class == "GLACIER");
  CHECK_FALSE(head->restore_status);
  auto get = f.client.GetObject(GetReq(b.name(), "cold"));
  REQUIRE_FALSE(get.ok());
  CHECK(get.status().code() == "InvalidObjectState");
  CHECK(get.status().http_status() == 403);

  RestoreObjectRequest restore{b.name(), "cold", "", 3, RestoreTier::kStandard};
  auto first = f.client.RestoreObject(restore);
  INFO(first.status().ToString());
  REQUIRE(first.ok());
  CHECK(first->http_status == 202);
  auto again = f.client.RestoreObject(restore);
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == "RestoreAlreadyInProgress");
  CHECK(again.status().http_status() == 409);
  head = f.client.HeadObject(HeadReq(b.name(), "cold"));
  REQUIRE(head.ok());
  REQUIRE(head->restore_status);
  CHECK(head->restore_status->ongoing);
  CHECK(f.client.GetObject(GetReq(b.name(), "cold")).status().code() == "InvalidObjectState");

  f.server->AdvanceTime(hours(4));  // Standard tier: 4 hours on the mock clock
  auto restored = f.client.GetObject(GetReq(b.name(), "cold"));
  INFO(restored.status().ToString());
  REQUIRE(restored.ok());
  CHECK(restored->body.view() == "frozen bytes");
  head = f.client.HeadObject(HeadReq(b.name(), "cold"));
  REQUIRE(head.ok());
  REQUIRE(head->restore_status);
  CHECK_FALSE(head->restore_status->ongoing);
  REQUIRE(head->restore_status->expiry_date);
  const auto expiry = *head->restore_status->expiry_date;
  CHECK(std::chrono::duration_cast<seconds>(expiry.time_since_epoch()).count() % kDay == 0);

  auto extend = f.client.RestoreObject(restore);  // already restored: 200
  REQUIRE(extend.ok());
  CHECK(extend->already_restored());

  AdvanceTo(*f.server, expiry + hours(24 * 5));  // the restored copy lapses
  CHECK(f.client.GetObject(GetReq(b.name(), "cold")).status().code() == "InvalidObjectState");
}

TEST_CASE("Lifecycle: PUT with DEEP_ARCHIVE is archived at once; restoring a STANDARD object is refused",
          "[lifecycle]") {
  MockFixture f;
  ScopedBucket b(f.client, "lc-deep");
  PutObjectRequest deep = PutReq(b.name(), "deep", "abc");
  deep.storage_class = "DEEP_ARCHIVE";
  REQUIRE(f.client.PutObject(deep).ok());
  Put(f.client, b.name(), "hot", "abc");
  CHECK(f.client.GetObject(GetReq(b.name(), "deep")).status().code() == "InvalidObjectState");
  CopyObjectRequest copy;
  copy.source_bucket = b.name();
  copy.source_key = "deep";
  copy.bucket = b.name();
  copy.key = "copy";
  auto hot = f.client.RestoreObject(RestoreObjectRequest{b.name(), "hot", "", 1, RestoreTier::kStandard});
  REQUIRE_FALSE(hot.ok());
  CHECK(hot.status().code() == "InvalidObjectState");
  auto missing = f.client.RestoreObject(RestoreObjectRequest{b.name(), "nope", "", 1, RestoreTier::kStandard});
  CHECK(missing.status().code() == "NoSuchKey");

  auto bulk = f.client.RestoreObject(RestoreObjectRequest{b.name(), "deep", "", 1, RestoreTier::kBulk});
  REQUIRE(bulk.ok());
  CHECK(bulk->http_status == 202);
  f.server->AdvanceTime(hours(47));
  CHECK(f.client.GetObject(GetReq(b.name(), "deep")).status().code() == "InvalidObjectState");
  f.server->AdvanceTime(hours(1));  // DEEP_ARCHIVE Bulk: 48 hours
  CHECK(f.client.GetObject(GetReq(b.name(), "deep")).ok());
  auto copied = f.client.CopyObject(copy);
  INFO(copied.status().ToString());
  REQUIRE(copied.ok());
  auto head = f.client.HeadObject(HeadReq(b.name(), "copy"));
  REQUIRE(head.ok());
  CHECK(head->storage_class.empty());  // the copy is STANDARD (S3 reports no header for it)
}

TEST_CASE("Lifecycle: AbortIncompleteMultipartUpload aborts stale uploads only", "[lifecycle]") {
  MockFixture f;
  ScopedBucket b(f.client, "lc-mpu");
  LifecycleRule rule;
  rule.id = "abort";
  rule.filter.prefix = "uploads/";
  rule.abort_incomplete_multipart_upload_days = 1;
  PutRules(f.client, b.name(), {rule});
  CreateMultipartUploadRequest stale_req;
  stale_req.bucket = b.name();
  stale_req.key = "uploads/stale";
  auto stale = f.client.CreateMultipartUpload(stale_req);
  REQUIRE(stale.ok());
  CreateMultipartUploadRequest other_req = stale_req;
  other_req.key = "elsewhere/kept";
  auto other = f.client.CreateMultipartUpload(other_req);
  REQUIRE(other.ok());

  f.server->AdvanceTime(hours(24 * 2) + seconds(1));
  ListMultipartUploadsRequest list;
  list.bucket = b.name();
  auto uploads = f.client.ListMultipartUploads(list);
  REQUIRE(uploads.ok());
  REQUIRE(uploads->uploads.size() == 1);
  CHECK(uploads->uploads[0].key == "elsewhere/kept");
  UploadPartRequest part;
  part.bucket = b.name();
  part.key = "uploads/stale";
  part.upload_id = stale->upload_id;
  part.part_number = 1;
  part.data = "x";
  CHECK(f.client.UploadPart(part).status().code() == "NoSuchUpload");
  AbortMultipartUploadRequest abort{b.name(), "elsewhere/kept", other->upload_id};
  CHECK(f.client.AbortMultipartUpload(abort).ok());
}

TEST_CASE("MockClock: Now() moves with AdvanceTime and dates new objects", "[lifecycle]") {
  MockFixture f;
  ScopedBucket b(f.client, "lc-clock");
  const auto before = f.server->Now();
  f.server->AdvanceTime(hours(24 * 10));
  const auto after = f.server->Now();
  CHECK(after - before >= hours(24 * 10));
  CHECK(after - before < hours(24 * 10) + seconds(30));
  f.server->AdvanceTime(seconds(-100));  // ignored: the clock never goes back
  CHECK(f.server->Now() >= after);
  Put(f.client, b.name(), "k", "v");
  auto head = f.client.HeadObject(HeadReq(b.name(), "k"));
  REQUIRE(head.ok());
  CHECK(head->last_modified >= std::chrono::time_point_cast<seconds>(after));
}
