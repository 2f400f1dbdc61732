#pragma once
// S3 error responses -> Status, the response classifier the retry loop uses, and the
// one shape of a protocol error (an answer this client cannot understand).

#include <functional>
#include <string>
#include <string_view>

#include "common/http_types.h"
#include "s3ml/status.h"

namespace s3ml::ops {

/// How an operation's responses are classified.
struct ResponseTraits {
  std::string operation;            ///< AWS name, e.g. "GetObject" (for messages)
  bool is_head = false;             ///< HEAD: error responses carry no body
  bool error_in_200 = false;        ///< a 200 may carry an <Error> body (CopyObject, CompleteMultipartUpload)
  /// Code used for a body-less 404 ("NoSuchKey" for objects, "NoSuchBucket" for buckets).
  std::string not_found_code = "NotFound";
};

/// Turns an error response (status >= 300) into a kService Status with the S3 error
/// code, the HTTP status, the message and the request id (from the <Error> body, or
/// the x-amz-request-id / x-amz-id-2 headers when the body has none). Bodies that are
/// absent (HEAD) or not S3 XML (a proxy's HTML page) get a code derived from the
/// HTTP status ("NoSuchKey"/"NotFound" for 404, "AccessDenied" for 403,
/// "PermanentRedirect" for 301, ...) and a snippet of the body. The category stays
/// kService so that 5xx answers remain retryable whatever their body.
Status ErrorFromResponse(const HttpResponse& resp, const ResponseTraits& traits);

/// OK for 2xx responses (except a 200 with an <Error> body when traits.error_in_200),
/// otherwise the error as ErrorFromResponse builds it.
Status ClassifyResponse(const HttpResponse& resp, const ResponseTraits& traits);

/// A classifier bound to `traits`, in the shape the retry loop takes.
std::function<Status(const HttpResponse&)> MakeClassifier(ResponseTraits traits);

/// A printable excerpt of a response body for error messages: at most
/// `max_chars` characters, control bytes shown as '.', whitespace runs collapsed.
std::string BodySnippet(std::string_view body, std::size_t max_chars = 160);

/// The Status for an answer that breaks the protocol (malformed XML, a number that is
/// not one, a missing element, a corrupt event stream): kProtocol, message
/// "<operation>: <what>" (just `what` without an operation), with `http_status` when
/// non-zero. `what` names the field and quotes the offending text.
Status ProtocolError(std::string_view operation, std::string_view what, int http_status = 0);
/// The same for a whole response: its HTTP status, and "; body starts with: <snippet>".
Status ProtocolError(std::string_view operation, const HttpResponse& resp, std::string_view what);

/// "s3://bucket/key", "s3://bucket" or "" (ListBuckets): the resource named in errors.
std::string ResourceName(std::string_view bucket, std::string_view key = {});

}  // namespace s3ml::ops
