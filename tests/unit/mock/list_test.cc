#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "common/uri.h"
#include "support/mock_requests.h"

using namespace s3ml;
using namespace s3ml::mock;
using namespace s3ml::mock::testing;

namespace {

struct Fixture {
  explicit Fixture(std::vector<std::string> keys) : server(StartServer()), c(*server) {
    REQUIRE(c.CreateBucket("list").status == 200);
    for (const auto& k : keys) {
      INFO(UriEncode(k, true));
      REQUIRE(c.Put(ObjPath("list", k), "v:" + k).status == 200);
    }
  }
  Response List(std::vector<std::pair<std::string, std::string>> params, bool v2 = true) const {
    Request r;
    r.path = "/list";
    if (v2) params.emplace_back("list-type", "2");
    r.query = std::move(params);
    return c.Send(r);
  }
  std::unique_ptr<MockS3Server> server;
  Client c;
};

}  // namespace

TEST_CASE("ListObjectsV2: keys come back in UTF-8 byte order with S3's document shape") {
  const std::vector<std::string> keys = {"\xF0\x9F\x98\x80.txt", "b", "B", "a/\xC3\xA9", "a/z", "\xE2\x82\xAC"};
  Fixture f(keys);
  auto r = f.List({});
  REQUIRE(r.status == 200);
  CHECK(r.Header("Content-Type") == "application/xml");
  CHECK(r.body.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0) == 0);
  CHECK(r.body.find("<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">") != std::string::npos);
  CHECK(r.XmlAll("/ListBucketResult/Contents/Key") ==
        std::vector<std::string>{"B", "a/z", "a/\xC3\xA9", "b", "\xE2\x82\xAC", "\xF0\x9F\x98\x80.txt"});
  CHECK(r.Xml("/ListBucketResult/Name") == "list");
  CHECK(r.Xml("/ListBucketResult/KeyCount") == "6");
  CHECK(r.Xml("/ListBucketResult/MaxKeys") == "1000");
  CHECK(r.Xml("/ListBucketResult/IsTruncated") == "false");
  CHECK(r.Xml("/ListBucketResult/Contents/Size") == "3");  // "v:B"
}

TEST_CASE("ListObjectsV2: Contents carry ETag, Size, LastModified, StorageClass; Owner only with fetch-owner") {
  Fixture f({"k"});
  auto r = f.List({});
  CHECK(r.Xml("/ListBucketResult/Contents/ETag").front() == '"');
  CHECK(r.Xml("/ListBucketResult/Contents/Size") == "3");
  CHECK(r.Xml("/ListBucketResult/Contents/StorageClass") == "STANDARD");
  CHECK(ParseIso8601(r.Xml("/ListBucketResult/Contents/LastModified")).ok());
  CHECK(r.Xml("/ListBucketResult/Contents/Owner/ID").empty());
  auto o = f.List({{"fetch-owner", "true"}});
  CHECK_FALSE(o.Xml("/ListBucketResult/Contents/Owner/ID").empty());
}

TEST_CASE("ListObjectsV2: prefix and delimiter give CommonPrefixes") {
  Fixture f({"photos/2023/a.jpg", "photos/2023/b.jpg", "photos/2024/c.jpg", "photos/index.html", "videos/v.mp4",
             "readme"});
  auto root = f.List({{"delimiter", "/"}});
  CHECK(root.XmlAll("/ListBucketResult/Contents/Key") == std::vector<std::string>{"readme"});
  CHECK(root.XmlAll("/ListBucketResult/CommonPrefixes/Prefix") == std::vector<std::string>{"photos/", "videos/"});
  CHECK(root.Xml("/ListBucketResult/KeyCount") == "3");
  CHECK(root.Xml("/ListBucketResult/Delimiter") == "/");
  auto photos = f.List({{"prefix", "photos/"}, {"delimiter", "/"}});
  CHECK(photos.XmlAll("/ListBucketResult/Contents/Key") == std::vector<std::string>{"photos/index.html"});
  CHECK(photos.XmlAll("/ListBucketResult/CommonPrefixes/Prefix") ==
        std::vector<std::string>{"photos/2023/", "photos/2024/"});
  CHECK(photos.Xml("/ListBucketResult/Prefix") == "photos/");
}

TEST_CASE("ListObjectsV2: pagination with max-keys visits every key and prefix exactly once") {
  std::vector<std::string> keys;
  for (int d = 0; d < 5; ++d)
    for (int i = 0; i < 7; ++i) keys.push_back("dir" + std::to_string(d) + "/f" + std::to_string(i));
  for (int i = 0; i < 9; ++i) keys.push_back("top" + std::to_string(i));
  Fixture f(keys);
  for (bool delimited : {false, true}) {
    for (int page_size : {1, 2, 3, 7, 1000}) {
      INFO("delimiter " << delimited << " page size " << page_size);
      std::vector<std::string> seen;
      std::string token;
      int pages = 0;
      for (;;) {
        std::vector<std::pair<std::string, std::string>> params = {{"max-keys", std::to_string(page_size)}};
        if (delimited) params.emplace_back("delimiter", "/");
        if (!token.empty()) params.emplace_back("continuation-token", token);
        auto r = f.List(params);
        REQUIRE(r.status == 200);
        ++pages;
        auto ks = r.XmlAll("/ListBucketResult/Contents/Key");
        auto ps = r.XmlAll("/ListBucketResult/CommonPrefixes/Prefix");
        CHECK(static_cast<int>(ks.size() + ps.size()) <= page_size);
        CHECK(r.Xml("/ListBucketResult/KeyCount") == std::to_string(ks.size() + ps.size()));
        seen.insert(seen.end(), ks.begin(), ks.end());
        seen.insert(seen.end(), ps.begin(), ps.end());
        if (r.Xml("/ListBucketResult/IsTruncated") != "true") break;
        token = r.Xml("/ListBucketResult/NextContinuationToken");
        REQUIRE_FALSE(token.empty());
        REQUIRE(pages < 100);
      }
      std::vector<std::string> expected;
      if (delimited) {
        expected = {"dir0/", "dir1/", "dir2/", "dir3/", "dir4/"};
        for (int i = 0; i < 9; ++i) expected.push_back("top" + std::to_string(i));
      } else {
        expected = keys;
      }
      std::vector<std::string> sorted_seen = seen;
      std::sort(sorted_seen.begin(), sorted_seen.end());
      CHECK(sorted_seen == expected);
      CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == seen.size());
    }
  }
}

TEST_CASE("ListObjectsV2: start-after is exclusive and echoed; continuation-token wins over it") {
  Fixture f({"a", "b", "c", "d"});
  auto r = f.List({{"start-after", "b"}});
  CHECK(r.XmlAll("/ListBucketResult/Contents/Key") == std::vector<std::string>{"c", "d"});
  CHECK(r.Xml("/ListBucketResult/StartAfter") == "b");
  auto first = f.List({{"max-keys", "1"}});
  const std::string token = first.Xml("/ListBucketResult/NextContinuationToken");
  auto both = f.List({{"start-after", "c"}, {"continuation-token", token}});
  CHECK(both.XmlAll("/ListBucketResult/Contents/Key") == std::vector<std::string>{"b", "c", "d"});
  CHECK(both.Xml("/ListBucketResult/ContinuationToken") == token);
}

TEST_CASE("ListObjectsV2: encoding-type=url encodes keys and prefixes") {
  Fixture f({"a b/c+d", "x&y"});
  auto r = f.List({{"encoding-type", "url"}, {"delimiter", "/"}});
  CHECK(r.Xml("/ListBucketResult/EncodingType") == "url");
  CHECK(r.XmlAll("/ListBucketResult/CommonPrefixes/Prefix") == std::vector<std::string>{"a%20b/"});
  CHECK(r.XmlAll("/ListBucketResult/Contents/Key") == std::vector<std::string>{"x%26y"});
  auto plain = f.List({});
  CHECK(plain.XmlAll("/ListBucketResult/Contents/Key") == std::vector<std::string>{"a b/c+d", "x&y"});
}

TEST_CASE("ListObjectsV2: bad parameters are InvalidArgument; max-keys above 1000 is capped") {
  Fixture f({"k"});
  auto bad_token = f.List({{"continuation-token", "garbage"}});
  CHECK(bad_token.status == 400);
  CHECK(bad_token.Xml("/Error/Code") == "InvalidArgument");
  CHECK(f.List({{"max-keys", "-1"}}).Xml("/Error/Code") == "InvalidArgument");
  CHECK(f.List({{"max-keys", "ten"}}).status == 400);
  CHECK(f.List({{"encoding-type", "base64"}}).status == 400);
  CHECK(f.List({{"max-keys", "5000"}}).Xml("/ListBucketResult/MaxKeys") == "1000");
  auto zero = f.List({{"max-keys", "0"}});
  CHECK(zero.Xml("/ListBucketResult/KeyCount") == "0");
  CHECK(zero.Xml("/ListBucketResult/IsTruncated") == "false");
  Request missing;
  missing.path = "/nobucket";
  missing.query = {{"list-type", "2"}};
  CHECK(f.c.Send(missing).Xml("/Error/Code") == "NoSuchBucket");
}

TEST_CASE("ListObjects v1: marker paging and NextMarker with a delimiter") {
  Fixture f({"a", "b/1", "b/2", "c", "d"});
  auto first = f.List({{"max-keys", "2"}}, false);
  CHECK(first.XmlAll("/ListBucketResult/Contents/Key") == std::vector<std::string>{"a", "b/1"});
  CHECK(first.Xml("/ListBucketResult/IsTruncated") == "true");
  CHECK(first.Xml("/ListBucketResult/NextMarker").empty());  // no delimiter: use the last key
  CHECK_FALSE(first.Xml("/ListBucketResult/Contents/Owner/ID").empty());
  auto second = f.List({{"max-keys", "2"}, {"marker", "b/1"}}, false);
  CHECK(second.XmlAll("/ListBucketResult/Contents/Key") == std::vector<std::string>{"b/2", "c"});
  CHECK(second.Xml("/ListBucketResult/Marker") == "b/1");
  auto delimited = f.List({{"max-keys", "2"}, {"delimiter", "/"}}, false);
  CHECK(delimited.XmlAll("/ListBucketResult/CommonPrefixes/Prefix") == std::vector<std::string>{"b/"});
  CHECK(delimited.Xml("/ListBucketResult/NextMarker") == "b/");
  auto rest = f.List({{"marker", "b/"}, {"delimiter", "/"}}, false);
  CHECK(rest.XmlAll("/ListBucketResult/Contents/Key") == std::vector<std::string>{"c", "d"});
}

namespace {
// XML 1.0's Char production, checked on the raw body: valid UTF-8, no control bytes
// but tab/LF/CR, and no character reference to one either (what strict parsers
// such as expat, behind Python's xml.etree, refuse).
bool StrictXml10Chars(const std::string& body, std::string* why) {
  auto valid = [](unsigned long cp) {
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
           (cp >= 0x10000 && cp <= 0x10FFFF);
  };
  for (std::size_t i = 0; i < body.size();) {
    const unsigned char c = static_cast<unsigned char>(body[i]);
    std::size_t n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 9;
    if (n == 9 || i + n >= body.size()) return *why = "bad UTF-8 at " + std::to_string(i), false;
    unsigned long cp = n == 0 ? c : (c & (0x3F >> n));
    for (std::size_t k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(body[i + k]) & 0xC0) != 0x80) return *why = "bad UTF-8 at " + std::to_string(i), false;
      cp = (cp << 6) | (static_cast<unsigned char>(body[i + k]) & 0x3F);
    }
    if (!valid(cp)) return *why = "raw character " + std::to_string(cp) + " at " + std::to_string(i), false;
    if (c == '&' && i + 2 < body.size() && body[i + 1] == '#') {
      const bool hex = body[i + 2] == 'x';
      const std::size_t semi = body.find(';', i);
      if (semi == std::string::npos) return *why = "unterminated reference", false;
      const unsigned long ref = std::stoul(body.substr(i + (hex ? 3 : 2), semi - i - (hex ? 3 : 2)), nullptr, hex ? 16 : 10);
      if (!valid(ref)) return *why = "reference to character " + std::to_string(ref), false;
    }
    i += n + 1;
  }
  return true;
}
}  // namespace

TEST_CASE("Keys: a key that is not UTF-8 is 400 InvalidURI on every operation, so no listing can carry it") {
  Fixture f({"plain"});
  for (const std::string key : {"h\xFF", "\xC0\xAF", "\xED\xA0\x80surrogate", "cut\xE2\x82", "\xF4\x90\x80\x80"}) {
    INFO(UriEncode(key, true));
    for (const auto& r : {f.c.Put(ObjPath("list", key), "x"), f.c.Get(ObjPath("list", key)),
                          f.c.Head(ObjPath("list", key)), f.c.Delete(ObjPath("list", key))}) {
      CHECK(r.status == 400);
      if (!r.body.empty()) CHECK(r.Xml("/Error/Code") == "InvalidURI");
    }
  }
  auto r = f.List({});
  REQUIRE(r.status == 200);
  CHECK(r.XmlAll("/ListBucketResult/Contents/Key") == std::vector<std::string>{"plain"});
  std::string why;
  CHECK(StrictXml10Chars(r.body, &why));
}

TEST_CASE("Keys: control characters are accepted; listings escape them, and encoding-type=url gives strict XML 1.0") {
  const std::vector<std::string> keys = {std::string("\x01one"), "tab\there", "v\x0Bt", "cr\rlf\n", "del\x7F"};
  Fixture f(keys);
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());

  // Without encoding-type: no raw control byte reaches the body; each is a character
  // reference, which lenient parsers (pugixml, the s3ml client) decode to the exact key.
  auto plain = f.List({});
  REQUIRE(plain.status == 200);
  CHECK(plain.XmlAll("/ListBucketResult/Contents/Key") == sorted);
  CHECK(plain.body.find('\x01') == std::string::npos);
  CHECK(plain.body.find('\x0B') == std::string::npos);
  CHECK(plain.body.find('\r') == std::string::npos);  // would be normalised to \n by any XML parser

  // With encoding-type=url (what S3 recommends and the s3ml client always sends): strict XML 1.0.
  auto url = f.List({{"encoding-type", "url"}});
  REQUIRE(url.status == 200);
  std::string why;
  CHECK(StrictXml10Chars(url.body, &why));
  INFO(why);
  std::vector<std::string> decoded;
  for (const auto& k : url.XmlAll("/ListBucketResult/Contents/Key")) decoded.push_back(UriDecode(k).value());
  CHECK(decoded == sorted);
}

TEST_CASE("Keys: a key with NUL round-trips with encoding-type=url and is escaped, not cut, without it") {
  const std::string key("nul\0key", 7);
  Fixture f({key, "plain"});
  CHECK(f.server->ObjectBody("list", key).value() == "v:" + key);
  auto url = f.List({{"encoding-type", "url"}});
  REQUIRE(url.status == 200);
  std::vector<std::string> decoded;
  for (const auto& k : url.XmlAll("/ListBucketResult/Contents/Key")) decoded.push_back(UriDecode(k).value());
  CHECK(decoded == std::vector<std::string>{key, "plain"});
  // Without it, S3 writes the character as a reference (XML 1.0 has no NUL).
  auto plain = f.List({});
  REQUIRE(plain.status == 200);
  CHECK(plain.body.find("<Key>nul&#x0;key</Key>") != std::string::npos);
  CHECK(plain.body.find('\0') == std::string::npos);
  auto v1 = f.List({{"prefix", "nul"}}, /*v2=*/false);
  CHECK(v1.body.find("<Key>nul&#x0;key</Key>") != std::string::npos);
}

TEST_CASE("ListObjects: listing parameters that are not UTF-8 are 400 InvalidURI") {
  Fixture f({"plain"});
  for (const char* param : {"prefix", "delimiter", "start-after", "continuation-token"}) {
    INFO(param);
    auto r = f.List({{param, "a\xFF"}});
    CHECK(r.status == 400);
    CHECK(r.Xml("/Error/Code") == "InvalidURI");
  }
  CHECK(f.List({{"marker", "\xC0\xAF"}}, /*v2=*/false).Xml("/Error/Code") == "InvalidURI");
  Request versions;
  versions.path = "/list";
  versions.query = {{"versions", ""}, {"key-marker", "\xED\xA0\x80"}};
  CHECK(f.c.Send(versions).Xml("/Error/Code") == "InvalidURI");
  Request uploads;
  uploads.path = "/list";
  uploads.query = {{"uploads", ""}, {"key-marker", "k"}, {"upload-id-marker", "\xFF"}};
  CHECK(f.c.Send(uploads).Xml("/Error/Code") == "InvalidURI");
}
