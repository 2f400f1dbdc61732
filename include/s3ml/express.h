#pragma once
/// \file S3 Express One Zone: directory buckets and CreateSession.
///
/// A directory bucket is named `<base>--<zone-id>--x-s3` (e.g.
/// `train--usw2-az1--x-s3`). The Client recognises such names and, unless
/// ClientOptions::disable_s3_express_session_auth is set, signs every zonal
/// (object-level) request to them with short-lived session credentials from
/// CreateSession (SigV4, service `s3express`, token in `x-amz-s3session-token`),
/// cached per bucket and refreshed a minute before they expire. Bucket-level
/// operations (CreateBucket, DeleteBucket) and CreateSession itself are signed
/// with the client's own credentials. See docs/s3-express.md.

#include <chrono>
#include <string>
#include <string_view>

#include "s3ml/credentials.h"

namespace s3ml {

/// What a session may do.
enum class SessionMode {
  kReadWrite,  ///< every zonal operation (the default, and what the client caches)
  kReadOnly,   ///< GetObject, HeadObject, ListObjectsV2, ListParts, ListMultipartUploads only
};

/// "ReadWrite" / "ReadOnly" (the x-amz-create-session-mode values).
const char* SessionModeName(SessionMode mode);

/// True when `bucket` ends with "--x-s3" (the directory-bucket suffix).
bool IsDirectoryBucket(std::string_view bucket);

/// The zone id of a directory bucket name ("usw2-az1" for "b--usw2-az1--x-s3"),
/// or empty when the name does not have the `<base>--<zone-id>--x-s3` form.
std::string DirectoryBucketZoneId(std::string_view bucket);

/// CreateSession: GET /?session on a directory bucket.
struct CreateSessionRequest {
  std::string bucket;  ///< a directory bucket
  SessionMode mode = SessionMode::kReadWrite;
};

/// The session's temporary credentials (valid for 5 minutes on S3).
struct CreateSessionResult {
  /// access key id, secret, session token and expiration; source = "s3express CreateSession".
  Credentials credentials;
  std::string server_side_encryption;  ///< x-amz-server-side-encryption, when sent
};

}  // namespace s3ml
