#pragma once
// A ResponseSink wrapper that verifies the x-amz-checksum-* header of a
// full-object GET over the bytes it forwards.

#include <memory>
#include <string>

#include "common/checksum.h"
#include "common/http_types.h"

namespace s3ml {

/// True when an object's checksum is a multipart COMPOSITE one (a checksum of its
/// parts' checksums, not of its bytes): x-amz-checksum-type COMPOSITE, or — moto drops
/// the type and the "-N" — no type with a multipart ETag ("...-N").
bool ChecksumIsComposite(const std::string& checksum_type, const std::string& etag);

/// Forwards everything to `inner`. When `enabled` and the response is a 200
/// carrying a full-object checksum (x-amz-checksum-crc32c, -crc32, -sha256 or
/// -sha1; composite multipart values — "…-N", x-amz-checksum-type COMPOSITE, or a
/// multipart "…-N" ETag without a FULL_OBJECT type — are skipped), it hashes the body and
/// fails Finish() with kIntegrity naming the algorithm, expected and actual
/// values on a mismatch. A retry (second Begin) starts the hash over.
/// Not thread-safe: one request at a time.
class ChecksumVerifyingSink final : public ResponseSink {
 public:
  ChecksumVerifyingSink(ResponseSink& inner, bool enabled) : inner_(inner), enabled_(enabled) {}
  Status Begin(int http_status, const Headers& headers, std::optional<std::uint64_t> content_length) override;
  Status Write(const char* data, std::size_t n) override;
  Status Finish() override;
  Status CanRestart() const override { return inner_.CanRestart(); }

 private:
  ResponseSink& inner_;
  bool enabled_;
  ChecksumAlgorithm algorithm_ = ChecksumAlgorithm::kNone;
  std::string expected_;
  std::unique_ptr<Checksummer> checksummer_;
};

}  // namespace s3ml
