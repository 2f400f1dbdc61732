#pragma once
// Files for tests: whole-file reads and writes, directory listings, per-process
// paths in the build tree and self-removing temporary directories.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace s3ml::test {

/// The bytes of the file at `path` ("" when it cannot be opened).
std::string ReadFile(const std::string& path);
/// Writes `data` to `path` (binary, truncating); REQUIREs success.
void WriteFile(const std::string& path, std::string_view data);
/// Whether anything exists at `path`.
bool FileExists(const std::string& path);
/// The names in `dir`, sorted, without "." and ".."; REQUIREs that `dir` can be read.
std::vector<std::string> DirEntries(const std::string& dir);

/// "<build dir>/tmp-<pid>-<name>": a path unique to this process in the build tree.
std::string TempPath(const std::string& name);

/// A fresh directory "<parent>/<tag>-XXXXXX" (parent: the system's temporary
/// directory unless given), removed with everything in it on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& tag = "s3ml-test", const std::string& parent = {});
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  /// Writes `content` to `name` below the directory (making parent directories),
  /// optionally executable by its owner; returns the file's path.
  std::string Write(const std::string& name, const std::string& content, bool executable = false) const;
  /// How many entries the directory holds.
  std::size_t Entries() const;

 private:
  std::string path_;
};

}  // namespace s3ml::test
