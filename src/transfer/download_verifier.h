#pragma once
// Checks an object assembled from ranged GETs against the checksum S3 stores for it.
//
// S3 sends no checksum with a ranged GET, so a download in parallel ranges (the
// TransferManager, the ArtifactReader) learns the object's checksum from a HEAD with
// checksum mode and checks the bytes itself: CRC-32/CRC-32C pieces are combined
// (Crc32Combine) so the ranges can arrive in any order and on any thread without a
// second pass; a SHA is taken over a part (or the object) that arrived as one range,
// otherwise read back from the destination when the caller can. A multipart object's
// COMPOSITE checksum ("<base64>-N", the checksum of its parts' checksums) is checked
// part by part, with the part boundaries taken from a HEAD of part 1 (every part but
// the last has its size, as every S3 SDK uploads); when that assumption gives a
// mismatch the layout is confirmed part by part before a mismatch is reported, so an
// object with uneven parts is reported unverifiable, never corrupt.
//
// docs/integrity-and-encryption.md, "Downloads in parallel ranges".

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/checksum.h"
#include "s3ml/client.h"
#include "s3ml/objects.h"
#include "s3ml/status.h"

namespace s3ml {

/// The checksum S3 reported for a whole object (HEAD with checksum mode).
struct ObjectChecksum {
  ChecksumAlgorithm algorithm = ChecksumAlgorithm::kNone;
  std::string value;  ///< base64; for a composite checksum without the "-N"
  int parts = 0;      ///< composite: the number of parts; 0: a full-object checksum
};

/// The cheapest checksum in `head` (CRC-32C, CRC-32, SHA-256, SHA-1); algorithm kNone
/// when it has none (the object was stored without one, or checksum mode was off).
ObjectChecksum ObjectChecksumOf(const ObjectMetadata& head);

class DownloadVerifier {
 public:
  /// `sum` of an object of `total` bytes. For a composite checksum, `part_size` is the
  /// size of part 1 (from HEAD ?partNumber=1); it is ignored otherwise.
  DownloadVerifier(ObjectChecksum sum, std::uint64_t total, std::uint64_t part_size);

  /// False when there is nothing to check against (no checksum, or a composite whose
  /// part count does not fit `part_size`).
  bool active() const { return active_; }
  const ObjectChecksum& checksum() const { return sum_; }
  std::uint64_t part_size() const { return part_size_; }

  /// Thread-safe. Records the checksum of the object's bytes [offset, offset + size).
  /// A range added again (a re-read after a seek) must give the same checksum; a
  /// different one is a mismatch (the bytes changed in transit one of the times).
  void Add(std::uint64_t offset, std::string_view data);

  /// The same for a range that arrives in pieces, in order, on one thread: Update with
  /// each piece, then Commit (a range abandoned midway, e.g. restarted after a cut-off
  /// body, is simply dropped). Nothing is buffered: CRC state and SHA state for a part
  /// the range starts at the beginning of.
  class Range {
   public:
    void Update(std::string_view data);
    void Commit();

   private:
    friend class DownloadVerifier;
    struct Done {
      std::size_t part = 0;
      std::uint64_t offset = 0, length = 0;  // within the part
      std::uint32_t crc = 0;
      std::string digest;  // SHA of a whole part
    };
    Range(DownloadVerifier* v, std::uint64_t offset);
    void Close();  // finishes the current piece
    DownloadVerifier* v_;
    std::size_t part_ = 0;
    std::uint64_t in_ = 0, len_ = 0;  // current piece: start within part, bytes so far
    bool whole_part_ = false;          // the current piece started at its part's start (SHA)
    std::uint32_t crc_ = 0;
    std::unique_ptr<Checksummer> sha_;
    std::vector<Done> done_;
  };
  /// A range starting at `offset` (inactive verifier: a range that records nothing).
  Range StartRange(std::uint64_t offset);

  /// Every byte has been added at least once.
  bool complete() const;

  /// Reads `n` bytes of the assembled object at `offset` into `out` (the destination of
  /// a download), for SHA parts that did not arrive as one range.
  using ReadBack = std::function<Status(std::uint64_t offset, std::size_t n, char* out)>;

  enum class Verdict { kMatch, kMismatch, kUnverifiable, kReadError };
  struct Outcome {
    Verdict verdict = Verdict::kUnverifiable;
    std::string detail;  ///< what was compared (mismatch) or why nothing was (unverifiable)
    Status read_error;   ///< kReadError: what read_back returned
  };
  /// The verdict once complete() (kUnverifiable before, or without a usable checksum).
  Outcome Check(const ReadBack& read_back = nullptr) const;

 private:
  struct Piece {
    std::uint64_t length = 0;
    std::uint32_t crc = 0;
  };
  struct Part {
    std::uint64_t offset = 0, length = 0;
    std::map<std::uint64_t, Piece> pieces;  // offset in part → piece (crc: CRC algorithms only)
    std::optional<std::string> digest;      // SHA: raw digest, when the part came whole
  };
  void Record(std::vector<Range::Done>& done);
  std::string PartRaw(const Part& p, const ReadBack& read_back, std::string& why, Status& read_error) const;

  ObjectChecksum sum_;
  std::uint64_t total_ = 0, part_size_ = 0;
  bool active_ = false, crc_ = false;
  mutable std::mutex mu_;
  std::vector<Part> parts_;
  std::string conflict_;  // a range seen twice with different bytes
};

/// Where the object is and which version/ETag the download pinned.
struct VerifiedObject {
  std::string bucket, key, version_id, etag;
};

/// Settles a complete download: Ok on a match; Ok (logged) when the object has no usable
/// checksum or its part layout cannot be established; kIntegrity "ChecksumMismatch"
/// naming the algorithm and both values on a mismatch. A composite mismatch under the
/// assumed part layout is confirmed with a HEAD of each middle part first.
Status SettleDownload(const Client& client, const VerifiedObject& object, const DownloadVerifier& verifier,
                      const DownloadVerifier::ReadBack& read_back, const std::string& operation);

/// Learns what a download can be checked against: the HEAD reply `head` (checksum mode)
/// gives the checksum; a composite one needs part 1's size, from HEAD ?partNumber=1.
Result<std::unique_ptr<DownloadVerifier>> PlanDownloadVerification(const Client& client, const VerifiedObject& object,
                                                  const ObjectMetadata& head);

}  // namespace s3ml
