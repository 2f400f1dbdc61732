#include "local_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace s3ml::cli {

namespace {

Status IoError(const std::string& what, const std::string& path, int err) {
  return Status(ErrorCategory::kIo, what + " '" + path + "': " + std::strerror(err));
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    Reset();
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

void UniqueFd::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status UniqueFd::Close(const std::string& path) {
  if (fd_ < 0) return Status::Ok();
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return IoError("cannot close", path, errno);
  return Status::Ok();
}

Result<InputFile> OpenInputFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return IoError("cannot open", path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return IoError("cannot stat", path, errno);
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
    if (errno != EINTR) return IoError("cannot read", path, errno);
  }
}

Status WriteAll(int fd, const std::string& path, const char* data, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot write", path, errno);
    }
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return Status::Ok();
}

Result<AtomicOutputFile> AtomicOutputFile::Create(const std::string& path) {
  std::string temp = path + ".s3ml-XXXXXX";
  std::vector<char> name(temp.begin(), temp.end());
  name.push_back('\0');
  UniqueFd fd(::mkostemp(name.data(), O_CLOEXEC));
  if (!fd.valid()) return IoError("cannot create", path, errno);
  return AtomicOutputFile(path, std::string(name.data()), std::move(fd));
}

AtomicOutputFile::AtomicOutputFile(AtomicOutputFile&& o) noexcept
    : path_(std::move(o.path_)),
      temp_path_(std::move(o.temp_path_)),
      fd_(std::move(o.fd_)),
      committed_(o.committed_) {
  o.committed_ = true;  // the moved-from object must not unlink the file
}

AtomicOutputFile::~AtomicOutputFile() {
  if (committed_) return;
  fd_.Reset();
  ::unlink(temp_path_.c_str());
}

Status AtomicOutputFile::Commit(std::optional<Timestamp> mtime) {
  // mkstemp creates 0600; a downloaded file gets the permissions any new file would.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  if (::fchmod(fd_.get(), 0666 & ~mask) != 0) return IoError("cannot chmod", temp_path_, errno);
  if (mtime) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(mtime->time_since_epoch()).count();
    timespec times[2];
    times[0].tv_sec = 0;
    times[0].tv_nsec = UTIME_OMIT;
    times[1].tv_sec = static_cast<time_t>(ns / 1000000000);
    times[1].tv_nsec = static_cast<long>(ns % 1000000000);
    // Best effort, like the aws CLI: a file system without mtimes is no reason to fail.
    (void)::futimens(fd_.get(), times);
  }
  S3ML_RETURN_IF_ERROR(fd_.Close(path_));
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) return IoError("cannot rename to", path_, errno);
  committed_ = true;
  return Status::Ok();
}

}  // namespace s3ml::cli
