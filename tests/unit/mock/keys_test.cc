// Object keys S3 accepts but that are easy to lose on the way: whitespace-only keys,
// control characters, '%' and '+'. Each must round-trip through PutObject, both
// listing encodings, DeleteObject and DeleteObjects.

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "common/uri.h"
#include "support/mock_requests.h"

using namespace s3ml;
using namespace s3ml::mock;
using namespace s3ml::mock::testing;

namespace {

// "The object key name consists of a sequence of Unicode characters encoded in UTF-8,
// with a maximum length of 1,024 bytes" (S3 User Guide, Naming Amazon S3 objects).
const std::vector<std::string>& HardKeys() {
  static const std::vector<std::string> keys = {
      " ", "  ", "\t", "\n", "a\nb", "cr\r", "crlf\r\n", "ctl\x01\x1f\x7f", "%", "%25", "+", "a+b c",
      "trailing ", " leading", "nbsp\xC2\xA0", "amp&<lt>\"q'",
  };
  return keys;
}

std::string XmlEscape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\r': out += "&#13;"; break;  // a raw CR would be read as LF
      default: out += ch;
    }
  }
  return out;
}

struct Fixture {
  Fixture() : server(StartServer()), c(*server) { REQUIRE(c.CreateBucket("keys").status == 200); }

  Response DeleteObjects(const std::vector<std::string>& keys) const {
    std::string xml = "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
    for (const auto& k : keys) xml += "<Object><Key>" + XmlEscape(k) + "</Key></Object>";
    xml += "</Delete>";
    Request r;
    r.method = "POST";
    r.path = "/keys";
    r.query = {{"delete", ""}};
    r.body = xml;
    r.headers = {{"Content-MD5", Base64Encode(Md5(xml))}};
    return c.Send(r);
  }

  Response List(bool url) const {
    Request r;
    r.path = "/keys";
    r.query = {{"list-type", "2"}};
    if (url) r.query.emplace_back("encoding-type", "url");
    return c.Send(r);
  }

  std::unique_ptr<MockS3Server> server;
  Client c;
};

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("Keys: whitespace-only, control-character, '%' and '+' keys are stored under exactly their bytes") {
  Fixture f;
  for (const auto& key : HardKeys()) {
    INFO("key: " << UriEncode(key, true));
    auto put = f.c.Put(ObjPath("keys", key), "body of " + key);
    INFO(put.body);
    REQUIRE(put.status == 200);
    auto got = f.c.Get(ObjPath("keys", key));
    CHECK(got.status == 200);
    CHECK(got.body == "body of " + key);
  }
  CHECK(f.server->ObjectKeys("keys").value() == Sorted(HardKeys()));
}

TEST_CASE("Keys: ListObjectsV2 returns every hard key exactly, plain and with encoding-type=url") {
  Fixture f;
  for (const auto& key : HardKeys()) REQUIRE(f.c.Put(ObjPath("keys", key), "x").status == 200);
  // Plain XML: whitespace is kept and a carriage return is written as a reference,
  // so that an XML parser does not turn it into a line feed.
  auto plain = f.List(false);
  REQUIRE(plain.status == 200);
  CHECK(plain.body.find("<Key> </Key>") != std::string::npos);
  CHECK(plain.body.find("cr&#13;</Key>") != std::string::npos);
  CHECK(plain.XmlAll("/ListBucketResult/Contents/Key") == Sorted(HardKeys()));
  // "Encoding type used by Amazon S3 to encode object keys in the response." (ListObjectsV2)
  auto url = f.List(true);
  REQUIRE(url.status == 200);
  std::vector<std::string> decoded;
  for (std::string k : url.XmlAll("/ListBucketResult/Contents/Key")) {
    INFO("encoded: " << k);
    CHECK(k.find_first_of(" \t\r\n\x01\x1f\x7f") == std::string::npos);
    // SDKs decode '+' as a space (botocore: unquote_plus), so a '+' of the key is escaped.
    std::replace(k.begin(), k.end(), '+', ' ');
    decoded.push_back(UriDecode(k).value());
  }
  CHECK(decoded == Sorted(HardKeys()));
}

TEST_CASE("Keys: DeleteObjects keeps a key's whitespace and deletes exactly that object") {
  Fixture f;
  // "Replacement must be made for object keys containing special characters (such as
  // carriage returns) when using XML requests." (DeleteObjects, ObjectIdentifier Key)
  for (const auto& key : HardKeys()) REQUIRE(f.c.Put(ObjPath("keys", key), "x").status == 200);
  REQUIRE(f.c.Put(ObjPath("keys", "keep"), "x").status == 200);
  auto r = f.DeleteObjects(HardKeys());
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.XmlAll("/DeleteResult/Error").empty());
  CHECK(Sorted(r.XmlAll("/DeleteResult/Deleted/Key")) == Sorted(HardKeys()));
  CHECK(f.server->ObjectKeys("keys").value() == std::vector<std::string>{"keep"});
  // With the bucket emptied it can be deleted (it used to stay BucketNotEmpty).
  REQUIRE(f.c.Delete(ObjPath("keys", "keep")).status == 204);
  CHECK(f.c.Delete("/keys").status == 204);
}

TEST_CASE("Keys: a whitespace-only key in DeleteObjects is not the empty key") {
  Fixture f;
  REQUIRE(f.c.Put(ObjPath("keys", " "), "space").status == 200);
  auto r = f.DeleteObjects({" "});
  REQUIRE(r.status == 200);
  CHECK(r.body.find("<Deleted><Key> </Key></Deleted>") != std::string::npos);
  CHECK(f.server->ObjectKeys("keys").value().empty());
}

TEST_CASE("Keys: DeleteObject removes each hard key by its path") {
  Fixture f;
  for (const auto& key : HardKeys()) REQUIRE(f.c.Put(ObjPath("keys", key), "x").status == 200);
  for (const auto& key : HardKeys()) {
    INFO("key: " << UriEncode(key, true));
    CHECK(f.c.Delete(ObjPath("keys", key)).status == 204);
  }
  CHECK(f.server->ObjectKeys("keys").value().empty());
}
