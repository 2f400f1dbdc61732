#include "ops/multipart.h"

#include <algorithm>
#include <cctype>

#include <pugixml.hpp>

#include "common/crypto.h"
#include "ops/integrity.h"
#include "ops/sse.h"
#include "ops/xml.h"

namespace s3ml {

// ---- public helpers (s3ml/multipart.h) ---------------------------------------------

namespace {

std::string Bytes(std::uint64_t n) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  std::uint64_t whole = n;
  while (u < 4 && whole >= 1024 && whole % 1024 == 0) {
    whole /= 1024;
    ++u;
  }
  return std::to_string(whole) + " " + units[u];
}

}  // namespace

Result<PartPlan> PlanParts(std::uint64_t total_size, std::uint64_t preferred_part_size) {
  if (preferred_part_size < kMinPartSize)
    return Status::InvalidArgument("part size " + Bytes(preferred_part_size) +
                                   " is below S3's minimum of 5 MiB for every part but the last");
  if (preferred_part_size > kMaxPartSize)
    return Status::InvalidArgument("part size " + Bytes(preferred_part_size) + " is above S3's maximum of 5 GiB");
  if (total_size > kMaxMultipartObjectSize)
    return Status::InvalidArgument("object size " + Bytes(total_size) +
                                   " is above the 5 TiB S3 allows for a multipart upload");
  PartPlan p;
  p.part_size = preferred_part_size;
  if (total_size == 0) {
    p.part_count = 1;
    p.last_part_size = 0;
    return p;
  }
  constexpr std::uint64_t kMiB = 1024 * 1024;
  std::uint64_t max_parts = static_cast<std::uint64_t>(kMaxPartNumber);
  if ((total_size + p.part_size - 1) / p.part_size > max_parts) {
    // The smallest whole-MiB size that fits in 10,000 parts (<= 5 GiB since total <= 5 TiB... with
    // 10,000 parts of 5 GiB = ~48.8 TiB, so this always fits).
    std::uint64_t need = (total_size + max_parts - 1) / max_parts;
    p.part_size = (need + kMiB - 1) / kMiB * kMiB;
  }
  std::uint64_t count = (total_size + p.part_size - 1) / p.part_size;
  p.part_count = static_cast<int>(count);
  p.last_part_size = total_size - p.part_size * (count - 1);
  return p;
}

Status ValidatePartNumber(int part_number) {
  if (part_number < 1 || part_number > kMaxPartNumber)
    return Status::InvalidArgument("part number " + std::to_string(part_number) + " is outside S3's range 1..10000");
  return Status::Ok();
}

Status ValidatePartSize(int part_number, std::uint64_t size, bool is_last) {
  if (size > kMaxPartSize)
    return Status::InvalidArgument("part " + std::to_string(part_number) + " is " + std::to_string(size) +
                                   " bytes, above S3's maximum part size of 5 GiB");
  if (!is_last && size < kMinPartSize)
    return Status::InvalidArgument("part " + std::to_string(part_number) + " is " + std::to_string(size) +
                                   " bytes; every part but the last must be at least 5 MiB (5242880 bytes)");
  return Status::Ok();
}

std::string MultipartETag(const std::vector<std::string>& part_md5s) {
  std::string concat;
  concat.reserve(part_md5s.size() * 16);
  for (const auto& d : part_md5s) concat += d;
  return "\"" + HexEncode(Md5(concat)) + "-" + std::to_string(part_md5s.size()) + "\"";
}

namespace ops {

namespace {

constexpr const char* kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

Status InvalidArgument(std::string_view op, const std::string& what) {
  return Status::InvalidArgument(std::string(op) + ": " + what);
}

bool IsTokenChar(unsigned char c) {
  return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

Status CheckUploadId(std::string_view op, const std::string& upload_id) {
  if (upload_id.empty()) return InvalidArgument(op, "the upload id is empty");
  return Status::Ok();
}

Status CheckPartNumber(std::string_view op, int part_number) {
  Status st = ValidatePartNumber(part_number);
  return st.ok() ? st : InvalidArgument(op, st.message());
}

Status SetHeader(HttpRequest& r, std::string_view op, const char* name, const std::string& value) {
  if (value.empty()) return Status::Ok();
  S3ML_RETURN_IF_ERROR(CheckHeaderValue(value, std::string(op) + " " + name));
  r.headers.Set(name, value);
  return Status::Ok();
}

void AddPartQuery(HttpRequest& r, int part_number, const std::string& upload_id) {
  r.query.emplace_back("partNumber", std::to_string(part_number));
  r.query.emplace_back("uploadId", upload_id);
}

int ClampInt(std::uint64_t v) { return static_cast<int>(std::min<std::uint64_t>(v, INT32_MAX)); }

}  // namespace

Result<HttpRequest> BuildCreateMultipartUpload(const Target& t, const CreateMultipartUploadRequest& req) {
  constexpr std::string_view op = "CreateMultipartUpload";
  HttpRequest r = NewRequest(t, "POST", req.bucket, req.key);
  r.query.emplace_back("uploads", "");
  S3ML_RETURN_IF_ERROR(SetHeader(r, op, "Content-Type", req.content_type));
  S3ML_RETURN_IF_ERROR(SetHeader(r, op, "Cache-Control", req.cache_control));
  S3ML_RETURN_IF_ERROR(SetHeader(r, op, "Content-Disposition", req.content_disposition));
  S3ML_RETURN_IF_ERROR(SetHeader(r, op, "Content-Encoding", req.content_encoding));
  S3ML_RETURN_IF_ERROR(SetHeader(r, op, "x-amz-storage-class", req.storage_class));
  S3ML_RETURN_IF_ERROR(SetHeader(r, op, "x-amz-tagging", req.tagging));
  S3ML_RETURN_IF_ERROR(SetHeader(r, op, "x-amz-acl", req.acl));
  for (const auto& [name, value] : req.metadata) {
    if (name.empty()) return InvalidArgument(op, "user metadata name is empty");
    for (unsigned char c : name)
      if (!IsTokenChar(c))
        return InvalidArgument(op, "user metadata name '" + name +
                                       "' contains a character not allowed in an HTTP header name");
    S3ML_RETURN_IF_ERROR(CheckHeaderValue(value, std::string(op) + " metadata '" + name + "'"));
    r.headers.Set("x-amz-meta-" + ToLower(name), value);
  }
  AddChecksumAlgorithmHeader(r, t, req.checksum_algorithm);
  if (!req.checksum_type.empty()) {
    if (req.checksum_type != "COMPOSITE" && req.checksum_type != "FULL_OBJECT")
      return InvalidArgument(op, "checksum_type must be COMPOSITE or FULL_OBJECT, got '" + req.checksum_type + "'");
    if (req.checksum_algorithm == ChecksumAlgorithm::kNone)
      return InvalidArgument(op, "checksum_type needs a checksum_algorithm");
    r.headers.Set("x-amz-checksum-type", req.checksum_type);
  }
  S3ML_RETURN_IF_ERROR(AddSseHeaders(r, t, req.sse, SseUse::kWrite, op));
  return r;
}

Result<HttpRequest> BuildUploadPart(const Target& t, const UploadPartRequest& req) {
  constexpr std::string_view op = "UploadPart";
  S3ML_RETURN_IF_ERROR(CheckUploadId(op, req.upload_id));
  S3ML_RETURN_IF_ERROR(CheckPartNumber(op, req.part_number));
  int sources = (!req.data.empty() ? 1 : 0) + (!req.file_path.empty() ? 1 : 0) + (req.reader ? 1 : 0);
  if (sources > 1) return InvalidArgument(op, "give exactly one body source: data, file_path or reader");
  HttpRequest r = NewRequest(t, "PUT", req.bucket, req.key);
  AddPartQuery(r, req.part_number, req.upload_id);
  if (!req.file_path.empty()) {
    auto body = FileBody(req.file_path, req.file_offset, req.file_length);
    if (!body.ok()) return body.status().WithMessage(std::string(op) + ": " + body.status().message());
    r.body = *body;
  } else if (req.reader) {
    r.body = CallbackBody(req.reader_size, req.reader);
  } else {
    r.body = BorrowedBody(req.data);
  }
  if (r.body->size() > kMaxPartSize)
    return InvalidArgument(op, ValidatePartSize(req.part_number, r.body->size(), true).message());
  S3ML_RETURN_IF_ERROR(AddSseHeaders(r, t, req.sse, SseUse::kCustomerOnly, op));
  // Content-MD5 and x-amz-checksum-* (header or aws-chunked trailer): ops/integrity.cc.
  auto applied = ApplyIntegrity(r, t, req.checksum_algorithm, req.checksum_placement, req.send_content_md5,
                                req.content_md5, op);
  if (!applied.ok()) return applied.status();
  return r;
}

Result<HttpRequest> BuildUploadPartCopy(const Target& t, const UploadPartCopyRequest& req) {
  constexpr std::string_view op = "UploadPartCopy";
  S3ML_RETURN_IF_ERROR(CheckUploadId(op, req.upload_id));
  S3ML_RETURN_IF_ERROR(CheckPartNumber(op, req.part_number));
  HttpRequest r = NewRequest(t, "PUT", req.bucket, req.key);
  AddPartQuery(r, req.part_number, req.upload_id);
  r.headers.Set("x-amz-copy-source", CopySourceHeader(req.source_bucket, req.source_key, req.source_version_id));
  if (req.source_range) {
    const ByteRange& br = *req.source_range;
    if (br.suffix_length || !br.first || !br.last)
      return InvalidArgument(op, "the copy source range must be closed (first and last byte); S3 accepts no "
                                 "open or suffix ranges here");
    if (*br.last < *br.first)
      return InvalidArgument(op, "copy source range last byte " + std::to_string(*br.last) + " is before first byte " +
                                     std::to_string(*br.first));
    if (*br.last - *br.first + 1 > kMaxPartSize)
      return InvalidArgument(op, "copy source range of " + std::to_string(*br.last - *br.first + 1) +
                                     " bytes is above S3's maximum part size of 5 GiB");
    r.headers.Set("x-amz-copy-source-range", br.ToHeader());
  }
  S3ML_RETURN_IF_ERROR(SetHeader(r, op, "x-amz-copy-source-if-match", req.copy_source_if_match));
  S3ML_RETURN_IF_ERROR(AddSseHeaders(r, t, req.sse, SseUse::kCustomerOnly, op));
  S3ML_RETURN_IF_ERROR(AddSseHeaders(r, t, req.copy_source_sse, SseUse::kCopySource, op));
  return r;
}

std::string CompleteMultipartUploadXml(const std::vector<CompletedPart>& parts) {
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("CompleteMultipartUpload");
  root.append_attribute("xmlns") = kS3Namespace;
  for (const CompletedPart& p : parts) {
    pugi::xml_node part = root.append_child("Part");
    part.append_child("PartNumber").text() = p.part_number;
    part.append_child("ETag").text() = p.etag.c_str();
    // Part checksums, as S3 orders them after the ETag.
    const std::pair<const char*, const std::string*> sums[] = {{"ChecksumCRC32", &p.checksum_crc32},
                                                               {"ChecksumCRC32C", &p.checksum_crc32c},
                                                               {"ChecksumSHA1", &p.checksum_sha1},
                                                               {"ChecksumSHA256", &p.checksum_sha256}};
    for (const auto& [name, value] : sums)
      if (!value->empty()) part.append_child(name).text() = value->c_str();
  }
  return SerializeXml(doc);
}

Result<HttpRequest> BuildCompleteMultipartUpload(const Target& t, const CompleteMultipartUploadRequest& req) {
  constexpr std::string_view op = "CompleteMultipartUpload";
  S3ML_RETURN_IF_ERROR(CheckUploadId(op, req.upload_id));
  if (req.parts.empty()) return InvalidArgument(op, "no parts given (a multipart upload needs 1..10000 parts)");
  if (req.parts.size() > static_cast<std::size_t>(kMaxPartNumber))
    return InvalidArgument(op, std::to_string(req.parts.size()) + " parts given; S3 allows at most 10000");
  int prev = 0;
  for (const CompletedPart& p : req.parts) {
    S3ML_RETURN_IF_ERROR(CheckPartNumber(op, p.part_number));
    if (p.part_number <= prev)
      return InvalidArgument(op, "part numbers must be strictly ascending; part " + std::to_string(p.part_number) +
                                     " follows part " + std::to_string(prev));
    if (p.etag.empty()) return InvalidArgument(op, "part " + std::to_string(p.part_number) + " has an empty ETag");
    prev = p.part_number;
  }
  HttpRequest r = NewRequest(t, "POST", req.bucket, req.key);
  r.query.emplace_back("uploadId", req.upload_id);
  r.headers.Set("Content-Type", "application/xml");
  for (const CompletedPart& p : req.parts)
    for (const std::string* v : {&p.checksum_crc32, &p.checksum_crc32c, &p.checksum_sha1, &p.checksum_sha256})
      S3ML_RETURN_IF_ERROR(CheckHeaderValue(*v, std::string(op) + " part " + std::to_string(p.part_number) +
                                                    " checksum"));
  S3ML_RETURN_IF_ERROR(AddWriteConditions(r, op, req.if_match, req.if_none_match));
  S3ML_RETURN_IF_ERROR(AddSseHeaders(r, t, req.sse, SseUse::kCustomerOnly, op));
  r.body = MemoryBody(CompleteMultipartUploadXml(req.parts));
  return r;
}

Result<HttpRequest> BuildAbortMultipartUpload(const Target& t, const AbortMultipartUploadRequest& req) {
  S3ML_RETURN_IF_ERROR(CheckUploadId("AbortMultipartUpload", req.upload_id));
  HttpRequest r = NewRequest(t, "DELETE", req.bucket, req.key);
  r.query.emplace_back("uploadId", req.upload_id);
  return r;
}

Result<HttpRequest> BuildListParts(const Target& t, const ListPartsRequest& req) {
  constexpr std::string_view op = "ListParts";
  S3ML_RETURN_IF_ERROR(CheckUploadId(op, req.upload_id));
  if (req.max_parts < 0) return InvalidArgument(op, "max_parts must be >= 0 (0 = server default)");
  if (req.part_number_marker < 0 || req.part_number_marker > kMaxPartNumber)
    return InvalidArgument(op, "part_number_marker must be 0..10000, got " + std::to_string(req.part_number_marker));
  HttpRequest r = NewRequest(t, "GET", req.bucket, req.key);
  r.query.emplace_back("uploadId", req.upload_id);
  if (req.max_parts > 0) r.query.emplace_back("max-parts", std::to_string(req.max_parts));
  if (req.part_number_marker > 0) r.query.emplace_back("part-number-marker", std::to_string(req.part_number_marker));
  return r;
}

Result<HttpRequest> BuildListMultipartUploads(const Target& t, const ListMultipartUploadsRequest& req) {
  constexpr std::string_view op = "ListMultipartUploads";
  if (req.max_uploads < 0) return InvalidArgument(op, "max_uploads must be >= 0 (0 = server default)");
  if (!req.upload_id_marker.empty() && req.key_marker.empty())
    return InvalidArgument(op, "upload_id_marker is only meaningful together with key_marker");
  HttpRequest r = NewRequest(t, "GET", req.bucket);
  r.query.emplace_back("uploads", "");
  if (!req.prefix.empty()) r.query.emplace_back("prefix", req.prefix);
  if (!req.delimiter.empty()) r.query.emplace_back("delimiter", req.delimiter);
  if (!req.key_marker.empty()) r.query.emplace_back("key-marker", req.key_marker);
  if (!req.upload_id_marker.empty()) r.query.emplace_back("upload-id-marker", req.upload_id_marker);
  if (req.max_uploads > 0) r.query.emplace_back("max-uploads", std::to_string(req.max_uploads));
  return r;
}

// ---- parsers ----------------------------------------------------------------------

Result<CreateMultipartUploadResult> ParseCreateMultipartUpload(const HttpResponse& resp) {
  constexpr std::string_view op = "CreateMultipartUpload";
  pugi::xml_document doc;
  S3ML_ASSIGN_OR_RETURN(pugi::xml_node root,
                        ParseXmlDocument(resp.body.view(), op, "InitiateMultipartUploadResult", resp.status, doc));
  CreateMultipartUploadResult out;
  out.bucket = ChildText(root, "Bucket");
  out.key = ChildText(root, "Key");
  out.upload_id = ChildText(root, "UploadId");
  out.checksum_algorithm = resp.headers.Get("x-amz-checksum-algorithm");
  out.encryption = ParseEncryption(resp.headers);
  if (out.upload_id.empty()) return ProtocolError(op, resp, "the response carries no <UploadId>");
  return out;
}

Result<UploadPartResult> ParseUploadPart(const HttpResponse& resp) {
  std::string etag = resp.headers.Get("ETag");
  if (etag.empty()) return ProtocolError("UploadPart", resp, "the response carries no ETag header");
  UploadPartResult out;
  out.etag = std::move(etag);
  out.encryption = ParseEncryption(resp.headers);
  return out;
}

Result<UploadPartCopyResult> ParseUploadPartCopy(const HttpResponse& resp) {
  constexpr std::string_view op = "UploadPartCopy";
  pugi::xml_document doc;
  S3ML_ASSIGN_OR_RETURN(pugi::xml_node root,
                        ParseXmlDocument(resp.body.view(), op, "CopyPartResult", resp.status, doc));
  UploadPartCopyResult out;
  out.etag = ChildText(root, "ETag");
  if (out.etag.empty()) return ProtocolError(op, resp, "the response carries no <ETag>");
  S3ML_ASSIGN_OR_RETURN(out.last_modified, ChildTime(root, "LastModified", op));
  out.copy_source_version_id = resp.headers.Get("x-amz-copy-source-version-id");
  out.checksum_crc32 = ChildText(root, "ChecksumCRC32");
  out.checksum_crc32c = ChildText(root, "ChecksumCRC32C");
  out.checksum_sha1 = ChildText(root, "ChecksumSHA1");
  out.checksum_sha256 = ChildText(root, "ChecksumSHA256");
  return out;
}

Result<CompleteMultipartUploadResult> ParseCompleteMultipartUpload(const HttpResponse& resp) {
  constexpr std::string_view op = "CompleteMultipartUpload";
  pugi::xml_document doc;
  S3ML_ASSIGN_OR_RETURN(pugi::xml_node root,
                        ParseXmlDocument(resp.body.view(), op, "CompleteMultipartUploadResult", resp.status, doc));
  CompleteMultipartUploadResult out;
  out.location = ChildText(root, "Location");
  out.bucket = ChildText(root, "Bucket");
  out.key = ChildText(root, "Key");
  out.etag = ChildText(root, "ETag");
  out.version_id = resp.headers.Get("x-amz-version-id");
  out.checksum_crc32 = ChildText(root, "ChecksumCRC32");
  out.checksum_crc32c = ChildText(root, "ChecksumCRC32C");
  out.checksum_sha1 = ChildText(root, "ChecksumSHA1");
  out.checksum_sha256 = ChildText(root, "ChecksumSHA256");
  out.checksum_type = ChildText(root, "ChecksumType");
  if (out.checksum_type.empty()) out.checksum_type = resp.headers.Get("x-amz-checksum-type");
  out.encryption = ParseEncryption(resp.headers);
  if (out.etag.empty()) return ProtocolError(op, resp, "the response carries no <ETag>");
  return out;
}

Result<ListPartsResult> ParseListParts(const HttpResponse& resp) {
  constexpr std::string_view op = "ListParts";
  pugi::xml_document doc;
  S3ML_ASSIGN_OR_RETURN(pugi::xml_node root,
                        ParseXmlDocument(resp.body.view(), op, "ListPartsResult", resp.status, doc));
  ListPartsResult out;
  out.bucket = ChildText(root, "Bucket");
  out.key = ChildText(root, "Key");
  out.upload_id = ChildText(root, "UploadId");
  out.storage_class = ChildText(root, "StorageClass");
  S3ML_ASSIGN_OR_RETURN(std::uint64_t marker, ChildUint(root, "PartNumberMarker", 0, op));
  S3ML_ASSIGN_OR_RETURN(std::uint64_t next, ChildUint(root, "NextPartNumberMarker", 0, op));
  S3ML_ASSIGN_OR_RETURN(std::uint64_t max, ChildUint(root, "MaxParts", 0, op));
  out.part_number_marker = ClampInt(marker);
  out.next_part_number_marker = ClampInt(next);
  out.max_parts = ClampInt(max);
  S3ML_ASSIGN_OR_RETURN(out.is_truncated, ChildBool(root, "IsTruncated", op));
  for (pugi::xml_node p : root.children("Part")) {
    PartInfo info;
    S3ML_ASSIGN_OR_RETURN(std::uint64_t n, ChildUint(p, "PartNumber", 0, op));
    info.part_number = ClampInt(n);
    S3ML_ASSIGN_OR_RETURN(info.last_modified, ChildTime(p, "LastModified", op));
    info.etag = ChildText(p, "ETag");
    S3ML_ASSIGN_OR_RETURN(info.size, ChildUint(p, "Size", 0, op));
    out.parts.push_back(std::move(info));
  }
  if (out.is_truncated && out.next_part_number_marker == 0)
    return ProtocolError(op, resp, "the listing is truncated but carries no NextPartNumberMarker");
  return out;
}

Result<ListMultipartUploadsResult> ParseListMultipartUploads(const HttpResponse& resp) {
  constexpr std::string_view op = "ListMultipartUploads";
  pugi::xml_document doc;
  S3ML_ASSIGN_OR_RETURN(pugi::xml_node root,
                        ParseXmlDocument(resp.body.view(), op, "ListMultipartUploadsResult", resp.status, doc));
  const ListingText text(root, op);
  ListMultipartUploadsResult out;
  out.bucket = ChildText(root, "Bucket");
  S3ML_ASSIGN_OR_RETURN(out.prefix, text(root, "Prefix"));
  S3ML_ASSIGN_OR_RETURN(out.delimiter, text(root, "Delimiter"));
  S3ML_ASSIGN_OR_RETURN(out.key_marker, text(root, "KeyMarker"));
  out.upload_id_marker = ChildText(root, "UploadIdMarker");
  S3ML_ASSIGN_OR_RETURN(out.next_key_marker, text(root, "NextKeyMarker"));
  out.next_upload_id_marker = ChildText(root, "NextUploadIdMarker");
  S3ML_ASSIGN_OR_RETURN(std::uint64_t max, ChildUint(root, "MaxUploads", 0, op));
  out.max_uploads = ClampInt(max);
  S3ML_ASSIGN_OR_RETURN(out.is_truncated, ChildBool(root, "IsTruncated", op));
  for (pugi::xml_node u : root.children("Upload")) {
    MultipartUploadInfo info;
    S3ML_ASSIGN_OR_RETURN(info.key, text(u, "Key"));
    info.upload_id = ChildText(u, "UploadId");
    S3ML_ASSIGN_OR_RETURN(info.initiated, ChildTime(u, "Initiated", op));
    info.storage_class = ChildText(u, "StorageClass");
    out.uploads.push_back(std::move(info));
  }
  for (pugi::xml_node p : root.children("CommonPrefixes")) {
    S3ML_ASSIGN_OR_RETURN(std::string prefix, text(p, "Prefix"));
    out.common_prefixes.push_back(std::move(prefix));
  }
  if (out.is_truncated && out.next_key_marker.empty())
    return ProtocolError(op, resp, "the listing is truncated but carries no NextKeyMarker");
  return out;
}

}  // namespace ops
}  // namespace s3ml
