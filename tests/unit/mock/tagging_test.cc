// Object tagging (?tagging, x-amz-tagging, directives, counts) and storage
// classes (validation, reporting on HEAD/GET and in listings) in the mock.

#include <catch2/catch.hpp>

#include "support/mock_requests.h"

using namespace s3ml;
using namespace s3ml::mock;
using namespace s3ml::mock::testing;

namespace {

std::string TaggingXml(const std::vector<std::pair<std::string, std::string>>& tags) {
  std::string s = "<Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><TagSet>";
  for (const auto& [k, v] : tags) s += "<Tag><Key>" + k + "</Key><Value>" + v + "</Value></Tag>";
  return s + "</TagSet></Tagging>";
}

struct Fixture {
  Fixture() : server(StartServer()), c(*server) { REQUIRE(c.CreateBucket("tags").status == 200); }

  Response Tagging(const std::string& method, const std::string& key, std::string body = {},
                   const std::string& version = {}) const {
    Request r;
    r.method = method;
    r.path = ObjPath("tags", key);
    r.query = {{"tagging", ""}};
    if (!version.empty()) r.query.emplace_back("versionId", version);
    r.body = std::move(body);
    return c.Send(r);
  }

  std::unique_ptr<MockS3Server> server;
  Client c;
};

}  // namespace

TEST_CASE("Tagging: Put/Get/DeleteObjectTagging round-trip a tag set and update x-amz-tagging-count") {
  Fixture f;
  REQUIRE(f.c.Put(ObjPath("tags", "k"), "body", {{"x-amz-tagging", "from=header"}}).status == 200);
  auto initial = f.Tagging("GET", "k");
  REQUIRE(initial.status == 200);
  CHECK(initial.XmlAll("/Tagging/TagSet/Tag/Key") == std::vector<std::string>{"from"});
  CHECK(initial.XmlAll("/Tagging/TagSet/Tag/Value") == std::vector<std::string>{"header"});

  auto put = f.Tagging("PUT", "k", TaggingXml({{"team", "ml"}, {"stage", "dev x+y"}, {"empty", ""}}));
  INFO(put.body);
  REQUIRE(put.status == 200);
  CHECK(put.Header("x-amz-version-id").empty());  // unversioned bucket
  auto got = f.Tagging("GET", "k");
  CHECK(got.XmlAll("/Tagging/TagSet/Tag/Key") == std::vector<std::string>{"empty", "stage", "team"});
  CHECK(got.XmlAll("/Tagging/TagSet/Tag/Value") == std::vector<std::string>{"", "dev x+y", "ml"});
  CHECK(f.c.Head(ObjPath("tags", "k")).Header("x-amz-tagging-count") == "3");
  CHECK(f.c.Get(ObjPath("tags", "k")).body == "body");  // tagging leaves the body alone

  auto del = f.Tagging("DELETE", "k");
  CHECK(del.status == 204);
  CHECK(f.Tagging("GET", "k").XmlAll("/Tagging/TagSet/Tag").empty());
  CHECK(f.c.Head(ObjPath("tags", "k")).Header("x-amz-tagging-count").empty());
}

TEST_CASE("Tagging: limits are enforced - 10 tags, 128-byte keys, 256-byte values, no aws: prefix") {
  Fixture f;
  REQUIRE(f.c.Put(ObjPath("tags", "k"), "x").status == 200);
  std::vector<std::pair<std::string, std::string>> ten;
  for (int i = 0; i < 10; ++i) ten.emplace_back("k" + std::to_string(i), "v");
  CHECK(f.Tagging("PUT", "k", TaggingXml(ten)).status == 200);
  auto eleven = ten;
  eleven.emplace_back("k10", "v");
  auto too_many = f.Tagging("PUT", "k", TaggingXml(eleven));
  CHECK(too_many.status == 400);
  CHECK(too_many.Xml("/Error/Code") == "BadRequest");  // S3's code for this limit
  CHECK(f.Tagging("PUT", "k", TaggingXml({{std::string(128, 'k'), std::string(256, 'v')}})).status == 200);
  auto long_key = f.Tagging("PUT", "k", TaggingXml({{std::string(129, 'k'), "v"}}));
  CHECK(long_key.status == 400);
  CHECK(long_key.Xml("/Error/Code") == "InvalidTag");
  CHECK(f.Tagging("PUT", "k", TaggingXml({{"k", std::string(257, 'v')}})).Xml("/Error/Code") == "InvalidTag");
  CHECK(f.Tagging("PUT", "k", TaggingXml({{"", "v"}})).Xml("/Error/Code") == "InvalidTag");
  CHECK(f.Tagging("PUT", "k", TaggingXml({{"aws:owner", "v"}})).Xml("/Error/Code") == "InvalidTag");
  CHECK(f.Tagging("PUT", "k", TaggingXml({{"d", "1"}, {"d", "2"}})).Xml("/Error/Code") == "InvalidTag");
  // S3's character set: letters, digits, space and + - = . _ : / @ (UTF-8 letters too).
  CHECK(f.Tagging("PUT", "k", TaggingXml({{"path", "a/b c+d=e.f_g:h@i-j"}, {"\xC3\xA9t\xC3\xA9", "\xE2\x82\xAC"}}))
            .status == 200);
  CHECK(f.Tagging("PUT", "k", TaggingXml({{"k", "a;b"}})).Xml("/Error/Code") == "InvalidTag");
  CHECK(f.Tagging("PUT", "k", TaggingXml({{"k{", "v"}})).Xml("/Error/Code") == "InvalidTag");
  CHECK(f.c.Put(ObjPath("tags", "h"), "x", {{"x-amz-tagging", "k=a%26b"}}).Xml("/Error/Code") == "InvalidTag");
  // Refused puts left the last good tag set in place.
  CHECK(f.Tagging("GET", "k").XmlAll("/Tagging/TagSet/Tag/Key") == std::vector<std::string>{"path", "\xC3\xA9t\xC3\xA9"});
  // Same limits on the x-amz-tagging header.
  CHECK(f.c.Put(ObjPath("tags", "h"), "x", {{"x-amz-tagging", std::string(129, 'k') + "=v"}}).Xml("/Error/Code") ==
        "InvalidTag");
  CHECK(f.c.Put(ObjPath("tags", "h"), "x", {{"x-amz-tagging", "aws%3Ax=v"}}).Xml("/Error/Code") == "InvalidTag");
}

TEST_CASE("Tagging: malformed bodies are MalformedXML; missing objects NoSuchKey") {
  Fixture f;
  REQUIRE(f.c.Put(ObjPath("tags", "k"), "x").status == 200);
  for (const std::string& body : {std::string(), std::string("<Tagging>"), std::string("<Tagging/>"),
                                 std::string("<Other><TagSet/></Other>"),
                                 std::string("<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>"),
                                 std::string("<Tagging><TagSet><Bogus/></TagSet></Tagging>")}) {
    INFO(body);
    auto r = f.Tagging("PUT", "k", body);
    CHECK(r.status == 400);
    CHECK(r.Xml("/Error/Code") == "MalformedXML");
  }
  CHECK(f.Tagging("GET", "missing").Xml("/Error/Code") == "NoSuchKey");
  CHECK(f.Tagging("PUT", "missing", TaggingXml({{"a", "b"}})).Xml("/Error/Code") == "NoSuchKey");
  CHECK(f.Tagging("DELETE", "missing").Xml("/Error/Code") == "NoSuchKey");
}

TEST_CASE("Tagging: versionId selects the version whose tags are read or replaced") {
  Fixture f;
  Request v;
  v.method = "PUT";
  v.path = "/tags";
  v.query = {{"versioning", ""}};
  v.body = "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>";
  REQUIRE(f.c.Send(v).status == 200);
  const std::string v1 = f.c.Put(ObjPath("tags", "k"), "1", {{"x-amz-tagging", "gen=1"}}).Header("x-amz-version-id");
  const std::string v2 = f.c.Put(ObjPath("tags", "k"), "2", {{"x-amz-tagging", "gen=2"}}).Header("x-amz-version-id");
  auto old = f.Tagging("GET", "k", "", v1);
  CHECK(old.Header("x-amz-version-id") == v1);
  CHECK(old.Xml("/Tagging/TagSet/Tag/Value") == "1");
  auto put = f.Tagging("PUT", "k", TaggingXml({{"gen", "one"}}), v1);
  REQUIRE(put.status == 200);
  CHECK(put.Header("x-amz-version-id") == v1);
  CHECK(f.Tagging("GET", "k", "", v1).Xml("/Tagging/TagSet/Tag/Value") == "one");
  auto latest = f.Tagging("GET", "k");
  CHECK(latest.Header("x-amz-version-id") == v2);
  CHECK(latest.Xml("/Tagging/TagSet/Tag/Value") == "2");
  CHECK(f.Tagging("GET", "k", "", std::string(32, 'x')).Xml("/Error/Code") == "NoSuchVersion");
  CHECK(f.Tagging("GET", "k", "", "no!").Xml("/Error/Code") == "InvalidArgument");
  auto del = f.Tagging("DELETE", "k", "", v1);
  CHECK(del.status == 204);
  CHECK(del.Header("x-amz-version-id") == v1);
  CHECK(f.Tagging("GET", "k", "", v1).XmlAll("/Tagging/TagSet/Tag").empty());
  CHECK(f.Tagging("GET", "k").XmlAll("/Tagging/TagSet/Tag").size() == 1);
}

TEST_CASE("Tagging: CopyObject copies tags by default and replaces them with the REPLACE directive") {
  Fixture f;
  REQUIRE(f.c.Put(ObjPath("tags", "src"), "x", {{"x-amz-tagging", "a=1&b=2"}}).status == 200);
  auto copy = f.c.Put(ObjPath("tags", "copy"), "", {{"x-amz-copy-source", "/tags/src"}, {"x-amz-tagging", "z=9"}});
  REQUIRE(copy.status == 200);
  CHECK(f.Tagging("GET", "copy").XmlAll("/Tagging/TagSet/Tag/Key") == std::vector<std::string>{"a", "b"});
  auto replace = f.c.Put(ObjPath("tags", "replace"), "",
                         {{"x-amz-copy-source", "/tags/src"},
                          {"x-amz-tagging-directive", "REPLACE"},
                          {"x-amz-tagging", "z=9"}});
  REQUIRE(replace.status == 200);
  CHECK(f.Tagging("GET", "replace").XmlAll("/Tagging/TagSet/Tag/Key") == std::vector<std::string>{"z"});
  auto cleared = f.c.Put(ObjPath("tags", "cleared"), "",
                         {{"x-amz-copy-source", "/tags/src"}, {"x-amz-tagging-directive", "REPLACE"}});
  REQUIRE(cleared.status == 200);
  CHECK(f.Tagging("GET", "cleared").XmlAll("/Tagging/TagSet/Tag").empty());
  auto bad = f.c.Put(ObjPath("tags", "bad"), "",
                     {{"x-amz-copy-source", "/tags/src"}, {"x-amz-tagging-directive", "MERGE"}});
  CHECK(bad.Xml("/Error/Code") == "InvalidArgument");
}

TEST_CASE("StorageClass: every S3 class is accepted and reported by HEAD, GET and both listings") {
  Fixture f;
  for (std::string sc : {"STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
                         "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR"}) {
    INFO(sc);
    REQUIRE(f.c.Put(ObjPath("tags", "sc-" + sc), "x", {{"x-amz-storage-class", sc}}).status == 200);
    auto h = f.c.Head(ObjPath("tags", "sc-" + sc));
    // S3 omits the header for STANDARD.
    CHECK(h.Header("x-amz-storage-class") == (sc == "STANDARD" ? "" : sc));
    CHECK(h.HeaderCount("x-amz-storage-class") == (sc == "STANDARD" ? 0u : 1u));
  }
  Request l;
  l.path = "/tags";
  l.query = {{"list-type", "2"}, {"prefix", "sc-ONE"}};
  CHECK(f.c.Send(l).Xml("/ListBucketResult/Contents/StorageClass") == "ONEZONE_IA");
  Request lv;
  lv.path = "/tags";
  lv.query = {{"versions", ""}, {"prefix", "sc-GLACIER_IR"}};
  CHECK(f.c.Send(lv).Xml("/ListVersionsResult/Version/StorageClass") == "GLACIER_IR");
}

TEST_CASE("StorageClass: unknown classes are InvalidStorageClass on Put and Copy; Copy can change the class") {
  Fixture f;
  auto bad = f.c.Put(ObjPath("tags", "k"), "x", {{"x-amz-storage-class", "standard"}});
  CHECK(bad.status == 400);
  CHECK(bad.Xml("/Error/Code") == "InvalidStorageClass");
  CHECK(bad.Xml("/Error/StorageClassRequested") == "standard");
  REQUIRE(f.c.Put(ObjPath("tags", "k"), "x", {{"x-amz-storage-class", "STANDARD_IA"}}).status == 200);
  auto bad_copy = f.c.Put(ObjPath("tags", "c"), "", {{"x-amz-copy-source", "/tags/k"}, {"x-amz-storage-class", "COLD"}});
  CHECK(bad_copy.Xml("/Error/Code") == "InvalidStorageClass");
  // Without the header a copy (here of a STANDARD_IA source) is STANDARD, as in S3.
  REQUIRE(f.c.Put(ObjPath("tags", "std"), "", {{"x-amz-copy-source", "/tags/k"}}).status == 200);
  CHECK(f.c.Head(ObjPath("tags", "std")).Header("x-amz-storage-class").empty());
  // A copy may target an archive class.
  auto to_glacier =
      f.c.Put(ObjPath("tags", "cold"), "", {{"x-amz-copy-source", "/tags/std"}, {"x-amz-storage-class", "GLACIER"}});
  INFO(to_glacier.body);
  REQUIRE(to_glacier.status == 200);
  CHECK(f.c.Head(ObjPath("tags", "cold")).Header("x-amz-storage-class") == "GLACIER");
  // In place: changing only the storage class is a legal self-copy.
  auto in_place =
      f.c.Put(ObjPath("tags", "k"), "", {{"x-amz-copy-source", "/tags/k"}, {"x-amz-storage-class", "GLACIER"}});
  INFO(in_place.body);
  REQUIRE(in_place.status == 200);
  CHECK(f.c.Head(ObjPath("tags", "k")).Header("x-amz-storage-class") == "GLACIER");
}
