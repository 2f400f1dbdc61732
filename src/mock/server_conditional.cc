// Conditional writes and deletes (S3, 2024-2025): If-None-Match: * and If-Match on
// PutObject, CopyObject (destination) and CompleteMultipartUpload; If-Match on
// DeleteObject and a per-object <ETag> in DeleteObjects. The store evaluates the
// conditions atomically with the change (mock/store_conditional.cc); this file
// reads them from the request.

#include "mock/server_impl.h"

namespace s3ml::mock {

bool MockS3Server::Impl::IsConditionalRequest(const RoutedRequest& r, const Headers& headers) {
  const std::string& name = r.operation;
  if (name == op::kPutObject || name == op::kCopyObject || name == op::kCompleteMultipartUpload)
    return headers.Has("If-Match") || headers.Has("If-None-Match");
  if (name == op::kDeleteObject) return headers.Has("If-Match");
  // Which objects carry an <ETag> is known only once the body is parsed; a window
  // costs one lock round trip, and multi-object deletes are rare.
  return name == op::kDeleteObjects;
}

Expected<PutCondition> MockS3Server::Impl::WriteConditions(const Call& c) {
  PutCondition cond;
  if (const std::string* inm = c.headers.Find("If-None-Match")) {
    // S3 accepts only the asterisk on writes.
    if (StripEtag(*inm) != "*")
      return S3Error(501, "NotImplemented", "A header you provided implies functionality that is not implemented")
          .With("Header", "If-None-Match");
    cond.if_none_match_star = true;
  }
  if (const std::string* im = c.headers.Find("If-Match")) cond.if_match = *im;
  if (cond.if_none_match_star || cond.if_match) cond.since = c.window_start;
  return cond;
}

DeleteCondition MockS3Server::Impl::DeleteConditions(const Call& c) {
  DeleteCondition cond;
  if (const std::string* im = c.headers.Find("If-Match")) {
    cond.if_match = *im;
    cond.since = c.window_start;
  }
  return cond;
}

}  // namespace s3ml::mock
