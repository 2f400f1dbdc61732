// The GetObject sinks on their own: Content-Length checks, retries (a second Begin),
// temporary-file handling.

#include <fstream>

#include <catch2/catch.hpp>

#include "client/sinks.h"
#include "support/files.h"

using namespace s3ml;
using s3ml::test::FileExists;
using s3ml::test::ReadFile;
using s3ml::test::TempPath;

namespace {
Headers Partial() {
  Headers h;
  h.Set("Content-Range", "bytes 0-3/10");
  return h;
}
}  // namespace

TEST_CASE("BufferSink: preallocates from Content-Length and starts over on a retry", "[sinks]") {
  Buffer out;
  BufferSink sink(out, false);
  REQUIRE(sink.Begin(200, Headers{}, 10).ok());
  CHECK(out.capacity() >= 10);
  REQUIRE(sink.Write("hello", 5).ok());
  // Retry: Begin again discards the partial body.
  REQUIRE(sink.Begin(200, Headers{}, 10).ok());
  REQUIRE(sink.Write("0123456789", 10).ok());
  REQUIRE(sink.Finish().ok());
  CHECK(out == "0123456789");
  CHECK(sink.begins() == 2);
}

TEST_CASE("BufferSink: fewer or more bytes than Content-Length is an error", "[sinks]") {
  Buffer out;
  BufferSink sink(out, false);
  REQUIRE(sink.Begin(200, Headers{}, 10).ok());
  REQUIRE(sink.Write("short", 5).ok());
  Status st = sink.Finish();
  REQUIRE_FALSE(st.ok());
  CHECK(st.code() == "PartialBody");
  CHECK(st.IsTransient());
  CHECK_THAT(st.message(), Catch::Contains("5 of 10"));
  REQUIRE(sink.Begin(200, Headers{}, 3).ok());
  Status over = sink.Write("toolong", 7);
  REQUIRE_FALSE(over.ok());
  CHECK(over.category() == ErrorCategory::kIntegrity);
}

TEST_CASE("CountingSink: a range request answered with a full 200 body is refused before any byte", "[sinks]") {
  Buffer out;
  BufferSink sink(out, /*expect_partial=*/true);
  Status st = sink.Begin(200, Headers{}, 10);
  REQUIRE_FALSE(st.ok());
  CHECK(st.category() == ErrorCategory::kProtocol);
  CHECK_THAT(st.message(), Catch::Contains("ignored the Range header"));
  CHECK(sink.Begin(206, Partial(), 4).ok());
}

TEST_CASE("CallbackSink: a retry before any byte is fine, after bytes it is refused", "[sinks]") {
  std::string got;
  DataCallback cb = [&](const char* p, std::size_t n) {
    got.append(p, n);
    return Status::Ok();
  };
  CallbackSink sink(cb, false);
  REQUIRE(sink.Begin(200, Headers{}, 4).ok());
  REQUIRE(sink.Begin(200, Headers{}, 4).ok());  // nothing delivered yet: restart allowed
  REQUIRE(sink.Write("ab", 2).ok());
  Status again = sink.Begin(200, Headers{}, 4);
  REQUIRE_FALSE(again.ok());
  CHECK(again.code() == "RetryAfterPartialDelivery");
  CHECK_FALSE(again.IsTransient());
  CHECK(got == "ab");
}

TEST_CASE("FileSink: commit renames the temporary onto the target", "[sinks]") {
  std::string target = TempPath("ok.bin");
  std::remove(target.c_str());
  {
    FileSink sink(target, false);
    REQUIRE(sink.Open().ok());
    std::string tmp = sink.temp_path();
    CHECK(FileExists(tmp));
    CHECK(tmp.find(TempPath("")) == std::string::npos);  // hidden name beside the target, not the target
    REQUIRE(sink.Begin(200, Headers{}, 6).ok());
    REQUIRE(sink.Write("abc", 3).ok());
    REQUIRE(sink.Begin(200, Headers{}, 6).ok());  // retry truncates
    REQUIRE(sink.Write("abcdef", 6).ok());
    REQUIRE(sink.Finish().ok());
    REQUIRE(sink.Commit().ok());
    CHECK_FALSE(FileExists(tmp));
  }
  CHECK(ReadFile(target) == "abcdef");
  std::remove(target.c_str());
}

TEST_CASE("FileSink: without commit the temporary is removed and the target untouched", "[sinks]") {
  std::string target = TempPath("keep.bin");
  {
    std::ofstream f(target, std::ios::binary);
    f << "previous";
  }
  std::string tmp;
  {
    FileSink sink(target, false);
    REQUIRE(sink.Open().ok());
    tmp = sink.temp_path();
    REQUIRE(sink.Begin(200, Headers{}, 100).ok());
    REQUIRE(sink.Write("partial", 7).ok());
  }
  CHECK_FALSE(FileExists(tmp));
  CHECK(ReadFile(target) == "previous");
  std::remove(target.c_str());
}

TEST_CASE("FileSink: an unwritable directory is a clear I/O error", "[sinks]") {
  FileSink sink("/nonexistent-dir-for-s3ml/file.bin", false);
  Status st = sink.Open();
  REQUIRE_FALSE(st.ok());
  CHECK(st.category() == ErrorCategory::kIo);
  CHECK_THAT(st.message(), Catch::Contains("/nonexistent-dir-for-s3ml"));
  FileSink dir_target("/tmp/", false);
  CHECK(dir_target.Open().category() == ErrorCategory::kInvalidArgument);
}
