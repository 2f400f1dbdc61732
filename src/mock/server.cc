// MockS3Server: routes cpp-httplib requests to the S3 operations below.
//
// Request pipeline (Impl::Handle): route (method + raw target + Host) ->
// verify SigV4 -> decode the body (payload hash / aws-chunked) -> fault
// injection -> operation -> render (XML or a streamed slice of a shared body).

#include "mock/server_impl.h"
#include "s3ml/express.h"

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

/// RFC 7232 evaluation order (If-Match, If-Unmodified-Since, If-None-Match,
/// If-Modified-Since). `prefix` selects GET's headers ("") or CopyObject's
/// ("x-amz-copy-source-"). Returns 304 or 412 with the failed condition, or 0.
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

/// A single byte range resolved against an object size.

/// S3 semantics: one "bytes=" range; anything else (several ranges, bad
/// syntax) is ignored and the whole object is returned.
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

/// S3 allows letters, digits and spaces (any UTF-8 letter: multi-byte sequences are
/// accepted as such) and + - = . _ : / @ in tag keys and values.
bool IsValidTagText(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c >= 0x80 || std::isalnum(c) || (c != 0 && std::strchr(" +-=._:/@", ch) != nullptr);
  });
}

/// S3's tag rules, shared by the x-amz-tagging header and the Tagging XML body.
Expected<std::map<std::string, std::string>> ValidateTags(const std::vector<std::pair<std::string, std::string>>& pairs) {
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
  if (tags.size() > 10) return S3Error(400, "BadRequest", "Object tags cannot be greater than 10");
  return tags;
}

Expected<std::map<std::string, std::string>> ParseTagging(const std::string& header) {
  auto pairs = ParseQuery(header);
  if (!pairs.ok()) return S3Error(400, "InvalidTag", "The tag provided was not a valid tag: cannot decode the x-amz-tagging header");
  return ValidateTags(*pairs);
}

/// A <Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging> body.
Expected<std::map<std::string, std::string>> ParseTaggingXml(const std::string& payload) {
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
  return ValidateTags(pairs);
}

/// The versionId query parameter: absent -> "", present but empty -> error.
Expected<std::string> VersionParam(const RoutedRequest& r) {
  if (!r.HasParam("versionId")) return std::string();
  std::string v = r.Param("versionId");
  if (v.empty()) return InvalidArgument("Version id cannot be the empty string", "versionId", v);
  return v;
}

/// S3 names the method in a MethodNotAllowed for a delete marker.
S3Error WithMethod(S3Error e, const std::string& method) {
  if (e.code == "MethodNotAllowed") e.details.insert(e.details.begin(), {"Method", method});
  return e;
}

/// Reads the object attributes a PUT (or a REPLACE copy) sets from request headers.
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

/// Header lines of a raw request head ("METHOD target HTTP/1.1\r\nName: value\r\n...\r\n\r\n").
Headers ParseRawHeaders(const std::string& head) {
  Headers out;
  std::size_t pos = head.find("\r\n");  // skip the request line
  while (pos != std::string::npos) {
    pos += 2;
    auto end = head.find("\r\n", pos);
    if (end == std::string::npos || end == pos) break;
    const std::string line = head.substr(pos, end - pos);
    pos = end;
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto vb = line.find_first_not_of(" \t", colon + 1);
    auto ve = line.find_last_not_of(" \t");
    out.Add(line.substr(0, colon), vb == std::string::npos ? std::string() : line.substr(vb, ve - vb + 1));
  }
  return out;
}

std::string EncodeIf(bool url, const std::string& s) { return url ? UriEncode(s, /*encode_slash=*/false) : s; }


namespace {

// An injected S3 error answer. The message names the instruction when it came
// from x-s3ml-fault or a fault plan, so that a client's error says what hit it.
S3Error InjectedError(const InjectedFault& f, int status, const std::string& code) {
  std::string message = code == "SlowDown"             ? "Please reduce your request rate."
                        : code == "InternalError"      ? "We encountered an internal error. Please try again."
                        : code == "ServiceUnavailable" ? "Service is unable to handle request."
                                                       : "Injected fault";
  if (!f.instruction.empty()) message += " (s3ml injected fault '" + f.instruction + "' from " + f.source + ")";
  return S3Error(status, code, message);
}

void InvertRange(char* data, std::uint64_t data_offset, std::uint64_t n, std::uint64_t from) {
  const std::uint64_t to = from + FaultRule::kCorruptBytes;
  for (std::uint64_t i = std::max(data_offset, from); i < std::min(data_offset + n, to); ++i)
    data[i - data_offset] = static_cast<char>(~data[i - data_offset]);
}

}  // namespace

void MockS3Server::Impl::RenderError(const S3Error& e, const std::string& resource, httplib::Response& res, bool head,
                                     const std::string& request_id, std::chrono::seconds date_skew) {
  Reply reply;
  reply.status = e.http_status;
  reply.headers = e.headers;
  if (!head) reply.Xml(ErrorXml(e, resource, request_id, Base64Encode(Sha256(request_id))));
  Render(reply, res, head, nullptr, request_id, date_skew);
}

void MockS3Server::Impl::Render(const Reply& reply, httplib::Response& res, bool head, const BodyFault* fault,
                                const std::string& request_id, std::chrono::seconds date_skew) {
  res.status = reply.status;
  res.set_header("x-amz-request-id", request_id);
  res.set_header("x-amz-id-2", Base64Encode(Sha256(request_id)));
  res.set_header("Date", FormatHttpDate(SystemClock().Now() + date_skew));
  res.set_header("Server", "s3ml-mock");
  for (const auto& [name, value] : reply.headers) res.set_header(name, value);

  // The body: a slice of a shared, immutable object body (streamed without a copy,
  // no lock held) or the reply's own string.
  std::shared_ptr<const std::string> body;
  std::uint64_t base = 0, length = 0;
  if (reply.object) {
    body = reply.object->body;
    base = reply.offset;
    length = reply.length;
  } else if (!head && !reply.body.empty()) {
    if (!fault) {
      res.set_content(reply.body, reply.content_type);
      return;
    }
    body = std::make_shared<const std::string>(reply.body);
    length = body->size();
  }
  if (head || length == 0 || !body) {
    if (fault && (head || length == 0)) {  // a body fault on an empty body acts at its (immediate) end
      switch (fault->kind) {
        case BodyFault::kReset:
          ConnectionServer::ResetCurrentConnection();
          return;
        case BodyFault::kStall:
          (void)SleepFor(fault->stall);
          break;
        case BodyFault::kChange:
          if (fault->on_reached) fault->on_reached();
          break;
        case BodyFault::kCut:
        case BodyFault::kCorrupt:
          break;
      }
    }
    if (reply.object) {
      if (length == 0) {
        res.set_content("", reply.content_type);
      } else {  // HEAD: httplib sends the headers (Content-Length) and never calls the provider
        res.set_content_provider(static_cast<size_t>(length), reply.content_type,
                                 [](size_t, size_t, httplib::DataSink&) { return false; });
      }
      return;
    }
    if (!reply.body.empty() || !reply.content_type.empty()) res.set_content(reply.body, reply.content_type);
    return;
  }

  std::optional<BodyFault> f;
  if (fault) f = *fault;
  if (f && length <= f->after) {  // the body ends before the fault point
    if (f->kind == BodyFault::kReset) {
      ConnectionServer::ResetCurrentConnection();  // the operation ran; its answer is lost
      return;
    }
    if (f->kind == BodyFault::kStall) (void)SleepFor(f->stall);
  }
  auto reached = std::make_shared<std::atomic<bool>>(false);
  res.set_content_provider(
      static_cast<size_t>(length), reply.content_type,
      [this, body, base, length, f, reached](size_t offset, size_t len, httplib::DataSink& sink) {
        std::uint64_t n = std::min<std::uint64_t>({len, length - offset, 1u << 20});
        if (f) {
          if (offset >= f->after && !reached->exchange(true)) {
            switch (f->kind) {
              case BodyFault::kCut:
                return false;  // httplib closes the connection
              case BodyFault::kReset:
                ConnectionServer::ResetCurrentConnection();
                return false;
              case BodyFault::kStall:
                if (!SleepFor(f->stall)) return false;  // stopping
                break;
              case BodyFault::kChange:
                if (f->on_reached) f->on_reached();
                break;
              case BodyFault::kCorrupt:
                break;
            }
          }
          if ((f->kind == BodyFault::kCut || f->kind == BodyFault::kReset) && offset >= f->after) return false;
          if (offset < f->after) n = std::min<std::uint64_t>(n, f->after - offset);  // stop exactly at `after`
          if (f->kind == BodyFault::kCorrupt && offset + n > f->after && offset < f->after + FaultRule::kCorruptBytes) {
            std::string chunk(body->data() + base + offset, static_cast<size_t>(n));
            InvertRange(chunk.data(), offset, n, f->after);
            return sink.write(chunk.data(), chunk.size());
          }
        }
        if (!sink.write(body->data() + base + offset, static_cast<size_t>(n))) return false;
        // A change-object fault on a body no longer than `after`: after its last byte.
        if (f && f->kind == BodyFault::kChange && offset + n == length && !reached->exchange(true) && f->on_reached)
          f->on_reached();
        return true;
      });
}

void MockS3Server::Impl::ChangeObject(const std::string& bucket, const std::string& key) {
  auto current = store.GetObject(bucket, key);
  if (!current.ok() || !(*current)->body || (*current)->body->empty()) return;
  auto changed = std::make_shared<ObjectRecord>(**current);
  auto body = std::make_shared<std::string>(*(*current)->body);
  for (char& ch : *body) ch = static_cast<char>(~ch);
  changed->etag = "\"" + HexEncode(Md5(*body)) + "\"";
  changed->body = std::move(body);
  changed->last_modified = WholeSeconds(Now());
  changed->checksums.clear();
  changed->checksum_type.clear();
  changed->checksum_algorithm.clear();
  changed->part_sizes.clear();
  changed->part_checksums.clear();
  PutCondition unchanged_since;
  unchanged_since.if_match = (*current)->etag;
  (void)store.PutObject(bucket, key, std::move(changed), unchanged_since);
}

void MockS3Server::Impl::Handle(const httplib::Request& creq, httplib::Response& res) {
  // httplib's Request is a mutable local of its connection loop; we take the
  // body without copying it, and clear the ranges httplib parsed so that it
  // does not slice our responses again (we implement S3's Range semantics).
  auto& req = const_cast<httplib::Request&>(creq);
  req.ranges.clear();
  const bool head = req.method == "HEAD";
  const std::uint64_t n = ++request_counter;
  {
    std::lock_guard<std::mutex> lock(stats_mu);
    ++stats.requests;
  }
  char rid[17];
  std::snprintf(rid, sizeof(rid), "%016llX",
                static_cast<unsigned long long>(n * 0x9E3779B97F4A7C15ull ^ (options.seed << 32)));
  const std::string request_id = rid;

  // Headers exactly as sent (httplib's req.headers has URL-decoded values).
  Headers headers;
  if (const std::string* raw = ConnectionServer::CurrentRawHead(); raw && !raw->empty()) {
    headers = ParseRawHeaders(*raw);
  } else {
    for (const auto& [name, value] : req.headers) {
      // httplib adds these pseudo headers itself; they were never on the wire.
      if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" || name == "LOCAL_PORT") continue;
      headers.Add(name, value);
    }
  }

  if ((req.method == "PUT" || req.method == "POST") && !headers.Has("Content-Length") &&
      !headers.Has("Transfer-Encoding")) {
    return RenderError(S3Error(411, "MissingContentLength", "You must provide the Content-Length HTTP header."),
                       req.path, res, head, request_id);
  }
  // "_s3ml" can never be a bucket name (no underscores), so the admin API shares no path with S3.
  if (req.target == "/_s3ml" || req.target.compare(0, 7, "/_s3ml/") == 0 || req.target.compare(0, 7, "/_s3ml?") == 0)
    return HandleAdmin(req, headers, res, request_id);
  auto routed = Route(req.method, req.target, headers.Get("Host"), headers.Has("x-amz-copy-source"), base_domains);
  if (!routed.ok()) return RenderError(routed.error(), "", res, head, request_id);
  const RoutedRequest& r = *routed;

  // The request's own fault instruction (x-s3ml-fault) or its plan's next one
  // (x-s3ml-fault-plan). Taken before the signature check: a skew-clock fault
  // changes the time the signature is checked at. Neither header needs signing.
  auto requested = faults.FromHeaders(headers.Find("x-s3ml-fault"), headers.Find("x-s3ml-fault-plan"), r.operation,
                                      request_id);
  if (!requested.ok()) {
    CountOperation(r.operation, false, false);
    return RenderError(requested.error(), r.Resource(), res, head, request_id);
  }
  std::chrono::seconds skew = requested->skew;
  std::optional<InjectedFault> fault = std::move(requested->fault);

  const VerifyInput verify_input{req.method, r.raw_path, r.query, headers, r.raw_query,
                                 r.virtual_hosted ? r.bucket : std::string()};
  auto auth = verifier.Verify(verify_input, SystemClock().Now() + skew);
  if (!auth.ok()) {
    CountOperation(r.operation, true, fault.has_value());
    return RenderError(auth.error(), r.Resource(), res, head, request_id, skew);
  }
  if (MaybeError denied = CheckExpress(r, *auth, headers, Now())) {  // S3 Express rules (server_express.cc)
    CountOperation(r.operation, denied->http_status == 403 || denied->http_status == 400, false);
    return RenderError(*denied, r.Resource(), res, head, request_id, skew);
  }
  if (!fault) {  // AddFault rules
    if (std::optional<FaultRule> rule = faults.Decide(r.operation, r.key)) {
      fault = InjectedFault{std::move(*rule), "fault rule", ""};
      if (fault->rule.kind == FaultRule::Kind::kSkewClock) {  // check the signature again at the skewed time
        skew = fault->rule.clock_skew;
        auto skewed = verifier.Verify(verify_input, SystemClock().Now() + skew);
        if (!skewed.ok()) {
          CountOperation(r.operation, true, true);
          return RenderError(skewed.error(), r.Resource(), res, head, request_id, skew);
        }
      }
    }
  }
  // corrupt-body: a request body is corrupted as received, before its payload hash
  // and checksums are checked (what a flipped bit on the wire would do).
  bool corrupted_request = false;
  if (fault && fault->rule.kind == FaultRule::Kind::kCorruptBody && req.body.size() > fault->rule.after_bytes) {
    InvertRange(req.body.data(), 0, req.body.size(), fault->rule.after_bytes);
    corrupted_request = true;
  }
  CountOperation(r.operation, false, fault.has_value());
  std::vector<std::pair<std::string, std::string>> trailers;
  auto payload = verifier.DecodeBody(*auth, headers, std::move(req.body), &trailers);
  if (!payload.ok()) {
    if (payload.error().http_status == 403) CountOperation({}, true, false);
    return RenderError(payload.error(), r.Resource(), res, head, request_id, skew);
  }

  const bool read_only = req.method == "GET" || head || r.operation == "SelectObjectContent";
  std::optional<BodyFault> body_fault;
  if (fault) {
    const FaultRule& f = fault->rule;
    switch (f.kind) {
      case FaultRule::Kind::kHttpError:
      case FaultRule::Kind::kSlowDown:
        return RenderError(InjectedError(*fault, f.http_status, f.error_code), r.Resource(), res, head, request_id,
                           skew);
      case FaultRule::Kind::kErrorInOkBody: {
        Reply reply;  // S3's "200 OK with an error inside" (CopyObject, CompleteMultipartUpload)
        reply.Xml(ErrorXml(InjectedError(*fault, 200, f.error_code), r.Resource(), request_id,
                           Base64Encode(Sha256(request_id))));
        return Render(reply, res, head, nullptr, request_id, skew);
      }
      case FaultRule::Kind::kConnectionReset:
        ConnectionServer::ResetCurrentConnection();
        res.status = 500;
        return;
      case FaultRule::Kind::kTruncateBody:
        body_fault = BodyFault{BodyFault::kCut, f.truncate_after, {}, {}};
        break;
      case FaultRule::Kind::kLatency:
        if (!SleepFor(f.latency)) {  // stopping: answer quickly
          return RenderError(S3Error(503, "ServiceUnavailable", "The server is shutting down."), r.Resource(), res,
                             head, request_id, skew);
        }
        break;
      case FaultRule::Kind::kErrorAfterBytes:
        if (!read_only)
          return RenderError(InjectedError(*fault, f.http_status, f.error_code), r.Resource(), res, head, request_id,
                             skew);
        body_fault = BodyFault{BodyFault::kCut, f.after_bytes, {}, {}};
        break;
      case FaultRule::Kind::kResetAfterBytes:
        body_fault = BodyFault{BodyFault::kReset, f.after_bytes, {}, {}};
        break;
      case FaultRule::Kind::kStall:
        body_fault = BodyFault{BodyFault::kStall, f.after_bytes, f.latency, {}};
        break;
      case FaultRule::Kind::kCorruptBody:
        if (!corrupted_request) body_fault = BodyFault{BodyFault::kCorrupt, f.after_bytes, {}, {}};
        break;
      case FaultRule::Kind::kChangeObject:
        if (!r.bucket.empty() && !r.key.empty()) {
          body_fault = BodyFault{BodyFault::kChange, f.after_bytes, {},
                                 [this, bucket = r.bucket, key = r.key] { ChangeObject(bucket, key); }};
        }
        break;
      case FaultRule::Kind::kSkewClock:
        break;  // the signature was checked at the skewed time; the Date header follows it
    }
  }

  Call call{r, headers, req.method, std::move(*payload), std::move(trailers), Now()};
  auto reply = Dispatch(call);
  if (!reply.ok()) {
    if (!body_fault || head) return RenderError(reply.error(), r.Resource(), res, head, request_id, skew);
    Reply error;  // the fault applies to the error answer too
    error.status = reply.error().http_status;
    error.headers = reply.error().headers;
    error.Xml(ErrorXml(reply.error(), r.Resource(), request_id, Base64Encode(Sha256(request_id))));
    return Render(error, res, head, &*body_fault, request_id, skew);
  }
  if (fault && fault->rule.kind == FaultRule::Kind::kErrorAfterBytes) {
    // A read whose body is not longer than `after`: the error answer instead.
    const std::uint64_t length = reply->object ? reply->length : reply->body.size();
    if (head || length <= fault->rule.after_bytes)
      return RenderError(InjectedError(*fault, fault->rule.http_status, fault->rule.error_code), r.Resource(), res,
                         head, request_id, skew);
  }
  Render(*reply, res, head, body_fault ? &*body_fault : nullptr, request_id, skew);
}

Expected<Reply> MockS3Server::Impl::Dispatch(Call& c) {
  const std::string& op = c.r.operation;
  if (op.empty()) {
    return S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
        .With("Method", c.method)
        .With("ResourceType", "SERVICE")
        .WithHeader("Allow", "GET, HEAD");
  }
  if (op == "ListBuckets") return ListBuckets(c);
  if (op == "CreateBucket") return IsDirectoryBucket(c.r.bucket) ? CreateDirectoryBucket(c) : CreateBucket(c);
  if (op == "CreateSession") return CreateSession(c);  // server_express.cc
  if (op == "DeleteBucket") return DeleteBucket(c);
  if (op == "HeadBucket") return HeadBucket(c);
  if (op == "GetBucketLocation") return GetBucketLocation(c);
  if (op == "PutObject") return PutObject(c);
  if (op == "GetObject" || op == "HeadObject") return GetObject(c);  // the renderer drops HEAD bodies
  if (op == "DeleteObject") return DeleteObject(c);
  if (op == "DeleteObjects") return DeleteObjects(c);
  if (op == "CopyObject") return CopyObject(c);
  if (op == "ListObjectsV2") return ListObjects(c, true);
  if (op == "ListObjects") return ListObjects(c, false);
  if (op == "GetBucketVersioning") return GetBucketVersioning(c);
  if (op == "PutBucketVersioning") return PutBucketVersioning(c);
  if (op == "ListObjectVersions") return ListObjectVersions(c);
  if (op == "GetObjectTagging") return GetObjectTagging(c);
  if (op == "PutObjectTagging") return PutObjectTagging(c);
  if (op == "DeleteObjectTagging") return DeleteObjectTagging(c);
  if (op == "CreateMultipartUpload") return CreateMultipartUpload(c);
  if (op == "UploadPart") return UploadPart(c);
  if (op == "UploadPartCopy") return UploadPartCopy(c);
  if (op == "CompleteMultipartUpload") return CompleteMultipartUpload(c);
  if (op == "AbortMultipartUpload") return AbortMultipartUpload(c);
  if (op == "ListParts") return ListParts(c);
  if (op == "ListMultipartUploads") return ListMultipartUploads(c);
  if (op == "GetBucketLifecycleConfiguration") return GetBucketLifecycleConfiguration(c);
  if (op == "PutBucketLifecycleConfiguration") return PutBucketLifecycleConfiguration(c);
  if (op == "DeleteBucketLifecycle") return DeleteBucketLifecycleConfiguration(c);
  if (op == "RestoreObject") return RestoreObject(c);
  if (op == "SelectObjectContent") {  // the engine and framing live in mock/select_handler.cc
    auto obj = store.GetObject(c.r.bucket, c.r.key);
    if (!obj.ok()) return obj.error();
    auto body = HandleSelectObjectContent(c.payload, (*obj)->body ? std::string_view(*(*obj)->body) : std::string_view());
    if (!body.ok()) return body.error();
    Reply reply;
    reply.content_type = "application/octet-stream";
    reply.body = std::move(*body);
    return reply;
  }
  return NotImplemented(op);
}

// ---- buckets ---------------------------------------------------------------

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
  if (auto err = store.CreateBucket(c.r.bucket, region, WholeSeconds(c.now))) return *err;
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

// ---- objects ---------------------------------------------------------------

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
  }
  obj->storage_class = c.headers.Get("x-amz-storage-class", "STANDARD");
  if (!IsValidStorageClass(obj->storage_class))
    return S3Error(400, "InvalidStorageClass", "The storage class you specified is not valid")
        .With("StorageClassRequested", obj->storage_class);
  if (const std::string* tagging = c.headers.Find("x-amz-tagging")) {
    auto tags = ParseTagging(*tagging);
    if (!tags.ok()) return tags.error();
    obj->tags = std::move(*tags);
  }
  for (const auto& [alg, value] : *supplied) obj->checksums[alg] = value;
  for (const auto& [name, value] : c.trailers) {
    constexpr std::string_view kPrefix = "x-amz-checksum-";
    if (name.compare(0, kPrefix.size(), kPrefix) == 0) obj->checksums[name.substr(kPrefix.size())] = value;
  }

  PutCondition cond;
  if (const std::string* inm = c.headers.Find("If-None-Match")) {
    if (StripEtag(*inm) != "*")
      return S3Error(501, "NotImplemented", "A header you provided implies functionality that is not implemented")
          .With("Header", "If-None-Match");
    cond.if_none_match_star = true;
  }
  if (const std::string* im = c.headers.Find("If-Match")) cond.if_match = *im;

  obj->etag = "\"" + HexEncode(Md5(c.payload)) + "\"";
  obj->last_modified = WholeSeconds(c.now);
  obj->body = std::make_shared<const std::string>(std::move(c.payload));
  Reply reply;
  reply.Header("ETag", obj->etag);
  AddSseResponseHeaders(reply.headers, obj->sse, /*include_context=*/true);
  for (const auto& [alg, value] : obj->checksums) reply.Header("x-amz-checksum-" + alg, value);
  std::string version_id;
  const ObjectPtr stored = obj;  // for the x-amz-expiration header below
  if (auto err = store.PutObject(c.r.bucket, c.r.key, std::move(obj), cond, &version_id)) return *err;
  if (!version_id.empty()) reply.Header("x-amz-version-id", version_id);
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
    std::uint64_t part = 0;
    if (!ParseUint(c.r.Param("partNumber"), part) || part < 1 || part > 10000)
      return InvalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber",
                             c.r.Param("partNumber"));
    const std::uint64_t count = obj->part_sizes.empty() ? 1 : obj->part_sizes.size();
    if (part > count)
      return S3Error(416, "InvalidPartNumber", "The requested partnumber is not satisfiable")
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
  auto outcome = store.DeleteVersion(c.r.bucket, c.r.key, *version, c.now);
  if (!outcome.ok()) return outcome.error();
  Reply reply;
  reply.status = 204;
  if (outcome->delete_marker) reply.Header("x-amz-delete-marker", "true");
  if (!outcome->version_id.empty()) reply.Header("x-amz-version-id", outcome->version_id);
  return reply;
}

Expected<Reply> MockS3Server::Impl::DeleteObjects(Call& c) {
  // S3 requires an integrity header on multi-object delete.
  bool has_integrity = c.headers.Has("Content-MD5");
  for (const auto& [name, value] : c.headers) {
    const std::string lname = ToLower(name);
    if (lname.rfind("x-amz-checksum-", 0) == 0 && lname != "x-amz-checksum-mode") has_integrity = true;
  }
  for (const auto& kv : c.trailers)
    if (kv.first.rfind("x-amz-checksum-", 0) == 0) has_integrity = true;
  if (!has_integrity)
    return InvalidRequest("Missing required header for this request: Content-MD5 (or an x-amz-checksum-* header)");
  auto supplied = VerifyIntegrityHeaders(c.headers, c.payload);
  if (!supplied.ok()) return supplied.error();

  pugi::xml_document doc;
  if (!doc.load_buffer(c.payload.data(), c.payload.size())) return MalformedXml();
  auto root = doc.child("Delete");
  if (!root) return MalformedXml();
  const bool quiet = std::string(root.child("Quiet").text().as_string()) == "true";
  std::vector<std::pair<std::string, std::string>> targets;  // key, version id
  for (auto obj : root.children("Object")) {
    auto key = obj.child("Key");
    if (!key) return MalformedXml();
    targets.emplace_back(key.text().as_string(), obj.child("VersionId").text().as_string());
  }
  if (targets.empty() || targets.size() > kMaxDeleteObjects) return MalformedXml();
  auto bucket = store.GetBucket(c.r.bucket);
  if (!bucket.ok()) return bucket.error();

  XmlWriter w("DeleteResult");
  for (const auto& [key, version] : targets) {
    auto outcome = store.DeleteVersion(c.r.bucket, key, version, c.now);
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
  auto resolved = ResolveCopySource(c);
  if (!resolved.ok()) return resolved.error();
  const std::string& src_bucket = resolved->bucket;
  const std::string& src_key = resolved->key;
  const bool has_source_version = resolved->has_version;
  const ObjectPtr src = resolved->found.version.object;
  auto dest_sse = ParseSseWrite(c.headers, options.region, MockAccountId(options.access_key));
  if (!dest_sse.ok()) return dest_sse.error();
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
  if (storage_class && !IsValidStorageClass(*storage_class))
    return S3Error(400, "InvalidStorageClass", "The storage class you specified is not valid")
        .With("StorageClassRequested", *storage_class);
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
  if (auto err = store.PutObject(c.r.bucket, c.r.key, std::move(obj), {}, &version_id)) return *err;

  XmlWriter w("CopyObjectResult");
  AddText(w.root(), "ETag", etag);
  AddText(w.root(), "LastModified", FormatIso8601(last_modified));
  Reply reply;
  if (report_source_version) reply.Header("x-amz-copy-source-version-id", copied_version);
  AddSseResponseHeaders(reply.headers, *dest_sse, /*include_context=*/true);
  if (!version_id.empty()) reply.Header("x-amz-version-id", version_id);
  reply.Xml(w.str());
  return reply;
}

Expected<Reply> MockS3Server::Impl::ListObjects(Call& c, bool v2) {
  ListQuery q;
  q.prefix = c.r.Param("prefix");
  q.delimiter = c.r.Param("delimiter");
  const std::string encoding_type = c.r.Param("encoding-type");
  if (c.r.HasParam("encoding-type") && encoding_type != "url")
    return InvalidArgument("Invalid Encoding Method specified in Request", "encoding-type", encoding_type);
  const bool url = encoding_type == "url";
  if (c.r.HasParam("max-keys")) {
    std::uint64_t mk = 0;
    if (!ParseUint(c.r.Param("max-keys"), mk) || mk > 2147483647ull)
      return InvalidArgument("Provided max-keys not an integer or within integer range", "max-keys",
                             c.r.Param("max-keys"));
    q.max_keys = static_cast<int>(std::min<std::uint64_t>(mk, kMaxListKeys));
  }
  const std::string token = c.r.Param("continuation-token");
  const std::string start_after = c.r.Param("start-after");
  const std::string marker = c.r.Param("marker");
  if (v2) {
    if (c.r.HasParam("continuation-token")) {
      auto raw = Base64Decode(token);
      if (token.empty() || !raw.ok() || raw->rfind(kTokenPrefix, 0) != 0)
        return InvalidArgument("The continuation token provided is incorrect", "continuation-token", token);
      q.after = raw->substr(std::string(kTokenPrefix).size());
    } else {
      q.after = start_after;
    }
  } else {
    q.after = marker;
  }

  auto page = store.List(c.r.bucket, q);
  if (!page.ok()) return page.error();

  XmlWriter w("ListBucketResult");
  auto root = w.root();
  AddText(root, "Name", c.r.bucket);
  AddText(root, "Prefix", EncodeIf(url, q.prefix));
  if (!v2) {
    AddText(root, "Marker", EncodeIf(url, marker));
    // S3 returns NextMarker only with a delimiter; otherwise the last key is the marker.
    if (page->truncated && !q.delimiter.empty()) AddText(root, "NextMarker", EncodeIf(url, page->last));
  }
  if (!q.delimiter.empty()) AddText(root, "Delimiter", EncodeIf(url, q.delimiter));
  AddText(root, "MaxKeys", std::to_string(q.max_keys));
  if (url) AddText(root, "EncodingType", "url");
  if (v2) {
    AddText(root, "KeyCount", std::to_string(page->contents.size() + page->common_prefixes.size()));
    if (c.r.HasParam("continuation-token")) AddText(root, "ContinuationToken", token);
    if (page->truncated) AddText(root, "NextContinuationToken", Base64Encode(kTokenPrefix + page->last));
    if (c.r.HasParam("start-after")) AddText(root, "StartAfter", EncodeIf(url, start_after));
  }
  AddText(root, "IsTruncated", page->truncated ? "true" : "false");
  const bool fetch_owner = !v2 || c.r.Param("fetch-owner") == "true";
  for (const auto& e : page->contents) {
    auto node = root.append_child("Contents");
    AddText(node, "Key", EncodeIf(url, e.key));
    AddText(node, "LastModified", FormatIso8601(e.object->last_modified));
    AddText(node, "ETag", e.object->etag);
    for (const auto& [alg, value] : e.object->checksums) {
      (void)value;
      AddText(node, "ChecksumAlgorithm", ChecksumDisplayName(alg));
    }
    AddText(node, "Size", std::to_string(e.object->size()));
    if (fetch_owner) AddOwner(node);
    AddText(node, "StorageClass", e.object->storage_class);
  }
  for (const auto& cp : page->common_prefixes) {
    auto node = root.append_child("CommonPrefixes");
    AddText(node, "Prefix", EncodeIf(url, cp));
  }
  Reply reply;
  reply.Xml(w.str());
  return reply;
}

// ---- versioning ------------------------------------------------------------

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
  VersionQuery q;
  q.prefix = c.r.Param("prefix");
  q.delimiter = c.r.Param("delimiter");
  q.key_marker = c.r.Param("key-marker");
  q.version_id_marker = c.r.Param("version-id-marker");
  const std::string encoding_type = c.r.Param("encoding-type");
  if (c.r.HasParam("encoding-type") && encoding_type != "url")
    return InvalidArgument("Invalid Encoding Method specified in Request", "encoding-type", encoding_type);
  const bool url = encoding_type == "url";
  if (c.r.HasParam("max-keys")) {
    std::uint64_t mk = 0;
    if (!ParseUint(c.r.Param("max-keys"), mk) || mk > 2147483647ull)
      return InvalidArgument("Provided max-keys not an integer or within integer range", "max-keys",
                             c.r.Param("max-keys"));
    q.max_keys = static_cast<int>(std::min<std::uint64_t>(mk, kMaxListKeys));
  }
  if (!q.version_id_marker.empty()) {
    if (q.key_marker.empty())
      return InvalidArgument("A version-id marker cannot be specified without a key marker.", "version-id-marker",
                             q.version_id_marker);
    if (!IsWellFormedVersionId(q.version_id_marker))
      return InvalidArgument("Invalid version id specified", "version-id-marker", q.version_id_marker);
  }
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
      for (const auto& [alg, value] : v.object->checksums) {
        (void)value;
        AddText(node, "ChecksumAlgorithm", ChecksumDisplayName(alg));
      }
      AddText(node, "Size", std::to_string(v.object->size()));
      AddText(node, "StorageClass", v.object->storage_class);
    }
    AddOwner(node);
  }
  for (const auto& cp : page->common_prefixes) {
    auto node = root.append_child("CommonPrefixes");
    AddText(node, "Prefix", EncodeIf(url, cp));
  }
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

// ---- multipart uploads -----------------------------------------------------

namespace {

constexpr int kMaxPartNumber = 10000;
constexpr std::uint64_t kMinPartSize = 5ull * 1024 * 1024;
constexpr int kMaxListParts = 1000;
constexpr int kMaxListUploads = 1000;

/// The partNumber query parameter: an integer in 1..10000.
Expected<int> PartNumberParam(const RoutedRequest& r) {
  std::uint64_t n = 0;
  const std::string v = r.Param("partNumber");
  if (!ParseUint(v, n) || n < 1 || n > static_cast<std::uint64_t>(kMaxPartNumber))
    return InvalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", v);
  return static_cast<int>(n);
}

/// A non-negative integer list parameter (max-parts, max-uploads, part-number-marker).
Expected<int> IntParam(const RoutedRequest& r, const std::string& name, int def, int cap) {
  if (!r.HasParam(name)) return def;
  std::uint64_t n = 0;
  if (!ParseUint(r.Param(name), n) || n > 2147483647ull)
    return InvalidArgument("Provided " + name + " not an integer or within integer range", name, r.Param(name));
  return static_cast<int>(std::min<std::uint64_t>(n, static_cast<std::uint64_t>(cap)));
}

}  // namespace

Expected<Reply> MockS3Server::Impl::CreateMultipartUpload(Call& c) {
  if (auto err = CheckKeyLength(c.r.key)) return *err;
  auto attrs = std::make_shared<ObjectRecord>();
  if (auto err = FillAttributesFromHeaders(c.headers, *attrs)) return *err;
  attrs->storage_class = c.headers.Get("x-amz-storage-class", "STANDARD");
  if (!IsValidStorageClass(attrs->storage_class))
    return S3Error(400, "InvalidStorageClass", "The storage class you specified is not valid")
        .With("StorageClassRequested", attrs->storage_class);
  if (const std::string* tagging = c.headers.Find("x-amz-tagging")) {
    auto tags = ParseTagging(*tagging);
    if (!tags.ok()) return tags.error();
    attrs->tags = std::move(*tags);
  }
  // Encryption and the upload's checksum algorithm/type: mock/sse.cc, mock/part_checksums.cc.
  Reply reply;
  auto sse = ParseSseWrite(c.headers, options.region, MockAccountId(options.access_key));
  if (!sse.ok()) return sse.error();
  attrs->sse = std::move(*sse);
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
  const std::string upload_id = c.r.Param("uploadId");
  auto upload = store.GetUpload(c.r.bucket, c.r.key, upload_id);
  if (!upload.ok()) return upload.error();

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
  obj->checksums.clear();
  if (!object_sum->algorithm.empty()) {
    obj->checksums[object_sum->algorithm] = object_sum->value;
    obj->checksum_type = object_sum->type;
  }
  for (const PartRecord* p : parts) obj->part_checksums.push_back(p->checksums);
  obj->etag = "\"" + HexEncode(Md5(md5s)) + "-" + std::to_string(parts.size()) + "\"";
  obj->last_modified = WholeSeconds(c.now);
  obj->body = std::move(body);
  const std::string etag = obj->etag;
  std::string version_id;
  const ObjectPtr stored = obj;  // for the x-amz-expiration header below
  if (auto err = store.CompleteUpload(c.r.bucket, c.r.key, upload_id, std::move(obj), &version_id)) return *err;

  XmlWriter w("CompleteMultipartUploadResult");
  AddText(w.root(), "Location", "http://" + c.headers.Get("Host") + c.r.raw_path);
  AddText(w.root(), "Bucket", c.r.bucket);
  AddText(w.root(), "Key", c.r.key);
  AddText(w.root(), "ETag", etag);
  if (!object_sum->algorithm.empty()) {
    AddText(w.root(), ChecksumElementName(object_sum->algorithm).c_str(), object_sum->value);
    AddText(w.root(), "ChecksumType", object_sum->type);
  }
  Reply reply;
  AddSseResponseHeaders(reply.headers, upload->attributes->sse, /*include_context=*/false);
  if (!version_id.empty()) reply.Header("x-amz-version-id", version_id);
  (void)ObjectLifecycleHeaders(c.r.bucket, c.r.key, *stored, true, false, c.now, reply);
  reply.Xml(w.str());
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
  for (const char* who : {"Initiator", "Owner"}) {
    auto node = root.append_child(who);
    AddText(node, "ID", owner_id);
    AddText(node, "DisplayName", "s3ml-mock");
  }
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
  UploadQuery q;
  q.prefix = c.r.Param("prefix");
  q.delimiter = c.r.Param("delimiter");
  q.key_marker = c.r.Param("key-marker");
  q.upload_id_marker = c.r.Param("upload-id-marker");
  const std::string encoding_type = c.r.Param("encoding-type");
  if (c.r.HasParam("encoding-type") && encoding_type != "url")
    return InvalidArgument("Invalid Encoding Method specified in Request", "encoding-type", encoding_type);
  const bool url = encoding_type == "url";
  auto max_uploads = IntParam(c.r, "max-uploads", kMaxListUploads, kMaxListUploads);
  if (!max_uploads.ok()) return max_uploads.error();
  q.max_uploads = *max_uploads;
  // S3 ignores an upload-id-marker without a key-marker.
  if (q.key_marker.empty()) q.upload_id_marker.clear();
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
    for (const char* who : {"Initiator", "Owner"}) {
      auto n = node.append_child(who);
      AddText(n, "ID", owner_id);
      AddText(n, "DisplayName", "s3ml-mock");
    }
    AddText(node, "StorageClass", u.storage_class);
    AddText(node, "Initiated", FormatIso8601(u.initiated));
  }
  for (const auto& cp : page->common_prefixes) {
    auto node = root.append_child("CommonPrefixes");
    AddText(node, "Prefix", EncodeIf(url, cp));
  }
  Reply reply;
  reply.Xml(w.str());
  return reply;
}

// ---- MockS3Server ----------------------------------------------------------

MockS3Server::MockS3Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MockS3Server::~MockS3Server() { Stop(); }

Result<std::unique_ptr<MockS3Server>> MockS3Server::Start(MockS3Options options) {
  if (options.host.empty()) return Status::InvalidArgument("mock S3 server: host is empty");
  if (options.port < 0 || options.port > 65535)
    return Status::InvalidArgument("mock S3 server: port " + std::to_string(options.port) + " is out of range 0-65535");
  if (options.threads < 1) return Status::InvalidArgument("mock S3 server: threads must be at least 1");
  if (options.region.empty()) return Status::InvalidArgument("mock S3 server: region is empty");
  if (options.verify_signatures && (options.access_key.empty() || options.secret_key.empty()))
    return Status::InvalidArgument("mock S3 server: verifying signatures needs an access key and a secret key");

  auto impl = std::make_unique<Impl>(std::move(options));
  Impl* self = impl.get();
  impl->http = std::make_unique<ConnectionServer>();
  ConnectionServer& http = *impl->http;
  const int threads = impl->options.threads;
  http.new_task_queue = [threads] { return ConnectionServer::NewConnectionPool(static_cast<size_t>(threads)); };
  http.set_keep_alive_max_count(1000);
  http.set_keep_alive_timeout(30);
  http.set_read_timeout(30, 0);
  http.set_write_timeout(30, 0);
  http.set_payload_max_length(static_cast<size_t>(8) << 30);  // 8 GiB: bodies are held in memory anyway
  http.set_tcp_nodelay(true);
  // httplib's default also sets SO_REUSEPORT, which would let a second server
  // silently share a port already in use; keep SO_REUSEADDR only.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof(yes));
  });
  auto handler = [self](const httplib::Request& req, httplib::Response& res) { self->Handle(req, res); };
  // Every path, including keys with a line feed (httplib matches the decoded path,
  // and ECMAScript's '.' stops at line terminators).
  static const char* const kAnyPath = "[\\s\\S]*";
  http.Get(kAnyPath, handler);  // also serves HEAD
  http.Put(kAnyPath, handler);
  http.Post(kAnyPath, handler);
  http.Delete(kAnyPath, handler);
  http.Options(kAnyPath, handler);
  // Errors httplib produces itself (unparseable request, unknown method, bad
  // Range syntax, body too large) get an S3-shaped body too.
  http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
    if (!req.matches.empty() || !res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    const_cast<httplib::Request&>(req).ranges.clear();
    S3Error e(res.status, "BadRequest", "The request could not be parsed.");
    if (res.status == 404) e = S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.").With("Method", req.method);
    else if (res.status == 416) e = S3Error(416, "InvalidRange", "The requested range is not satisfiable");
    else if (res.status == 413) e = S3Error(413, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.");
    else if (res.status == 414) e = S3Error(414, "RequestURITooLong", "The request URI is too long.");
    const std::string rid = "HTTP" + std::to_string(res.status);
    res.status = e.http_status;
    res.set_header("x-amz-request-id", rid);
    res.set_header("x-amz-id-2", Base64Encode(Sha256(rid)));
    res.set_content(ErrorXml(e, req.path, rid, Base64Encode(Sha256(rid))), "application/xml");
    return httplib::Server::HandlerResponse::Handled;
  }));

  const std::string& host = impl->options.host;
  int port = impl->options.port;
  if (port == 0) {
    port = http.bind_to_any_port(host);
    if (port < 0) return Status(ErrorCategory::kIo, "mock S3 server: cannot bind " + host + " on any port");
  } else if (!http.bind_to_port(host, port)) {
    return Status(ErrorCategory::kIo, "mock S3 server: cannot bind " + host + ":" + std::to_string(port) +
                                          " (address in use or not available)");
  }
  impl->port = port;
  impl->listener = std::thread([self] { self->http->listen_after_bind(); });
  // Stop() must not race the listen loop's start (httplib's stop() is a no-op
  // before it runs), so wait until it is accepting.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!http.is_running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      http.Shutdown();
      impl->listener.join();
      return Status(ErrorCategory::kInternal, "mock S3 server: the listen loop did not start within 10 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::unique_ptr<MockS3Server>(new MockS3Server(std::move(impl)));
}

std::string MockS3Server::endpoint_url() const {
  std::string host = impl_->options.host;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(impl_->port);
}

int MockS3Server::port() const { return impl_->port; }

const MockS3Options& MockS3Server::options() const { return impl_->options; }

void MockS3Server::AddFault(FaultRule rule) { impl_->faults.Add(std::move(rule)); }

void MockS3Server::ClearFaults() { impl_->faults.Clear(); }

namespace {
Status PlanError(const S3Error& e) {
  return Status(ErrorCategory::kInvalidArgument, "mock S3 server: " + e.message).WithCode(e.code);
}
}  // namespace

Result<FaultRule> ParseFaultInstruction(const std::string& instruction) {
  FaultRule rule;
  std::string why;
  if (!ParseInstruction(instruction, rule, why))
    return Status::InvalidArgument("fault instruction '" + instruction + "': " + why);
  return rule;
}

Result<std::string> MockS3Server::CreateFaultPlan(const FaultPlan& plan) {
  auto id = impl_->faults.CreatePlan(plan);
  if (!id.ok()) return PlanError(id.error());
  return *id;
}

Result<FaultPlanStatus> MockS3Server::GetFaultPlan(const std::string& id) const {
  auto s = impl_->faults.GetPlan(id);
  if (!s) return Status::InvalidArgument("mock S3 server: no fault plan '" + id + "'").WithCode("NoSuchFaultPlan");
  return *s;
}

bool MockS3Server::DeleteFaultPlan(const std::string& id) { return impl_->faults.DeletePlan(id); }

MockStats MockS3Server::stats() const {
  std::lock_guard<std::mutex> lock(impl_->stats_mu);
  return impl_->stats;
}

Result<std::string> MockS3Server::ObjectBody(const std::string& bucket, const std::string& key) const {
  auto obj = impl_->store.GetObject(bucket, key);
  if (!obj.ok())
    return Status(ErrorCategory::kService, obj.error().message + " (s3://" + bucket + "/" + key + ")")
        .WithCode(obj.error().code)
        .WithHttpStatus(obj.error().http_status);
  return *(*obj)->body;
}

Result<std::vector<std::string>> MockS3Server::ObjectKeys(const std::string& bucket) const {
  std::vector<std::string> keys;
  ListQuery q;
  q.max_keys = kMaxListKeys;
  for (;;) {
    auto page = impl_->store.List(bucket, q);
    if (!page.ok())
      return Status(ErrorCategory::kService, page.error().message + " (" + bucket + ")")
          .WithCode(page.error().code)
          .WithHttpStatus(page.error().http_status);
    for (const auto& e : page->contents) keys.push_back(e.key);
    if (!page->truncated) return keys;
    q.after = page->last;
  }
}

void MockS3Server::AdvanceTime(std::chrono::seconds by) { impl_->AdvanceClock(by); }

std::chrono::system_clock::time_point MockS3Server::Now() const { return impl_->Now(); }

void MockS3Server::Stop() {
  std::lock_guard<std::mutex> lock(impl_->stop_mu);
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->http->Shutdown();
  // Taking sleep_mu after the stopping flag is set means every latency sleeper
  // has either seen the flag or is already waiting, so none misses the notify.
  { std::lock_guard<std::mutex> sleep_lock(impl_->sleep_mu); }
  impl_->sleep_cv.notify_all();
  if (impl_->listener.joinable()) impl_->listener.join();
}

}  // namespace s3ml::mock
