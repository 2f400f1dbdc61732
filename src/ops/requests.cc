#include "ops/requests.h"

#include <cctype>
#include <cstdlib>
#include <vector>

#include <pugixml.hpp>

#include "common/checksum.h"
#include "common/crypto.h"
#include "common/time.h"
#include "ops/errors.h"
#include "ops/integrity.h"
#include "ops/sse.h"
#include "ops/xml.h"

namespace s3ml {

// Declared in s3ml/objects.h; lives here because building Range headers is the ops layer's job.
std::string ByteRange::ToHeader() const {
  if (suffix_length) return "bytes=-" + std::to_string(*suffix_length);
  std::string h = "bytes=" + std::to_string(first.value_or(0)) + "-";
  if (last) h += std::to_string(*last);
  return h;
}

namespace ops {

namespace {

constexpr const char* kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool IsTokenChar(unsigned char c) {
  // RFC 7230 tchar
  return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

Status InvalidArgument(std::string_view op, const std::string& what) {
  return Status::InvalidArgument(std::string(op) + ": " + what);
}

Status ValidateRange(const ByteRange& r, std::string_view op) {
  if (r.suffix_length) {
    if (r.first || r.last) return InvalidArgument(op, "a range is either a suffix or first[-last], not both");
    if (*r.suffix_length == 0) return InvalidArgument(op, "a suffix range needs at least 1 byte");
    return Status::Ok();
  }
  if (!r.first) return InvalidArgument(op, "a range needs a first byte (or a suffix length)");
  if (r.last && *r.last < *r.first)
    return InvalidArgument(op, "range last byte " + std::to_string(*r.last) + " is before first byte " +
                                   std::to_string(*r.first));
  return Status::Ok();
}

void AddConditionals(HttpRequest& r, const std::string& if_match, const std::string& if_none_match,
                     const std::optional<Timestamp>& modified_since, const std::optional<Timestamp>& unmodified_since) {
  if (!if_match.empty()) r.headers.Set("If-Match", if_match);
  if (!if_none_match.empty()) r.headers.Set("If-None-Match", if_none_match);
  if (modified_since) r.headers.Set("If-Modified-Since", FormatHttpDate(*modified_since));
  if (unmodified_since) r.headers.Set("If-Unmodified-Since", FormatHttpDate(*unmodified_since));
}

Status CheckConditionals(std::string_view op, const std::string& if_match, const std::string& if_none_match) {
  S3ML_RETURN_IF_ERROR(CheckHeaderValue(if_match, std::string(op) + " if_match"));
  return CheckHeaderValue(if_none_match, std::string(op) + " if_none_match");
}

Status AddMetadata(HttpRequest& r, const Metadata& md, std::string_view op) {
  for (const auto& [name, value] : md) {
    if (name.empty()) return InvalidArgument(op, "user metadata name is empty");
    for (unsigned char c : name)
      if (!IsTokenChar(c))
        return InvalidArgument(op, "user metadata name '" + name + "' contains a character not allowed in an HTTP header name");
    S3ML_RETURN_IF_ERROR(CheckHeaderValue(value, std::string(op) + " metadata '" + name + "'"));
    r.headers.Set("x-amz-meta-" + ToLower(name), value);
  }
  return Status::Ok();
}

Result<std::string> ParseUintHeader(const Headers& h, std::string_view name, std::uint64_t* out) {
  const std::string* v = h.Find(name);
  if (v == nullptr) return std::string{};
  std::uint64_t n = 0;
  if (v->empty()) return ProtocolError({}, "empty " + std::string(name) + " header");
  for (char c : *v) {
    if (c < '0' || c > '9' || n > (UINT64_MAX - 9) / 10)
      return ProtocolError({}, "bad " + std::string(name) + " header '" + *v + "'");
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  *out = n;
  return *v;
}

}  // namespace

Status AddWriteConditions(HttpRequest& r, std::string_view op, const std::string& if_match,
                          const std::string& if_none_match) {
  S3ML_RETURN_IF_ERROR(CheckConditionals(op, if_match, if_none_match));
  if (!if_none_match.empty() && if_none_match != "*" && if_none_match != "\"*\"")
    return InvalidArgument(op, "if_none_match on a write must be \"*\" (create only), got \"" + if_none_match + "\"");
  if (!if_match.empty()) r.headers.Set("If-Match", if_match);
  if (!if_none_match.empty()) r.headers.Set("If-None-Match", if_none_match);
  return Status::Ok();
}

bool IsConditionalWrite(const HttpRequest& r) {
  if (r.method == "GET" || r.method == "HEAD") return false;
  return r.headers.Find("If-Match") != nullptr || r.headers.Find("If-None-Match") != nullptr;
}

bool IsIpAddress(std::string_view host) {
  if (host.find(':') != std::string_view::npos) return true;  // IPv6 literal
  int parts = 0;
  std::size_t i = 0;
  while (i <= host.size()) {
    std::size_t j = host.find('.', i);
    if (j == std::string_view::npos) j = host.size();
    std::string_view p = host.substr(i, j - i);
    if (p.empty() || p.size() > 3) return false;
    int v = 0;
    for (char c : p) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    if (v > 255) return false;
    ++parts;
    i = j + 1;
  }
  return parts == 4;
}

bool IsDnsCompatibleBucket(std::string_view b, bool allow_dots) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || (c == '.' && allow_dots);
    if (!ok) return false;
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(b.front()) || !alnum(b.back())) return false;
  if (b.find("..") != std::string_view::npos || b.find(".-") != std::string_view::npos ||
      b.find("-.") != std::string_view::npos)
    return false;
  return !IsIpAddress(b);
}

bool UsesVirtualHost(const Target& t, std::string_view bucket) {
  if (bucket.empty()) return false;
  switch (t.addressing) {
    case AddressingStyle::kPath: return false;
    case AddressingStyle::kVirtualHosted: return true;
    case AddressingStyle::kAuto: break;
  }
  std::string host = ToLower(t.endpoint.host);
  bool aws = EndsWith(host, ".amazonaws.com") || EndsWith(host, ".amazonaws.com.cn");
  return aws && t.endpoint.base_path.empty() && IsDnsCompatibleBucket(bucket, t.endpoint.scheme != "https");
}

HttpRequest NewRequest(const Target& t, std::string method, std::string_view bucket, std::string_view key) {
  HttpRequest r;
  r.method = std::move(method);
  r.scheme = t.endpoint.scheme;
  r.port = t.endpoint.port;
  std::string path = t.endpoint.base_path;
  if (UsesVirtualHost(t, bucket)) {
    r.host = std::string(bucket) + "." + t.endpoint.host;
    path += "/" + UriEncode(key, /*encode_slash=*/false);
  } else {
    r.host = t.endpoint.host;
    if (!bucket.empty()) {
      path += "/" + UriEncode(bucket, /*encode_slash=*/true);
      if (!key.empty()) path += "/" + UriEncode(key, /*encode_slash=*/false);
    } else {
      path += "/";
    }
  }
  r.path = path.empty() ? "/" : path;
  return r;
}

Status CheckHeaderValue(std::string_view value, std::string_view what) {
  for (char c : value)
    if (c == '\r' || c == '\n' || c == '\0')
      return Status::InvalidArgument(std::string(what) + " contains a line break or NUL, which cannot go in an HTTP header");
  return Status::Ok();
}

Status HashBody(RequestBody& body, Hasher* sha256, Hasher* md5) {
  return ForEachBodyChunk(
      body,
      [&](std::string_view chunk) {
        if (sha256) sha256->Update(chunk.data(), chunk.size());
        if (md5) md5->Update(chunk.data(), chunk.size());
      },
      "hashing it");
}


// ---- builders ---------------------------------------------------------------------

HttpRequest BuildListBuckets(const Target& t) { return NewRequest(t, "GET", {}); }

HttpRequest BuildCreateBucket(const Target& t, const CreateBucketRequest& req) {
  HttpRequest r = NewRequest(t, "PUT", req.bucket);
  if (!req.location_constraint.empty()) {
    pugi::xml_document doc;
    pugi::xml_node cfg = doc.append_child("CreateBucketConfiguration");
    cfg.append_attribute("xmlns") = kS3Namespace;
    cfg.append_child("LocationConstraint").text() = req.location_constraint.c_str();
    r.body = MemoryBody(SerializeXml(doc));
    r.headers.Set("Content-Type", "application/xml");
  }
  return r;
}

HttpRequest BuildDeleteBucket(const Target& t, std::string_view bucket) { return NewRequest(t, "DELETE", bucket); }
HttpRequest BuildHeadBucket(const Target& t, std::string_view bucket) { return NewRequest(t, "HEAD", bucket); }

HttpRequest BuildGetBucketLocation(const Target& t, std::string_view bucket) {
  HttpRequest r = NewRequest(t, "GET", bucket);
  r.query.emplace_back("location", "");
  return r;
}

Result<HttpRequest> BuildPutObject(const Target& t, const PutObjectRequest& req) {
  constexpr std::string_view op = "PutObject";
  int sources = (!req.data.empty() ? 1 : 0) + (!req.file_path.empty() ? 1 : 0) + (req.reader ? 1 : 0);
  if (sources > 1) return InvalidArgument(op, "give exactly one body source: data, file_path or reader");
  HttpRequest r = NewRequest(t, "PUT", req.bucket, req.key);
  if (!req.file_path.empty()) {
    auto body = FileBody(req.file_path);
    if (!body.ok()) return body.status().WithMessage(std::string(op) + ": " + body.status().message());
    r.body = *body;
  } else if (req.reader) {
    r.body = CallbackBody(req.reader_size, req.reader);
  } else {
    r.body = BorrowedBody(req.data);
  }
  struct {
    const std::string& value;
    const char* header;
  } fields[] = {{req.content_type, "Content-Type"},           {req.cache_control, "Cache-Control"},
                {req.content_disposition, "Content-Disposition"}, {req.content_encoding, "Content-Encoding"},
                {req.storage_class, "x-amz-storage-class"},    {req.tagging, "x-amz-tagging"},
                {req.acl, "x-amz-acl"}};
  for (const auto& f : fields) {
    if (f.value.empty()) continue;
    S3ML_RETURN_IF_ERROR(CheckHeaderValue(f.value, std::string(op) + " " + f.header));
    r.headers.Set(f.header, f.value);
  }
  S3ML_RETURN_IF_ERROR(AddWriteConditions(r, op, req.if_match, req.if_none_match));
  S3ML_RETURN_IF_ERROR(AddMetadata(r, req.metadata, op));
  // Content-MD5 and x-amz-checksum-* (header or aws-chunked trailer): ops/integrity.cc.
  S3ML_RETURN_IF_ERROR(AddSseHeaders(r, t, req.sse, SseUse::kWrite, op));
  auto applied = ApplyIntegrity(r, t, req.checksum_algorithm, req.checksum_placement, req.send_content_md5,
                                req.content_md5, op);
  if (!applied.ok()) return applied.status();
  return r;
}

Result<HttpRequest> BuildGetObject(const Target& t, const GetObjectRequest& req) {
  constexpr std::string_view op = "GetObject";
  HttpRequest r = NewRequest(t, "GET", req.bucket, req.key);
  if (req.range) {
    S3ML_RETURN_IF_ERROR(ValidateRange(*req.range, op));
    if (req.part_number != 0) return InvalidArgument(op, "a range and a part number cannot be combined");
    r.headers.Set("Range", req.range->ToHeader());
  }
  if (req.part_number < 0 || req.part_number > 10000)
    return InvalidArgument(op, "part_number must be 1..10000 (0 = whole object), got " + std::to_string(req.part_number));
  S3ML_RETURN_IF_ERROR(CheckConditionals(op, req.if_match, req.if_none_match));
  AddConditionals(r, req.if_match, req.if_none_match, req.if_modified_since, req.if_unmodified_since);
  if (req.part_number > 0) r.query.emplace_back("partNumber", std::to_string(req.part_number));
  if (!req.version_id.empty()) r.query.emplace_back("versionId", req.version_id);
  if (req.checksum_mode) r.headers.Set("x-amz-checksum-mode", "ENABLED");
  S3ML_RETURN_IF_ERROR(AddSseHeaders(r, t, req.sse, SseUse::kCustomerOnly, op));
  return r;
}

Result<HttpRequest> BuildHeadObject(const Target& t, const HeadObjectRequest& req) {
  constexpr std::string_view op = "HeadObject";
  HttpRequest r = NewRequest(t, "HEAD", req.bucket, req.key);
  if (req.part_number < 0 || req.part_number > 10000)
    return InvalidArgument(op, "part_number must be 1..10000 (0 = whole object), got " + std::to_string(req.part_number));
  S3ML_RETURN_IF_ERROR(CheckConditionals(op, req.if_match, req.if_none_match));
  AddConditionals(r, req.if_match, req.if_none_match, req.if_modified_since, req.if_unmodified_since);
  if (req.part_number > 0) r.query.emplace_back("partNumber", std::to_string(req.part_number));
  if (!req.version_id.empty()) r.query.emplace_back("versionId", req.version_id);
  if (req.checksum_mode) r.headers.Set("x-amz-checksum-mode", "ENABLED");
  S3ML_RETURN_IF_ERROR(AddSseHeaders(r, t, req.sse, SseUse::kCustomerOnly, op));
  return r;
}

Result<HttpRequest> BuildDeleteObject(const Target& t, const DeleteObjectRequest& req) {
  HttpRequest r = NewRequest(t, "DELETE", req.bucket, req.key);
  if (!req.version_id.empty()) r.query.emplace_back("versionId", req.version_id);
  S3ML_RETURN_IF_ERROR(CheckHeaderValue(req.if_match, "DeleteObject if_match"));
  if (!req.if_match.empty()) r.headers.Set("If-Match", req.if_match);
  return r;
}

Result<HttpRequest> BuildDeleteObjects(const Target& t, const DeleteObjectsRequest& req) {
  constexpr std::string_view op = "DeleteObjects";
  if (req.objects.empty()) return InvalidArgument(op, "no objects given (1..1000 per request)");
  if (req.objects.size() > 1000)
    return InvalidArgument(op, std::to_string(req.objects.size()) +
                                   " objects given; S3 deletes at most 1000 per request");
  pugi::xml_document doc;
  pugi::xml_node del = doc.append_child("Delete");
  del.append_attribute("xmlns") = kS3Namespace;
  if (req.quiet) del.append_child("Quiet").text() = "true";
  for (std::size_t i = 0; i < req.objects.size(); ++i) {
    const ObjectIdentifier& o = req.objects[i];
    if (o.key.empty()) return InvalidArgument(op, "object #" + std::to_string(i) + " has an empty key");
    // XML 1.0 has no way to write U+0000, so S3 cannot be asked to delete such a key here.
    if (o.key.find('\0') != std::string::npos)
      return InvalidArgument(op, "object #" + std::to_string(i) +
                                     " has a key with a NUL character, which XML cannot carry; use DeleteObject");
    pugi::xml_node obj = del.append_child("Object");
    obj.append_child("Key").text() = o.key.c_str();
    if (!o.version_id.empty()) obj.append_child("VersionId").text() = o.version_id.c_str();
    if (!o.etag.empty()) obj.append_child("ETag").text() = o.etag.c_str();
  }
  std::string xml = SerializeXml(doc);
  HttpRequest r = NewRequest(t, "POST", req.bucket);
  r.query.emplace_back("delete", "");
  r.headers.Set("Content-Type", "application/xml");
  r.headers.Set("Content-MD5", Base64Encode(Md5(xml)));
  r.body = MemoryBody(std::move(xml));
  return r;
}

std::string CopySourceHeader(std::string_view bucket, std::string_view key, std::string_view version_id) {
  std::string v = UriEncode(bucket, /*encode_slash=*/true) + "/" + UriEncode(key, /*encode_slash=*/false);
  if (!version_id.empty()) v += "?versionId=" + UriEncode(version_id, /*encode_slash=*/true);
  return v;
}

Result<HttpRequest> BuildCopyObject(const Target& t, const CopyObjectRequest& req) {
  constexpr std::string_view op = "CopyObject";
  HttpRequest r = NewRequest(t, "PUT", req.bucket, req.key);
  r.headers.Set("x-amz-copy-source", CopySourceHeader(req.source_bucket, req.source_key, req.source_version_id));
  if (req.metadata_directive == MetadataDirective::kReplace) {
    r.headers.Set("x-amz-metadata-directive", "REPLACE");
    if (!req.content_type.empty()) {
      S3ML_RETURN_IF_ERROR(CheckHeaderValue(req.content_type, "CopyObject content_type"));
      r.headers.Set("Content-Type", req.content_type);
    }
    S3ML_RETURN_IF_ERROR(AddMetadata(r, req.metadata, op));
  } else {
    if (!req.metadata.empty() || !req.content_type.empty())
      return InvalidArgument(op, "metadata and content_type are only sent with MetadataDirective::kReplace");
    r.headers.Set("x-amz-metadata-directive", "COPY");
  }
  if (!req.storage_class.empty()) {
    S3ML_RETURN_IF_ERROR(CheckHeaderValue(req.storage_class, "CopyObject storage_class"));
    r.headers.Set("x-amz-storage-class", req.storage_class);
  }
  if (!req.acl.empty()) {
    S3ML_RETURN_IF_ERROR(CheckHeaderValue(req.acl, "CopyObject acl"));
    r.headers.Set("x-amz-acl", req.acl);
  }
  if (!req.tagging.empty()) {
    S3ML_RETURN_IF_ERROR(CheckHeaderValue(req.tagging, "CopyObject tagging"));
    r.headers.Set("x-amz-tagging-directive", "REPLACE");
    r.headers.Set("x-amz-tagging", req.tagging);
  }
  S3ML_RETURN_IF_ERROR(CheckHeaderValue(req.copy_source_if_match, "CopyObject copy_source_if_match"));
  S3ML_RETURN_IF_ERROR(CheckHeaderValue(req.copy_source_if_none_match, "CopyObject copy_source_if_none_match"));
  if (!req.copy_source_if_match.empty()) r.headers.Set("x-amz-copy-source-if-match", req.copy_source_if_match);
  if (!req.copy_source_if_none_match.empty())
    r.headers.Set("x-amz-copy-source-if-none-match", req.copy_source_if_none_match);
  S3ML_RETURN_IF_ERROR(AddWriteConditions(r, op, req.if_match, req.if_none_match));
  S3ML_RETURN_IF_ERROR(AddSseHeaders(r, t, req.sse, SseUse::kWrite, op));
  S3ML_RETURN_IF_ERROR(AddSseHeaders(r, t, req.copy_source_sse, SseUse::kCopySource, op));
  return r;
}

Result<HttpRequest> BuildListObjectsV2(const Target& t, const ListObjectsV2Request& req) {
  if (req.max_keys < 0)
    return InvalidArgument("ListObjectsV2", "max_keys must be >= 0 (0 = server default), got " + std::to_string(req.max_keys));
  HttpRequest r = NewRequest(t, "GET", req.bucket);
  r.query.emplace_back("list-type", "2");
  r.query.emplace_back("encoding-type", "url");
  if (!req.prefix.empty()) r.query.emplace_back("prefix", req.prefix);
  if (!req.delimiter.empty()) r.query.emplace_back("delimiter", req.delimiter);
  if (!req.start_after.empty()) r.query.emplace_back("start-after", req.start_after);
  if (!req.continuation_token.empty()) r.query.emplace_back("continuation-token", req.continuation_token);
  if (req.max_keys > 0) r.query.emplace_back("max-keys", std::to_string(req.max_keys));
  if (req.fetch_owner) r.query.emplace_back("fetch-owner", "true");
  return r;
}

// ---- parsers ----------------------------------------------------------------------

Result<ListBucketsResult> ParseListBuckets(const HttpResponse& resp) {
  constexpr std::string_view op = "ListBuckets";
  pugi::xml_document doc;
  S3ML_ASSIGN_OR_RETURN(pugi::xml_node root,
                        ParseXmlDocument(resp.body.view(), op, "ListAllMyBucketsResult", resp.status, doc));
  ListBucketsResult out;
  out.owner_id = ChildText(root.child("Owner"), "ID");
  out.owner_display_name = ChildText(root.child("Owner"), "DisplayName");
  for (pugi::xml_node b : root.child("Buckets").children("Bucket")) {
    BucketInfo info;
    info.name = ChildText(b, "Name");
    S3ML_ASSIGN_OR_RETURN(info.creation_date, ChildTime(b, "CreationDate", op));
    out.buckets.push_back(std::move(info));
  }
  return out;
}

CreateBucketResult ParseCreateBucket(const HttpResponse& resp) {
  return CreateBucketResult{resp.headers.Get("Location")};
}

HeadBucketResult ParseHeadBucket(const HttpResponse& resp) {
  return HeadBucketResult{resp.headers.Get("x-amz-bucket-region")};
}

Result<std::string> ParseGetBucketLocation(const HttpResponse& resp) {
  pugi::xml_document doc;
  S3ML_ASSIGN_OR_RETURN(pugi::xml_node root, ParseXmlDocument(resp.body.view(), "GetBucketLocation",
                                                              "LocationConstraint", resp.status, doc));
  std::string loc = root.text().as_string();
  if (loc.empty() || loc == "US") return std::string("us-east-1");
  if (loc == "EU") return std::string("eu-west-1");
  return loc;
}

PutObjectResult ParsePutObject(const HttpResponse& resp) {
  PutObjectResult out;
  out.etag = resp.headers.Get("ETag");
  out.version_id = resp.headers.Get("x-amz-version-id");
  out.encryption = ParseEncryption(resp.headers);
  out.expiration = resp.headers.Get("x-amz-expiration");
  if (!out.expiration.empty())
    if (auto e = ParseExpirationHeader(out.expiration); e.ok()) out.expiration_info = std::move(*e);
  return out;
}

Result<ObjectMetadata> ParseObjectMetadata(int http_status, const Headers& h) {
  ObjectMetadata m;
  std::uint64_t len = 0;
  auto cl = ParseUintHeader(h, "Content-Length", &len);
  if (!cl.ok()) return cl.status().WithHttpStatus(http_status);
  m.content_length = len;
  m.object_size = len;
  m.content_type = h.Get("Content-Type");
  m.content_range = h.Get("Content-Range");
  m.content_encoding = h.Get("Content-Encoding");
  m.cache_control = h.Get("Cache-Control");
  m.content_disposition = h.Get("Content-Disposition");
  m.etag = h.Get("ETag");
  m.version_id = h.Get("x-amz-version-id");
  m.storage_class = h.Get("x-amz-storage-class");
  m.expiration = h.Get("x-amz-expiration");
  m.restore = h.Get("x-amz-restore");
  // Informational headers: a malformed value leaves the parsed field unset rather than failing the read.
  if (!m.expiration.empty())
    if (auto e = ParseExpirationHeader(m.expiration); e.ok()) m.expiration_info = std::move(*e);
  if (!m.restore.empty())
    if (auto r = ParseRestoreHeader(m.restore); r.ok()) m.restore_status = std::move(*r);
  if (const std::string* tc = h.Find("x-amz-tagging-count")) m.tag_count = std::atoi(tc->c_str());
  m.checksum_crc32 = h.Get("x-amz-checksum-crc32");
  m.checksum_crc32c = h.Get("x-amz-checksum-crc32c");
  m.checksum_sha1 = h.Get("x-amz-checksum-sha1");
  m.checksum_sha256 = h.Get("x-amz-checksum-sha256");
  m.checksum_type = h.Get("x-amz-checksum-type");
  m.encryption = ParseEncryption(h);
  m.delete_marker = h.Get("x-amz-delete-marker") == "true";
  if (const std::string* lm = h.Find("Last-Modified")) {
    auto t = ParseHttpDate(*lm, OutOfRange::kClamp);
    if (t.ok()) m.last_modified = *t;  // a malformed date is not worth failing a download over
  }
  if (const std::string* pc = h.Find("x-amz-mp-parts-count")) {
    std::uint64_t n = 0;
    Headers one;
    one.Set("x-amz-mp-parts-count", *pc);
    if (ParseUintHeader(one, "x-amz-mp-parts-count", &n).ok() && n <= 10000) m.parts_count = static_cast<int>(n);
  }
  if (!m.content_range.empty()) {
    // "bytes 0-99/1234" (or "bytes */1234" on 416)
    std::string_view cr = m.content_range;
    auto slash = cr.rfind('/');
    const std::string bad_range = "malformed Content-Range header '" + m.content_range + "'";
    if (cr.substr(0, 6) != "bytes " || slash == std::string_view::npos)
      return ProtocolError({}, bad_range, http_status);
    std::string_view total = cr.substr(slash + 1);
    if (total != "*") {
      std::uint64_t n = 0;
      for (char c : total) {
        if (c < '0' || c > '9') return ProtocolError({}, bad_range, http_status);
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
      }
      m.object_size = n;
    }
  }
  constexpr std::string_view kMeta = "x-amz-meta-";
  for (const auto& [name, value] : h) {
    if (name.size() > kMeta.size() && EqualsIgnoreCase(std::string_view(name).substr(0, kMeta.size()), kMeta))
      m.metadata[ToLower(std::string_view(name).substr(kMeta.size()))] = value;
  }
  return m;
}

DeleteObjectResult ParseDeleteObject(const HttpResponse& resp) {
  return DeleteObjectResult{resp.headers.Get("x-amz-delete-marker") == "true", resp.headers.Get("x-amz-version-id")};
}

Result<DeleteObjectsResult> ParseDeleteObjects(const HttpResponse& resp) {
  constexpr std::string_view op = "DeleteObjects";
  pugi::xml_document doc;
  S3ML_ASSIGN_OR_RETURN(pugi::xml_node root, ParseXmlDocument(resp.body.view(), op, "DeleteResult", resp.status, doc));
  DeleteObjectsResult out;
  for (pugi::xml_node n : root.children()) {
    std::string_view name = n.name();
    if (name == "Deleted") {
      DeletedObject d;
      d.key = ChildText(n, "Key");
      d.version_id = ChildText(n, "VersionId");
      S3ML_ASSIGN_OR_RETURN(d.delete_marker, ChildBool(n, "DeleteMarker", op));
      d.delete_marker_version_id = ChildText(n, "DeleteMarkerVersionId");
      out.deleted.push_back(std::move(d));
    } else if (name == "Error") {
      out.errors.push_back(
          DeleteError{ChildText(n, "Key"), ChildText(n, "VersionId"), ChildText(n, "Code"), ChildText(n, "Message")});
    }
  }
  return out;
}

Result<CopyObjectResult> ParseCopyObject(const HttpResponse& resp) {
  constexpr std::string_view op = "CopyObject";
  pugi::xml_document doc;
  S3ML_ASSIGN_OR_RETURN(pugi::xml_node root,
                        ParseXmlDocument(resp.body.view(), op, "CopyObjectResult", resp.status, doc));
  CopyObjectResult out;
  out.etag = ChildText(root, "ETag");
  S3ML_ASSIGN_OR_RETURN(out.last_modified, ChildTime(root, "LastModified", op));
  out.version_id = resp.headers.Get("x-amz-version-id");
  out.copy_source_version_id = resp.headers.Get("x-amz-copy-source-version-id");
  out.encryption = ParseEncryption(resp.headers);
  return out;
}

Result<ListObjectsV2Result> ParseListObjectsV2(const HttpResponse& resp) {
  constexpr std::string_view op = "ListObjectsV2";
  pugi::xml_document doc;
  S3ML_ASSIGN_OR_RETURN(pugi::xml_node root,
                        ParseXmlDocument(resp.body.view(), op, "ListBucketResult", resp.status, doc));
  const ListingText text(root, op);
  ListObjectsV2Result out;
  out.bucket = ChildText(root, "Name");
  S3ML_ASSIGN_OR_RETURN(out.prefix, text(root, "Prefix"));
  S3ML_ASSIGN_OR_RETURN(out.delimiter, text(root, "Delimiter"));
  S3ML_ASSIGN_OR_RETURN(out.is_truncated, ChildBool(root, "IsTruncated", op));
  out.next_continuation_token = ChildText(root, "NextContinuationToken");
  S3ML_ASSIGN_OR_RETURN(std::uint64_t key_count, ChildUint(root, "KeyCount", 0, op));
  S3ML_ASSIGN_OR_RETURN(std::uint64_t max_keys, ChildUint(root, "MaxKeys", 0, op));
  out.key_count = static_cast<int>(std::min<std::uint64_t>(key_count, INT32_MAX));
  out.max_keys = static_cast<int>(std::min<std::uint64_t>(max_keys, INT32_MAX));
  for (pugi::xml_node c : root.children("Contents")) {
    ObjectSummary o;
    S3ML_ASSIGN_OR_RETURN(o.key, text(c, "Key"));
    S3ML_ASSIGN_OR_RETURN(o.last_modified, ChildTime(c, "LastModified", op));
    o.etag = ChildText(c, "ETag");
    S3ML_ASSIGN_OR_RETURN(o.size, ChildUint(c, "Size", 0, op));
    o.storage_class = ChildText(c, "StorageClass");
    o.owner_id = ChildText(c.child("Owner"), "ID");
    out.contents.push_back(std::move(o));
  }
  for (pugi::xml_node p : root.children("CommonPrefixes")) {
    S3ML_ASSIGN_OR_RETURN(std::string prefix, text(p, "Prefix"));
    out.common_prefixes.push_back(std::move(prefix));
  }
  if (out.is_truncated && out.next_continuation_token.empty())
    return ProtocolError(op, resp, "the listing is truncated but carries no NextContinuationToken");
  return out;
}

const std::vector<OperationVerdict>& IdempotencyVerdicts() {
  static const std::vector<OperationVerdict> kVerdicts = {
      // Reads: nothing changes.
      {"ListBuckets", true},
      {"HeadBucket", true},
      {"GetBucketLocation", true},
      {"GetObject", true},
      {"HeadObject", true},
      {"ListObjectsV2", true},
      {"ListObjectVersions", true},
      {"ListParts", true},
      {"ListMultipartUploads", true},
      {"GetBucketVersioning", true},
      {"GetObjectTagging", true},
      {"GetBucketLifecycleConfiguration", true},
      {"SelectObjectContent", true},  // its sink refuses a restart once records were delivered
      {"CreateSession", true},        // a second session is as good as the first
      // Writes that set a state: a repeat leaves the same state (on a versioned bucket one
      // more version or delete marker, as after any retried write).
      {"PutObject", true},
      {"CopyObject", true},  // the same source copied again gives the same object
      {"DeleteObject", true},
      {"DeleteObjects", true},
      {"UploadPart", true},      // the part number is overwritten with the same bytes
      {"UploadPartCopy", true},  // likewise, from the same source range
      {"PutObjectTagging", true},
      {"DeleteObjectTagging", true},
      {"PutBucketVersioning", true},
      {"PutBucketLifecycleConfiguration", true},
      {"GetBucketEncryption", true},
      {"PutBucketEncryption", true},
      {"DeleteBucketEncryption", true},
      {"GetBucketTagging", true},
      {"PutBucketTagging", true},
      {"DeleteBucketTagging", true},
      {"DeleteBucketLifecycle", true},
      {"RestoreObject", true},  // a repeat extends the restore or answers RestoreAlreadyInProgress
      // A repeat answers an error code that says what happened (BucketAlreadyOwnedByYou,
      // NoSuchBucket; AbortMultipartUpload treats NoSuchUpload on a retry as done).
      {"CreateBucket", true},
      {"DeleteBucket", true},
      {"AbortMultipartUpload", true},
      // A repeat does harm: callers settle an ambiguous failure themselves.
      {"CreateMultipartUpload", false},    // a second upload would be left open
      {"CompleteMultipartUpload", false},  // after a lost answer a repeat fails with NoSuchUpload
  };
  return kVerdicts;
}

bool IsIdempotent(std::string_view operation) {
  for (const OperationVerdict& v : IdempotencyVerdicts())
    if (v.operation == operation) return v.idempotent;
  return false;
}

Result<bool> IdempotencyOf(std::string_view operation) {
  for (const OperationVerdict& v : IdempotencyVerdicts())
    if (v.operation == operation) return v.idempotent;
  return Status(ErrorCategory::kInternal, "operation '" + std::string(operation) +
                                              "' has no idempotency verdict (ops::IdempotencyVerdicts)");
}

}  // namespace ops
}  // namespace s3ml
