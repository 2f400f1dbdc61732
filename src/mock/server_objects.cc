// Object operations: PutObject, GetObject (and HeadObject), DeleteObject,
// DeleteObjects, CopyObject, ListObjects and ListObjectsV2, SelectObjectContent.
// (Versions and tags: server_versioning.cc; multipart uploads: server_multipart.cc.)

#include "mock/server_impl.h"

namespace s3ml::mock {

Expected<Reply> MockS3Server::Impl::PutObject(Call& c) {
  if (auto err = CheckKeyLength(c.r.key)) return *err;
  auto supplied = VerifyIntegrityHeaders(c.headers, c.payload);
  if (!supplied.ok()) return supplied.error();

  auto obj = std::make_shared<ObjectRecord>();
  if (auto err = FillAttributesFromHeaders(c.headers, *obj)) return *err;
  {  // server-side encryption: mock/sse.cc
    auto sse = ParseSseWrite(c.headers, options.region, MockAccountId(options.access_key));
    if (!sse.ok()) return sse.error();
    obj->sse = std::move(*sse);
    if (auto err = ApplyDefaultEncryption(c.r.bucket, obj->sse)) return *err;  // server_bucket_config.cc
  }
  if (auto err = ApplyRequestAcl(c, obj->acl)) return *err;  // server_acl.cc
  if (auto err = ReadStorageClassAndTags(c.headers, *obj)) return *err;
  for (const auto& [alg, value] : *supplied) obj->checksums[alg] = value;
  for (const auto& [name, value] : c.trailers) {
    constexpr std::string_view kPrefix = "x-amz-checksum-";
    if (name.compare(0, kPrefix.size(), kPrefix) == 0) obj->checksums[name.substr(kPrefix.size())] = value;
  }

  auto cond = WriteConditions(c);  // mock/server_conditional.cc
  if (!cond.ok()) return cond.error();

  obj->etag = "\"" + HexEncode(Md5(c.payload)) + "\"";
  obj->last_modified = WholeSeconds(c.now);
  obj->body = std::make_shared<const std::string>(std::move(c.payload));
  Reply reply;
  reply.Header("ETag", obj->etag);
  AddSseResponseHeaders(reply.headers, obj->sse, /*include_context=*/true);
  for (const auto& [alg, value] : obj->checksums) reply.Header("x-amz-checksum-" + alg, value);
  std::string version_id;
  const ObjectPtr stored = obj;  // for the x-amz-expiration header below
  if (auto err = store.PutObject(c.r.bucket, c.r.key, std::move(obj), *cond, &version_id)) return *err;
  // A versioning-suspended bucket stores the "null" version and S3 names no version
  // in a write's answer (reads and DeleteObject do name "null").
  if (!version_id.empty() && version_id != "null") reply.Header("x-amz-version-id", version_id);
  (void)ObjectLifecycleHeaders(c.r.bucket, c.r.key, *stored, true, false, c.now, reply);
  return reply;
}

Expected<Reply> MockS3Server::Impl::GetObject(Call& c) {
  auto version = VersionParam(c.r);
  if (!version.ok()) return version.error();
  auto found = store.GetVersion(c.r.bucket, c.r.key, *version);
  if (!found.ok()) return WithMethod(found.error(), c.method);
  const ObjectPtr obj = found->version.object;
  if (auto err = CheckSseCustomerKey(c.headers, obj->sse, kSseCustomerPrefix)) return *err;

  Reply reply;
  if (found->versioned_bucket || !version->empty()) reply.Header("x-amz-version-id", found->version.version_id);
  reply.Header("ETag", obj->etag);
  AddSseResponseHeaders(reply.headers, obj->sse, /*include_context=*/false);
  reply.Header("Last-Modified", FormatHttpDate(obj->last_modified));
  auto [cond_status, condition] = EvaluateConditions(c.headers, *obj, "");
  if (cond_status == 304) {
    reply.status = 304;
    return reply;
  }
  if (cond_status == 412) return PreconditionFailed(condition);
  // x-amz-expiration / x-amz-restore; a GET of an unrestored GLACIER object is refused.
  if (auto err = ObjectLifecycleHeaders(c.r.bucket, c.r.key, *obj, version->empty(), c.method == "GET", c.now, reply))
    return *err;

  const std::uint64_t size = obj->size();
  RangeDecision range;
  if (c.r.HasParam("partNumber")) {
    // A multipart object serves the byte range of the requested part; any other
    // object counts as a single part.
    auto number = PartNumberParam(c.r);
    if (!number.ok()) return number.error();
    const auto part = static_cast<std::uint64_t>(*number);
    const std::uint64_t count = obj->part_sizes.empty() ? 1 : obj->part_sizes.size();
    if (part > count)
      return S3Error(400, "InvalidPartNumber", "The requested partnumber is not satisfiable")
          .With("PartNumberRequested", c.r.Param("partNumber"))
          .With("ActualPartCount", std::to_string(count));
    reply.Header("x-amz-mp-parts-count", std::to_string(count));
    std::uint64_t first = 0;
    for (std::uint64_t i = 0; i + 1 < part; ++i) first += obj->part_sizes[i];
    const std::uint64_t len = obj->part_sizes.empty() ? size : obj->part_sizes[part - 1];
    if (len > 0) range = RangeDecision{RangeDecision::kPartial, first, first + len - 1};
  } else if (const std::string* rh = c.headers.Find("Range")) {
    range = ResolveRange(*rh, size);
    if (range.kind == RangeDecision::kUnsatisfiable)
      return S3Error(416, "InvalidRange", "The requested range is not satisfiable")
          .With("RangeRequested", *rh)
          .With("ActualObjectSize", std::to_string(size))
          .WithHeader("Content-Range", "bytes */" + std::to_string(size));
  }

  reply.Header("Accept-Ranges", "bytes");
  if (!obj->cache_control.empty()) reply.Header("Cache-Control", obj->cache_control);
  if (!obj->content_disposition.empty()) reply.Header("Content-Disposition", obj->content_disposition);
  if (!obj->content_encoding.empty()) reply.Header("Content-Encoding", obj->content_encoding);
  if (!obj->content_language.empty()) reply.Header("Content-Language", obj->content_language);
  if (!obj->expires.empty()) reply.Header("Expires", obj->expires);
  for (const auto& [name, value] : obj->metadata) reply.Header("x-amz-meta-" + name, value);
  if (obj->storage_class != "STANDARD") reply.Header("x-amz-storage-class", obj->storage_class);
  if (!obj->tags.empty()) reply.Header("x-amz-tagging-count", std::to_string(obj->tags.size()));
  // Full-object checksums only on whole-object reads that ask for them (a ranged
  // body would not match, and clients validate what they receive).
  // (Multipart objects: the composite and its type, or one part's checksum: mock/part_checksums.cc.)
  AddObjectChecksumHeaders(c.headers, c.r.HasParam("partNumber") ? c.r.Param("partNumber") : std::string(),
                           range.kind == RangeDecision::kWhole, *obj, reply.headers);
  reply.content_type = obj->content_type;
  // response-* overrides (GetObject only; HEAD honours them too, as S3 does).
  static const std::pair<const char*, const char*> kOverrides[] = {
      {"response-content-language", "Content-Language"}, {"response-expires", "Expires"},
      {"response-cache-control", "Cache-Control"},       {"response-content-disposition", "Content-Disposition"},
      {"response-content-encoding", "Content-Encoding"}};
  for (const auto& [param, header] : kOverrides) {
    if (!c.r.HasParam(param)) continue;
    auto& hs = reply.headers;
    // C++17 lambdas cannot capture a structured binding: name the value first.
    const char* const name = header;
    hs.erase(std::remove_if(hs.begin(), hs.end(), [name](const auto& kv) { return EqualsIgnoreCase(kv.first, name); }),
             hs.end());
    reply.Header(header, c.r.Param(param));
  }
  if (c.r.HasParam("response-content-type")) reply.content_type = c.r.Param("response-content-type");

  reply.object = obj;
  if (range.kind == RangeDecision::kPartial) {
    reply.status = 206;
    reply.offset = range.first;
    reply.length = range.last - range.first + 1;
    reply.Header("Content-Range", "bytes " + std::to_string(range.first) + "-" + std::to_string(range.last) + "/" +
                                      std::to_string(size));
  } else {
    reply.offset = 0;
    reply.length = size;
  }
  return reply;
}

Expected<Reply> MockS3Server::Impl::DeleteObject(Call& c) {
  auto version = VersionParam(c.r);
  if (!version.ok()) return version.error();
  auto outcome = store.DeleteVersion(c.r.bucket, c.r.key, *version, c.now, DeleteConditions(c));
  if (!outcome.ok()) return outcome.error();
  Reply reply;
  reply.status = 204;
  if (outcome->delete_marker) reply.Header("x-amz-delete-marker", "true");
  if (!outcome->version_id.empty()) reply.Header("x-amz-version-id", outcome->version_id);
  return reply;
}

Expected<Reply> MockS3Server::Impl::DeleteObjects(Call& c) {
  // S3 requires an integrity header on multi-object delete.
  if (auto err = RequireIntegrityHeader(c, "Content-MD5 (or an x-amz-checksum-* header)")) return *err;

  pugi::xml_document doc;
  // A key may be whitespace only (" "): pugixml drops whitespace-only text unless
  // told to keep it, and the key would become "" and never match the object.
  if (!doc.load_buffer(c.payload.data(), c.payload.size(), pugi::parse_default | pugi::parse_ws_pcdata_single))
    return MalformedXml();
  auto root = doc.child("Delete");
  if (!root) return MalformedXml();
  const bool quiet = std::string(root.child("Quiet").text().as_string()) == "true";
  struct Target {
    std::string key, version;
    DeleteCondition cond;  // <ETag>: a conditional delete of this object
  };
  std::vector<Target> targets;
  for (auto obj : root.children("Object")) {
    auto key = obj.child("Key");
    if (!key) return MalformedXml();
    Target t{key.text().as_string(), obj.child("VersionId").text().as_string(), {}};
    if (auto etag = obj.child("ETag")) {
      t.cond.if_match = etag.text().as_string();
      t.cond.since = c.window_start;
    }
    targets.push_back(std::move(t));
  }
  if (targets.empty() || targets.size() > kMaxDeleteObjects) return MalformedXml();
  auto bucket = store.GetBucket(c.r.bucket);
  if (!bucket.ok()) return bucket.error();

  XmlWriter w("DeleteResult");
  for (const auto& [key, version, cond] : targets) {
    auto outcome = store.DeleteVersion(c.r.bucket, key, version, c.now, cond);
    if (!outcome.ok()) {
      auto e = w.root().append_child("Error");
      AddText(e, "Key", key);
      if (!version.empty()) AddText(e, "VersionId", version);
      AddText(e, "Code", outcome.error().code);
      AddText(e, "Message", outcome.error().message);
    } else if (!quiet) {
      auto d = w.root().append_child("Deleted");
      AddText(d, "Key", key);
      if (!version.empty()) AddText(d, "VersionId", version);
      // A new marker, or a removed version that was one: S3 names the marker's id.
      if (outcome->delete_marker) {
        AddText(d, "DeleteMarker", "true");
        AddText(d, "DeleteMarkerVersionId", outcome->version_id);
      }
    }
  }
  Reply reply;
  reply.Xml(w.str());
  return reply;
}

Expected<CopySource> MockS3Server::Impl::ResolveCopySource(Call& c, const std::function<MaybeError()>& before_lookup) {
  // x-amz-copy-source: [/]bucket/key[?versionId=...], URL-encoded.
  const std::string& header = c.headers.Get("x-amz-copy-source");
  std::string source = header;
  CopySource out;
  if (auto q = source.find('?'); q != std::string::npos) {
    auto params = ParseQuery(source.substr(q + 1));
    if (params.ok())
      for (const auto& [k, v] : *params)
        if (k == "versionId") {
          out.version_id = v;
          out.has_version = true;
        }
    source.resize(q);
  }
  auto decoded = UriDecode(source);
  if (!decoded.ok()) return InvalidArgument("Invalid copy source encoding", "x-amz-copy-source", source);
  std::string path = *decoded;
  if (!path.empty() && path.front() == '/') path.erase(0, 1);
  auto slash = path.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == path.size())
    return InvalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
                           "x-amz-copy-source", header);
  out.bucket = path.substr(0, slash);
  out.key = path.substr(slash + 1);
  if (out.has_version && !IsWellFormedVersionId(out.version_id))
    return InvalidArgument("Invalid version id specified", "x-amz-copy-source", header);
  if (before_lookup)
    if (auto err = before_lookup()) return *err;

  auto found = store.GetVersion(out.bucket, out.key, out.version_id);
  if (!found.ok()) {
    // A delete marker as the copy source is 400 InvalidRequest in S3, not 405.
    if (found.error().code == "MethodNotAllowed")
      return InvalidRequest("The source of a copy request may not specifically refer to a delete marker by version id.");
    return found.error();
  }
  out.found = std::move(*found);
  const ObjectRecord& src = *out.found.version.object;
  if (auto err = CheckSseCustomerKey(c.headers, src.sse, kCopySourceSseCustomerPrefix)) return *err;
  auto [cond_status, condition] = EvaluateConditions(c.headers, src, "x-amz-copy-source-");
  if (cond_status != 0) return PreconditionFailed(condition);
  // S3 copies an archived (GLACIER/DEEP_ARCHIVE) source only while a restored copy exists.
  if (auto err = ArchiveStateError(src, c.now)) return *err;
  return out;
}

Expected<Reply> MockS3Server::Impl::CopyObject(Call& c) {
  if (auto err = CheckKeyLength(c.r.key)) return *err;
  auto dest_cond = WriteConditions(c);  // If-Match / If-None-Match on the destination
  if (!dest_cond.ok()) return dest_cond.error();
  auto resolved = ResolveCopySource(c);
  if (!resolved.ok()) return resolved.error();
  const std::string& src_bucket = resolved->bucket;
  const std::string& src_key = resolved->key;
  const bool has_source_version = resolved->has_version;
  const ObjectPtr src = resolved->found.version.object;
  auto dest_sse = ParseSseWrite(c.headers, options.region, MockAccountId(options.access_key));
  if (!dest_sse.ok()) return dest_sse.error();
  if (auto err = ApplyDefaultEncryption(c.r.bucket, *dest_sse)) return *err;  // server_bucket_config.cc
  Acl dest_acl;  // a copy gets the ACL its request asks for, never the source's
  if (auto err = ApplyRequestAcl(c, dest_acl)) return *err;
  const std::string copied_version = resolved->found.version.version_id;
  const bool report_source_version = resolved->found.versioned_bucket || has_source_version;
  auto dest_bucket = store.GetBucket(c.r.bucket);
  if (!dest_bucket.ok()) return dest_bucket.error();

  const std::string directive = c.headers.Get("x-amz-metadata-directive", "COPY");
  if (directive != "COPY" && directive != "REPLACE")
    return InvalidArgument("Unknown metadata directive.", "x-amz-metadata-directive", directive);
  const std::string tagging_directive = c.headers.Get("x-amz-tagging-directive", "COPY");
  if (tagging_directive != "COPY" && tagging_directive != "REPLACE")
    return InvalidArgument("Unknown tagging directive.", "x-amz-tagging-directive", tagging_directive);
  const std::string* storage_class = c.headers.Find("x-amz-storage-class");
  if (storage_class && !IsValidStorageClass(*storage_class)) return InvalidStorageClass(*storage_class);
  if (src_bucket == c.r.bucket && src_key == c.r.key && !has_source_version && directive == "COPY" &&
      (!storage_class || *storage_class == src->storage_class) && !c.headers.Has("x-amz-website-redirect-location") &&
      !c.headers.Has("x-amz-server-side-encryption"))
    return InvalidRequest(
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's "
        "metadata, storage class, website redirect location or encryption attributes.");

  auto obj = std::make_shared<ObjectRecord>();
  if (directive == "COPY") {
    *obj = *src;
  } else {
    if (auto err = FillAttributesFromHeaders(c.headers, *obj)) return *err;
    obj->tags = src->tags;
  }
  obj->body = src->body;  // shared: a copy costs no bytes
  obj->etag = src->etag;
  obj->checksums = src->checksums;
  obj->sse = *dest_sse;  // the copy is encrypted as the request says, not as the source was
  obj->acl = std::move(dest_acl);
  obj->storage_class = storage_class ? *storage_class : "STANDARD";
  if (tagging_directive == "REPLACE") {
    obj->tags.clear();
    if (const std::string* tagging = c.headers.Find("x-amz-tagging")) {
      auto tags = ParseTagging(*tagging);
      if (!tags.ok()) return tags.error();
      obj->tags = std::move(*tags);
    }
  } else {
    obj->tags = src->tags;
  }
  obj->last_modified = WholeSeconds(c.now);
  const std::string etag = obj->etag;
  const SystemTime last_modified = obj->last_modified;
  std::string version_id;
  if (auto err = store.PutObject(c.r.bucket, c.r.key, std::move(obj), *dest_cond, &version_id)) return *err;

  XmlWriter w("CopyObjectResult");
  AddText(w.root(), "ETag", etag);
  AddText(w.root(), "LastModified", FormatIso8601(last_modified));
  Reply reply;
  if (report_source_version) reply.Header("x-amz-copy-source-version-id", copied_version);
  AddSseResponseHeaders(reply.headers, *dest_sse, /*include_context=*/true);
  if (!version_id.empty() && version_id != "null") reply.Header("x-amz-version-id", version_id);
  reply.Xml(w.str());
  return reply;
}

Expected<Reply> MockS3Server::Impl::ListObjects(Call& c) {
  const bool v2 = c.r.operation == op::kListObjectsV2;
  auto args = ParseListArgs(c.r, v2 ? Listing::kObjectsV2 : Listing::kObjectsV1);
  if (!args.ok()) return args.error();
  const ListArgs& a = *args;
  const bool url = a.url;
  const ListQuery q = a.ObjectsQuery();
  auto page = store.List(c.r.bucket, q);
  if (!page.ok()) return page.error();

  XmlWriter w("ListBucketResult");
  auto root = w.root();
  AddText(root, "Name", c.r.bucket);
  AddText(root, "Prefix", EncodeIf(url, q.prefix));
  if (!v2) {
    AddText(root, "Marker", EncodeIf(url, a.marker));
    // S3 returns NextMarker only with a delimiter; otherwise the last key is the marker.
    if (page->truncated && !q.delimiter.empty()) AddText(root, "NextMarker", EncodeIf(url, page->last));
  }
  if (!q.delimiter.empty()) AddText(root, "Delimiter", EncodeIf(url, q.delimiter));
  AddText(root, "MaxKeys", std::to_string(q.max_keys));
  if (url) AddText(root, "EncodingType", "url");
  if (v2) {
    AddText(root, "KeyCount", std::to_string(page->contents.size() + page->common_prefixes.size()));
    if (a.has_token) AddText(root, "ContinuationToken", a.token);
    if (page->truncated) AddText(root, "NextContinuationToken", Base64Encode(kTokenPrefix + page->last));
    if (a.has_start_after) AddText(root, "StartAfter", EncodeIf(url, a.start_after));
  }
  AddText(root, "IsTruncated", page->truncated ? "true" : "false");
  const bool fetch_owner = !v2 || c.r.Param("fetch-owner") == "true";
  for (const auto& e : page->contents) {
    auto node = root.append_child("Contents");
    AddText(node, "Key", EncodeIf(url, e.key));
    AddText(node, "LastModified", FormatIso8601(e.object->last_modified));
    AddText(node, "ETag", e.object->etag);
    AddChecksumAlgorithms(node, *e.object);
    AddText(node, "Size", std::to_string(e.object->size()));
    if (fetch_owner) AddOwner(node);
    AddText(node, "StorageClass", e.object->storage_class);
  }
  AddCommonPrefixes(root, page->common_prefixes, url);
  Reply reply;
  reply.Xml(w.str());
  return reply;
}

Expected<Reply> MockS3Server::Impl::SelectObjectContent(Call& c) {
  auto obj = store.GetObject(c.r.bucket, c.r.key);
  if (!obj.ok()) return obj.error();
  auto body = HandleSelectObjectContent(c.payload, (*obj)->body ? std::string_view(*(*obj)->body) : std::string_view());
  if (!body.ok()) return body.error();
  Reply reply;
  reply.content_type = "application/octet-stream";
  reply.body = std::move(*body);
  return reply;
}

}  // namespace s3ml::mock
