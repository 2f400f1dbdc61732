#pragma once
// Bucket settings requests (default encryption, bucket tagging) -> HttpRequest,
// responses -> typed results. Pure functions, like ops/requests.h.

#include <vector>

#include "common/http_types.h"
#include "ops/requests.h"
#include "s3ml/result.h"
#include "s3ml/sse.h"
#include "s3ml/tagging.h"

namespace s3ml::ops {

/// GET/DELETE ?encryption.
HttpRequest BuildGetBucketEncryption(const Target& t, const std::string& bucket);
HttpRequest BuildDeleteBucketEncryption(const Target& t, const std::string& bucket);
/// PUT ?encryption with a <ServerSideEncryptionConfiguration> body and its Content-MD5.
/// Errors: kInvalidArgument for an empty algorithm or a KMS key id with "AES256".
Result<HttpRequest> BuildPutBucketEncryption(const Target& t, const PutBucketEncryptionRequest& req);
/// Errors: kProtocol for bad XML or a configuration without a rule or algorithm.
Result<BucketEncryption> ParseGetBucketEncryption(const HttpResponse& resp);

/// GET/DELETE ?tagging on a bucket.
HttpRequest BuildGetBucketTagging(const Target& t, const std::string& bucket);
HttpRequest BuildDeleteBucketTagging(const Target& t, const std::string& bucket);
/// PUT ?tagging with a <Tagging><TagSet> body and its Content-MD5.
/// Errors: kInvalidArgument for an empty tag key.
Result<HttpRequest> BuildPutBucketTagging(const Target& t, const PutBucketTaggingRequest& req);
/// Errors: kProtocol for bad XML or a <Tag> without a <Key>.
Result<std::vector<Tag>> ParseGetBucketTagging(const HttpResponse& resp);

}  // namespace s3ml::ops
