#pragma once
// HTTP request/response values shared by auth (signing), transport (sending),
// ops (building requests) and the mock (verifying). No I/O here.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "s3ml/buffer.h"
#include "s3ml/cancel.h"
#include "s3ml/result.h"

namespace s3ml {

/// Ordered list of header (name, value) pairs. Lookups are case-insensitive.
class Headers {
 public:
  using Entry = std::pair<std::string, std::string>;
  /// Replaces any existing header of the same name.
  void Set(std::string name, std::string value);
  /// Adds without replacing (for repeated headers).
  void Add(std::string name, std::string value);
  void Remove(std::string_view name);
  const std::string* Find(std::string_view name) const;
  std::string Get(std::string_view name, std::string def = {}) const;
  bool Has(std::string_view name) const { return Find(name) != nullptr; }
  const std::vector<Entry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }

 private:
  std::vector<Entry> entries_;
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string ToLower(std::string_view s);

/// Source of a request body. Must be re-readable from the start, because a
/// retried request sends it again.
class RequestBody {
 public:
  virtual ~RequestBody() = default;
  /// Total length in bytes.
  virtual std::uint64_t size() const = 0;
  /// Copies up to `n` bytes starting at `offset` into `out`; returns the count
  /// (0 only at the end) or an error.
  virtual Result<std::size_t> Read(std::uint64_t offset, char* out, std::size_t n) = 0;
  /// If the body lives in memory, the whole of it (lets hashing skip a copy).
  virtual std::optional<std::string_view> Contiguous() const { return std::nullopt; }
};

/// Passes the whole of `body` to `fn`: in one piece when it is in memory, else
/// in chunks of 64 KiB read from offset 0. Errors: the body's read error, or
/// kIo when it ends before size() bytes ("... while <doing>").
Status ForEachBodyChunk(RequestBody& body, const std::function<void(std::string_view)>& fn, const char* doing);

/// Body held in memory; owns a copy unless constructed from a view it may borrow.
std::shared_ptr<RequestBody> MemoryBody(std::string data);
/// Borrows `data`; the caller keeps it alive until the request completes.
std::shared_ptr<RequestBody> BorrowedBody(std::string_view data);
/// Reads [offset, offset+length) of a file (length = -1: to the end). Fails if the file can't be opened.
Result<std::shared_ptr<RequestBody>> FileBody(const std::string& path, std::uint64_t offset = 0,
                                              std::int64_t length = -1);
/// A seekable callback: read(offset, out, n) -> bytes read or error.
std::shared_ptr<RequestBody> CallbackBody(
    std::uint64_t size, std::function<Result<std::size_t>(std::uint64_t, char*, std::size_t)> read);

/// One HTTP request. `path` is already URI-encoded exactly as it goes on the
/// wire (and is signed as is); `query` holds raw (unencoded) names and values,
/// encoded per SigV4 (RFC 3986 unreserved set) when the URL is built.
struct HttpRequest {
  std::string method = "GET";
  std::string scheme = "http";
  std::string host;          ///< host name or IP, no port
  int port = 0;              ///< 0 = the scheme's default
  std::string path = "/";    ///< encoded
  std::vector<std::pair<std::string, std::string>> query;
  Headers headers;
  std::shared_ptr<RequestBody> body;  ///< null = no body
  /// Cancels the request: the retry loop stops and the transport aborts it in flight.
  CancellationToken cancel;
  /// Send on a new connection, never a pooled one. The retry loop sets it for requests
  /// that must not run twice: libcurl silently re-sends a request once when a reused
  /// connection turns out to be dead, which would repeat a CreateMultipartUpload or a
  /// CompleteMultipartUpload that had already taken effect.
  bool fresh_connection = false;

  /// "host" or "host:port" (port omitted when default for the scheme): the Host header value.
  std::string HostHeader() const;
  /// Query string as sent: each name and value URI-encoded, in insertion order, `&`-joined.
  std::string EncodedQuery() const;
  /// Full URL: scheme://host[:port]path[?query].
  std::string Url() const;
};

/// Where a successful (2xx) response body goes. The transport calls
/// `Begin` once per attempt before any `Write` (so a retried attempt starts over).
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  /// `content_length` when the server sent one. Return an error to abort.
  virtual Status Begin(int http_status, const Headers& headers, std::optional<std::uint64_t> content_length) = 0;
  virtual Status Write(const char* data, std::size_t n) = 0;
  /// Called after the last byte of a complete body.
  virtual Status Finish() { return Status::Ok(); }
  /// Asked by the retry loop before it sends a request again: an error when this sink
  /// cannot take a body again (bytes went where they cannot be taken back), so no
  /// request is sent whose answer Begin would refuse. Begin may still refuse.
  virtual Status CanRestart() const { return Status::Ok(); }
};

/// One HTTP response. For error statuses (>= 300) and when no sink was given,
/// the body is in `body`.
struct HttpResponse {
  int status = 0;
  Headers headers;
  Buffer body;
  int attempts = 1;  ///< requests the retry loop sent for this response (1: no retry)
};

}  // namespace s3ml
