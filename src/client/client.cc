// The Client facade: every S3 operation takes the same path through Impl::Execute.

#include "s3ml/client.h"

#include <unistd.h>

#include "client/client_impl.h"
#include "client/credentials_chain.h"
#include "client/checksum_sink.h"
#include "client/sinks.h"
#include "common/crypto.h"
#include "common/logging.h"
#include "ops/integrity.h"
#include "ops/express.h"
#include "s3ml/version.h"
#include "transport/curl_http_client.h"

namespace s3ml {

namespace {

std::string ToUpper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

}  // namespace

namespace client_internal {

ops::ResponseTraits Traits(std::string op, std::string not_found, bool error_in_200) {
  ops::ResponseTraits t;
  t.operation = std::move(op);
  t.not_found_code = std::move(not_found);
  t.error_in_200 = error_in_200;
  return t;
}

ops::ResponseTraits HeadTraits(std::string op, std::string not_found) {
  ops::ResponseTraits t = Traits(std::move(op), std::move(not_found));
  t.is_head = true;
  return t;
}

Status WithContextOnce(const Status& st, const std::string& op, const std::string& resource) {
  if (st.ok() || !st.operation().empty()) return st;
  return st.WithContext(op, resource);
}
std::string ObjectResource(const std::string& bucket, const std::string& key) {
  return ops::ResourceName(bucket, key.size() > 200 ? key.substr(0, 200) + "..." : key);
}
Status CheckBucket(const std::string& op, const std::string& bucket) {
  return WithContextOnce(ValidateBucketName(bucket), op, ObjectResource(bucket));
}
Status CheckObject(const std::string& op, const std::string& bucket, const std::string& key) {
  std::string res = ObjectResource(bucket, key);
  S3ML_RETURN_IF_ERROR(WithContextOnce(ValidateBucketName(bucket), op, res));
  return WithContextOnce(ValidateObjectKey(key), op, res);
}

}  // namespace client_internal

using namespace client_internal;  // NOLINT: this file's own helpers

// ---- Impl -------------------------------------------------------------------------

Result<Client> Client::Impl::Create(ClientOptions options, ClientDependencies deps) {
  S3ML_RETURN_IF_ERROR(options.Validate());
  auto impl = std::make_shared<Impl>();
  impl->region = options.region.empty() ? "us-east-1" : options.region;
  std::string url = options.endpoint_url.empty() ? "https://s3." + impl->region + ".amazonaws.com" : options.endpoint_url;
  S3ML_ASSIGN_OR_RETURN(impl->target.endpoint, ParseEndpoint(url));
  impl->target.addressing = options.addressing;
  impl->target.checksum_calculation = options.request_checksum_calculation;
  impl->target.default_checksum_algorithm = options.default_checksum_algorithm;
  impl->target.payload_signing = options.payload_signing;
  impl->target.allow_sse_c_over_http = options.allow_sse_c_over_http;
  HttpClientOptions h = HttpClientOptionsFrom(options);
  impl->user_agent = h.user_agent;

  if (deps.http) {
    impl->http = std::move(deps.http);
  } else {
    S3ML_ASSIGN_OR_RETURN(auto curl, CurlHttpClient::Create(std::move(h)));
    impl->http = std::move(curl);
  }
  impl->clock = deps.clock ? deps.clock : &SystemClock();
  impl->sleeper = deps.sleeper ? deps.sleeper : &RealSleeper();
  impl->executor = std::make_unique<RetryingExecutor>(impl->http, options.retry, *impl->clock, *impl->sleeper);

  if (options.no_sign_request) {
    impl->credentials = nullptr;
  } else if (options.credentials_provider) {
    impl->credentials = options.credentials_provider;
  } else if (options.credentials) {
    impl->credentials = MakeStaticCredentialsProvider(*options.credentials);  // explicit keys win over every source
  } else {
    // The chain is built now but resolves nothing until the first request.
    S3ML_ASSIGN_OR_RETURN(impl->credentials, MakeClientCredentialsProvider(options, deps.environment, deps.clock));
  }
  CancellationToken cancel = options.cancel;
  impl->options = std::move(options);
  impl->InitExpress();
  return Client(std::move(impl), std::move(cancel));
}

Result<Credentials> Client::Impl::ResolveCredentials() const {
  auto c = credentials->GetCredentials();
  if (!c.ok()) {
    if (c.status().category() == ErrorCategory::kCredentials) return c.status();
    return Status(ErrorCategory::kCredentials, "cannot load credentials from " + credentials->Name() + ": " +
                                                   c.status().ToString());
  }
  if (c->empty())
    return Status(ErrorCategory::kCredentials,
                  "the credentials provider '" + credentials->Name() + "' returned an empty access key or secret");
  return c;
}

namespace client_internal {

// The x-amz-content-sha256 value for a request under the configured payload signing mode.
Result<std::string> PayloadHash(const HttpRequest& req, PayloadSigning mode) {
  // A builder that chose the payload framing (aws-chunked trailers) names it itself.
  if (const std::string* preset = req.headers.Find("x-amz-content-sha256")) return *preset;
  if (!req.body || req.body->size() == 0) return std::string(kEmptySha256Hex);
  if (mode == PayloadSigning::kUnsigned) return std::string(kUnsignedPayload);
  if (auto whole = req.body->Contiguous()) return HexEncode(Sha256(*whole));
  // Files and streams: unsigned over TLS (no second pass), hashed in a pre-pass over plain http.
  if (mode == PayloadSigning::kAuto && req.scheme == "https") return std::string(kUnsignedPayload);
  Hasher sha(Hasher::Kind::kSha256);
  S3ML_RETURN_IF_ERROR(ops::HashBody(*req.body, &sha, nullptr));
  return HexEncode(sha.Final());
}

}  // namespace client_internal

Result<HttpResponse> Client::Impl::Execute(const CancellationToken& cancel, HttpRequest req, ResponseSink* sink,
                                           const ops::ResponseTraits& traits, const std::string& resource) const {
  req.cancel = cancel;
  if (credentials) {  // directory buckets: S3 Express endpoints, service and sessions (express.cc)
    if (std::string b = ops::BucketOfRequest(target, req); IsDirectoryBucket(b))
      return ExecuteExpress(std::move(req), sink, traits, resource, b);
  }
  RequestContext ctx;
  ctx.operation = traits.operation;
  ctx.resource = resource;
  auto idempotent = ops::IdempotencyOf(traits.operation);
  if (!idempotent.ok()) return idempotent.status().WithContext(traits.operation, resource);
  ctx.idempotent = *idempotent && !ops::IsConditionalWrite(req);
  SignFn sign;
  if (credentials) {
    auto creds = ResolveCredentials();
    if (!creds.ok()) return creds.status().WithContext(traits.operation, resource);
    auto hash = PayloadHash(req, options.payload_signing);
    if (!hash.ok()) return hash.status().WithContext(traits.operation, resource);
    sign = [this, c = std::move(*creds), h = std::move(*hash)](HttpRequest& r, SystemTime now) {
      return signer.SignHeaders(r, c, region, now, h);
    };
  }
  auto resp = executor->Execute(req, sink, ctx, sign, ops::MakeClassifier(traits));
  if (!resp.ok()) return WithContextOnce(resp.status(), traits.operation, resource);
  return resp;
}

// ---- Client -----------------------------------------------------------------------

Result<Client> Client::Create(ClientOptions options) { return Impl::Create(std::move(options)); }

const ClientOptions& Client::options() const { return impl_->options; }

Client Client::WithCancellation(CancellationToken token) const { return Client(impl_, std::move(token)); }

Result<ListBucketsResult> Client::ListBuckets() const {
  auto resp = impl_->Execute(cancel_, ops::BuildListBuckets(impl_->target), nullptr, Traits("ListBuckets"), "");
  if (!resp.ok()) return resp.status();
  return WithContextOnce(ops::ParseListBuckets(*resp), "ListBuckets", "");
}

Result<CreateBucketResult> Client::CreateBucket(const CreateBucketRequest& req) const {
  S3ML_RETURN_IF_ERROR(CheckBucket("CreateBucket", req.bucket));
  auto resp = impl_->Execute(cancel_, ops::BuildCreateBucket(impl_->target, req), nullptr, Traits("CreateBucket"),
                             ops::ResourceName(req.bucket));
  if (!resp.ok()) return resp.status();
  return ops::ParseCreateBucket(*resp);
}

Status Client::DeleteBucket(const std::string& bucket) const {
  S3ML_RETURN_IF_ERROR(CheckBucket("DeleteBucket", bucket));
  auto resp = impl_->Execute(cancel_, ops::BuildDeleteBucket(impl_->target, bucket), nullptr,
                             Traits("DeleteBucket", "NoSuchBucket"), ops::ResourceName(bucket));
  return resp.ok() ? Status::Ok() : resp.status();
}

Result<HeadBucketResult> Client::HeadBucket(const std::string& bucket) const {
  S3ML_RETURN_IF_ERROR(CheckBucket("HeadBucket", bucket));
  auto resp = impl_->Execute(cancel_, ops::BuildHeadBucket(impl_->target, bucket), nullptr,
                             HeadTraits("HeadBucket", "NoSuchBucket"), ops::ResourceName(bucket));
  if (!resp.ok()) return resp.status();
  return ops::ParseHeadBucket(*resp);
}

Result<std::string> Client::GetBucketLocation(const std::string& bucket) const {
  S3ML_RETURN_IF_ERROR(CheckBucket("GetBucketLocation", bucket));
  std::string res = ops::ResourceName(bucket);
  auto resp = impl_->Execute(cancel_, ops::BuildGetBucketLocation(impl_->target, bucket), nullptr,
                             Traits("GetBucketLocation", "NoSuchBucket"), res);
  if (!resp.ok()) return resp.status();
  return WithContextOnce(ops::ParseGetBucketLocation(*resp), "GetBucketLocation", res);
}

Result<PutObjectResult> Client::PutObject(const PutObjectRequest& req) const {
  S3ML_RETURN_IF_ERROR(CheckObject("PutObject", req.bucket, req.key));
  std::string res = ops::ResourceName(req.bucket, req.key);
  auto http = ops::BuildPutObject(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), "PutObject", res);
  const ops::AppliedChecksum applied = ops::AppliedChecksumOf(*http);
  auto resp = impl_->Execute(cancel_, std::move(*http), nullptr, Traits("PutObject", "NoSuchBucket"), res);
  if (!resp.ok()) return resp.status();
  PutObjectResult out = ops::ParsePutObject(*resp);
  S3ML_RETURN_IF_ERROR(WithContextOnce(ops::RecordSentChecksum(applied, resp->headers, &out.checksum_crc32,
                                                               &out.checksum_crc32c, &out.checksum_sha1,
                                                               &out.checksum_sha256, "PutObject"),
                                       "PutObject", res));
  return out;
}

namespace {

Result<GetObjectResult> FinishGet(const Result<HttpResponse>& resp, const std::string& res) {
  if (!resp.ok()) return resp.status();
  auto md = ops::ParseObjectMetadata(resp->status, resp->headers);
  if (!md.ok()) return WithContextOnce(md.status(), "GetObject", res);
  GetObjectResult out;
  out.info = std::move(*md);
  out.attempts = resp->attempts;
  return out;
}

}  // namespace

Result<GetObjectResult> Client::GetObject(const GetObjectRequest& req) const {
  S3ML_RETURN_IF_ERROR(CheckObject("GetObject", req.bucket, req.key));
  std::string res = ops::ResourceName(req.bucket, req.key);
  auto http = ops::BuildGetObject(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), "GetObject", res);
  Buffer body;
  BufferSink inner(body, req.range.has_value());
  ChecksumVerifyingSink sink(inner, req.checksum_mode);
  auto resp = impl_->Execute(cancel_, std::move(*http), &sink, Traits("GetObject", "NoSuchKey"), res);
  auto out = FinishGet(resp, res);
  if (!out.ok()) return out;
  out->body = std::move(body);
  return out;
}

Result<GetObjectResult> Client::GetObjectToFile(const GetObjectRequest& req, const std::string& path) const {
  S3ML_RETURN_IF_ERROR(CheckObject("GetObject", req.bucket, req.key));
  std::string res = ops::ResourceName(req.bucket, req.key);
  if (path.empty()) return Status::InvalidArgument("no destination path given").WithContext("GetObject", res);
  auto http = ops::BuildGetObject(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), "GetObject", res);
  FileSink sink(path, req.range.has_value());
  S3ML_RETURN_IF_ERROR(WithContextOnce(sink.Open(), "GetObject", res));
  ChecksumVerifyingSink verifier(sink, req.checksum_mode);
  auto resp = impl_->Execute(cancel_, std::move(*http), &verifier, Traits("GetObject", "NoSuchKey"), res);
  auto out = FinishGet(resp, res);
  if (!out.ok()) return out;  // ~FileSink removes the temporary
  S3ML_RETURN_IF_ERROR(WithContextOnce(sink.Commit(), "GetObject", res));
  return out;
}

Result<GetObjectResult> Client::GetObject(const GetObjectRequest& req, const DataCallback& on_data) const {
  S3ML_RETURN_IF_ERROR(CheckObject("GetObject", req.bucket, req.key));
  std::string res = ops::ResourceName(req.bucket, req.key);
  if (!on_data) return Status::InvalidArgument("the data callback is empty").WithContext("GetObject", res);
  auto http = ops::BuildGetObject(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), "GetObject", res);
  CallbackSink inner(on_data, req.range.has_value());
  ChecksumVerifyingSink sink(inner, req.checksum_mode);
  auto resp = impl_->Execute(cancel_, std::move(*http), &sink, Traits("GetObject", "NoSuchKey"), res);
  return FinishGet(resp, res);
}

Result<GetObjectResult> Client::GetObjectAt(const GetObjectRequest& req, const OffsetDataCallback& on_data) const {
  S3ML_RETURN_IF_ERROR(CheckObject("GetObject", req.bucket, req.key));
  std::string res = ops::ResourceName(req.bucket, req.key);
  if (!on_data) return Status::InvalidArgument("the data callback is empty").WithContext("GetObject", res);
  auto http = ops::BuildGetObject(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), "GetObject", res);
  OffsetCallbackSink inner(on_data, req.range.has_value());
  ChecksumVerifyingSink sink(inner, req.checksum_mode);
  auto resp = impl_->Execute(cancel_, std::move(*http), &sink, Traits("GetObject", "NoSuchKey"), res);
  return FinishGet(resp, res);
}

Result<ObjectMetadata> Client::HeadObject(const HeadObjectRequest& req) const {
  S3ML_RETURN_IF_ERROR(CheckObject("HeadObject", req.bucket, req.key));
  std::string res = ops::ResourceName(req.bucket, req.key);
  auto http = ops::BuildHeadObject(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), "HeadObject", res);
  auto resp = impl_->Execute(cancel_, std::move(*http), nullptr, HeadTraits("HeadObject", "NoSuchKey"), res);
  if (!resp.ok()) return resp.status();
  return WithContextOnce(ops::ParseObjectMetadata(resp->status, resp->headers), "HeadObject", res);
}

Result<DeleteObjectResult> Client::DeleteObject(const DeleteObjectRequest& req) const {
  S3ML_RETURN_IF_ERROR(CheckObject("DeleteObject", req.bucket, req.key));
  std::string res = ops::ResourceName(req.bucket, req.key);
  auto http = ops::BuildDeleteObject(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), "DeleteObject", res);
  auto resp = impl_->Execute(cancel_, std::move(*http), nullptr, Traits("DeleteObject", "NoSuchBucket"), res);
  if (!resp.ok()) return resp.status();
  return ops::ParseDeleteObject(*resp);
}

Result<DeleteObjectsResult> Client::DeleteObjects(const DeleteObjectsRequest& req) const {
  S3ML_RETURN_IF_ERROR(CheckBucket("DeleteObjects", req.bucket));
  std::string res = ops::ResourceName(req.bucket);
  for (const auto& o : req.objects) {
    Status st = ValidateObjectKey(o.key);
    if (!st.ok()) return st.WithContext("DeleteObjects", ops::ResourceName(req.bucket, o.key.substr(0, 200)));
  }
  auto http = ops::BuildDeleteObjects(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), "DeleteObjects", res);
  auto resp = impl_->Execute(cancel_, std::move(*http), nullptr, Traits("DeleteObjects", "NoSuchBucket"), res);
  if (!resp.ok()) return resp.status();
  return WithContextOnce(ops::ParseDeleteObjects(*resp), "DeleteObjects", res);
}

Result<CopyObjectResult> Client::CopyObject(const CopyObjectRequest& req) const {
  std::string res = ops::ResourceName(req.bucket, req.key);
  S3ML_RETURN_IF_ERROR(CheckObject("CopyObject", req.source_bucket, req.source_key));
  S3ML_RETURN_IF_ERROR(CheckObject("CopyObject", req.bucket, req.key));
  auto http = ops::BuildCopyObject(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), "CopyObject", res);
  auto resp = impl_->Execute(cancel_, std::move(*http), nullptr, Traits("CopyObject", "NoSuchKey", true), res);
  if (!resp.ok()) return resp.status();
  return WithContextOnce(ops::ParseCopyObject(*resp), "CopyObject", res);
}

Result<ListObjectsV2Result> Client::ListObjectsV2(const ListObjectsV2Request& req) const {
  S3ML_RETURN_IF_ERROR(CheckBucket("ListObjectsV2", req.bucket));
  std::string res = ops::ResourceName(req.bucket);
  if (!req.prefix.empty()) res += "/" + req.prefix;
  auto http = ops::BuildListObjectsV2(impl_->target, req);
  if (!http.ok()) return WithContextOnce(http.status(), "ListObjectsV2", res);
  auto resp = impl_->Execute(cancel_, std::move(*http), nullptr, Traits("ListObjectsV2", "NoSuchBucket"), res);
  if (!resp.ok()) return resp.status();
  return WithContextOnce(ops::ParseListObjectsV2(*resp), "ListObjectsV2", res);
}

ListObjectsV2Paginator Client::ListObjectsV2Pages(ListObjectsV2Request req) const {
  return ListObjectsV2Paginator(*this, std::move(req));
}

Result<std::string> Client::Presign(const std::string& method, const std::string& bucket, const std::string& key,
                                    std::chrono::seconds expires) const {
  std::string m = ToUpper(method);
  std::string res = ops::ResourceName(bucket, key);
  if (m != "GET" && m != "PUT" && m != "HEAD" && m != "DELETE")
    return Status::InvalidArgument("cannot presign method '" + method + "' (GET, PUT, HEAD or DELETE)")
        .WithContext("Presign", res);
  S3ML_RETURN_IF_ERROR(CheckObject("Presign", bucket, key));
  if (expires.count() < 1 || expires.count() > 604800)
    return Status::InvalidArgument("expiry must be 1 second to 7 days (604800 s), got " +
                                   std::to_string(expires.count()) + " s")
        .WithContext("Presign", res);
  HttpRequest req = ops::NewRequest(impl_->target, m, bucket, key);
  if (!impl_->credentials) return req.Url();  // anonymous: the plain URL is all there is
  auto creds = impl_->ResolveCredentials();
  if (!creds.ok()) return creds.status().WithContext("Presign", res);
  SystemTime now = impl_->clock->Now() + impl_->executor->clock_offset();
  if (IsDirectoryBucket(bucket))
    return WithContextOnce(impl_->PresignExpress(std::move(req), bucket, now, expires), "Presign", res);
  S3ML_RETURN_IF_ERROR(WithContextOnce(impl_->signer.Presign(req, *creds, impl_->region, now, expires), "Presign", res));
  return req.Url();
}

}  // namespace s3ml
