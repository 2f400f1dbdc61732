#include "client/sinks.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <random>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

namespace s3ml {

Status CountingSink::Begin(int http_status, const Headers& headers, std::optional<std::uint64_t> content_length) {
  ++begins_;
  received_ = 0;
  expected_ = content_length;
  if (expect_partial_ && (http_status != 206 || !headers.Has("Content-Range")))
    return Status(ErrorCategory::kProtocol,
                  "a byte range was requested but the server answered HTTP " + std::to_string(http_status) +
                      (headers.Has("Content-Range") ? "" : " without Content-Range") +
                      " (it ignored the Range header)")
        .WithHttpStatus(http_status);
  return OnBegin(content_length);
}

Status CountingSink::Write(const char* data, std::size_t n) {
  if (expected_ && received_ + n > *expected_)
    return Status(ErrorCategory::kIntegrity, "the server sent more than its Content-Length of " +
                                                 std::to_string(*expected_) + " bytes");
  S3ML_RETURN_IF_ERROR(OnWrite(data, n));
  received_ += n;
  return Status::Ok();
}

Status CountingSink::Finish() {
  if (expected_ && received_ != *expected_)
    return Status(ErrorCategory::kNetwork, "the body ended after " + std::to_string(received_) + " of " +
                                               std::to_string(*expected_) + " bytes (Content-Length)")
        .WithCode("PartialBody");
  return OnFinish();
}

// ---- BufferSink -----------------------------------------------------------------

Status BufferSink::OnBegin(std::optional<std::uint64_t> content_length) {
  out_.clear();
  if (content_length) {
    try {
      out_.reserve(static_cast<std::size_t>(*content_length));
    } catch (const std::bad_alloc&) {
      return Status(ErrorCategory::kIo, "cannot allocate " + std::to_string(*content_length) +
                                            " bytes for the object; download it to a file or a callback instead");
    }
  }
  return Status::Ok();
}

Status BufferSink::OnWrite(const char* data, std::size_t n) {
  try {
    out_.append(data, n);
  } catch (const std::bad_alloc&) {
    return Status(ErrorCategory::kIo, "out of memory after " + std::to_string(out_.size()) + " bytes of the object");
  }
  return Status::Ok();
}

// ---- FileSink -------------------------------------------------------------------

FileSink::FileSink(std::string path, bool expect_partial) : CountingSink(expect_partial), path_(std::move(path)) {}

FileSink::~FileSink() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
}

Status FileSink::Open() {
  std::string dir = ".", base = path_;
  if (auto slash = path_.rfind('/'); slash != std::string::npos) {
    dir = slash == 0 ? "/" : path_.substr(0, slash);
    base = path_.substr(slash + 1);
  }
  if (base.empty()) return Status::InvalidArgument("download target '" + path_ + "' names a directory, not a file");
  // open(O_EXCL, 0666) rather than mkstemp, so the final file gets the usual umask-derived mode.
  std::random_device rd;
  static std::atomic<unsigned> counter{0};
  for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
    char suffix[64];
    std::snprintf(suffix, sizeof suffix, ".s3ml-%d-%u-%08x", static_cast<int>(::getpid()), counter++, rd());
    std::string candidate = (dir == "/" ? "" : dir) + "/." + base + suffix;
    fd_ = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ >= 0) {
      temp_path_ = std::move(candidate);
    } else if (errno != EEXIST) {
      return Status(ErrorCategory::kIo, "cannot create a temporary file in '" + dir + "' for '" + path_ +
                                            "': " + std::strerror(errno));
    }
  }
  if (fd_ < 0) return Status(ErrorCategory::kIo, "cannot find a free temporary file name in '" + dir + "'");
  return Status::Ok();
}

Status FileSink::OnBegin(std::optional<std::uint64_t>) {
  if (fd_ < 0) return Status(ErrorCategory::kInternal, "FileSink used before Open()");
  if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) != 0)
    return Status(ErrorCategory::kIo, "cannot truncate '" + temp_path_ + "': " + std::strerror(errno));
  return Status::Ok();
}

Status FileSink::OnWrite(const char* data, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd_, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status(ErrorCategory::kIo, "write '" + temp_path_ + "': " + std::strerror(errno));
    }
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return Status::Ok();
}

Status FileSink::Commit() {
  if (fd_ < 0) return Status(ErrorCategory::kInternal, "FileSink committed twice or never opened");
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return Status(ErrorCategory::kIo, "close '" + temp_path_ + "': " + std::strerror(errno));
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0)
    return Status(ErrorCategory::kIo, "rename '" + temp_path_ + "' to '" + path_ + "': " + std::strerror(errno));
  committed_ = true;
  return Status::Ok();
}

// ---- CallbackSink ---------------------------------------------------------------

Status CallbackSink::OnBegin(std::optional<std::uint64_t>) { return CanRestart(); }

Status CallbackSink::CanRestart() const {
  if (delivered_ > 0)
    return Status(ErrorCategory::kIntegrity,
                  "the transfer failed after " + std::to_string(delivered_) +
                      " bytes had already been passed to the callback; not retrying, because the callback would "
                      "receive those bytes twice (GetObject into memory or a file retries automatically)")
        .WithCode("RetryAfterPartialDelivery");
  return Status::Ok();
}

Status CallbackSink::OnWrite(const char* data, std::size_t n) {
  delivered_ += n;
  return cb_(data, n);
}

}  // namespace s3ml
