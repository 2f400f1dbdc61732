// Bucket versioning (Get/PutBucketVersioning, ListObjectVersions) and object
// tagging (Get/Put/DeleteObjectTagging). The versions themselves are kept by the
// store (mock/store.cc); tag parsing is in server_args.cc.

#include "mock/server_impl.h"

namespace s3ml::mock {

Expected<Reply> MockS3Server::Impl::GetBucketVersioning(Call& c) {
  auto b = store.GetBucket(c.r.bucket);
  if (!b.ok()) return b.error();
  XmlWriter w("VersioningConfiguration");
  // A bucket that was never versioned answers with an empty configuration.
  if (b->versioning != VersioningState::kUnversioned) AddText(w.root(), "Status", VersioningStatusName(b->versioning));
  Reply reply;
  reply.Xml(w.str());
  return reply;
}

Expected<Reply> MockS3Server::Impl::PutBucketVersioning(Call& c) {
  pugi::xml_document doc;
  if (c.payload.empty() || !doc.load_buffer(c.payload.data(), c.payload.size())) return MalformedXml();
  auto root = doc.child("VersioningConfiguration");
  if (!root) return MalformedXml();
  for (auto child : root.children()) {
    const std::string name = child.name();
    if (name != "Status" && name != "MfaDelete") return MalformedXml();
  }
  const std::string status = root.child("Status").text().as_string();
  VersioningState state;
  if (status == "Enabled") state = VersioningState::kEnabled;
  else if (status == "Suspended") state = VersioningState::kSuspended;
  else return MalformedXml();
  if (auto mfa = root.child("MfaDelete")) {
    const std::string v = mfa.text().as_string();
    if (v == "Enabled")
      return InvalidRequest("MFA delete is not supported by the s3ml mock server (it needs an MFA device)");
    if (v != "Disabled") return MalformedXml();
  }
  if (auto err = store.SetVersioning(c.r.bucket, state)) return *err;
  return Reply{};
}

Expected<Reply> MockS3Server::Impl::ListObjectVersions(Call& c) {
  auto args = ParseListArgs(c.r, Listing::kVersions);
  if (!args.ok()) return args.error();
  const bool url = args->url;
  const VersionQuery q = args->VersionsQuery();
  auto page = store.ListVersions(c.r.bucket, q);
  if (!page.ok()) return page.error();

  XmlWriter w("ListVersionsResult");
  auto root = w.root();
  AddText(root, "Name", c.r.bucket);
  AddText(root, "Prefix", EncodeIf(url, q.prefix));
  AddText(root, "KeyMarker", EncodeIf(url, q.key_marker));
  AddText(root, "VersionIdMarker", q.version_id_marker);
  if (page->truncated) {
    AddText(root, "NextKeyMarker", EncodeIf(url, page->next_key_marker));
    if (!page->next_version_id_marker.empty()) AddText(root, "NextVersionIdMarker", page->next_version_id_marker);
  }
  AddText(root, "MaxKeys", std::to_string(q.max_keys));
  if (!q.delimiter.empty()) AddText(root, "Delimiter", EncodeIf(url, q.delimiter));
  if (url) AddText(root, "EncodingType", "url");
  AddText(root, "IsTruncated", page->truncated ? "true" : "false");
  for (const auto& e : page->versions) {
    const ObjectVersion& v = e.version;
    auto node = root.append_child(v.delete_marker() ? "DeleteMarker" : "Version");
    AddText(node, "Key", EncodeIf(url, e.key));
    AddText(node, "VersionId", v.version_id);
    AddText(node, "IsLatest", e.is_latest ? "true" : "false");
    AddText(node, "LastModified", FormatIso8601(v.last_modified));
    if (!v.delete_marker()) {
      AddText(node, "ETag", v.object->etag);
      AddChecksumAlgorithms(node, *v.object);
      AddText(node, "Size", std::to_string(v.object->size()));
      AddText(node, "StorageClass", v.object->storage_class);
    }
    AddOwner(node);
  }
  AddCommonPrefixes(root, page->common_prefixes, url);
  Reply reply;
  reply.Xml(w.str());
  return reply;
}

// ---- tagging ---------------------------------------------------------------

Expected<Reply> MockS3Server::Impl::GetObjectTagging(Call& c) {
  auto version = VersionParam(c.r);
  if (!version.ok()) return version.error();
  auto found = store.GetVersion(c.r.bucket, c.r.key, *version);
  if (!found.ok()) return WithMethod(found.error(), c.method);
  XmlWriter w("Tagging");
  auto set = w.root().append_child("TagSet");
  for (const auto& [k, v] : found->version.object->tags) {
    auto tag = set.append_child("Tag");
    AddText(tag, "Key", k);
    AddText(tag, "Value", v);
  }
  Reply reply;
  if (found->versioned_bucket || !version->empty()) reply.Header("x-amz-version-id", found->version.version_id);
  reply.Xml(w.str());
  return reply;
}

Expected<Reply> MockS3Server::Impl::PutObjectTagging(Call& c) {
  auto version = VersionParam(c.r);
  if (!version.ok()) return version.error();
  auto tags = ParseTaggingXml(c.payload);
  if (!tags.ok()) return tags.error();
  auto updated = store.SetTags(c.r.bucket, c.r.key, *version, std::move(*tags));
  if (!updated.ok()) return WithMethod(updated.error(), c.method);
  Reply reply;
  if (updated->versioned_bucket || !version->empty()) reply.Header("x-amz-version-id", updated->version.version_id);
  return reply;
}

Expected<Reply> MockS3Server::Impl::DeleteObjectTagging(Call& c) {
  auto version = VersionParam(c.r);
  if (!version.ok()) return version.error();
  auto updated = store.SetTags(c.r.bucket, c.r.key, *version, {});
  if (!updated.ok()) return WithMethod(updated.error(), c.method);
  Reply reply;
  reply.status = 204;
  if (updated->versioned_bucket || !version->empty()) reply.Header("x-amz-version-id", updated->version.version_id);
  return reply;
}

}  // namespace s3ml::mock
