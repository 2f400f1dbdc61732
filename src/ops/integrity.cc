#include "ops/integrity.h"

#include <algorithm>
#include <cstring>

#include "auth/signer.h"
#include "common/crypto.h"

namespace s3ml {

// Declared in s3ml/multipart.h.
Result<std::string> CompositeChecksum(ChecksumAlgorithm algorithm,
                                      const std::vector<std::string>& part_checksums_base64) {
  if (algorithm == ChecksumAlgorithm::kNone)
    return Status::InvalidArgument("a composite checksum needs an algorithm (not kNone)");
  if (part_checksums_base64.empty()) return Status::InvalidArgument("a composite checksum needs at least one part");
  auto sum = MakeChecksummer(algorithm);
  for (std::size_t i = 0; i < part_checksums_base64.size(); ++i) {
    auto raw = Base64Decode(part_checksums_base64[i]);
    if (!raw.ok() || raw->empty())
      return Status::InvalidArgument("the checksum of part #" + std::to_string(i + 1) + " ('" +
                                     part_checksums_base64[i] + "') is not base64");
    sum->Update(*raw);
  }
  return sum->FinalBase64() + "-" + std::to_string(part_checksums_base64.size());
}

namespace ops {

namespace {

std::string Hex(std::uint64_t v) {
  static const char* kDigits = "0123456789abcdef";
  if (v == 0) return "0";
  std::string s;
  while (v) {
    s.push_back(kDigits[v & 0xF]);
    v >>= 4;
  }
  std::reverse(s.begin(), s.end());
  return s;
}

std::size_t Base64Length(ChecksumAlgorithm a) {
  std::size_t raw = a == ChecksumAlgorithm::kSha1 ? 20 : a == ChecksumAlgorithm::kSha256 ? 32 : 4;
  return (raw + 2) / 3 * 4;
}

Status FeedAll(RequestBody& body, Checksummer& sum) {
  return ForEachBodyChunk(body, [&](std::string_view chunk) { sum.Update(chunk); }, "computing its checksum");
}

std::string* FieldFor(ChecksumAlgorithm a, std::string* crc32, std::string* crc32c, std::string* sha1,
                      std::string* sha256) {
  switch (a) {
    case ChecksumAlgorithm::kCrc32: return crc32;
    case ChecksumAlgorithm::kCrc32c: return crc32c;
    case ChecksumAlgorithm::kSha1: return sha1;
    case ChecksumAlgorithm::kSha256: return sha256;
    case ChecksumAlgorithm::kNone: break;
  }
  return nullptr;
}

}  // namespace

// ---- AwsChunkedBody ------------------------------------------------------------------

AwsChunkedBody::AwsChunkedBody(std::shared_ptr<RequestBody> inner, ChecksumAlgorithm algorithm)
    : inner_(std::move(inner)), algorithm_(algorithm) {
  trailer_name_ = "x-amz-checksum-" + std::string(ChecksumHeaderSuffix(algorithm_));
  data_size_ = inner_ ? inner_->size() : 0;
  full_chunks_ = data_size_ / kChunkSize;
  last_chunk_size_ = data_size_ % kChunkSize;
  full_chunk_encoded_ = Hex(kChunkSize).size() + 2 + kChunkSize + 2;
  last_chunk_encoded_ = last_chunk_size_ ? Hex(last_chunk_size_).size() + 2 + last_chunk_size_ + 2 : 0;
  tail_size_ = 3 + trailer_name_.size() + 1 + Base64Length(algorithm_) + 4;
  encoded_size_ = full_chunks_ * full_chunk_encoded_ + last_chunk_encoded_ + tail_size_;
  running_ = MakeChecksummer(algorithm_);
}

Result<std::string> AwsChunkedBody::FinalLocked() {
  if (!final_.empty()) return final_;
  if (sequential_ && consumed_ == data_size_) {
    final_ = running_->FinalBase64();
  } else {
    // The transport skipped around (never the case with libcurl): compute it afresh.
    auto sum = MakeChecksummer(algorithm_);
    if (inner_) S3ML_RETURN_IF_ERROR(FeedAll(*inner_, *sum));
    final_ = sum->FinalBase64();
  }
  return final_;
}

Result<std::string> AwsChunkedBody::ChecksumBase64() {
  std::lock_guard<std::mutex> lock(mu_);
  return FinalLocked();
}

Result<std::size_t> AwsChunkedBody::Read(std::uint64_t offset, char* out, std::size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  if (offset == 0) {  // a new attempt: the running checksum starts over
    running_ = MakeChecksummer(algorithm_);
    consumed_ = 0;
    sequential_ = true;
    final_.clear();
  }
  std::size_t copied = 0;
  const std::uint64_t chunks_end = full_chunks_ * full_chunk_encoded_ + last_chunk_encoded_;
  while (copied < n && offset < encoded_size_) {
    if (offset >= chunks_end) {
      S3ML_ASSIGN_OR_RETURN(std::string value, FinalLocked());
      const std::string tail = "0\r\n" + trailer_name_ + ":" + value + "\r\n\r\n";
      const std::uint64_t within = offset - chunks_end;
      const std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(n - copied, tail.size() - within));
      std::memcpy(out + copied, tail.data() + within, k);
      copied += k;
      offset += k;
      continue;
    }
    std::uint64_t index, within, len;
    if (offset < full_chunks_ * full_chunk_encoded_) {
      index = offset / full_chunk_encoded_;
      within = offset % full_chunk_encoded_;
      len = kChunkSize;
    } else {
      index = full_chunks_;
      within = offset - full_chunks_ * full_chunk_encoded_;
      len = last_chunk_size_;
    }
    const std::string header = Hex(len) + "\r\n";
    std::size_t k = 0;
    if (within < header.size()) {
      k = static_cast<std::size_t>(std::min<std::uint64_t>(n - copied, header.size() - within));
      std::memcpy(out + copied, header.data() + within, k);
    } else if (within < header.size() + len) {
      const std::uint64_t in_chunk = within - header.size();
      const std::uint64_t data_off = index * kChunkSize + in_chunk;
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(n - copied, len - in_chunk));
      S3ML_ASSIGN_OR_RETURN(k, inner_->Read(data_off, out + copied, want));
      if (k == 0)
        return Status(ErrorCategory::kIo, "request body ended at byte " + std::to_string(data_off) + " of " +
                                              std::to_string(data_size_));
      if (data_off == consumed_) {
        running_->Update(std::string_view(out + copied, k));
        consumed_ += k;
      } else if (data_off + k > consumed_) {
        sequential_ = false;  // a gap: FinalLocked recomputes
      }
    } else {
      const std::uint64_t crlf = within - header.size() - len;
      k = static_cast<std::size_t>(std::min<std::uint64_t>(n - copied, 2 - crlf));
      static const char kCrlf[] = "\r\n";
      std::memcpy(out + copied, kCrlf + crlf, k);
    }
    copied += k;
    offset += k;
  }
  return copied;
}

// ---- applying checksums ----------------------------------------------------------------

AppliedChecksum AppliedChecksumOf(const HttpRequest& r) {
  AppliedChecksum a;
  auto alg = ParseChecksumAlgorithm(r.headers.Get("x-amz-sdk-checksum-algorithm"));
  if (!alg) return a;
  a.algorithm = *alg;
  a.chunked = std::dynamic_pointer_cast<AwsChunkedBody>(r.body);
  if (!a.chunked) a.header_value = r.headers.Get("x-amz-checksum-" + std::string(ChecksumHeaderSuffix(*alg)));
  return a;
}

Result<std::string> AppliedChecksum::Value() const {
  if (chunked) return chunked->ChecksumBase64();
  return header_value;
}

Result<AppliedChecksum> ApplyIntegrity(HttpRequest& r, const Target& t, ChecksumAlgorithm requested,
                                       ChecksumPlacement placement, bool send_content_md5,
                                       const std::string& content_md5, std::string_view op) {
  if (!content_md5.empty()) {
    auto raw = Base64Decode(content_md5);
    if (!raw.ok() || raw->size() != 16)
      return Status::InvalidArgument(std::string(op) + ": content_md5 must be the base64 of a 16-byte MD5, got '" +
                                     content_md5 + "'");
    r.headers.Set("Content-MD5", content_md5);
  } else if (send_content_md5 && r.body) {
    Hasher md5(Hasher::Kind::kMd5);
    S3ML_RETURN_IF_ERROR(HashBody(*r.body, nullptr, &md5));
    r.headers.Set("Content-MD5", Base64Encode(md5.Final()));
  }
  AppliedChecksum applied;
  applied.algorithm = requested;
  if (applied.algorithm == ChecksumAlgorithm::kNone && t.checksum_calculation == ChecksumCalculation::kWhenSupported)
    applied.algorithm = t.default_checksum_algorithm;
  if (applied.algorithm == ChecksumAlgorithm::kNone) return applied;
  if (!r.body) r.body = MemoryBody({});

  const bool trailer_allowed = t.checksum_calculation == ChecksumCalculation::kWhenSupported &&
                               t.payload_signing != PayloadSigning::kSigned && r.body->size() > 0;
  const bool trailer = trailer_allowed && (placement == ChecksumPlacement::kTrailer ||
                                           (placement == ChecksumPlacement::kAuto && !r.body->Contiguous()));
  const std::string alg_name(ChecksumAlgorithmName(applied.algorithm));
  r.headers.Set("x-amz-sdk-checksum-algorithm", alg_name);
  if (trailer) {
    applied.chunked = std::make_shared<AwsChunkedBody>(r.body, applied.algorithm);
    const std::string* enc = r.headers.Find("Content-Encoding");
    r.headers.Set("Content-Encoding", enc && !enc->empty() ? "aws-chunked," + *enc : std::string("aws-chunked"));
    r.headers.Set("x-amz-content-sha256", kStreamingUnsignedTrailer);
    r.headers.Set("x-amz-trailer", applied.chunked->trailer_name());
    r.headers.Set("x-amz-decoded-content-length", std::to_string(applied.chunked->decoded_size()));
    r.body = applied.chunked;
    return applied;
  }
  auto sum = MakeChecksummer(applied.algorithm);
  S3ML_RETURN_IF_ERROR(FeedAll(*r.body, *sum));
  applied.header_value = sum->FinalBase64();
  r.headers.Set("x-amz-checksum-" + std::string(ChecksumHeaderSuffix(applied.algorithm)), applied.header_value);
  return applied;
}

Status RecordSentChecksum(const AppliedChecksum& applied, const Headers& response, std::string* crc32,
                          std::string* crc32c, std::string* sha1, std::string* sha256, std::string_view op) {
  if (applied.algorithm == ChecksumAlgorithm::kNone) return Status::Ok();
  S3ML_ASSIGN_OR_RETURN(std::string sent, applied.Value());
  const std::string header = "x-amz-checksum-" + std::string(ChecksumHeaderSuffix(applied.algorithm));
  if (const std::string* echoed = response.Find(header); echoed && !echoed->empty() && *echoed != sent)
    return Status(ErrorCategory::kIntegrity, std::string(op) + ": the client sent " + header + " " + sent +
                                                 " but the server reports " + *echoed)
        .WithCode("ChecksumMismatch");
  if (std::string* field = FieldFor(applied.algorithm, crc32, crc32c, sha1, sha256)) *field = std::move(sent);
  return Status::Ok();
}

void AddChecksumAlgorithmHeader(HttpRequest& r, const Target& t, ChecksumAlgorithm algorithm) {
  (void)t;  // an explicitly requested algorithm is sent under either policy, as the AWS SDKs do
  if (algorithm == ChecksumAlgorithm::kNone) return;
  r.headers.Set("x-amz-checksum-algorithm", std::string(ChecksumAlgorithmName(algorithm)));
}

const std::string& PartChecksum(const CompletedPart& p, ChecksumAlgorithm a) {
  static const std::string kEmpty;
  switch (a) {
    case ChecksumAlgorithm::kCrc32: return p.checksum_crc32;
    case ChecksumAlgorithm::kCrc32c: return p.checksum_crc32c;
    case ChecksumAlgorithm::kSha1: return p.checksum_sha1;
    case ChecksumAlgorithm::kSha256: return p.checksum_sha256;
    case ChecksumAlgorithm::kNone: break;
  }
  return kEmpty;
}

ChecksumAlgorithm PartChecksumAlgorithm(const CompletedPart& p) {
  for (auto a : {ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kSha256,
                 ChecksumAlgorithm::kSha1})
    if (!PartChecksum(p, a).empty()) return a;
  return ChecksumAlgorithm::kNone;
}

Status VerifyCompositeChecksum(const CompleteMultipartUploadRequest& req, const CompleteMultipartUploadResult& result) {
  if (req.parts.empty()) return Status::Ok();
  const ChecksumAlgorithm a = PartChecksumAlgorithm(req.parts.front());
  if (a == ChecksumAlgorithm::kNone) return Status::Ok();
  std::string reported;
  switch (a) {
    case ChecksumAlgorithm::kCrc32: reported = result.checksum_crc32; break;
    case ChecksumAlgorithm::kCrc32c: reported = result.checksum_crc32c; break;
    case ChecksumAlgorithm::kSha1: reported = result.checksum_sha1; break;
    case ChecksumAlgorithm::kSha256: reported = result.checksum_sha256; break;
    case ChecksumAlgorithm::kNone: break;
  }
  // FULL_OBJECT values are over the bytes (not the parts): nothing here to compare with.
  if (reported.empty() || result.checksum_type == "FULL_OBJECT" || reported.find('-') == std::string::npos)
    return Status::Ok();
  std::vector<std::string> values;
  values.reserve(req.parts.size());
  for (const CompletedPart& p : req.parts) {
    const std::string& v = PartChecksum(p, a);
    if (v.empty()) return Status::Ok();  // the caller mixed algorithms; the server judged the list
    values.push_back(v);
  }
  auto expected = CompositeChecksum(a, values);
  if (!expected.ok()) return expected.status();
  if (*expected != reported)
    return Status(ErrorCategory::kIntegrity, "CompleteMultipartUpload: the server's composite " +
                                                 std::string(ChecksumAlgorithmName(a)) + " is " + reported +
                                                 " but the " + std::to_string(values.size()) +
                                                 " part checksums sent give " + *expected)
        .WithCode("ChecksumMismatch");
  return Status::Ok();
}

}  // namespace ops
}  // namespace s3ml
