#include <catch2/catch.hpp>

#include "select_test_util.h"

using namespace s3ml::select;
using namespace s3ml::select::testing;

namespace {
const char* kPeople =
    "name,age,city\n"
    "Alice,30,Paris\n"
    "bob,25,Berlin\n"
    "Carol,41,\n"
    "Dan_x,7,Rome\n";

std::string People(const std::string& sql, OutputSerialization out = CsvOut()) {
  return Sel(sql, kPeople, CsvIn(FileHeaderInfo::kUse), out);
}

// One expression evaluated on a one-row CSV input ("x,12,3.5,,true").
std::string Expr(const std::string& expr) {
  return Sel("SELECT " + expr + " FROM S3Object", "x,12,3.5,,true\n");
}
}  // namespace

TEST_CASE("SelectEval: comparisons on CSV strings follow S3 (numeric text compares as a number)", "[select][eval]") {
  CHECK(People("SELECT name FROM S3Object WHERE age > 26") == "Alice\nCarol\n");
  CHECK(People("SELECT name FROM S3Object WHERE age >= 30") == "Alice\nCarol\n");
  CHECK(People("SELECT name FROM S3Object WHERE age < 25") == "Dan_x\n");
  CHECK(People("SELECT name FROM S3Object WHERE age <= 25") == "bob\nDan_x\n");
  CHECK(People("SELECT name FROM S3Object WHERE age = 7") == "Dan_x\n");
  CHECK(People("SELECT name FROM S3Object WHERE age != 7 AND age <> 30") == "bob\nCarol\n");
  CHECK(People("SELECT name FROM S3Object WHERE age = '7'") == "Dan_x\n");
  // String against string is byte order, so '7' > '30'.
  CHECK(People("SELECT name FROM S3Object WHERE age > '30'") == "Carol\nDan_x\n");
  CHECK(People("SELECT name FROM S3Object WHERE name > 5") == "");  // non-numeric text vs number: unknown
  CHECK(People("SELECT name FROM S3Object WHERE CAST(age AS INT) > 26") == "Alice\nCarol\n");
}

TEST_CASE("SelectEval: AND OR NOT with three-valued logic", "[select][eval]") {
  CHECK(People("SELECT name FROM S3Object WHERE age > 26 AND city = 'Paris'") == "Alice\n");
  CHECK(People("SELECT name FROM S3Object WHERE city = 'Rome' OR name = 'bob'") == "bob\nDan_x\n");
  CHECK(People("SELECT name FROM S3Object WHERE NOT (age > 26)") == "bob\nDan_x\n");
  CHECK(People("SELECT name FROM S3Object WHERE NOT city = 'Paris' AND NOT name = 'bob'") == "Carol\nDan_x\n");
  // MISSING column: comparison is NULL, NOT NULL is NULL, row dropped either way.
  CHECK(People("SELECT name FROM S3Object WHERE nosuch = 1 OR NOT nosuch = 1") == "");
  CHECK(People("SELECT name FROM S3Object WHERE nosuch = 1 OR age = 7") == "Dan_x\n");
  CHECK(Expr("NULL AND FALSE, NULL OR TRUE, NULL AND TRUE") == "false,true,\n");
  CHECK(Sel("SELECT * FROM S3Object WHERE _1", "a\n") == "ERROR EvaluatorInvalidArguments");
}

TEST_CASE("SelectEval: LIKE with % _ and ESCAPE over code points", "[select][eval]") {
  CHECK(People("SELECT name FROM S3Object WHERE name LIKE 'A%'") == "Alice\n");
  CHECK(People("SELECT name FROM S3Object WHERE name LIKE '%o%'") == "bob\nCarol\n");
  CHECK(People("SELECT name FROM S3Object WHERE name LIKE '_ob'") == "bob\n");
  CHECK(People("SELECT name FROM S3Object WHERE name NOT LIKE '%a%'") == "Alice\nbob\n");
  CHECK(People("SELECT name FROM S3Object WHERE name LIKE 'Dan!_%' ESCAPE '!'") == "Dan_x\n");
  CHECK(People("SELECT name FROM S3Object WHERE name LIKE 'Dan__'") == "Dan_x\n");
  CHECK(Sel("SELECT _1 FROM S3Object WHERE _1 LIKE '_b_'", "\xC3\xA9" "b\xE2\x82\xAC\nxbyz\n") == "\xC3\xA9" "b\xE2\x82\xAC\n");
  CHECK(Sel("SELECT _1 FROM S3Object WHERE _1 LIKE 'a' ESCAPE 'xy'", "a\n") == "ERROR LikeInvalidInputs");
  CHECK(Sel("SELECT _1 FROM S3Object WHERE _1 LIKE 'a!' ESCAPE '!'", "a\n") == "ERROR LikeInvalidInputs");
  CHECK(Sel("SELECT _1 FROM S3Object WHERE 5 LIKE 'a'", "a\n") == "ERROR LikeInvalidInputs");
}

TEST_CASE("SelectEval: BETWEEN, IN, IS NULL and IS MISSING", "[select][eval]") {
  CHECK(People("SELECT name FROM S3Object WHERE age BETWEEN 25 AND 30") == "Alice\nbob\n");
  CHECK(People("SELECT name FROM S3Object WHERE age NOT BETWEEN 25 AND 30") == "Carol\nDan_x\n");
  CHECK(People("SELECT name FROM S3Object WHERE city IN ('Paris', 'Rome')") == "Alice\nDan_x\n");
  CHECK(People("SELECT name FROM S3Object WHERE age IN (7, 41)") == "Carol\nDan_x\n");
  CHECK(People("SELECT name FROM S3Object WHERE city NOT IN ('Paris', 'Rome')") == "bob\nCarol\n");
  const char* docs = "{\"a\":1,\"b\":null}\n{\"a\":2}\n{\"a\":3,\"b\":4}\n";
  auto lines = JsonIn(JsonType::kLines);
  CHECK(Sel("SELECT s.a FROM S3Object s WHERE s.b IS NULL", docs, lines, JsonOut()) == "{\"a\":1}\n{\"a\":2}\n");
  CHECK(Sel("SELECT s.a FROM S3Object s WHERE s.b IS NOT NULL", docs, lines, JsonOut()) == "{\"a\":3}\n");
  CHECK(Sel("SELECT s.a FROM S3Object s WHERE s.b IS MISSING", docs, lines, JsonOut()) == "{\"a\":2}\n");
  CHECK(Sel("SELECT s.a FROM S3Object s WHERE s.b IS NOT MISSING", docs, lines, JsonOut()) == "{\"a\":1}\n{\"a\":3}\n");
  CHECK(Expr("_4 IS NULL, _4 = ''") == "false,true\n");  // an empty CSV field is an empty string
}

TEST_CASE("SelectEval: arithmetic, unary minus, concatenation and their errors", "[select][eval]") {
  CHECK(Expr("_2 + 1, _2 - 20, _2 * 2, _2 / 5, _2 % 5, -_2, _3 * 2") == "13,-8,24,2,2,-12,7.0\n");
  CHECK(Expr("1 + 2 * 3, (1 + 2) * 3, 7 / 2.0, 2 - -3") == "7,9,3.5,5\n");
  CHECK(Expr("_1 || '-' || _2, 'a' || 1") == "x-12,a1\n");
  CHECK(Expr("_1 + 1") == "ERROR EvaluatorInvalidArguments");
  CHECK(Expr("_2 / 0") == "ERROR DivisionByZero");
  CHECK(Expr("_2 % 0") == "ERROR DivisionByZero");
  CHECK(Expr("9223372036854775807 + 1") == "ERROR IntegerOverflow");
  CHECK(Expr("NULL + 1, _9 + 1") == ",\n");
  auto bad = RunQuery("SELECT _1 + 1 FROM S3Object", "x\n");
  CHECK(bad.status.category() == s3ml::ErrorCategory::kService);
  CHECK_THAT(bad.status.message(), Catch::Contains("line 1, column 11"));
}

TEST_CASE("SelectEval: CAST to every type and CastFailed", "[select][eval]") {
  CHECK(Expr("CAST(_2 AS INT) + 1, CAST(_3 AS INTEGER), CAST(_3 AS FLOAT), CAST(_2 AS DECIMAL)") == "13,3,3.5,12.0\n");
  CHECK(Expr("CAST(_2 AS STRING) || 'z', CAST(_5 AS BOOL), CAST(1 AS BOOL), CAST(TRUE AS INT)") == "12z,true,true,1\n");
  CHECK(Expr("CAST('2007-04-05T14:30Z' AS TIMESTAMP)") == "2007-04-05T14:30Z\n");
  CHECK(Expr("CAST('2007-04-05T14:30Z' AS TIMESTAMP) < CAST('2007-04-05T15:00+00:00' AS TIMESTAMP)") == "true\n");
  CHECK(Expr("CAST('2007-04-05T16:30+02:00' AS TIMESTAMP) = CAST('2007-04-05T14:30Z' AS TIMESTAMP)") == "true\n");
  CHECK(Expr("CAST('2007T' AS TIMESTAMP), CAST('2007-04-05' AS TIMESTAMP)") == "2007T,2007-04-05\n");
  CHECK(Expr("CAST(_1 AS INT)") == "ERROR CastFailed");
  CHECK(Expr("CAST(_1 AS FLOAT)") == "ERROR CastFailed");
  CHECK(Expr("CAST(_1 AS BOOL)") == "ERROR CastFailed");
  CHECK(Expr("CAST(_1 AS TIMESTAMP)") == "ERROR CastFailed");
  CHECK(Expr("CAST('2007-04-05T14:30' AS TIMESTAMP)") == "ERROR CastFailed");  // a time needs an offset
  CHECK(Expr("CAST('1e30' AS INT)") == "ERROR IntegerOverflow");
  CHECK(Expr("CAST(NULL AS INT), CAST(_9 AS INT)") == ",\n");
}

TEST_CASE("SelectEval: string functions", "[select][eval]") {
  CHECK(Expr("LOWER('AbC'), UPPER(_1), CHAR_LENGTH('h\xC3\xA9llo'), CHARACTER_LENGTH('')") == "abc,X,5,0\n");
  CHECK(Expr("TRIM('  foo  '), TRIM(LEADING FROM '  foo  '), TRIM(TRAILING FROM '  foo  ')") == "foo,foo  ,  foo\n");
  CHECK(Expr("TRIM(BOTH '12' FROM '1112211foobar22211122'), TRIM(LEADING 'x' FROM 'xxaxx')") == "foobar,axx\n");
  CHECK(Expr("SUBSTRING('123456789', 0), SUBSTRING('123456789', 1), SUBSTRING('123456789', 2)") ==
        "123456789,123456789,23456789\n");
  CHECK(Expr("SUBSTRING('123456789', 0, 999), SUBSTRING('123456789', 1, 5), SUBSTRING('123456789', -4, 6)") ==
        "123456789,12345,1\n");
  CHECK(Expr("SUBSTRING('123456789' FROM 3 FOR 2), SUBSTRING('h\xC3\xA9llo', 2, 2), SUBSTRING('abc', 9)") ==
        "34,\xC3\xA9l,\n");
  CHECK(Expr("COALESCE(NULL, _9, _2), COALESCE(NULL), NULLIF(_2, '12'), NULLIF(_1, 'y')") == "12,,,x\n");
  CHECK(Expr("LOWER(5)") == "ERROR IncorrectSqlFunctionArgumentType");
  CHECK(Expr("SUBSTRING('abc', 1, -1)") == "ERROR EvaluatorInvalidArguments");
  CHECK(Expr("UPPER(NULL), CHAR_LENGTH(_9)") == ",\n");
}

TEST_CASE("SelectEval: aggregates COUNT SUM AVG MIN MAX", "[select][eval]") {
  CHECK(People("SELECT COUNT(*) FROM S3Object") == "4\n");
  CHECK(People("SELECT COUNT(*) FROM S3Object WHERE age > 26") == "2\n");
  CHECK(People("SELECT COUNT(city), COUNT(nosuch) FROM S3Object") == "4,0\n");
  CHECK(People("SELECT SUM(age), MIN(age), MAX(age), AVG(age) FROM S3Object") == "103,7,41,25.75\n");
  CHECK(People("SELECT SUM(CAST(age AS INT)) / COUNT(*) AS mean FROM S3Object", JsonOut()) == "{\"mean\":25}\n");
  CHECK(People("SELECT MIN(name), MAX(name) FROM S3Object") == "Alice,bob\n");
  CHECK(People("SELECT COUNT(*), SUM(age), AVG(age), MIN(age) FROM S3Object WHERE age > 100") == "0,,,\n");
  CHECK(People("SELECT COUNT(*) AS n, SUM(age) FROM S3Object", JsonOut()) == "{\"n\":4,\"_2\":103}\n");
  CHECK(People("SELECT SUM(name) FROM S3Object") == "ERROR IncorrectSqlFunctionArgumentType");
  CHECK(Sel("SELECT COUNT(*) FROM S3Object", "") == "0\n");
}

TEST_CASE("SelectEval: column references by position, header name, alias and quotes", "[select][eval]") {
  CHECK(People("SELECT s._1, s.\"age\", S.CITY FROM S3Object s WHERE s.name = 'bob'") == "bob,25,Berlin\n");
  CHECK(People("SELECT Name FROM S3Object WHERE _2 = 7") == "Dan_x\n");
  CHECK(People("SELECT s.\"Name\" FROM S3Object s WHERE _2 = 7") == "\n");  // quoted is case-sensitive
  CHECK(People("SELECT name AS n, age years FROM S3Object LIMIT 1", JsonOut()) == "{\"n\":\"Alice\",\"years\":\"30\"}\n");
  CHECK(People("SELECT _9 FROM S3Object LIMIT 1", JsonOut()) == "{}\n");
  CHECK(Sel("SELECT a FROM S3Object", "a,A\n1,2\n", CsvIn(FileHeaderInfo::kUse)) == "1\n");
  CHECK(Sel("SELECT AA FROM S3Object", "aa,Aa\n1,2\n", CsvIn(FileHeaderInfo::kUse)) == "ERROR AmbiguousFieldName");
  // Without headers a name is MISSING; positions still work with IGNORE.
  CHECK(Sel("SELECT name, _2 FROM S3Object", kPeople, CsvIn(FileHeaderInfo::kIgnore)) == ",30\n,25\n,41\n,7\n");
}

TEST_CASE("SelectEval: numeric literals and huge column indexes never throw", "[select][eval]") {
  CHECK(Expr(".5 + 1, 1.5e3, 2E-1, 9223372036854775808") == "1.5,1500.0,0.2,9.223372036854776e+18\n");
  CHECK(Expr("1e999") == "ERROR LexerInvalidLiteral");
  CHECK(Sel("SELECT _99999999999 FROM S3Object", "a\n", CsvIn(), JsonOut()) == "{}\n");
}

TEST_CASE("SelectEval: a bare table alias selects the whole row as _N", "[select][eval]") {
  CHECK(Sel("SELECT s FROM S3Object s", "{\"a\":1}\n", JsonIn(JsonType::kLines), JsonOut()) == "{\"_1\":{\"a\":1}}\n");
  CHECK(Sel("SELECT s FROM S3Object s", "x,y\n", CsvIn(), JsonOut()) == "{\"_1\":{\"_1\":\"x\",\"_2\":\"y\"}}\n");
}
