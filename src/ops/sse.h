#pragma once
// Server-side encryption headers: ServerSideEncryption -> x-amz-server-side-encryption*
// request headers (validated), and response headers -> EncryptionInfo.

#include <string_view>

#include "common/http_types.h"
#include "ops/requests.h"
#include "s3ml/result.h"
#include "s3ml/sse.h"

namespace s3ml::ops {

/// What an operation accepts.
enum class SseUse {
  kWrite,         ///< PutObject, CopyObject (destination), CreateMultipartUpload: every kind
  kCustomerOnly,  ///< GetObject, HeadObject, UploadPart, CompleteMultipartUpload: SSE-C only
  kCopySource,    ///< CopyObject/UploadPartCopy source: SSE-C only, x-amz-copy-source-* names
};

/// Validates `sse` and adds its headers (nothing for kNone).
/// Errors (kInvalidArgument naming `op`): a customer key that is not 32 bytes; SSE-C over
/// plain http without Target::allow_sse_c_over_http; KMS fields with a non-KMS kind; a
/// KMS context that is not a JSON object; a kind `use` does not accept.
Status AddSseHeaders(HttpRequest& r, const Target& t, const ServerSideEncryption& sse, SseUse use,
                     std::string_view op);

/// The SSE headers of a response.
EncryptionInfo ParseEncryption(const Headers& h);

}  // namespace s3ml::ops
