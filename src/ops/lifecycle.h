#pragma once
// Lifecycle configuration and RestoreObject requests -> HttpRequest, responses ->
// typed results. Pure functions, like ops/requests.h.

#include <string_view>

#include "common/http_types.h"
#include "ops/requests.h"
#include "s3ml/lifecycle.h"
#include "s3ml/result.h"

namespace s3ml::ops {

HttpRequest BuildGetBucketLifecycleConfiguration(const Target& t, std::string_view bucket);
/// PUT ?lifecycle with a <LifecycleConfiguration> body and its Content-MD5 (S3
/// requires an integrity header). Errors: kInvalidArgument from ValidateLifecycleRules.
Result<HttpRequest> BuildPutBucketLifecycleConfiguration(const Target& t,
                                                         const PutBucketLifecycleConfigurationRequest& req);
HttpRequest BuildDeleteBucketLifecycle(const Target& t, std::string_view bucket);
/// POST ?restore with a <RestoreRequest>. Errors: kInvalidArgument for days < 1.
Result<HttpRequest> BuildRestoreObject(const Target& t, const RestoreObjectRequest& req);

/// The <LifecycleConfiguration> document for `rules` (no validation).
std::string LifecycleConfigurationXml(const std::vector<LifecycleRule>& rules);
/// Errors: kProtocol for bad XML, a wrong root, non-numeric numbers, bad dates or an
/// unknown Status.
Result<GetBucketLifecycleConfigurationResult> ParseGetBucketLifecycleConfiguration(const HttpResponse& resp);

}  // namespace s3ml::ops
