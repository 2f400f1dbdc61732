// s3ml/file.h: UniqueFd, WriteAll and the atomic temp-file-and-rename writer.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "s3ml/file.h"
#include "support/files.h"

using namespace s3ml;
using s3ml::test::TempDir;
namespace fs = std::filesystem;

namespace {

bool IsOpen(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

}  // namespace

TEST_CASE("UniqueFd: closes on destruction and on move-assignment, and Release hands the fd over") {
  int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(raw >= 0);
  {
    UniqueFd fd(raw);
    UniqueFd moved(std::move(fd));
    CHECK_FALSE(fd.valid());  // NOLINT(bugprone-use-after-move): the moved-from state is specified
    CHECK(moved.get() == raw);
  }
  CHECK_FALSE(IsOpen(raw));

  int a = ::open("/dev/null", O_RDONLY | O_CLOEXEC), b = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  UniqueFd fa(a), fb(b);
  fa = std::move(fb);
  CHECK_FALSE(IsOpen(a));
  CHECK(fa.get() == b);
  const int released = fa.Release();
  CHECK(released == b);
  CHECK_FALSE(fa.valid());
  CHECK(IsOpen(b));
  ::close(b);
}

TEST_CASE("UniqueFd: Close reports a failed close with the path; closing nothing is fine") {
  UniqueFd none;
  CHECK(none.Close("x").ok());
  UniqueFd bad(1'000'000);  // never open: close() fails with EBADF
  Status st = bad.Close("/some/file");
  CHECK(st.category() == ErrorCategory::kIo);
  CHECK_THAT(st.message(), Catch::StartsWith("cannot close '/some/file': "));
  CHECK_FALSE(bad.valid());
}

TEST_CASE("WriteAll: a failed write names the path") {
  Status st = WriteAll(-1, "/the/path", "abc", 3);
  CHECK(st.category() == ErrorCategory::kIo);
  CHECK_THAT(st.message(), Catch::StartsWith("cannot write '/the/path': "));
}

TEST_CASE("AtomicFile: Commit renames a hidden temporary in the same directory over the target") {
  TempDir dir;
  const fs::path target = fs::path(dir.path()) / "out.bin";
  { std::ofstream(target) << "old"; }
  auto f = AtomicFile::Create(target.string());
  REQUIRE(f.ok());
  const fs::path tmp = f->temp_path();
  CHECK(tmp.parent_path() == dir.path());
  CHECK_THAT(tmp.filename().string(), Catch::StartsWith(".out.bin.s3ml-"));
  REQUIRE(f->Write("new ", 4).ok());
  REQUIRE(f->Write("bytes", 5).ok());
  CHECK(test::ReadFile(target) == "old");  // untouched until Commit
  REQUIRE(f->Commit().ok());
  CHECK(test::ReadFile(target) == "new bytes");
  CHECK_FALSE(fs::exists(tmp));
  CHECK(dir.Entries() == 1);
  CHECK(f->Commit().category() == ErrorCategory::kInternal);  // a second commit is a bug, not a rename
}

TEST_CASE("AtomicFile: without Commit, the destructor and Abort remove the temporary and keep the target") {
  TempDir dir;
  const fs::path target = fs::path(dir.path()) / "keep.bin";
  { std::ofstream(target) << "previous"; }
  {
    auto f = AtomicFile::Create(target.string());
    REQUIRE(f.ok());
    REQUIRE(f->Write("partial", 7).ok());
    AtomicFile moved(std::move(*f));  // the moved-from object does not remove it
    CHECK(fs::exists(moved.temp_path()));
  }
  CHECK(dir.Entries() == 1);
  auto g = AtomicFile::Create(target.string());
  REQUIRE(g.ok());
  g->Abort();
  CHECK(g->fd() == -1);
  CHECK(dir.Entries() == 1);
  CHECK(test::ReadFile(target) == "previous");
}

TEST_CASE("AtomicFile: options set the temporary's prefix and mode; the umask applies") {
  TempDir dir;
  AtomicFile::Options o;
  o.temp_prefix = ".tmp-";
  o.mode = 0640;
  o.sync = false;
  const mode_t old_mask = ::umask(022);
  auto f = AtomicFile::Create((fs::path(dir.path()) / "e.shard").string(), o);
  ::umask(old_mask);
  REQUIRE(f.ok());
  CHECK_THAT(fs::path(f->temp_path()).filename().string(), Catch::StartsWith(".tmp-e.shard.s3ml-"));
  REQUIRE(f->Commit().ok());
  struct stat st {};
  REQUIRE(::stat((fs::path(dir.path()) / "e.shard").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
}

TEST_CASE("AtomicFile: a directory target and an unwritable directory are clear errors, and a failed rename cleans up") {
  auto d = AtomicFile::Create("/tmp/");
  CHECK(d.status().category() == ErrorCategory::kInvalidArgument);
  CHECK(d.status().message() == "'/tmp/' names a directory, not a file");
  auto missing = AtomicFile::Create("/nonexistent-dir-for-s3ml/f.bin");
  CHECK(missing.status().category() == ErrorCategory::kIo);
  CHECK_THAT(missing.status().message(),
             Catch::StartsWith("cannot create a temporary file in '/nonexistent-dir-for-s3ml' for "
                               "'/nonexistent-dir-for-s3ml/f.bin': "));

  TempDir dir;
  const fs::path target = fs::path(dir.path()) / "sub";
  fs::create_directories(target / "occupied");  // rename(file, non-empty directory) fails
  auto f = AtomicFile::Create(target.string());
  REQUIRE(f.ok());
  Status st = f->Commit();
  CHECK(st.category() == ErrorCategory::kIo);
  CHECK_THAT(st.message(), Catch::StartsWith("cannot rename '" + f->temp_path() + "' to '" + target.string() + "': "));
  CHECK(dir.Entries() == 1);  // only the directory: the temporary is gone
}
