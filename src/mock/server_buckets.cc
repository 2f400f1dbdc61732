// Bucket operations: ListBuckets, CreateBucket, DeleteBucket, HeadBucket,
// GetBucketLocation. (Directory buckets: server_express.cc; listing a bucket's
// objects: server_objects.cc.)

#include "mock/server_impl.h"
#include "s3ml/express.h"

namespace s3ml::mock {

namespace {
// ListBuckets continuation tokens: this prefix + the last bucket name of the page, base64.
constexpr std::string_view kBucketTokenPrefix = "s3ml-buckets1:";
constexpr int kMaxListBuckets = 10000;
}  // namespace

Expected<Reply> MockS3Server::Impl::ListBuckets(Call& c) {
  const std::string prefix = c.r.Param("prefix");
  const std::string region_filter = c.r.Param("bucket-region");
  // "MaxBuckets: Maximum number of buckets to be returned in response. ... 1 to 10,000."
  int max_buckets = kMaxListBuckets;
  if (c.r.HasParam("max-buckets")) {
    std::uint64_t n = 0;
    if (!ParseUint(c.r.Param("max-buckets"), n) || n < 1 || n > static_cast<std::uint64_t>(kMaxListBuckets))
      return InvalidArgument("Argument max-buckets must be an integer between 1 and 10000", "max-buckets",
                             c.r.Param("max-buckets"));
    max_buckets = static_cast<int>(n);
  }
  std::string after;
  if (c.r.HasParam("continuation-token")) {
    const std::string token = c.r.Param("continuation-token");
    auto raw = Base64Decode(token);
    if (token.empty() || !raw.ok() || raw->rfind(kBucketTokenPrefix, 0) != 0)
      return InvalidArgument("The continuation token provided is incorrect", "continuation-token", token);
    after = raw->substr(kBucketTokenPrefix.size());
  }
  XmlWriter w("ListAllMyBucketsResult");
  auto buckets = w.root().append_child("Buckets");
  int listed = 0;
  std::string last;
  bool truncated = false;
  for (const auto& b : store.ListBuckets()) {  // sorted by name
    if (!after.empty() && b.name <= after) continue;
    if (b.name.compare(0, prefix.size(), prefix) != 0) continue;
    if (!region_filter.empty() && b.region != region_filter) continue;
    if (listed == max_buckets) {
      truncated = true;
      break;
    }
    auto node = buckets.append_child("Bucket");
    AddText(node, "Name", b.name);
    AddText(node, "CreationDate", FormatIso8601(b.created));
    AddText(node, "BucketRegion", b.region);
    last = b.name;
    ++listed;
  }
  AddOwner(w.root());
  if (truncated) AddText(w.root(), "ContinuationToken", Base64Encode(std::string(kBucketTokenPrefix) + last));
  if (c.r.HasParam("prefix")) AddText(w.root(), "Prefix", prefix);
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
  if (auto err = store.CreateBucket(c.r.bucket, region, WholeSeconds(c.now))) {
    // "For legacy compatibility, if you re-create an existing bucket that you already own
    // in the North Virginia Region, Amazon S3 returns 200 OK" (CreateBucket); its
    // settings stay as they are.
    auto existing = store.GetBucket(c.r.bucket);
    if (err->code != "BucketAlreadyOwnedByYou" || region != "us-east-1" || !existing.ok() ||
        existing->region != "us-east-1")
      return *err;
  } else {
    (void)store.UpdateBucketSettings(c.r.bucket, [&](BucketSettings& s) -> MaybeError {
      s = std::move(*settings);
      return std::nullopt;
    });
  }
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
