#include "ops/versioning.h"

#include <algorithm>
#include <cstdint>

#include "common/crypto.h"
#include "common/uri.h"
#include "ops/xml.h"

namespace s3ml {

const char* VersioningStatusName(VersioningStatus status) {
  switch (status) {
    case VersioningStatus::kEnabled:
      return "Enabled";
    case VersioningStatus::kSuspended:
      return "Suspended";
    case VersioningStatus::kUnversioned:
      break;
  }
  return "Unversioned";
}

std::string EncodeTagging(const std::vector<Tag>& tags) {
  std::string out;
  for (const auto& t : tags) {
    if (!out.empty()) out += '&';
    out += UriEncode(t.key, /*encode_slash=*/true);
    out += '=';
    out += UriEncode(t.value, /*encode_slash=*/true);
  }
  return out;
}

namespace ops {

namespace {

constexpr const char* kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

Status InvalidArgument(std::string_view op, const std::string& what) {
  return Status::InvalidArgument(std::string(op) + ": " + what);
}

void AddVersionId(HttpRequest& r, const std::string& version_id) {
  if (!version_id.empty()) r.query.emplace_back("versionId", version_id);
}

void SetXmlBody(HttpRequest& r, std::string xml) {
  r.headers.Set("Content-Type", "application/xml");
  r.headers.Set("Content-MD5", Base64Encode(Md5(xml)));
  r.body = MemoryBody(std::move(xml));
}

}  // namespace

HttpRequest BuildGetBucketVersioning(const Target& t, std::string_view bucket) {
  HttpRequest r = NewRequest(t, "GET", bucket);
  r.query.emplace_back("versioning", "");
  return r;
}

Result<HttpRequest> BuildPutBucketVersioning(const Target& t, const PutBucketVersioningRequest& req) {
  if (req.status == VersioningStatus::kUnversioned)
    return InvalidArgument("PutBucketVersioning",
                           "a bucket cannot be put back into the unversioned state; use kSuspended");
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("VersioningConfiguration");
  root.append_attribute("xmlns") = kS3Namespace;
  root.append_child("Status").text() = VersioningStatusName(req.status);
  HttpRequest r = NewRequest(t, "PUT", req.bucket);
  r.query.emplace_back("versioning", "");
  SetXmlBody(r, SerializeXml(doc));
  return r;
}

Result<HttpRequest> BuildListObjectVersions(const Target& t, const ListObjectVersionsRequest& req) {
  constexpr std::string_view op = "ListObjectVersions";
  if (req.max_keys < 0) return InvalidArgument(op, "max_keys must not be negative, got " + std::to_string(req.max_keys));
  if (!req.version_id_marker.empty() && req.key_marker.empty())
    return InvalidArgument(op, "a version-id marker needs a key marker");
  HttpRequest r = NewRequest(t, "GET", req.bucket);
  r.query.emplace_back("versions", "");
  r.query.emplace_back("encoding-type", "url");
  if (!req.prefix.empty()) r.query.emplace_back("prefix", req.prefix);
  if (!req.delimiter.empty()) r.query.emplace_back("delimiter", req.delimiter);
  if (!req.key_marker.empty()) r.query.emplace_back("key-marker", req.key_marker);
  if (!req.version_id_marker.empty()) r.query.emplace_back("version-id-marker", req.version_id_marker);
  if (req.max_keys > 0) r.query.emplace_back("max-keys", std::to_string(req.max_keys));
  return r;
}

HttpRequest BuildGetObjectTagging(const Target& t, const GetObjectTaggingRequest& req) {
  HttpRequest r = NewRequest(t, "GET", req.bucket, req.key);
  r.query.emplace_back("tagging", "");
  AddVersionId(r, req.version_id);
  return r;
}

Result<std::string> TaggingXml(const std::vector<Tag>& tags, std::string_view op) {
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("Tagging");
  root.append_attribute("xmlns") = kS3Namespace;
  pugi::xml_node set = root.append_child("TagSet");
  for (std::size_t i = 0; i < tags.size(); ++i) {
    const Tag& tag = tags[i];
    if (tag.key.empty()) return InvalidArgument(op, "tag #" + std::to_string(i) + " has an empty key");
    pugi::xml_node n = set.append_child("Tag");
    n.append_child("Key").text() = tag.key.c_str();
    n.append_child("Value").text() = tag.value.c_str();
  }
  return SerializeXml(doc);
}

Result<HttpRequest> BuildPutObjectTagging(const Target& t, const PutObjectTaggingRequest& req) {
  S3ML_ASSIGN_OR_RETURN(std::string body, TaggingXml(req.tags, "PutObjectTagging"));
  HttpRequest r = NewRequest(t, "PUT", req.bucket, req.key);
  r.query.emplace_back("tagging", "");
  AddVersionId(r, req.version_id);
  SetXmlBody(r, std::move(body));
  return r;
}

HttpRequest BuildDeleteObjectTagging(const Target& t, const DeleteObjectTaggingRequest& req) {
  HttpRequest r = NewRequest(t, "DELETE", req.bucket, req.key);
  r.query.emplace_back("tagging", "");
  AddVersionId(r, req.version_id);
  return r;
}

Result<GetBucketVersioningResult> ParseGetBucketVersioning(const HttpResponse& resp) {
  constexpr std::string_view op = "GetBucketVersioning";
  pugi::xml_document doc;
  // moto answers a never-versioned bucket with an empty <GetBucketVersioningResponse/>,
  // which ParseXmlDocument accepts as it accepts every moto <...Response> root.
  S3ML_ASSIGN_OR_RETURN(pugi::xml_node root,
                        ParseXmlDocument(resp.body.view(), op, "VersioningConfiguration", resp.status, doc));
  GetBucketVersioningResult out;
  const std::string status = ChildText(root, "Status");
  if (status == "Enabled") {
    out.status = VersioningStatus::kEnabled;
  } else if (status == "Suspended") {
    out.status = VersioningStatus::kSuspended;
  } else if (!status.empty()) {
    return ProtocolError(op, "unknown versioning Status '" + BodySnippet(status, 40) + "'", resp.status);
  }
  out.mfa_delete = ChildText(root, "MfaDelete");
  return out;
}

Result<ListObjectVersionsResult> ParseListObjectVersions(const HttpResponse& resp) {
  constexpr std::string_view op = "ListObjectVersions";
  pugi::xml_document doc;
  S3ML_ASSIGN_OR_RETURN(pugi::xml_node root,
                        ParseXmlDocument(resp.body.view(), op, "ListVersionsResult", resp.status, doc));
  const ListingText text(root, op);
  ListObjectVersionsResult out;
  out.bucket = ChildText(root, "Name");
  S3ML_ASSIGN_OR_RETURN(out.prefix, text(root, "Prefix"));
  S3ML_ASSIGN_OR_RETURN(out.delimiter, text(root, "Delimiter"));
  S3ML_ASSIGN_OR_RETURN(out.key_marker, text(root, "KeyMarker"));
  out.version_id_marker = ChildText(root, "VersionIdMarker");
  S3ML_ASSIGN_OR_RETURN(out.next_key_marker, text(root, "NextKeyMarker"));
  out.next_version_id_marker = ChildText(root, "NextVersionIdMarker");
  S3ML_ASSIGN_OR_RETURN(out.is_truncated, ChildBool(root, "IsTruncated", op));
  S3ML_ASSIGN_OR_RETURN(std::uint64_t max_keys, ChildUint(root, "MaxKeys", 0, op));
  out.max_keys = static_cast<int>(std::min<std::uint64_t>(max_keys, INT32_MAX));
  // Version and DeleteMarker elements interleave in S3's order; keep it.
  for (pugi::xml_node n : root.children()) {
    const std::string name = n.name();
    const bool marker = name == "DeleteMarker";
    if (!marker && name != "Version") continue;
    ObjectVersionSummary v;
    v.is_delete_marker = marker;
    S3ML_ASSIGN_OR_RETURN(v.key, text(n, "Key"));
    v.version_id = ChildText(n, "VersionId");
    S3ML_ASSIGN_OR_RETURN(v.is_latest, ChildBool(n, "IsLatest", op));
    S3ML_ASSIGN_OR_RETURN(v.last_modified, ChildTime(n, "LastModified", op));
    v.etag = ChildText(n, "ETag");
    S3ML_ASSIGN_OR_RETURN(v.size, ChildUint(n, "Size", 0, op));
    v.storage_class = ChildText(n, "StorageClass");
    v.owner_id = ChildText(n.child("Owner"), "ID");
    out.versions.push_back(std::move(v));
  }
  for (pugi::xml_node p : root.children("CommonPrefixes")) {
    S3ML_ASSIGN_OR_RETURN(std::string prefix, text(p, "Prefix"));
    out.common_prefixes.push_back(std::move(prefix));
  }
  // S3 interleaves Version and DeleteMarker elements newest first per key; some
  // servers (moto) group them by kind. Restore S3's order: a stable sort is a
  // no-op on S3's own answers.
  std::stable_sort(out.versions.begin(), out.versions.end(),
                   [](const ObjectVersionSummary& a, const ObjectVersionSummary& b) {
                     if (a.key != b.key) return a.key < b.key;
                     if (a.is_latest != b.is_latest) return a.is_latest;
                     return a.last_modified > b.last_modified;
                   });
  if (out.is_truncated && out.next_key_marker.empty())
    return ProtocolError(op, resp, "the listing is truncated but carries no NextKeyMarker");
  return out;
}

Result<std::vector<Tag>> ParseTagSet(const HttpResponse& resp, std::string_view op) {
  pugi::xml_document doc;
  S3ML_ASSIGN_OR_RETURN(pugi::xml_node root, ParseXmlDocument(resp.body.view(), op, "Tagging", resp.status, doc));
  std::vector<Tag> out;
  for (pugi::xml_node n : root.child("TagSet").children("Tag")) {
    if (!n.child("Key")) return ProtocolError(op, resp, "a <Tag> has no <Key>");
    out.push_back(Tag{ChildText(n, "Key"), ChildText(n, "Value")});
  }
  return out;
}

Result<GetObjectTaggingResult> ParseGetObjectTagging(const HttpResponse& resp) {
  GetObjectTaggingResult out;
  S3ML_ASSIGN_OR_RETURN(out.tags, ParseTagSet(resp, "GetObjectTagging"));
  out.version_id = resp.headers.Get("x-amz-version-id");
  return out;
}

}  // namespace ops
}  // namespace s3ml
