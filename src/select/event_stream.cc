// AWS event-stream framing (see event_stream.h). CRCs are zlib's CRC-32 (IEEE).

#include "select/event_stream.h"

#include <zlib.h>

#include <cstring>

namespace s3ml::eventstream {

namespace {

constexpr size_t kPreludeBytes = 12;
constexpr size_t kMinMessageBytes = 16;  // prelude + message CRC

uint32_t Crc(uint32_t crc, const char* data, size_t n) {
  return static_cast<uint32_t>(::crc32(crc, reinterpret_cast<const Bytef*>(data), static_cast<uInt>(n)));
}

void PutU32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>((v >> 24) & 0xff));
  out.push_back(static_cast<char>((v >> 16) & 0xff));
  out.push_back(static_cast<char>((v >> 8) & 0xff));
  out.push_back(static_cast<char>(v & 0xff));
}

uint32_t GetU32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | uint32_t{u[3]};
}

Status StreamError(std::string message) {
  return Status(ErrorCategory::kProtocol, "event stream: " + std::move(message)).WithCode("EventStreamError");
}

// Parses the headers block into `m`. Non-string header types are skipped by their size.
Status ParseHeaders(const char* p, size_t n, Message& m) {
  size_t i = 0;
  auto need = [&](size_t k) { return i + k <= n; };
  while (i < n) {
    const size_t name_len = static_cast<unsigned char>(p[i++]);
    if (name_len == 0 || !need(name_len + 1)) return StreamError("malformed header name");
    std::string name(p + i, name_len);
    i += name_len;
    const int type = static_cast<unsigned char>(p[i++]);
    size_t fixed = 0;
    switch (type) {
      case 0: case 1: fixed = 0; break;  // bool true / false
      case 2: fixed = 1; break;          // byte
      case 3: fixed = 2; break;          // short
      case 4: fixed = 4; break;          // int
      case 5: case 8: fixed = 8; break;  // long, timestamp
      case 9: fixed = 16; break;         // uuid
      case 6: case 7: {                  // bytes, string
        if (!need(2)) return StreamError("truncated header value length");
        const size_t len = (size_t{static_cast<unsigned char>(p[i])} << 8) | static_cast<unsigned char>(p[i + 1]);
        i += 2;
        if (!need(len)) return StreamError("header '" + name + "' value overruns the headers block");
        if (type == 7) m.headers.emplace_back(std::move(name), std::string(p + i, len));
        i += len;
        continue;
      }
      default:
        return StreamError("unknown header value type " + std::to_string(type) + " for '" + name + "'");
    }
    if (!need(fixed)) return StreamError("truncated header '" + name + "'");
    i += fixed;
  }
  return Status::Ok();
}

}  // namespace

std::string Message::Header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

Result<std::string> Encode(const Message& m) {
  std::string headers;
  for (const auto& [name, value] : m.headers) {
    if (name.empty() || name.size() > 255)
      return Status::InvalidArgument("event stream header name must be 1-255 bytes: '" + name + "'");
    if (value.size() > 65535)
      return Status::InvalidArgument("event stream header '" + name + "' value exceeds 65535 bytes");
    headers.push_back(static_cast<char>(name.size()));
    headers += name;
    headers.push_back(7);
    headers.push_back(static_cast<char>((value.size() >> 8) & 0xff));
    headers.push_back(static_cast<char>(value.size() & 0xff));
    headers += value;
  }
  const size_t total = kMinMessageBytes + headers.size() + m.payload.size();
  if (total > Decoder::kMaxMessageBytes)
    return Status::InvalidArgument("event stream message of " + std::to_string(total) + " bytes is too large");
  std::string out;
  out.reserve(total);
  PutU32(out, static_cast<uint32_t>(total));
  PutU32(out, static_cast<uint32_t>(headers.size()));
  PutU32(out, Crc(0, out.data(), 8));
  out += headers;
  out += m.payload;
  PutU32(out, Crc(0, out.data(), out.size()));
  return out;
}

std::string EncodeEvent(std::string_view event_type, std::string_view content_type, std::string_view payload) {
  Message m;
  m.headers.emplace_back(":message-type", "event");
  m.headers.emplace_back(":event-type", std::string(event_type));
  if (!content_type.empty()) m.headers.emplace_back(":content-type", std::string(content_type));
  m.payload.assign(payload.data(), payload.size());
  auto r = Encode(m);
  return r.ok() ? std::move(*r) : std::string();  // fixed short headers: cannot fail below 16 MiB
}

std::string EncodeError(std::string_view code, std::string_view message) {
  Message m;
  m.headers.emplace_back(":message-type", "error");
  m.headers.emplace_back(":error-code", std::string(code));
  m.headers.emplace_back(":error-message", std::string(message.substr(0, 65535)));
  auto r = Encode(m);
  return r.ok() ? std::move(*r) : std::string();
}

Status Decoder::Feed(const char* data, size_t n) {
  if (!error_.ok()) return error_;
  // Compact consumed bytes before growing the buffer.
  if (pos_ > 0 && pos_ >= buffer_.size() / 2) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  buffer_.append(data, n);
  error_ = DecodeAvailable();
  return error_;
}

Status Decoder::DecodeAvailable() {
  while (buffer_.size() - pos_ >= kPreludeBytes) {
    const char* p = buffer_.data() + pos_;
    const uint32_t total = GetU32(p);
    const uint32_t headers_len = GetU32(p + 4);
    if (GetU32(p + 8) != Crc(0, p, 8)) return StreamError("prelude CRC mismatch");
    if (total < kMinMessageBytes || total > kMaxMessageBytes || headers_len > total - kMinMessageBytes)
      return StreamError("impossible message length " + std::to_string(total) + " (headers " +
                         std::to_string(headers_len) + ")");
    if (buffer_.size() - pos_ < total) return Status::Ok();  // wait for more bytes
    if (GetU32(p + total - 4) != Crc(0, p, total - 4)) return StreamError("message CRC mismatch");
    Message m;
    S3ML_RETURN_IF_ERROR(ParseHeaders(p + kPreludeBytes, headers_len, m));
    m.payload.assign(p + kPreludeBytes + headers_len, total - kMinMessageBytes - headers_len);
    ready_.push_back(std::move(m));
    pos_ += total;
  }
  return Status::Ok();
}

bool Decoder::Next(Message& out) {
  if (ready_pos_ >= ready_.size()) return false;
  out = std::move(ready_[ready_pos_++]);
  if (ready_pos_ == ready_.size()) {
    ready_.clear();
    ready_pos_ = 0;
  }
  return true;
}

}  // namespace s3ml::eventstream
