#pragma once
// S3 Express One Zone requests: CreateSession, directory-bucket endpoints, and
// which operations use session credentials.

#include <string>
#include <string_view>

#include "common/http_types.h"
#include "ops/requests.h"
#include "s3ml/express.h"
#include "s3ml/result.h"

namespace s3ml::ops {

/// GET /?session on the bucket, with x-amz-create-session-mode.
HttpRequest BuildCreateSession(const Target& t, const CreateSessionRequest& req);
/// <CreateSessionResult><Credentials>{SessionToken, SecretAccessKey, AccessKeyId, Expiration}.
/// Errors: kProtocol for malformed XML or missing credentials.
Result<CreateSessionResult> ParseCreateSession(const HttpResponse& resp);

/// The bucket a request built by NewRequest(t, ...) addresses ("" for none): the
/// Host prefix for virtual-hosted requests, else the first path segment.
std::string BucketOfRequest(const Target& t, const HttpRequest& req);

/// Adds the directory-bucket CreateBucketConfiguration body (Location: the zone of the
/// name, Type AvailabilityZone; Bucket: SingleAvailabilityZone, Directory) to a
/// CreateBucket request that has no body.
void AddDirectoryBucketConfiguration(HttpRequest& req, const std::string& bucket);

/// Regional (bucket-level, "control plane") operations of directory buckets: signed
/// with the client's own credentials, never with a session.
bool IsExpressControlOperation(std::string_view operation);

/// True when `t` is the standard AWS S3 endpoint of `region` (s3.<region>.amazonaws.com
/// or s3.amazonaws.com): directory-bucket requests then go to the S3 Express endpoints.
bool IsDefaultAwsEndpoint(const Target& t, const std::string& region);

/// Rewrites a request for a directory bucket to S3 Express's AWS endpoints:
/// zonal operations to https://<bucket>.s3express-<zone>.<region>.amazonaws.com/<key>
/// (virtual-hosted), control operations to https://s3express-control.<region>.amazonaws.com/<bucket>
/// (path-style). The query, headers and body are kept.
void ApplyExpressAwsEndpoint(HttpRequest& req, const Target& t, const std::string& bucket,
                             const std::string& region, bool control);

}  // namespace s3ml::ops
