#pragma once
// Client::Impl: the state shared by copies of a Client, and the one path every
// operation takes (validate -> build -> sign per attempt -> retry loop -> parse).

#include <memory>
#include <optional>
#include <string>

#include "auth/express_session.h"
#include "auth/signer.h"
#include "common/http_types.h"
#include "common/time.h"
#include "ops/errors.h"
#include "ops/requests.h"
#include "s3ml/client.h"
#include "transport/http_client.h"
#include "transport/retry.h"

namespace s3ml {

class Environment;

/// The transport's share of ClientOptions (timeouts, TLS, pool size); the
/// User-Agent is "s3ml/<version>" followed by `user_agent_suffix` when set.
HttpClientOptions HttpClientOptionsFrom(const ClientOptions& options);

/// Seams for tests: everything a Client gets from the process unless given here.
struct ClientDependencies {
  /// The environment the default credentials chain reads (nullptr: the process's).
  std::shared_ptr<const Environment> environment;
  /// Transport (nullptr: a CurlHttpClient built from the options).
  std::shared_ptr<HttpClient> http;
  /// Time for signing and backoff (nullptr: the real clock and sleeper). Must outlive the client.
  Clock* clock = nullptr;
  Sleeper* sleeper = nullptr;
};

struct Client::Impl {
  /// Validates options, builds transport, retry loop and credentials provider.
  static Result<Client> Create(ClientOptions options, ClientDependencies deps = {});

  ClientOptions options;
  ops::Target target;
  std::string region;  // signing region
  std::string user_agent;
  std::shared_ptr<HttpClient> http;
  Clock* clock = nullptr;
  Sleeper* sleeper = nullptr;
  std::unique_ptr<RetryingExecutor> executor;
  std::shared_ptr<CredentialsProvider> credentials;  // null for anonymous requests
  SigV4Signer signer;

  // S3 Express One Zone (src/client/express.cc).
  SigV4Signer express_iam_signer{"s3express"};  // CreateSession and bucket-level ops: own credentials
  SigV4Signer express_session_signer{"s3express", SessionTokenKind::kS3ExpressSession};
  std::unique_ptr<ExpressSessionCache> express_sessions;  // null: session auth disabled or anonymous
  /// Sets up the session cache (called once by Create).
  void InitExpress();
  /// Execute for a request to a directory bucket: endpoint, service name and session.
  Result<HttpResponse> ExecuteExpress(HttpRequest req, ResponseSink* sink, const ops::ResponseTraits& traits,
                                      const std::string& resource, const std::string& bucket) const;
  /// Presign for a directory bucket (session token in X-Amz-S3session-Token).
  Result<std::string> PresignExpress(HttpRequest req, const std::string& bucket, SystemTime now,
                                     std::chrono::seconds expires) const;
  /// The CreateSession request itself (own credentials, service s3express).
  Result<CreateSessionResult> RunCreateSession(const CreateSessionRequest& req) const;
  /// Sends `req` signed by `with` (null: anonymous) with `creds`.
  Result<HttpResponse> Send(HttpRequest req, ResponseSink* sink, const ops::ResponseTraits& traits,
                            const std::string& resource, const SigV4Signer* with, const Credentials* creds) const;

  /// Signs (unless anonymous) and sends `req` through the retry loop, classifying
  /// responses per `traits`. Errors carry the operation and `resource`.
  /// `cancel` (the calling Client copy's token) goes with the request to the retry
  /// loop and the transport.
  Result<HttpResponse> Execute(const CancellationToken& cancel, HttpRequest req, ResponseSink* sink,
                               const ops::ResponseTraits& traits, const std::string& resource) const;

  /// The credentials for the next request (the provider caches and refreshes).
  Result<Credentials> ResolveCredentials() const;
};

/// Helpers every operation file uses (client.cc, multipart.cc, versioning.cc, ...).
namespace client_internal {

/// How operation `op`'s response is classified: the code for a body-less 404, and
/// whether a 200 may carry an <Error> body (CopyObject, CompleteMultipartUpload).
ops::ResponseTraits Traits(std::string op, std::string not_found = "NotFound", bool error_in_200 = false);
/// The same for a HEAD request (error responses carry no body).
ops::ResponseTraits HeadTraits(std::string op, std::string not_found);

/// Adds operation and resource unless an inner layer already did.
Status WithContextOnce(const Status& st, const std::string& op, const std::string& resource);
template <class T>
Result<T> WithContextOnce(Result<T> r, const std::string& op, const std::string& resource) {
  if (r.ok()) return r;
  return WithContextOnce(r.status(), op, resource);
}
/// "s3://bucket/key" for error messages; keys over 200 bytes are shortened.
std::string ObjectResource(const std::string& bucket, const std::string& key = {});
/// Client-side validation; errors name the operation and resource.
Status CheckBucket(const std::string& op, const std::string& bucket);
Status CheckObject(const std::string& op, const std::string& bucket, const std::string& key);
/// The x-amz-content-sha256 value for `req` under the payload signing mode.
Result<std::string> PayloadHash(const HttpRequest& req, PayloadSigning mode);

}  // namespace client_internal
}  // namespace s3ml
