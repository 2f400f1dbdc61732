#include <catch2/catch.hpp>

#include "select/select.h"

using s3ml::select::Query;

namespace {
// Parse must fail with `code`, and the message must name `where` ("line L, column C").
void ExpectParseError(const std::string& sql, const std::string& code, const std::string& where) {
  INFO(sql);
  auto q = Query::Parse(sql);
  REQUIRE_FALSE(q.ok());
  CHECK(q.status().code() == code);
  CHECK(q.status().category() == s3ml::ErrorCategory::kInvalidArgument);
  CHECK(q.status().http_status() == 400);
  CHECK_THAT(q.status().message(), Catch::Contains(where));
}
}  // namespace

TEST_CASE("SelectParser: accepts the supported grammar case-insensitively", "[select][parser]") {
  for (const char* sql : {
           "SELECT * FROM S3Object",
           "select * from s3object s",
           "SeLeCt s._1, s._2 AS second FROM S3Object AS s WHERE s._1 = 'a' LIMIT 10;",
           "SELECT s.\"quoted name\", s.a.b, s.arr[0] FROM S3Object[*].items[*] s",
           "SELECT COUNT(*), SUM(CAST(_1 AS INT)), AVG(_2), MIN(_3), MAX(_3) FROM S3Object",
           "SELECT * FROM S3Object WHERE _1 LIKE 'a%' ESCAPE '!' AND _2 NOT LIKE '_b'",
           "SELECT * FROM S3Object WHERE _1 BETWEEN 1 AND 5 OR _1 NOT BETWEEN 7 AND 9",
           "SELECT * FROM S3Object WHERE _1 IN ('a', 'b') AND _2 NOT IN (1, 2)",
           "SELECT * FROM S3Object WHERE _1 IS NULL OR _2 IS NOT MISSING OR NOT (_3 <> 'x')",
           "SELECT TRIM(LEADING 'x' FROM _1), TRIM(BOTH FROM _1), TRIM(_1), SUBSTRING(_1 FROM 2 FOR 3), "
           "SUBSTRING(_1, 2), CHAR_LENGTH(_1), CHARACTER_LENGTH(_1), LOWER(_1) || UPPER(_2), "
           "COALESCE(_1, 'd'), NULLIF(_1, 'x') FROM S3Object",
           "SELECT -_1 * 2 + 3 % 2 - 1 / 1, 1.5e3, .5 FROM S3Object -- trailing comment",
       }) {
    INFO(sql);
    auto q = Query::Parse(sql);
    CHECK(q.ok());
    if (!q.ok()) WARN(q.status().ToString());
  }
}

TEST_CASE("SelectParser: aggregate detection", "[select][parser]") {
  CHECK(Query::Parse("SELECT COUNT(*) FROM S3Object").value().is_aggregate());
  CHECK(Query::Parse("SELECT SUM(_1) + 1 AS total FROM S3Object").value().is_aggregate());
  CHECK_FALSE(Query::Parse("SELECT _1 FROM S3Object").value().is_aggregate());
}

TEST_CASE("SelectParser: reports S3 error codes with line and column", "[select][parser]") {
  ExpectParseError("SELECT FROM S3Object", "ParseEmptySelect", "line 1, column 8");
  ExpectParseError("SELECT * FROM S3Object WHERE", "ParseExpectedExpression", "line 1, column 29");
  ExpectParseError("SELECT *, _1 FROM S3Object", "ParseAsteriskIsNotAloneInSelectList", "line 1, column 8");
  ExpectParseError("SELECT * FROM S3Object WHERE _1 == 2", "ParseUnknownOperator", "line 1, column 33");
  ExpectParseError("SELECT * FROM S3Object WHERE _1 ^ 2", "ParseUnknownOperator", "column 33");
  ExpectParseError("SELECT * FROM S3Object WHERE _1 = @x", "LexerInvalidChar", "column 35");
  ExpectParseError("SELECT * FROM S3Object\nWHERE _1 = 'abc", "LexerInvalidLiteral", "line 2, column 12");
  ExpectParseError("SELECT * FROM S3Object WHERE _1 = 1 FOO", "ParseUnexpectedToken", "column 37");
  ExpectParseError("SELECT * FROM S3Object ORDER BY _1", "UnsupportedSyntax", "column 24");
  ExpectParseError("SELECT * FROM S3Object GROUP BY _1", "UnsupportedSyntax", "column 24");
  ExpectParseError("SELECT _0 FROM S3Object", "InvalidColumnIndex", "column 8");
  ExpectParseError("SELECT *", "ParseSelectMissingFrom", "column 9");
  ExpectParseError("SELECT * FROM Table1", "InvalidDataSource", "column 15");
  ExpectParseError("SELECT CAST(_1 AS BLOB) FROM S3Object", "ParseInvalidTypeParam", "column 19");
  ExpectParseError("SELECT FOO(_1) FROM S3Object", "UnsupportedFunction", "column 8");
  ExpectParseError("SELECT NULLIF(_1) FROM S3Object", "EvaluatorInvalidArguments", "column 8");
  ExpectParseError("SELECT _1, COUNT(*) FROM S3Object", "UnsupportedSqlOperation", "column 8");
  ExpectParseError("SELECT * FROM S3Object WHERE COUNT(*) > 1", "UnsupportedSyntax", "column 30");
  ExpectParseError("SELECT SUM(*) FROM S3Object", "ParseUnsupportedCallWithStar", "column 12");
  ExpectParseError("SELECT * FROM S3Object LIMIT x", "ParseExpectedNumber", "column 30");
  ExpectParseError("SELECT * FROM S3Object LIMIT -1", "EvaluatorNegativeLimit", "column 30");
  ExpectParseError("SELECT _1 AS FROM S3Object", "ParseExpectedIdentForAlias", "column 14");
  ExpectParseError("SELECT * FROM S3Object WHERE _1 IS 3", "ParseExpectedKeyword", "column 36");
  ExpectParseError("SELECT SUBSTRING(_1 2) FROM S3Object", "ParseExpectedArgumentDelimiter", "column 21");
  ExpectParseError("SELECT * FROM S3Object a, S3Object b", "UnsupportedSyntax", "column 25");
  ExpectParseError("SELECT SUM(COUNT(*)) FROM S3Object", "UnsupportedSyntax", "column 12");
  ExpectParseError("SELECT s.arr[*] FROM S3Object s", "ParseCannotMixSqbAndWildcardInSelectList", "column 14");
}
