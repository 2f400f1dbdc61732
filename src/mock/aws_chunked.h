#pragma once
// Decoder for `Content-Encoding: aws-chunked` request bodies: the framing
// "<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;...]\r\n[trailers]\r\n"
// used with STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] and
// STREAMING-UNSIGNED-PAYLOAD-TRAILER.

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mock/s3_error.h"

namespace s3ml::mock {

struct ChunkedDecodeOptions {
  /// Verify chunk-signature extensions (chained from `seed_signature`).
  bool verify_chunk_signatures = false;
  std::string seed_signature;
  /// Signature of one chunk given the previous signature.
  std::function<std::string(const std::string& previous, std::string_view chunk)> chunk_signer;
  /// Verify a trailing x-amz-trailer-signature (signed-trailer mode).
  bool verify_trailer_signature = false;
  /// Signature of the canonical trailer block ("name:value\n"...) given the last chunk signature.
  std::function<std::string(const std::string& previous, const std::string& canonical_trailers)> trailer_signer;
};

struct DecodedBody {
  std::string payload;
  /// Trailing headers (names lower-cased), excluding x-amz-trailer-signature.
  std::vector<std::pair<std::string, std::string>> trailers;
};

/// Decodes (and, per `opts`, verifies) an aws-chunked body.
/// Errors: IncompleteBody / InvalidRequest (400) for bad framing,
/// SignatureDoesNotMatch (403) for a broken chunk or trailer signature chain.
Expected<DecodedBody> DecodeAwsChunked(std::string_view body, const ChunkedDecodeOptions& opts);

}  // namespace s3ml::mock
