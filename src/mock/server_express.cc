// S3 Express One Zone in the mock: directory buckets (`<base>--<zone-id>--x-s3`),
// CreateSession, and the access rules for session credentials.
//
// What S3 Express does and the mock mirrors:
// - CreateSession (GET /?session) is signed with the account's own credentials and
//   returns an access key, secret and token valid for 5 minutes (of mock time).
// - Zonal (object-level) requests to a directory bucket are signed with a session's
//   credentials, service "s3express", and carry the token in x-amz-s3session-token
//   (X-Amz-S3session-Token in presigned URLs). HeadBucket and CopyObject may also be
//   signed with the account's credentials; other zonal requests may not.
// - Bucket-level (regional) operations use the account's credentials (the mock also
//   accepts the bucket's own session there: botocore sends that to custom endpoints).
// - Expired session: 400 ExpiredToken; a token that does not belong to the signing
//   session or that the server never issued: 400 InvalidToken.
// - Directory buckets have no versioning and no ListObjects v1 (501 NotImplemented).

#include "auth/signer.h"
#include "mock/server_impl.h"
#include "s3ml/express.h"

namespace s3ml::mock {

namespace {

bool IsControlOperation(const std::string& name) {
  return name == op::kListBuckets || name == "ListDirectoryBuckets" ||
         (name.find("Bucket") != std::string::npos && name != op::kHeadBucket);
}

bool IsReadOnlyOperation(const std::string& name) {
  return name == op::kGetObject || name == op::kHeadObject || name == op::kListObjectsV2 || name == op::kListParts ||
         name == op::kListMultipartUploads || name == op::kHeadBucket || name == "GetObjectAttributes";
}

std::string PresentedToken(const RoutedRequest& r, const Headers& headers) {
  if (const std::string* h = headers.Find(kS3SessionTokenHeader)) return *h;
  return r.Param(kS3SessionTokenQuery);
}

}  // namespace

MaybeError MockS3Server::Impl::CheckExpress(const RoutedRequest& r, const AuthInfo& auth, const Headers& headers,
                                            SystemTime now) {
  const bool directory = IsDirectoryBucket(r.bucket);
  if (directory && (r.operation == op::kPutBucketVersioning || r.operation == op::kGetBucketVersioning ||
                    r.operation == op::kListObjectVersions || r.operation == op::kListObjects)) {
    return S3Error(501, "NotImplemented",
                   "A header you provided implies functionality that is not implemented: " + r.operation +
                       " is not supported for directory buckets.");
  }
  if (!auth.verified) return std::nullopt;  // signature checks are off, or an anonymous request

  std::optional<ExpressSession> session;
  if (auth.access_key != options.access_key) session = express.Find(auth.access_key);
  if (!session) {
    if (!directory || r.operation == op::kCreateSession || r.operation == op::kHeadBucket ||
        r.operation == op::kCopyObject || IsControlOperation(r.operation))
      return std::nullopt;
    return AccessDenied("Access Denied: " + r.operation +
                        " on a directory bucket must be signed with session credentials from CreateSession "
                        "(service s3express, token in x-amz-s3session-token)");
  }

  const std::string token = PresentedToken(r, headers);
  if (token.empty())
    return AccessDenied("Access Denied: the request is signed with S3 Express session credentials but carries no "
                        "x-amz-s3session-token");
  if (token != session->token)
    return S3Error(400, "InvalidToken", "The provided token is malformed or otherwise invalid.");
  if (now >= session->expires)
    return S3Error(400, "ExpiredToken", "The provided token has expired.")
        .With("Token-0", token.substr(0, 16) + "...");
  if (auth.service != "s3express")
    return S3Error(400, "AuthorizationHeaderMalformed",
                   "The authorization header is malformed; S3 Express session credentials are valid for service "
                   "\"s3express\", not \"" + auth.service + "\".");
  if (r.bucket != session->bucket)
    return AccessDenied("Access Denied: the session was created for bucket " + session->bucket);
  // On AWS, bucket-level operations go to the regional endpoint with the account's keys;
  // botocore pointed at a custom endpoint signs them with the bucket's session instead,
  // so the mock accepts that for the session's own bucket. A session cannot make sessions.
  if (r.operation == op::kCreateSession)
    return AccessDenied("Access Denied: CreateSession must be signed with the account's credentials, not a session");
  if (session->mode == "ReadOnly" && !IsReadOnlyOperation(r.operation))
    return AccessDenied("Access Denied: " + r.operation + " needs a ReadWrite session");
  return std::nullopt;
}

Expected<Reply> MockS3Server::Impl::CreateSession(Call& c) {
  auto bucket = store.GetBucket(c.r.bucket);
  if (!bucket.ok()) return bucket.error();
  if (!IsDirectoryBucket(c.r.bucket))
    return InvalidRequest("CreateSession is supported for directory buckets only (names ending in --x-s3)");
  std::string mode = c.headers.Get("x-amz-create-session-mode");
  if (mode.empty()) mode = "ReadWrite";
  if (mode != "ReadWrite" && mode != "ReadOnly")
    return InvalidArgument("x-amz-create-session-mode must be ReadWrite or ReadOnly", "x-amz-create-session-mode",
                           mode);
  ExpressSession s = express.Create(c.r.bucket, mode, c.now);
  XmlWriter w("CreateSessionResult");
  auto creds = w.root().append_child("Credentials");
  AddText(creds, "SessionToken", s.token);
  AddText(creds, "SecretAccessKey", s.secret_key);
  AddText(creds, "AccessKeyId", s.access_key);
  AddText(creds, "Expiration", FormatIso8601(s.expires));
  Reply reply;
  reply.Header("x-amz-server-side-encryption", "AES256");
  reply.Xml(w.str());
  return reply;
}

Expected<Reply> MockS3Server::Impl::CreateDirectoryBucket(Call& c) {
  const std::string& name = c.r.bucket;
  const std::string zone = DirectoryBucketZoneId(name);
  if (zone.empty() || name.find('.') != std::string::npos || name.size() > 63)
    return S3Error(400, "InvalidBucketName",
                   "The specified bucket is not valid: directory bucket names have the form "
                   "<base-name>--<zone-id>--x-s3 with lowercase letters, digits and hyphens, at most 63 characters.")
        .With("BucketName", name);
  if (std::string why = BucketNameProblem(name); !why.empty())
    return S3Error(400, "InvalidBucketName", "The specified bucket is not valid: " + why + ".").With("BucketName", name);
  if (!c.payload.empty()) {
    pugi::xml_document doc;
    if (!doc.load_buffer(c.payload.data(), c.payload.size())) return MalformedXml();
    auto root = doc.child("CreateBucketConfiguration");
    if (!root) return MalformedXml();
    if (root.child("LocationConstraint"))
      return InvalidArgument("LocationConstraint is not valid for directory buckets; use Location", "LocationConstraint",
                             root.child("LocationConstraint").text().as_string());
    if (auto loc = root.child("Location")) {
      std::string type = loc.child("Type").text().as_string();
      std::string loc_name = loc.child("Name").text().as_string();
      if (!type.empty() && type != "AvailabilityZone" && type != "LocalZone")
        return InvalidArgument("Location Type must be AvailabilityZone or LocalZone", "Type", type);
      if (!loc_name.empty() && loc_name != zone)
        return InvalidArgument("The zone id in the bucket name (" + zone + ") does not match Location Name", "Name",
                               loc_name);
    }
    if (auto b = root.child("Bucket")) {
      std::string type = b.child("Type").text().as_string();
      if (!type.empty() && type != "Directory") return InvalidArgument("Bucket Type must be Directory", "Type", type);
    }
  }
  if (auto err = store.CreateBucket(name, options.region, WholeSeconds(c.now))) return *err;
  Reply reply;
  reply.Header("Location", "/" + name);
  return reply;
}

}  // namespace s3ml::mock
