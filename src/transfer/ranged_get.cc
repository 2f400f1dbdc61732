#include "transfer/ranged_get.h"

#include <optional>

namespace s3ml {

Result<PartResult> GetPinnedRange(const Client& client, const PinnedObject& object, const PartRequest& part,
                                  const PartWriter& write, const ChangedFn& changed, DownloadVerifier* verifier) {
  GetObjectRequest req;
  req.bucket = object.bucket;
  req.key = object.key;
  req.version_id = object.version_id;
  req.if_match = object.etag;
  req.checksum_mode = part.whole_object && part.checksum_mode;
  if (!part.whole_object && part.length > 0) req.range = ByteRange::Closed(part.offset, part.offset + part.length - 1);
  const std::string what = part.whole_object ? std::string("the object")
                                              : "range " + std::to_string(part.offset) + "-" +
                                                    std::to_string(part.offset + part.length - 1);

  // The bytes of the current attempt: a retry starts again at offset 0, which also
  // starts the verifier's range again (the abandoned one records nothing).
  std::optional<DownloadVerifier::Range> range;
  std::uint64_t got = 0;
  const OffsetDataCallback sink = [&](std::uint64_t at, const char* data, std::size_t n) -> Status {
    if (at == 0) {
      got = 0;
      if (verifier != nullptr) range.emplace(verifier->StartRange(part.offset));
    }
    if (got + n > part.length)
      return changed(what + " is longer than " + std::to_string(part.length) + " bytes");
    S3ML_RETURN_IF_ERROR(write(part.offset + got, data, n));
    if (range) range->Update(std::string_view(data, n));
    got += n;
    return Status::Ok();
  };
  auto r = client.GetObjectAt(req, sink);
  if (!r.ok()) {
    const Status& st = r.status();
    if (st.http_status() == 412 || st.code() == "PreconditionFailed") return changed(st.ToString());
    return st;
  }
  const ObjectMetadata& info = r->info;
  const bool other_size = !part.whole_object && object.size_known && info.object_size != object.size;
  if (got != part.length || other_size)
    return changed(what + " came back as " + std::to_string(got) + " bytes" +
                   (part.whole_object ? std::string(" (expected ") + std::to_string(part.length) + ")"
                                      : " of a " + std::to_string(info.object_size) + "-byte object"));
  if (!object.etag.empty() && !info.etag.empty() && info.etag != object.etag)
    return changed(what + " came back with ETag " + info.etag);
  if (range) range->Commit();
  PartResult out;
  out.info = info;
  out.attempts = r->attempts;
  return out;
}

}  // namespace s3ml
