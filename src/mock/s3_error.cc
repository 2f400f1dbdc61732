#include "mock/s3_error.h"

namespace s3ml::mock {

S3Error NoSuchBucket(const std::string& bucket) {
  return S3Error(404, "NoSuchBucket", "The specified bucket does not exist").With("BucketName", bucket);
}

S3Error NoSuchKey(const std::string& key) {
  return S3Error(404, "NoSuchKey", "The specified key does not exist.").With("Key", key);
}

S3Error InvalidArgument(std::string message, std::string name, std::string value) {
  S3Error e(400, "InvalidArgument", std::move(message));
  if (!name.empty()) e.With("ArgumentName", std::move(name)).With("ArgumentValue", std::move(value));
  return e;
}

S3Error InvalidRequest(std::string message) { return S3Error(400, "InvalidRequest", std::move(message)); }

S3Error MalformedXml() {
  return S3Error(400, "MalformedXML",
                 "The XML you provided was not well-formed or did not validate against our published schema");
}

S3Error NotImplemented(const std::string& what) {
  return S3Error(501, "NotImplemented",
                 "A header or query you provided requested a function that is not implemented: " + what +
                     " is not supported by the s3ml mock server");
}

S3Error AccessDenied(std::string message) { return S3Error(403, "AccessDenied", std::move(message)); }

S3Error PreconditionFailed(const std::string& condition) {
  return S3Error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
      .With("Condition", condition);
}

S3Error NoSuchUpload(const std::string& upload_id) {
  return S3Error(404, "NoSuchUpload",
                 "The specified upload does not exist. The upload ID may be invalid, or the upload may have been "
                 "aborted or completed.")
      .With("UploadId", upload_id);
}

}  // namespace s3ml::mock
