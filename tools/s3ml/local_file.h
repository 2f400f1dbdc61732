#pragma once
// RAII local files for the CLI's transfers.

#include <cstdint>
#include <optional>
#include <string>

#include "s3ml/objects.h"
#include "s3ml/result.h"

namespace s3ml::cli {

/// An open file descriptor, closed on destruction.
/// Thread safety: none (one owner).
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  /// Closes now, reporting a failed close (which can reveal a failed write).
  Status Close(const std::string& path);
  void Reset();

 private:
  int fd_ = -1;
};

/// A file opened for reading, with its size.
struct InputFile {
  UniqueFd fd;
  std::uint64_t size = 0;
};
/// Opens a regular file for reading. Errors (kIo) name the path and the reason.
Result<InputFile> OpenInputFile(const std::string& path);

/// Reads up to n bytes at offset (pread, retried on EINTR). Errors name the path.
Result<std::size_t> ReadAt(int fd, const std::string& path, std::uint64_t offset, char* out, std::size_t n);

/// Writes all n bytes (retried on EINTR and short writes). Errors name the path.
Status WriteAll(int fd, const std::string& path, const char* data, std::size_t n);

/// A download target: bytes go to a temporary file beside `path`, which is
/// renamed over `path` by Commit() and removed if never committed, so a failed
/// download never leaves a truncated file under the real name.
/// Thread safety: none (one owner).
class AtomicOutputFile {
 public:
  /// Creates the temporary file in path's directory.
  static Result<AtomicOutputFile> Create(const std::string& path);
  ~AtomicOutputFile();
  AtomicOutputFile(AtomicOutputFile&& o) noexcept;
  AtomicOutputFile& operator=(AtomicOutputFile&&) = delete;
  AtomicOutputFile(const AtomicOutputFile&) = delete;
  AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;

  Status Write(const char* data, std::size_t n) { return WriteAll(fd_.get(), path_, data, n); }
  /// Closes, applies the usual permissions (0666 & ~umask) and the modification
  /// time (when set), and renames over the final path.
  Status Commit(std::optional<Timestamp> mtime);

 private:
  AtomicOutputFile(std::string path, std::string temp_path, UniqueFd fd)
      : path_(std::move(path)), temp_path_(std::move(temp_path)), fd_(std::move(fd)) {}
  std::string path_;
  std::string temp_path_;
  UniqueFd fd_;
  bool committed_ = false;
};

}  // namespace s3ml::cli
