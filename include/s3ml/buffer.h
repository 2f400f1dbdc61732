#pragma once
/// \file Buffer: an owning, growable byte buffer that never zero-fills.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <algorithm>
#include <utility>

namespace s3ml {

/// Owning contiguous byte buffer. Unlike std::string/std::vector, `reserve`
/// and growth do not value-initialise, so a body can be written straight into
/// memory preallocated from Content-Length.
///
/// Thread safety: none (a value type); move it between threads.
class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(std::string_view s) { append(s.data(), s.size()); }
  Buffer(const Buffer& o) { append(o.data(), o.size()); }
  Buffer& operator=(const Buffer& o) {
    if (this != &o) { clear(); append(o.data(), o.size()); }
    return *this;
  }
  Buffer(Buffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)), cap_(std::exchange(o.cap_, 0)) {}
  Buffer& operator=(Buffer&& o) noexcept {
    if (this != &o) {
      std::free(data_);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      cap_ = std::exchange(o.cap_, 0);
    }
    return *this;
  }
  ~Buffer() { std::free(data_); }

  char* data() noexcept { return data_; }
  const char* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return cap_; }
  bool empty() const noexcept { return size_ == 0; }
  std::string_view view() const noexcept { return {data_, size_}; }
  std::string str() const { return std::string(data_, size_); }

  void clear() noexcept { size_ = 0; }
  void reserve(std::size_t n) {
    if (n <= cap_) return;
    void* p = std::realloc(data_, n);
    if (p == nullptr) throw std::bad_alloc();
    data_ = static_cast<char*>(p);
    cap_ = n;
  }
  /// Grows without initialising the new bytes.
  void resize_uninitialized(std::size_t n) {
    reserve(n);
    size_ = n;
  }
  void append(const void* p, std::size_t n) {
    if (n == 0) return;
    if (size_ + n > cap_) reserve(std::max(size_ + n, cap_ * 2));
    std::memcpy(data_ + size_, p, n);
    size_ += n;
  }
  void append(std::string_view s) { append(s.data(), s.size()); }

  friend bool operator==(const Buffer& a, std::string_view b) { return a.view() == b; }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t cap_ = 0;
};

}  // namespace s3ml
