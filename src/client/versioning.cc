// Client methods for bucket versioning, ListObjectVersions and object tagging:
// validate -> ops::Build* -> Impl::Execute -> ops::Parse* (the path client.cc takes).

#include "client/client_impl.h"
#include "ops/versioning.h"
#include "s3ml/client.h"

namespace s3ml {

using namespace client_internal;  // NOLINT: shared operation helpers

Result<GetBucketVersioningResult> Client::GetBucketVersioning(const std::string& bucket) const {
  const std::string op = "GetBucketVersioning", res = ObjectResource(bucket);
  S3ML_RETURN_IF_ERROR(CheckBucket(op, bucket));
  auto resp = impl_->Execute(cancel_, ops::BuildGetBucketVersioning(impl_->target, bucket), nullptr,
                             Traits(op, "NoSuchBucket"), res);
  if (!resp.ok()) return resp.status();
  return WithContextOnce(ops::ParseGetBucketVersioning(*resp), op, res);
}

Status Client::PutBucketVersioning(const PutBucketVersioningRequest& req) const {
  const std::string op = "PutBucketVersioning", res = ObjectResource(req.bucket);
  S3ML_RETURN_IF_ERROR(CheckBucket(op, req.bucket));
  auto http = ops::BuildPutBucketVersioning(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), op, res);
  auto resp = impl_->Execute(cancel_, std::move(*http), nullptr, Traits(op, "NoSuchBucket"), res);
  return resp.ok() ? Status::Ok() : resp.status();
}

Result<ListObjectVersionsResult> Client::ListObjectVersions(const ListObjectVersionsRequest& req) const {
  const std::string op = "ListObjectVersions";
  std::string res = ObjectResource(req.bucket);
  if (!req.prefix.empty()) res += "/" + req.prefix;
  S3ML_RETURN_IF_ERROR(CheckBucket(op, req.bucket));
  auto http = ops::BuildListObjectVersions(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), op, res);
  auto resp = impl_->Execute(cancel_, std::move(*http), nullptr, Traits(op, "NoSuchBucket"), res);
  if (!resp.ok()) return resp.status();
  return WithContextOnce(ops::ParseListObjectVersions(*resp), op, res);
}

ListObjectVersionsPaginator Client::ListObjectVersionsPages(ListObjectVersionsRequest req) const {
  return ListObjectVersionsPaginator(*this, std::move(req));
}

Result<GetObjectTaggingResult> Client::GetObjectTagging(const GetObjectTaggingRequest& req) const {
  const std::string op = "GetObjectTagging", res = ObjectResource(req.bucket, req.key);
  S3ML_RETURN_IF_ERROR(CheckObject(op, req.bucket, req.key));
  auto resp = impl_->Execute(cancel_, ops::BuildGetObjectTagging(impl_->target, req), nullptr, Traits(op, "NoSuchKey"), res);
  if (!resp.ok()) return resp.status();
  return WithContextOnce(ops::ParseGetObjectTagging(*resp), op, res);
}

Result<PutObjectTaggingResult> Client::PutObjectTagging(const PutObjectTaggingRequest& req) const {
  const std::string op = "PutObjectTagging", res = ObjectResource(req.bucket, req.key);
  S3ML_RETURN_IF_ERROR(CheckObject(op, req.bucket, req.key));
  auto http = ops::BuildPutObjectTagging(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), op, res);
  auto resp = impl_->Execute(cancel_, std::move(*http), nullptr, Traits(op, "NoSuchKey"), res);
  if (!resp.ok()) return resp.status();
  return PutObjectTaggingResult{resp->headers.Get("x-amz-version-id")};
}

Result<DeleteObjectTaggingResult> Client::DeleteObjectTagging(const DeleteObjectTaggingRequest& req) const {
  const std::string op = "DeleteObjectTagging", res = ObjectResource(req.bucket, req.key);
  S3ML_RETURN_IF_ERROR(CheckObject(op, req.bucket, req.key));
  auto resp =
      impl_->Execute(cancel_, ops::BuildDeleteObjectTagging(impl_->target, req), nullptr, Traits(op, "NoSuchKey"), res);
  if (!resp.ok()) return resp.status();
  return DeleteObjectTaggingResult{resp->headers.Get("x-amz-version-id")};
}

}  // namespace s3ml
