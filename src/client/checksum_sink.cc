#include "client/checksum_sink.h"

namespace s3ml {

bool ChecksumIsComposite(const std::string& checksum_type, const std::string& etag) {
  return checksum_type == "COMPOSITE" || (checksum_type.empty() && etag.find('-') != std::string::npos);
}

Status ChecksumVerifyingSink::Begin(int http_status, const Headers& headers,
                                    std::optional<std::uint64_t> content_length) {
  algorithm_ = ChecksumAlgorithm::kNone;
  expected_.clear();
  checksummer_.reset();
  // A multipart object's COMPOSITE checksum is not over the bytes: never verified here.
  const bool composite = ChecksumIsComposite(headers.Get("x-amz-checksum-type"), headers.Get("ETag"));
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
