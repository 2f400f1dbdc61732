#include <catch2/catch.hpp>

#include "common/crypto.h"

using namespace s3ml;

TEST_CASE("Sha256/Md5/HMAC: known vectors") {
  CHECK(HexEncode(Sha256("")) == kEmptySha256Hex);
  CHECK(HexEncode(Sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(HexEncode(Md5("")) == "d41d8cd98f00b204e9800998ecf8427e");
  // RFC 4231 test case 2
  CHECK(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("Hasher: incremental equals one-shot") {
  Hasher h(Hasher::Kind::kSha256);
  h.Update("a");
  h.Update("bc");
  CHECK(HexEncode(h.Final()) == HexEncode(Sha256("abc")));
  Hasher m(Hasher::Kind::kMd5);
  m.Update("hello ");
  m.Update("world");
  CHECK(HexEncode(m.Final()) == "5eb63bbbe01eeed093cb22bb8f5acdc3");
}

TEST_CASE("Base64: round trip with and without padding, rejects junk") {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    auto d = Base64Decode(Base64Encode(s));
    REQUIRE(d.ok());
    CHECK(*d == s);
  }
  CHECK(Base64Encode(std::string("foobar")) == "Zm9vYmFy");
  CHECK_FALSE(Base64Decode("abc").ok());
  CHECK_FALSE(Base64Decode("a$c=").ok());
}

TEST_CASE("s3ml/encoding.h: the MD5 forms of ETags and Content-MD5, and hex") {
  // RFC 1321's test vector: MD5("abc") = 900150983cd24fb0d6963f7d28e17f72.
  CHECK(HexMd5("abc") == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(Base64Md5("abc") == "kAFQmDzST7DWlj99KOF/cg==");
  CHECK(Base64Md5("") == "1B2M2Y8AsgTpgAmY7PhCfg==");  // S3's Content-MD5 of an empty body
  CHECK(HexEncode(std::string_view("\x00\xff", 2)) == "00ff");
}
