#pragma once
// Multipart checksums in the mock, as S3 computes them: the upload's algorithm
// (x-amz-checksum-algorithm) and type (COMPOSITE, or FULL_OBJECT for CRCs), per-part
// checksums, and on completion the composite "base64(checksum of the concatenated binary
// part checksums)-N" (or the full-object CRC of the bytes).

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/http_types.h"
#include "mock/s3_error.h"
#include "mock/store.h"

namespace s3ml::mock {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// CreateMultipartUpload: reads x-amz-checksum-algorithm and x-amz-checksum-type into
/// `attrs` and adds them to the reply. Errors: 400 InvalidRequest for an unknown
/// algorithm, a type without an algorithm, or FULL_OBJECT with a SHA algorithm.
MaybeError ApplyUploadChecksumHeaders(const Headers& h, ObjectRecord& attrs, HeaderList& reply);

/// UploadPart: the part's checksums (verified headers `supplied` plus trailers). For an
/// upload with an algorithm, a part checksummed with another algorithm is refused (400
/// InvalidRequest "Checksum Type mismatch ..."); a part without one gets it computed.
Expected<std::map<std::string, std::string>> PartChecksums(const ObjectRecord& upload_attrs,
                                                           const HeaderList& supplied, const HeaderList& trailers,
                                                           const std::string& payload);

/// The object checksum a completed upload gets.
struct CompletedChecksum {
  std::string algorithm;  ///< lower-case, "" when the upload has none
  std::string value;      ///< "<base64>-N" (COMPOSITE) or "<base64>" (FULL_OBJECT)
  std::string type;       ///< "COMPOSITE" or "FULL_OBJECT"
};

/// CompleteMultipartUpload: checks the Checksum<ALG> elements of the request's parts
/// against the stored parts and computes the object checksum. Errors: 400 InvalidRequest
/// when an upload created with an algorithm lists a part without its checksum; 400
/// InvalidPart when a listed checksum differs from the part's.
Expected<CompletedChecksum> CompleteChecksum(const ObjectRecord& upload_attrs, const std::string& payload,
                                             const std::vector<const PartRecord*>& parts, const std::string& body,
                                             const std::string& upload_id);

/// The XML element name for an algorithm ("crc32c" -> "ChecksumCRC32C").
std::string ChecksumElementName(const std::string& algorithm);

/// GET/HEAD with x-amz-checksum-mode: ENABLED: the whole object's checksums (and
/// x-amz-checksum-type for multipart objects) on whole reads; the part's checksums for
/// a partNumber read of a multipart object; nothing for other ranged reads.
void AddObjectChecksumHeaders(const Headers& request, const std::string& part_number_param, bool whole,
                              const ObjectRecord& obj, HeaderList& reply);

}  // namespace s3ml::mock
