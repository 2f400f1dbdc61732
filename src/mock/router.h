#pragma once
// Identifies the S3 operation of an HTTP request from its method, raw target
// and Host header.
//
// Addressing rule (virtual-hosted vs path-style): the Host header (port
// stripped, lower-cased) is compared with the server's *base domains*: the
// configured host, "localhost", and "<configured host>.nip.io" /
// "<configured host>.sslip.io" (wildcard DNS names that resolve to the IP in
// them), plus any extra domains configured. If Host is "<bucket>.<base>", the
// request is virtual-hosted and the whole path is the key. In every other
// case (Host equal to a base domain, an IP literal, or an unknown name) the
// request is path-style: the first path segment is the bucket.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mock/s3_error.h"

namespace s3ml::mock {

/// The operations the mock implements, by their AWS names: each name is defined here
/// once. Route() names a request's operation with them, the dispatch table
/// (kOperations in server.cc) maps each to its handler, and fault plans accept them.
/// Adding an operation: a name here, its route in router.cc, a row in kOperations.
namespace op {
inline constexpr char kListBuckets[] = "ListBuckets";
inline constexpr char kCreateBucket[] = "CreateBucket";
inline constexpr char kCreateSession[] = "CreateSession";
inline constexpr char kDeleteBucket[] = "DeleteBucket";
inline constexpr char kHeadBucket[] = "HeadBucket";
inline constexpr char kGetBucketLocation[] = "GetBucketLocation";
inline constexpr char kPutObject[] = "PutObject";
inline constexpr char kGetObject[] = "GetObject";
inline constexpr char kHeadObject[] = "HeadObject";
inline constexpr char kDeleteObject[] = "DeleteObject";
inline constexpr char kDeleteObjects[] = "DeleteObjects";
inline constexpr char kCopyObject[] = "CopyObject";
inline constexpr char kListObjectsV2[] = "ListObjectsV2";
inline constexpr char kListObjects[] = "ListObjects";
inline constexpr char kGetBucketVersioning[] = "GetBucketVersioning";
inline constexpr char kPutBucketVersioning[] = "PutBucketVersioning";
inline constexpr char kListObjectVersions[] = "ListObjectVersions";
inline constexpr char kGetObjectTagging[] = "GetObjectTagging";
inline constexpr char kPutObjectTagging[] = "PutObjectTagging";
inline constexpr char kDeleteObjectTagging[] = "DeleteObjectTagging";
inline constexpr char kCreateMultipartUpload[] = "CreateMultipartUpload";
inline constexpr char kUploadPart[] = "UploadPart";
inline constexpr char kUploadPartCopy[] = "UploadPartCopy";
inline constexpr char kCompleteMultipartUpload[] = "CompleteMultipartUpload";
inline constexpr char kAbortMultipartUpload[] = "AbortMultipartUpload";
inline constexpr char kListParts[] = "ListParts";
inline constexpr char kListMultipartUploads[] = "ListMultipartUploads";
inline constexpr char kGetBucketLifecycleConfiguration[] = "GetBucketLifecycleConfiguration";
inline constexpr char kPutBucketLifecycleConfiguration[] = "PutBucketLifecycleConfiguration";
inline constexpr char kDeleteBucketLifecycle[] = "DeleteBucketLifecycle";
inline constexpr char kRestoreObject[] = "RestoreObject";
inline constexpr char kSelectObjectContent[] = "SelectObjectContent";

// ACLs, public access, bucket settings (encryption, tagging, CORS, ownership), Object Lock
inline constexpr char kGetBucketAcl[] = "GetBucketAcl";
inline constexpr char kPutBucketAcl[] = "PutBucketAcl";
inline constexpr char kGetObjectAcl[] = "GetObjectAcl";
inline constexpr char kPutObjectAcl[] = "PutObjectAcl";
inline constexpr char kGetBucketEncryption[] = "GetBucketEncryption";
inline constexpr char kPutBucketEncryption[] = "PutBucketEncryption";
inline constexpr char kDeleteBucketEncryption[] = "DeleteBucketEncryption";
inline constexpr char kGetBucketTagging[] = "GetBucketTagging";
inline constexpr char kPutBucketTagging[] = "PutBucketTagging";
inline constexpr char kDeleteBucketTagging[] = "DeleteBucketTagging";
inline constexpr char kGetBucketOwnershipControls[] = "GetBucketOwnershipControls";
inline constexpr char kPutBucketOwnershipControls[] = "PutBucketOwnershipControls";
inline constexpr char kDeleteBucketOwnershipControls[] = "DeleteBucketOwnershipControls";
inline constexpr char kGetPublicAccessBlock[] = "GetPublicAccessBlock";
inline constexpr char kPutPublicAccessBlock[] = "PutPublicAccessBlock";
inline constexpr char kDeletePublicAccessBlock[] = "DeletePublicAccessBlock";
inline constexpr char kGetBucketCors[] = "GetBucketCors";
inline constexpr char kPutBucketCors[] = "PutBucketCors";
inline constexpr char kDeleteBucketCors[] = "DeleteBucketCors";
inline constexpr char kOptionsObject[] = "OptionsObject";  ///< the CORS preflight (OPTIONS)

// conditional writes, checksums, GetObjectAttributes

// browser POST uploads, S3 Express append/rename, ListDirectoryBuckets
inline constexpr char kPostObject[] = "PostObject";

// listing and bucket operations
}  // namespace op

/// True when `name` is one of the op:: names, i.e. a key of the dispatch table
/// (defined with the table, in server.cc).
bool IsImplementedOperation(std::string_view name);

struct RoutedRequest {
  std::string operation;  ///< AWS name: "GetObject", "ListObjectsV2", ...
  std::string bucket;     ///< decoded; empty for ListBuckets
  std::string key;        ///< decoded; empty for bucket operations
  bool virtual_hosted = false;
  std::string raw_path;   ///< as received (the SigV4 canonical URI)
  std::string raw_query;  ///< as received, without '?'
  /// Decoded query parameters in the order received (names keep their case).
  std::vector<std::pair<std::string, std::string>> query;

  bool HasParam(const std::string& name) const;
  /// First value of `name`, or `def`.
  std::string Param(const std::string& name, const std::string& def = {}) const;
  /// "/bucket/key" for error Resource elements.
  std::string Resource() const;
};

/// Splits and decodes a raw query string ("a=1&b&c=x%20y").
Expected<std::vector<std::pair<std::string, std::string>>> ParseQuery(const std::string& raw_query);

/// Strips the port from a Host header value and lower-cases it (handles [v6]:port).
std::string HostWithoutPort(const std::string& host_header);

/// Routes one request. `has_copy_source` tells PUT object CopyObject from PutObject.
/// Errors: InvalidURI (400) for undecodable paths/queries.
Expected<RoutedRequest> Route(const std::string& method, const std::string& target, const std::string& host_header,
                              bool has_copy_source, const std::vector<std::string>& base_domains);

}  // namespace s3ml::mock
