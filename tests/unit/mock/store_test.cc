#include <catch2/catch.hpp>

#include <set>

#include "mock/store.h"

using namespace s3ml;
using namespace s3ml::mock;

namespace {
ObjectPtr Obj(const std::string& body) {
  auto o = std::make_shared<ObjectRecord>();
  o->body = std::make_shared<const std::string>(body);
  o->etag = "\"e\"";
  return o;
}

std::vector<std::string> Keys(const ListPage& p) {
  std::vector<std::string> out;
  for (const auto& e : p.contents) out.push_back(e.key);
  return out;
}
}  // namespace

TEST_CASE("Store: listing is in UTF-8 byte order, not locale or code-point-agnostic order") {
  Store s;
  REQUIRE_FALSE(s.CreateBucket("b", "us-east-1", SystemClock().Now()));
  // U+00E9 (C3 A9) < U+20AC (E2 82 AC) < U+1F600 (F0 9F 98 80); 'Z' < 'a'; '~' (7E) < 0xC3.
  for (std::string k : {"\xF0\x9F\x98\x80", "a", "Z", "\xE2\x82\xAC", "~", "\xC3\xA9", "a/b", "a-b"})
    REQUIRE_FALSE(s.PutObject("b", k, Obj(k)));
  auto page = s.List("b", ListQuery{});
  REQUIRE(page.ok());
  CHECK(Keys(*page) == std::vector<std::string>{"Z", "a", "a-b", "a/b", "~", "\xC3\xA9", "\xE2\x82\xAC",
                                                "\xF0\x9F\x98\x80"});
}

TEST_CASE("Store: delimiter rolls keys up into common prefixes and paging resumes after a prefix") {
  Store s;
  REQUIRE_FALSE(s.CreateBucket("b", "us-east-1", SystemClock().Now()));
  for (std::string k : {"a/1", "a/2", "a/3", "b", "c/1", "c/2", "d"}) REQUIRE_FALSE(s.PutObject("b", k, Obj(k)));
  ListQuery q;
  q.delimiter = "/";
  q.max_keys = 2;
  std::vector<std::string> seen;
  int pages = 0;
  for (int i = 0; i < 10; ++i) {
    ++pages;
    auto page = s.List("b", q);
    REQUIRE(page.ok());
    for (auto& k : Keys(*page)) seen.push_back("K:" + k);
    for (auto& p : page->common_prefixes) seen.push_back("P:" + p);
    if (!page->truncated) break;
    q.after = page->last;
  }
  CHECK(pages == 2);
  std::sort(seen.begin(), seen.end());
  CHECK(seen == std::vector<std::string>{"K:b", "K:d", "P:a/", "P:c/"});
}

TEST_CASE("Store: prefix, exclusive start-after and max-keys zero") {
  Store s;
  REQUIRE_FALSE(s.CreateBucket("b", "us-east-1", SystemClock().Now()));
  for (std::string k : {"x/a", "x/b", "x/c", "y"}) REQUIRE_FALSE(s.PutObject("b", k, Obj(k)));
  ListQuery q;
  q.prefix = "x/";
  q.after = "x/a";
  auto page = s.List("b", q);
  REQUIRE(page.ok());
  CHECK(Keys(*page) == std::vector<std::string>{"x/b", "x/c"});
  CHECK_FALSE(page->truncated);
  q.max_keys = 0;
  auto empty = s.List("b", q);
  REQUIRE(empty.ok());
  CHECK(empty->contents.empty());
  CHECK_FALSE(empty->truncated);
}

TEST_CASE("Store: bucket lifecycle errors are S3's codes") {
  Store s;
  REQUIRE_FALSE(s.CreateBucket("b", "eu-west-1", SystemClock().Now()));
  auto again = s.CreateBucket("b", "eu-west-1", SystemClock().Now());
  REQUIRE(again);
  CHECK(again->code == "BucketAlreadyOwnedByYou");
  CHECK(again->http_status == 409);
  REQUIRE_FALSE(s.PutObject("b", "k", Obj("x")));
  auto not_empty = s.DeleteBucket("b");
  REQUIRE(not_empty);
  CHECK(not_empty->code == "BucketNotEmpty");
  REQUIRE_FALSE(s.DeleteObject("b", "k"));
  REQUIRE_FALSE(s.DeleteObject("b", "k"));  // absent: still fine
  REQUIRE_FALSE(s.DeleteBucket("b"));
  auto gone = s.GetBucket("b");
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().code == "NoSuchBucket");
  auto put = s.PutObject("nope", "k", Obj("x"));
  REQUIRE(put);
  CHECK(put->code == "NoSuchBucket");
}

TEST_CASE("Store: conditional puts are atomic with the write") {
  Store s;
  REQUIRE_FALSE(s.CreateBucket("b", "us-east-1", SystemClock().Now()));
  PutCondition absent;
  absent.if_none_match_star = true;
  REQUIRE_FALSE(s.PutObject("b", "k", Obj("1"), absent));
  auto second = s.PutObject("b", "k", Obj("2"), absent);
  REQUIRE(second);
  CHECK(second->http_status == 412);
  PutCondition match;
  match.if_match = "\"other\"";
  auto mismatch = s.PutObject("b", "k", Obj("3"), match);
  REQUIRE(mismatch);
  CHECK(mismatch->code == "PreconditionFailed");
  match.if_match = "\"e\"";
  CHECK_FALSE(s.PutObject("b", "k", Obj("4"), match));
  CHECK(*(*s.GetObject("b", "k"))->body == "4");
  match.if_match = "*";
  auto missing = s.PutObject("b", "missing", Obj("5"), match);
  REQUIRE(missing);
  CHECK(missing->code == "NoSuchKey");
}

TEST_CASE("Store: a delete committed inside a conditional write's window makes the write 409, one before it does "
          "not") {
  Store s;
  REQUIRE_FALSE(s.CreateBucket("b", "us-east-1", SystemClock().Now()));
  REQUIRE_FALSE(s.PutObject("b", "k", Obj("1")));
  REQUIRE_FALSE(s.PutObject("b", "other", Obj("1")));
  {
    auto window = s.OpenConditionalWindow();
    REQUIRE(s.DeleteVersion("b", "other", "", SystemClock().Now()).ok());  // another key: no conflict
    REQUIRE(s.DeleteVersion("b", "k", "", SystemClock().Now()).ok());
    PutCondition cond;
    cond.if_none_match_star = true;
    cond.since = window.start();
    auto conflict = s.PutObject("b", "k", Obj("2"), cond);
    REQUIRE(conflict);
    CHECK(conflict->http_status == 409);
    CHECK(conflict->code == "ConditionalRequestConflict");
    CHECK_FALSE(s.GetObject("b", "k").ok());
  }
  // The delete happened before this window opened: a plain conditional write.
  auto later = s.OpenConditionalWindow();
  PutCondition cond;
  cond.if_none_match_star = true;
  cond.since = later.start();
  CHECK_FALSE(s.PutObject("b", "k", Obj("3"), cond));
  CHECK(*(*s.GetObject("b", "k"))->body == "3");
}

TEST_CASE("Store: a conditional delete conflicts with a write or delete inside its window and checks the current "
          "version's ETag") {
  Store s;
  REQUIRE_FALSE(s.CreateBucket("b", "us-east-1", SystemClock().Now()));
  REQUIRE_FALSE(s.PutObject("b", "k", Obj("1")));
  DeleteCondition stale;
  stale.if_match = "\"other\"";
  auto mismatch = s.DeleteVersion("b", "k", "", SystemClock().Now(), stale);
  REQUIRE_FALSE(mismatch.ok());
  CHECK(mismatch.error().http_status == 412);
  {
    auto window = s.OpenConditionalWindow();
    REQUIRE_FALSE(s.PutObject("b", "k", Obj("2")));
    DeleteCondition cond;
    cond.if_match = "\"e\"";
    cond.since = window.start();
    auto conflict = s.DeleteVersion("b", "k", "", SystemClock().Now(), cond);
    REQUIRE_FALSE(conflict.ok());
    CHECK(conflict.error().code == "ConditionalRequestConflict");
    CHECK(*(*s.GetObject("b", "k"))->body == "2");
  }
  DeleteCondition star;
  star.if_match = "*";
  CHECK(s.DeleteVersion("b", "k", "", SystemClock().Now(), star).ok());
  auto absent = s.DeleteVersion("b", "k", "", SystemClock().Now(), star);
  REQUIRE_FALSE(absent.ok());
  CHECK(absent.error().code == "NoSuchKey");
}

TEST_CASE("Store: bucket name rules") {
  CHECK(BucketNameProblem("my-bucket.1").empty());
  CHECK_FALSE(BucketNameProblem("ab").empty());
  CHECK_FALSE(BucketNameProblem(std::string(64, 'a')).empty());
  CHECK_FALSE(BucketNameProblem("My-Bucket").empty());
  CHECK_FALSE(BucketNameProblem("my_bucket").empty());
  CHECK_FALSE(BucketNameProblem("-bucket").empty());
  CHECK_FALSE(BucketNameProblem("a..b").empty());
  CHECK_FALSE(BucketNameProblem("192.168.1.1").empty());
  CHECK_FALSE(BucketNameProblem("xn--abc").empty());
  CHECK(PrefixSuccessor("a/") == "a0");
  CHECK(PrefixSuccessor("a\xFF") == "b");
  CHECK(PrefixSuccessor("\xFF\xFF").empty());
}
