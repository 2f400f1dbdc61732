// Untrusted SQL within S3's 256 KB: nesting is bounded by a parse error, and
// binary chains as long as the statement parse, evaluate and free in a small,
// fixed stack. Every case runs on a thread with a 512 KiB stack (the default for
// a secondary thread on macOS; 1/16 of glibc's), so unbounded recursion crashes
// the test instead of passing on a roomy main thread.
#include <pthread.h>

#include <catch2/catch.hpp>
#include <functional>
#include <string>

#include "select/io.h"
#include "select/select.h"

using s3ml::select::Format;
using s3ml::select::InputSerialization;
using s3ml::select::OutputSerialization;
using s3ml::select::Query;
using s3ml::select::ScanRange;
using s3ml::select::SelectEngine;

namespace {

#if defined(__SANITIZE_ADDRESS__)
#define S3ML_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define S3ML_TEST_ASAN 1
#endif
#endif
#ifdef S3ML_TEST_ASAN
constexpr size_t kSmallStack = 4 * 512 * 1024;  // ASan's redzones multiply frame sizes
#else
constexpr size_t kSmallStack = 512 * 1024;
#endif

// Runs `fn` to completion on a thread whose stack is `stack_bytes`.
void RunOnSmallStack(const std::function<void()>& fn, size_t stack_bytes = kSmallStack) {
  pthread_attr_t attr;
  REQUIRE(pthread_attr_init(&attr) == 0);
  REQUIRE(pthread_attr_setstacksize(&attr, stack_bytes) == 0);
  pthread_t tid;
  auto trampoline = [](void* arg) -> void* {
    (*static_cast<const std::function<void()>*>(arg))();
    return nullptr;
  };
  const int rc = pthread_create(&tid, &attr, trampoline, const_cast<std::function<void()>*>(&fn));
  pthread_attr_destroy(&attr);
  REQUIRE(rc == 0);
  REQUIRE(pthread_join(tid, nullptr) == 0);
}

struct Outcome {
  bool parsed = false;
  std::string code;
  std::string message;
  int http_status = 0;
  s3ml::ErrorCategory category = s3ml::ErrorCategory::kInternal;
  bool ran = false;
  std::string records;
  std::string run_error;
};

// Parses `sql` and, when it parses, runs it over `csv`; parse, evaluation and the
// plan's destruction all happen on the small stack.
Outcome ParseAndRun(const std::string& sql, const std::string& csv = "1\n") {
  Outcome o;
  RunOnSmallStack([&] {
    auto q = Query::Parse(sql);
    if (!q.ok()) {
      o.code = q.status().code();
      o.message = q.status().message();
      o.http_status = q.status().http_status();
      o.category = q.status().category();
      return;
    }
    o.parsed = true;
    InputSerialization in;
    in.format = Format::kCsv;
    auto out = SelectEngine::Execute(*q, in, OutputSerialization{}, ScanRange{}, csv);
    o.ran = out.ok();
    if (out.ok()) o.records = out->records;
    else o.run_error = out.status().ToString();
  });
  return o;
}

std::string Repeat(const std::string& s, int n) {
  std::string out;
  out.reserve(s.size() * static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// `depth` nested levels of `open` ... `close` around `inner`, in a SELECT list.
std::string Nested(const std::string& open, const std::string& inner, const std::string& close, int depth) {
  return "SELECT " + Repeat(open, depth) + inner + Repeat(close, depth) + " FROM S3Object";
}

void ExpectTooDeep(const Outcome& o) {
  CHECK_FALSE(o.parsed);
  CHECK(o.code == "ParseExpressionTooDeep");
  CHECK(o.http_status == 400);
  CHECK(o.category == s3ml::ErrorCategory::kInvalidArgument);
  CHECK_THAT(o.message, Catch::Contains(std::to_string(Query::kMaxNestingDepth)));
}

}  // namespace

TEST_CASE("SelectLimits: 1000 nested parentheses fail as ParseExpressionTooDeep, not a stack overflow",
          "[select][parser][limits]") {
  const std::string sql = Nested("(", "1", ")", 1000);
  REQUIRE(sql.size() < 2100);
  ExpectTooDeep(ParseAndRun(sql));
}

TEST_CASE("SelectLimits: long NOT, unary minus, function, CAST and IS NULL chains fail as ParseExpressionTooDeep",
          "[select][parser][limits]") {
  SECTION("NOT NOT ...") { ExpectTooDeep(ParseAndRun("SELECT * FROM S3Object WHERE " + Repeat("NOT ", 5000) + "TRUE")); }
  SECTION("- - - ... 1") { ExpectTooDeep(ParseAndRun("SELECT " + Repeat("- ", 5000) + "1 FROM S3Object")); }
  SECTION("+ + + ... 1") { ExpectTooDeep(ParseAndRun("SELECT " + Repeat("+ ", 5000) + "1 FROM S3Object")); }
  SECTION("LOWER(LOWER(...))") { ExpectTooDeep(ParseAndRun(Nested("LOWER(", "'a'", ")", 2000))); }
  SECTION("COALESCE(1, COALESCE(...))") { ExpectTooDeep(ParseAndRun(Nested("COALESCE(1, ", "2", ")", 2000))); }
  SECTION("CAST(CAST(...) AS INT)") { ExpectTooDeep(ParseAndRun(Nested("CAST(", "1", " AS INT)", 2000))); }
  SECTION("x IN (x IN (...))") { ExpectTooDeep(ParseAndRun(Nested("1 IN (", "1", ")", 2000))); }
  SECTION("_1 IS NULL IS NULL ...") {
    ExpectTooDeep(ParseAndRun("SELECT * FROM S3Object WHERE _1" + Repeat(" IS NULL", 5000)));
  }
  SECTION("_1 LIKE 'a' LIKE ...") {
    ExpectTooDeep(ParseAndRun("SELECT * FROM S3Object WHERE _1" + Repeat(" LIKE 'a'", 5000)));
  }
  SECTION("CASE stays unsupported, at any depth") {
    auto o = ParseAndRun(Nested("CASE WHEN TRUE THEN ", "1", " END", 2000));
    CHECK_FALSE(o.parsed);
    CHECK(o.code == "UnsupportedSyntax");
  }
}

TEST_CASE("SelectLimits: nesting up to the limit parses and evaluates on a 512 KiB stack", "[select][parser][limits]") {
  // The top-level expression is the first level.
  const int inner = Query::kMaxNestingDepth - 1;
  SECTION("functions") {
    auto o = ParseAndRun(Nested("LOWER(", "'A'", ")", inner));
    REQUIRE(o.parsed);
    CHECK(o.run_error.empty());
    CHECK(o.records == "a\n");
    ExpectTooDeep(ParseAndRun(Nested("LOWER(", "'A'", ")", inner + 1)));
  }
  SECTION("NOT") {
    // An even count of NOTs keeps the row (NOT NOT TRUE = TRUE).
    const int even = inner % 2 == 0 ? inner : inner - 1;
    auto o = ParseAndRun("SELECT _1 FROM S3Object WHERE " + Repeat("NOT ", even) + "TRUE", "x\n");
    REQUIRE(o.parsed);
    CHECK(o.records == "x\n");
    ExpectTooDeep(ParseAndRun("SELECT _1 FROM S3Object WHERE " + Repeat("NOT ", inner + 1) + "TRUE"));
  }
  SECTION("parentheses") {
    auto o = ParseAndRun(Nested("(", "7", ")", inner));
    REQUIRE(o.parsed);
    CHECK(o.records == "7\n");
  }
}

TEST_CASE("SelectLimits: a flat 200 KB 1+1+... chain parses, evaluates and is freed on a 512 KiB stack",
          "[select][eval][limits]") {
  const int n = 100'000;
  const std::string sql = "SELECT 1" + Repeat("+1", n - 1) + " FROM S3Object";
  REQUIRE(sql.size() > 190'000);
  REQUIRE(sql.size() < Query::kMaxExpressionBytes);
  auto o = ParseAndRun(sql);
  REQUIRE(o.parsed);
  CHECK(o.run_error.empty());
  CHECK(o.records == std::to_string(n) + "\n");
}

TEST_CASE("SelectLimits: long OR, comparison, concatenation and aggregate chains run on a 512 KiB stack",
          "[select][eval][limits]") {
  SECTION("WHERE _1 = 'z' OR _1 = 'z' OR ... OR _1 = 'b'") {
    auto o = ParseAndRun("SELECT _1 FROM S3Object WHERE " + Repeat("_1 = 'z' OR ", 15'000) + "_1 = 'b'", "a\nb\nc\n");
    REQUIRE(o.parsed);
    CHECK(o.run_error.empty());
    CHECK(o.records == "b\n");
  }
  SECTION("AND chain short-circuits left to right") {
    auto o = ParseAndRun("SELECT _1 FROM S3Object WHERE FALSE" + Repeat(" AND TRUE", 20'000), "a\n");
    REQUIRE(o.parsed);
    CHECK(o.run_error.empty());
    CHECK(o.records.empty());
  }
  SECTION("'a' || 'a' || ...") {
    auto o = ParseAndRun("SELECT 'a'" + Repeat(" || 'a'", 20'000) + " FROM S3Object");
    REQUIRE(o.parsed);
    CHECK(o.records == std::string(20'001, 'a') + "\n");
  }
  SECTION("1 - 1 - 1 ... stays left-associative") {
    auto o = ParseAndRun("SELECT 100" + Repeat(" - 1", 30'000) + " FROM S3Object");
    REQUIRE(o.parsed);
    CHECK(o.records == std::to_string(100 - 30'000) + "\n");
  }
  SECTION("SUM(_1) + SUM(_1) + ...") {
    const int n = 10'000;
    auto o = ParseAndRun("SELECT SUM(CAST(_1 AS INT))" + Repeat(" + SUM(CAST(_1 AS INT))", n - 1) + " FROM S3Object",
                         "1\n2\n");
    INFO(o.code << ": " << o.message);
    REQUIRE(o.parsed);
    CHECK(o.run_error.empty());
    CHECK(o.records == std::to_string(3 * n) + "\n");
  }
  SECTION("a bare column deep in an aggregate chain is still found") {
    auto o = ParseAndRun("SELECT COUNT(*)" + Repeat(" + COUNT(*)", 20'000) + " + _1 FROM S3Object");
    CHECK_FALSE(o.parsed);
    CHECK(o.code == "UnsupportedSqlOperation");
  }
}

TEST_CASE("SelectLimits: a statement over 256 KB fails as ExpressionTooLong before it is parsed",
          "[select][parser][limits]") {
  std::string sql = "SELECT 1" + Repeat("+1", static_cast<int>(Query::kMaxExpressionBytes / 2)) + " FROM S3Object";
  REQUIRE(sql.size() > Query::kMaxExpressionBytes);
  auto o = ParseAndRun(sql);
  CHECK_FALSE(o.parsed);
  CHECK(o.code == "ExpressionTooLong");
  CHECK(o.http_status == 400);
  CHECK_THAT(o.message, Catch::Contains("256 KB"));
  // Exactly at the limit is still parsed.
  std::string at_limit = "SELECT 1 FROM S3Object ";
  at_limit += std::string(Query::kMaxExpressionBytes - at_limit.size(), ' ');
  CHECK(ParseAndRun(at_limit).parsed);
}

namespace {

// Runs `sql` over a JSON object on the small stack; the run's error code, or "".
std::string RunJsonOnSmallStack(const std::string& sql, const std::string& json, s3ml::select::JsonType type,
                                std::string* records = nullptr, std::string* message = nullptr) {
  std::string code = "unset";
  RunOnSmallStack([&] {
    auto q = Query::Parse(sql);
    REQUIRE(q.ok());
    InputSerialization in;
    in.format = Format::kJson;
    in.json_type = type;
    OutputSerialization out;
    out.format = Format::kJson;
    auto r = SelectEngine::Execute(*q, in, out, ScanRange{}, json);
    code = r.ok() ? "" : r.status().code();
    if (records && r.ok()) *records = r->records;
    if (message && !r.ok()) *message = r.status().message();
  });
  return code;
}

}  // namespace

TEST_CASE("SelectLimits: a JSON record nested 200000 deep is JSONParsingError, not a stack overflow",
          "[select][json][limits]") {
  using s3ml::select::JsonType;
  const int depth = 200'000;  // 400 KB: within the 1 MB record limit
  const std::string arrays = std::string(depth, '[') + std::string(depth, ']');
  const std::string objects = Repeat("{\"a\":", depth) + "1" + std::string(depth, '}');
  for (JsonType type : {JsonType::kDocument, JsonType::kLines}) {
    for (const std::string* doc : {&arrays, &objects}) {
      std::string message;
      CHECK(RunJsonOnSmallStack("SELECT * FROM S3Object", *doc + "\n", type, nullptr, &message) ==
            "JSONParsingError");
      CHECK_THAT(message, Catch::Contains(std::to_string(s3ml::select::kMaxJsonNestingDepth)));
    }
  }
}

TEST_CASE("SelectLimits: JSON nested to the limit is selected; one level more is refused",
          "[select][json][limits]") {
  using s3ml::select::JsonType;
  const int limit = s3ml::select::kMaxJsonNestingDepth;
  auto nested = [](int depth) { return Repeat("{\"a\":", depth) + "1" + std::string(static_cast<size_t>(depth), '}'); };
  // Brackets inside strings are not nesting.
  const std::string at_limit = nested(limit).insert(1, "\"s\":\"\\\"[[[[{{{{\",");
  std::string records;
  CHECK(RunJsonOnSmallStack("SELECT * FROM S3Object", at_limit + "\n", JsonType::kLines, &records).empty());
  CHECK(records.size() > static_cast<size_t>(limit));
  CHECK(RunJsonOnSmallStack("SELECT * FROM S3Object", nested(limit + 1) + "\n", JsonType::kLines) ==
        "JSONParsingError");
  CHECK(RunJsonOnSmallStack("SELECT * FROM S3Object", nested(limit + 1) + "\n", JsonType::kDocument) ==
        "JSONParsingError");
}
