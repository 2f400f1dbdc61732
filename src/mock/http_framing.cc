#include "mock/http_framing.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace s3ml::mock::http {

namespace {

bool IsTchar(unsigned char c) {
  if (std::isalnum(c) != 0 && c < 0x80) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != 0;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!IsTchar(static_cast<unsigned char>(c))) return false;
  return true;
}

// Field values: visible ASCII, space, HTAB and obs-text; no other control byte.
bool IsFieldValueByte(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7F); }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

S3Error SectionTooLarge() {
  return S3Error(400, "RequestHeaderSectionTooLarge", "Your request header section exceeds the maximum allowed size.")
      .With("MaxSizeAllowed", std::to_string(kMaxHeaderSection));
}

S3Error UriTooLong() {
  return S3Error(414, "RequestURITooLong", "The request URI is too long.")
      .With("MaxSizeAllowed", std::to_string(kMaxRequestLine));
}

S3Error EntityTooLarge(std::uint64_t proposed, std::uint64_t max) {
  return S3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
      .With("ProposedSize", std::to_string(proposed))
      .With("MaxSizeAllowed", std::to_string(max));
}

// The methods the mock routes; httplib would answer others with its own 400/404.
bool IsServedMethod(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "PUT" || m == "POST" || m == "DELETE" || m == "OPTIONS" || m == "PATCH";
}

}  // namespace

S3Error MalformedRequest(const std::string& what) {
  return S3Error(400, "BadRequest", "An error occurred when parsing the HTTP request: " + what + ".");
}

HeadScan FindHeadEnd(std::string_view buf, std::size_t& head_size) {
  std::size_t line_start = 0, request_line_end = std::string_view::npos;
  const std::size_t scan = std::min(buf.size(), kMaxHead);
  for (std::size_t i = 0; i < scan; ++i) {
    if (buf[i] != '\n') continue;
    const std::size_t len = i - line_start;  // without the LF
    if (request_line_end == std::string_view::npos) {
      request_line_end = i + 1;
    } else if (len == 0 || (len == 1 && buf[i - 1] == '\r')) {
      head_size = i + 1;
      return HeadScan::kComplete;
    }
    line_start = i + 1;
  }
  // Stop as soon as either part is over its limit: nothing more is read.
  if (request_line_end == std::string_view::npos) {
    return buf.size() >= kMaxRequestLine ? HeadScan::kTooLarge : HeadScan::kIncomplete;
  }
  return buf.size() - request_line_end >= kMaxHeaderSection + 2 ? HeadScan::kTooLarge : HeadScan::kIncomplete;
}

S3Error HeadTooLarge(std::string_view buf) {
  const auto lf = buf.substr(0, kMaxRequestLine).find('\n');
  return lf == std::string_view::npos ? UriTooLong() : SectionTooLarge();
}

Expected<RequestHead> ParseRequestHead(std::string_view head, std::uint64_t max_body) {
  RequestHead out;
  // Split into lines; every line must end with CRLF.
  std::size_t pos = 0;
  auto next_line = [&](std::string_view& line) -> MaybeError {
    const auto lf = head.find('\n', pos);
    if (lf == std::string_view::npos) return MalformedRequest("the request head does not end with an empty line");
    if (lf == pos || head[lf - 1] != '\r') return MalformedRequest("a line of the request head ends with a bare LF");
    line = head.substr(pos, lf - 1 - pos);
    pos = lf + 1;
    return std::nullopt;
  };

  std::string_view line;
  if (auto e = next_line(line)) return *e;
  if (line.size() + 2 > kMaxRequestLine) return UriTooLong();
  {
    const auto sp1 = line.find(' ');
    const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
      return MalformedRequest("the request line is not 'METHOD target HTTP/1.1'");
    const std::string_view method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1),
                           version = line.substr(sp2 + 1);
    if (!IsToken(method)) return MalformedRequest("the request method is not a token");
    if (target.empty() || target.front() != '/') return MalformedRequest("the request target does not start with '/'");
    for (char c : target) {
      const auto u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u == 0x7F) return MalformedRequest("the request target contains a control character");
    }
    if (version == "HTTP/1.0") out.http10 = true;
    else if (version != "HTTP/1.1") return MalformedRequest("the HTTP version is not HTTP/1.1 or HTTP/1.0");
    out.method = std::string(method);
    out.target = std::string(target);
  }

  std::size_t section = 0;
  int content_lengths = 0, transfer_encodings = 0;
  std::string_view content_length, transfer_encoding;
  for (;;) {
    if (auto e = next_line(line)) return *e;
    if (line.empty()) break;
    section += line.size() + 2;
    if (section > kMaxHeaderSection) return SectionTooLarge();
    if (line.front() == ' ' || line.front() == '\t')
      return MalformedRequest("a header line starts with white space (obsolete line folding)");
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return MalformedRequest("a header line has no ':'");
    const std::string_view name = line.substr(0, colon);
    if (!IsToken(name)) return MalformedRequest("a header name is not a token");
    const std::string_view raw_value = line.substr(colon + 1);
    for (char c : raw_value)
      if (!IsFieldValueByte(static_cast<unsigned char>(c)))
        return MalformedRequest("the value of header " + std::string(name) + " contains a control character");
    if (EqualsIgnoreCase(name, "Content-Length")) {
      ++content_lengths;
      content_length = TrimOws(raw_value);
    } else if (EqualsIgnoreCase(name, "Transfer-Encoding")) {
      ++transfer_encodings;
      transfer_encoding = TrimOws(raw_value);
    }
  }
  if (pos != head.size()) return MalformedRequest("bytes follow the end of the request head");

  if (content_lengths > 1) return MalformedRequest("more than one Content-Length header");
  if (transfer_encodings > 1) return MalformedRequest("more than one Transfer-Encoding header");
  if (transfer_encodings == 1) {
    if (content_lengths == 1) return MalformedRequest("both Content-Length and Transfer-Encoding are present");
    if (out.http10) return MalformedRequest("Transfer-Encoding in an HTTP/1.0 request");
    if (!EqualsIgnoreCase(transfer_encoding, "chunked"))
      return S3Error(501, "NotImplemented", "A header you provided implies functionality that is not implemented.")
          .With("Header", "Transfer-Encoding");
    out.framing = BodyFraming::kChunked;
  } else if (content_lengths == 1) {
    // 1*DIGIT: no sign, no white space inside, no list.
    if (content_length.empty() || content_length.size() > 19 ||
        !std::all_of(content_length.begin(), content_length.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return MalformedRequest("Content-Length '" + std::string(content_length) + "' is not a decimal number");
    std::uint64_t n = 0;
    for (char c : content_length) n = n * 10 + static_cast<std::uint64_t>(c - '0');  // <= 19 digits: no overflow
    if (n > max_body) return EntityTooLarge(n, max_body);
    out.framing = BodyFraming::kLength;
    out.content_length = n;
  } else if (out.method == "PUT" || out.method == "POST" || out.method == "PATCH") {
    out.framing = BodyFraming::kUnframed;
  }
  if (!IsServedMethod(out.method)) {
    return S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
        .With("Method", out.method);
  }
  return out;
}

MaybeError ChunkedDecoder::SizeLineDone() {
  const std::string_view line = line_;
  std::size_t digits = 0;
  std::uint64_t size = 0;
  while (digits < line.size() && std::isxdigit(static_cast<unsigned char>(line[digits])) != 0) {
    if (digits == 16) return MalformedRequest("a chunk size has more than 16 hex digits");
    const char c = line[digits];
    size = size * 16 + static_cast<std::uint64_t>(c <= '9' ? c - '0' : (std::tolower(c) - 'a' + 10));
    ++digits;
  }
  if (digits == 0) return MalformedRequest("a chunk-size line does not start with a hex number");
  std::string_view rest = line.substr(digits);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  if (!rest.empty() && rest.front() != ';') return MalformedRequest("a chunk size is followed by something other than ';'");
  for (char c : rest)
    if (!IsFieldValueByte(static_cast<unsigned char>(c)))
      return MalformedRequest("a chunk extension contains a control character");
  if (size == 0) {
    state_ = State::kTrailerLine;
    return std::nullopt;
  }
  if (size > max_body_ - std::min(total_, max_body_)) return EntityTooLarge(total_ + size, max_body_);
  chunk_left_ = size;
  state_ = State::kData;
  return std::nullopt;
}

Expected<ChunkedDecoder::Step> ChunkedDecoder::Decode(const char* in, std::size_t in_len, char* out,
                                                     std::size_t out_cap) {
  Step step;
  std::size_t& i = step.consumed;
  while (i < in_len && state_ != State::kDone) {
    switch (state_) {
      case State::kSizeLine:
      case State::kTrailerLine: {
        const char c = in[i++];
        if (c == '\n') {
          if (!line_cr_) return MalformedRequest("a line of the chunked body ends with a bare LF");
          line_cr_ = false;
          in_extension_ = false;
          if (state_ == State::kSizeLine) {
            if (auto e = SizeLineDone()) return *e;
          } else if (line_.empty()) {
            state_ = State::kDone;
          } else {
            trailer_bytes_ += line_.size() + 2;
            if (trailer_bytes_ > kMaxTrailerSection) return MalformedRequest("the trailer section is too large");
            if (line_.find(':') == std::string::npos || line_.front() == ' ' || line_.front() == '\t')
              return MalformedRequest("a trailer line is not 'name: value'");
            for (char t : line_)
              if (!IsFieldValueByte(static_cast<unsigned char>(t)))
                return MalformedRequest("a trailer contains a control character");
          }
          line_.clear();
        } else if (line_cr_) {
          return MalformedRequest("a CR inside a line of the chunked body");
        } else if (c == '\r') {
          line_cr_ = true;
        } else {
          // A size line is refused at its first wrong byte, not when its CRLF comes.
          if (state_ == State::kSizeLine && !in_extension_) {
            if (std::isxdigit(static_cast<unsigned char>(c)) == 0) {
              if (line_.empty()) return MalformedRequest("a chunk-size line does not start with a hex number");
              if (c != ' ' && c != '\t' && c != ';')
                return MalformedRequest("a chunk size is followed by something other than ';'");
              in_extension_ = true;
            }
          }
          line_ += c;
          const std::size_t limit = state_ == State::kSizeLine ? kMaxChunkLine : kMaxTrailerSection;
          if (line_.size() + 2 > limit) return MalformedRequest("a line of the chunked body is too long");
        }
        break;
      }
      case State::kData: {
        const std::size_t n = static_cast<std::size_t>(
            std::min<std::uint64_t>({static_cast<std::uint64_t>(in_len - i),
                                     static_cast<std::uint64_t>(out_cap - step.produced), chunk_left_}));
        if (n == 0) return step;  // `out` is full
        std::memcpy(out + step.produced, in + i, n);
        i += n;
        step.produced += n;
        chunk_left_ -= n;
        total_ += n;
        if (chunk_left_ == 0) state_ = State::kDataCr;
        break;
      }
      case State::kDataCr:
        if (in[i++] != '\r') return MalformedRequest("a chunk's data is longer than its chunk size");
        state_ = State::kDataLf;
        break;
      case State::kDataLf:
        if (in[i++] != '\n') return MalformedRequest("a chunk's data is not followed by CRLF");
        state_ = State::kSizeLine;
        break;
      case State::kDone:
        break;
    }
  }
  return step;
}

}  // namespace s3ml::mock::http
