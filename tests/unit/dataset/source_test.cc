#include <chrono>
#include <cstdio>
#include <fstream>

#include <catch2/catch.hpp>

#include "s3ml/dataset/source.h"
#include "unit/dataset/dataset_test_util.h"

using namespace s3ml;
using namespace s3ml::dataset;

TEST_CASE("ExpandBraces: zero-padded ranges, lists and products expand in order") {
  auto r = ExpandBraces("s3://b/train-{0000..0003}.tar");
  REQUIRE(r.ok());
  CHECK(*r == std::vector<std::string>{"s3://b/train-0000.tar", "s3://b/train-0001.tar", "s3://b/train-0002.tar",
                                       "s3://b/train-0003.tar"});
  auto p = ExpandBraces("x{a,b}-{8..10}");
  REQUIRE(p.ok());
  CHECK(*p == std::vector<std::string>{"xa-8", "xa-9", "xa-10", "xb-8", "xb-9", "xb-10"});
  auto big = ExpandBraces("s3://b/s-{0000..0999}.tar");
  REQUIRE(big.ok());
  REQUIRE(big->size() == 1000);
  CHECK(big->back() == "s3://b/s-0999.tar");
  auto plain = ExpandBraces("s3://b/k");
  REQUIRE(plain.ok());
  CHECK(*plain == std::vector<std::string>{"s3://b/k"});
}

TEST_CASE("ExpandBraces: rejects unbalanced, nested and descending patterns") {
  for (const char* bad : {"a{0..3", "a}b", "{a{b}}", "{5..2}", "{x..y}"}) {
    INFO(bad);
    auto r = ExpandBraces(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().category() == ErrorCategory::kInvalidArgument);
  }
}

TEST_CASE("ParseS3Uri: splits bucket and key and rejects other schemes") {
  auto u = ParseS3Uri("s3://bucket/a/b.tar");
  REQUIRE(u.ok());
  CHECK(u->bucket == "bucket");
  CHECK(u->key == "a/b.tar");
  CHECK_FALSE(ParseS3Uri("http://bucket/k").ok());
  CHECK_FALSE(ParseS3Uri("s3:///k").ok());
}

TEST_CASE("ParseManifest: reads URIs with optional size and etag and skips comments") {
  auto m = ParseManifest("# header\ns3://b/one 10 \"e1\"\n\n  s3://b/two\ns3://c/x/three - e3\n", "m.txt");
  REQUIRE(m.ok());
  REQUIRE(m->size() == 3);
  CHECK((*m)[0].key == "one");
  CHECK((*m)[0].size == std::optional<std::uint64_t>(10));
  CHECK((*m)[0].etag == "\"e1\"");
  CHECK_FALSE((*m)[1].size.has_value());
  CHECK((*m)[2].bucket == "c");
  CHECK_FALSE((*m)[2].size.has_value());
  CHECK((*m)[2].etag == "e3");
}

TEST_CASE("ParseManifest: a bad line is an error naming the manifest and line") {
  auto m = ParseManifest("s3://b/ok\ns3://b/k notanumber\n", "list.txt");
  REQUIRE_FALSE(m.ok());
  CHECK_THAT(m.status().message(), Catch::Contains("list.txt line 2"));
  auto m2 = ParseManifest("s3://b/k 1 e extra\n", "list.txt");
  REQUIRE_FALSE(m2.ok());
  auto m3 = ParseManifest("/local/path\n", "list.txt");
  REQUIRE_FALSE(m3.ok());
}

TEST_CASE("Source: prefix, keys, pattern and manifest resolve to the same shards") {
  test::MockFixture fx;
  for (int i = 0; i < 12; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "train/s-%02d.bin", i);
    fx.Put(name, std::string(static_cast<std::size_t>(i) + 1, 'x'));
  }
  fx.Put("other/unrelated", "zz");
  auto pre = Source::Prefix("s3://data/train/").Resolve(*fx.client);
  REQUIRE(pre.ok());
  REQUIRE(pre->size() == 12);
  CHECK((*pre)[3].key == "train/s-03.bin");
  CHECK((*pre)[3].size == std::optional<std::uint64_t>(4));
  CHECK_FALSE((*pre)[3].etag.empty());

  auto pat = Source::Pattern("s3://data/train/s-{00..11}.bin").Resolve(*fx.client);
  REQUIRE(pat.ok());
  REQUIRE(pat->size() == 12);
  for (std::size_t i = 0; i < 12; ++i) CHECK((*pat)[i].key == (*pre)[i].key);

  std::string manifest;
  for (const auto& s : *pre) manifest += s.Uri() + " " + std::to_string(*s.size) + " " + s.etag + "\n";
  fx.Put("manifest.txt", manifest);
  auto man = Source::Manifest("s3://data/manifest.txt").Resolve(*fx.client);
  REQUIRE(man.ok());
  REQUIRE(man->size() == 12);
  CHECK((*man)[11].size == (*pre)[11].size);

  const std::string local = std::string(S3ML_BINARY_DIR) + "/dataset-test-manifest.txt";
  { std::ofstream(local) << manifest; }
  auto loc = Source::Manifest(local).Resolve(*fx.client);
  REQUIRE(loc.ok());
  CHECK(loc->size() == 12);
  std::remove(local.c_str());

  auto keys = Source::Keys("data", {"train/s-00.bin", "train/s-05.bin"}).Resolve(*fx.client);
  REQUIRE(keys.ok());
  CHECK(keys->size() == 2);
}

TEST_CASE("Source: an empty prefix or missing manifest is an error naming it") {
  test::MockFixture fx;
  auto empty = Source::Prefix("s3://data/nothing-here/").Resolve(*fx.client);
  REQUIRE_FALSE(empty.ok());
  CHECK_THAT(empty.status().message(), Catch::Contains("s3://data/nothing-here/"));
  auto missing = Source::Manifest("s3://data/no-manifest.txt").Resolve(*fx.client);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == "NoSuchKey");
}

TEST_CASE("ExpandBraces: a 1 KB pattern that would need gigabytes of names fails at once, before allocating") {
  // 1000 names of ~1000 bytes each, times 10,000: ~10 GB of names from 1,012 bytes.
  const std::string pattern = std::string(980, 'k') + "{0..999}{0000..9999}";
  REQUIRE(pattern.size() < 1012);
  auto t0 = std::chrono::steady_clock::now();
  auto r = ExpandBraces(pattern);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().category() == ErrorCategory::kInvalidArgument);
  CHECK_THAT(r.status().message(), Catch::Contains("more than 64 MiB of names"));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(1));
  // Also when the size comes from a long list alternative rather than the literal.
  auto list = ExpandBraces("{" + std::string(900, 'a') + ",b}{0..99999}");
  REQUIRE_FALSE(list.ok());
  CHECK_THAT(list.status().message(), Catch::Contains("64 MiB"));
}

TEST_CASE("ExpandBraces: an expansion just under 64 MiB of names is produced in full") {
  // 1,000,000 names of 60 bytes = 60,000,000 bytes (< 64 MiB = 67,108,864).
  const std::string prefix(54, 'p');
  auto r = ExpandBraces(prefix + "{000000..999999}");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1'000'000);
  CHECK(r->back() == prefix + "999999");
  // 1,200,000 such names (72,000,000 bytes) are over.
  CHECK_FALSE(ExpandBraces(prefix + "{0000000..1199999}").ok());
}
