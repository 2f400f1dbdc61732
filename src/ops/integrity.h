#pragma once
// Request integrity: Content-MD5 and additional checksums (x-amz-checksum-*) as a
// header or as an aws-chunked trailer computed while the body is sent, under the
// client's ChecksumCalculation policy; and the composite checksum of a multipart upload.

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/checksum.h"
#include "common/http_types.h"
#include "ops/requests.h"
#include "s3ml/multipart.h"
#include "s3ml/result.h"

namespace s3ml::ops {

/// A request body re-framed as `Content-Encoding: aws-chunked` (64 KiB chunks, no chunk
/// signatures) ending with the trailer "x-amz-checksum-<alg>:<base64>", whose checksum is
/// computed while the transport reads the body: no pass over the data before sending.
/// The encoded size is known up front (base64 checksums have fixed lengths).
///
/// Thread safety: Read and ChecksumBase64 may be called from different threads (a mutex
/// guards the running checksum); the transport reads one attempt at a time.
class AwsChunkedBody final : public RequestBody {
 public:
  static constexpr std::size_t kChunkSize = 64 * 1024;
  AwsChunkedBody(std::shared_ptr<RequestBody> inner, ChecksumAlgorithm algorithm);

  std::uint64_t size() const override { return encoded_size_; }
  Result<std::size_t> Read(std::uint64_t offset, char* out, std::size_t n) override;
  /// Bytes of the payload itself (x-amz-decoded-content-length).
  std::uint64_t decoded_size() const { return data_size_; }
  /// "x-amz-checksum-crc32c" etc.
  const std::string& trailer_name() const { return trailer_name_; }
  /// The checksum of the payload (base64): the value the trailer carried, or computed
  /// in a pass over the inner body if the body has not been sent in full.
  Result<std::string> ChecksumBase64();

 private:
  // Position of encoded offset `off`: in chunk `index`, at byte `within` of that chunk's encoding.
  Status ReadTail(std::uint64_t within, char* out, std::size_t n, std::size_t* copied);
  Result<std::string> FinalLocked();

  std::shared_ptr<RequestBody> inner_;
  ChecksumAlgorithm algorithm_;
  std::string trailer_name_;
  std::uint64_t data_size_ = 0;
  std::uint64_t full_chunks_ = 0;      // chunks of kChunkSize
  std::uint64_t last_chunk_size_ = 0;  // 0: none
  std::uint64_t full_chunk_encoded_ = 0;
  std::uint64_t last_chunk_encoded_ = 0;
  std::uint64_t tail_size_ = 0;  // "0\r\n" + trailer line + "\r\n"
  std::uint64_t encoded_size_ = 0;

  std::mutex mu_;  // guards the fields below
  std::unique_ptr<Checksummer> running_;
  std::uint64_t consumed_ = 0;  // payload bytes fed to running_, in order
  bool sequential_ = true;
  std::string final_;
};

/// What ApplyIntegrity attached: the algorithm and where its value comes from.
struct AppliedChecksum {
  ChecksumAlgorithm algorithm = ChecksumAlgorithm::kNone;
  std::string header_value;                // header placement: the base64 value sent
  std::shared_ptr<AwsChunkedBody> chunked;  // trailer placement: the body computing it
  /// The base64 value sent ("" for kNone).
  Result<std::string> Value() const;
};

/// What a built request carries (from its x-amz-sdk-checksum-algorithm header and body).
AppliedChecksum AppliedChecksumOf(const HttpRequest& r);

/// Adds Content-MD5 (`content_md5` as given, or computed when `send_content_md5`) and the
/// additional checksum to `r`, whose body must be set. The algorithm is `requested`, or
/// under kWhenSupported Target::default_checksum_algorithm when that is kNone. Trailers
/// are used for kTrailer, or kAuto with a non-memory body, unless the policy is
/// kWhenRequired or payload signing is kSigned (then a header, computed in a pre-pass).
/// Errors: kInvalidArgument for a malformed content_md5; the body's read error.
Result<AppliedChecksum> ApplyIntegrity(HttpRequest& r, const Target& t, ChecksumAlgorithm requested,
                                       ChecksumPlacement placement, bool send_content_md5,
                                       const std::string& content_md5, std::string_view op);

/// Fills the result's checksum field for `applied` and checks the server's echo
/// (x-amz-checksum-<alg> response header, when present) against the value sent.
/// Errors: kIntegrity "ChecksumMismatch" when they differ.
Status RecordSentChecksum(const AppliedChecksum& applied, const Headers& response, std::string* crc32,
                          std::string* crc32c, std::string* sha1, std::string* sha256, std::string_view op);

/// x-amz-checksum-algorithm header value for CreateMultipartUpload ("CRC32C", ...).
void AddChecksumAlgorithmHeader(HttpRequest& r, const Target& t, ChecksumAlgorithm algorithm);

/// The algorithm whose value the part carries (the first non-empty field), kNone if none.
ChecksumAlgorithm PartChecksumAlgorithm(const CompletedPart& p);
/// The part's value for `a`.
const std::string& PartChecksum(const CompletedPart& p, ChecksumAlgorithm a);

/// Verifies the composite checksum of a CompleteMultipartUpload answer against the part
/// checksums that were sent. Nothing to check when the parts carried no checksums or the
/// server reported none (or a FULL_OBJECT value, which needs the bytes).
/// Errors: kIntegrity "ChecksumMismatch" naming both values.
Status VerifyCompositeChecksum(const CompleteMultipartUploadRequest& req, const CompleteMultipartUploadResult& result);

}  // namespace s3ml::ops
