#pragma once
// Versioning and tagging requests -> HttpRequest, responses -> typed results.
// Pure functions, like ops/requests.h.

#include <string_view>

#include "common/http_types.h"
#include "ops/requests.h"
#include "s3ml/result.h"
#include "s3ml/tagging.h"
#include "s3ml/versioning.h"

namespace s3ml::ops {

HttpRequest BuildGetBucketVersioning(const Target& t, std::string_view bucket);
/// PUT ?versioning with a <VersioningConfiguration> body and its Content-MD5 (S3 requires it).
/// Errors: kInvalidArgument for kUnversioned (S3 has no such request).
Result<HttpRequest> BuildPutBucketVersioning(const Target& t, const PutBucketVersioningRequest& req);
/// GET ?versions with encoding-type=url (ParseListObjectVersions decodes).
/// Errors: kInvalidArgument for max_keys < 0, or a version-id marker without a key marker.
Result<HttpRequest> BuildListObjectVersions(const Target& t, const ListObjectVersionsRequest& req);

HttpRequest BuildGetObjectTagging(const Target& t, const GetObjectTaggingRequest& req);
/// PUT ?tagging with a <Tagging><TagSet> body and its Content-MD5.
/// Errors: kInvalidArgument for an empty tag key.
/// The <Tagging> body of PutObjectTagging and PutBucketTagging; InvalidArgument naming
/// `op` for a tag with an empty key.
Result<std::string> TaggingXml(const std::vector<Tag>& tags, std::string_view op);
/// The tags of a GetObjectTagging or GetBucketTagging answer; kProtocol naming `op`.
Result<std::vector<Tag>> ParseTagSet(const HttpResponse& resp, std::string_view op);

Result<HttpRequest> BuildPutObjectTagging(const Target& t, const PutObjectTaggingRequest& req);
HttpRequest BuildDeleteObjectTagging(const Target& t, const DeleteObjectTaggingRequest& req);

/// Errors: kProtocol for a body that is not a VersioningConfiguration or an unknown Status.
Result<GetBucketVersioningResult> ParseGetBucketVersioning(const HttpResponse& resp);
/// Errors: kProtocol for bad XML, undecodable url-encoded values, or a truncated page
/// without a NextKeyMarker.
Result<ListObjectVersionsResult> ParseListObjectVersions(const HttpResponse& resp);
/// Errors: kProtocol for bad XML or a <Tag> without a <Key>.
Result<GetObjectTaggingResult> ParseGetObjectTagging(const HttpResponse& resp);

}  // namespace s3ml::ops
