// The mock's HTTP/1.1 request framing (src/mock/http_framing.cc): finding a head,
// checking it and working out the body's framing, and the chunked decoder. These run
// on bytes from any client that can open a socket, before authentication.
//
// Input: byte 0 picks the decoder's body limit and output buffer size, byte 1 the
// piece size the chunked body is fed in; the rest is a connection's bytes. The
// harness checks, besides the sanitizers:
//   - a head found is never longer than the buffered bytes or kMaxHead;
//   - every error is an S3 error with a code and a 4xx/5xx status;
//   - a Content-Length framing never exceeds the body limit;
//   - the chunked decoder gives the same body, the same end and the same verdict
//     whether the bytes arrive at once into a big buffer or a few at a time into a
//     small one (so a body never ends early and leaves bytes to parse as another
//     request), never produces more than the limit, and never consumes past the end.
#include <algorithm>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "mock/http_framing.h"

using namespace s3ml;
using namespace s3ml::mock::http;

namespace {

struct Decoded {
  bool ok = true;
  bool done = false;
  std::string code;
  std::string body;
  std::size_t consumed = 0;
};

Decoded Decode(std::string_view in, std::uint64_t max_body, std::size_t piece, std::size_t out_cap) {
  Decoded r;
  ChunkedDecoder d(max_body);
  std::vector<char> out(out_cap);
  std::size_t pos = 0;
  // Each round either consumes input, produces output, or ends; bound the rounds anyway.
  for (std::size_t rounds = 0; rounds < 4 * in.size() + 16 && !d.done(); ++rounds) {
    const std::size_t n = std::min(piece, in.size() - pos);
    auto step = d.Decode(in.data() + pos, n, out.data(), out.size());
    if (!step.ok()) {
      r.ok = false;
      r.code = step.error().code;
      S3ML_FUZZ_CHECK(!r.code.empty());
      S3ML_FUZZ_CHECK(step.error().http_status >= 400 && step.error().http_status < 600);
      break;
    }
    S3ML_FUZZ_CHECK(step.value().consumed <= n);
    S3ML_FUZZ_CHECK(step.value().produced <= out.size());
    r.body.append(out.data(), step.value().produced);
    pos += step.value().consumed;
    if (pos == in.size() && step.value().produced < out.size()) break;  // input used up
    if (step.value().consumed == 0 && step.value().produced == 0 && !d.done()) {
      S3ML_FUZZ_CHECK(n == 0);  // no progress only when there was nothing to read
      break;
    }
  }
  r.done = d.done();
  r.consumed = pos;
  S3ML_FUZZ_CHECK(d.body_bytes() <= max_body);
  // On an error the failing call's output is not returned; otherwise all of it was.
  if (r.ok) S3ML_FUZZ_CHECK(r.body.size() == d.body_bytes());
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  const std::uint8_t b0 = in.Byte();
  const std::uint8_t b1 = in.Byte();
  const std::uint64_t max_body = (b0 & 0x80) ? (b0 & 0x7F) : std::uint64_t{5} << 30;
  const std::size_t out_cap = 1 + (b0 & 0x0F);
  const std::size_t piece = 1 + (b1 & 0x1F);
  const std::string_view bytes = in.Rest();

  std::size_t head_size = 0;
  std::string_view body_bytes = bytes;
  switch (FindHeadEnd(bytes, head_size)) {
    case HeadScan::kIncomplete:
      S3ML_FUZZ_CHECK(bytes.size() < kMaxHead);
      break;
    case HeadScan::kTooLarge: {
      S3ML_FUZZ_CHECK(bytes.size() >= std::min<std::size_t>(kMaxHead, kMaxRequestLine));
      const mock::S3Error e = HeadTooLarge(bytes);
      S3ML_FUZZ_CHECK(e.http_status == 400 || e.http_status == 414);
      return 0;
    }
    case HeadScan::kComplete: {
      S3ML_FUZZ_CHECK(head_size > 0 && head_size <= bytes.size() && head_size <= kMaxHead);
      auto head = ParseRequestHead(bytes.substr(0, head_size), max_body);
      if (!head.ok()) {
        S3ML_FUZZ_CHECK(!head.error().code.empty());
        S3ML_FUZZ_CHECK(head.error().http_status >= 400 && head.error().http_status < 600);
      } else {
        const RequestHead& h = head.value();
        S3ML_FUZZ_CHECK(!h.method.empty() && !h.target.empty());
        if (h.framing == BodyFraming::kLength) S3ML_FUZZ_CHECK(h.content_length <= max_body);
        if (h.framing != BodyFraming::kLength) S3ML_FUZZ_CHECK(h.content_length == 0);
      }
      body_bytes = bytes.substr(head_size);
      break;
    }
  }

  // The chunked decoder on the bytes after the head (or on all of them when none was
  // found): all at once into a large buffer, then in pieces into a small one.
  const Decoded whole = Decode(body_bytes, max_body, body_bytes.size() + 1, body_bytes.size() + 1);
  const Decoded parts = Decode(body_bytes, max_body, piece, out_cap);
  S3ML_FUZZ_CHECK(whole.ok == parts.ok);
  S3ML_FUZZ_CHECK(whole.code == parts.code);
  S3ML_FUZZ_CHECK(whole.done == parts.done);
  if (whole.ok) {
    S3ML_FUZZ_CHECK(whole.body == parts.body);
    S3ML_FUZZ_CHECK(whole.consumed == parts.consumed);
    S3ML_FUZZ_CHECK(whole.consumed <= body_bytes.size());
    if (!whole.done) S3ML_FUZZ_CHECK(whole.consumed == body_bytes.size());
  }
  return 0;
}
