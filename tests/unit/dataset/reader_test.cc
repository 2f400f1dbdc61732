#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "unit/dataset/dataset_test_util.h"

using namespace s3ml;
using namespace s3ml::dataset;
using test::Ids;
using test::MakeReader;
using test::ReadEpoch;

namespace {

// Tar shards "tar/shard-00.tar" ... with 5..12 samples each (ids "sNN-KK"),
// fields "txt" and (for most samples) "bin". Returns sample key -> txt bytes.
std::map<std::string, std::string> PutTarShards(const test::MockFixture& fx, int shards, std::size_t bin_size = 200,
                                                std::map<std::string, std::string>* bins = nullptr) {
  std::map<std::string, std::string> txt;
  for (int s = 0; s < shards; ++s) {
    std::vector<test::TarMember> members;
    int samples = 5 + (s * 7) % 8;
    for (int k = 0; k < samples; ++k) {
      char key[32];
      std::snprintf(key, sizeof key, "s%02d-%02d", s, k);
      std::string t = std::string(key) + ":" + test::RandomBytes(20, static_cast<std::uint32_t>(s * 100 + k));
      members.push_back({std::string(key) + ".txt", t});
      if (k % 3 != 1) {
        std::string bin = test::RandomBytes(bin_size, static_cast<std::uint32_t>(s * 100 + k));
        members.push_back({std::string(key) + ".bin", bin});
        if (bins) (*bins)[key] = bin;
      }
      txt[key] = t;
    }
    char name[48];
    std::snprintf(name, sizeof name, "tar/shard-%02d.tar", s);
    fx.Put(name, test::MakeTar(members));
  }
  return txt;
}

// `count` raw objects "<prefix>obj-00000", "<prefix>obj-00001", ... (listing
// order is numeric order; more than one LIST page beyond 1000) of `size` +
// i % `size_spread` random bytes. Returns key -> bytes.
std::map<std::string, std::string> PutObjects(const test::MockFixture& fx, const std::string& prefix, int count,
                                              std::size_t size, std::size_t size_spread = 1) {
  std::map<std::string, std::string> uploaded;
  for (int i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "obj-%05d", i);
    const std::string key = prefix + name;
    uploaded[key] = test::RandomBytes(size + static_cast<std::size_t>(i) % size_spread, static_cast<std::uint32_t>(i));
    fx.Put(key, uploaded[key]);
  }
  return uploaded;
}

// Reads the epoch as a fast consumer, requiring every sample's bytes to be the
// uploaded ones; `after_each` (if any) runs after each sample. Returns the keys
// in delivery order.
std::vector<std::string> ReadChecked(DatasetReader& r, const std::map<std::string, std::string>& uploaded,
                                     const std::function<void()>& after_each = nullptr) {
  std::vector<std::string> keys;
  while (true) {
    auto s = r.Next();
    REQUIRE(s.ok());
    if (!*s) break;
    REQUIRE((*s)->data() == uploaded.at((*s)->key));
    keys.push_back((*s)->key);
    if (after_each) after_each();
  }
  return keys;
}

ReaderOptions TarOptions() {
  ReaderOptions o;
  o.decoder = TarDecoder();
  o.shuffle_shards = true;
  o.shuffle_buffer = 16;
  o.seed = 1234;
  o.fetch_threads = 4;
  o.max_in_flight = 4;
  return o;
}

}  // namespace

TEST_CASE("DatasetReader: creating a reader starts no threads and does no I/O") {
  test::MockFixture fx;
  const int before = test::ThreadCount();
  const auto requests = fx.server->stats().requests;
  auto r = MakeReader(*fx.client, Source::Prefix("s3://data/none/"), {});
  CHECK(test::ThreadCount() == before);
  CHECK(fx.server->stats().requests == requests);
}

TEST_CASE("DatasetReader: invalid options are rejected naming the field") {
  test::MockFixture fx;
  ReaderOptions o;
  o.rank = 2;
  o.world_size = 2;
  auto r = DatasetReader::Create(*fx.client, Source::Keys("data", {"k"}), o);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::Contains("rank"));
  o = {};
  o.memory_budget = 0;
  CHECK_FALSE(DatasetReader::Create(*fx.client, Source::Keys("data", {"k"}), o).ok());
}

TEST_CASE("DatasetReader: same configuration gives the identical sequence twice and another epoch a different order") {
  test::MockFixture fx;
  auto txt = PutTarShards(fx, 10);
  auto read = [&](std::uint64_t epoch, int rank) {
    ReaderOptions o = TarOptions();
    o.rank = rank;
    o.world_size = 2;
    auto r = MakeReader(*fx.client, Source::Pattern("s3://data/tar/shard-{00..09}.tar"), o);
    r->SetEpoch(epoch);
    return ReadEpoch(*r);
  };
  auto a = read(0, 0), b = read(0, 0), c = read(1, 0), other_rank = read(0, 1);
  REQUIRE(!a.empty());
  CHECK(Ids(a) == Ids(b));
  CHECK(Ids(a) != Ids(c));
  for (const auto& s : a) {
    REQUIRE(s.field("txt").has_value());
    CHECK(*s.field("txt") == txt.at(s.key));
  }
  // The two ranks together hold every sample exactly once.
  std::multiset<std::string> keys;
  for (const auto& s : a) keys.insert(s.key);
  for (const auto& s : other_rank) keys.insert(s.key);
  CHECK(keys.size() == txt.size());
  CHECK(std::set<std::string>(keys.begin(), keys.end()).size() == txt.size());
}

TEST_CASE("DatasetReader: resume at many random points continues with exactly the remainder") {
  test::MockFixture fx;
  PutTarShards(fx, 9);
  std::mt19937 rng(7);
  for (std::size_t buffer : {0u, 1u, 6u, 40u}) {
    ReaderOptions o = TarOptions();
    o.shuffle_buffer = buffer;
    o.world_size = 2;
    o.rank = 1;
    o.uneven = UnevenShards::kPad;
    auto src = Source::Prefix("s3://data/tar/");
    auto full_reader = MakeReader(*fx.client, src, o);
    full_reader->SetEpoch(3);
    auto full = Ids(ReadEpoch(*full_reader));
    const std::string end_state = full_reader->State();
    REQUIRE(full.size() > 10);
    std::vector<std::size_t> points{0, 1, full.size() - 1, full.size()};
    for (int i = 0; i < 8; ++i) points.push_back(rng() % full.size());
    for (std::size_t k : points) {
      INFO("buffer " << buffer << " resume after " << k << " of " << full.size());
      auto first = MakeReader(*fx.client, src, o);
      first->SetEpoch(3);
      std::vector<std::string> got;
      for (std::size_t j = 0; j < k; ++j) {
        auto s = first->Next();
        REQUIRE(s.ok());
        REQUIRE(s->has_value());
        got.push_back((*s)->shard + "#" + std::to_string((*s)->index));
      }
      const std::string state = first->State();
      first.reset();
      auto second = MakeReader(*fx.client, src, o);
      REQUIRE(second->Resume(state).ok());
      CHECK(second->epoch() == 3);
      CHECK(second->State() == state);
      auto rest = Ids(ReadEpoch(*second));
      got.insert(got.end(), rest.begin(), rest.end());
      REQUIRE(got == full);
      // Shards whose samples were all delivered are not fetched again.
      if (k == full.size()) CHECK(second->metrics().shards_fetched == 0);
      if (buffer <= 1 && 2 * k >= full.size())
        CHECK(second->metrics().shards_fetched < full_reader->metrics().shards_fetched);
      CHECK(second->State() == end_state);
    }
  }
}

TEST_CASE("DatasetReader: a resume state from another configuration or a malformed one is refused") {
  test::MockFixture fx;
  PutTarShards(fx, 3);
  ReaderOptions o = TarOptions();
  auto a = MakeReader(*fx.client, Source::Prefix("s3://data/tar/"), o);
  REQUIRE(a->Next().ok());
  const std::string state = a->State();
  o.seed = 999;
  auto b = MakeReader(*fx.client, Source::Prefix("s3://data/tar/"), o);
  Status st = b->Resume(state);
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("fingerprint"));
  CHECK_FALSE(b->Resume("{not json").ok());
  CHECK_FALSE(b->Resume("{\"v\":1}").ok());
}

TEST_CASE("DatasetReader: a resume state naming huge or out-of-range shard segments is refused at once") {
  test::MockFixture fx;
  std::vector<ShardInfo> shards;
  for (int i = 0; i < 4; ++i) shards.push_back({"data", "s" + std::to_string(i), 1, "", ""});
  auto reader = MakeReader(*fx.client, Source::Shards(shards), ReaderOptions{});
  const std::string fresh = reader->State();
  const auto at = fresh.find("\"config\":\"") + 10;
  const std::string config = fresh.substr(at, fresh.find('"', at) - at);
  auto state = [&](const std::string& fed, int shard_count) {
    return "{\"v\":1,\"epoch\":0,\"delivered\":0,\"fed\":" + fed + ",\"config\":\"" + config +
           "\",\"shards\":" + std::to_string(shard_count) + "}";
  };
  // 2^30 positions in 40 bytes: must not expand into a billion entries (it used to,
  // taking minutes and tens of GB).
  for (int shard_count : {4, 0}) {
    Status st = reader->Resume(state("[[0,1073741824,0]]", shard_count));
    REQUIRE_FALSE(st.ok());
    CHECK(st.category() == ErrorCategory::kInvalidArgument);
    CHECK_THAT(st.message(), Catch::Contains("outside the 4 shards"));
  }
  CHECK_FALSE(reader->Resume(state("[[4,1,0]]", 4)).ok());
  CHECK_FALSE(reader->Resume(state("[[18446744073709551615,2,0]]", 4)).ok());
  CHECK_FALSE(reader->Resume(state("[[0,2,1],[1,1,1]]", 4)).ok());
  // Numbers that are not non-negative integers (a float cast to an integer was
  // undefined behaviour, and 1e30 used to resume as some epoch).
  auto with = [&](const std::string& field, const std::string& value) {
    std::string s = state("[]", 0);
    const auto at = s.find("\"" + field + "\":") + field.size() + 3;
    return s.replace(at, s.find_first_of(",}", at) - at, value);
  };
  for (const char* field : {"v", "epoch", "delivered", "shards"})
    for (const char* value : {"1e30", "-1", "1.5", "\"1\""}) {
      INFO(field << " = " << value);
      Status st = reader->Resume(with(field, value));
      CHECK_FALSE(st.ok());
      CHECK(st.category() == ErrorCategory::kInvalidArgument);
    }
  CHECK_FALSE(reader->Resume(state("[[0,1,1e30]]", 4)).ok());
  CHECK_FALSE(reader->Resume(state("[[0.5,1,1]]", 4)).ok());
  CHECK_FALSE(reader->Resume(state("[[0,1,18446744073709551615]]", 4)).ok());
  // Segments inside the dataset still resume.
  REQUIRE(reader->Resume(state("[[0,2,1],[2,1,-1]]", 4)).ok());
  REQUIRE(reader->Resume(state("[]", 0)).ok());
}

TEST_CASE("DatasetReader: resident prefetched bytes never exceed the memory budget, multi-part shards reassemble") {
  test::MockFixture fx;
  std::map<std::string, std::string> uploaded;
  for (int i = 0; i < 10; ++i) {
    std::string key = "big/" + std::to_string(i);
    uploaded[key] = test::RandomBytes(300 * 1024 + static_cast<std::size_t>(i) * 1000, static_cast<std::uint32_t>(i));
    fx.Put(key, uploaded[key]);
  }
  for (std::uint64_t part : {64u * 1024u, 4u * 1024u * 1024u}) {
    INFO("part size " << part);
    ReaderOptions o;
    o.memory_budget = 800 * 1024;
    o.part_size = part;
    o.fetch_threads = 4;
    o.max_in_flight = 3;
    o.prefetch_ahead = o.memory_budget;  // read ahead as deep as the budget allows
    auto r = MakeReader(*fx.client, Source::Prefix("s3://data/big/"), o);
    std::size_t n = 0;
    while (true) {
      auto s = r->Next();
      REQUIRE(s.ok());
      if (!*s) break;
      REQUIRE((*s)->data() == uploaded.at((*s)->key));
      ++n;
      // A slow consumer: let the prefetcher run ahead as far as the budget allows.
      for (int spin = 0; spin < 50 && r->metrics().budget_in_use + 400 * 1024 <= o.memory_budget; ++spin)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      CHECK(r->metrics().requests_in_flight <= o.max_in_flight);
    }
    CHECK(n == uploaded.size());
    auto m = r->metrics();
    CHECK(m.budget_high_water <= o.memory_budget);
    // The prefetcher ran ahead as far as the budget allowed (two whole shards;
    // ranged parts land directly in the shard buffer, so they cost nothing extra).
    CHECK(m.budget_high_water >= 500 * 1024);
    CHECK(m.budget_in_use == 0);
    CHECK(m.bytes_fetched >= 3000 * 1024);
    CHECK(m.bytes_per_second > 0);
    CHECK(m.samples_per_second > 0);
    CHECK(m.samples_delivered == uploaded.size());
    if (part < 300 * 1024) CHECK(m.requests >= 10 * 5);  // ranged parts
  }
}

/// A slow consumer's pause: waits (up to ~2 s) until the prefetcher has run as far
/// ahead as it will: nothing in flight and the reservation unchanged.
template <typename Reader>
void WaitUntilPrefetchSettles(Reader& r) {
  std::uint64_t last = ~std::uint64_t{0};
  for (int spin = 0; spin < 1000; ++spin) {
    const auto m = r.metrics();
    if (m.requests_in_flight == 0 && m.budget_in_use == last) break;
    last = m.budget_in_use;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

TEST_CASE("DatasetReader: by default read-ahead stops at what keeps the requests in flight busy, not at the budget") {
  test::MockFixture fx;
  const auto uploaded = PutObjects(fx, "w/", 40, 50 * 1024);
  ReaderOptions o;
  o.memory_budget = 800 * 1024;
  o.part_size = 64 * 1024;
  o.fetch_threads = 4;
  o.max_in_flight = 3;  // default window: 3 x 64 KiB = 192 KiB, i.e. three 50 KiB shards
  for (std::uint64_t ahead : {std::uint64_t{0}, o.memory_budget}) {
    INFO("prefetch_ahead " << ahead);
    o.prefetch_ahead = ahead;
    auto r = MakeReader(*fx.client, Source::Prefix("s3://data/w/"), o);
    std::size_t n = 0;
    // The most reserved ahead once the prefetcher settled, over all samples, and
    // over samples 20..36 (by then what the start reserved has been consumed:
    // the consumer's first Next() waits, so the window may give way at first).
    std::uint64_t ahead_seen = 0, ahead_seen_later = 0;
    const auto keys = ReadChecked(*r, uploaded, [&] {
      ++n;
      // A slow consumer: wait until the prefetcher has run as far ahead as it
      // will (nothing in flight, reservation unchanged), so that the next
      // Next() never waits. (A consumer that waits while a fetch thread idles
      // lets the window give way, up to the budget: see the next test.)
      WaitUntilPrefetchSettles(*r);
      ahead_seen = std::max(ahead_seen, r->metrics().budget_in_use);
      if (n >= 20 && n <= 36) ahead_seen_later = std::max(ahead_seen_later, r->metrics().budget_in_use);
    });
    CHECK(keys.size() == uploaded.size());
    const auto m = r->metrics();
    CHECK(m.budget_in_use == 0);
    CHECK(m.budget_high_water <= o.memory_budget);
    if (ahead == 0) {
      CHECK(ahead_seen_later == 3 * 50 * 1024);  // the window: three shards ahead, never a fourth
    } else {
      CHECK(ahead_seen >= 10 * 50 * 1024);  // well past the default window
    }
  }
}

TEST_CASE("DatasetReader: by default read-ahead is bounded in bytes, not by the 64 requests allowed in flight") {
  test::MockFixture fx;
  const auto uploaded = PutObjects(fx, "b/", 60, 50 * 1024);
  ReaderOptions o;
  o.memory_budget = 8 << 20;
  o.part_size = 64 * 1024;
  o.fetch_threads = 64;
  o.max_in_flight = 64;  // 64 x 64 KiB would be 4 MiB ahead: 60 shards
  auto r = MakeReader(*fx.client, Source::Prefix("s3://data/b/"), o);
  std::size_t n = 0;
  std::uint64_t ahead_seen = 0;
  const auto keys = ReadChecked(*r, uploaded, [&] {
    ++n;
    // A slow consumer (as in the test above): let the prefetcher run as far
    // ahead as it will before taking the next sample.
    WaitUntilPrefetchSettles(*r);
    if (n >= 10 && n <= 30) ahead_seen = std::max(ahead_seen, r->metrics().budget_in_use);
  });
  CHECK(keys.size() == uploaded.size());
  // 16 requests' worth (1 MiB: twenty 50 KiB shards): these shards are too
  // small to measure a time to first byte, so the window does not grow.
  INFO("ahead " << ahead_seen);
  CHECK(ahead_seen <= 20 * 50 * 1024);
  CHECK(ahead_seen >= 16 * 50 * 1024);
}

TEST_CASE("DatasetReader: a slow head-of-line shard does not idle the other fetch threads at the window") {
  test::MockFixture fx;
  const auto uploaded = PutObjects(fx, "h/", 20, 50 * 1024);
  mock::FaultRule slow;  // the first shard answers 1 s late, once
  slow.kind = mock::FaultRule::Kind::kLatency;
  slow.operation = "GetObject";
  slow.key_prefix = "h/obj-00000";
  slow.latency = std::chrono::milliseconds(1000);
  slow.count = 1;
  fx.server->AddFault(slow);
  ReaderOptions o;
  o.memory_budget = 800 * 1024;
  o.part_size = 64 * 1024;
  o.fetch_threads = 3;
  o.max_in_flight = 3;  // window: three 50 KiB shards
  auto r = MakeReader(*fx.client, Source::Prefix("s3://data/h/"), o);
  const auto keys = ReadChecked(*r, uploaded);
  CHECK(keys.size() == uploaded.size());
  CHECK(std::is_sorted(keys.begin(), keys.end()));
  const auto m = r->metrics();
  // While the consumer waited for the first shard (longer than the reader's
  // 200 ms grace), the two other threads kept fetching past the three-shard
  // window (and its one-shard give), toward the budget (16 shards).
  CHECK(m.budget_high_water >= 8 * 50 * 1024);
  CHECK(m.budget_high_water <= o.memory_budget);
}

TEST_CASE("DatasetReader: the next shard starts during the tail parts of a shard larger than the window") {
  test::MockFixture fx;
  const auto uploaded = PutObjects(fx, "t/", 8, 600 * 1024);
  ReaderOptions o;
  o.memory_budget = 4 << 20;
  o.part_size = 64 * 1024;  // ten parts per shard
  o.fetch_threads = 2;
  o.max_in_flight = 2;      // window: 128 KiB, less than one shard
  auto r = MakeReader(*fx.client, Source::Prefix("s3://data/t/"), o);
  CHECK(ReadChecked(*r, uploaded).size() == uploaded.size());  // a fast consumer: it waits for every shard
  // Each shard alone exceeds the window; when its last part leaves a thread
  // idle while the consumer waits, the next shard is reserved (one, not the
  // whole budget).
  const auto m = r->metrics();
  CHECK(m.budget_high_water >= 2 * 600 * 1024);
  CHECK(m.budget_high_water <= o.memory_budget);
}

TEST_CASE("DatasetReader: ranged parts grow from 4 MiB up to part_size when the requests' latency is high") {
  test::MockFixture fx;
  const auto uploaded = PutObjects(fx, "p/", 4, 16 << 20);
  ReaderOptions o;
  o.part_size = 8 << 20;  // the largest part: 16 MiB shards are read in ranges
  o.fetch_threads = 4;
  o.max_in_flight = 4;
  mock::FaultRule slow;  // every GET waits 500 ms before its first byte
  slow.kind = mock::FaultRule::Kind::kLatency;
  slow.operation = "GetObject";
  slow.latency = std::chrono::milliseconds(500);
  fx.server->AddFault(slow);
  auto r = MakeReader(*fx.client, Source::Prefix("s3://data/p/"), o);
  CHECK(ReadChecked(*r, uploaded).size() == uploaded.size());
  const auto m = r->metrics();
  INFO("requests " << m.requests);
  // Without growth every shard is read in 4 MiB parts: 16 GETs + the listing.
  // The first shard is read in 4 MiB parts (the window, 4 x 4 MiB, holds no
  // second shard), and so may the second and third, planned while their
  // predecessors' parts arrive. By the time the last shard is planned at
  // least 24 MiB have arrived within two request durations R of 500 ms plus
  // the body time B: 4 x 24 MiB / 2R x 500 ms / 4 in flight > 4 MiB while
  // B < 1 s per 4 MiB part — true on loopback even on a loaded machine or in a
  // sanitizer build, so the last shard is read in (at most) 2 parts. How fast
  // the parts grow is checked with synthetic clocks in part_sizer_test.cc.
  CHECK(m.requests <= 4 + 4 + 4 + 2 + 1);
  CHECK(m.requests >= 2 * 4 + 1);
}

TEST_CASE("DatasetReader: a shard larger than the whole budget is read alone instead of deadlocking") {
  test::MockFixture fx;
  const std::string big = test::RandomBytes(200 * 1024, 3);
  fx.Put("o/a", big);
  fx.Put("o/b", "small");
  fx.Put("o/c", big);
  ReaderOptions o;
  o.memory_budget = 64 * 1024;
  o.part_size = 32 * 1024;
  o.fetch_threads = 2;
  auto r = MakeReader(*fx.client, Source::Keys("data", {"o/a", "o/b", "o/c"}), o);
  auto samples = ReadEpoch(*r);
  REQUIRE(samples.size() == 3);
  CHECK(samples[0].data() == big);
  CHECK(samples[1].data() == "small");
  CHECK(samples[2].data() == big);
  // Never more than one oversized shard at a time (parts land in its buffer).
  CHECK(r->metrics().budget_high_water == 200 * 1024);
}

TEST_CASE("DatasetReader: under 10% injected 503s, resets and truncated bodies every sample arrives once, intact") {
  test::MockFixture fx;
  std::map<std::string, std::string> bins;
  auto txt = PutTarShards(fx, 12, 3000, &bins);
  mock::FaultRule err;
  err.kind = mock::FaultRule::Kind::kHttpError;
  err.operation = "*";
  err.probability = 0.04;
  mock::FaultRule reset;
  reset.kind = mock::FaultRule::Kind::kConnectionReset;
  reset.operation = "GetObject";
  reset.probability = 0.03;
  mock::FaultRule trunc;
  trunc.kind = mock::FaultRule::Kind::kTruncateBody;
  trunc.operation = "GetObject";
  trunc.truncate_after = 100;
  trunc.probability = 0.03;
  fx.server->AddFault(err);
  fx.server->AddFault(reset);
  fx.server->AddFault(trunc);
  for (std::uint64_t part : {2048u, 1u << 20}) {
    ReaderOptions o = TarOptions();
    o.part_size = part;
    auto r = MakeReader(*fx.client, Source::Prefix("s3://data/tar/"), o);
    for (std::uint64_t epoch : {0u, 1u}) {
      r->SetEpoch(epoch);
      auto samples = ReadEpoch(*r);
      std::map<std::string, int> seen;
      for (const auto& s : samples) {
        ++seen[s.key];
        REQUIRE(*s.field("txt") == txt.at(s.key));
        if (auto bin = s.field("bin")) {
          REQUIRE(*bin == bins.at(s.key));
        } else {
          REQUIRE(bins.count(s.key) == 0);
        }
      }
      REQUIRE(seen.size() == txt.size());
      for (auto& [k, c] : seen) REQUIRE(c == 1);
    }
  }
  CHECK(fx.server->stats().faults_injected > 0);
}

TEST_CASE("DatasetReader: a shard that still fails is an error naming it, or skipped and counted on request") {
  test::MockFixture fx;
  fx.Put("k/0", "zero");
  fx.Put("k/2", "two");
  auto src = Source::Keys("data", {"k/0", "k/1-missing", "k/2"});
  auto strict = MakeReader(*fx.client, src, {});
  auto first = strict->Next();
  REQUIRE(first.ok());
  auto second = strict->Next();
  REQUIRE_FALSE(second.ok());
  CHECK_THAT(second.status().message(), Catch::Contains("s3://data/k/1-missing"));
  CHECK(second.status().code() == "NoSuchKey");
  CHECK_FALSE(strict->Next().ok());  // sticky: never a silently short epoch

  ReaderOptions o;
  o.skip_failed_shards = true;
  auto lenient = MakeReader(*fx.client, src, o);
  auto samples = ReadEpoch(*lenient);
  REQUIRE(samples.size() == 2);
  CHECK(samples[1].data() == "two");
  CHECK_FALSE(samples[1].etag.empty());
  CHECK(lenient->metrics().shards_skipped == 1);
  CHECK(lenient->metrics().requests_failed >= 1);
  // The skip is part of the resume state: a resumed reader does not retry it.
  auto resumed = MakeReader(*fx.client, src, o);
  REQUIRE(resumed->Resume(lenient->State()).ok());
  auto none = resumed->Next();
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
}

TEST_CASE("DatasetReader: a corrupt tar shard is an error naming it, or skipped and counted") {
  test::MockFixture fx;
  fx.Put("t/0.tar", test::MakeTar({{"a.txt", "A"}}));
  fx.Put("t/1.tar", test::MakeTar({{"b.txt", std::string(4000, 'b')}}).substr(0, 900));
  fx.Put("t/2.tar", test::MakeTar({{"c.txt", "C"}}));
  ReaderOptions o;
  o.decoder = TarDecoder();
  auto strict = MakeReader(*fx.client, Source::Prefix("s3://data/t/"), o);
  REQUIRE(strict->Next().ok());
  auto bad = strict->Next();
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("s3://data/t/1.tar"));
  o.skip_failed_shards = true;
  auto lenient = MakeReader(*fx.client, Source::Prefix("s3://data/t/"), o);
  auto samples = ReadEpoch(*lenient);
  REQUIRE(samples.size() == 2);
  CHECK(samples[1].key == "c");
  CHECK(lenient->metrics().shards_skipped == 1);
}

TEST_CASE("DatasetReader: closing mid-epoch returns promptly and leaves no threads") {
  test::MockFixture fx;
  for (int i = 0; i < 40; ++i) fx.Put("slow/" + std::to_string(i), std::string(1000, 'a'));
  mock::FaultRule slow;
  slow.kind = mock::FaultRule::Kind::kLatency;
  slow.operation = "GetObject";
  slow.latency = std::chrono::milliseconds(30);
  fx.server->AddFault(slow);
  const int before = test::ThreadCount();
  ReaderOptions o;
  o.fetch_threads = 6;
  {
    auto r = MakeReader(*fx.client, Source::Prefix("s3://data/slow/"), o);
    auto s = r->Next();
    REQUIRE(s.ok());
    REQUIRE(s->has_value());
    CHECK(test::ThreadCount() > before);
    CHECK(r->metrics().stall_time >= std::chrono::milliseconds(20));  // waited for a 30 ms GET
    auto t0 = std::chrono::steady_clock::now();
    r->Close();
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
    CHECK(test::ThreadCountSettled(before) == before);
    auto after = r->Next();
    REQUIRE_FALSE(after.ok());
    CHECK(after.status().category() == ErrorCategory::kCancelled);
  }
  {
    // Destroyed without Close(), while another thread waits in Next().
    auto r = MakeReader(*fx.client, Source::Prefix("s3://data/slow/"), o);
    REQUIRE(r->Next().ok());
    std::thread consumer([&] {
      while (true) {
        auto s = r->Next();
        if (!s.ok() || !*s) break;
      }
    });
    r->Close();
    consumer.join();
  }
  CHECK(test::ThreadCountSettled(before) == before);
}

TEST_CASE("DatasetReader: as-completed delivery still reads every sample once") {
  test::MockFixture fx;
  auto txt = PutTarShards(fx, 8);
  ReaderOptions o = TarOptions();
  o.as_completed = true;
  auto r = MakeReader(*fx.client, Source::Prefix("s3://data/tar/"), o);
  auto samples = ReadEpoch(*r);
  std::set<std::string> keys;
  for (const auto& s : samples) keys.insert(s.key);
  CHECK(samples.size() == txt.size());
  CHECK(keys.size() == txt.size());

  // Resuming an as-completed reader replays the recorded shard order, then
  // continues: still every sample exactly once.
  auto first = MakeReader(*fx.client, Source::Prefix("s3://data/tar/"), o);
  std::multiset<std::string> got;
  for (int i = 0; i < 23; ++i) {
    auto s = first->Next();
    REQUIRE(s.ok());
    REQUIRE(s->has_value());
    got.insert((*s)->key);
  }
  auto second = MakeReader(*fx.client, Source::Prefix("s3://data/tar/"), o);
  REQUIRE(second->Resume(first->State()).ok());
  first.reset();
  for (const auto& s : ReadEpoch(*second)) got.insert(s.key);
  CHECK(got.size() == txt.size());
  CHECK(std::set<std::string>(got.begin(), got.end()).size() == txt.size());
}

TEST_CASE("DatasetReader: JSON Lines shards yield one sample per record") {
  test::MockFixture fx;
  fx.Put("j/a.jsonl", "{\"i\":0}\n{\"i\":1}\n");
  fx.Put("j/b.jsonl", "{\"i\":2}\n\n{\"i\":3}\n{\"i\":4}");
  ReaderOptions o;
  o.decoder = JsonLinesDecoder();
  auto r = MakeReader(*fx.client, Source::Prefix("s3://data/j/"), o);
  auto samples = ReadEpoch(*r);
  REQUIRE(samples.size() == 5);
  CHECK(samples[4].field("json") == std::optional<std::string_view>("{\"i\":4}"));
  CHECK(samples[4].index == 2);
}

TEST_CASE("DatasetReader: map-style Size() and Get(i) over a manifest of raw objects") {
  test::MockFixture fx;
  std::string manifest;
  for (int i = 0; i < 5; ++i) {
    fx.Put("m/" + std::to_string(i), "value-" + std::to_string(i));
    manifest += "s3://data/m/" + std::to_string(i) + "\n";
  }
  fx.Put("manifest.txt", manifest);
  auto r = MakeReader(*fx.client, Source::Manifest("s3://data/manifest.txt"), {});
  auto n = r->Size();
  REQUIRE(n.ok());
  CHECK(*n == 5);
  auto s = r->Get(3);
  REQUIRE(s.ok());
  CHECK(s->data() == "value-3");
  CHECK(s->key == "m/3");
  CHECK_FALSE(s->etag.empty());
  auto out = r->Get(5);
  REQUIRE_FALSE(out.ok());
  CHECK(out.status().category() == ErrorCategory::kInvalidArgument);
}

TEST_CASE("DatasetReader: the local cache serves the second epoch from disk and stays under its limit") {
  test::MockFixture fx;
  for (int i = 0; i < 6; ++i) fx.Put("c/" + std::to_string(i), test::RandomBytes(10000, static_cast<std::uint32_t>(i)));
  const std::string dir = std::string(S3ML_BINARY_DIR) + "/dataset-cache-test";
  std::filesystem::remove_all(dir);
  ReaderOptions o;
  o.cache_dir = dir;
  o.cache_limit = 1 << 20;
  auto r = MakeReader(*fx.client, Source::Prefix("s3://data/c/"), o);
  auto e0 = ReadEpoch(*r);
  const auto fetched = r->metrics().bytes_fetched;
  CHECK(fetched == 60000);
  r->SetEpoch(1);
  auto e1 = ReadEpoch(*r);
  CHECK(r->metrics().bytes_fetched == fetched);
  CHECK(r->metrics().bytes_from_cache == 60000);
  REQUIRE(e1.size() == e0.size());
  for (std::size_t i = 0; i < e0.size(); ++i) CHECK(e0[i].data() == e1[i].data());

  // A damaged entry (wrong size) is a miss: that shard is fetched again, intact.
  std::filesystem::resize_file(std::filesystem::directory_iterator(dir)->path(), 123);
  r->SetEpoch(2);
  auto e2 = ReadEpoch(*r);
  CHECK(r->metrics().bytes_fetched == fetched + 10000);
  REQUIRE(e2.size() == e0.size());
  for (std::size_t i = 0; i < e0.size(); ++i) CHECK(e0[i].data() == e2[i].data());

  // A small limit evicts least recently used entries; no temporaries are left.
  o.cache_limit = 25000;
  std::filesystem::remove_all(dir);
  auto small = MakeReader(*fx.client, Source::Prefix("s3://data/c/"), o);
  ReadEpoch(*small);
  std::uint64_t total = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    CHECK(e.path().filename().string().rfind(".tmp-", 0) != 0);
    total += e.file_size();
  }
  CHECK(total <= 25000);
  CHECK(total >= 20000);
  std::filesystem::remove_all(dir);
}

// ---- Streaming listing: a prefix run fetches while later LIST pages are still
// being requested (no shard shuffling, so the assignment does not need the count).

namespace {

ReaderOptions StreamOptions(int rank = 0, int world = 1, int worker = 0, int workers = 1) {
  ReaderOptions o;
  o.rank = rank;
  o.world_size = world;
  o.worker_id = worker;
  o.num_workers = workers;
  o.shuffle_buffer = 64;  // sample shuffling is fine: it is seeded, not timed
  o.seed = 77;
  o.fetch_threads = 4;
  o.max_in_flight = 4;
  return o;
}

}  // namespace

TEST_CASE("DatasetReader: a prefix run fetches while listing; its order equals a run over the full listing") {
  test::MockFixture fx;
  const auto bodies = PutObjects(fx, "many/", 2345, 8, 24);  // 3 LIST pages
  for (auto [world, workers] : {std::pair{1, 1}, std::pair{3, 2}}) {
    std::set<std::string> seen;
    std::size_t total = 0;
    for (int rank = 0; rank < world; ++rank) {
      for (int worker = 0; worker < workers; ++worker) {
        const auto o = StreamOptions(rank, world, worker, workers);
        auto streamed = MakeReader(*fx.client, Source::Prefix("s3://data/many/"), o);
        const auto lists_before = fx.server->stats().requests_by_operation["ListObjectsV2"];
        auto a = ReadEpoch(*streamed);
        CHECK(fx.server->stats().requests_by_operation["ListObjectsV2"] - lists_before == 3);
        // The same reader resolved up front (Size() lists everything first).
        auto listed = MakeReader(*fx.client, Source::Prefix("s3://data/many/"), o);
        REQUIRE(listed->Size().ok());
        auto b = ReadEpoch(*listed);
        REQUIRE(Ids(a) == Ids(b));
        for (const auto& s : a) {
          CHECK(std::string(s.data()) == bodies.at(s.key));
          CHECK(seen.insert(s.key).second);  // exactly once across the grid
        }
        total += a.size();
        // The second epoch runs over the listing the first one collected: no LIST.
        const auto lists_mid = fx.server->stats().requests_by_operation["ListObjectsV2"];
        streamed->SetEpoch(1);
        auto c = ReadEpoch(*streamed);
        CHECK(c.size() == a.size());
        CHECK(fx.server->stats().requests_by_operation["ListObjectsV2"] == lists_mid);
      }
    }
    CHECK(total == bodies.size());
    CHECK(seen.size() == bodies.size());
  }
}

TEST_CASE("DatasetReader: a LIST that fails mid-listing ends the run with an error after the shards listed before it") {
  test::MockFixture fx;
  PutObjects(fx, "many/", 2100, 8, 24);
  mock::FaultRule deny;
  deny.operation = "ListObjectsV2";
  deny.http_status = 403;
  deny.error_code = "AccessDenied";
  deny.nth = {2};  // the second page
  fx.server->AddFault(deny);
  auto o = StreamOptions();
  o.shuffle_buffer = 0;  // (a shuffle buffer would still hold some of them when the error comes)
  auto r = MakeReader(*fx.client, Source::Prefix("s3://data/many/"), o);
  std::size_t delivered = 0;
  Status error;
  while (true) {
    auto s = r->Next();
    if (!s.ok()) {
      error = s.status();
      break;
    }
    REQUIRE(s->has_value());  // never a silently short epoch
    ++delivered;
  }
  CHECK(delivered == 1000);  // the first page's objects were read while the second LIST failed
  CHECK(error.code() == "AccessDenied");
  CHECK_THAT(error.message(), Catch::Contains("listing dataset prefix s3://data/many/"));
  CHECK_FALSE(r->Next().ok());  // sticky until SetEpoch
  fx.server->ClearFaults();
  r->SetEpoch(0);
  CHECK(ReadEpoch(*r).size() == 2100);
}

TEST_CASE("DatasetReader: state taken during a streaming run resumes exactly after the last sample") {
  test::MockFixture fx;
  PutObjects(fx, "many/", 1500, 8, 24);
  const auto o = StreamOptions();
  auto whole = MakeReader(*fx.client, Source::Prefix("s3://data/many/"), o);
  const auto all = Ids(ReadEpoch(*whole));
  REQUIRE(all.size() == 1500);
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{777}, std::size_t{1499}}) {
    auto first = MakeReader(*fx.client, Source::Prefix("s3://data/many/"), o);
    std::vector<std::string> got;
    for (std::size_t i = 0; i < cut; ++i) {
      auto s = first->Next();
      REQUIRE(s.ok());
      REQUIRE(s->has_value());
      got.push_back((*s)->shard + "#" + std::to_string((*s)->index));
    }
    const std::string state = first->State();
    first->Close();
    auto second = MakeReader(*fx.client, Source::Prefix("s3://data/many/"), o);
    REQUIRE(second->Resume(state).ok());
    for (const auto& id : Ids(ReadEpoch(*second))) got.push_back(id);
    CHECK(got == all);
  }
}

TEST_CASE("DatasetReader: an empty prefix fails the first Next() naming the prefix") {
  test::MockFixture fx;
  auto r = MakeReader(*fx.client, Source::Prefix("s3://data/none/"), StreamOptions());
  auto s = r->Next();
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.status().message(), Catch::Contains("has no shards"));
  CHECK_THAT(s.status().message(), Catch::Contains("s3://data/none/"));
}

namespace {
// A decoder that throws, as a hostile size can make any decoder throw std::bad_alloc.
class ThrowingDecoder final : public SampleDecoder {
 public:
  Status Decode(const ShardData& shard, std::vector<Sample>& out) const override {
    if (shard.info.key.find("bad") != std::string::npos) throw std::bad_alloc();
    return RawDecoder()->Decode(shard, out);
  }
  std::string name() const override { return "throwing"; }
};
}  // namespace

TEST_CASE("DatasetReader: a decoder throwing std::bad_alloc on a fetch thread fails that shard (or skips it), "
          "never terminates") {
  test::MockFixture fx;
  fx.Put("x/0", "zero");
  fx.Put("x/1-bad", "one");
  fx.Put("x/2", "two");
  ReaderOptions o;
  o.decoder = std::make_shared<ThrowingDecoder>();
  auto strict = MakeReader(*fx.client, Source::Prefix("s3://data/x/"), o);
  REQUIRE(strict->Next().ok());
  auto bad = strict->Next();
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("s3://data/x/1-bad"));
  CHECK_THAT(bad.status().message(), Catch::Contains("out of memory"));

  o.skip_failed_shards = true;
  auto lenient = MakeReader(*fx.client, Source::Prefix("s3://data/x/"), o);
  auto samples = ReadEpoch(*lenient);
  REQUIRE(samples.size() == 2);
  CHECK(samples[1].data() == "two");
  CHECK(lenient->metrics().shards_skipped == 1);

  // Map-style access decodes on the caller's thread: the same error, not an exception.
  auto map = MakeReader(*fx.client, Source::Prefix("s3://data/x/"), o);
  auto one = map->Get(1);
  REQUIRE_FALSE(one.ok());
  CHECK_THAT(one.status().message(), Catch::Contains("out of memory"));
}

TEST_CASE("DatasetReader: a shard whose body is cut off 5 times in a row is read when the client allows 12 attempts, "
          "and each restart is reported as a retry") {
  test::MockFixture fx;  // max_attempts 12
  const std::string data = test::RandomBytes(3000, 77);
  fx.Put("cut/0", data);
  mock::FaultRule cut;
  cut.kind = mock::FaultRule::Kind::kTruncateBody;
  cut.operation = "GetObject";
  cut.key_prefix = "cut/0";
  cut.truncate_after = 100;  // bytes already passed on: the reader restarts the GET itself
  cut.nth = {1, 2, 3, 4, 5};
  fx.server->AddFault(cut);
  auto gets = [&] { return fx.server->stats().requests_by_operation["GetObject"]; };
  auto r = MakeReader(*fx.client, Source::Prefix("s3://data/cut/"), {});
  auto samples = ReadEpoch(*r);
  REQUIRE(samples.size() == 1);
  CHECK(samples[0].data() == data);
  const ReaderMetrics m = r->metrics();
  CHECK(m.requests == 1);
  CHECK(gets() >= 6);
  CHECK(m.retries == gets() - 1);  // every GET the server saw after the first
  CHECK(m.requests_failed == 0);
}

TEST_CASE("DatasetReader: a body cut off on every attempt fails the shard after the client's max_attempts, "
          "reporting them") {
  test::MockFixture fx;  // max_attempts 12
  fx.Put("cut/0", test::RandomBytes(3000, 78));
  mock::FaultRule cut;
  cut.kind = mock::FaultRule::Kind::kTruncateBody;
  cut.operation = "GetObject";
  cut.truncate_after = 100;
  fx.server->AddFault(cut);
  auto gets = [&] { return fx.server->stats().requests_by_operation["GetObject"]; };
  const auto before = gets();
  auto r = MakeReader(*fx.client, Source::Prefix("s3://data/cut/"), {});
  auto s = r->Next();
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.status().ToString(), Catch::Contains("s3://data/cut/0") && Catch::Contains("after 12 attempts"));
  CHECK(gets() - before == 12);
  CHECK(r->metrics().retries == 11);
  CHECK(r->metrics().requests_failed == 1);
}

TEST_CASE("DatasetReader: metrics count the client's retries of GETs that then succeeded") {
  test::MockFixture fx;
  fx.Put("r/0", "zero");
  fx.Put("r/1", "one");
  mock::FaultRule busy;
  busy.kind = mock::FaultRule::Kind::kHttpError;
  busy.operation = "GetObject";
  busy.key_prefix = "r/1";
  busy.nth = {1, 2};
  fx.server->AddFault(busy);
  auto r = MakeReader(*fx.client, Source::Prefix("s3://data/r/"), {});  // sizes listed: no HEADs
  auto samples = ReadEpoch(*r);
  REQUIRE(samples.size() == 2);
  CHECK(r->metrics().requests == 2);
  CHECK(r->metrics().retries == 2);
  CHECK(r->metrics().requests_failed == 0);
  // Map-style access reports them too.
  busy.key_prefix = "r/0";
  busy.nth = {1};
  fx.server->AddFault(busy);
  auto one = r->Get(0);
  REQUIRE(one.ok());
  CHECK(r->metrics().retries == 3);
}

TEST_CASE("DatasetReader: requests aborted by Close() are not counted as failed requests") {
  test::MockFixture fx;
  fx.Put("c/0-fast", "sample 0");  // lists first
  for (int i = 1; i < 8; ++i) fx.Put("c/slow-" + std::to_string(i), "sample " + std::to_string(i));
  mock::FaultRule slow;
  slow.kind = mock::FaultRule::Kind::kLatency;
  slow.operation = "GetObject";
  slow.key_prefix = "c/slow-";
  slow.latency = std::chrono::milliseconds(3000);
  fx.server->AddFault(slow);
  ReaderOptions o;
  o.fetch_threads = 4;
  o.max_in_flight = 4;
  auto r = MakeReader(*fx.client, Source::Prefix("s3://data/c/"), o);
  auto first = r->Next();
  REQUIRE(first.ok());
  REQUIRE(first->has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the other GETs go out
  CHECK(r->metrics().requests_in_flight > 0);
  r->Close();
  CHECK(r->metrics().requests_failed == 0);
}
