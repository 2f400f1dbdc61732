#pragma once
// ResponseSinks for GetObject: into a Buffer, into a file (temp + rename), or to a
// callback. Each verifies that the bytes delivered equal Content-Length.

#include <cstdint>
#include <optional>
#include <string>

#include "s3ml/file.h"
#include "common/http_types.h"
#include "s3ml/objects.h"

namespace s3ml {

/// What every GetObject sink checks on Begin/Finish.
class CountingSink : public ResponseSink {
 public:
  /// `expect_partial`: a Range was sent, so the answer must be 206 with Content-Range.
  explicit CountingSink(bool expect_partial) : expect_partial_(expect_partial) {}
  Status Begin(int http_status, const Headers& headers, std::optional<std::uint64_t> content_length) final;
  Status Write(const char* data, std::size_t n) final;
  Status Finish() final;
  std::uint64_t received() const { return received_; }
  int begins() const { return begins_; }

 protected:
  virtual Status OnBegin(std::optional<std::uint64_t> content_length) = 0;
  virtual Status OnWrite(const char* data, std::size_t n) = 0;
  virtual Status OnFinish() { return Status::Ok(); }

 private:
  bool expect_partial_;
  std::optional<std::uint64_t> expected_;
  std::uint64_t received_ = 0;
  int begins_ = 0;
};

/// Writes into a Buffer preallocated from Content-Length; a retry starts over.
class BufferSink final : public CountingSink {
 public:
  BufferSink(Buffer& out, bool expect_partial) : CountingSink(expect_partial), out_(out) {}

 private:
  Status OnBegin(std::optional<std::uint64_t> content_length) override;
  Status OnWrite(const char* data, std::size_t n) override;
  Buffer& out_;
};

/// Writes into a temporary file beside `path`; Commit() renames it into place. The
/// destructor removes the temporary if Commit() did not happen, so a failed
/// download leaves no partial file. A retry truncates and starts over.
class FileSink final : public CountingSink {
 public:
  FileSink(std::string path, bool expect_partial);
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;
  /// Creates the temporary file. Errors: kIo naming the directory.
  Status Open();
  /// Flushes, closes and renames the temporary onto the target. Errors: kIo.
  Status Commit();
  /// The temporary's path (empty before Open()).
  const std::string& temp_path() const;

 private:
  Status OnBegin(std::optional<std::uint64_t> content_length) override;
  Status OnWrite(const char* data, std::size_t n) override;
  std::string path_;
  std::optional<AtomicFile> file_;  ///< from Open(); its destructor removes an uncommitted temporary
};

/// Passes each chunk to a DataCallback. After bytes were delivered, a retry (a second
/// Begin) is refused with kIntegrity, because the callback would see them twice.
class CallbackSink final : public CountingSink {
 public:
  CallbackSink(const DataCallback& cb, bool expect_partial) : CountingSink(expect_partial), cb_(cb) {}

 private:
  Status OnBegin(std::optional<std::uint64_t> content_length) override;
  Status OnWrite(const char* data, std::size_t n) override;

 public:
  Status CanRestart() const override;

 private:
  const DataCallback& cb_;
  std::uint64_t delivered_ = 0;
};

/// Passes each chunk with its offset from the body's start to an OffsetDataCallback.
/// A retry starts over at offset 0, so it may restart at any point.
class OffsetCallbackSink final : public CountingSink {
 public:
  OffsetCallbackSink(const OffsetDataCallback& cb, bool expect_partial) : CountingSink(expect_partial), cb_(cb) {}

 private:
  Status OnBegin(std::optional<std::uint64_t>) override {
    offset_ = 0;
    return Status::Ok();
  }
  Status OnWrite(const char* data, std::size_t n) override {
    S3ML_RETURN_IF_ERROR(cb_(offset_, data, n));
    offset_ += n;
    return Status::Ok();
  }
  const OffsetDataCallback& cb_;
  std::uint64_t offset_ = 0;
};

}  // namespace s3ml
