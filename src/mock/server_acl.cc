// ACLs and anonymous access: Get/PutBucketAcl, Get/PutObjectAcl, the x-amz-acl and
// x-amz-grant-* headers of writes (checked against Object Ownership and Block Public
// Access), and which unsigned requests an ACL lets through.
// (The other bucket settings: server_bucket_config.cc; the ACL model: mock/acl.cc.)

#include "mock/acl.h"
#include "mock/server_impl.h"

namespace s3ml::mock {

namespace {

S3Error AclsNotSupported() {
  return S3Error(400, "AccessControlListNotSupported", "The bucket does not allow ACLs");
}

// The permission an anonymous request needs on the bucket (`on_object` false) or on
// the object version it names, by operation; nullptr when ACLs never grant it.
const char* AnonymousPermission(const std::string& op, bool& on_object) {
  on_object = false;
  if (op == op::kListObjects || op == op::kListObjectsV2 || op == op::kListObjectVersions ||
      op == op::kListMultipartUploads || op == op::kHeadBucket)
    return "READ";
  if (op == op::kPutObject || op == op::kDeleteObject || op == op::kDeleteObjects ||
      op == op::kCreateMultipartUpload || op == op::kUploadPart || op == op::kCompleteMultipartUpload ||
      op == op::kAbortMultipartUpload)
    return "WRITE";
  if (op == op::kGetBucketAcl) return "READ_ACP";
  if (op == op::kPutBucketAcl) return "WRITE_ACP";
  on_object = true;
  if (op == op::kGetObject || op == op::kHeadObject) return "READ";
  if (op == op::kGetObjectAcl) return "READ_ACP";
  if (op == op::kPutObjectAcl) return "WRITE_ACP";
  return nullptr;
}

}  // namespace

bool IsUnsignedRequest(const Headers& h, const RoutedRequest& r) {
  if (h.Has("Authorization")) return false;
  for (const char* p : {"X-Amz-Signature", "X-Amz-Credential", "X-Amz-Algorithm", "AWSAccessKeyId", "Signature"})
    if (r.HasParam(p)) return false;
  return true;
}

bool MockS3Server::Impl::AnonymousAllowed(const RoutedRequest& r) {
  if (r.operation == op::kOptionsObject) return true;  // browsers never sign a preflight
  if (r.bucket.empty()) return false;
  auto bucket = store.GetBucket(r.bucket);
  if (!bucket.ok()) return false;
  const BucketSettings& s = bucket->settings;
  // BucketOwnerEnforced: "ACLs no longer affect permissions"; IgnorePublicAcls: public grants are ignored.
  if (!s.acls_enabled()) return false;
  if (s.public_access_block && s.public_access_block->ignore_public_acls) return false;
  bool on_object = false;
  const char* permission = AnonymousPermission(r.operation, on_object);
  if (!permission) return false;
  if (!on_object) return GrantsAllUsers(s.acl, permission);
  auto found = store.GetVersion(r.bucket, r.key, r.Param("versionId"));
  return found.ok() && GrantsAllUsers(found->version.object->acl, permission);
}

MaybeError MockS3Server::Impl::CheckAclAllowed(const BucketSettings& s, const Acl& acl) const {
  if (!s.acls_enabled() && !IsOwnerFullControlOnly(acl, owner_id)) return AclsNotSupported();
  if (s.public_access_block && s.public_access_block->block_public_acls && IsPublicAcl(acl)) return AccessDenied();
  return std::nullopt;
}

MaybeError MockS3Server::Impl::ApplyRequestAcl(Call& c, Acl& acl) {
  auto requested = AclFromHeaders(c.headers, owner_id, /*for_bucket=*/false);
  if (!requested.ok()) return requested.error();
  acl.clear();
  if (!*requested) return std::nullopt;  // no ACL header: private
  auto bucket = store.GetBucket(c.r.bucket);
  if (!bucket.ok()) return bucket.error();
  if (auto err = CheckAclAllowed(bucket->settings, **requested)) return err;
  if (!IsOwnerFullControlOnly(**requested, owner_id)) acl = std::move(**requested);
  return std::nullopt;
}

Expected<BucketSettings> MockS3Server::Impl::CreateBucketSettings(Call& c) {
  BucketSettings s;
  if (const std::string* ownership = c.headers.Find("x-amz-object-ownership")) {
    if (*ownership != "BucketOwnerEnforced" && *ownership != "BucketOwnerPreferred" && *ownership != "ObjectWriter")
      return InvalidArgument("Invalid x-amz-object-ownership header: " + *ownership, "x-amz-object-ownership",
                             *ownership);
    s.object_ownership = *ownership;
  }
  auto requested = AclFromHeaders(c.headers, owner_id, /*for_bucket=*/true);
  if (!requested.ok()) return requested.error();
  if (!*requested) return s;
  if (!s.acls_enabled() && !IsOwnerFullControlOnly(**requested, owner_id))
    return S3Error(400, "InvalidBucketAclWithObjectOwnership",
                   "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting");
  if (auto err = CheckAclAllowed(s, **requested)) return *err;
  if (!IsOwnerFullControlOnly(**requested, owner_id)) s.acl = std::move(**requested);
  return s;
}

namespace {

// The ACL a PutBucketAcl/PutObjectAcl asks for: the body or the headers, not both.
Expected<Acl> RequestedAcl(const Call& c, const std::string& owner_id, bool for_bucket) {
  auto from_headers = AclFromHeaders(c.headers, owner_id, for_bucket);
  if (!from_headers.ok()) return from_headers.error();
  if (!c.payload.empty()) {
    if (*from_headers) return S3Error(400, "UnexpectedContent", "This request does not support content");
    return ParseAclXml(c.payload, owner_id);
  }
  if (!*from_headers) return S3Error(400, "MissingSecurityHeader", "Your request was missing a required header");
  return std::move(**from_headers);
}

}  // namespace

Expected<Reply> MockS3Server::Impl::GetBucketAcl(Call& c) {
  auto bucket = store.GetBucket(c.r.bucket);
  if (!bucket.ok()) return bucket.error();
  XmlWriter w("AccessControlPolicy");
  AddAclXml(w.root(), bucket->settings.acls_enabled() ? bucket->settings.acl : Acl{}, owner_id);
  Reply reply;
  reply.Xml(w.str());
  return reply;
}

Expected<Reply> MockS3Server::Impl::PutBucketAcl(Call& c) {
  auto acl = RequestedAcl(c, owner_id, /*for_bucket=*/true);
  if (!acl.ok()) return acl.error();
  if (auto err = store.UpdateBucketSettings(c.r.bucket, [&](BucketSettings& s) -> MaybeError {
        if (auto denied = CheckAclAllowed(s, *acl)) return denied;
        s.acl = IsOwnerFullControlOnly(*acl, owner_id) ? Acl{} : *acl;
        return std::nullopt;
      }))
    return *err;
  return Reply{};
}

Expected<Reply> MockS3Server::Impl::GetObjectAcl(Call& c) {
  auto version = VersionParam(c.r);
  if (!version.ok()) return version.error();
  auto bucket = store.GetBucket(c.r.bucket);
  if (!bucket.ok()) return bucket.error();
  auto found = store.GetVersion(c.r.bucket, c.r.key, *version);
  if (!found.ok()) return WithMethod(found.error(), c.method);
  XmlWriter w("AccessControlPolicy");
  AddAclXml(w.root(), bucket->settings.acls_enabled() ? found->version.object->acl : Acl{}, owner_id);
  Reply reply;
  if (found->versioned_bucket || !version->empty()) reply.Header("x-amz-version-id", found->version.version_id);
  reply.Xml(w.str());
  return reply;
}

Expected<Reply> MockS3Server::Impl::PutObjectAcl(Call& c) {
  auto version = VersionParam(c.r);
  if (!version.ok()) return version.error();
  auto acl = RequestedAcl(c, owner_id, /*for_bucket=*/false);
  if (!acl.ok()) return acl.error();
  auto bucket = store.GetBucket(c.r.bucket);
  if (!bucket.ok()) return bucket.error();
  // The object must exist before the ACL is judged (S3 answers NoSuchKey first).
  auto existing = store.GetVersion(c.r.bucket, c.r.key, *version);
  if (!existing.ok()) return WithMethod(existing.error(), c.method);
  if (auto err = CheckAclAllowed(bucket->settings, *acl)) return *err;
  if (IsOwnerFullControlOnly(*acl, owner_id)) acl->clear();
  auto updated = store.ModifyVersion(c.r.bucket, c.r.key, *version, [&](ObjectRecord& obj) { obj.acl = *acl; });
  if (!updated.ok()) return WithMethod(updated.error(), c.method);
  Reply reply;
  if (updated->versioned_bucket || !version->empty()) reply.Header("x-amz-version-id", updated->version.version_id);
  return reply;
}

}  // namespace s3ml::mock
