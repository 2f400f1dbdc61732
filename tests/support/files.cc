#include "support/files.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>

#include <catch2/catch.hpp>

namespace fs = std::filesystem;

namespace s3ml::test {

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, std::string_view data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
  REQUIRE(f.good());
}

bool FileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::vector<std::string> DirEntries(const std::string& dir) {
  std::vector<std::string> names;
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  INFO(dir);
  REQUIRE(d != nullptr);
  while (dirent* e = ::readdir(d.get())) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string TempPath(const std::string& name) {
  return std::string(S3ML_BINARY_DIR) + "/tmp-" + std::to_string(::getpid()) + "-" + name;
}

TempDir::TempDir(const std::string& tag, const std::string& parent) {
  std::string tmpl = ((parent.empty() ? fs::temp_directory_path() : fs::path(parent)) / (tag + "-XXXXXX")).string();
  INFO(tmpl);
  REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::permissions(path_, fs::perms::owner_all, ec);  // a test may have made it read-only
  fs::remove_all(path_, ec);
}

std::string TempDir::Write(const std::string& name, const std::string& content, bool executable) const {
  const fs::path p = fs::path(path_) / name;
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
  if (executable) fs::permissions(p, fs::perms::owner_all, fs::perm_options::replace);
  return p.string();
}

std::size_t TempDir::Entries() const {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(path_), fs::directory_iterator()));
}

}  // namespace s3ml::test
