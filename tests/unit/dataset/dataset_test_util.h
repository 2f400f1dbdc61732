#pragma once

#include <chrono>
// Helpers for the dataset tests: a mock server with a bucket of shards, tar
// building with libarchive's writer, and reading whole epochs.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "support/test_support.h"
#include "s3ml/dataset/reader.h"

namespace s3ml::test {

/// One tar member to write: path and bytes, or a directory when `dir`.
struct TarMember {
  std::string path;
  std::string data;
  bool dir = false;
};
/// Tar formats libarchive can write.
enum class TarFormat { kPax, kGnu, kUstar };
/// A tar archive of `members` (optionally gzip-compressed), built with libarchive.
std::string MakeTar(const std::vector<TarMember>& members, TarFormat format = TarFormat::kPax, bool gzip = false);

/// A mock server, a client with patient retries (max_attempts 12, ms backoff)
/// and a bucket "data".
struct MockFixture {
  std::unique_ptr<mock::MockS3Server> server;
  std::unique_ptr<Client> client;
  std::string bucket = "data";
  explicit MockFixture(int threads = 16);
  void Put(const std::string& key, std::string_view data) const;
};

/// Reads the rest of the current epoch; REQUIREs every Next() to succeed.
std::vector<dataset::Sample> ReadEpoch(dataset::DatasetReader& r);
/// "shard#index" identities of samples.
std::vector<std::string> Ids(const std::vector<dataset::Sample>& samples);
/// A reader, REQUIREd to be created.
std::unique_ptr<dataset::DatasetReader> MakeReader(const Client& c, dataset::Source src, dataset::ReaderOptions o);
/// Threads of this process (from /proc/self/task).
int ThreadCount();
/// ThreadCount() once it is at most `target`, or after `within` (then the count as it is).
/// The in-process mock's connection pool starts extra threads under load and lets them
/// exit after 5 s idle, so a count that includes the server settles only then; a thread
/// leaked by the code under test never goes away and still fails the comparison.
int ThreadCountSettled(int target, std::chrono::milliseconds within = std::chrono::seconds(8));

}  // namespace s3ml::test
