#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>

#include "s3ml/dataset/sample.h"
#include "unit/dataset/dataset_test_util.h"

using namespace s3ml;
using namespace s3ml::dataset;
using test::MakeTar;
using test::TarFormat;
using test::TarMember;

namespace {
ShardData Shard(std::string bytes, std::string key = "shards/s0.tar") {
  ShardData d;
  d.info.bucket = "b";
  d.info.key = std::move(key);
  d.info.etag = "\"etag\"";
  d.info.version_id = "v1";
  d.bytes = std::make_shared<const Buffer>(bytes);
  return d;
}
bool Inside(std::string_view v, const Buffer& b) { return v.data() >= b.data() && v.data() + v.size() <= b.data() + b.size(); }
}  // namespace

TEST_CASE("TarDecoder: groups members by basename into samples with a field per extension") {
  for (TarFormat format : {TarFormat::kPax, TarFormat::kGnu, TarFormat::kUstar}) {
    INFO(static_cast<int>(format));
    std::string tar = MakeTar({{"a/000.jpg", "img0"}, {"a/000.cls", "7"}, {"a/000.seg.png", "mask0"},
                               {"a/001.jpg", "img1"}, {"a/001.cls", "3"}},
                              format);
    ShardData d = Shard(tar);
    std::vector<Sample> out;
    REQUIRE(TarDecoder()->Decode(d, out).ok());
    REQUIRE(out.size() == 2);
    CHECK(out[0].key == "a/000");
    CHECK(out[0].index == 0);
    CHECK(out[1].index == 1);
    CHECK(out[0].shard == "s3://b/shards/s0.tar");
    CHECK(out[0].etag == "\"etag\"");
    CHECK(out[0].version_id == "v1");
    CHECK(out[0].field("jpg") == std::optional<std::string_view>("img0"));
    CHECK(out[0].field("seg.png") == std::optional<std::string_view>("mask0"));
    CHECK(out[1].field("cls") == std::optional<std::string_view>("3"));
    CHECK_FALSE(out[1].field("seg.png").has_value());
    // Uncompressed shards are decoded without copying.
    CHECK(Inside(*out[0].field("jpg"), *d.bytes));
  }
}

TEST_CASE("TarDecoder: odd members — directories, long names, pax headers, hidden and extensionless files") {
  const std::string long_dir(120, 'd');
  const std::string long_key = long_dir + "/" + std::string(90, 'k');
  for (TarFormat format : {TarFormat::kPax, TarFormat::kGnu}) {
    INFO(static_cast<int>(format));
    std::string tar = MakeTar({{"./top/", "", true},
                               {"./top/x.txt", "hello"},
                               {"./top/.hidden.txt", "skip me"},
                               {"./top/README", "no extension: skipped"},
                               {long_dir + "/", "", true},
                               {long_key + ".json", "{\"a\":1}"},
                               {long_key + ".bin", std::string(3000, '\x01')},
                               {"top/empty.dat", ""},
                               {"top/x.txt.gz", "not the same sample: x again later"}},
                              format);
    std::vector<Sample> out;
    Status st = TarDecoder()->Decode(Shard(tar), out);
    REQUIRE(st.ok());
    REQUIRE(out.size() == 4);
    CHECK(out[0].key == "top/x");  // "./" removed
    CHECK(out[0].fields.size() == 1);
    CHECK(out[1].key == long_key);  // > 100 characters, via pax or GNU long-name headers
    CHECK(out[1].field("json") == std::optional<std::string_view>("{\"a\":1}"));
    CHECK(out[1].field("bin")->size() == 3000);
    CHECK(out[2].key == "top/empty");
    CHECK(out[2].field("dat") == std::optional<std::string_view>(""));
    // Same key, not consecutive: a new sample (WebDataset semantics).
    CHECK(out[3].key == "top/x");
    CHECK(out[3].field("txt.gz").has_value());
  }
}

TEST_CASE("TarDecoder: gzip-compressed shards decode to copies that outlive the decoder input") {
  std::string tar = MakeTar({{"k.a", "alpha"}, {"k.b", std::string(70000, 'z')}}, TarFormat::kPax, /*gzip=*/true);
  std::vector<Sample> out;
  {
    ShardData d = Shard(tar);
    REQUIRE(TarDecoder()->Decode(d, out).ok());
  }
  REQUIRE(out.size() == 1);
  CHECK(out[0].field("a") == std::optional<std::string_view>("alpha"));
  CHECK(*out[0].field("b") == std::string(70000, 'z'));
}

TEST_CASE("TarDecoder: a repeated field or a corrupt archive is an error naming the shard") {
  std::vector<Sample> out;
  Status dup = TarDecoder()->Decode(Shard(MakeTar({{"s.jpg", "1"}, {"s.jpg", "2"}})), out);
  REQUIRE_FALSE(dup.ok());
  CHECK_THAT(dup.message(), Catch::Contains("s3://b/shards/s0.tar"));
  CHECK_THAT(dup.message(), Catch::Contains("jpg"));
  CHECK(out.empty());
  std::string tar = MakeTar({{"s.jpg", std::string(5000, 'q')}, {"t.jpg", "2"}});
  std::string corrupt = tar.substr(0, 700);  // cut inside the first member's data
  Status bad = TarDecoder()->Decode(Shard(corrupt), out);
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.message(), Catch::Contains("s3://b/shards/s0.tar"));
  CHECK(out.empty());
}

TEST_CASE("TarDecoder: truncated, garbled or duplicate-field shards are data corruption, not a bad argument") {
  const std::string tar = MakeTar({{"s.jpg", std::string(5000, 'q')}, {"t.jpg", "2"}});
  std::string garbled_header = tar;
  for (std::size_t i = 0; i < 100; ++i) garbled_header[i] = '\xff';  // the first member's name and checksum
  struct Case {
    const char* what;
    std::string bytes;
  } cases[] = {
      {"cut inside a member", tar.substr(0, 700)},
      {"cut inside a header", tar.substr(0, 5120 + 100)},
      {"garbled header", garbled_header},
      {"not a tar at all", std::string(2048, 'x')},
      {"repeated field", MakeTar({{"s.jpg", "1"}, {"s.jpg", "2"}})},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    std::vector<Sample> out;
    Status st = TarDecoder()->Decode(Shard(c.bytes), out);
    REQUIRE_FALSE(st.ok());
    CHECK(st.category() == ErrorCategory::kIntegrity);
    CHECK(st.code() == "CorruptShard");
    CHECK_THAT(st.message(), Catch::StartsWith("tar shard s3://b/shards/s0.tar: "));
    CHECK(out.empty());
  }
}

TEST_CASE("JsonLinesDecoder: a cut-off or damaged record fails the shard as corruption naming the line") {
  struct Case {
    const char* what;
    std::string bytes;
    const char* line;
  } cases[] = {
      {"truncated last record", "{\"a\":1}\n{\"a\":2}\n{\"a\":", "line 3 "},
      {"damaged bytes mid-shard", "{\"a\":1}\n\n{\"a\"\x01:2}\n{\"a\":3}\n", "line 3 "},
      {"invalid UTF-8", "{\"a\":\"\xff\xfe\"}\n", "line 1 "},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    std::vector<Sample> out(1);  // samples already there stay; none of this shard is added
    Status st = JsonLinesDecoder()->Decode(Shard(c.bytes, "x.jsonl"), out);
    REQUIRE_FALSE(st.ok());
    CHECK(st.category() == ErrorCategory::kIntegrity);
    CHECK(st.code() == "CorruptShard");
    CHECK_THAT(st.message(), Catch::StartsWith(std::string("jsonl shard s3://b/x.jsonl: ") + c.line));
    CHECK(out.size() == 1);
  }
}

TEST_CASE("JsonLinesDecoder: one sample per non-empty line, zero-copy") {
  ShardData d = Shard("{\"a\":1}\n\n{\"a\":2}\r\n   \n{\"a\":3}", "x.jsonl");
  std::vector<Sample> out;
  REQUIRE(JsonLinesDecoder()->Decode(d, out).ok());
  REQUIRE(out.size() == 3);
  CHECK(out[1].field("json") == std::optional<std::string_view>("{\"a\":2}"));
  CHECK(out[2].index == 2);
  CHECK(out[2].key == "x.jsonl#5");
  CHECK(Inside(out[0].data(), *d.bytes));
}

TEST_CASE("RawDecoder: the whole object is one sample keyed by the object key") {
  ShardData d = Shard("bytes", "img/1.png");
  std::vector<Sample> out;
  REQUIRE(RawDecoder()->Decode(d, out).ok());
  REQUIRE(out.size() == 1);
  CHECK(out[0].key == "img/1.png");
  CHECK(out[0].data() == "bytes");
  CHECK(out[0].data().data() == d.bytes->data());
}

namespace {
// An old-GNU sparse member ('S'): `stored` data bytes that belong at `data_offset`
// of a file whose declared (real) size is `real_size`. Hand-made, since tar
// writers only produce sparse members from sparse files.
std::string GnuSparseTar(const std::string& name, std::uint64_t real_size, std::uint64_t data_offset,
                         const std::string& stored) {
  std::string h(512, '\0');
  auto octal = [&](std::size_t at, std::size_t width, std::uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%0*llo", static_cast<int>(width - 1), static_cast<unsigned long long>(v));
    h.replace(at, width - 1, buf, width - 1);
  };
  h.replace(0, name.size(), name);
  octal(100, 8, 0644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, stored.size());
  octal(136, 12, 0);
  h[156] = 'S';
  h.replace(257, 8, std::string("ustar  \0", 8));  // old GNU magic
  octal(386, 12, data_offset);                     // sparse map entry 0: offset, length
  octal(398, 12, stored.size());
  h[482] = '\0';                                   // no extension headers
  octal(483, 12, real_size);
  std::fill(h.begin() + 148, h.begin() + 156, ' ');
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  char chk[8];
  std::snprintf(chk, sizeof chk, "%06o", sum);
  h.replace(148, 7, chk, 7);  // six digits, NUL, and the space already there
  std::string data = stored;
  data.resize((stored.size() + 511) / 512 * 512, '\0');
  return h + data + std::string(1024, '\0');
}
}  // namespace

TEST_CASE("TarDecoder: a sparse member claiming 4 GiB in a 2 KiB shard is CorruptShard, not a 4 GiB allocation") {
  const std::uint64_t four_gib = 4ull << 30;
  std::string tar = GnuSparseTar("big.bin", four_gib, four_gib - 512, std::string(512, 'x'));
  REQUIRE(tar.size() == 2048);
  std::vector<Sample> out;
  Status st = TarDecoder()->Decode(Shard(tar), out);
  REQUIRE_FALSE(st.ok());
  CHECK(st.category() == ErrorCategory::kIntegrity);
  CHECK(st.code() == "CorruptShard");
  CHECK_THAT(st.message(), Catch::Contains("s3://b/shards/s0.tar"));
  CHECK_THAT(st.message(), Catch::Contains("big.bin"));
  CHECK_THAT(st.message(), Catch::Contains("2048 bytes"));
  CHECK(out.empty());
}

TEST_CASE("TarDecoder: a sparse member within the shard's size decodes with its hole as zeros") {
  std::string tar = GnuSparseTar("s.bin", 1024, 512, std::string(512, 'y'));
  std::vector<Sample> out;
  Status st = TarDecoder()->Decode(Shard(tar), out);
  REQUIRE(st.ok());
  REQUIRE(out.size() == 1);
  REQUIRE(out[0].fields.size() == 1);
  CHECK(out[0].fields[0].second == std::string(512, '\0') + std::string(512, 'y'));
}
