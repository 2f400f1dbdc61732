// S3 Express One Zone in the client: directory-bucket requests get the S3 Express
// endpoint (on AWS), the "s3express" signing service and, for zonal operations,
// session credentials from a per-client cache of CreateSession results.

#include "auth/express_session.h"
#include "client/client_impl.h"
#include "ops/express.h"

namespace s3ml {

using namespace client_internal;  // NOLINT: the client's shared helpers

namespace {

// Answers that mean "this session is no good": drop it and try once with a new one.
bool IsRejectedSession(const Status& st) {
  return st.category() == ErrorCategory::kService && (st.code() == "ExpiredToken" || st.code() == "InvalidToken");
}

}  // namespace

void Client::Impl::InitExpress() {
  if (!credentials || options.disable_s3_express_session_auth) return;
  // The cache calls back into this Impl, which owns it: the pointer cannot dangle.
  express_sessions = std::make_unique<ExpressSessionCache>(
      [this](const std::string& bucket, const std::string& mode) -> Result<Credentials> {
        CreateSessionRequest req;
        req.bucket = bucket;
        req.mode = mode == "ReadOnly" ? SessionMode::kReadOnly : SessionMode::kReadWrite;
        S3ML_ASSIGN_OR_RETURN(CreateSessionResult r, RunCreateSession(req));
        return std::move(r.credentials);
      },
      *clock);
}

Result<HttpResponse> Client::Impl::Send(HttpRequest req, ResponseSink* sink, const ops::ResponseTraits& traits,
                                        const std::string& resource, const SigV4Signer* with,
                                        const Credentials* creds) const {
  RequestContext ctx;
  ctx.operation = traits.operation;
  ctx.resource = resource;
  auto idempotent = ops::IdempotencyOf(traits.operation);
  if (!idempotent.ok()) return idempotent.status().WithContext(traits.operation, resource);
  ctx.idempotent = *idempotent && !ops::IsConditionalWrite(req);
  SignFn sign;
  if (with && creds) {
    auto hash = PayloadHash(req, options.payload_signing);
    if (!hash.ok()) return hash.status().WithContext(traits.operation, resource);
    sign = [this, with, c = *creds, h = std::move(*hash)](HttpRequest& r, SystemTime now) {
      return with->SignHeaders(r, c, region, now, h);
    };
  }
  auto resp = executor->Execute(req, sink, ctx, sign, ops::MakeClassifier(traits));
  if (!resp.ok()) return WithContextOnce(resp.status(), traits.operation, resource);
  return resp;
}

Result<CreateSessionResult> Client::Impl::RunCreateSession(const CreateSessionRequest& req) const {
  const std::string res = ops::ResourceName(req.bucket);
  HttpRequest http = ops::BuildCreateSession(target, req);
  if (ops::IsDefaultAwsEndpoint(target, region)) ops::ApplyExpressAwsEndpoint(http, target, req.bucket, region, false);
  auto creds = ResolveCredentials();
  if (!creds.ok()) return creds.status().WithContext("CreateSession", res);
  auto resp = Send(std::move(http), nullptr, Traits("CreateSession", "NoSuchBucket"), res, &express_iam_signer, &*creds);
  if (!resp.ok()) return resp.status();
  return WithContextOnce(ops::ParseCreateSession(*resp), "CreateSession", res);
}

Result<HttpResponse> Client::Impl::ExecuteExpress(HttpRequest req, ResponseSink* sink,
                                                  const ops::ResponseTraits& traits, const std::string& resource,
                                                  const std::string& bucket) const {
  const bool control = ops::IsExpressControlOperation(traits.operation);
  if (traits.operation == "CreateBucket") ops::AddDirectoryBucketConfiguration(req, bucket);
  if (ops::IsDefaultAwsEndpoint(target, region)) ops::ApplyExpressAwsEndpoint(req, target, bucket, region, control);

  if (control || !express_sessions) {
    // Bucket-level operations, or session auth turned off: the client's own credentials.
    auto creds = ResolveCredentials();
    if (!creds.ok()) return creds.status().WithContext(traits.operation, resource);
    return Send(std::move(req), sink, traits, resource, &express_iam_signer, &*creds);
  }

  const std::string mode = SessionModeName(SessionMode::kReadWrite);
  for (int attempt = 0;; ++attempt) {
    auto session = express_sessions->Get(bucket, mode);
    if (!session.ok()) return WithContextOnce(session.status(), traits.operation, resource);
    auto resp = Send(req, sink, traits, resource, &express_session_signer, &*session);
    if (resp.ok() || attempt > 0 || !IsRejectedSession(resp.status())) return resp;
    // The server no longer honours this session (expired early, or the server restarted):
    // forget it (unless another thread already replaced it) and try once with a new one.
    express_sessions->Invalidate(bucket, mode, session->session_token);
  }
}

Result<std::string> Client::Impl::PresignExpress(HttpRequest req, const std::string& bucket, SystemTime now,
                                                 std::chrono::seconds expires) const {
  if (ops::IsDefaultAwsEndpoint(target, region)) ops::ApplyExpressAwsEndpoint(req, target, bucket, region, false);
  if (!express_sessions) {
    S3ML_ASSIGN_OR_RETURN(Credentials creds, ResolveCredentials());
    S3ML_RETURN_IF_ERROR(express_iam_signer.Presign(req, creds, region, now, expires));
    return req.Url();
  }
  S3ML_ASSIGN_OR_RETURN(Credentials session, express_sessions->Get(bucket, SessionModeName(SessionMode::kReadWrite)));
  // A URL signed with session credentials stops working when the session does (5 minutes
  // on S3), whatever X-Amz-Expires says; S3 Express rejects it then with ExpiredToken.
  S3ML_RETURN_IF_ERROR(express_session_signer.Presign(req, session, region, now, expires));
  return req.Url();
}

Result<CreateSessionResult> Client::CreateSession(const CreateSessionRequest& req) const {
  S3ML_RETURN_IF_ERROR(CheckBucket("CreateSession", req.bucket));
  if (!IsDirectoryBucket(req.bucket))
    return Status::InvalidArgument("CreateSession works on directory buckets only (names ending in --x-s3)")
        .WithContext("CreateSession", ops::ResourceName(req.bucket));
  if (!impl_->credentials)
    return Status(ErrorCategory::kCredentials, "CreateSession needs credentials; the client makes anonymous requests")
        .WithContext("CreateSession", ops::ResourceName(req.bucket));
  return impl_->RunCreateSession(req);
}

}  // namespace s3ml
