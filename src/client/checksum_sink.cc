#include "client/checksum_sink.h"

namespace s3ml {

Status ChecksumVerifyingSink::Begin(int http_status, const Headers& headers,
                                    std::optional<std::uint64_t> content_length) {
  algorithm_ = ChecksumAlgorithm::kNone;
  expected_.clear();
  checksummer_.reset();
  // A multipart object's COMPOSITE checksum is a checksum of its part checksums, not of
  // the bytes: never verified here. S3 marks it with "-N" and x-amz-checksum-type; moto
  // drops both, so a multipart ETag ("...-N") without a FULL_OBJECT type is skipped too.
  const std::string type = headers.Get("x-amz-checksum-type");
  const std::string etag = headers.Get("ETag");
  const bool multipart_etag = etag.find('-') != std::string::npos;
  const bool composite = type == "COMPOSITE" || (type.empty() && multipart_etag);
  if (enabled_ && http_status == 200 && !composite) {
    // Cheapest first; S3 returns the one the object was stored with.
    for (auto a : {ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kSha256,
                   ChecksumAlgorithm::kSha1}) {
      const std::string* v = headers.Find("x-amz-checksum-" + std::string(ChecksumHeaderSuffix(a)));
      if (v == nullptr || v->empty() || v->find('-') != std::string::npos) continue;  // composite: not over the bytes
      algorithm_ = a;
      expected_ = *v;
      checksummer_ = MakeChecksummer(a);
      break;
    }
  }
  return inner_.Begin(http_status, headers, content_length);
}

Status ChecksumVerifyingSink::Write(const char* data, std::size_t n) {
  if (checksummer_) checksummer_->Update(std::string_view(data, n));
  return inner_.Write(data, n);
}

Status ChecksumVerifyingSink::Finish() {
  S3ML_RETURN_IF_ERROR(inner_.Finish());  // a short body is reported as such, not as a mismatch
  if (checksummer_) {
    std::string actual = checksummer_->FinalBase64();
    checksummer_.reset();
    if (actual != expected_)
      return Status(ErrorCategory::kIntegrity, "the " + std::string(ChecksumAlgorithmName(algorithm_)) +
                                                   " checksum of the received body is " + actual +
                                                   " but the server's x-amz-checksum-" +
                                                   std::string(ChecksumHeaderSuffix(algorithm_)) + " says " +
                                                   expected_)
          .WithCode("ChecksumMismatch");
  }
  return Status::Ok();
}

}  // namespace s3ml
