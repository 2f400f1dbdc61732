#pragma once
// Typed S3 requests -> HttpRequest, and HTTP responses -> typed results.
// Pure functions (no I/O except reading a request body to hash it); the client
// layer sends what these build through the retry loop.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto.h"
#include "common/http_types.h"
#include "common/uri.h"
#include "s3ml/objects.h"
#include "s3ml/options.h"
#include "s3ml/result.h"

namespace s3ml::ops {

/// Where requests go: the parsed endpoint and the addressing style.
struct Target {
  Endpoint endpoint;
  AddressingStyle addressing = AddressingStyle::kAuto;
  // Request policy the builders apply (from ClientOptions; see ops/integrity.h, ops/sse.h).
  ChecksumCalculation checksum_calculation = ChecksumCalculation::kWhenSupported;
  ChecksumAlgorithm default_checksum_algorithm = ChecksumAlgorithm::kNone;
  PayloadSigning payload_signing = PayloadSigning::kAuto;
  bool allow_sse_c_over_http = false;
};

/// True when a bucket name can be a DNS label prefix (virtual-hosted addressing):
/// 3-63 chars of lowercase letters, digits, '-' and '.', alnum at both ends, no "..",
/// not an IPv4 address; with `allow_dots` false (https) no '.' at all, since a dotted
/// name breaks the *.s3.amazonaws.com wildcard certificate.
bool IsDnsCompatibleBucket(std::string_view bucket, bool allow_dots);

/// True when `host` is an IP literal (IPv4 dotted quad or IPv6).
bool IsIpAddress(std::string_view host);

/// kAuto resolves to virtual-hosted only for *.amazonaws.com endpoints with a DNS-compatible
/// bucket name; custom endpoints, IPs and localhost get path-style.
bool UsesVirtualHost(const Target& target, std::string_view bucket);

/// Encoded request path for a bucket/key under the addressing in effect. The key is
/// encoded exactly once with UriEncode(key, /*encode_slash=*/false): no normalisation,
/// so "a//b/", "x/./y" and "%41" go on the wire as given.
HttpRequest NewRequest(const Target& target, std::string method, std::string_view bucket,
                       std::string_view key = {});

// ---- builders ---------------------------------------------------------------------

HttpRequest BuildListBuckets(const Target& t);
/// Body <CreateBucketConfiguration><LocationConstraint> when a constraint is given.
HttpRequest BuildCreateBucket(const Target& t, const CreateBucketRequest& req);
HttpRequest BuildDeleteBucket(const Target& t, std::string_view bucket);
HttpRequest BuildHeadBucket(const Target& t, std::string_view bucket);
HttpRequest BuildGetBucketLocation(const Target& t, std::string_view bucket);
/// Attaches the body (memory view, file, or seekable reader). Errors: kInvalidArgument for
/// more than one body source, bad metadata names or header values with CR/LF; kIo when the
/// file can't be opened. Content-MD5 is added for memory bodies when requested (and
/// computed in a pass over file/reader bodies).
Result<HttpRequest> BuildPutObject(const Target& t, const PutObjectRequest& req);
/// Errors: kInvalidArgument for a malformed range or part number.
Result<HttpRequest> BuildGetObject(const Target& t, const GetObjectRequest& req);
Result<HttpRequest> BuildHeadObject(const Target& t, const HeadObjectRequest& req);
/// Errors: kInvalidArgument for an if_match with CR/LF.
Result<HttpRequest> BuildDeleteObject(const Target& t, const DeleteObjectRequest& req);
/// POST ?delete with the <Delete> XML body and its Content-MD5 (S3 requires it).
/// Errors: kInvalidArgument for 0 or more than 1000 objects or an empty key.
Result<HttpRequest> BuildDeleteObjects(const Target& t, const DeleteObjectsRequest& req);
/// x-amz-copy-source is "<bucket>/<key>" URL-encoded (slashes kept) plus "?versionId=".
Result<HttpRequest> BuildCopyObject(const Target& t, const CopyObjectRequest& req);
/// list-type=2 with encoding-type=url (keys are decoded by ParseListObjectsV2).
/// Errors: kInvalidArgument for max_keys < 0.
Result<HttpRequest> BuildListObjectsV2(const Target& t, const ListObjectsV2Request& req);

/// The copy-source header value for (bucket, key, version).
std::string CopySourceHeader(std::string_view bucket, std::string_view key, std::string_view version_id);

/// Reads the whole body once from offset 0, feeding each hasher given (null to skip).
/// Errors: the body's read error.
Status HashBody(RequestBody& body, Hasher* sha256, Hasher* md5);

/// Conditional-write headers (PutObject, CopyObject, CompleteMultipartUpload): If-Match
/// and If-None-Match when non-empty. Errors: kInvalidArgument for CR/LF in a value or
/// an if_none_match other than "*" (the only value S3 accepts on writes).
Status AddWriteConditions(HttpRequest& r, std::string_view op, const std::string& if_match,
                          const std::string& if_none_match);

/// True for a write or delete that carries If-Match or If-None-Match: a repeat after an
/// ambiguous failure would be judged against its own effect (412 after it succeeded),
/// so the retry loop treats such a request as not idempotent.
bool IsConditionalWrite(const HttpRequest& r);

/// Checks a header value has no CR, LF or NUL (header injection). `what` names the field.
Status CheckHeaderValue(std::string_view value, std::string_view what);

/// One row of the idempotency table: may `operation` run twice without harm? The retry
/// loop (RequestContext::idempotent) repeats a request whose failure is ambiguous (sent,
/// no answer: it may have taken effect) only when it is idempotent; error answers and
/// failures before the request left are retried either way.
struct OperationVerdict {
  std::string_view operation;  ///< AWS name, as in ResponseTraits::operation
  bool idempotent;
};

/// Every operation the client sends, with its verdict (ops/requests.cc says why for
/// each). Not idempotent: CreateMultipartUpload (a repeat leaves a second upload open)
/// and CompleteMultipartUpload (a repeat after a lost answer fails with NoSuchUpload);
/// their callers recover from an ambiguous failure themselves (see TransferManager).
const std::vector<OperationVerdict>& IdempotencyVerdicts();

/// The verdict of IdempotencyVerdicts() for `operation`; false for an operation not in
/// the table (the safe default: it is not repeated blindly).
bool IsIdempotent(std::string_view operation);

/// The verdict for a request about to be sent: kInternal naming the operation when it
/// has none, so an operation added without deciding whether a retry may repeat it
/// fails its first test instead of silently never being retried.
Result<bool> IdempotencyOf(std::string_view operation);

// ---- parsers (2xx responses) -------------------------------------------------------
// XML errors are kProtocol naming the operation and quoting the body.

Result<ListBucketsResult> ParseListBuckets(const HttpResponse& resp);
CreateBucketResult ParseCreateBucket(const HttpResponse& resp);
HeadBucketResult ParseHeadBucket(const HttpResponse& resp);
/// "us-east-1" for an empty constraint, "eu-west-1" for the legacy "EU".
Result<std::string> ParseGetBucketLocation(const HttpResponse& resp);
PutObjectResult ParsePutObject(const HttpResponse& resp);
/// Object metadata from GET/HEAD response headers. Errors: kProtocol for an unparseable
/// Content-Length or Content-Range.
Result<ObjectMetadata> ParseObjectMetadata(int http_status, const Headers& headers);
DeleteObjectResult ParseDeleteObject(const HttpResponse& resp);
Result<DeleteObjectsResult> ParseDeleteObjects(const HttpResponse& resp);
Result<CopyObjectResult> ParseCopyObject(const HttpResponse& resp);
/// Decodes url-encoded keys, prefixes, delimiter and start-after when the response says
/// <EncodingType>url</EncodingType>.
Result<ListObjectsV2Result> ParseListObjectsV2(const HttpResponse& resp);

/// Decodes one value of an encoding-type=url listing ('+' is a space, %XX a byte).
/// Errors: kProtocol naming `operation` and quoting a value that does not decode.
Result<std::string> DecodeListingValue(std::string_view s, std::string_view operation = "ListObjectsV2");

}  // namespace s3ml::ops
