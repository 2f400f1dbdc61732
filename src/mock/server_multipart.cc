// Multipart uploads: CreateMultipartUpload, UploadPart, UploadPartCopy,
// CompleteMultipartUpload, AbortMultipartUpload, ListParts, ListMultipartUploads.
// Per-part and composite checksums: mock/part_checksums.cc.

#include "mock/server_impl.h"

namespace s3ml::mock {

namespace {

constexpr std::uint64_t kMinPartSize = 5ull * 1024 * 1024;
constexpr int kMaxListParts = 1000;

// The answer to CompleteMultipartUpload for the object it stored (also to a retry).
Reply CompleteReply(const Call& c, const ObjectRecord& obj, const std::string& version_id) {
  XmlWriter w("CompleteMultipartUploadResult");
  AddText(w.root(), "Location", "http://" + c.headers.Get("Host") + c.r.raw_path);
  AddText(w.root(), "Bucket", c.r.bucket);
  AddText(w.root(), "Key", c.r.key);
  AddText(w.root(), "ETag", obj.etag);
  for (const auto& [alg, value] : obj.checksums) {
    AddText(w.root(), ChecksumElementName(alg).c_str(), value);
    AddText(w.root(), "ChecksumType", obj.checksum_type);
  }
  Reply reply;
  AddSseResponseHeaders(reply.headers, obj.sse, /*include_context=*/false);
  if (!version_id.empty() && version_id != "null") reply.Header("x-amz-version-id", version_id);  // see PutObject
  reply.Xml(w.str());
  return reply;
}

}  // namespace

Expected<Reply> MockS3Server::Impl::CreateMultipartUpload(Call& c) {
  if (auto err = CheckKeyLength(c.r.key)) return *err;
  auto attrs = std::make_shared<ObjectRecord>();
  if (auto err = FillAttributesFromHeaders(c.headers, *attrs)) return *err;
  if (auto err = ReadStorageClassAndTags(c.headers, *attrs)) return *err;
  // Encryption and the upload's checksum algorithm/type: mock/sse.cc, mock/part_checksums.cc.
  Reply reply;
  auto sse = ParseSseWrite(c.headers, options.region, MockAccountId(options.access_key));
  if (!sse.ok()) return sse.error();
  attrs->sse = std::move(*sse);
  if (auto err = ApplyDefaultEncryption(c.r.bucket, attrs->sse)) return *err;  // server_bucket_config.cc
  if (auto err = ApplyRequestAcl(c, attrs->acl)) return *err;                   // server_acl.cc
  AddSseResponseHeaders(reply.headers, attrs->sse, /*include_context=*/true);
  if (auto err = ApplyUploadChecksumHeaders(c.headers, *attrs, reply.headers)) return *err;
  auto id = store.CreateUpload(c.r.bucket, c.r.key, std::move(attrs), WholeSeconds(c.now));
  if (!id.ok()) return id.error();
  XmlWriter w("InitiateMultipartUploadResult");
  AddText(w.root(), "Bucket", c.r.bucket);
  AddText(w.root(), "Key", c.r.key);
  AddText(w.root(), "UploadId", *id);
  reply.Xml(w.str());
  return reply;
}

Expected<Reply> MockS3Server::Impl::UploadPart(Call& c) {
  auto number = PartNumberParam(c.r);
  if (!number.ok()) return number.error();
  const std::string upload_id = c.r.Param("uploadId");
  auto supplied = VerifyIntegrityHeaders(c.headers, c.payload);
  if (!supplied.ok()) return supplied.error();
  // The upload's SSE-C key and checksum algorithm apply to every part.
  auto upload = store.GetUpload(c.r.bucket, c.r.key, upload_id);
  if (!upload.ok()) return upload.error();
  if (auto err = CheckSseCustomerKey(c.headers, upload->attributes->sse, kSseCustomerPrefix)) return *err;
  auto part_sums = PartChecksums(*upload->attributes, *supplied, c.trailers, c.payload);
  if (!part_sums.ok()) return part_sums.error();
  PartRecord part;
  part.number = *number;
  part.checksums = std::move(*part_sums);
  const Md5Digest md5 = Md5(c.payload);
  part.md5.assign(reinterpret_cast<const char*>(md5.data()), md5.size());
  part.etag = "\"" + HexEncode(md5) + "\"";
  part.last_modified = WholeSeconds(c.now);
  part.body = std::make_shared<const std::string>(std::move(c.payload));
  Reply reply;
  reply.Header("ETag", part.etag);
  for (const auto& [alg, value] : *supplied) reply.Header("x-amz-checksum-" + alg, value);
  for (const auto& [name, value] : c.trailers)
    if (name.rfind("x-amz-checksum-", 0) == 0) reply.Header(name, value);
  AddSseResponseHeaders(reply.headers, upload->attributes->sse, /*include_context=*/false);
  if (auto err = store.PutPart(c.r.bucket, c.r.key, upload_id, std::move(part))) return *err;
  return reply;
}

Expected<Reply> MockS3Server::Impl::UploadPartCopy(Call& c) {
  auto number = PartNumberParam(c.r);
  if (!number.ok()) return number.error();
  const std::string upload_id = c.r.Param("uploadId");
  // The upload must exist before the source is read (S3 answers NoSuchUpload first).
  Expected<UploadRecord> up = S3Error(500, "InternalError", "upload not looked up");
  auto resolved = ResolveCopySource(c, [&]() -> MaybeError {
    up = store.GetUpload(c.r.bucket, c.r.key, upload_id);
    if (!up.ok()) return up.error();
    return std::nullopt;
  });
  if (!resolved.ok()) return resolved.error();
  const ObjectPtr src = resolved->found.version.object;

  std::uint64_t first = 0, length = src->size();
  if (const std::string* range = c.headers.Find("x-amz-copy-source-range")) {
    // Exactly "bytes=first-last" within the source (no suffix or open ranges).
    const std::string spec = range->rfind("bytes=", 0) == 0 ? range->substr(6) : std::string();
    const auto dash = spec.find('-');
    std::uint64_t last = 0;
    if (dash == std::string::npos || !ParseUint(spec.substr(0, dash), first) ||
        !ParseUint(spec.substr(dash + 1), last) || last < first)
      return InvalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and "
                             "last are the zero-based offsets of the first and last bytes to copy",
                             "x-amz-copy-source-range", *range);
    if (last >= src->size())
      return InvalidArgument("Range specified is not valid for source object of size: " + std::to_string(src->size()),
                             "x-amz-copy-source-range", *range);
    length = last - first + 1;
  }
  PartRecord part;
  part.number = *number;
  // Sharing is not possible for a slice: the part owns its bytes (one copy).
  part.body = first == 0 && length == src->size() ? src->body
                                                  : std::make_shared<const std::string>(*src->body, first, length);
  const Md5Digest md5 = Md5(*part.body);
  part.md5.assign(reinterpret_cast<const char*>(md5.data()), md5.size());
  part.etag = "\"" + HexEncode(md5) + "\"";
  part.last_modified = WholeSeconds(c.now);
  // S3 checksums a copied part with the upload's algorithm (mock/part_checksums.cc).
  if (auto sums = PartChecksums(*up->attributes, {}, {}, *part.body); sums.ok()) part.checksums = std::move(*sums);
  XmlWriter w("CopyPartResult");
  AddText(w.root(), "LastModified", FormatIso8601(part.last_modified));
  AddText(w.root(), "ETag", part.etag);
  for (const auto& [alg, value] : part.checksums) AddText(w.root(), ChecksumElementName(alg).c_str(), value);
  Reply reply;
  if (resolved->found.versioned_bucket || resolved->has_version)
    reply.Header("x-amz-copy-source-version-id", resolved->found.version.version_id);
  if (auto err = store.PutPart(c.r.bucket, c.r.key, upload_id, std::move(part))) return *err;
  reply.Xml(w.str());
  return reply;
}

Expected<Reply> MockS3Server::Impl::CompleteMultipartUpload(Call& c) {
  auto cond = WriteConditions(c);  // mock/server_conditional.cc
  if (!cond.ok()) return cond.error();
  const std::string upload_id = c.r.Param("uploadId");
  auto upload = store.GetUpload(c.r.bucket, c.r.key, upload_id);
  if (!upload.ok()) {
    // A retry of a Complete that succeeded (its answer was lost) gets the same answer.
    if (upload.error().code != "NoSuchUpload") return upload.error();
    auto done = store.GetCompletedUpload(c.r.bucket, c.r.key, upload_id);
    if (!done.ok()) return upload.error();
    return CompleteReply(c, *done->object, done->version_id);
  }

  pugi::xml_document doc;
  if (c.payload.empty() || !doc.load_buffer(c.payload.data(), c.payload.size())) return MalformedXml();
  auto root = doc.child("CompleteMultipartUpload");
  if (!root) return MalformedXml();
  std::vector<std::pair<int, std::string>> requested;  // number, etag
  for (auto node : root.children()) {
    if (std::string(node.name()) != "Part") continue;  // checksums etc. are not elements of the root
    auto num = node.child("PartNumber");
    auto etag = node.child("ETag");
    std::uint64_t n = 0;
    if (!num || !etag || !ParseUint(num.text().as_string(), n)) return MalformedXml();
    if (n < 1 || n > static_cast<std::uint64_t>(kMaxPartNumber))
      return InvalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber",
                             num.text().as_string());
    requested.emplace_back(static_cast<int>(n), etag.text().as_string());
  }
  if (requested.empty()) return MalformedXml();
  for (std::size_t i = 1; i < requested.size(); ++i) {
    if (requested[i].first <= requested[i - 1].first)
      return S3Error(400, "InvalidPartOrder",
                     "The list of parts was not in ascending order. The parts list must be specified in order by part "
                     "number.")
          .With("UploadId", upload_id);
  }
  std::vector<const PartRecord*> parts;
  parts.reserve(requested.size());
  for (const auto& [n, etag] : requested) {
    auto it = upload->parts.find(n);
    if (it == upload->parts.end() || StripEtag(etag) != StripEtag(it->second.etag))
      return S3Error(400, "InvalidPart",
                     "One or more of the specified parts could not be found. The part may not have been uploaded, or "
                     "the specified entity tag may not match the part's entity tag.")
          .With("UploadId", upload_id)
          .With("PartNumber", std::to_string(n))
          .With("ETag", etag);
    parts.push_back(&it->second);
  }
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i + 1 < parts.size() && parts[i]->size() < kMinPartSize)
      return S3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.")
          .With("ProposedSize", std::to_string(parts[i]->size()))
          .With("MinSizeAllowed", std::to_string(kMinPartSize))
          .With("PartNumber", std::to_string(parts[i]->number))
          .With("ETag", parts[i]->etag);
    total += parts[i]->size();
  }

  // Concatenate once into the final body; the multipart ETag is the MD5 of the
  // concatenated binary part MD5s, suffixed with the part count.
  auto body = std::make_shared<std::string>();
  body->reserve(static_cast<std::size_t>(total));
  std::string md5s;
  auto obj = std::make_shared<ObjectRecord>(*upload->attributes);
  for (const PartRecord* p : parts) {
    body->append(*p->body);
    md5s += p->md5;
    obj->part_sizes.push_back(p->size());
  }
  // The composite (or full-object) checksum and per-part checksums: mock/part_checksums.cc.
  auto object_sum = CompleteChecksum(*upload->attributes, c.payload, parts, *body, upload_id);
  if (!object_sum.ok()) return object_sum.error();
  // A whole-object checksum the request states must be the one the parts give; a
  // composite may be stated with or without its "-<parts>" suffix (base64 has no '-').
  if (const std::string* stated =
          object_sum->algorithm.empty() ? nullptr : c.headers.Find("x-amz-checksum-" + object_sum->algorithm)) {
    const std::string& v = object_sum->value;
    if (*stated != v && *stated != v.substr(0, v.rfind('-')))
      return S3Error(400, "BadDigest",
                     "The " + ChecksumDisplayName(object_sum->algorithm) +
                         " you specified did not match the calculated checksum.");
  }
  obj->checksums.clear();
  if (!object_sum->algorithm.empty()) {
    obj->checksums[object_sum->algorithm] = object_sum->value;
    obj->checksum_type = object_sum->type;
  }
  for (const PartRecord* p : parts) obj->part_checksums.push_back(p->checksums);
  obj->etag = "\"" + HexEncode(Md5(md5s)) + "-" + std::to_string(parts.size()) + "\"";
  obj->last_modified = WholeSeconds(c.now);
  obj->body = std::move(body);
  std::string version_id;
  const ObjectPtr stored = obj;  // for the x-amz-expiration header below
  if (auto err = store.CompleteUpload(c.r.bucket, c.r.key, upload_id, std::move(obj), &version_id, *cond)) return *err;

  Reply reply = CompleteReply(c, *stored, version_id);
  (void)ObjectLifecycleHeaders(c.r.bucket, c.r.key, *stored, true, false, c.now, reply);
  return reply;
}

Expected<Reply> MockS3Server::Impl::AbortMultipartUpload(Call& c) {
  if (auto err = store.AbortUpload(c.r.bucket, c.r.key, c.r.Param("uploadId"))) return *err;
  Reply reply;
  reply.status = 204;
  return reply;
}

Expected<Reply> MockS3Server::Impl::ListParts(Call& c) {
  const std::string upload_id = c.r.Param("uploadId");
  auto max_parts = IntParam(c.r, "max-parts", kMaxListParts, kMaxListParts);
  if (!max_parts.ok()) return max_parts.error();
  auto marker = IntParam(c.r, "part-number-marker", 0, kMaxPartNumber);
  if (!marker.ok()) return marker.error();
  auto upload = store.GetUpload(c.r.bucket, c.r.key, upload_id);
  if (!upload.ok()) return upload.error();

  XmlWriter w("ListPartsResult");
  auto root = w.root();
  AddText(root, "Bucket", c.r.bucket);
  AddText(root, "Key", c.r.key);
  AddText(root, "UploadId", upload_id);
  AddOwner(root, "Initiator");
  AddOwner(root);
  AddText(root, "StorageClass", upload->attributes->storage_class);
  AddText(root, "PartNumberMarker", std::to_string(*marker));
  std::vector<const PartRecord*> page;
  bool truncated = false;
  for (auto it = upload->parts.upper_bound(*marker); it != upload->parts.end(); ++it) {
    if (static_cast<int>(page.size()) >= *max_parts) {
      truncated = true;
      break;
    }
    page.push_back(&it->second);
  }
  AddText(root, "NextPartNumberMarker", std::to_string(page.empty() ? 0 : page.back()->number));
  AddText(root, "MaxParts", std::to_string(*max_parts));
  AddText(root, "IsTruncated", truncated ? "true" : "false");
  for (const PartRecord* p : page) {
    auto node = root.append_child("Part");
    AddText(node, "PartNumber", std::to_string(p->number));
    AddText(node, "LastModified", FormatIso8601(p->last_modified));
    AddText(node, "ETag", p->etag);
    AddText(node, "Size", std::to_string(p->size()));
    for (const auto& [alg, value] : p->checksums) AddText(node, ChecksumElementName(alg).c_str(), value);
  }
  Reply reply;
  reply.Xml(w.str());
  return reply;
}

Expected<Reply> MockS3Server::Impl::ListMultipartUploads(Call& c) {
  auto args = ParseListArgs(c.r, Listing::kUploads);
  if (!args.ok()) return args.error();
  const bool url = args->url;
  const UploadQuery q = args->UploadsQuery();
  auto page = store.ListUploads(c.r.bucket, q);
  if (!page.ok()) return page.error();

  XmlWriter w("ListMultipartUploadsResult");
  auto root = w.root();
  AddText(root, "Bucket", c.r.bucket);
  AddText(root, "KeyMarker", EncodeIf(url, q.key_marker));
  AddText(root, "UploadIdMarker", q.upload_id_marker);
  AddText(root, "NextKeyMarker", EncodeIf(url, page->next_key_marker));
  AddText(root, "NextUploadIdMarker", page->next_upload_id_marker);
  if (!q.delimiter.empty()) AddText(root, "Delimiter", EncodeIf(url, q.delimiter));
  AddText(root, "Prefix", EncodeIf(url, q.prefix));
  AddText(root, "MaxUploads", std::to_string(q.max_uploads));
  if (url) AddText(root, "EncodingType", "url");
  AddText(root, "IsTruncated", page->truncated ? "true" : "false");
  for (const auto& u : page->uploads) {
    auto node = root.append_child("Upload");
    AddText(node, "Key", EncodeIf(url, u.key));
    AddText(node, "UploadId", u.upload_id);
    AddOwner(node, "Initiator");
    AddOwner(node);
    AddText(node, "StorageClass", u.storage_class);
    AddText(node, "Initiated", FormatIso8601(u.initiated));
  }
  AddCommonPrefixes(root, page->common_prefixes, url);
  Reply reply;
  reply.Xml(w.str());
  return reply;
}

}  // namespace s3ml::mock
