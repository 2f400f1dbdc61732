// Client methods for bucket lifecycle configuration and RestoreObject:
// validate -> ops::Build* -> Impl::Execute -> ops::Parse* (the path client.cc takes).

#include "client/client_impl.h"
#include "ops/lifecycle.h"
#include "s3ml/client.h"

namespace s3ml {

using namespace client_internal;  // NOLINT: shared operation helpers

Result<GetBucketLifecycleConfigurationResult> Client::GetBucketLifecycleConfiguration(const std::string& bucket) const {
  const std::string op = "GetBucketLifecycleConfiguration", res = ObjectResource(bucket);
  S3ML_RETURN_IF_ERROR(CheckBucket(op, bucket));
  auto resp = impl_->Execute(cancel_, ops::BuildGetBucketLifecycleConfiguration(impl_->target, bucket), nullptr,
                             Traits(op, "NoSuchBucket"), res);
  if (!resp.ok()) return resp.status();
  return WithContextOnce(ops::ParseGetBucketLifecycleConfiguration(*resp), op, res);
}

Result<PutBucketLifecycleConfigurationResult> Client::PutBucketLifecycleConfiguration(
    const PutBucketLifecycleConfigurationRequest& req) const {
  const std::string op = "PutBucketLifecycleConfiguration", res = ObjectResource(req.bucket);
  S3ML_RETURN_IF_ERROR(CheckBucket(op, req.bucket));
  auto http = ops::BuildPutBucketLifecycleConfiguration(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), op, res);
  auto resp = impl_->Execute(cancel_, std::move(*http), nullptr, Traits(op, "NoSuchBucket"), res);
  if (!resp.ok()) return resp.status();
  PutBucketLifecycleConfigurationResult out;
  out.transition_default_minimum_object_size = resp->headers.Get("x-amz-transition-default-minimum-object-size");
  return out;
}

Status Client::DeleteBucketLifecycleConfiguration(const std::string& bucket) const {
  const std::string op = "DeleteBucketLifecycle", res = ObjectResource(bucket);
  S3ML_RETURN_IF_ERROR(CheckBucket(op, bucket));
  auto resp =
      impl_->Execute(cancel_, ops::BuildDeleteBucketLifecycle(impl_->target, bucket), nullptr, Traits(op, "NoSuchBucket"), res);
  return resp.ok() ? Status::Ok() : resp.status();
}

Result<RestoreObjectResult> Client::RestoreObject(const RestoreObjectRequest& req) const {
  const std::string op = "RestoreObject", res = ObjectResource(req.bucket, req.key);
  S3ML_RETURN_IF_ERROR(CheckObject(op, req.bucket, req.key));
  auto http = ops::BuildRestoreObject(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), op, res);
  auto resp = impl_->Execute(cancel_, std::move(*http), nullptr, Traits(op, "NoSuchKey"), res);
  if (!resp.ok()) return resp.status();
  RestoreObjectResult out;
  out.http_status = resp->status;
  return out;
}

}  // namespace s3ml
