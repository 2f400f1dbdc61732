// Bucket operations: ListBuckets, CreateBucket, DeleteBucket, HeadBucket,
// GetBucketLocation. (Directory buckets: server_express.cc; listing a bucket's
// objects: server_objects.cc.)

#include "mock/server_impl.h"
#include "s3ml/express.h"

namespace s3ml::mock {

Expected<Reply> MockS3Server::Impl::ListBuckets(Call& c) {
  const std::string prefix = c.r.Param("prefix");
  const std::string region_filter = c.r.Param("bucket-region");
  XmlWriter w("ListAllMyBucketsResult");
  AddOwner(w.root());
  auto buckets = w.root().append_child("Buckets");
  for (const auto& b : store.ListBuckets()) {
    if (b.name.compare(0, prefix.size(), prefix) != 0) continue;
    if (!region_filter.empty() && b.region != region_filter) continue;
    auto node = buckets.append_child("Bucket");
    AddText(node, "Name", b.name);
    AddText(node, "CreationDate", FormatIso8601(b.created));
    AddText(node, "BucketRegion", b.region);
  }
  if (!prefix.empty()) AddText(w.root(), "Prefix", prefix);
  Reply reply;
  reply.Xml(w.str());
  return reply;
}

Expected<Reply> MockS3Server::Impl::CreateBucket(Call& c) {
  if (IsDirectoryBucket(c.r.bucket)) return CreateDirectoryBucket(c);  // server_express.cc
  if (std::string why = BucketNameProblem(c.r.bucket); !why.empty())
    return S3Error(400, "InvalidBucketName", "The specified bucket is not valid: " + why + ".")
        .With("BucketName", c.r.bucket);
  std::string region = options.region;
  if (!c.payload.empty()) {
    pugi::xml_document doc;
    if (!doc.load_buffer(c.payload.data(), c.payload.size())) return MalformedXml();
    auto root = doc.child("CreateBucketConfiguration");
    if (!root) return MalformedXml();
    std::string constraint = root.child("LocationConstraint").text().as_string();
    if (constraint == "us-east-1")
      return S3Error(400, "InvalidLocationConstraint", "The specified location-constraint is not valid")
          .With("LocationConstraint", constraint);
    if (constraint == "EU") constraint = "eu-west-1";
    if (!constraint.empty()) region = constraint;
    else if (root.child("LocationConstraint")) region = "us-east-1";
  }
  auto settings = CreateBucketSettings(c);  // Object Ownership and ACL headers (server_acl.cc)
  if (!settings.ok()) return settings.error();
  if (auto err = store.CreateBucket(c.r.bucket, region, WholeSeconds(c.now))) return *err;
  (void)store.UpdateBucketSettings(c.r.bucket, [&](BucketSettings& s) -> MaybeError {
    s = std::move(*settings);
    return std::nullopt;
  });
  Reply reply;
  reply.Header("Location", "/" + c.r.bucket);
  return reply;
}

Expected<Reply> MockS3Server::Impl::DeleteBucket(Call& c) {
  if (auto err = store.DeleteBucket(c.r.bucket)) return *err;
  ForgetLifecycle(c.r.bucket);
  Reply reply;
  reply.status = 204;
  return reply;
}

Expected<Reply> MockS3Server::Impl::HeadBucket(Call& c) {
  auto b = store.GetBucket(c.r.bucket);
  if (!b.ok()) return b.error();
  Reply reply;
  reply.Header("x-amz-bucket-region", b->region);
  reply.Header("x-amz-access-point-alias", "false");
  return reply;
}

Expected<Reply> MockS3Server::Impl::GetBucketLocation(Call& c) {
  auto b = store.GetBucket(c.r.bucket);
  if (!b.ok()) return b.error();
  XmlWriter w("LocationConstraint");
  if (b->region != "us-east-1") w.root().text().set(b->region.c_str());
  Reply reply;
  reply.Xml(w.str());
  return reply;
}

}  // namespace s3ml::mock
