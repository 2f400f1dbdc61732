#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include "common/http_types.h"

using namespace s3ml;

TEST_CASE("Headers: case-insensitive lookup, Set replaces, Add appends") {
  Headers h;
  h.Set("Content-Type", "a");
  h.Set("content-type", "b");
  CHECK(h.size() == 1);
  CHECK(h.Get("CONTENT-TYPE") == "b");
  h.Add("x-amz-meta-a", "1");
  h.Add("X-Amz-Meta-A", "2");
  CHECK(h.size() == 3);
  h.Remove("x-amz-meta-a");
  CHECK(h.size() == 1);
  CHECK(h.Find("missing") == nullptr);
}

TEST_CASE("HttpRequest: URL with encoded query and non-default port") {
  HttpRequest r;
  r.host = "127.0.0.1";
  r.port = 9000;
  r.path = "/b/a%20b";
  r.query = {{"list-type", "2"}, {"prefix", "a b/c"}};
  CHECK(r.HostHeader() == "127.0.0.1:9000");
  CHECK(r.Url() == "http://127.0.0.1:9000/b/a%20b?list-type=2&prefix=a%20b%2Fc");
  r.scheme = "https";
  r.port = 443;
  CHECK(r.HostHeader() == "127.0.0.1");
}

TEST_CASE("RequestBody: memory, file and callback bodies re-read from any offset") {
  auto m = MemoryBody("hello world");
  char buf[16];
  auto n = m->Read(6, buf, sizeof buf);
  REQUIRE(n.ok());
  CHECK(std::string(buf, *n) == "world");

  std::string path = std::string(S3ML_BINARY_DIR) + "/http_types_test_body.bin";
  { std::ofstream(path) << "0123456789"; }
  auto f = FileBody(path, 2, 5);
  REQUIRE(f.ok());
  CHECK((*f)->size() == 5);
  auto k = (*f)->Read(1, buf, sizeof buf);
  REQUIRE(k.ok());
  CHECK(std::string(buf, *k) == "3456");
  std::remove(path.c_str());
  auto missing = FileBody(path);
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.status().message(), Catch::Contains(path));

  auto cb = CallbackBody(3, [](std::uint64_t off, char* out, std::size_t len) -> Result<std::size_t> {
    for (std::size_t i = 0; i < len; ++i) out[i] = static_cast<char>('a' + off + i);
    return len;
  });
  auto c = cb->Read(1, buf, 10);
  REQUIRE(c.ok());
  CHECK(std::string(buf, *c) == "bc");
}
