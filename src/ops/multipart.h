#pragma once
// Typed multipart-upload requests -> HttpRequest, and their XML responses -> results.
// Pure functions like ops/requests.h; the client sends what these build.

#include <string>
#include <string_view>

#include "common/http_types.h"
#include "ops/requests.h"
#include "s3ml/multipart.h"
#include "s3ml/result.h"

namespace s3ml::ops {

// ---- builders (errors: kInvalidArgument naming the operation and the field) ---------

/// POST ?uploads with content type, cache control, metadata, storage class and tagging headers.
Result<HttpRequest> BuildCreateMultipartUpload(const Target& t, const CreateMultipartUploadRequest& req);
/// PUT ?partNumber=N&uploadId=ID with the body from memory, a file range or a reader.
/// Errors also for an empty upload id, a part number outside 1..10000, a body over 5 GiB,
/// more than one body source; kIo when the file can't be opened.
Result<HttpRequest> BuildUploadPart(const Target& t, const UploadPartRequest& req);
/// PUT ?partNumber=N&uploadId=ID with x-amz-copy-source and x-amz-copy-source-range
/// ("bytes=first-last"; open or suffix ranges are refused, as S3 refuses them).
Result<HttpRequest> BuildUploadPartCopy(const Target& t, const UploadPartCopyRequest& req);
/// POST ?uploadId=ID with the <CompleteMultipartUpload> document. Errors for no parts,
/// more than 10000, part numbers out of range or not strictly ascending, empty ETags.
Result<HttpRequest> BuildCompleteMultipartUpload(const Target& t, const CompleteMultipartUploadRequest& req);
/// DELETE ?uploadId=ID.
Result<HttpRequest> BuildAbortMultipartUpload(const Target& t, const AbortMultipartUploadRequest& req);
/// GET ?uploadId=ID[&max-parts][&part-number-marker].
Result<HttpRequest> BuildListParts(const Target& t, const ListPartsRequest& req);
/// GET ?uploads[&prefix][&delimiter][&key-marker][&upload-id-marker][&max-uploads].
Result<HttpRequest> BuildListMultipartUploads(const Target& t, const ListMultipartUploadsRequest& req);

/// The <CompleteMultipartUpload> body for `parts` (no validation).
std::string CompleteMultipartUploadXml(const std::vector<CompletedPart>& parts);

// ---- parsers (2xx responses; XML errors are kProtocol naming the operation) ----------

Result<CreateMultipartUploadResult> ParseCreateMultipartUpload(const HttpResponse& resp);
/// Errors: kProtocol when the response has no ETag header.
Result<UploadPartResult> ParseUploadPart(const HttpResponse& resp);
Result<UploadPartCopyResult> ParseUploadPartCopy(const HttpResponse& resp);
Result<CompleteMultipartUploadResult> ParseCompleteMultipartUpload(const HttpResponse& resp);
/// Errors: kProtocol for a truncated page without NextPartNumberMarker.
Result<ListPartsResult> ParseListParts(const HttpResponse& resp);
/// Decodes keys when <EncodingType>url</EncodingType>. Errors: kProtocol for a truncated
/// page without NextKeyMarker.
Result<ListMultipartUploadsResult> ParseListMultipartUploads(const HttpResponse& resp);

}  // namespace s3ml::ops
