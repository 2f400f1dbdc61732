// Bucket versioning in the mock: configuration, version ids, delete markers,
// reads/deletes/copies by versionId and ListObjectVersions.

#include <catch2/catch.hpp>

#include <set>

#include "common/crypto.h"
#include "mock/store.h"
#include "support/mock_requests.h"

using namespace s3ml;
using namespace s3ml::mock;
using namespace s3ml::mock::testing;

namespace {

struct Fixture {
  Fixture() : server(StartServer()), c(*server) { REQUIRE(c.CreateBucket("ver").status == 200); }

  Response SetVersioning(const std::string& body, const std::string& bucket = "ver") const {
    Request r;
    r.method = "PUT";
    r.path = "/" + bucket;
    r.query = {{"versioning", ""}};
    r.body = body;
    return c.Send(r);
  }
  void Enable() const {
    auto r = SetVersioning(Config("Enabled"));
    INFO(r.body);
    REQUIRE(r.status == 200);
  }
  static std::string Config(const std::string& status) {
    return "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Status>" + status +
           "</Status></VersioningConfiguration>";
  }
  Response GetVersioning(const std::string& bucket = "ver") const {
    Request r;
    r.path = "/" + bucket;
    r.query = {{"versioning", ""}};
    return c.Send(r);
  }
  Response Versioned(const std::string& method, const std::string& key, const std::string& version,
                     std::string body = {}) const {
    Request r;
    r.method = method;
    r.path = ObjPath("ver", key);
    r.query = {{"versionId", version}};
    r.body = std::move(body);
    return c.Send(r);
  }
  Response ListVersions(std::vector<std::pair<std::string, std::string>> params = {}) const {
    Request r;
    r.path = "/ver";
    r.query = {{"versions", ""}};
    for (auto& p : params) r.query.push_back(std::move(p));
    return c.Send(r);
  }
  std::string PutBody(const std::string& key, const std::string& body) const {
    auto r = c.Put(ObjPath("ver", key), body);
    INFO(r.body);
    REQUIRE(r.status == 200);
    return r.Header("x-amz-version-id");
  }

  std::unique_ptr<MockS3Server> server;
  Client c;
};

}  // namespace

TEST_CASE("Versioning: a new bucket reports no status, then Enabled and Suspended as configured") {
  Fixture f;
  auto g = f.GetVersioning();
  REQUIRE(g.status == 200);
  CHECK(g.body.find("<VersioningConfiguration") != std::string::npos);
  CHECK(g.Xml("/VersioningConfiguration/Status").empty());
  f.Enable();
  CHECK(f.GetVersioning().Xml("/VersioningConfiguration/Status") == "Enabled");
  REQUIRE(f.SetVersioning(Fixture::Config("Suspended")).status == 200);
  CHECK(f.GetVersioning().Xml("/VersioningConfiguration/Status") == "Suspended");
}

TEST_CASE("Versioning: malformed or invalid configurations are MalformedXML; missing bucket is NoSuchBucket") {
  Fixture f;
  for (const std::string& body : {std::string(), std::string("<VersioningConfiguration>"),
                                 Fixture::Config("On"), Fixture::Config(""),
                                 std::string("<Other><Status>Enabled</Status></Other>"),
                                 std::string("<VersioningConfiguration><Status>Enabled</Status><Bogus/>"
                                             "</VersioningConfiguration>")}) {
    INFO(body);
    auto r = f.SetVersioning(body);
    CHECK(r.status == 400);
    CHECK(r.Xml("/Error/Code") == "MalformedXML");
  }
  CHECK(f.GetVersioning().Xml("/VersioningConfiguration/Status").empty());
  auto missing = f.SetVersioning(Fixture::Config("Enabled"), "no-such-bucket");
  CHECK(missing.status == 404);
  CHECK(missing.Xml("/Error/Code") == "NoSuchBucket");
  CHECK(f.GetVersioning("no-such-bucket").Xml("/Error/Code") == "NoSuchBucket");
}

TEST_CASE("Versioning: unversioned buckets return no version id; enabled buckets return unique ids per PUT") {
  Fixture f;
  CHECK(f.PutBody("k", "zero").empty());
  f.Enable();
  const std::string v1 = f.PutBody("k", "one");
  const std::string v2 = f.PutBody("k", "two");
  CHECK(v1.size() == 32);
  CHECK(v2.size() == 32);
  CHECK(v1 != v2);
  CHECK(IsWellFormedVersionId(v1));
  // Latest wins; each version stays readable by id, including the pre-versioning "null" one.
  auto latest = f.c.Get(ObjPath("ver", "k"));
  CHECK(latest.body == "two");
  CHECK(latest.Header("x-amz-version-id") == v2);
  CHECK(f.Versioned("GET", "k", v1).body == "one");
  CHECK(f.Versioned("GET", "k", v1).Header("x-amz-version-id") == v1);
  CHECK(f.Versioned("GET", "k", "null").body == "zero");
  auto head = f.Versioned("HEAD", "k", v1);
  CHECK(head.status == 200);
  CHECK(head.Header("Content-Length") == "3");
  CHECK(head.Header("x-amz-version-id") == v1);
}

TEST_CASE("Versioning: DELETE without versionId adds a delete marker; GET is 404 with x-amz-delete-marker") {
  Fixture f;
  f.Enable();
  const std::string v1 = f.PutBody("k", "one");
  auto d = f.c.Delete(ObjPath("ver", "k"));
  REQUIRE(d.status == 204);
  CHECK(d.Header("x-amz-delete-marker") == "true");
  const std::string marker = d.Header("x-amz-version-id");
  CHECK(marker.size() == 32);
  CHECK(marker != v1);

  auto g = f.c.Get(ObjPath("ver", "k"));
  CHECK(g.status == 404);
  CHECK(g.Xml("/Error/Code") == "NoSuchKey");
  CHECK(g.Header("x-amz-delete-marker") == "true");
  CHECK(g.Header("x-amz-version-id") == marker);
  auto h = f.c.Head(ObjPath("ver", "k"));
  CHECK(h.status == 404);
  CHECK(h.Header("x-amz-delete-marker") == "true");
  // The old version is still there.
  CHECK(f.Versioned("GET", "k", v1).body == "one");
  // A deleted key is not listed by ListObjectsV2.
  Request l;
  l.path = "/ver";
  l.query = {{"list-type", "2"}};
  auto list = f.c.Send(l);
  CHECK(list.Xml("/ListBucketResult/KeyCount") == "0");
}

TEST_CASE("Versioning: GET or HEAD of a delete marker by versionId is 405 MethodNotAllowed") {
  Fixture f;
  f.Enable();
  f.PutBody("k", "one");
  const std::string marker = f.c.Delete(ObjPath("ver", "k")).Header("x-amz-version-id");
  auto g = f.Versioned("GET", "k", marker);
  CHECK(g.status == 405);
  CHECK(g.Xml("/Error/Code") == "MethodNotAllowed");
  CHECK(g.Xml("/Error/Method") == "GET");
  CHECK(g.Header("x-amz-delete-marker") == "true");
  CHECK(g.Header("x-amz-version-id") == marker);
  auto h = f.Versioned("HEAD", "k", marker);
  CHECK(h.status == 405);
  CHECK(h.Header("x-amz-delete-marker") == "true");
}

TEST_CASE("Versioning: deleting the delete marker restores the previous version") {
  Fixture f;
  f.Enable();
  const std::string v1 = f.PutBody("k", "one");
  const std::string marker = f.c.Delete(ObjPath("ver", "k")).Header("x-amz-version-id");
  auto d = f.Versioned("DELETE", "k", marker);
  REQUIRE(d.status == 204);
  CHECK(d.Header("x-amz-delete-marker") == "true");
  CHECK(d.Header("x-amz-version-id") == marker);
  auto g = f.c.Get(ObjPath("ver", "k"));
  CHECK(g.status == 200);
  CHECK(g.body == "one");
  CHECK(g.Header("x-amz-version-id") == v1);
}

TEST_CASE("Versioning: DELETE with versionId removes that version permanently") {
  Fixture f;
  f.Enable();
  const std::string v1 = f.PutBody("k", "one");
  const std::string v2 = f.PutBody("k", "two");
  auto d = f.Versioned("DELETE", "k", v2);
  REQUIRE(d.status == 204);
  CHECK(d.Header("x-amz-version-id") == v2);
  CHECK(d.Header("x-amz-delete-marker").empty());
  CHECK(f.c.Get(ObjPath("ver", "k")).body == "one");
  auto gone = f.Versioned("GET", "k", v2);
  CHECK(gone.status == 404);
  CHECK(gone.Xml("/Error/Code") == "NoSuchVersion");
  CHECK(gone.Xml("/Error/VersionId") == v2);
  REQUIRE(f.Versioned("DELETE", "k", v1).status == 204);
  CHECK(f.c.Get(ObjPath("ver", "k")).Xml("/Error/Code") == "NoSuchKey");
  // The last version gone: the key does not exist any more (no marker left behind).
  CHECK(f.ListVersions().XmlAll("/ListVersionsResult/Version").empty());
}

TEST_CASE("Versioning: malformed version ids are InvalidArgument, unknown ones NoSuchVersion") {
  Fixture f;
  f.Enable();
  f.PutBody("k", "one");
  auto bad = f.Versioned("GET", "k", "not a version id");
  CHECK(bad.status == 400);
  CHECK(bad.Xml("/Error/Code") == "InvalidArgument");
  CHECK(bad.Xml("/Error/Message") == "Invalid version id specified");
  auto empty = f.Versioned("GET", "k", "");
  CHECK(empty.status == 400);
  CHECK(empty.Xml("/Error/Code") == "InvalidArgument");
  const std::string unknown(32, 'Z');
  auto none = f.Versioned("GET", "k", unknown);
  CHECK(none.status == 404);
  CHECK(none.Xml("/Error/Code") == "NoSuchVersion");
  CHECK(f.Versioned("GET", "missing-key", unknown).Xml("/Error/Code") == "NoSuchVersion");
  CHECK(f.Versioned("DELETE", "k", "bad id!").Xml("/Error/Code") == "InvalidArgument");
  // Deleting an unknown (well-formed) version succeeds, as S3's DELETE is idempotent.
  CHECK(f.Versioned("DELETE", "k", unknown).status == 204);
}

TEST_CASE("Versioning: suspended PUTs write and replace the null version, keeping enabled-era versions") {
  Fixture f;
  f.Enable();
  const std::string v1 = f.PutBody("k", "one");
  REQUIRE(f.SetVersioning(Fixture::Config("Suspended")).status == 200);
  // S3 names no version in a suspended bucket's write answers (PutObject's "Versioning
  // suspended" sample response has no x-amz-version-id); reads name "null".
  CHECK(f.PutBody("k", "null-a").empty());
  CHECK(f.PutBody("k", "null-b").empty());
  CHECK(f.c.Get(ObjPath("ver", "k")).body == "null-b");
  CHECK(f.c.Get(ObjPath("ver", "k")).Header("x-amz-version-id") == "null");
  CHECK(f.Versioned("GET", "k", v1).body == "one");
  auto ids = f.ListVersions().XmlAll("/ListVersionsResult/Version/VersionId");
  CHECK(ids == std::vector<std::string>{"null", v1});
  // A suspended DELETE replaces the null version with a null delete marker.
  auto d = f.c.Delete(ObjPath("ver", "k"));
  CHECK(d.Header("x-amz-delete-marker") == "true");
  CHECK(d.Header("x-amz-version-id") == "null");
  auto l = f.ListVersions();
  CHECK(l.XmlAll("/ListVersionsResult/Version/VersionId") == std::vector<std::string>{v1});
  CHECK(l.XmlAll("/ListVersionsResult/DeleteMarker/VersionId") == std::vector<std::string>{"null"});
}

TEST_CASE("Versioning: ListObjectVersions orders keys ascending, versions newest first, with IsLatest") {
  Fixture f;
  f.PutBody("a", "a0");  // null version from before versioning
  f.Enable();
  const std::string a1 = f.PutBody("a", "a1");
  const std::string b1 = f.PutBody("b", "b1-long");
  const std::string bm = f.c.Delete(ObjPath("ver", "b")).Header("x-amz-version-id");
  auto r = f.ListVersions();
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.Xml("/ListVersionsResult/Name") == "ver");
  CHECK(r.Xml("/ListVersionsResult/IsTruncated") == "false");
  CHECK(r.XmlAll("/ListVersionsResult/Version/Key") == std::vector<std::string>{"a", "a", "b"});
  CHECK(r.XmlAll("/ListVersionsResult/Version/VersionId") == std::vector<std::string>{a1, "null", b1});
  CHECK(r.XmlAll("/ListVersionsResult/Version/IsLatest") == std::vector<std::string>{"true", "false", "false"});
  CHECK(r.XmlAll("/ListVersionsResult/Version/Size") == std::vector<std::string>{"2", "2", "7"});
  CHECK(r.XmlAll("/ListVersionsResult/Version/StorageClass") ==
        std::vector<std::string>{"STANDARD", "STANDARD", "STANDARD"});
  CHECK(r.XmlAll("/ListVersionsResult/DeleteMarker/Key") == std::vector<std::string>{"b"});
  CHECK(r.XmlAll("/ListVersionsResult/DeleteMarker/VersionId") == std::vector<std::string>{bm});
  CHECK(r.XmlAll("/ListVersionsResult/DeleteMarker/IsLatest") == std::vector<std::string>{"true"});
  CHECK_FALSE(r.Xml("/ListVersionsResult/DeleteMarker/Owner/ID").empty());
  // The marker comes before b's older version in document order.
  CHECK(r.body.find("<DeleteMarker>") < r.body.find("<VersionId>" + b1));
}

TEST_CASE("Versioning: ListObjectVersions pages by key and version-id markers without gaps or repeats") {
  Fixture f;
  f.Enable();
  std::vector<std::string> expected;
  for (std::string key : {"k1", "k2", "k3"}) {
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) ids.push_back(f.PutBody(key, key + std::to_string(i)));
    for (auto it = ids.rbegin(); it != ids.rend(); ++it) expected.push_back(key + "@" + *it);
  }
  std::vector<std::string> seen;
  std::string key_marker, version_marker;
  int pages = 0;
  for (; pages < 20; ++pages) {
    std::vector<std::pair<std::string, std::string>> params = {{"max-keys", "2"}};
    if (!key_marker.empty()) params.emplace_back("key-marker", key_marker);
    if (!version_marker.empty()) params.emplace_back("version-id-marker", version_marker);
    auto r = f.ListVersions(params);
    INFO(r.body);
    REQUIRE(r.status == 200);
    auto keys = r.XmlAll("/ListVersionsResult/Version/Key");
    auto ids = r.XmlAll("/ListVersionsResult/Version/VersionId");
    REQUIRE(keys.size() == ids.size());
    for (std::size_t i = 0; i < keys.size(); ++i) seen.push_back(keys[i] + "@" + ids[i]);
    if (r.Xml("/ListVersionsResult/IsTruncated") != "true") break;
    CHECK(r.Xml("/ListVersionsResult/NextKeyMarker") == keys.back());
    CHECK(r.Xml("/ListVersionsResult/NextVersionIdMarker") == ids.back());
    key_marker = r.Xml("/ListVersionsResult/NextKeyMarker");
    version_marker = r.Xml("/ListVersionsResult/NextVersionIdMarker");
  }
  CHECK(pages == 4);  // 9 versions, 2 per page
  CHECK(seen == expected);
  // key-marker alone starts after every version of that key.
  auto after = f.ListVersions({{"key-marker", "k2"}});
  CHECK(after.XmlAll("/ListVersionsResult/Version/Key") == std::vector<std::string>{"k3", "k3", "k3"});
}

TEST_CASE("Versioning: ListObjectVersions prefix, delimiter, url encoding and argument errors") {
  Fixture f;
  f.Enable();
  for (std::string k : {"dir/a", "dir/b", "dir/sub/c", "top", "t p+"}) f.PutBody(k, "x");
  f.c.Delete(ObjPath("ver", "dir/b"));
  auto r = f.ListVersions({{"prefix", "dir/"}, {"delimiter", "/"}});
  INFO(r.body);
  CHECK(r.XmlAll("/ListVersionsResult/Version/Key") == std::vector<std::string>{"dir/a", "dir/b"});
  CHECK(r.XmlAll("/ListVersionsResult/DeleteMarker/Key") == std::vector<std::string>{"dir/b"});
  CHECK(r.XmlAll("/ListVersionsResult/CommonPrefixes/Prefix") == std::vector<std::string>{"dir/sub/"});
  CHECK(r.Xml("/ListVersionsResult/Delimiter") == "/");
  CHECK(r.Xml("/ListVersionsResult/Prefix") == "dir/");

  // A common prefix counts toward max-keys and can be the next key marker.
  auto p1 = f.ListVersions({{"delimiter", "/"}, {"max-keys", "1"}});
  CHECK(p1.XmlAll("/ListVersionsResult/CommonPrefixes/Prefix") == std::vector<std::string>{"dir/"});
  CHECK(p1.Xml("/ListVersionsResult/IsTruncated") == "true");
  CHECK(p1.Xml("/ListVersionsResult/NextKeyMarker") == "dir/");
  auto p2 = f.ListVersions({{"delimiter", "/"}, {"key-marker", "dir/"}});
  CHECK(p2.XmlAll("/ListVersionsResult/Version/Key") == std::vector<std::string>{"t p+", "top"});

  auto enc = f.ListVersions({{"prefix", "t "}, {"encoding-type", "url"}});
  CHECK(enc.Xml("/ListVersionsResult/EncodingType") == "url");
  CHECK(enc.Xml("/ListVersionsResult/Prefix") == "t%20");
  CHECK(enc.XmlAll("/ListVersionsResult/Version/Key") == std::vector<std::string>{"t%20p%2B"});

  auto no_key = f.ListVersions({{"version-id-marker", std::string(32, 'a')}});
  CHECK(no_key.status == 400);
  CHECK(no_key.Xml("/Error/Code") == "InvalidArgument");
  CHECK(f.ListVersions({{"key-marker", "a"}, {"version-id-marker", "?"}}).Xml("/Error/Code") == "InvalidArgument");
  CHECK(f.ListVersions({{"max-keys", "x"}}).Xml("/Error/Code") == "InvalidArgument");
  CHECK(f.ListVersions({{"encoding-type", "base64"}}).Xml("/Error/Code") == "InvalidArgument");
  auto zero = f.ListVersions({{"max-keys", "0"}});
  CHECK(zero.XmlAll("/ListVersionsResult/Version/Key").empty());
  CHECK(zero.Xml("/ListVersionsResult/IsTruncated") == "false");
}

TEST_CASE("Versioning: DeleteBucket refuses while versions or delete markers remain") {
  Fixture f;
  f.Enable();
  const std::string v1 = f.PutBody("k", "one");
  const std::string marker = f.c.Delete(ObjPath("ver", "k")).Header("x-amz-version-id");
  auto refused = f.c.Delete("/ver");
  CHECK(refused.status == 409);
  CHECK(refused.Xml("/Error/Code") == "BucketNotEmpty");
  REQUIRE(f.Versioned("DELETE", "k", v1).status == 204);
  CHECK(f.c.Delete("/ver").Xml("/Error/Code") == "BucketNotEmpty");  // the marker is still a version
  REQUIRE(f.Versioned("DELETE", "k", marker).status == 204);
  CHECK(f.c.Delete("/ver").status == 204);
}

TEST_CASE("Versioning: CopyObject by source versionId reports both version ids") {
  Fixture f;
  f.Enable();
  const std::string v1 = f.PutBody("src", "one");
  f.PutBody("src", "two");
  Request r;
  r.method = "PUT";
  r.path = ObjPath("ver", "dst");
  r.headers = {{"x-amz-copy-source", "/ver/src?versionId=" + v1}};
  auto copy = f.c.Send(r);
  INFO(copy.body);
  REQUIRE(copy.status == 200);
  CHECK(copy.Header("x-amz-copy-source-version-id") == v1);
  const std::string dst_version = copy.Header("x-amz-version-id");
  CHECK(dst_version.size() == 32);
  CHECK(f.c.Get(ObjPath("ver", "dst")).body == "one");
  CHECK(f.Versioned("GET", "dst", dst_version).body == "one");

  // Copying an old version onto its own key restores it (no "copy to itself" error).
  r.path = ObjPath("ver", "src");
  auto restore = f.c.Send(r);
  REQUIRE(restore.status == 200);
  CHECK(f.c.Get(ObjPath("ver", "src")).body == "one");

  r.headers = {{"x-amz-copy-source", "/ver/src?versionId=" + std::string(32, 'Q')}};
  CHECK(f.c.Send(r).Xml("/Error/Code") == "NoSuchVersion");
  r.headers = {{"x-amz-copy-source", "/ver/src?versionId=bad%20id"}};
  CHECK(f.c.Send(r).Xml("/Error/Code") == "InvalidArgument");
  const std::string marker = f.c.Delete(ObjPath("ver", "src")).Header("x-amz-version-id");
  r.headers = {{"x-amz-copy-source", "/ver/src?versionId=" + marker}};
  CHECK(f.c.Send(r).Xml("/Error/Code") == "InvalidRequest");
  r.headers = {{"x-amz-copy-source", "/ver/src"}};
  CHECK(f.c.Send(r).Xml("/Error/Code") == "NoSuchKey");
}

TEST_CASE("Versioning: DeleteObjects with VersionId entries and delete markers in the result") {
  Fixture f;
  f.Enable();
  const std::string v1 = f.PutBody("a", "one");
  f.PutBody("b", "two");
  const std::string body =
      "<Delete><Object><Key>a</Key><VersionId>" + v1 +
      "</VersionId></Object><Object><Key>b</Key></Object><Object><Key>c</Key><VersionId>bad id</VersionId></Object>"
      "</Delete>";
  Request r;
  r.method = "POST";
  r.path = "/ver";
  r.query = {{"delete", ""}};
  r.body = body;
  r.headers = {{"Content-MD5", Base64Encode(Md5(body))}};
  auto d = f.c.Send(r);
  INFO(d.body);
  REQUIRE(d.status == 200);
  CHECK(d.XmlAll("/DeleteResult/Deleted/Key") == std::vector<std::string>{"a", "b"});
  CHECK(d.XmlAll("/DeleteResult/Deleted/VersionId") == std::vector<std::string>{v1});
  CHECK(d.XmlAll("/DeleteResult/Deleted/DeleteMarker") == std::vector<std::string>{"true"});
  const std::string marker = d.Xml("/DeleteResult/Deleted/DeleteMarkerVersionId");
  CHECK(marker.size() == 32);
  CHECK(d.Xml("/DeleteResult/Error/Key") == "c");
  CHECK(d.Xml("/DeleteResult/Error/Code") == "InvalidArgument");
  CHECK(f.Versioned("GET", "a", v1).Xml("/Error/Code") == "NoSuchVersion");
  CHECK(f.c.Get(ObjPath("ver", "b")).Header("x-amz-delete-marker") == "true");
}

TEST_CASE("Store: version lists keep newest first and suspended writes replace only the null version") {
  Store s;
  REQUIRE_FALSE(s.CreateBucket("b", "us-east-1", SystemClock().Now()));
  auto obj = [](const std::string& body) {
    auto o = std::make_shared<ObjectRecord>();
    o->body = std::make_shared<const std::string>(body);
    o->etag = "\"e\"";
    return ObjectPtr(o);
  };
  std::string id;
  REQUIRE_FALSE(s.PutObject("b", "k", obj("0"), {}, &id));
  CHECK(id.empty());
  REQUIRE_FALSE(s.SetVersioning("b", VersioningState::kEnabled));
  REQUIRE_FALSE(s.PutObject("b", "k", obj("1"), {}, &id));
  const std::string v1 = id;
  REQUIRE_FALSE(s.SetVersioning("b", VersioningState::kSuspended));
  REQUIRE_FALSE(s.PutObject("b", "k", obj("2"), {}, &id));
  CHECK(id == "null");
  auto page = s.ListVersions("b", VersionQuery{});
  REQUIRE(page.ok());
  REQUIRE(page->versions.size() == 2);  // "0" (null) was replaced by "2" (null)
  CHECK(*page->versions[0].version.object->body == "2");
  CHECK(page->versions[0].is_latest);
  CHECK(page->versions[1].version.version_id == v1);
  // Unique ids over many writes.
  REQUIRE_FALSE(s.SetVersioning("b", VersioningState::kEnabled));
  std::set<std::string> ids;
  for (int i = 0; i < 500; ++i) {
    REQUIRE_FALSE(s.PutObject("b", "many", obj("x"), {}, &id));
    ids.insert(id);
  }
  CHECK(ids.size() == 500);
  // If-None-Match: * sees a delete marker as "absent".
  REQUIRE(s.DeleteVersion("b", "k", "", SystemClock().Now()).ok());
  PutCondition absent;
  absent.if_none_match_star = true;
  CHECK_FALSE(s.PutObject("b", "k", obj("3"), absent));
}

TEST_CASE("Versioning: ListObjectsV2 lists each current key once and hides keys and prefixes that are only deleted") {
  Fixture f;
  f.Enable();
  for (int i = 0; i < 3; ++i) f.PutBody("live", std::to_string(i));  // three versions, one key
  f.PutBody("gone/only", "x");
  f.c.Delete(ObjPath("ver", "gone/only"));
  f.PutBody("kept/a", "x");
  f.PutBody("kept/b", "x");
  f.c.Delete(ObjPath("ver", "kept/b"));
  Request l;
  l.path = "/ver";
  l.query = {{"list-type", "2"}, {"delimiter", "/"}};
  auto r = f.c.Send(l);
  INFO(r.body);
  CHECK(r.XmlAll("/ListBucketResult/Contents/Key") == std::vector<std::string>{"live"});
  CHECK(r.XmlAll("/ListBucketResult/CommonPrefixes/Prefix") == std::vector<std::string>{"kept/"});
  CHECK(r.Xml("/ListBucketResult/KeyCount") == "2");
  l.query = {{"list-type", "2"}, {"prefix", "kept/"}, {"max-keys", "1"}};
  auto page = f.c.Send(l);
  CHECK(page.XmlAll("/ListBucketResult/Contents/Key") == std::vector<std::string>{"kept/a"});
  // Only deleted keys follow: the page is complete, not truncated.
  CHECK(page.Xml("/ListBucketResult/IsTruncated") == "false");
}

TEST_CASE("Versioning: unversioned buckets send no version or delete-marker headers on DELETE") {
  Fixture f;
  f.PutBody("k", "x");
  auto d = f.c.Delete(ObjPath("ver", "k"));
  CHECK(d.status == 204);
  CHECK(d.Header("x-amz-version-id").empty());
  CHECK(d.Header("x-amz-delete-marker").empty());
  CHECK(f.c.Get(ObjPath("ver", "k")).Header("x-amz-delete-marker").empty());
  // The object is gone for good: no versions are kept.
  CHECK(f.ListVersions().XmlAll("/ListVersionsResult/Version").empty());
  CHECK(f.ListVersions().XmlAll("/ListVersionsResult/DeleteMarker").empty());
}
