#pragma once
/// \file Local files as s3ml writes them: an owned file descriptor, writes and reads
/// that finish or fail with a message naming the path, and the atomic writer every
/// download uses (a temporary file in the same directory, fsync, rename into place).
/// POSIX only.

#include <cstddef>
#include <cstdint>
#include <string>

#include "s3ml/result.h"
#include "s3ml/status.h"

namespace s3ml {

/// An open file descriptor, closed on destruction (errors of that close are lost:
/// call Close() where they matter). -1 means none.
/// Thread safety: none (one owner).
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.Release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  /// Gives up ownership: returns the descriptor (-1 if none) without closing it.
  int Release();
  /// Closes the descriptor (if any), ignoring errors.
  void Reset();
  /// Closes now, reporting a failed close (which can reveal a failed write on NFS and
  /// the like). Errors: kIo, "cannot close '<path>': <strerror>".
  Status Close(const std::string& path);

 private:
  int fd_ = -1;
};

/// kIo "<what> '<path>': <strerror(err)>", the one form of a failed file operation.
Status FileError(const std::string& what, const std::string& path, int err);

/// Writes all n bytes (retried on EINTR and short writes).
/// Errors: kIo, "cannot write '<path>': <strerror>".
Status WriteAll(int fd, const std::string& path, const char* data, std::size_t n);

/// Writes all n bytes at `offset` (retried on EINTR and short writes).
/// Errors: kIo, "cannot write '<path>': <strerror>".
Status PwriteFully(int fd, const std::string& path, std::uint64_t offset, const char* data, std::size_t n);

/// Reads exactly n bytes at `offset`. Errors: kIo, "cannot read '<path>': <strerror>",
/// or "'<path>' ended at byte <n> (the file shrank)" when it ends sooner.
Status PreadFully(int fd, const std::string& path, std::uint64_t offset, char* out, std::size_t n);

/// A file written under a temporary name in its target's directory and renamed over
/// the target by Commit(), so that the target is either the old file or the whole
/// new one, never a partial one. The temporary is removed when Commit() fails and by
/// the destructor (or Abort()) when Commit() did not happen.
///
/// The temporary is <dir>/<temp_prefix><base>.s3ml-<pid>-<n>-<random>, created with
/// open(O_CREAT | O_EXCL, mode) rather than mkstemp so that the final file gets the
/// mode (less the umask) any new file would.
///
/// Thread safety: none (one owner).
class AtomicFile {
 public:
  struct Options {
    std::string temp_prefix = ".";  ///< hidden by default; a directory that sweeps leftovers sets its own
    unsigned mode = 0666;           ///< passed to open(); the umask applies
    bool sync = true;               ///< fsync before the rename: the new content survives a crash
  };

  /// Creates the temporary. Errors: kInvalidArgument "'<path>' names a directory, not a
  /// file"; kIo "cannot create a temporary file in '<dir>' for '<path>': <strerror>".
  static Result<AtomicFile> Create(const std::string& path, const Options& options);
  static Result<AtomicFile> Create(const std::string& path) { return Create(path, Options()); }

  AtomicFile(AtomicFile&& o) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile() { Abort(); }

  /// The open temporary (-1 after Commit() or Abort()).
  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }
  /// Appends n bytes. Errors: kIo "cannot write '<temp>': <strerror>".
  Status Write(const char* data, std::size_t n) { return WriteAll(fd_.get(), temp_path_, data, n); }
  /// fsync (Options::sync), close and rename over path(). Errors: kIo, "cannot flush
  /// '<temp>'", "cannot close '<temp>'" or "cannot rename '<temp>' to '<path>'" with
  /// the reason, the temporary removed; kInternal after Commit() or Abort().
  Status Commit();
  /// Closes and removes the temporary; nothing after Commit().
  void Abort();

 private:
  AtomicFile(std::string path, std::string temp_path, UniqueFd fd, bool sync)
      : path_(std::move(path)), temp_path_(std::move(temp_path)), fd_(std::move(fd)), sync_(sync) {}
  std::string path_;
  std::string temp_path_;
  UniqueFd fd_;
  bool sync_ = true;
  bool done_ = false;  ///< committed, aborted or moved from: the temporary is no longer ours
};

}  // namespace s3ml
