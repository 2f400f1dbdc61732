// The mock's lifecycle engine: XML parsing/validation as S3 answers it, rule
// evaluation on a snapshot (pure, no HTTP), S3's midnight rounding, and the HTTP
// surface (?lifecycle, ?restore, x-amz-expiration / x-amz-restore, InvalidObjectState).

#include <catch2/catch.hpp>

#include "common/crypto.h"
#include "mock/lifecycle.h"
#include "support/mock_requests.h"

using namespace s3ml;
using namespace s3ml::mock;
using namespace s3ml::mock::testing;
using std::chrono::hours;
using std::chrono::seconds;

namespace {

constexpr std::int64_t kDay = 86400;

SystemTime At(std::int64_t day, std::int64_t secs = 0) { return SystemTime(seconds(day * kDay + secs)); }

std::string Config(const std::string& rules) {
  return "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" + rules +
         "</LifecycleConfiguration>";
}

std::string Rule(const std::string& body, const std::string& filter = "<Filter><Prefix></Prefix></Filter>") {
  return "<Rule><ID>r</ID>" + filter + "<Status>Enabled</Status>" + body + "</Rule>";
}

// The S3 error code a configuration is refused with ("" when accepted).
std::string ErrorOf(const std::string& xml) {
  auto parsed = ParseLifecycleXml(xml);
  return parsed.ok() ? std::string() : parsed.error().code;
}

LifecycleConfiguration Parse(const std::string& xml) {
  auto parsed = ParseLifecycleXml(xml);
  INFO((parsed.ok() ? std::string() : parsed.error().message));
  REQUIRE(parsed.ok());
  return *parsed;
}

SnapshotVersion Version(std::string id, SystemTime lm, bool marker = false, std::uint64_t size = 10) {
  SnapshotVersion v;
  v.version_id = std::move(id);
  v.last_modified = lm;
  v.delete_marker = marker;
  v.size = marker ? 0 : size;
  return v;
}

Request MakeReq(std::string method, std::string path, std::vector<std::pair<std::string, std::string>> query,
                std::vector<std::pair<std::string, std::string>> headers = {}, std::string body = {}) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.query = std::move(query);
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

}  // namespace

TEST_CASE("LifecycleEngine: MidnightAfter rounds creation + days up to the next midnight UTC") {
  // S3's own example: created 2014-01-15 10:30 UTC, 3 days -> 2014-01-19 00:00 UTC.
  const SystemTime created = At(16085, 10 * 3600 + 30 * 60);  // 2014-01-15 10:30
  CHECK(FormatIso8601(MidnightAfter(created, 3)) == "2014-01-19T00:00:00.000Z");
  CHECK(MidnightAfter(At(100), 1) == At(102));  // exactly midnight still moves to the next one
  CHECK(MidnightAfter(At(100, 86399), 0) == At(101));
  CHECK(IsMidnightUtc(At(5)));
  CHECK_FALSE(IsMidnightUtc(At(5, 1)));
}

TEST_CASE("LifecycleEngine: valid configurations parse with every element") {
  auto c = Parse(Config(
      Rule("<Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition>"
           "<Transition><Days>90</Days><StorageClass>GLACIER</StorageClass></Transition>"
           "<Expiration><Days>365</Days></Expiration>"
           "<NoncurrentVersionTransition><NoncurrentDays>0</NoncurrentDays><StorageClass>GLACIER</StorageClass>"
           "</NoncurrentVersionTransition>"
           "<NoncurrentVersionExpiration><NoncurrentDays>7</NoncurrentDays><NewerNoncurrentVersions>2"
           "</NewerNoncurrentVersions></NoncurrentVersionExpiration>"
           "<AbortIncompleteMultipartUpload><DaysAfterInitiation>3</DaysAfterInitiation>"
           "</AbortIncompleteMultipartUpload>",
           "<Filter><Prefix>logs/</Prefix></Filter>") +
      "<Rule><Filter><And><Prefix>d/</Prefix><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value>2"
      "</Value></Tag><ObjectSizeGreaterThan>5</ObjectSizeGreaterThan><ObjectSizeLessThan>100</ObjectSizeLessThan>"
      "</And></Filter><Status>Disabled</Status><Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration></Rule>"
      "<Rule><Prefix>old/</Prefix><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true"
      "</ExpiredObjectDeleteMarker></Expiration></Rule>"));
  REQUIRE(c.rules.size() == 3);
  CHECK(c.rules[0].transitions.size() == 2);
  CHECK(c.rules[0].noncurrent_version_expiration->newer_noncurrent_versions == 2);
  CHECK(c.rules[1].filter.tags.size() == 2);
  CHECK(c.rules[1].filter.object_size_less_than == 100u);
  CHECK(c.rules[1].status == LifecycleStatus::kDisabled);
  CHECK(c.rules[2].legacy_prefix);
  // Rendering and re-parsing gives the same rules.
  auto again = Parse(LifecycleXml(c));
  REQUIRE(again.rules.size() == 3);
  CHECK(again.rules[1].filter.prefix == "d/");
  CHECK(again.rules[1].expiration->date == c.rules[1].expiration->date);
  CHECK(again.rules[2].legacy_prefix);
}

TEST_CASE("LifecycleEngine: malformed configurations are MalformedXML") {
  CHECK(ErrorOf("") == "MalformedXML");
  CHECK(ErrorOf("<LifecycleConfiguration>") == "MalformedXML");
  CHECK(ErrorOf("<Other/>") == "MalformedXML");
  CHECK(ErrorOf(Config("")) == "MalformedXML");  // no rules
  CHECK(ErrorOf(Config("<Rule><Filter/><Expiration><Days>1</Days></Expiration></Rule>")) == "MalformedXML");  // no Status
  CHECK(ErrorOf(Config("<Rule><Filter/><Status>On</Status><Expiration><Days>1</Days></Expiration></Rule>")) ==
        "MalformedXML");
  CHECK(ErrorOf(Config("<Rule><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>")) ==
        "MalformedXML");  // neither Filter nor Prefix
  CHECK(ErrorOf(Config(Rule("<Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date></Expiration>"))) ==
        "MalformedXML");
  CHECK(ErrorOf(Config(Rule("<Expiration><Days>x</Days></Expiration>"))) == "MalformedXML");
  CHECK(ErrorOf(Config(Rule("<Transition><Days>1</Days><StorageClass>STANDARD</StorageClass></Transition>"))) ==
        "MalformedXML");
  CHECK(ErrorOf(Config(Rule("<Expiration><Days>1</Days></Expiration>",
                            "<Filter><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Filter>"))) ==
        "MalformedXML");  // two conditions without <And>
}

TEST_CASE("LifecycleEngine: out-of-range values are InvalidArgument, forbidden combinations InvalidRequest") {
  CHECK(ErrorOf(Config(Rule("<Expiration><Days>0</Days></Expiration>"))) == "InvalidArgument");
  CHECK(ErrorOf(Config(Rule("<Expiration><Days>-3</Days></Expiration>"))) == "InvalidArgument");
  auto date = ParseLifecycleXml(Config(Rule("<Expiration><Date>2030-01-01T05:00:00Z</Date></Expiration>")));
  REQUIRE_FALSE(date.ok());
  CHECK(date.error().code == "InvalidArgument");
  CHECK(date.error().message == "'Date' must be at midnight GMT");
  CHECK(ErrorOf(Config("<Rule><ID>" + std::string(256, 'i') +
                       "</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>")) ==
        "InvalidArgument");
  CHECK(ErrorOf(Config(Rule("<Expiration><Days>1</Days></Expiration>") +
                       Rule("<Expiration><Days>2</Days></Expiration>"))) == "InvalidArgument");  // duplicate ID r
  std::string many;
  for (int i = 0; i < 1001; ++i)
    many += "<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>";
  CHECK(ErrorOf(Config(many)) == "InvalidArgument");
  CHECK(ErrorOf(Config(Rule("<Transition><Days>10</Days><StorageClass>STANDARD_IA</StorageClass></Transition>"))) ==
        "InvalidArgument");
  CHECK(ErrorOf(Config(Rule("<NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays>"
                            "</NoncurrentVersionExpiration>"))) == "InvalidArgument");
  CHECK(ErrorOf(Config(Rule("<AbortIncompleteMultipartUpload><DaysAfterInitiation>0</DaysAfterInitiation>"
                            "</AbortIncompleteMultipartUpload>"))) == "InvalidArgument");
  CHECK(ErrorOf(Config(Rule("<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation>"
                            "</AbortIncompleteMultipartUpload>",
                            "<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>"))) == "InvalidRequest");
  CHECK(ErrorOf(Config("<Rule><Filter/><Status>Enabled</Status></Rule>")) == "InvalidRequest");  // no action
  CHECK(ErrorOf(Config(Rule("<Expiration><Days>1</Days></Expiration>",
                            "<Filter><And><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>5"
                            "</ObjectSizeLessThan></And></Filter>"))) == "InvalidArgument");
}

TEST_CASE("LifecycleEngine: filters match prefix, every tag and exclusive size bounds") {
  LifecycleFilter f;
  f.prefix = "p/";
  f.tags = {Tag{"a", "1"}};
  f.object_size_greater_than = 10;
  f.object_size_less_than = 20;
  std::map<std::string, std::string> tags{{"a", "1"}, {"b", "2"}}, wrong{{"a", "2"}};
  CHECK(FilterMatches(f, LifecycleSubject{"p/x", 15, &tags, false}));
  CHECK_FALSE(FilterMatches(f, LifecycleSubject{"q/x", 15, &tags, false}));
  CHECK_FALSE(FilterMatches(f, LifecycleSubject{"p/x", 15, &wrong, false}));
  CHECK_FALSE(FilterMatches(f, LifecycleSubject{"p/x", 10, &tags, false}));
  CHECK_FALSE(FilterMatches(f, LifecycleSubject{"p/x", 20, &tags, false}));
  CHECK_FALSE(FilterMatches(f, LifecycleSubject{"p/x", 0, nullptr, true}));  // markers have no tags/size
  CHECK(FilterMatches(LifecycleFilter{}, LifecycleSubject{"any", 0, nullptr, true}));
}

TEST_CASE("LifecycleEngine: evaluation expires, transitions, removes noncurrent versions and aborts uploads") {
  auto config = Parse(Config(
      "<Rule><ID>exp</ID><Filter><Prefix>e/</Prefix></Filter><Status>Enabled</Status>"
      "<Expiration><Days>2</Days></Expiration><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays>"
      "</NoncurrentVersionExpiration></Rule>"
      "<Rule><ID>cold</ID><Filter><Prefix>t/</Prefix></Filter><Status>Enabled</Status>"
      "<Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition>"
      "<Transition><Days>3</Days><StorageClass>DEEP_ARCHIVE</StorageClass></Transition></Rule>"
      "<Rule><ID>mpu</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status>"
      "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation>"
      "</AbortIncompleteMultipartUpload></Rule>"
      "<Rule><ID>off</ID><Filter><Prefix>off/</Prefix></Filter><Status>Disabled</Status>"
      "<Expiration><Days>1</Days></Expiration></Rule>"));
  BucketSnapshot b;
  b.versioned = true;
  b.keys.push_back(SnapshotKey{"e/k", {Version("v2", At(10, 100)), Version("v1", At(5))}});
  b.keys.push_back(SnapshotKey{"t/k", {Version("t1", At(10, 100))}});
  b.keys.push_back(SnapshotKey{"off/k", {Version("o1", At(1))}});
  b.uploads.push_back(SnapshotUpload{"u", "up1", At(10, 5)});

  // Day 11.5: nothing due yet for e/k (due day 13), v1 noncurrent since day 10+100s -> due day 12.
  CHECK(EvaluateLifecycle(config, b, At(11, 43200)).empty());

  auto at12 = EvaluateLifecycle(config, b, At(12));
  REQUIRE(at12.size() == 3);
  CHECK(at12[0].kind == LifecycleAction::Kind::kDeleteVersion);
  CHECK(at12[0].version_id == "v1");
  CHECK(at12[1].kind == LifecycleAction::Kind::kTransition);
  CHECK(at12[1].storage_class == "GLACIER");
  CHECK(at12[2].kind == LifecycleAction::Kind::kAbortUpload);
  CHECK(at12[2].upload_id == "up1");

  auto at14 = EvaluateLifecycle(config, b, At(14));
  REQUIRE(at14.size() == 4);
  CHECK(at14[0].kind == LifecycleAction::Kind::kExpireCurrent);
  CHECK(at14[0].rule_id == "exp");
  CHECK(at14[2].storage_class == "DEEP_ARCHIVE");  // the coldest due transition wins

  // Already in DEEP_ARCHIVE: no transition "up" to GLACIER.
  b.keys[1].versions[0].storage_class = "DEEP_ARCHIVE";
  for (const auto& a : EvaluateLifecycle(config, b, At(14))) CHECK(a.key != "t/k");
}

TEST_CASE("LifecycleEngine: NewerNoncurrentVersions and expired delete markers") {
  auto config = Parse(Config(
      "<Rule><ID>nc</ID><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1"
      "</NoncurrentDays><NewerNoncurrentVersions>1</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>"
      "<Rule><ID>dm</ID><Filter/><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true"
      "</ExpiredObjectDeleteMarker></Expiration></Rule>"));
  BucketSnapshot b;
  b.versioned = true;
  b.keys.push_back(SnapshotKey{"k", {Version("c", At(4)), Version("n1", At(3)), Version("n2", At(2)), Version("n3", At(1))}});
  b.keys.push_back(SnapshotKey{"gone", {Version("m", At(1), true)}});
  auto actions = EvaluateLifecycle(config, b, At(30));
  std::vector<std::string> removed;
  for (const auto& a : actions) removed.push_back(a.version_id);
  // n1 is the one newest noncurrent version kept; n2 and n3 go; the lone marker goes.
  CHECK(removed == std::vector<std::string>{"n2", "n3", "m"});
}

TEST_CASE("LifecycleEngine: ExpirationFor picks the earliest matching enabled rule") {
  auto config = Parse(Config(
      "<Rule><ID>late</ID><Filter/><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule>"
      "<Rule><ID>soon</ID><Filter><Prefix>s/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days>"
      "</Expiration></Rule>"
      "<Rule><ID>off</ID><Filter/><Status>Disabled</Status><Expiration><Days>1</Days></Expiration></Rule>"));
  std::map<std::string, std::string> none;
  auto e = ExpirationFor(config, LifecycleSubject{"s/x", 1, &none, false}, At(10, 5));
  REQUIRE(e);
  CHECK(e->rule_id == "soon");
  CHECK(e->expiry_date == At(12));
  e = ExpirationFor(config, LifecycleSubject{"x", 1, &none, false}, At(10, 5));
  REQUIRE(e);
  CHECK(e->rule_id == "late");
}

TEST_CASE("LifecycleEngine: restore delays and request bodies") {
  CHECK(RestoreDelay("GLACIER", "Expedited") == std::chrono::minutes(5));
  CHECK(RestoreDelay("GLACIER", "Standard") == hours(4));
  CHECK(RestoreDelay("GLACIER", "Bulk") == hours(12));
  CHECK(RestoreDelay("DEEP_ARCHIVE", "Standard") == hours(12));
  CHECK(RestoreDelay("DEEP_ARCHIVE", "Bulk") == hours(48));
  auto ok = ParseRestoreRequestXml(
      "<RestoreRequest><Days>2</Days><GlacierJobParameters><Tier>Bulk</Tier></GlacierJobParameters></RestoreRequest>");
  REQUIRE(ok.ok());
  CHECK(ok->days == 2);
  CHECK(ok->tier == "Bulk");
  CHECK_FALSE(ParseRestoreRequestXml("<RestoreRequest/>").ok());
  CHECK(ParseRestoreRequestXml("<RestoreRequest><Days>0</Days></RestoreRequest>").error().code == "InvalidArgument");
  CHECK(ParseRestoreRequestXml("<RestoreRequest><Days>1</Days><GlacierJobParameters><Tier>Fast</Tier>"
                               "</GlacierJobParameters></RestoreRequest>")
            .error()
            .code == "MalformedXML");
}

TEST_CASE("LifecycleHttp: ?lifecycle needs Content-MD5, reports errors as S3 and round-trips") {
  auto server = StartServer();
  s3ml::mock::testing::Client c(*server);
  REQUIRE(c.CreateBucket("lcbucket").status == 200);
  auto get = c.Send(MakeReq("GET", "/lcbucket", {{"lifecycle", ""}}));
  CHECK(get.status == 404);
  CHECK(get.Xml("/Error/Code") == "NoSuchLifecycleConfiguration");

  const std::string body = Config(Rule("<Expiration><Days>1</Days></Expiration>"));
  Request put = MakeReq("PUT", "/lcbucket", {{"lifecycle", ""}}, {}, body);
  auto no_md5 = c.Send(put);
  CHECK(no_md5.status == 400);
  CHECK(no_md5.Xml("/Error/Code") == "InvalidRequest");
  put.headers = {{"Content-MD5", Base64Encode(Md5("other"))}};
  CHECK(c.Send(put).Xml("/Error/Code") == "BadDigest");
  put.headers = {{"Content-MD5", Base64Encode(Md5(body))}};
  auto ok = c.Send(put);
  CHECK(ok.status == 200);

  const std::string bad = Config(Rule("<Expiration><Days>0</Days></Expiration>"));
  Request put_bad = MakeReq("PUT", "/lcbucket", {{"lifecycle", ""}}, {{"Content-MD5", Base64Encode(Md5(bad))}}, bad);
  auto refused = c.Send(put_bad);
  CHECK(refused.status == 400);
  CHECK(refused.Xml("/Error/Code") == "InvalidArgument");

  get = c.Send(MakeReq("GET", "/lcbucket", {{"lifecycle", ""}}));
  CHECK(get.status == 200);
  CHECK(get.Xml("/LifecycleConfiguration/Rule/Expiration/Days") == "1");
  CHECK(c.Send(MakeReq("DELETE", "/lcbucket", {{"lifecycle", ""}})).status == 204);
  CHECK(c.Send(MakeReq("GET", "/lcbucket", {{"lifecycle", ""}})).status == 404);
  auto missing = c.Send(MakeReq("GET", "/nobucket", {{"lifecycle", ""}}));
  CHECK(missing.Xml("/Error/Code") == "NoSuchBucket");
}

TEST_CASE("LifecycleHttp: GLACIER GET is InvalidObjectState until the restore completes on the mock clock") {
  auto server = StartServer();
  s3ml::mock::testing::Client c(*server);
  REQUIRE(c.CreateBucket("arch").status == 200);
  REQUIRE(c.Put("/arch/g", "data", {{"x-amz-storage-class", "GLACIER"}}).status == 200);
  auto get = c.Get("/arch/g");
  CHECK(get.status == 403);
  CHECK(get.Xml("/Error/Code") == "InvalidObjectState");
  CHECK(get.Xml("/Error/StorageClass") == "GLACIER");
  auto head = c.Head("/arch/g");
  CHECK(head.status == 200);
  CHECK(head.Header("x-amz-storage-class") == "GLACIER");

  const std::string restore =
      "<RestoreRequest><Days>1</Days><GlacierJobParameters><Tier>Expedited</Tier></GlacierJobParameters>"
      "</RestoreRequest>";
  Request post = MakeReq("POST", "/arch/g", {{"restore", ""}}, {}, restore);
  CHECK(c.Send(post).status == 202);
  auto again = c.Send(post);
  CHECK(again.status == 409);
  CHECK(again.Xml("/Error/Code") == "RestoreAlreadyInProgress");
  CHECK(c.Head("/arch/g").Header("x-amz-restore") == "ongoing-request=\"true\"");
  server->AdvanceTime(std::chrono::minutes(5));
  CHECK(c.Get("/arch/g").body == "data");
  CHECK_THAT(c.Head("/arch/g").Header("x-amz-restore"),
             Catch::StartsWith("ongoing-request=\"false\", expiry-date=\"") && Catch::EndsWith(" 00:00:00 GMT\""));
  CHECK(c.Send(post).status == 200);

  REQUIRE(c.Put("/arch/s", "data").status == 200);
  Request post_std = MakeReq("POST", "/arch/s", {{"restore", ""}}, {}, restore);
  auto std_restore = c.Send(post_std);
  CHECK(std_restore.status == 403);
  CHECK(std_restore.Xml("/Error/Code") == "InvalidObjectState");
}

TEST_CASE("LifecycleHttp: copying an archived source is InvalidObjectState until it is restored, and after expiry") {
  auto server = StartServer();
  s3ml::mock::testing::Client c(*server);
  REQUIRE(c.CreateBucket("arch").status == 200);
  REQUIRE(c.Put("/arch/frozen", "cold data", {{"x-amz-storage-class", "GLACIER"}}).status == 200);
  REQUIRE(c.Put("/arch/deep", "x", {{"x-amz-storage-class", "DEEP_ARCHIVE"}}).status == 200);
  REQUIRE(c.Put("/arch/instant", "x", {{"x-amz-storage-class", "GLACIER_IR"}}).status == 200);
  Request create = MakeReq("POST", "/arch/mp", {{"uploads", ""}});
  auto created = c.Send(create);
  REQUIRE(created.status == 200);
  const std::string upload_id = created.Xml("/InitiateMultipartUploadResult/UploadId");
  REQUIRE(!upload_id.empty());
  auto part_copy = [&](const std::string& source) {
    return c.Send(MakeReq("PUT", "/arch/mp", {{"partNumber", "1"}, {"uploadId", upload_id}},
                          {{"x-amz-copy-source", source}}));
  };
  auto copy = [&](const std::string& source) { return c.Put("/arch/dest", "", {{"x-amz-copy-source", source}}); };

  for (const std::string source : {"/arch/frozen", "/arch/deep"}) {
    INFO(source);
    auto refused = copy(source);
    CHECK(refused.status == 403);
    CHECK(refused.Xml("/Error/Code") == "InvalidObjectState");
    CHECK(refused.Xml("/Error/Message") == "The operation is not valid for the object's storage class");
    CHECK(refused.Xml("/Error/StorageClass") == (source == "/arch/frozen" ? "GLACIER" : "DEEP_ARCHIVE"));
    auto part_refused = part_copy(source);
    CHECK(part_refused.status == 403);
    CHECK(part_refused.Xml("/Error/Code") == "InvalidObjectState");
  }
  CHECK(c.Head("/arch/dest").status == 404);
  // GLACIER_IR is readable at once, so it may be copied.
  CHECK(copy("/arch/instant").status == 200);
  // A failing x-amz-copy-source-if-match is still reported as such.
  auto pre = c.Put("/arch/dest", "", {{"x-amz-copy-source", "/arch/frozen"}, {"x-amz-copy-source-if-match", "\"0\""}});
  CHECK(pre.status == 412);

  const std::string restore =
      "<RestoreRequest><Days>1</Days><GlacierJobParameters><Tier>Expedited</Tier></GlacierJobParameters>"
      "</RestoreRequest>";
  REQUIRE(c.Send(MakeReq("POST", "/arch/frozen", {{"restore", ""}}, {}, restore)).status == 202);
  // While the restore is ongoing the object still cannot be copied.
  CHECK(copy("/arch/frozen").Xml("/Error/Code") == "InvalidObjectState");
  CHECK(part_copy("/arch/frozen").Xml("/Error/Code") == "InvalidObjectState");
  server->AdvanceTime(std::chrono::minutes(5));
  auto copied = copy("/arch/frozen");
  INFO(copied.body);
  REQUIRE(copied.status == 200);
  CHECK(c.Get("/arch/dest").body == "cold data");
  CHECK(c.Head("/arch/dest").Header("x-amz-storage-class").empty());  // the copy is STANDARD
  auto part = part_copy("/arch/frozen");
  INFO(part.body);
  CHECK(part.status == 200);
  CHECK(part.Xml("/CopyPartResult/ETag") == "\"" + HexEncode(Md5(std::string("cold data"))) + "\"");
  // Once the restored copy expires, copying is refused again.
  server->AdvanceTime(std::chrono::hours(24 * 3));
  CHECK(copy("/arch/frozen").Xml("/Error/Code") == "InvalidObjectState");
  CHECK(part_copy("/arch/frozen").Xml("/Error/Code") == "InvalidObjectState");
}
