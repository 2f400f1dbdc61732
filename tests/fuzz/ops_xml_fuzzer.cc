// The client's S3 response parsers (src/ops): every XML result document and the
// error-body classifier. The first byte picks the parser, the rest is the body.
#include <cstddef>
#include <cstdint>

#include "fuzz_util.h"
#include "ops/errors.h"
#include "ops/express.h"
#include "ops/lifecycle.h"
#include "ops/multipart.h"
#include "ops/requests.h"
#include "ops/versioning.h"

using namespace s3ml;

namespace {

HttpResponse Response(int status, std::string_view body) {
  HttpResponse r;
  r.status = status;
  r.headers.Set("Content-Type", "application/xml");
  r.headers.Set("x-amz-request-id", "4442587FB7D0A2F9");
  r.body = Buffer(body);
  return r;
}

void ClassifyAs(const HttpResponse& r, const char* operation, bool error_in_200, bool is_head) {
  ops::ResponseTraits traits;
  traits.operation = operation;
  traits.error_in_200 = error_in_200;
  traits.is_head = is_head;
  traits.not_found_code = "NoSuchKey";
  Status st = ops::ClassifyResponse(r, traits);
  (void)st.ToString();
  if (r.status >= 300) {
    Status e = ops::ErrorFromResponse(r, traits);
    S3ML_FUZZ_CHECK(!e.ok());  // an error status never classifies as success
    (void)e.ToString();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  const std::uint8_t which = in.Byte();
  const HttpResponse r = Response(200, in.Rest());
  switch (which % 20) {
    case 0: (void)ops::ParseListObjectsV2(r); break;
    case 1: (void)ops::ParseListBuckets(r); break;
    case 2: (void)ops::ParseDeleteObjects(r); break;
    case 3: (void)ops::ParseCopyObject(r); break;
    case 4: (void)ops::ParseGetBucketLocation(r); break;
    case 5: (void)ops::ParseListObjectVersions(r); break;
    case 6: (void)ops::ParseGetBucketVersioning(r); break;
    case 7: (void)ops::ParseGetObjectTagging(r); break;
    case 8: (void)ops::ParseCreateMultipartUpload(r); break;
    case 9: (void)ops::ParseUploadPartCopy(r); break;
    case 10: (void)ops::ParseCompleteMultipartUpload(r); break;
    case 11: (void)ops::ParseListParts(r); break;
    case 12: (void)ops::ParseListMultipartUploads(r); break;
    case 13: (void)ops::ParseGetBucketLifecycleConfiguration(r); break;
    case 14: (void)ops::ParseCreateSession(r); break;
    case 15: {  // the listing's url-encoded values
      auto v = ops::DecodeListingValue(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
      (void)v;
      break;
    }
    default: {  // error bodies: 4xx/5xx, and <Error> inside a 200 (CopyObject, CompleteMultipartUpload)
      static const int kStatus[] = {400, 403, 404, 409, 500, 503, 200, 301};
      HttpResponse e = r;
      e.status = kStatus[(which / 20) % 8];
      ClassifyAs(e, which & 1 ? "CompleteMultipartUpload" : "GetObject", e.status == 200, (which / 20) % 3 == 2);
      break;
    }
  }
  return 0;
}
