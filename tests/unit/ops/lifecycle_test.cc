// Lifecycle ops: request building (XML, Content-MD5, validation), response parsing,
// and the x-amz-expiration / x-amz-restore header parsers.

#include <catch2/catch.hpp>

#include <pugixml.hpp>

#include "common/crypto.h"
#include "common/time.h"
#include "ops/lifecycle.h"

using namespace s3ml;

namespace {

ops::Target PathTarget() {
  ops::Target t;
  t.endpoint = ParseEndpoint("http://127.0.0.1:9000").value();
  t.addressing = AddressingStyle::kPath;
  return t;
}

std::string BodyOf(const HttpRequest& r) {
  auto c = r.body->Contiguous();
  REQUIRE(c.has_value());
  return std::string(*c);
}

HttpResponse XmlResponse(std::string body) {
  HttpResponse resp;
  resp.status = 200;
  resp.body = Buffer(body);
  return resp;
}

}  // namespace

TEST_CASE("LifecycleOps: PutBucketLifecycleConfiguration builds S3's XML with Content-MD5") {
  PutBucketLifecycleConfigurationRequest req;
  req.bucket = "bkt";
  LifecycleRule r;
  r.id = "one";
  r.filter.prefix = "logs/";
  r.filter.tags = {Tag{"k", "v"}};
  r.expiration = LifecycleExpiration{5, std::nullopt, std::nullopt};
  r.transitions.push_back(LifecycleTransition{1, std::nullopt, "GLACIER"});
  req.rules.push_back(r);
  auto http = ops::BuildPutBucketLifecycleConfiguration(PathTarget(), req);
  REQUIRE(http.ok());
  CHECK(http->method == "PUT");
  const std::string body = BodyOf(*http);
  CHECK(http->headers.Get("Content-MD5") == Base64Encode(Md5(body)));
  pugi::xml_document doc;
  REQUIRE(doc.load_string(body.c_str()));
  auto rule = doc.child("LifecycleConfiguration").child("Rule");
  CHECK(std::string(rule.child("ID").text().as_string()) == "one");
  CHECK(std::string(rule.child("Filter").child("And").child("Prefix").text().as_string()) == "logs/");
  CHECK(std::string(rule.child("Filter").child("And").child("Tag").child("Key").text().as_string()) == "k");
  CHECK(rule.child("Expiration").child("Days").text().as_int() == 5);
  CHECK(std::string(rule.child("Transition").child("StorageClass").text().as_string()) == "GLACIER");
  CHECK(std::string(rule.child("Status").text().as_string()) == "Enabled");
}

TEST_CASE("LifecycleOps: invalid rules are refused with the rule and the problem named") {
  PutBucketLifecycleConfigurationRequest req;
  req.bucket = "bkt";
  LifecycleRule r;
  r.id = "bad";
  r.expiration = LifecycleExpiration{0, std::nullopt, std::nullopt};
  req.rules = {r};
  auto http = ops::BuildPutBucketLifecycleConfiguration(PathTarget(), req);
  REQUIRE_FALSE(http.ok());
  CHECK(http.status().category() == ErrorCategory::kInvalidArgument);
  CHECK_THAT(http.status().message(), Catch::Contains("rule #0 ('bad')") && Catch::Contains("positive"));
  r.expiration = LifecycleExpiration{std::nullopt, ParseIso8601("2031-02-03T12:00:00Z").value(), std::nullopt};
  CHECK_THAT(ValidateLifecycleRules({r}).message(), Catch::Contains("midnight"));
  r.expiration = LifecycleExpiration{1, std::nullopt, true};
  CHECK_THAT(ValidateLifecycleRules({r}).message(), Catch::Contains("exactly one"));
  r.expiration.reset();
  r.noncurrent_version_expiration = NoncurrentVersionExpiration{1, 101};
  CHECK_THAT(ValidateLifecycleRules({r}).message(), Catch::Contains("between 1 and 100"));
  r.noncurrent_version_expiration = NoncurrentVersionExpiration{1, std::nullopt};
  CHECK(ValidateLifecycleRules({r}).ok());
  std::vector<LifecycleRule> many(1001, r);
  for (std::size_t i = 0; i < many.size(); ++i) many[i].id = std::to_string(i);
  CHECK_THAT(ValidateLifecycleRules(many).message(), Catch::Contains("1000"));
}

TEST_CASE("LifecycleOps: GetBucketLifecycleConfiguration parses And filters, legacy Prefix and every action") {
  auto parsed = ops::ParseGetBucketLifecycleConfiguration(XmlResponse(
      "<LifecycleConfiguration><Rule><ID>a</ID><Filter><And><Prefix>p/</Prefix><Tag><Key>k</Key><Value>v</Value>"
      "</Tag><ObjectSizeLessThan>99</ObjectSizeLessThan></And></Filter><Status>Enabled</Status>"
      "<Transition><Date>2031-02-03T00:00:00.000Z</Date><StorageClass>GLACIER</StorageClass></Transition>"
      "<NoncurrentVersionTransition><NoncurrentDays>3</NoncurrentDays><StorageClass>DEEP_ARCHIVE</StorageClass>"
      "<NewerNoncurrentVersions>4</NewerNoncurrentVersions></NoncurrentVersionTransition>"
      "<AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload>"
      "</Rule><Rule><Prefix>old/</Prefix><Status>Disabled</Status><Expiration><ExpiredObjectDeleteMarker>true"
      "</ExpiredObjectDeleteMarker></Expiration></Rule></LifecycleConfiguration>"));
  REQUIRE(parsed.ok());
  REQUIRE(parsed->rules.size() == 2);
  const auto& a = parsed->rules[0];
  CHECK(a.filter.prefix == "p/");
  CHECK(a.filter.tags == std::vector<Tag>{Tag{"k", "v"}});
  CHECK(a.filter.object_size_less_than == 99u);
  REQUIRE(a.transitions.size() == 1);
  CHECK(a.transitions[0].date == ParseIso8601("2031-02-03T00:00:00Z").value());
  CHECK(a.noncurrent_version_transitions[0].newer_noncurrent_versions == 4);
  CHECK(a.abort_incomplete_multipart_upload_days == 2);
  const auto& b = parsed->rules[1];
  CHECK(b.legacy_prefix);
  CHECK(b.filter.prefix == "old/");
  CHECK(b.status == LifecycleStatus::kDisabled);
  CHECK(b.expiration->expired_object_delete_marker == true);

  auto bad = ops::ParseGetBucketLifecycleConfiguration(
      XmlResponse("<LifecycleConfiguration><Rule><Status>Maybe</Status></Rule></LifecycleConfiguration>"));
  CHECK(bad.status().category() == ErrorCategory::kProtocol);
  auto bad_days = ops::ParseGetBucketLifecycleConfiguration(XmlResponse(
      "<LifecycleConfiguration><Rule><Status>Enabled</Status><Expiration><Days>ten</Days></Expiration></Rule>"
      "</LifecycleConfiguration>"));
  CHECK(bad_days.status().category() == ErrorCategory::kProtocol);
}

TEST_CASE("LifecycleOps: x-amz-expiration and x-amz-restore parse, malformed values are errors") {
  auto e = ParseExpirationHeader("expiry-date=\"Sun, 23 Dec 2012 00:00:00 GMT\", rule-id=\"picture-deletion-rule\"");
  REQUIRE(e.ok());
  CHECK(FormatHttpDate(e->expiry_date) == "Sun, 23 Dec 2012 00:00:00 GMT");
  CHECK(e->rule_id == "picture-deletion-rule");
  CHECK_FALSE(ParseExpirationHeader("rule-id=\"x\"").ok());
  CHECK_FALSE(ParseExpirationHeader("expiry-date=\"yesterday\"").ok());
  CHECK_FALSE(ParseExpirationHeader("garbage").ok());

  auto ongoing = ParseRestoreHeader("ongoing-request=\"true\"");
  REQUIRE(ongoing.ok());
  CHECK(ongoing->ongoing);
  CHECK_FALSE(ongoing->expiry_date);
  auto done = ParseRestoreHeader("ongoing-request=\"false\", expiry-date=\"Fri, 21 Dec 2012 00:00:00 GMT\"");
  REQUIRE(done.ok());
  CHECK_FALSE(done->ongoing);
  REQUIRE(done->expiry_date);
  CHECK(FormatHttpDate(*done->expiry_date) == "Fri, 21 Dec 2012 00:00:00 GMT");
  CHECK_FALSE(ParseRestoreHeader("ongoing-request=\"maybe\"").ok());
}

TEST_CASE("LifecycleOps: RestoreObject builds a RestoreRequest and refuses days < 1") {
  RestoreObjectRequest req;
  req.bucket = "bkt";
  req.key = "a/b";
  req.version_id = "v1";
  req.days = 3;
  req.tier = RestoreTier::kExpedited;
  auto http = ops::BuildRestoreObject(PathTarget(), req);
  REQUIRE(http.ok());
  CHECK(http->method == "POST");
  const std::string body = BodyOf(*http);
  pugi::xml_document doc;
  REQUIRE(doc.load_string(body.c_str()));
  CHECK(doc.child("RestoreRequest").child("Days").text().as_int() == 3);
  CHECK(std::string(doc.child("RestoreRequest").child("GlacierJobParameters").child("Tier").text().as_string()) ==
        "Expedited");
  req.days = 0;
  CHECK(ops::BuildRestoreObject(PathTarget(), req).status().category() == ErrorCategory::kInvalidArgument);
}
