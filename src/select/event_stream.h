#pragma once
/// \file The AWS binary event-stream framing used by SelectObjectContent responses:
/// [total length u32][headers length u32][prelude CRC32][headers][payload][message CRC32],
/// all integers big-endian; headers are (u8 name length, name, u8 type, value). Only
/// header type 7 (string, u16 length) is produced; the decoder skips other known types.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "s3ml/result.h"
#include "s3ml/status.h"

namespace s3ml::eventstream {

/// One decoded (or to-be-encoded) message.
struct Message {
  std::vector<std::pair<std::string, std::string>> headers;  ///< string-valued headers, in order
  std::string payload;

  /// The value of header `name`, or empty.
  std::string Header(std::string_view name) const;
};

/// Serializes one message with both CRCs. Errors (kInvalidArgument): a header name
/// longer than 255 bytes or a value longer than 65535 bytes.
Result<std::string> Encode(const Message& m);

/// Convenience for S3 Select events: headers ":message-type" event, ":event-type",
/// and ":content-type" when non-empty.
std::string EncodeEvent(std::string_view event_type, std::string_view content_type, std::string_view payload);
/// ":message-type" error with ":error-code" and ":error-message".
std::string EncodeError(std::string_view code, std::string_view message);

/// Incremental decoder: Feed() any chunking of the byte stream, then take the
/// completed messages with Next().
///
/// Errors are kProtocol with code "EventStreamError": bad prelude CRC, bad message CRC,
/// impossible lengths (> 16 MiB or inconsistent), malformed headers. After an error
/// every call returns it again.
///
/// Thread safety: one thread at a time.
class Decoder {
 public:
  /// Largest message accepted (S3 Records events are far smaller).
  static constexpr uint32_t kMaxMessageBytes = 16u << 20;

  /// Appends bytes and decodes every complete message they finish.
  Status Feed(const char* data, size_t n);
  /// Moves the next decoded message into `out`; false when none is pending.
  bool Next(Message& out);
  /// True when no partial message is buffered (a clean end of stream).
  bool at_boundary() const { return buffer_.size() == pos_; }
  /// Bytes of an incomplete message still buffered.
  size_t pending_bytes() const { return buffer_.size() - pos_; }

 private:
  Status DecodeAvailable();
  std::string buffer_;
  size_t pos_ = 0;
  std::vector<Message> ready_;
  size_t ready_pos_ = 0;
  Status error_;
};

}  // namespace s3ml::eventstream
