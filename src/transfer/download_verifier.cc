#include "transfer/download_verifier.h"

#include <algorithm>
#include <cstdlib>

#include "client/checksum_sink.h"
#include "common/checksum.h"
#include "common/crypto.h"
#include "common/logging.h"
#include "ops/errors.h"

namespace s3ml {

namespace {

const std::string* ChecksumField(const ObjectMetadata& m, ChecksumAlgorithm a) {
  switch (a) {
    case ChecksumAlgorithm::kCrc32: return &m.checksum_crc32;
    case ChecksumAlgorithm::kCrc32c: return &m.checksum_crc32c;
    case ChecksumAlgorithm::kSha1: return &m.checksum_sha1;
    case ChecksumAlgorithm::kSha256: return &m.checksum_sha256;
    case ChecksumAlgorithm::kNone: break;
  }
  return nullptr;
}

bool IsCrc(ChecksumAlgorithm a) { return a == ChecksumAlgorithm::kCrc32 || a == ChecksumAlgorithm::kCrc32c; }

std::uint32_t CrcOf(ChecksumAlgorithm a, std::string_view data, std::uint32_t crc = 0) {
  return a == ChecksumAlgorithm::kCrc32 ? Crc32(data, crc) : Crc32c(data, crc);
}

std::uint32_t CrcCombine(ChecksumAlgorithm a, std::uint32_t x, std::uint32_t y, std::uint64_t len_y) {
  return a == ChecksumAlgorithm::kCrc32 ? Crc32Combine(x, y, len_y) : Crc32cCombine(x, y, len_y);
}

std::string BigEndian32(std::uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[static_cast<std::size_t>(i)] = static_cast<char>((v >> (24 - 8 * i)) & 0xFF);
  return s;
}

}  // namespace

ObjectChecksum ObjectChecksumOf(const ObjectMetadata& head) {
  ObjectChecksum out;
  for (auto a : {ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kSha256,
                 ChecksumAlgorithm::kSha1}) {
    const std::string& v = *ChecksumField(head, a);
    if (v.empty()) continue;
    const auto dash = v.rfind('-');
    if (dash == std::string::npos) {
      // A composite value without its "-N" (moto drops it) gives no part count: unusable.
      if (ChecksumIsComposite(head.checksum_type, head.etag)) continue;
      out.algorithm = a;
      out.value = v;
      return out;
    }
    const std::string count = v.substr(dash + 1);
    if (count.empty() || count.size() > 5 || !std::all_of(count.begin(), count.end(), ::isdigit)) continue;
    const int n = std::atoi(count.c_str());
    if (n < 1 || n > 10000) continue;
    out.algorithm = a;
    out.value = v.substr(0, dash);
    out.parts = n;
    return out;
  }
  return out;
}

DownloadVerifier::DownloadVerifier(ObjectChecksum sum, std::uint64_t total, std::uint64_t part_size)
    : sum_(std::move(sum)), total_(total), part_size_(part_size), crc_(IsCrc(sum_.algorithm)) {
  if (sum_.algorithm == ChecksumAlgorithm::kNone) return;
  if (sum_.parts == 0) {
    parts_.push_back(Part{0, total_, {}, {}});
  } else {
    // Parts 1..N-1 of part_size bytes, part N the rest (1..part_size bytes).
    const auto n = static_cast<std::uint64_t>(sum_.parts);
    if (part_size_ == 0 || total_ == 0 || (n - 1) > (total_ - 1) / part_size_ || (n - 1) * part_size_ >= total_ ||
        total_ - (n - 1) * part_size_ > part_size_)
      return;  // the layout does not fit: nothing to check against
    for (std::uint64_t k = 0; k < n; ++k) {
      const std::uint64_t off = k * part_size_;
      parts_.push_back(Part{off, k + 1 == n ? total_ - off : part_size_, {}, {}});
    }
  }
  active_ = true;
}

void DownloadVerifier::Add(std::uint64_t offset, std::string_view data) {
  Range r = StartRange(offset);
  r.Update(data);
  r.Commit();
}

DownloadVerifier::Range DownloadVerifier::StartRange(std::uint64_t offset) { return Range(this, offset); }

DownloadVerifier::Range::Range(DownloadVerifier* v, std::uint64_t offset) : v_(v) {
  if (!v_->active_) {
    v_ = nullptr;
    return;
  }
  const auto& parts = v_->parts_;
  if (v_->sum_.parts != 0)
    part_ = static_cast<std::size_t>(std::min<std::uint64_t>(offset / v_->part_size_, parts.size() - 1));
  if (offset < parts[part_].offset || offset > parts[part_].offset + parts[part_].length) {
    v_ = nullptr;  // outside the object: nothing to record
    return;
  }
  in_ = offset - parts[part_].offset;
  whole_part_ = in_ == 0;
}

void DownloadVerifier::Range::Update(std::string_view data) {
  if (v_ == nullptr) return;
  while (!data.empty()) {
    const auto& p = v_->parts_[part_];
    if (in_ + len_ == p.length) {  // this part is done: on to the next
      Close();
      if (part_ + 1 >= v_->parts_.size()) return;  // past the object's end: ignored
      ++part_;
      in_ = 0;
      whole_part_ = true;
    }
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(data.size(), p.length - (in_ + len_)));
    const std::string_view piece = data.substr(0, n);
    if (v_->crc_) {
      crc_ = CrcOf(v_->sum_.algorithm, piece, len_ == 0 ? 0 : crc_);  // continues the piece's CRC
    } else if (whole_part_) {
      if (!sha_) sha_ = MakeChecksummer(v_->sum_.algorithm);
      sha_->Update(piece);
    }
    len_ += n;
    data.remove_prefix(n);
  }
}

void DownloadVerifier::Range::Close() {
  if (len_ == 0) return;
  Done d;
  d.part = part_;
  d.offset = in_;
  d.length = len_;
  d.crc = crc_;
  if (sha_ && whole_part_ && in_ == 0 && len_ == v_->parts_[part_].length) d.digest = sha_->FinalRaw();
  sha_.reset();
  done_.push_back(std::move(d));
  in_ += len_;
  len_ = 0;
  crc_ = 0;
}

void DownloadVerifier::Range::Commit() {
  if (v_ == nullptr) return;
  Close();
  v_->Record(done_);
  done_.clear();
  v_ = nullptr;
}

void DownloadVerifier::Record(std::vector<Range::Done>& done) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& d : done) {
    Part& p = parts_[d.part];
    const std::string what = "bytes " + std::to_string(p.offset + d.offset) + "-" +
                             std::to_string(p.offset + d.offset + d.length - 1) + " differed between two reads";
    auto [it, inserted] = p.pieces.emplace(d.offset, Piece{d.length, d.crc});
    if (!inserted) {
      if (crc_ && it->second.length == d.length && it->second.crc != d.crc && conflict_.empty()) conflict_ = what;
      if (it->second.length < d.length) it->second = Piece{d.length, d.crc};  // a longer read covers more
    }
    if (!d.digest.empty()) {
      if (p.digest && *p.digest != d.digest && conflict_.empty()) conflict_ = what;
      p.digest = std::move(d.digest);
    }
  }
}

bool DownloadVerifier::complete() const {
  if (!active_) return false;
  std::lock_guard<std::mutex> lock(mu_);
  for (const Part& p : parts_) {
    std::uint64_t covered = 0;
    for (const auto& [off, piece] : p.pieces) {
      if (off > covered) return false;
      covered = std::max(covered, off + piece.length);
    }
    if (covered < p.length) return false;
  }
  return true;
}

// The raw checksum of one part; "" with `why` set when it cannot be had.
std::string DownloadVerifier::PartRaw(const Part& p, const ReadBack& read_back, std::string& why,
                                      Status& read_error) const {
  if (crc_) {
    // Combine the pieces that tile the part in order; overlapping re-reads are skipped
    // by taking, at each point, a piece that starts exactly there.
    std::uint32_t crc = 0;
    std::uint64_t at = 0;
    while (at < p.length) {
      auto it = p.pieces.find(at);
      if (it == p.pieces.end()) {
        why = "bytes " + std::to_string(p.offset + at) + "… were read in ranges that do not line up";
        return {};
      }
      crc = at == 0 ? it->second.crc : CrcCombine(sum_.algorithm, crc, it->second.crc, it->second.length);
      at += it->second.length;
    }
    return BigEndian32(crc);
  }
  if (p.digest) return *p.digest;
  if (!read_back) {
    why = "a " + std::string(ChecksumAlgorithmName(sum_.algorithm)) + " part did not arrive in one range";
    return {};
  }
  auto h = MakeChecksummer(sum_.algorithm);
  std::string buf(std::min<std::uint64_t>(p.length, 1u << 20), '\0');
  for (std::uint64_t at = 0; at < p.length;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), p.length - at));
    Status st = read_back(p.offset + at, n, buf.data());
    if (!st.ok()) {
      read_error = std::move(st);
      return {};
    }
    h->Update(std::string_view(buf.data(), n));
    at += n;
  }
  return h->FinalRaw();
}

DownloadVerifier::Outcome DownloadVerifier::Check(const ReadBack& read_back) const {
  Outcome out;
  if (!active_) {
    out.detail = sum_.algorithm == ChecksumAlgorithm::kNone ? "the object has no checksum"
                                                            : "the composite checksum's part count does not fit";
    return out;
  }
  if (!complete()) {
    out.detail = "not every byte was read";
    return out;
  }
  std::lock_guard<std::mutex> lock(mu_);
  const std::string name(ChecksumAlgorithmName(sum_.algorithm));
  if (!conflict_.empty()) {
    out.verdict = Verdict::kMismatch;
    out.detail = conflict_;
    return out;
  }
  std::string concatenated;
  for (const Part& p : parts_) {
    std::string why;
    Status read_error;
    std::string raw = PartRaw(p, read_back, why, read_error);
    if (!read_error.ok()) {
      out.verdict = Verdict::kReadError;
      out.read_error = std::move(read_error);
      return out;
    }
    if (raw.empty()) {
      out.detail = why;
      return out;
    }
    concatenated += raw;
  }
  const std::string actual =
      sum_.parts == 0 ? Base64Encode(concatenated) : ComputeChecksumBase64(sum_.algorithm, concatenated);
  if (actual == sum_.value) {
    out.verdict = Verdict::kMatch;
    return out;
  }
  out.verdict = Verdict::kMismatch;
  out.detail = sum_.parts == 0
                   ? "the " + name + " checksum of the downloaded bytes is " + actual + " but the object's is " +
                         sum_.value
                   : "the " + name + " composite checksum of the downloaded parts is " + actual + "-" +
                         std::to_string(sum_.parts) + " but the object's is " + sum_.value + "-" +
                         std::to_string(sum_.parts);
  return out;
}

namespace {

HeadObjectRequest PartHead(const VerifiedObject& o, int part) {
  HeadObjectRequest h;
  h.bucket = o.bucket;
  h.key = o.key;
  h.version_id = o.version_id;
  h.if_match = o.etag;
  h.part_number = part;
  h.checksum_mode = true;
  return h;
}

}  // namespace

Result<std::unique_ptr<DownloadVerifier>> PlanDownloadVerification(const Client& client, const VerifiedObject& object,
                                                                   const ObjectMetadata& head) {
  ObjectChecksum sum = ObjectChecksumOf(head);
  const std::uint64_t total = head.object_size != 0 ? head.object_size : head.content_length;
  std::uint64_t part_size = 0;
  if (sum.parts != 0) {
    if (sum.parts == 1) {
      part_size = total;
    } else {
      auto p1 = client.HeadObject(PartHead(object, 1));
      if (!p1.ok()) return p1.status();
      part_size = p1->content_length;
    }
  }
  return std::make_unique<DownloadVerifier>(std::move(sum), total, part_size);
}

Status SettleDownload(const Client& client, const VerifiedObject& object, const DownloadVerifier& verifier,
                      const DownloadVerifier::ReadBack& read_back, const std::string& operation) {
  const std::string resource = ops::ResourceName(object.bucket, object.key);
  if (!verifier.active()) return Status::Ok();
  const auto outcome = verifier.Check(read_back);
  if (outcome.verdict == DownloadVerifier::Verdict::kReadError)
    return outcome.read_error.WithContext(operation, resource);
  if (outcome.verdict == DownloadVerifier::Verdict::kUnverifiable) {
    S3ML_LOG(kInfo, operation << " " << resource << ": not checked against the object's checksum: " << outcome.detail);
    return Status::Ok();
  }
  if (outcome.verdict == DownloadVerifier::Verdict::kMatch) return Status::Ok();
  const ObjectChecksum& sum = verifier.checksum();
  if (sum.parts > 2) {
    // Parts 1 and N are known exactly; confirm the middle ones have part 1's size before
    // calling a mismatch corruption (an uploader may have used uneven parts).
    for (int k = 2; k < sum.parts; ++k) {
      auto h = client.HeadObject(PartHead(object, k));
      if (!h.ok()) return h.status().WithContext(operation, resource);
      if (h->content_length != verifier.part_size()) {
        S3ML_LOG(kInfo, operation << " " << resource << ": not checked against the object's composite checksum: part "
                                  << k << " has " << h->content_length << " bytes, part 1 " << verifier.part_size());
        return Status::Ok();
      }
    }
  }
  return Status(ErrorCategory::kIntegrity, outcome.detail + " (corrupted in transit?)")
      .WithCode("ChecksumMismatch")
      .WithContext(operation, resource);
}

}  // namespace s3ml
