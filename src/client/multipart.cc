// Client methods for multipart uploads: validate -> ops::Build* -> Impl::Execute -> ops::Parse*.

#include "client/client_impl.h"
#include "ops/integrity.h"
#include "ops/multipart.h"
#include "s3ml/client.h"

namespace s3ml {

using namespace client_internal;  // NOLINT: shared operation helpers

Result<CreateMultipartUploadResult> Client::CreateMultipartUpload(const CreateMultipartUploadRequest& req) const {
  const std::string op = "CreateMultipartUpload", res = ObjectResource(req.bucket, req.key);
  S3ML_RETURN_IF_ERROR(CheckObject(op, req.bucket, req.key));
  auto http = ops::BuildCreateMultipartUpload(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), op, res);
  auto resp = impl_->Execute(cancel_, std::move(*http), nullptr, Traits(op, "NoSuchBucket"), res);
  if (!resp.ok()) return resp.status();
  return WithContextOnce(ops::ParseCreateMultipartUpload(*resp), op, res);
}

Result<UploadPartResult> Client::UploadPart(const UploadPartRequest& req) const {
  const std::string op = "UploadPart", res = ObjectResource(req.bucket, req.key);
  S3ML_RETURN_IF_ERROR(CheckObject(op, req.bucket, req.key));
  auto http = ops::BuildUploadPart(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), op, res);
  const ops::AppliedChecksum applied = ops::AppliedChecksumOf(*http);
  auto resp = impl_->Execute(cancel_, std::move(*http), nullptr, Traits(op, "NoSuchUpload"), res);
  if (!resp.ok()) return resp.status();
  auto out = WithContextOnce(ops::ParseUploadPart(*resp), op, res);
  if (!out.ok()) return out;
  S3ML_RETURN_IF_ERROR(WithContextOnce(ops::RecordSentChecksum(applied, resp->headers, &out->checksum_crc32,
                                                               &out->checksum_crc32c, &out->checksum_sha1,
                                                               &out->checksum_sha256, op),
                                       op, res));
  return out;
}

Result<UploadPartCopyResult> Client::UploadPartCopy(const UploadPartCopyRequest& req) const {
  const std::string op = "UploadPartCopy", res = ObjectResource(req.bucket, req.key);
  S3ML_RETURN_IF_ERROR(CheckObject(op, req.source_bucket, req.source_key));
  S3ML_RETURN_IF_ERROR(CheckObject(op, req.bucket, req.key));
  auto http = ops::BuildUploadPartCopy(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), op, res);
  // Like CopyObject, S3 may answer 200 and report a failure in the body.
  auto resp = impl_->Execute(cancel_, std::move(*http), nullptr, Traits(op, "NoSuchUpload", true), res);
  if (!resp.ok()) return resp.status();
  return WithContextOnce(ops::ParseUploadPartCopy(*resp), op, res);
}

Result<CompleteMultipartUploadResult> Client::CompleteMultipartUpload(
    const CompleteMultipartUploadRequest& req) const {
  const std::string op = "CompleteMultipartUpload", res = ObjectResource(req.bucket, req.key);
  S3ML_RETURN_IF_ERROR(CheckObject(op, req.bucket, req.key));
  auto http = ops::BuildCompleteMultipartUpload(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), op, res);
  auto resp = impl_->Execute(cancel_, std::move(*http), nullptr, Traits(op, "NoSuchUpload", true), res);
  if (!resp.ok()) return resp.status();
  auto out = WithContextOnce(ops::ParseCompleteMultipartUpload(*resp), op, res);
  if (!out.ok()) return out;
  // The object is complete either way; a composite that disagrees with the parts sent is
  // reported (kIntegrity) so the caller can delete or re-upload it.
  S3ML_RETURN_IF_ERROR(WithContextOnce(ops::VerifyCompositeChecksum(req, *out), op, res));
  return out;
}

Status Client::AbortMultipartUpload(const AbortMultipartUploadRequest& req) const {
  const std::string op = "AbortMultipartUpload", res = ObjectResource(req.bucket, req.key);
  S3ML_RETURN_IF_ERROR(CheckObject(op, req.bucket, req.key));
  auto http = ops::BuildAbortMultipartUpload(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), op, res);
  // Every attempt is one the retry loop counts (no silent re-send by libcurl on a dead
  // pooled connection), so a NoSuchUpload after a lost answer is recognised below.
  http->fresh_connection = true;
  auto resp = impl_->Execute(cancel_, std::move(*http), nullptr, Traits(op, "NoSuchUpload"), res);
  // A retry that finds the upload gone: an earlier attempt whose answer was lost
  // aborted it. Either way the upload is no longer in progress.
  if (!resp.ok() && resp.status().code() == "NoSuchUpload" && resp.status().attempts() > 1) return Status::Ok();
  return resp.ok() ? Status::Ok() : resp.status();
}

Result<ListPartsResult> Client::ListParts(const ListPartsRequest& req) const {
  const std::string op = "ListParts", res = ObjectResource(req.bucket, req.key);
  S3ML_RETURN_IF_ERROR(CheckObject(op, req.bucket, req.key));
  auto http = ops::BuildListParts(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), op, res);
  auto resp = impl_->Execute(cancel_, std::move(*http), nullptr, Traits(op, "NoSuchUpload"), res);
  if (!resp.ok()) return resp.status();
  return WithContextOnce(ops::ParseListParts(*resp), op, res);
}

Result<ListMultipartUploadsResult> Client::ListMultipartUploads(const ListMultipartUploadsRequest& req) const {
  const std::string op = "ListMultipartUploads";
  std::string res = ops::ResourceName(req.bucket);
  S3ML_RETURN_IF_ERROR(WithContextOnce(ValidateBucketName(req.bucket), op, res));
  auto http = ops::BuildListMultipartUploads(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), op, res);
  auto resp = impl_->Execute(cancel_, std::move(*http), nullptr, Traits(op, "NoSuchBucket"), res);
  if (!resp.ok()) return resp.status();
  return WithContextOnce(ops::ParseListMultipartUploads(*resp), op, res);
}

ListPartsPaginator Client::ListPartsPages(ListPartsRequest req) const {
  return ListPartsPaginator(*this, std::move(req));
}

ListMultipartUploadsPaginator Client::ListMultipartUploadsPages(ListMultipartUploadsRequest req) const {
  return ListMultipartUploadsPaginator(*this, std::move(req));
}

}  // namespace s3ml
