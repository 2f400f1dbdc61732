#pragma once
// Helpers shared by the libFuzzer harnesses: splitting one fuzz input into the
// pieces a harness needs, deterministically.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace s3ml::fuzz {

/// Reads a fuzz input front to back. Every accessor is total: past the end it
/// returns zeros / empty strings, so any byte string is a valid input.
class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : s_(reinterpret_cast<const char*>(data), size) {}

  std::uint8_t Byte() {
    if (s_.empty()) return 0;
    auto b = static_cast<std::uint8_t>(s_.front());
    s_.remove_prefix(1);
    return b;
  }
  /// Bytes up to (not including) the next `sep`, which is consumed; all the rest when absent.
  std::string_view Until(char sep) {
    auto p = s_.find(sep);
    std::string_view out = s_.substr(0, p);
    s_.remove_prefix(p == std::string_view::npos ? s_.size() : p + 1);
    return out;
  }
  std::string_view Rest() {
    std::string_view out = s_;
    s_ = {};
    return out;
  }
  bool empty() const { return s_.empty(); }

 private:
  std::string_view s_;
};

/// A harness's own consistency check failed: a finding (libFuzzer reports the abort).
[[noreturn]] inline void Fail() { std::abort(); }

}  // namespace s3ml::fuzz

#define S3ML_FUZZ_CHECK(cond) \
  do {                        \
    if (!(cond)) ::s3ml::fuzz::Fail(); \
  } while (0)
