#include "client/sinks.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
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

const std::string& FileSink::temp_path() const {
  static const std::string kNone;
  return file_ ? file_->temp_path() : kNone;
}

Status FileSink::Open() {
  AtomicFile::Options o;
  o.sync = false;  // like the aws CLI: a download is not fsynced (it can be fetched again)
  auto f = AtomicFile::Create(path_, o);
  if (!f.ok()) {
    if (f.status().category() == ErrorCategory::kInvalidArgument)
      return Status::InvalidArgument("download target " + f.status().message());
    return f.status();
  }
  file_.emplace(std::move(*f));
  return Status::Ok();
}

Status FileSink::OnBegin(std::optional<std::uint64_t>) {
  if (!file_ || file_->fd() < 0) return Status(ErrorCategory::kInternal, "FileSink used before Open()");
  if (::ftruncate(file_->fd(), 0) != 0 || ::lseek(file_->fd(), 0, SEEK_SET) != 0)
    return Status(ErrorCategory::kIo, "cannot truncate '" + file_->temp_path() + "': " + std::strerror(errno));
  return Status::Ok();
}

Status FileSink::OnWrite(const char* data, std::size_t n) { return file_->Write(data, n); }

Status FileSink::Commit() {
  if (!file_ || file_->fd() < 0) return Status(ErrorCategory::kInternal, "FileSink committed twice or never opened");
  return file_->Commit();
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
