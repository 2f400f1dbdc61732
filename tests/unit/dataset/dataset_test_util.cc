#include "unit/dataset/dataset_test_util.h"

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <thread>

#include <catch2/catch.hpp>

namespace s3ml::test {

namespace {
la_ssize_t AppendToString(archive*, void* client, const void* buf, size_t n) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}
}  // namespace

std::string MakeTar(const std::vector<TarMember>& members, TarFormat format, bool gzip) {
  std::string out;
  archive* a = archive_write_new();
  REQUIRE(a != nullptr);
  switch (format) {
    case TarFormat::kPax: archive_write_set_format_pax(a); break;
    case TarFormat::kGnu: archive_write_set_format_gnutar(a); break;
    case TarFormat::kUstar: archive_write_set_format_ustar(a); break;
  }
  if (gzip) archive_write_add_filter_gzip(a);
  archive_write_set_bytes_in_last_block(a, 1);
  REQUIRE(archive_write_open(a, &out, nullptr, AppendToString, nullptr) == ARCHIVE_OK);
  for (const auto& m : members) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, m.path.c_str());
    archive_entry_set_filetype(e, m.dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e, m.dir ? 0755 : 0644);
    archive_entry_set_size(e, m.dir ? 0 : static_cast<la_int64_t>(m.data.size()));
    if (format == TarFormat::kPax) archive_entry_xattr_add_entry(e, "user.label", "x", 1);  // forces a pax header
    REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
    if (!m.dir && !m.data.empty())
      REQUIRE(archive_write_data(a, m.data.data(), m.data.size()) == static_cast<la_ssize_t>(m.data.size()));
    archive_entry_free(e);
  }
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
  return out;
}

MockFixture::MockFixture(int threads) {
  mock::MockS3Options o;
  o.threads = threads;
  server = StartMock(o);
  ClientOptions co = MockOptions(*server);
  co.retry.max_attempts = 12;
  co.retry.base_delay = std::chrono::milliseconds(1);
  co.retry.max_backoff = std::chrono::milliseconds(10);
  co.retry.retry_quota_capacity = 1000000;
  auto c = Client::Create(co);
  REQUIRE(c.ok());
  client = std::make_unique<Client>(*c);
  CreateBucketRequest req;
  req.bucket = bucket;
  REQUIRE(client->CreateBucket(req).ok());
}

void MockFixture::Put(const std::string& key, std::string_view data) const { test::Put(*client, bucket, key, data); }

std::vector<dataset::Sample> ReadEpoch(dataset::DatasetReader& r) {
  std::vector<dataset::Sample> out;
  while (true) {
    auto s = r.Next();
    if (!s.ok()) FAIL(s.status().ToString());
    if (!*s) break;
    out.push_back(std::move(**s));
  }
  return out;
}

std::vector<std::string> Ids(const std::vector<dataset::Sample>& samples) {
  std::vector<std::string> ids;
  for (const auto& s : samples) ids.push_back(s.shard + "#" + std::to_string(s.index));
  return ids;
}

std::unique_ptr<dataset::DatasetReader> MakeReader(const Client& c, dataset::Source src, dataset::ReaderOptions o) {
  auto r = dataset::DatasetReader::Create(c, std::move(src), std::move(o));
  REQUIRE(r.ok());
  return std::move(*r);
}

int ThreadCount() {
  int n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

int ThreadCountSettled(int target, std::chrono::milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  int n = ThreadCount();
  while (n > target && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    n = ThreadCount();
  }
  return n;
}

}  // namespace s3ml::test
