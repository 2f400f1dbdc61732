#pragma once
// The one pinned ranged GET of the transfer layer. Every path that reads an object in
// parts — TransferManager downloads, the ArtifactReader, the dataset prefetcher — reads
// each part through GetPinnedRange: pinned to one version of the object (versionId
// and/or If-Match), the body written straight to its destination at its offset, a body
// cut off midway fetched again by the client's one retry loop, and a change of the
// object (412, another ETag, another size, a short or long range) reported once, in the
// caller's words.

#include <cstdint>
#include <functional>
#include <string>

#include "s3ml/client.h"
#include "s3ml/objects.h"
#include "transfer/download_verifier.h"

namespace s3ml {

/// One version of one object, as a reader pinned it.
struct PinnedObject {
  std::string bucket, key;
  std::string version_id;  ///< sent as versionId when set
  std::string etag;        ///< sent as If-Match when set; a part with another ETag is a change
  /// The object's size; a part reporting another one is a change. 0 with `size_known`
  /// false: not known (the part then only has to be as long as asked).
  std::uint64_t size = 0;
  bool size_known = true;
};

/// Words a change of the pinned object as the caller's error (kIntegrity).
using ChangedFn = std::function<Status(const std::string& detail)>;

/// Where a part's bytes go: `offset` is the object offset. A retry after a cut-off
/// body delivers the part again from its start, over the same offsets.
using PartWriter = std::function<Status(std::uint64_t offset, const char* data, std::size_t n)>;

struct PartRequest {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  /// GET the whole object (no Range header; offset must be 0 and length the size): a
  /// whole-object answer carries the object's checksum, checked with `checksum_mode`.
  bool whole_object = false;
  bool checksum_mode = false;
};

struct PartResult {
  ObjectMetadata info;  ///< the part's response headers
  int attempts = 1;     ///< requests sent for it
};

/// GETs one part of `object` into `write`, and into `verifier` when given (which then
/// sees exactly the bytes of the attempt that succeeded). Errors: `changed(detail)` for
/// a change of the object; otherwise the GetObject error (with its attempts).
Result<PartResult> GetPinnedRange(const Client& client, const PinnedObject& object, const PartRequest& part,
                                  const PartWriter& write, const ChangedFn& changed,
                                  DownloadVerifier* verifier = nullptr);

}  // namespace s3ml
