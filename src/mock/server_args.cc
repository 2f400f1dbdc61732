// Request-argument helpers shared by the operation files (server_<area>.cc):
// query parameters, conditional and range headers, tags, object attributes, and
// the one parser of the listings' parameters. Declared in mock/server_impl.h.

#include "mock/server_impl.h"

namespace s3ml::mock {

SystemTime WholeSeconds(SystemTime t) { return std::chrono::time_point_cast<std::chrono::seconds>(t); }

bool ParseUint(const std::string& s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19 || !std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return false;
  out = std::strtoull(s.c_str(), nullptr, 10);
  return true;
}

MaybeError CheckKeyLength(const std::string& key) {
  if (key.size() <= kMaxKeyBytes) return std::nullopt;
  return S3Error(400, "KeyTooLongError", "Your key is too long")
      .With("Size", std::to_string(key.size()))
      .With("MaxSizeAllowed", std::to_string(kMaxKeyBytes));
}

std::pair<int, std::string> EvaluateConditions(const Headers& h, const ObjectRecord& obj, const std::string& prefix) {
  const std::string* if_match = h.Find(prefix + "If-Match");
  const std::string* if_none_match = h.Find(prefix + "If-None-Match");
  const std::string* if_modified = h.Find(prefix + "If-Modified-Since");
  const std::string* if_unmodified = h.Find(prefix + "If-Unmodified-Since");
  if (if_match && !EtagListMatches(*if_match, obj.etag)) return {412, prefix + "If-Match"};
  if (!if_match && if_unmodified) {
    auto t = ParseHttpDate(*if_unmodified, OutOfRange::kClamp);  // a valid HTTP-date, however far off
    if (t.ok() && obj.last_modified > *t) return {412, prefix + "If-Unmodified-Since"};
  }
  const int not_modified = prefix.empty() ? 304 : 412;
  if (if_none_match && EtagListMatches(*if_none_match, obj.etag)) return {not_modified, prefix + "If-None-Match"};
  if (!if_none_match && if_modified) {
    auto t = ParseHttpDate(*if_modified, OutOfRange::kClamp);
    if (t.ok() && obj.last_modified <= *t) return {not_modified, prefix + "If-Modified-Since"};
  }
  return {0, {}};
}

RangeDecision ResolveRange(const std::string& header, std::uint64_t size) {
  RangeDecision d;
  constexpr std::string_view kBytes = "bytes=";
  if (header.compare(0, kBytes.size(), kBytes) != 0) return d;
  std::string spec = header.substr(kBytes.size());
  if (spec.find(',') != std::string::npos) return d;
  auto dash = spec.find('-');
  if (dash == std::string::npos) return d;
  std::string a = spec.substr(0, dash), b = spec.substr(dash + 1);
  std::uint64_t first = 0, last = 0;
  if (a.empty()) {  // suffix: the last b bytes
    if (!ParseUint(b, last)) return d;
    if (last == 0 || size == 0) return RangeDecision{RangeDecision::kUnsatisfiable};
    return RangeDecision{RangeDecision::kPartial, size > last ? size - last : 0, size - 1};
  }
  if (!ParseUint(a, first)) return d;
  if (b.empty()) {
    last = size ? size - 1 : 0;
  } else {
    if (!ParseUint(b, last) || last < first) return d;
  }
  if (first >= size) return RangeDecision{RangeDecision::kUnsatisfiable};
  return RangeDecision{RangeDecision::kPartial, first, std::min(last, size - 1)};
}

bool IsValidStorageClass(const std::string& s) {
  static const char* const kClasses[] = {"STANDARD",     "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA",
                                         "INTELLIGENT_TIERING", "GLACIER",     "DEEP_ARCHIVE", "OUTPOSTS",
                                         "GLACIER_IR",   "SNOW",               "EXPRESS_ONEZONE"};
  return std::any_of(std::begin(kClasses), std::end(kClasses), [&](const char* c) { return s == c; });
}

S3Error InvalidStorageClass(const std::string& requested) {
  return S3Error(400, "InvalidStorageClass", "The storage class you specified is not valid")
      .With("StorageClassRequested", requested);
}

MaybeError ReadStorageClassAndTags(const Headers& h, ObjectRecord& obj) {
  obj.storage_class = h.Get("x-amz-storage-class", "STANDARD");
  if (!IsValidStorageClass(obj.storage_class)) return InvalidStorageClass(obj.storage_class);
  if (const std::string* tagging = h.Find("x-amz-tagging")) {
    auto tags = ParseTagging(*tagging);
    if (!tags.ok()) return tags.error();
    obj.tags = std::move(*tags);
  }
  return std::nullopt;
}

// Any UTF-8 letter counts as a letter: multi-byte sequences are accepted as such.
bool IsValidTagText(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c >= 0x80 || std::isalnum(c) || (c != 0 && std::strchr(" +-=._:/@", ch) != nullptr);
  });
}

Expected<std::map<std::string, std::string>> ValidateTags(const std::vector<std::pair<std::string, std::string>>& pairs,
                                                          std::size_t max_tags) {
  std::map<std::string, std::string> tags;
  for (const auto& [k, v] : pairs) {
    if (k.empty() || k.size() > 128) return S3Error(400, "InvalidTag", "The TagKey you have provided is invalid");
    if (v.size() > 256) return S3Error(400, "InvalidTag", "The TagValue you have provided is invalid");
    if (!IsValidTagText(k)) return S3Error(400, "InvalidTag", "The TagKey you have provided is invalid");
    if (!IsValidTagText(v)) return S3Error(400, "InvalidTag", "The TagValue you have provided is invalid");
    if (k.rfind("aws:", 0) == 0) return S3Error(400, "InvalidTag", "Your TagKey cannot be prefixed with aws:");
    if (!tags.emplace(k, v).second)
      return S3Error(400, "InvalidTag", "Cannot provide multiple Tags with the same key");
  }
  // S3 answers this limit with BadRequest, not InvalidTag.
  if (tags.size() > max_tags) return S3Error(400, "BadRequest", "Object tags cannot be greater than 10");
  return tags;
}

Expected<std::map<std::string, std::string>> ParseTagging(const std::string& header) {
  auto pairs = ParseQuery(header);
  if (!pairs.ok()) return S3Error(400, "InvalidTag", "The tag provided was not a valid tag: cannot decode the x-amz-tagging header");
  return ValidateTags(*pairs);
}

Expected<std::map<std::string, std::string>> ParseTaggingXml(const std::string& payload, std::size_t max_tags) {
  pugi::xml_document doc;
  if (payload.empty() || !doc.load_buffer(payload.data(), payload.size())) return MalformedXml();
  auto root = doc.child("Tagging");
  if (!root) return MalformedXml();
  auto set = root.child("TagSet");
  if (!set) return MalformedXml();
  std::vector<std::pair<std::string, std::string>> pairs;
  for (auto node : set.children()) {
    if (std::string(node.name()) != "Tag") return MalformedXml();
    auto key = node.child("Key");
    auto value = node.child("Value");
    if (!key || !value) return MalformedXml();
    pairs.emplace_back(key.text().as_string(), value.text().as_string());
  }
  return ValidateTags(pairs, max_tags);
}

Expected<std::string> VersionParam(const RoutedRequest& r) {
  if (!r.HasParam("versionId")) return std::string();
  std::string v = r.Param("versionId");
  if (v.empty()) return InvalidArgument("Version id cannot be the empty string", "versionId", v);
  return v;
}

Expected<int> PartNumberParam(const RoutedRequest& r) {
  std::uint64_t n = 0;
  const std::string v = r.Param("partNumber");
  if (!ParseUint(v, n) || n < 1 || n > static_cast<std::uint64_t>(kMaxPartNumber))
    return InvalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", v);
  return static_cast<int>(n);
}

Expected<int> IntParam(const RoutedRequest& r, const std::string& name, int def, int cap) {
  if (!r.HasParam(name)) return def;
  std::uint64_t n = 0;
  // S3 takes any value of a signed 32-bit integer and caps it at its own maximum.
  if (!ParseUint(r.Param(name), n) || n > 2147483647ull)
    return InvalidArgument("Provided " + name + " not an integer or within integer range", name, r.Param(name));
  return static_cast<int>(std::min<std::uint64_t>(n, static_cast<std::uint64_t>(cap)));
}

S3Error WithMethod(S3Error e, const std::string& method) {
  if (e.code == "MethodNotAllowed") e.details.insert(e.details.begin(), {"Method", method});
  return e;
}

MaybeError FillAttributesFromHeaders(const Headers& h, ObjectRecord& obj) {
  obj.content_type = h.Get("Content-Type", "binary/octet-stream");
  if (obj.content_type.empty()) obj.content_type = "binary/octet-stream";
  obj.cache_control = h.Get("Cache-Control");
  obj.content_disposition = h.Get("Content-Disposition");
  obj.content_language = h.Get("Content-Language");
  obj.expires = h.Get("Expires");
  // aws-chunked is a transfer detail of the request, not a property of the object.
  std::string encoding;
  {
    const std::string raw = h.Get("Content-Encoding");
    std::size_t start = 0;
    while (start < raw.size()) {
      auto comma = raw.find(',', start);
      std::string item = raw.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      auto b = item.find_first_not_of(" \t");
      auto e = item.find_last_not_of(" \t");
      item = b == std::string::npos ? std::string() : item.substr(b, e - b + 1);
      if (!item.empty() && ToLower(item) != "aws-chunked") encoding += (encoding.empty() ? "" : ",") + item;
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  obj.content_encoding = encoding;
  obj.metadata.clear();
  std::size_t meta_bytes = 0;
  for (const auto& [name, value] : h) {
    const std::string lname = ToLower(name);
    constexpr std::string_view kMeta = "x-amz-meta-";
    if (lname.compare(0, kMeta.size(), kMeta) != 0) continue;
    std::string key = lname.substr(kMeta.size());
    meta_bytes += key.size() + value.size();
    auto [it, inserted] = obj.metadata.emplace(key, value);
    if (!inserted) it->second += "," + value;
  }
  if (meta_bytes > kMaxMetadataBytes)
    return S3Error(400, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.")
        .With("Size", std::to_string(meta_bytes))
        .With("MaxSizeAllowed", std::to_string(kMaxMetadataBytes));
  return std::nullopt;
}

MaybeError RequireIntegrityHeader(const Call& c, const std::string& missing) {
  bool has = c.headers.Has("Content-MD5");
  for (const auto& [name, value] : c.headers) {
    const std::string lname = ToLower(name);
    if (lname.rfind("x-amz-checksum-", 0) == 0 && lname != "x-amz-checksum-mode") has = true;
  }
  for (const auto& kv : c.trailers)
    if (kv.first.rfind("x-amz-checksum-", 0) == 0) has = true;
  if (!has) return InvalidRequest("Missing required header for this request: " + missing);
  auto supplied = VerifyIntegrityHeaders(c.headers, c.payload);
  if (!supplied.ok()) return supplied.error();
  return std::nullopt;
}

std::string EncodeIf(bool url, const std::string& s) { return url ? UriEncode(s, /*encode_slash=*/false) : s; }

// ---- listings ----------------------------------------------------------------

Expected<ListArgs> ParseListArgs(const RoutedRequest& r, Listing listing) {
  ListArgs a;
  a.prefix = r.Param("prefix");
  a.delimiter = r.Param("delimiter");
  const std::string encoding_type = r.Param("encoding-type");
  if (r.HasParam("encoding-type") && encoding_type != "url")
    return InvalidArgument("Invalid Encoding Method specified in Request", "encoding-type", encoding_type);
  a.url = encoding_type == "url";
  auto max = listing == Listing::kUploads ? IntParam(r, "max-uploads", kMaxListUploads, kMaxListUploads)
                                          : IntParam(r, "max-keys", kMaxListKeys, kMaxListKeys);
  if (!max.ok()) return max.error();
  a.max_keys = *max;

  switch (listing) {
    case Listing::kObjectsV1:
      a.marker = r.Param("marker");
      a.after = a.marker;
      break;
    case Listing::kObjectsV2:
      a.has_start_after = r.HasParam("start-after");
      a.start_after = r.Param("start-after");
      a.has_token = r.HasParam("continuation-token");
      a.token = r.Param("continuation-token");
      if (a.has_token) {
        // Our tokens are kTokenPrefix + the last key of the previous page, base64-encoded;
        // anything else was not issued by this server.
        auto raw = Base64Decode(a.token);
        if (a.token.empty() || !raw.ok() || raw->rfind(kTokenPrefix, 0) != 0)
          return InvalidArgument("The continuation token provided is incorrect", "continuation-token", a.token);
        a.after = raw->substr(std::string(kTokenPrefix).size());
      } else {
        a.after = a.start_after;
      }
      break;
    case Listing::kVersions:
      a.marker = r.Param("key-marker");
      a.id_marker = r.Param("version-id-marker");
      if (!a.id_marker.empty()) {
        if (a.marker.empty())
          return InvalidArgument("A version-id marker cannot be specified without a key marker.", "version-id-marker",
                                 a.id_marker);
        if (!IsWellFormedVersionId(a.id_marker))
          return InvalidArgument("Invalid version id specified", "version-id-marker", a.id_marker);
      }
      break;
    case Listing::kUploads:
      a.marker = r.Param("key-marker");
      a.id_marker = r.Param("upload-id-marker");
      // S3 ignores an upload-id-marker without a key-marker.
      if (a.marker.empty()) a.id_marker.clear();
      break;
  }
  return a;
}

void AddCommonPrefixes(pugi::xml_node root, const std::vector<std::string>& prefixes, bool url) {
  for (const auto& cp : prefixes) {
    auto node = root.append_child("CommonPrefixes");
    AddText(node, "Prefix", EncodeIf(url, cp));
  }
}

void AddChecksumAlgorithms(pugi::xml_node node, const ObjectRecord& obj) {
  for (const auto& [alg, value] : obj.checksums) {
    (void)value;
    AddText(node, "ChecksumAlgorithm", ChecksumDisplayName(alg));
  }
}

}  // namespace s3ml::mock
