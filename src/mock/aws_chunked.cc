#include "mock/aws_chunked.h"

#include <openssl/crypto.h>

#include "common/http_types.h"

namespace s3ml::mock {

namespace {

S3Error Incomplete(const std::string& why) {
  return S3Error(400, "IncompleteBody", "The request body terminated unexpectedly: " + why);
}

S3Error BadFraming(const std::string& why) {
  return InvalidRequest("Malformed aws-chunked request body: " + why);
}

bool SameSignature(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

S3Error ChunkSignatureMismatch(const std::string& what) {
  return S3Error(403, "SignatureDoesNotMatch",
                 "The request signature we calculated does not match the signature you provided. Check your key and "
                 "signing method.")
      .With("Detail", what);
}

std::string Trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t");
  auto e = s.find_last_not_of(" \t");
  return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
}

}  // namespace

Expected<DecodedBody> DecodeAwsChunked(std::string_view body, const ChunkedDecodeOptions& opts) {
  DecodedBody out;
  std::size_t pos = 0;
  std::string previous = opts.seed_signature;
  auto read_line = [&](std::string_view& line) {
    auto end = body.find("\r\n", pos);
    if (end == std::string_view::npos) return false;
    line = body.substr(pos, end - pos);
    pos = end + 2;
    return true;
  };

  for (int index = 0;; ++index) {
    std::string_view header;
    if (!read_line(header)) return Incomplete("missing chunk header after " + std::to_string(out.payload.size()) + " bytes");
    std::string_view size_text = header.substr(0, header.find(';'));
    std::string signature;
    if (auto semi = header.find(';'); semi != std::string_view::npos) {
      std::string_view ext = header.substr(semi + 1);
      constexpr std::string_view kSig = "chunk-signature=";
      if (ext.substr(0, kSig.size()) == kSig) signature = std::string(ext.substr(kSig.size()));
    }
    if (size_text.empty() || size_text.size() > 15) return BadFraming("bad chunk size '" + std::string(size_text) + "'");
    std::uint64_t size = 0;
    for (char c : size_text) {
      int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
      if (v < 0) return BadFraming("bad chunk size '" + std::string(size_text) + "'");
      size = size * 16 + static_cast<std::uint64_t>(v);
    }
    if (body.size() - pos < size) return Incomplete("chunk " + std::to_string(index) + " declares " + std::to_string(size) + " bytes but only " + std::to_string(body.size() - pos) + " remain");
    std::string_view data = body.substr(pos, size);
    pos += size;
    if (opts.verify_chunk_signatures) {
      if (signature.empty()) return ChunkSignatureMismatch("chunk " + std::to_string(index) + " has no chunk-signature");
      if (!SameSignature(signature, opts.chunk_signer(previous, data)))
        return ChunkSignatureMismatch("chunk " + std::to_string(index) + " signature does not match");
      previous = signature;
    }
    if (size == 0) break;
    out.payload.append(data.data(), data.size());
    if (body.substr(pos, 2) != "\r\n") return BadFraming("chunk " + std::to_string(index) + " is not followed by CRLF");
    pos += 2;
  }

  // Trailers (possibly none), then an empty line.
  std::string canonical_trailers;
  std::string trailer_signature;
  bool saw_end = false;
  std::string_view line;
  while (read_line(line)) {
    if (line.empty()) {
      saw_end = true;
      break;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return S3Error(400, "MalformedTrailerError", "The request contained trailing data that was not well-formed or did not conform to our published schema.");
    std::string name = ToLower(Trim(line.substr(0, colon)));
    std::string value = Trim(line.substr(colon + 1));
    if (name == "x-amz-trailer-signature") {
      trailer_signature = value;
      continue;
    }
    canonical_trailers += name + ":" + value + "\n";
    out.trailers.emplace_back(std::move(name), std::move(value));
  }
  // Some encoders omit the final empty line after the last chunk when there are no trailers.
  if (!saw_end && !(out.trailers.empty() && pos == body.size()))
    return Incomplete("the aws-chunked body does not end with an empty line");
  if (opts.verify_trailer_signature) {
    if (trailer_signature.empty()) return ChunkSignatureMismatch("the trailer has no x-amz-trailer-signature");
    if (!SameSignature(trailer_signature, opts.trailer_signer(previous, canonical_trailers)))
      return ChunkSignatureMismatch("the trailer signature does not match");
  }
  return out;
}

}  // namespace s3ml::mock
