// A training loop over WebDataset-style tar shards, end to end and self-contained:
//
//   1. starts s3ml's in-process mock S3 server (no network, no Docker);
//   2. generates a synthetic image-classification dataset — 8x8 grayscale images as
//      binary PGM files (".pgm") with their class as text (".cls") — packs it into
//      tar shards with libarchive and uploads them;
//   3. reads it for two epochs with s3ml::dataset::DatasetReader (shards shuffled per
//      epoch, a cross-shard shuffle buffer, parallel prefetch within a memory budget)
//      as rank R of W, training a softmax-regression classifier on the fly;
//   4. prints the loss, the accuracy and the reader's metrics after every epoch.
//
// Usage: webdataset_train [rank world_size] [--shards N] [--samples-per-shard N]
// With world_size > 1, each rank reads its disjoint share of the shards (run one
// process per rank; here every rank has its own mock, so each generates the data).

#include <archive.h>
#include <archive_entry.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "s3ml/client.h"
#include "s3ml/dataset/reader.h"
#include "s3ml/mock/server.h"

namespace {

constexpr int kSide = 8;
constexpr int kPixels = kSide * kSide;
constexpr int kClasses = 4;
constexpr const char* kBucket = "webdataset";

[[noreturn]] void Die(const std::string& what, const s3ml::Status& status) {
  std::fprintf(stderr, "error: %s: %s\n", what.c_str(), status.ToString().c_str());
  std::exit(1);
}

template <typename T>
T Must(s3ml::Result<T> r, const std::string& what) {
  if (!r.ok()) Die(what, r.status());
  return std::move(*r);
}

// ---------------------------------------------------------------- synthetic data

// An 8x8 image of class c over noise: a bright band along the top (0), bottom (1),
// left (2) or right (3) edge, as a binary PGM file.
std::string MakeImage(int cls, std::mt19937& rng) {
  std::uniform_int_distribution<int> noise(0, 90);
  std::string pgm = "P5\n8 8\n255\n";
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      const bool band = (cls == 0 && y < 2) || (cls == 1 && y >= kSide - 2) || (cls == 2 && x < 2) ||
                        (cls == 3 && x >= kSide - 2);
      pgm.push_back(static_cast<char>(noise(rng) + (band ? 150 : 0)));
    }
  }
  return pgm;
}

la_ssize_t AppendToString(archive*, void* out, const void* buf, size_t n) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

// A ustar archive of (path, bytes) members, written with libarchive.
std::string MakeTar(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_ustar(a);
  archive_write_set_bytes_in_last_block(a, 1);
  if (archive_write_open(a, &out, nullptr, AppendToString, nullptr) != ARCHIVE_OK) {
    std::fprintf(stderr, "error: libarchive: %s\n", archive_error_string(a));
    std::exit(1);
  }
  for (const auto& [path, data] : members) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, path.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    if (archive_write_header(a, e) != ARCHIVE_OK ||
        archive_write_data(a, data.data(), data.size()) != static_cast<la_ssize_t>(data.size())) {
      std::fprintf(stderr, "error: libarchive writing %s: %s\n", path.c_str(), archive_error_string(a));
      std::exit(1);
    }
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// ---------------------------------------------------------------- the model

// Softmax regression on the 64 pixels scaled to [0, 1], trained by SGD.
struct Model {
  std::array<std::array<double, kPixels + 1>, kClasses> w{};  // last column: bias

  // Returns the loss; updates the weights when lr > 0.
  double Step(const std::array<double, kPixels>& x, int label, double lr, int* predicted) {
    std::array<double, kClasses> z{};
    double zmax = -1e300;
    for (int c = 0; c < kClasses; ++c) {
      z[c] = w[c][kPixels];
      for (int i = 0; i < kPixels; ++i) z[c] += w[c][i] * x[i];
      zmax = std::max(zmax, z[c]);
    }
    double sum = 0;
    for (auto& v : z) sum += (v = std::exp(v - zmax));
    int best = 0;
    for (int c = 0; c < kClasses; ++c) {
      z[c] /= sum;
      if (z[c] > z[best]) best = c;
    }
    *predicted = best;
    for (int c = 0; c < kClasses && lr > 0; ++c) {
      const double g = z[c] - (c == label ? 1.0 : 0.0);
      for (int i = 0; i < kPixels; ++i) w[c][i] -= lr * g * x[i];
      w[c][kPixels] -= lr * g;
    }
    return -std::log(std::max(z[label], 1e-12));
  }
};

// Parses the 8x8 binary PGM written by MakeImage. Returns false when malformed.
bool DecodePgm(std::string_view pgm, std::array<double, kPixels>& x) {
  const std::string_view header = "P5\n8 8\n255\n";
  if (pgm.size() != header.size() + kPixels || pgm.substr(0, header.size()) != header) return false;
  for (int i = 0; i < kPixels; ++i) x[i] = static_cast<unsigned char>(pgm[header.size() + i]) / 255.0;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int rank = 0, world = 1, shards = 8, per_shard = 64;
  std::vector<std::string> pos;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "--shards" || a == "--samples-per-shard") && i + 1 < argc) {
      (a == "--shards" ? shards : per_shard) = std::atoi(argv[++i]);
    } else if (a == "-h" || a == "--help") {
      std::printf("usage: %s [rank world_size] [--shards N] [--samples-per-shard N]\n", argv[0]);
      return 0;
    } else {
      pos.push_back(a);
    }
  }
  if (pos.size() == 2) {
    rank = std::atoi(pos[0].c_str());
    world = std::atoi(pos[1].c_str());
  } else if (!pos.empty()) {
    std::fprintf(stderr, "usage: %s [rank world_size] [--shards N] [--samples-per-shard N]\n", argv[0]);
    return 2;
  }
  if (world < 1 || rank < 0 || rank >= world || shards < 1 || per_shard < 1) {
    std::fprintf(stderr, "error: need 0 <= rank < world_size, shards >= 1, samples per shard >= 1\n");
    return 2;
  }

  // 1. The in-process mock and a client for it.
  auto server = Must(s3ml::mock::MockS3Server::Start(), "starting the mock S3 server");
  s3ml::ClientOptions co = s3ml::ClientOptions::ForEndpoint(server->endpoint_url(), server->options().region);
  co.credentials = s3ml::Credentials{server->options().access_key, server->options().secret_key, "", std::nullopt,
                                     "example"};
  co.disable_imds = true;
  s3ml::Client client = Must(s3ml::Client::Create(co), "creating the client");
  std::printf("mock S3 at %s\n", server->endpoint_url().c_str());

  // 2. Synthetic WebDataset shards: sample k of shard s is "s<s>/img<k>.pgm" + ".cls".
  s3ml::CreateBucketRequest cb;
  cb.bucket = kBucket;
  (void)Must(client.CreateBucket(cb), "CreateBucket");
  std::mt19937 rng(42);
  std::uint64_t uploaded = 0;
  for (int s = 0; s < shards; ++s) {
    std::vector<std::pair<std::string, std::string>> members;
    for (int k = 0; k < per_shard; ++k) {
      const int cls = static_cast<int>(rng() % kClasses);
      char base[64];
      std::snprintf(base, sizeof base, "s%03d/img%05d", s, k);
      members.emplace_back(std::string(base) + ".pgm", MakeImage(cls, rng));
      members.emplace_back(std::string(base) + ".cls", std::to_string(cls));
    }
    const std::string tar = MakeTar(members);
    char key[64];
    std::snprintf(key, sizeof key, "train/shard-%04d.tar", s);
    s3ml::PutObjectRequest put;
    put.bucket = kBucket;
    put.key = key;
    put.data = tar;
    (void)Must(client.PutObject(put), std::string("PutObject ") + key);
    uploaded += tar.size();
  }
  std::printf("uploaded %d tar shards x %d samples (%llu bytes) to s3://%s/train/\n", shards, per_shard,
              static_cast<unsigned long long>(uploaded), kBucket);

  // 3. The reader for this rank.
  s3ml::dataset::ReaderOptions ro;
  ro.rank = rank;
  ro.world_size = world;
  ro.decoder = s3ml::dataset::TarDecoder();
  ro.shuffle_shards = true;
  ro.shuffle_buffer = 256;
  ro.seed = 7;
  ro.fetch_threads = 4;
  ro.max_in_flight = 4;
  ro.memory_budget = 1 << 20;
  ro.uneven = s3ml::dataset::UnevenShards::kExact;
  auto reader = Must(s3ml::dataset::DatasetReader::Create(
                         client, s3ml::dataset::Source::Prefix(std::string("s3://") + kBucket + "/train/"), ro),
                     "creating the dataset reader");

  Model model;
  s3ml::dataset::ReaderMetrics prev = reader->metrics();
  for (std::uint64_t epoch = 0; epoch < 2; ++epoch) {
    reader->SetEpoch(epoch);
    std::set<std::string> seen;
    std::string first;
    double loss = 0;
    int correct = 0, n = 0;
    for (;;) {
      auto next = Must(reader->Next(), "reading epoch " + std::to_string(epoch));
      if (!next) break;
      const s3ml::dataset::Sample& sample = *next;
      const auto pgm = sample.field("pgm");
      const auto cls = sample.field("cls");
      std::array<double, kPixels> x{};
      if (!pgm || !cls || !DecodePgm(*pgm, x)) {
        std::fprintf(stderr, "error: sample %s of %s is malformed\n", sample.key.c_str(), sample.shard.c_str());
        return 1;
      }
      if (!seen.insert(sample.key).second) {
        std::fprintf(stderr, "error: sample %s delivered twice in epoch %llu\n", sample.key.c_str(),
                     static_cast<unsigned long long>(epoch));
        return 1;
      }
      if (first.empty()) first = sample.key;
      const int label = std::atoi(std::string(*cls).c_str());
      int predicted = 0;
      loss += model.Step(x, label, 0.1, &predicted);
      correct += predicted == label;
      ++n;
    }
    const auto m = reader->metrics();
    std::printf("epoch %llu: rank %d/%d samples=%d first=%s loss=%.4f accuracy=%.3f\n",
                static_cast<unsigned long long>(epoch), rank, world, n, first.c_str(), n ? loss / n : 0.0,
                n ? static_cast<double>(correct) / n : 0.0);
    std::printf(
        "  reader metrics: shards_fetched=%llu bytes_fetched=%llu requests=%llu requests_failed=%llu "
        "retries=%llu budget_high_water=%llu stall_ms=%.1f samples_per_second=%.0f\n",
        static_cast<unsigned long long>(m.shards_fetched - prev.shards_fetched),
        static_cast<unsigned long long>(m.bytes_fetched - prev.bytes_fetched),
        static_cast<unsigned long long>(m.requests - prev.requests),
        static_cast<unsigned long long>(m.requests_failed - prev.requests_failed),
        static_cast<unsigned long long>(m.retries - prev.retries),
        static_cast<unsigned long long>(m.budget_high_water),
        std::chrono::duration<double, std::milli>(m.stall_time - prev.stall_time).count(), m.samples_per_second);
    prev = m;
    const int expected = world == 1 ? shards * per_shard : -1;
    if (expected >= 0 && n != expected) {
      std::fprintf(stderr, "error: epoch %llu delivered %d samples, expected %d\n",
                   static_cast<unsigned long long>(epoch), n, expected);
      return 1;
    }
  }
  reader->Close();
  std::printf("done\n");
  return 0;
}
