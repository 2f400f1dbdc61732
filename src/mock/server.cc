// MockS3Server: start/stop, the request pipeline, the dispatch table and response
// rendering. The S3 operations live in server_<area>.cc (see mock/server_impl.h).
//
// Request pipeline (Impl::Handle): route (method + raw target + Host) ->
// verify SigV4 -> decode the body (payload hash / aws-chunked) -> fault
// injection -> operation (Dispatch) -> render (XML or a streamed slice of a
// shared body).

#include "mock/server_impl.h"

namespace s3ml::mock {

// The head as the client sent it: httplib's req.headers has URL-decoded values.
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

namespace {

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
  // A conditional write or delete is in progress from here (before any injected
  // fault, e.g. a delay) until it commits: a conflicting change meanwhile is its 409.
  std::optional<Store::ConditionalWindow> window;
  if (IsConditionalRequest(r, headers)) window.emplace(store.OpenConditionalWindow());

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
  // A browser POST upload is authenticated by its form's signed policy, which only
  // its handler can read (server_post.cc); its body is the form as sent.
  const bool form_upload = r.operation == op::kPostObject;
  auto auth = form_upload ? Expected<AuthInfo>(AuthInfo{}) : verifier.Verify(verify_input, SystemClock().Now() + skew);
  // An unsigned request runs where an ACL grants it to everyone (server_acl.cc).
  if (!auth.ok() && IsUnsignedRequest(headers, r) && AnonymousAllowed(r)) auth = AuthInfo{};
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
      if (fault->rule.kind == FaultRule::Kind::kSkewClock && !form_upload) {  // check the signature again at the skewed time
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
  auto payload = form_upload ? Expected<std::string>(std::move(req.body))
                             : verifier.DecodeBody(*auth, headers, std::move(req.body), &trailers);
  if (!payload.ok()) {
    if (payload.error().http_status == 403) CountOperation({}, true, false);
    return RenderError(payload.error(), r.Resource(), res, head, request_id, skew);
  }

  const bool read_only = req.method == "GET" || head || r.operation == op::kSelectObjectContent;
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

  Call call{r, headers, req.method, std::move(*payload), std::move(trailers), Now(), {}};
  if (window) call.window_start = window->start();
  auto reply = Dispatch(call);
  // Cross-origin requests get their bucket's Access-Control-* headers, errors included.
  std::vector<std::pair<std::string, std::string>> cors;
  AddCorsHeaders(r, headers, req.method, cors);
  if (!cors.empty()) {
    if (reply.ok()) {
      reply->headers.insert(reply->headers.end(), cors.begin(), cors.end());
    } else {
      S3Error e = reply.error();
      e.headers.insert(e.headers.end(), cors.begin(), cors.end());
      reply = std::move(e);
    }
  }
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

// ---- dispatch ----------------------------------------------------------------

namespace {

// The dispatch table: one row per operation name of mock/router.h (op::), in the
// order of the router's areas. Dispatch and IsImplementedOperation (which fault
// plans check operation names with) both read it, so a row is all an operation
// needs here.
struct Operation {
  const char* name;
  Expected<Reply> (MockS3Server::Impl::*handler)(Call&);
};

using Impl = MockS3Server::Impl;
constexpr Operation kOperations[] = {
    // server_buckets.cc, server_express.cc
    {op::kListBuckets, &Impl::ListBuckets},
    {op::kCreateBucket, &Impl::CreateBucket},
    {op::kCreateSession, &Impl::CreateSession},
    {op::kDeleteBucket, &Impl::DeleteBucket},
    {op::kHeadBucket, &Impl::HeadBucket},
    {op::kGetBucketLocation, &Impl::GetBucketLocation},
    // server_objects.cc
    {op::kPutObject, &Impl::PutObject},
    {op::kGetObject, &Impl::GetObject},
    {op::kHeadObject, &Impl::GetObject},  // the renderer drops HEAD bodies
    {op::kDeleteObject, &Impl::DeleteObject},
    {op::kDeleteObjects, &Impl::DeleteObjects},
    {op::kCopyObject, &Impl::CopyObject},
    {op::kListObjectsV2, &Impl::ListObjects},
    {op::kListObjects, &Impl::ListObjects},
    {op::kSelectObjectContent, &Impl::SelectObjectContent},
    // server_versioning.cc
    {op::kGetBucketVersioning, &Impl::GetBucketVersioning},
    {op::kPutBucketVersioning, &Impl::PutBucketVersioning},
    {op::kListObjectVersions, &Impl::ListObjectVersions},
    {op::kGetObjectTagging, &Impl::GetObjectTagging},
    {op::kPutObjectTagging, &Impl::PutObjectTagging},
    {op::kDeleteObjectTagging, &Impl::DeleteObjectTagging},
    // server_multipart.cc
    {op::kCreateMultipartUpload, &Impl::CreateMultipartUpload},
    {op::kUploadPart, &Impl::UploadPart},
    {op::kUploadPartCopy, &Impl::UploadPartCopy},
    {op::kCompleteMultipartUpload, &Impl::CompleteMultipartUpload},
    {op::kAbortMultipartUpload, &Impl::AbortMultipartUpload},
    {op::kListParts, &Impl::ListParts},
    {op::kListMultipartUploads, &Impl::ListMultipartUploads},
    // server_lifecycle.cc
    {op::kGetBucketLifecycleConfiguration, &Impl::GetBucketLifecycleConfiguration},
    {op::kPutBucketLifecycleConfiguration, &Impl::PutBucketLifecycleConfiguration},
    {op::kDeleteBucketLifecycle, &Impl::DeleteBucketLifecycleConfiguration},
    {op::kRestoreObject, &Impl::RestoreObject},

    // ACLs, public access, bucket settings, Object Lock (server_acl.cc, server_lock.cc)
    {op::kGetBucketAcl, &Impl::GetBucketAcl},
    {op::kPutBucketAcl, &Impl::PutBucketAcl},
    {op::kGetObjectAcl, &Impl::GetObjectAcl},
    {op::kPutObjectAcl, &Impl::PutObjectAcl},
    // server_bucket_config.cc
    {op::kGetBucketEncryption, &Impl::GetBucketEncryption},
    {op::kPutBucketEncryption, &Impl::PutBucketEncryption},
    {op::kDeleteBucketEncryption, &Impl::DeleteBucketEncryption},
    {op::kGetBucketTagging, &Impl::GetBucketTagging},
    {op::kPutBucketTagging, &Impl::PutBucketTagging},
    {op::kDeleteBucketTagging, &Impl::DeleteBucketTagging},
    {op::kGetBucketOwnershipControls, &Impl::GetBucketOwnershipControls},
    {op::kPutBucketOwnershipControls, &Impl::PutBucketOwnershipControls},
    {op::kDeleteBucketOwnershipControls, &Impl::DeleteBucketOwnershipControls},
    {op::kGetPublicAccessBlock, &Impl::GetPublicAccessBlock},
    {op::kPutPublicAccessBlock, &Impl::PutPublicAccessBlock},
    {op::kDeletePublicAccessBlock, &Impl::DeletePublicAccessBlock},
    {op::kGetBucketCors, &Impl::GetBucketCors},
    {op::kPutBucketCors, &Impl::PutBucketCors},
    {op::kDeleteBucketCors, &Impl::DeleteBucketCors},
    {op::kOptionsObject, &Impl::OptionsObject},

    // conditional writes, checksums, GetObjectAttributes

    // browser POST uploads, S3 Express append/rename, ListDirectoryBuckets
    {op::kPostObject, &Impl::PostObject},  // server_post.cc

};

const Operation* FindOperation(std::string_view name) {
  for (const Operation& o : kOperations)
    if (name == o.name) return &o;
  return nullptr;
}

}  // namespace

bool IsImplementedOperation(std::string_view name) { return FindOperation(name) != nullptr; }

Expected<Reply> MockS3Server::Impl::Dispatch(Call& c) {
  const std::string& name = c.r.operation;
  if (name.empty()) {
    return S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
        .With("Method", c.method)
        .With("ResourceType", "SERVICE")
        .WithHeader("Allow", "GET, HEAD");
  }
  if (const Operation* o = FindOperation(name)) return (this->*o->handler)(c);
  return NotImplemented(name);
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
