#pragma once
// Strict HTTP/1.1 request framing for the mock's front end (see http_server.h):
// finding and checking a request head, the body's framing, and a chunked
// transfer-coding decoder. Pure functions over bytes, so they can be tested and
// fuzzed without sockets.
//
// The limits (S3's where S3 documents one) are listed in docs/reliability.md,
// "Limits on untrusted input". Every violation is an S3Error the front end
// answers with an S3 XML error document before it closes the connection.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mock/s3_error.h"

namespace s3ml::mock::http {

/// The request line, CRLF included (httplib's CPPHTTPLIB_REQUEST_URI_MAX_LENGTH).
inline constexpr std::size_t kMaxRequestLine = 8192;
/// The header lines after the request line, their CRLFs included (S3: "The PUT
/// request header is limited to 8 KB in size").
inline constexpr std::size_t kMaxHeaderSection = 8192;
/// The most bytes of a head that are ever buffered: request line, header
/// section and the blank line. Reading stops here.
inline constexpr std::size_t kMaxHead = kMaxRequestLine + kMaxHeaderSection + 2;
/// A chunk-size line of a chunked body, extensions and CRLF included.
inline constexpr std::size_t kMaxChunkLine = 4096;
/// The trailer section of a chunked body (after the last chunk).
inline constexpr std::size_t kMaxTrailerSection = 8192;

/// Where the head ends in `buf` (bytes of a connection, the head first).
enum class HeadScan { kIncomplete, kComplete, kTooLarge };
/// kComplete: `head_size` is the head's length, blank line included (a head
/// ends at the first empty line; a bare LF counts as a line end here so that a
/// LF-only head is found and refused, not waited for). kTooLarge: no end within
/// kMaxHead bytes.
HeadScan FindHeadEnd(std::string_view buf, std::size_t& head_size);

/// The error for a head that did not end within kMaxHead bytes: 414
/// RequestURITooLong when the request line alone is too long, otherwise 400
/// RequestHeaderSectionTooLarge.
S3Error HeadTooLarge(std::string_view buf);

/// How the body of a request is delimited.
enum class BodyFraming {
  kNone,      ///< no body (no Content-Length or Transfer-Encoding, not PUT/POST/PATCH)
  kLength,    ///< Content-Length bytes
  kChunked,   ///< Transfer-Encoding: chunked
  kUnframed,  ///< PUT/POST/PATCH without either: read as empty, answered 411, then closed
};

struct RequestHead {
  std::string method;
  std::string target;  ///< as sent
  bool http10 = false;
  BodyFraming framing = BodyFraming::kNone;
  std::uint64_t content_length = 0;  ///< kLength only
};

/// Checks a complete head (as found by FindHeadEnd) and works out the body's
/// framing. Errors: 400 BadRequest (malformed request line or header line, a
/// control character, obsolete line folding, a bare LF, an invalid or repeated
/// Content-Length, Content-Length together with Transfer-Encoding), 400
/// RequestHeaderSectionTooLarge, 414 RequestURITooLong, 405 MethodNotAllowed
/// (a method the mock does not serve), 501 NotImplemented (a transfer coding
/// other than chunked), 413 EntityTooLarge (Content-Length above `max_body`).
Expected<RequestHead> ParseRequestHead(std::string_view head, std::uint64_t max_body);

/// 400 BadRequest with S3's message and what was wrong.
S3Error MalformedRequest(const std::string& what);

/// Incremental, strict decoder of the chunked transfer coding (RFC 9112 7.1):
/// hex chunk sizes (at most 16 digits) with optional extensions, CRLF after
/// every size line and every chunk's data, a last chunk of size 0, then an
/// optional trailer section (read and discarded) and a CRLF. Anything else —
/// a chunk longer than its size, a missing CRLF, a bare LF — is an error, so
/// a chunked body can never end early and leave bytes to be read as another
/// request.
class ChunkedDecoder {
 public:
  explicit ChunkedDecoder(std::uint64_t max_body) : max_body_(max_body) {}

  struct Step {
    std::size_t consumed = 0;  ///< input bytes used
    std::size_t produced = 0;  ///< body bytes written to `out`
  };
  /// Decodes from `in` into `out` until the input is used up, `out` is full, or
  /// the body ended (done()). Errors: 400 BadRequest (malformed), 413
  /// EntityTooLarge (more than max_body bytes of data).
  Expected<Step> Decode(const char* in, std::size_t in_len, char* out, std::size_t out_cap);
  bool done() const { return state_ == State::kDone; }
  std::uint64_t body_bytes() const { return total_; }

 private:
  enum class State { kSizeLine, kData, kDataCr, kDataLf, kTrailerLine, kDone };
  MaybeError SizeLineDone();
  const std::uint64_t max_body_;
  State state_ = State::kSizeLine;
  std::string line_;          // the current size or trailer line, CRLF excluded
  bool line_cr_ = false;      // the last byte of line_ input was CR
  bool in_extension_ = false;  // the size line's hex digits have ended
  std::uint64_t chunk_left_ = 0, total_ = 0;
  std::size_t trailer_bytes_ = 0;
};

}  // namespace s3ml::mock::http
