#include <catch2/catch.hpp>

#include "select_test_util.h"

using namespace s3ml::select;
using namespace s3ml::select::testing;

TEST_CASE("SelectJson: LINES records with nested paths, indexes and quoted names", "[select][json]") {
  const char* data =
      "{\"id\":1,\"user\":{\"name\":\"ann\",\"tags\":[\"a\",\"b\"]},\"odd key\":true}\n"
      "\n"
      "{\"id\":2,\"user\":{\"name\":\"bo\"},\"odd key\":false}\n";
  auto in = JsonIn(JsonType::kLines);
  CHECK(Sel("SELECT s.id, s.user.name, s.user.tags[1], s.\"odd key\" FROM S3Object s", data, in, JsonOut()) ==
        "{\"id\":1,\"name\":\"ann\",\"_3\":\"b\",\"odd key\":true}\n{\"id\":2,\"name\":\"bo\",\"odd key\":false}\n");
  CHECK(Sel("SELECT s.user FROM S3Object s WHERE s.id = 1", data, in, JsonOut()) ==
        "{\"user\":{\"name\":\"ann\",\"tags\":[\"a\",\"b\"]}}\n");
  CHECK(Sel("SELECT s.USER.NAME FROM S3Object s", data, in) == "ann\nbo\n");  // unquoted: case-insensitive
  CHECK(Sel("SELECT s.\"ID\" FROM S3Object s", data, in, JsonOut()) == "{}\n{}\n");
  CHECK(Sel("SELECT * FROM S3Object s WHERE s.\"odd key\" = true", data, in, JsonOut()) ==
        "{\"id\":1,\"user\":{\"name\":\"ann\",\"tags\":[\"a\",\"b\"]},\"odd key\":true}\n");
  CHECK(Sel("SELECT id, user.name FROM S3Object", data, in) == "1,ann\n2,bo\n");
}

TEST_CASE("SelectJson: DOCUMENT values may span lines and chunks", "[select][json]") {
  const std::string data = "{\n  \"a\": {\"b\": \"x}\\\"{\"},\n  \"n\": 1.25\n}\n  {\"a\":{\"b\":\"\xE2\x82\xAC\"},\"n\":2}";
  auto in = JsonIn(JsonType::kDocument);
  for (size_t chunk : {1, 3, 1000}) {
    INFO("chunk " << chunk);
    CHECK(Sel("SELECT d.a.b, d.n * 2 AS twice FROM S3Object d", data, in, JsonOut(), chunk) ==
          "{\"b\":\"x}\\\"{\",\"twice\":2.5}\n{\"b\":\"\xE2\x82\xAC\",\"twice\":4}\n");
  }
}

TEST_CASE("SelectJson: FROM S3Object[*] paths iterate arrays", "[select][json]") {
  const char* doc = "{\"items\":[{\"k\":1},{\"k\":2},{\"k\":3}],\"other\":5}";
  auto in = JsonIn(JsonType::kDocument);
  CHECK(Sel("SELECT s.k FROM S3Object[*].items[*] s WHERE s.k > 1", doc, in) == "2\n3\n");
  CHECK(Sel("SELECT * FROM S3Object[*].items[*]", doc, in, JsonOut()) == "{\"k\":1}\n{\"k\":2}\n{\"k\":3}\n");
  CHECK(Sel("SELECT * FROM S3Object[*].items[1]", doc, in, JsonOut()) == "{\"k\":2}\n");
  CHECK(Sel("SELECT * FROM S3Object[*].other", doc, in, JsonOut()) == "{\"_1\":5}\n");
  CHECK(Sel("SELECT COUNT(*) FROM S3Object[*].items[*]", doc, in) == "3\n");
  CHECK(Sel("SELECT * FROM S3Object[*].nothing[*]", doc, in, JsonOut()) == "");
  CHECK(Sel("SELECT s.x FROM S3Object[*] s", "[{\"x\":1},{\"x\":2}]", in) == "1\n2\n");
}

TEST_CASE("SelectJson: types round-trip to JSON and CSV output", "[select][json]") {
  const char* data = "{\"i\":-3,\"f\":0.5,\"b\":false,\"n\":null,\"s\":\"t\\u00e9\",\"o\":{\"x\":[1]}}\n";
  auto in = JsonIn(JsonType::kLines);
  CHECK(Sel("SELECT * FROM S3Object", data, in, JsonOut()) ==
        "{\"i\":-3,\"f\":0.5,\"b\":false,\"n\":null,\"s\":\"t\xC3\xA9\",\"o\":{\"x\":[1]}}\n");
  CHECK(Sel("SELECT * FROM S3Object", data, in, CsvOut()) == "-3,0.5,false,,t\xC3\xA9,\"{\"\"x\"\":[1]}\"\n");
  CHECK(Sel("SELECT s.i + s.f, s.s || 'x' FROM S3Object s", data, in) == "-2.5,t\xC3\xA9x\n");
}

TEST_CASE("SelectJson: malformed input fails with JSONParsingError", "[select][json]") {
  CHECK(Sel("SELECT * FROM S3Object", "{\"a\":1}\n{bad}\n", JsonIn(JsonType::kLines)) == "ERROR JSONParsingError");
  CHECK(Sel("SELECT * FROM S3Object", "{\"a\":[1,2}", JsonIn(JsonType::kDocument)) == "ERROR JSONParsingError");
  CHECK(Sel("SELECT * FROM S3Object", "{\"a\":1", JsonIn(JsonType::kDocument)) == "ERROR JSONParsingError");
}
