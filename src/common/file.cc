#include "s3ml/file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

namespace s3ml {

Status FileError(const std::string& what, const std::string& path, int err) {
  return Status(ErrorCategory::kIo, what + " '" + path + "': " + std::strerror(err));
}

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    Reset();
    fd_ = o.Release();
  }
  return *this;
}

int UniqueFd::Release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status UniqueFd::Close(const std::string& path) {
  if (fd_ < 0) return Status::Ok();
  // The descriptor is gone whatever close() returns (retrying could close another file's).
  if (::close(Release()) != 0) return FileError("cannot close", path, errno);
  return Status::Ok();
}

Status WriteAll(int fd, const std::string& path, const char* data, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return FileError("cannot write", path, errno);
    }
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return Status::Ok();
}

Status PwriteFully(int fd, const std::string& path, std::uint64_t offset, const char* data, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t w = ::pwrite(fd, data + done, n - done, static_cast<off_t>(offset + done));
    if (w < 0) {
      if (errno == EINTR) continue;
      return FileError("cannot write", path, errno);
    }
    done += static_cast<std::size_t>(w);
  }
  return Status::Ok();
}

Status PreadFully(int fd, const std::string& path, std::uint64_t offset, char* out, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::pread(fd, out + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return FileError("cannot read", path, errno);
    }
    if (r == 0)
      return Status(ErrorCategory::kIo,
                    "'" + path + "' ended at byte " + std::to_string(offset + got) + " (the file shrank)");
    got += static_cast<std::size_t>(r);
  }
  return Status::Ok();
}

Result<AtomicFile> AtomicFile::Create(const std::string& path, const Options& options) {
  std::string dir = ".", base = path;
  if (auto slash = path.rfind('/'); slash != std::string::npos) {
    dir = slash == 0 ? "/" : path.substr(0, slash);
    base = path.substr(slash + 1);
  }
  if (base.empty()) return Status::InvalidArgument("'" + path + "' names a directory, not a file");
  std::random_device rd;
  static std::atomic<unsigned> counter{0};
  for (int attempt = 0; attempt < 100; ++attempt) {
    char suffix[64];
    std::snprintf(suffix, sizeof suffix, ".s3ml-%d-%u-%08x", static_cast<int>(::getpid()), counter++, rd());
    std::string candidate = (dir == "/" ? "" : dir) + "/" + options.temp_prefix + base + suffix;
    // Read-write: a writer may read back what it wrote (the TransferManager does, to
    // check a download against the object's checksum).
    UniqueFd fd(::open(candidate.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, options.mode));
    if (fd.valid()) return AtomicFile(path, std::move(candidate), std::move(fd), options.sync);
    if (errno != EEXIST)
      return FileError("cannot create a temporary file in '" + dir + "' for", path, errno);
  }
  return Status(ErrorCategory::kIo, "cannot find a free temporary file name in '" + dir + "'");
}

AtomicFile::AtomicFile(AtomicFile&& o) noexcept
    : path_(std::move(o.path_)),
      temp_path_(std::move(o.temp_path_)),
      fd_(std::move(o.fd_)),
      sync_(o.sync_),
      done_(o.done_) {
  o.done_ = true;  // the moved-from object must not remove the file
}

Status AtomicFile::Commit() {
  if (done_) return Status(ErrorCategory::kInternal, "AtomicFile for '" + path_ + "' committed after Commit() or Abort()");
  Status st;
  if (sync_ && ::fsync(fd_.get()) != 0) st = FileError("cannot flush", temp_path_, errno);
  Status closed = fd_.Close(temp_path_);
  if (st.ok()) st = closed;
  if (st.ok() && ::rename(temp_path_.c_str(), path_.c_str()) != 0)
    st = FileError("cannot rename '" + temp_path_ + "' to", path_, errno);
  if (!st.ok()) {
    Abort();
    return st;
  }
  done_ = true;
  return Status::Ok();
}

void AtomicFile::Abort() {
  if (done_) return;
  done_ = true;
  fd_.Reset();
  ::unlink(temp_path_.c_str());
}

}  // namespace s3ml
