// SelectObjectContent against the mock with hostile expressions: each is one
// signed request under S3's 256 KB expression limit, and each must get an S3
// error (or its records) while the server keeps serving.

#include <catch2/catch.hpp>

#include "support/mock_requests.h"

using namespace s3ml;
using namespace s3ml::mock;
using namespace s3ml::mock::testing;

namespace {

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

struct Fixture {
  Fixture() : server(StartServer()), c(*server) {
    REQUIRE(c.CreateBucket("sel").status == 200);
    REQUIRE(c.Put(ObjPath("sel", "t.csv"), "a,1\nb,2\n").status == 200);
  }

  Response Select(const std::string& sql) const {
    Request r;
    r.method = "POST";
    r.path = ObjPath("sel", "t.csv");
    r.query = {{"select", ""}, {"select-type", "2"}};
    r.body = "<SelectObjectContentRequest xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Expression>" + sql +
             "</Expression><ExpressionType>SQL</ExpressionType><InputSerialization><CSV/></InputSerialization>"
             "<OutputSerialization><CSV/></OutputSerialization></SelectObjectContentRequest>";
    return c.Send(r);
  }

  std::unique_ptr<MockS3Server> server;
  Client c;
};

}  // namespace

TEST_CASE("Select: deeply nested expressions get ParseExpressionTooDeep (400) and the mock keeps serving",
          "[select][limits]") {
  Fixture f;
  // Each is under 256 KB; unbounded recursion on any of them overflows an 8 MiB thread stack.
  const std::vector<std::string> hostile = {
      "SELECT " + Repeat("(", 100'000) + "1" + Repeat(")", 100'000) + " FROM S3Object",
      "SELECT * FROM S3Object WHERE " + Repeat("NOT ", 60'000) + "TRUE",
      "SELECT " + Repeat("- ", 100'000) + "1 FROM S3Object",
      "SELECT " + Repeat("LOWER(", 30'000) + "'a'" + Repeat(")", 30'000) + " FROM S3Object",
      "SELECT * FROM S3Object WHERE _1" + Repeat(" IS NULL", 30'000),
  };
  for (const auto& sql : hostile) {
    INFO(sql.substr(0, 40));
    REQUIRE(sql.size() < 256 * 1024);
    Response r = f.Select(sql);
    CHECK(r.status == 400);
    CHECK(r.Xml("/Error/Code") == "ParseExpressionTooDeep");
  }
  Response ok = f.Select("SELECT _1 FROM S3Object WHERE _2 = '2'");
  CHECK(ok.status == 200);
  CHECK_THAT(ok.body, Catch::Contains("b\n"));
}

TEST_CASE("Select: a flat 200 KB 1+1+... chain is answered with its records", "[select][limits]") {
  Fixture f;
  Response r = f.Select("SELECT 1" + Repeat("+1", 99'999) + " FROM S3Object");
  CHECK(r.status == 200);
  CHECK_THAT(r.body, Catch::Contains("100000\n"));
  CHECK(f.Select("SELECT _1 FROM S3Object").status == 200);
}

TEST_CASE("Select: an expression over 256 KB is ExpressionTooLong (400)", "[select][limits]") {
  Fixture f;
  Response r = f.Select("SELECT 1" + Repeat("+1", 140'000) + " FROM S3Object");
  CHECK(r.status == 400);
  CHECK(r.Xml("/Error/Code") == "ExpressionTooLong");
}
