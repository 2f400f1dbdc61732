// Client methods for bucket settings: default encryption and bucket tagging.
// validate -> ops::Build* -> Impl::Execute -> ops::Parse* (the path client.cc takes).

#include "client/client_impl.h"
#include "ops/bucket_config.h"
#include "s3ml/client.h"

namespace s3ml {

using namespace client_internal;  // NOLINT: shared operation helpers

Result<BucketEncryption> Client::GetBucketEncryption(const std::string& bucket) const {
  const std::string op = "GetBucketEncryption", res = ObjectResource(bucket);
  S3ML_RETURN_IF_ERROR(CheckBucket(op, bucket));
  auto resp = impl_->Execute(cancel_, ops::BuildGetBucketEncryption(impl_->target, bucket), nullptr,
                             Traits(op, "NoSuchBucket"), res);
  if (!resp.ok()) return resp.status();
  return WithContextOnce(ops::ParseGetBucketEncryption(*resp), op, res);
}

Status Client::PutBucketEncryption(const PutBucketEncryptionRequest& req) const {
  const std::string op = "PutBucketEncryption", res = ObjectResource(req.bucket);
  S3ML_RETURN_IF_ERROR(CheckBucket(op, req.bucket));
  auto http = ops::BuildPutBucketEncryption(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), op, res);
  auto resp = impl_->Execute(cancel_, std::move(*http), nullptr, Traits(op, "NoSuchBucket"), res);
  return resp.ok() ? Status::Ok() : resp.status();
}

Status Client::DeleteBucketEncryption(const std::string& bucket) const {
  const std::string op = "DeleteBucketEncryption", res = ObjectResource(bucket);
  S3ML_RETURN_IF_ERROR(CheckBucket(op, bucket));
  auto resp = impl_->Execute(cancel_, ops::BuildDeleteBucketEncryption(impl_->target, bucket), nullptr,
                             Traits(op, "NoSuchBucket"), res);
  return resp.ok() ? Status::Ok() : resp.status();
}

Result<std::vector<Tag>> Client::GetBucketTagging(const std::string& bucket) const {
  const std::string op = "GetBucketTagging", res = ObjectResource(bucket);
  S3ML_RETURN_IF_ERROR(CheckBucket(op, bucket));
  auto resp = impl_->Execute(cancel_, ops::BuildGetBucketTagging(impl_->target, bucket), nullptr,
                             Traits(op, "NoSuchTagSet"), res);
  if (!resp.ok()) return resp.status();
  return WithContextOnce(ops::ParseGetBucketTagging(*resp), op, res);
}

Status Client::PutBucketTagging(const PutBucketTaggingRequest& req) const {
  const std::string op = "PutBucketTagging", res = ObjectResource(req.bucket);
  S3ML_RETURN_IF_ERROR(CheckBucket(op, req.bucket));
  auto http = ops::BuildPutBucketTagging(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), op, res);
  auto resp = impl_->Execute(cancel_, std::move(*http), nullptr, Traits(op, "NoSuchBucket"), res);
  return resp.ok() ? Status::Ok() : resp.status();
}

Status Client::DeleteBucketTagging(const std::string& bucket) const {
  const std::string op = "DeleteBucketTagging", res = ObjectResource(bucket);
  S3ML_RETURN_IF_ERROR(CheckBucket(op, bucket));
  auto resp = impl_->Execute(cancel_, ops::BuildDeleteBucketTagging(impl_->target, bucket), nullptr,
                             Traits(op, "NoSuchBucket"), res);
  return resp.ok() ? Status::Ok() : resp.status();
}

}  // namespace s3ml
