// The CLI's own pieces: S3 URI parsing, progress formatting, atomic downloads.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_util.h"
#include "local_file.h"
#include "progress.h"
#include "s3_uri.h"

using namespace s3ml;
using namespace s3ml::cli;
namespace fs = std::filesystem;

TEST_CASE("S3Uri: parses bucket and verbatim key, including odd characters") {
  auto u = ParseS3Uri("s3://my-bucket/a/b c+d=e@f~%2F//x/");
  REQUIRE(u.ok());
  CHECK(u->bucket == "my-bucket");
  CHECK(u->key == "a/b c+d=e@f~%2F//x/");
  CHECK(u->ToString() == "s3://my-bucket/a/b c+d=e@f~%2F//x/");

  auto b = ParseS3Uri("s3://my-bucket");
  REQUIRE(b.ok());
  CHECK(b->key.empty());
  CHECK(b->ToString() == "s3://my-bucket");
  auto slash = ParseS3Uri("s3://my-bucket/");
  REQUIRE(slash.ok());
  CHECK(slash->key.empty());
}

TEST_CASE("S3Uri: rejects malformed URIs with the URI and the reason in the message") {
  for (const char* bad : {"my-bucket/key", "s3:/my-bucket/key", "S3://my-bucket/k", "s3://", "s3:///key",
                          "s3://Bad_Bucket!/k", "s3://ab/k", "http://my-bucket/k"}) {
    auto u = ParseS3Uri(bad);
    INFO(bad);
    REQUIRE_FALSE(u.ok());
    CHECK(u.status().category() == ErrorCategory::kInvalidArgument);
    CHECK(u.status().message().find(std::string("invalid S3 URI '") + bad + "': ") == 0);
  }
  CHECK(ParseS3Uri("s3://").status().message().find("missing bucket name") != std::string::npos);
  // Over-long keys are refused before any request (1024-byte limit).
  CHECK_FALSE(ParseS3Uri("s3://my-bucket/" + std::string(1025, 'k')).ok());
  CHECK(ParseS3Uri("s3://my-bucket/" + std::string(1024, 'k')).ok());
}

TEST_CASE("S3Uri: anything starting with s3: is treated as a URI attempt, not a local path") {
  CHECK(LooksLikeS3Uri("s3://b/k"));
  CHECK(LooksLikeS3Uri("s3:/b/k"));
  CHECK(LooksLikeS3Uri("S3:b"));
  CHECK_FALSE(LooksLikeS3Uri("./s3:/x"));
  CHECK_FALSE(LooksLikeS3Uri("s3"));
  CHECK_FALSE(LooksLikeS3Uri("-"));
}

TEST_CASE("S3Uri: a recursive command's path is a directory, never a bare prefix that reaches dirX/") {
  auto dir = [](const char* text) { return AsDirectory(ParseS3Uri(text).value()).ToString(); };
  CHECK(dir("s3://bkt/dir") == "s3://bkt/dir/");
  CHECK(dir("s3://bkt/dir/") == "s3://bkt/dir/");
  CHECK(dir("s3://bkt/a/b") == "s3://bkt/a/b/");
  CHECK(dir("s3://bkt") == "s3://bkt");  // a bucket stays the whole bucket, not the key "/"
  CHECK(dir("s3://bkt/") == "s3://bkt");
  CHECK(AsDirectory(ParseS3Uri("s3://bkt").value()).key.empty());
}

TEST_CASE("InFlagTerms: an options struct's field in a message becomes the flag that set it") {
  const std::vector<OptionFlag> flags = {{"ClientOptions.endpoint_url", "--endpoint-url"},
                                         {"ReaderOptions.fetch_threads", "--fetch-threads"},
                                         {"TransferOptions.part_size", "--part-size-mib"},
                                         {"ClientOptions.retry.max_attempts", "AWS_MAX_ATTEMPTS"}};
  auto restate = [&](const Status& st) { return InFlagTerms(st, flags); };
  // The three spellings the structs use: "invalid S.f: ", "S: f ...", "S::f ...".
  Status e = restate(Status::InvalidArgument("invalid ClientOptions.endpoint_url: malformed endpoint URL 'x': no scheme"));
  CHECK(e.message() == "--endpoint-url: malformed endpoint URL 'x': no scheme");
  CHECK(restate(Status::InvalidArgument("ReaderOptions: fetch_threads must be in [1, 256], got 300")).message() ==
        "--fetch-threads must be in [1, 256], got 300");
  Status t = restate(Status::InvalidArgument("TransferOptions::part_size must be 5 MiB..5 GiB, got 1 bytes")
                         .WithContext("UploadFile", "s3://b/k"));
  CHECK(t.message() == "--part-size-mib must be 5 MiB..5 GiB, got 1 bytes");
  // A usage error now: no operation context, so the CLI prints it bare.
  CHECK(t.operation().empty());
  CHECK(t.category() == ErrorCategory::kInvalidArgument);
  CHECK(restate(Status::InvalidArgument("invalid ClientOptions.retry.max_attempts: must be 1..100")).message() ==
        "AWS_MAX_ATTEMPTS: must be 1..100");
  // A longer field with the same start is not the field; other errors pass unchanged.
  const Status longer = Status::InvalidArgument("TransferOptions::part_size_limit is odd");
  CHECK(restate(longer).message() == longer.message());
  const Status other = Status::InvalidArgument("ReaderOptions: rank must be in [0, world_size)");
  CHECK(restate(other).message() == other.message());
  const Status service = Status(ErrorCategory::kService, "ReaderOptions: fetch_threads").WithCode("X");
  CHECK(restate(service).message() == service.message());
  CHECK(restate(Status::Ok()).ok());
}

TEST_CASE("Progress: bytes are formatted with binary units") {
  CHECK(FormatBytes(0) == "0 B");
  CHECK(FormatBytes(1023) == "1023 B");
  CHECK(FormatBytes(1024) == "1.0 KiB");
  CHECK(FormatBytes(1536) == "1.5 KiB");
  CHECK(FormatBytes(8ull << 20) == "8.0 MiB");
  CHECK(FormatBytes(3ull << 30) == "3.0 GiB");
  // A value that rounds to 1024 moves up a unit (as the aws CLI prints it).
  CHECK(FormatBytes((1ull << 20) - 1) == "1.0 MiB");
  CHECK(FormatBytes((1ull << 20) - 600) == "1023.4 KiB");
}

TEST_CASE("Progress: line shows done/total, percent, rate and ETA, and is cut to the width") {
  using std::chrono::seconds;
  const std::string line = FormatProgressLine("upload: f", 4ull << 20, 8ull << 20, seconds(2), 0);
  CHECK(line == "4.0 MiB / 8.0 MiB (50%)  2.0 MiB/s  ETA 0:02  upload: f");
  // Unknown total: no percentage, no ETA.
  CHECK(FormatProgressLine("x", 1024, 0, seconds(1), 0) == "1.0 KiB  1.0 KiB/s  x");
  // Done: 100% and no ETA.
  CHECK(FormatProgressLine("x", 10, 10, seconds(1), 0) == "10 B / 10 B (100%)  10 B/s  x");
  // Long ETA in h:mm:ss; zero elapsed time does not divide by zero.
  CHECK(FormatProgressLine("x", 1, 1ull << 20, seconds(1), 0).find("ETA 291:16:15") != std::string::npos);
  CHECK(FormatProgressLine("x", 0, 100, seconds(0), 0) == "0 B / 100 B (0%)  0 B/s  x");
  CHECK(FormatProgressLine("a long label", 5, 10, seconds(1), 12).size() == 12);
}

TEST_CASE("AtomicOutputFile: content appears under the name only on commit; uncommitted leaves nothing") {
  const fs::path dir = fs::temp_directory_path() / ("s3ml_cli_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "out.bin").string();
  {
    auto f = AtomicOutputFile::Create(path);
    REQUIRE(f.ok());
    REQUIRE(f->Write("partial", 7).ok());
    CHECK_FALSE(fs::exists(path));
  }  // destroyed without commit
  CHECK(fs::is_empty(dir));
  {
    auto f = AtomicOutputFile::Create(path);
    REQUIRE(f.ok());
    REQUIRE(f->Write("hello ", 6).ok());
    REQUIRE(f->Write("world", 5).ok());
    REQUIRE(f->Commit(std::nullopt).ok());
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  CHECK(ss.str() == "hello world");
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
  fs::remove_all(dir);

  auto missing = AtomicOutputFile::Create((dir / "no" / "such" / "dir" / "f").string());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().category() == ErrorCategory::kIo);
  CHECK(missing.status().message().find("no/such/dir/f") != std::string::npos);
}

TEST_CASE("LocalFile: opening a missing file or a directory fails naming the path") {
  auto f = OpenInputFile("/nonexistent/s3ml/file.bin");
  REQUIRE_FALSE(f.ok());
  CHECK(f.status().message() == "cannot open '/nonexistent/s3ml/file.bin': No such file or directory");
  auto d = OpenInputFile("/tmp");
  REQUIRE_FALSE(d.ok());
  CHECK(d.status().message().find("is a directory") != std::string::npos);
}
