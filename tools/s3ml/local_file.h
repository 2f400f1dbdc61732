#pragma once
// RAII local files for the CLI's transfers (UniqueFd and WriteAll: s3ml/file.h).

#include <cstdint>
#include <optional>
#include <string>

#include "s3ml/file.h"
#include "s3ml/objects.h"
#include "s3ml/result.h"

namespace s3ml::cli {

/// A file opened for reading, with its size.
struct InputFile {
  UniqueFd fd;
  std::uint64_t size = 0;
};
/// Opens a regular file for reading. Errors (kIo) name the path and the reason.
Result<InputFile> OpenInputFile(const std::string& path);

/// Reads up to n bytes at offset (pread, retried on EINTR). Errors name the path.
Result<std::size_t> ReadAt(int fd, const std::string& path, std::uint64_t offset, char* out, std::size_t n);

/// A download target: bytes go to a temporary file beside `path`, which is
/// renamed over `path` by Commit() and removed if never committed, so a failed
/// download never leaves a truncated file under the real name.
/// Thread safety: none (one owner).
class AtomicOutputFile {
 public:
  /// Creates the temporary file in path's directory (s3ml/file.h's AtomicFile).
  static Result<AtomicOutputFile> Create(const std::string& path);

  Status Write(const char* data, std::size_t n) { return WriteAll(file_.fd(), file_.path(), data, n); }
  /// Applies the modification time (when set), closes and renames over the final
  /// path. The file has the usual permissions (0666 & ~umask).
  Status Commit(std::optional<Timestamp> mtime);

 private:
  explicit AtomicOutputFile(AtomicFile file) : file_(std::move(file)) {}
  AtomicFile file_;  ///< its destructor removes the temporary unless committed
};

}  // namespace s3ml::cli
