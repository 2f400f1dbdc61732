#include "local_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace s3ml::cli {


Result<InputFile> OpenInputFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return FileError("cannot open", path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return FileError("cannot stat", path, errno);
  if (S_ISDIR(st.st_mode)) return Status(ErrorCategory::kIo, "'" + path + "' is a directory (use --recursive)");
  if (!S_ISREG(st.st_mode)) return Status(ErrorCategory::kIo, "'" + path + "' is not a regular file");
  InputFile f;
  f.fd = std::move(fd);
  f.size = static_cast<std::uint64_t>(st.st_size);
  return f;
}

Result<std::size_t> ReadAt(int fd, const std::string& path, std::uint64_t offset, char* out, std::size_t n) {
  for (;;) {
    const ssize_t r = ::pread(fd, out, n, static_cast<off_t>(offset));
    if (r >= 0) return static_cast<std::size_t>(r);
    if (errno != EINTR) return FileError("cannot read", path, errno);
  }
}

Result<AtomicOutputFile> AtomicOutputFile::Create(const std::string& path) {
  AtomicFile::Options o;
  o.sync = false;  // like the aws CLI: a download is not fsynced
  S3ML_ASSIGN_OR_RETURN(AtomicFile file, AtomicFile::Create(path, o));
  return AtomicOutputFile(std::move(file));
}

Status AtomicOutputFile::Commit(std::optional<Timestamp> mtime) {
  if (mtime) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(mtime->time_since_epoch()).count();
    timespec times[2];
    times[0].tv_sec = 0;
    times[0].tv_nsec = UTIME_OMIT;
    times[1].tv_sec = static_cast<time_t>(ns / 1000000000);
    times[1].tv_nsec = static_cast<long>(ns % 1000000000);
    // Best effort, like the aws CLI: a file system without mtimes is no reason to fail.
    (void)::futimens(file_.fd(), times);
  }
  return file_.Commit();
}

}  // namespace s3ml::cli
